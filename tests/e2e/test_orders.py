"""Order entry, order groups and portfolio reads with the sync client, against a real sandbox.

Intent in, V2 on the wire: every write and read goes over loopback HTTP to the sandbox and back.
Refusals are checked on both sides: no write left the client (its transport saw none) and the
exchange's state digest did not move.
"""

# ruff: noqa: F811  (test parameters take the fixtures imported from _client_kit)
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from _client_kit import (  # noqa: F401 (fixtures)
    SHARD_ONE,
    Kit,
    client,
    kit,
    pool,
    sandbox_url,
    wire_of,
)

from kalshikit import KalshiClient
from kalshikit.errors import BadRequest, NotFound, ValidationError
from kalshikit.http._core import prepare
from kalshikit.http.orders_core import (
    BatchItemResult,
    DryRun,
    OrderResult,
    OrderSpec,
    OrderTarget,
    cancel_batch_call,
    decrease_amounts,
    decrease_call,
)
from kalshikit.models import CancelOrderAck
from kalshikit.units import Contracts, Price

pytestmark = pytest.mark.slow


def placed(outcome: object) -> OrderResult:
    assert isinstance(outcome, OrderResult), outcome
    return outcome


def fund_shard_one(client: KalshiClient) -> None:
    """Collateral is checked per shard: combo markets (shard 1) need cash moved there."""
    client.transfers.shard("50", from_shard=0, to_shard=1)


def buy_yes(client: KalshiClient, ticker: str, cents: int, count: int = 2, **kw: Any) -> str:
    return placed(
        client.orders.create(ticker, side="yes", action="buy", count=count, price_cents=cents, **kw)
    ).order_id


# --- intent -> wire ---------------------------------------------------------------------------


def test_buy_no_at_40_rests_as_a_yes_ask_at_60(kit: Kit, client: KalshiClient) -> None:
    ticker = kit.market()
    result = placed(
        client.orders.create(ticker, side="no", action="buy", count=2, price_dollars="0.40")
    )
    assert (result.request.side, result.request.price) == ("ask", "0.6000")
    assert result.resolved_by == "created"
    assert result.ack.order_id == result.order_id
    order = client.orders.get(result.order_id)
    assert (order.book_side, order.yes_price, order.status) == ("ask", Price("0.60"), "resting")
    assert order.client_order_id == result.client_order_id
    book = client.markets.orderbook(ticker)
    assert book.no == [("0.4000", "2.00")]  # a YES ask at 0.60 is a NO bid at 0.40
    assert book.yes == []


def test_sell_no_is_a_yes_bid(kit: Kit, client: KalshiClient) -> None:
    result = placed(
        client.orders.create(kit.market(), side="no", action="sell", count="1.5", price_cents=70)
    )
    assert (result.request.side, result.request.price, result.request.count) == (
        "bid",
        "0.3000",
        "1.50",
    )


def test_sub_cent_price_on_a_deci_cent_market(kit: Kit, client: KalshiClient) -> None:
    fund_shard_one(client)  # a deci-cent market may be a combo's (shard 1)
    ticker = kit.market("deci_cent")
    result = placed(
        client.orders.create(ticker, side="yes", action="buy", count=1, price_dollars="0.505")
    )
    assert client.orders.get(result.order_id).yes_price == Price("0.505")


# --- every write and read ---------------------------------------------------------------------


def test_get_list_and_queue_positions(kit: Kit, client: KalshiClient) -> None:
    ticker, other = kit.market(), kit.market()
    first = buy_yes(client, ticker, 30)
    second = buy_yes(client, ticker, 30, count=3)
    buy_yes(client, other, 20)
    listed = [o.order_id for o in client.orders.list(ticker=ticker)]
    assert listed == [second, first]  # newest first
    assert len(client.orders.list(page_size=1).to_list()) == 3  # every page, not the first
    assert [o.order_id for o in client.orders.list(status="executed")] == []
    assert client.orders.queue_position(second) == Contracts(2)  # two ahead at 0.30
    positions = client.orders.queue_positions(market_tickers=[ticker])
    assert {p.order_id for p in positions} == {first, second}


def test_amend_then_decrease_then_cancel(kit: Kit, client: KalshiClient) -> None:
    ticker = kit.market()
    order_id = buy_yes(client, ticker, 30, count=5)
    amended = client.orders.amend(
        order_id, ticker=ticker, side="yes", action="buy", count=8, price_cents=32
    )
    assert not isinstance(amended, DryRun)
    order = client.orders.get(order_id)
    assert (order.yes_price, order.remaining_count) == (Price("0.32"), Contracts(8))
    decreased = client.orders.decrease(order_id, reduce_by=3)
    assert not isinstance(decreased, DryRun)
    assert decreased.remaining_count == "5.00"
    client.orders.decrease(order_id, reduce_to="2.5")
    assert client.orders.get(order_id).remaining_count == Contracts("2.5")
    canceled = client.orders.cancel(order_id, market_ticker=ticker)
    assert isinstance(canceled, CancelOrderAck)
    assert canceled.reduced_by == "2.50"
    assert client.orders.get(order_id).status == "canceled"


def test_amend_a_no_order_in_no_terms(kit: Kit, client: KalshiClient) -> None:
    ticker = kit.market()
    result = placed(client.orders.create(ticker, side="no", action="buy", count=1, price_cents=40))
    client.orders.amend(
        result.order_id, ticker=ticker, side="no", action="buy", count=1, price_cents=45
    )
    assert client.orders.get(result.order_id).yes_price == Price("0.55")


def test_batch_create_places_or_refuses_each_order(kit: Kit, client: KalshiClient) -> None:
    ticker = kit.market()
    specs = [
        OrderSpec(ticker, side="yes", action="buy", count=1, price_cents=20),
        # nothing to reduce: the exchange refuses this one alone
        OrderSpec(
            ticker, side="yes", action="sell", count=1, price_cents=90,
            time_in_force="immediate_or_cancel", reduce_only=True,
        ),
        OrderSpec(ticker, side="no", action="buy", count=2, price_dollars=Decimal("0.25")),
    ]  # fmt: skip
    results = client.orders.create_batch(specs)
    assert isinstance(results, list)
    assert [r.ok for r in results] == [True, False, True]
    assert all(isinstance(r, BatchItemResult) for r in results)
    assert results[1].error is not None
    assert results[1].error.code == "invalid_order"
    assert results[2].request.side == "ask"
    assert results[2].request.price == "0.7500"
    assert len({r.client_order_id for r in results}) == 3
    ids = [r.order_id for r in results if r.order_id]
    canceled = client.orders.cancel_batch(ids)
    assert isinstance(canceled, list)
    assert [c.order_id for c in canceled] == ids
    assert {client.orders.get(i).status for i in ids} == {"canceled"}


def test_cancel_all_cancels_every_resting_order(kit: Kit, client: KalshiClient) -> None:
    ids = [buy_yes(client, kit.market(), 10), buy_yes(client, kit.market(), 11)]
    assert client.orders.cancel_all() is None
    assert {client.orders.get(i).status for i in ids} == {"canceled"}


# --- refusals: nothing reaches the sandbox ------------------------------------------------------

HALF_A_CENT = (
    'price_cents takes whole cents 1-99; for half a cent pass price_dollars="0.005" where the '
    'market allows it; did you mean price_cents=50 or price_dollars="0.50"?'
)
BAD_CREATES: list[tuple[dict[str, Any], str]] = [
    ({"price_cents": 0.5}, "did you mean price_cents=50"),
    ({"price_cents": 0}, "whole cents 1-99"),
    ({"price_cents": 100}, "whole cents 1-99"),
    ({"price_cents": "50"}, "whole cents 1-99"),
    ({"price_cents": None, "price_dollars": 0.5}, "floats are not exact"),
    ({"price_cents": None, "price_dollars": "1.00"}, "strictly between 0 and 1"),
    ({"price_cents": None, "price_dollars": "0.505"}, "valid YES prices are $0.50 and $0.51"),
    ({"side": "no", "price_cents": None, "price_dollars": "0.505"}, "NO prices are $0.50 and"),
    ({"price_cents": 50, "price_dollars": "0.50"}, "exactly one of price_cents"),
    ({"price_cents": None}, "exactly one of price_cents"),
    ({"count": 0}, "count must be at least 0.01"),
    ({"count": -1}, "count must be at least 0.01"),
    ({"count": 1.5}, "floats are not exact"),
    ({"count": "0.001"}, "more than 2 decimal places"),
    ({"side": "maybe"}, "side must be one of"),
    ({"action": "hold"}, "action must be one of"),
    ({"time_in_force": "gtt"}, "time_in_force must be one of"),
    ({"reduce_only": True}, "immediate_or_cancel"),
    ({"expiration": 2_000_000_000, "time_in_force": "immediate_or_cancel"}, "only allowed"),
    ({"expiration": 1_000_000_000}, "not in the future"),
    ({"expiration": datetime(2030, 1, 1)}, "naive datetime"),  # noqa: DTZ001
    ({"post_only": "yes"}, "post_only must be True, False or None"),
    ({"client_order_id": ""}, "client_order_id must be a non-empty string"),
]


@pytest.mark.parametrize(("bad", "says"), BAD_CREATES)
def test_a_refused_create_sends_nothing(
    kit: Kit, client: KalshiClient, bad: dict[str, Any], says: str
) -> None:
    ticker = kit.quiet_market()
    before = kit.digest()
    intent: dict[str, Any] = {"side": "yes", "action": "buy", "count": 1, "price_cents": 50}
    with pytest.raises(ValidationError, match=re.escape(says)):
        client.orders.create(ticker, **{**intent, **bad})
    assert wire_of(client).writes == []
    assert kit.digest() == before


def test_half_a_cent_says_what_was_meant(kit: Kit, client: KalshiClient) -> None:
    with pytest.raises(ValidationError) as refused:
        client.orders.create(kit.quiet_market(), side="yes", action="buy", count=1, price_cents=0.5)  # type: ignore[arg-type]
    assert str(refused.value) == HALF_A_CENT
    assert wire_of(client).seen == []  # caught before even the market was read


def test_an_unknown_ticker_is_found_by_the_grid_lookup(kit: Kit, client: KalshiClient) -> None:
    before = kit.digest()
    with pytest.raises(NotFound):
        client.orders.create("NO-SUCH-MARKET", side="yes", action="buy", count=1, price_cents=5)
    assert wire_of(client).seen == [("GET", "/markets/NO-SUCH-MARKET")]
    assert kit.digest() == before


OTHER_REFUSALS: list[Callable[[KalshiClient, str], object]] = [
    lambda c, t: c.orders.amend("o", ticker=t, side="yes", action="buy", count=1, price_cents=0),
    lambda c, t: c.orders.amend(
        "o", ticker=t, side="yes", action="buy", count=1, price_dollars="0.501"
    ),
    lambda c, t: c.orders.decrease("o", reduce_by=1, reduce_to=1),
    lambda c, t: c.orders.decrease("o"),
    lambda c, t: c.orders.decrease("o", reduce_by=0),
    lambda c, t: c.orders.cancel_batch([]),
    lambda c, t: c.orders.cancel(""),
    lambda c, t: c.orders.cancel("o", exchange_index=True),  # type: ignore[arg-type]
    lambda c, t: c.orders.decrease("o", reduce_by=1, market_ticker=""),
    lambda c, t: c.orders.cancel_batch(["a", "a"]),
    lambda c, t: c.orders.create_batch([]),
    lambda c, t: c.orders.create_batch(
        [OrderSpec(t, side="yes", action="buy", count=1, price_cents=5, client_order_id="x")] * 2
    ),
    lambda c, t: c.order_groups.create(contracts_limit=0),
    lambda c, t: c.order_groups.set_limit("g", 1.5),  # type: ignore[arg-type]
    lambda c, t: c.orders.list(status="open"),
    lambda c, t: c.portfolio.positions(settlement_status="done"),
]


@pytest.mark.parametrize("refused", OTHER_REFUSALS)
def test_other_refused_writes_send_nothing(
    kit: Kit, client: KalshiClient, refused: Callable[[KalshiClient, str], object]
) -> None:
    ticker = kit.quiet_market()
    before = kit.digest()
    with pytest.raises(ValidationError):
        refused(client, ticker)
    assert wire_of(client).writes == []
    assert kit.digest() == before


# --- shards: cancels and decreases route by market_ticker, else to shard 0 (reference 5.5) -----


def test_writes_given_only_an_order_id_reach_shard_one(kit: Kit, client: KalshiClient) -> None:
    """A combo market lives on shard 1; the client learns each order's market before writing."""
    fund_shard_one(client)
    ticker = kit.market(SHARD_ONE)
    ids = [buy_yes(client, ticker, cents) for cents in (10, 11, 12, 13)]
    assert {client.orders.get(i).exchange_index for i in ids} == {1}
    decreased = client.orders.decrease(ids[0], reduce_by=1)
    assert not isinstance(decreased, DryRun)
    assert decreased.remaining_count == "1.00"
    canceled = client.orders.cancel(ids[0])
    assert isinstance(canceled, CancelOrderAck)
    assert canceled.reduced_by == "1.00"
    batch = client.orders.cancel_batch(ids[1:3])
    assert isinstance(batch, list)
    assert [(c.order_id, c.error) for c in batch] == [(i, None) for i in ids[1:3]]
    assert client.orders.cancel(ids[3], market_ticker=ticker) is not None  # no look-up needed
    assert {client.orders.get(i).status for i in ids} == {"canceled"}


def test_listed_orders_carry_their_market_to_a_batch_cancel(kit: Kit, client: KalshiClient) -> None:
    fund_shard_one(client)
    ticker = kit.market(SHARD_ONE)
    ids = {buy_yes(client, ticker, cents) for cents in (20, 21)}
    resting = list(client.orders.list(ticker=ticker, status="resting"))
    reads = len(wire_of(client).seen)
    canceled = client.orders.cancel_batch(resting)
    assert isinstance(canceled, list)
    assert {c.order_id for c in canceled if c.error is None} == ids
    assert wire_of(client).seen[reads:] == [("DELETE", "/portfolio/events/orders/batched")]


def test_without_market_ticker_the_exchange_looks_on_shard_zero(
    kit: Kit, client: KalshiClient
) -> None:
    """As Kalshi does: a cancel or decrease that names no market goes to shard 0, where an order
    resting on shard 1 is not found (the bug the client's routing avoids)."""
    fund_shard_one(client)
    ticker = kit.market(SHARD_ONE)
    order_id = buy_yes(client, ticker, 30)
    bare = OrderTarget(order_id)
    with pytest.raises(NotFound):
        client.send(prepare("orders.cancel", path={"order_id": order_id}))
    with pytest.raises(NotFound):
        client.call(decrease_call(bare, decrease_amounts(1, None)))
    [item] = client.call(cancel_batch_call([bare]))
    assert item.error is not None
    assert item.error.code == "order_not_found"
    with pytest.raises(NotFound):  # an explicit shard that is not the order's
        client.orders.cancel(order_id, exchange_index=0)
    order = client.orders.get(order_id)
    assert (order.status, order.remaining_count) == ("resting", Contracts(2))


# --- dry runs ---------------------------------------------------------------------------------


def test_every_write_has_a_dry_run_that_sends_nothing(kit: Kit, client: KalshiClient) -> None:
    ticker = kit.market()
    order_id = buy_yes(client, ticker, 15)
    group_id = client.order_groups.create()
    assert isinstance(group_id, str)
    before, writes = kit.digest(), len(wire_of(client).writes)
    spec = OrderSpec(ticker, side="no", action="buy", count=1, price_cents=60)
    dry_runs = [
        client.orders.create(
            ticker, side="no", action="buy", count=1, price_cents=60, dry_run=True
        ),
        client.orders.create_batch([spec], dry_run=True),
        client.orders.cancel(order_id, dry_run=True),
        client.orders.cancel_batch([order_id], dry_run=True),
        client.orders.cancel_all(dry_run=True),
        client.orders.amend(
            order_id, ticker=ticker, side="yes", action="buy", count=3, price_cents=16, dry_run=True
        ),
        client.orders.decrease(order_id, reduce_by=1, dry_run=True),
        client.order_groups.create(contracts_limit=5, dry_run=True),
        client.order_groups.delete(group_id, dry_run=True),
        client.order_groups.reset(group_id, dry_run=True),
        client.order_groups.trigger(group_id, dry_run=True),
        client.order_groups.set_limit(group_id, 3, dry_run=True),
    ]
    assert all(isinstance(d, DryRun) for d in dry_runs)
    assert len(wire_of(client).writes) == writes
    assert kit.digest() == before
    create = dry_runs[0]
    assert isinstance(create, DryRun)
    assert (create.method, create.path) == ("POST", "/trade-api/v2/portfolio/events/orders")
    assert create.url == kit.url + "/portfolio/events/orders"
    assert create.body is not None
    assert (create.body["side"], create.body["price"]) == ("ask", "0.4000")
    cancel = dry_runs[2]
    assert isinstance(cancel, DryRun)
    assert cancel.method == "DELETE"
    assert cancel.body is None


# --- money and positions ----------------------------------------------------------------------


def test_a_sell_that_closes_a_position_releases_collateral(kit: Kit) -> None:
    ticker = kit.market()
    alice, bob, carol = kit.client(), kit.client(), kit.client()
    start = alice.portfolio.balance().balance
    buy_yes(alice, ticker, 40, count=10)
    assert alice.portfolio.balance().balance == start - Decimal("4.00")  # held while resting
    bob.orders.create(ticker, side="yes", action="sell", count=10, price_cents=40)
    [held] = alice.portfolio.positions(ticker=ticker)
    assert held.position == Contracts(10)
    alice.orders.create(ticker, side="yes", action="sell", count=10, price_cents=45)
    # the position covers this sale: no new collateral (an opening sale would hold $5.50)
    assert alice.portfolio.balance().balance == start - Decimal("4.00")
    buy_yes(carol, ticker, 45, count=10)
    assert alice.portfolio.balance().balance == start + Decimal("0.50")
    [closed] = alice.portfolio.positions(ticker=ticker)
    assert closed.position == Contracts(0)


def test_portfolio_pagers_follow_every_cursor(kit: Kit) -> None:
    maker, taker = kit.client(), kit.client()
    tickers = [kit.market() for _ in range(3)]
    for ticker in tickers:
        buy_yes(maker, ticker, 30, count=1)
        taker.orders.create(ticker, side="yes", action="sell", count=1, price_cents=30)
    positions = maker.portfolio.positions(page_size=1).to_list()
    assert sorted(p.ticker for p in positions) == sorted(tickers)
    events = maker.portfolio.event_positions(page_size=1).to_list()
    assert events
    assert all(e.event_ticker for e in events)
    fills = taker.portfolio.fills(page_size=1).to_list()
    assert sorted(f.ticker for f in fills) == sorted(tickers)
    assert len(taker.portfolio.fills(ticker=tickers[:2]).to_list()) == 2
    kit.admin("POST", f"/markets/{tickers[0]}/determine", {"result": "yes"})
    kit.admin("POST", f"/markets/{tickers[0]}/settle")
    [settled] = maker.portfolio.settlements(page_size=1).to_list()
    assert (settled.ticker, settled.market_result) == (tickers[0], "yes")


def test_resting_order_value_counts_resting_orders(kit: Kit, client: KalshiClient) -> None:
    assert client.portfolio.resting_order_value().total_resting_order_value == 0
    buy_yes(client, kit.market(), 25, count=4)
    assert client.portfolio.resting_order_value().total_resting_order_value == 100


# --- order groups -----------------------------------------------------------------------------


def test_an_order_group_cancels_its_orders_at_the_limit(kit: Kit) -> None:
    ticker = kit.market()
    maker, taker = kit.client(), kit.client()
    group_id = maker.order_groups.create(contracts_limit=2)
    assert isinstance(group_id, str)
    order_id = buy_yes(maker, ticker, 40, count=5, order_group_id=group_id)
    assert maker.order_groups.get(group_id).orders == [order_id]
    taker.orders.create(ticker, side="yes", action="sell", count=2, price_cents=40)
    assert maker.orders.get(order_id).status == "canceled"  # 2 matched: the limit
    with pytest.raises(BadRequest, match="order_group_limit_hit"):
        buy_yes(maker, ticker, 41, order_group_id=group_id)
    maker.order_groups.reset(group_id)
    again = buy_yes(maker, ticker, 41, order_group_id=group_id)
    maker.order_groups.trigger(group_id)
    assert maker.orders.get(again).status == "canceled"
    maker.order_groups.reset(group_id)
    maker.order_groups.set_limit(group_id, "7.5")
    [listed] = maker.order_groups.list()
    assert (listed.id, listed.contracts_limit_fp) == (group_id, "7.50")
    maker.order_groups.delete(group_id)
    assert maker.order_groups.list() == []
