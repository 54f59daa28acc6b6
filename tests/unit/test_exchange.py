"""The sandbox exchange, rule by rule: refusals, collateral, fills, fees, P&L, order groups,
queue positions, lifecycle and settlement, reads and pagination.

Every test drives a real ``Exchange`` over the seeded catalog with a hand-moved clock.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec
import pytest
from _exchange_kit import (
    NOW_MS,
    Clock,
    catalog,
    conserved,
    dollars,
    ioc,
    new_exchange,
    order,
    pick,
)

from kalshikit.models import (
    AmendOrderV2Request,
    CreateOrderGroupRequest,
    DecreaseOrderV2Request,
)
from kalshikit.sandbox.exchange.events import (
    BookChanged,
    ExchangeEvent,
    FillRecorded,
    MarketLifecycle,
    OrderGroupUpdated,
    OrderUpdated,
    PositionChanged,
    TradeExecuted,
)
from kalshikit.sandbox.exchange.exchange import Exchange, ExchangeError
from kalshikit.sandbox.exchange.requests import WriteRoute

PLAIN = pick()  # quadratic fees, cent grid, active
OTHER = pick(index=1)
MAKER_FEES = pick(fee_type="quadratic_with_maker_fees")
TAPERED = pick(structure="tapered_deci_cent")
UNOPENED = pick(status="initialized")
COMBO = pick(fee_type="quadratic_with_combo_maker_fees", structure="deci_cent")  # shard 1


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def ex(clock: Clock) -> Exchange:
    return new_exchange(clock)


@pytest.fixture
def alice(ex: Exchange) -> str:
    return ex.create_user(balance_cents=100_00, user_id="alice")


@pytest.fixture
def bob(ex: Exchange) -> str:
    return ex.create_user(balance_cents=100_00, user_id="bob")


@pytest.fixture
def carol(ex: Exchange) -> str:
    return ex.create_user(balance_cents=100_00, user_id="carol")


def refused(ex: Exchange, call: Any, status: int, code: str) -> ExchangeError:
    """Assert ``call()`` is refused with that status and code and changes nothing."""
    before = ex.state_digest()
    with pytest.raises(ExchangeError) as caught:
        call()
    assert (caught.value.status, caught.value.code) == (status, code), caught.value.message
    assert ex.state_digest() == before
    return caught.value


def trade(ex: Exchange, buyer: str, seller: str, ticker: str, price: str, count: str) -> None:
    """``buyer`` ends up long ``count`` YES from ``seller`` at ``price`` (buyer is maker)."""
    ex.create_order(buyer, order(ticker, "bid", price, count))
    ex.create_order(seller, ioc(ticker, "ask", price, count))


# ---------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("changes", "status", "code"),
    [
        ({"ticker": "NOPE-1"}, 404, "market_not_found"),
        ({"ticker": UNOPENED}, 400, "market_closed"),
        ({"side": "yes"}, 400, "invalid_order"),
        ({"price": "abc"}, 400, "invalid_price"),
        ({"price": "0"}, 400, "invalid_price"),
        ({"price": "1.00"}, 400, "invalid_price"),
        ({"price": "-0.50"}, 400, "invalid_price"),
        ({"price": "0.505"}, 400, "invalid_price"),
        ({"price": "50"}, 400, "invalid_price"),
        ({"count": "ten"}, 400, "invalid_count"),
        ({"count": "0.00"}, 400, "invalid_count"),
        ({"count": "-1.00"}, 400, "invalid_count"),
        ({"count": "0.001"}, 400, "invalid_count"),
        ({"tif": "GTT"}, 400, "invalid_order"),
        ({"stp": "none"}, 400, "invalid_order"),
        ({"reduce_only": True}, 400, "invalid_order"),
        ({"tif": "immediate_or_cancel", "expiration_time": NOW_MS // 1000 + 60}, 400,
         "invalid_order"),
        ({"expiration_time": NOW_MS // 1000}, 400, "invalid_order"),
        ({"order_group_id": "no-such-group"}, 404, "order_group_not_found"),
        ({"count": "1000.00"}, 400, "insufficient_balance"),
        ({"subaccount": 3}, 400, "subaccount_not_found"),
        ({"exchange_index": 1}, 400, "invalid_parameters"),
    ],
)  # fmt: skip
def test_create_refusals_change_nothing(
    ex: Exchange, alice: str, changes: dict[str, Any], status: int, code: str
) -> None:
    ex.create_order(alice, order(PLAIN, "bid", "0.30", "1.00"))  # some state to keep
    fields = {"ticker": PLAIN, "side": "bid", "price": "0.50", "count": "10.00"} | changes
    req = order(fields.pop("ticker"), fields.pop("side"), fields.pop("price"),
                fields.pop("count"), **fields)  # fmt: skip
    refused(ex, lambda: ex.create_order(alice, req), status, code)


def test_price_must_sit_on_a_tapered_grid(ex: Exchange, alice: str) -> None:
    # tapered_deci_cent: $0.001 steps below $0.10, $0.01 steps between $0.10 and $0.90
    ex.create_order(alice, order(TAPERED, "bid", "0.055", "1.00"))
    error = refused(
        ex, lambda: ex.create_order(alice, order(TAPERED, "bid", "0.555")), 400, "invalid_price"
    )
    assert "0.55" in error.message
    assert "0.56" in error.message


def test_unknown_user_is_404(ex: Exchange) -> None:
    refused(ex, lambda: ex.create_order("ghost", order(PLAIN, "bid", "0.5")), 404, "user_not_found")


def test_duplicate_client_order_id_is_409_until_the_first_is_final(
    ex: Exchange, alice: str
) -> None:
    first = ex.create_order(alice, order(PLAIN, "bid", "0.40", client_order_id="c-1"))
    again = order(OTHER, "bid", "0.40", client_order_id="c-1")
    refused(ex, lambda: ex.create_order(alice, again), 409, "duplicate_client_order_id")
    ex.cancel_order(alice, first.order_id)
    assert ex.create_order(alice, again).client_order_id == "c-1"


def test_post_only_and_fill_or_kill_refusals(ex: Exchange, alice: str, bob: str) -> None:
    ex.create_order(alice, order(PLAIN, "ask", "0.60", "5.00"))
    cross = order(PLAIN, "bid", "0.60", "1.00", post_only=True)
    refused(ex, lambda: ex.create_order(bob, cross), 400, "post_only_cross")
    too_big = order(PLAIN, "bid", "0.60", "6.00", tif="fill_or_kill")
    refused(ex, lambda: ex.create_order(bob, too_big), 400, "fill_or_kill_insufficient")
    ack = ex.create_order(bob, order(PLAIN, "bid", "0.60", "5.00", tif="fill_or_kill"))
    assert ack.fill_count == "5.00"


def test_refused_order_does_not_use_up_an_id(ex: Exchange, alice: str, bob: str) -> None:
    twin = new_exchange()
    for user in (alice, bob):
        twin.create_user(balance_cents=100_00, user_id=user)
    for exchange in (ex, twin):
        exchange.create_order(alice, order(PLAIN, "ask", "0.60", "1.00"))
    with pytest.raises(ExchangeError):  # only ex sees the refused fill-or-kill
        ex.create_order(bob, order(PLAIN, "bid", "0.60", "2.00", tif="fill_or_kill"))
    after_refusal = ex.create_order(bob, order(PLAIN, "bid", "0.10")).order_id
    assert after_refusal == twin.create_order(bob, order(PLAIN, "bid", "0.10")).order_id


def test_paused_exchange_refuses_orders_with_503(ex: Exchange, alice: str) -> None:
    resting = ex.create_order(alice, order(PLAIN, "bid", "0.40"))
    doomed = ex.create_order(alice, order(PLAIN, "bid", "0.41", cancel_order_on_pause=True))
    ex.set_trading_active(False)
    assert ex.exchange_status().trading_active is False
    refused(ex, lambda: ex.create_order(alice, order(PLAIN, "bid", "0.4")), 503,
            "exchange_unavailable")  # fmt: skip
    assert ex.order(alice, resting.order_id).status == "resting"
    assert ex.order(alice, doomed.order_id).status == "canceled"
    ex.cancel_order(alice, resting.order_id)  # cancels still work while paused
    ex.set_trading_active(True)
    ex.create_order(alice, order(PLAIN, "bid", "0.40"))


# ---------------------------------------------------------------------------- collateral


def test_resting_bid_holds_its_cost_until_canceled(ex: Exchange, alice: str) -> None:
    ack = ex.create_order(alice, order(PLAIN, "bid", "0.40"))
    assert dollars(ex, alice) == Decimal("96.00")
    assert ex.total_resting_order_value(alice) == 400
    cancel = ex.cancel_order(alice, ack.order_id)
    assert cancel.reduced_by == "10.00"
    assert dollars(ex, alice) == Decimal("100.00")
    assert ex.order(alice, ack.order_id).status == "canceled"
    refused(ex, lambda: ex.cancel_order(alice, ack.order_id), 404, "order_not_found")


def test_no_order_rests_as_a_yes_ask_and_costs_one_minus_p(ex: Exchange, alice: str) -> None:
    ex.create_order(alice, order(PLAIN, "ask", "0.60"))  # buy NO at $0.40
    assert dollars(ex, alice) == Decimal("96.00")
    book = ex.orderbook(PLAIN)
    assert book.yes_dollars == []
    assert book.no_dollars == [("0.4000", "10.00")]
    market = ex.market(PLAIN)
    assert (market.yes_ask_dollars, market.yes_ask_size_fp) == ("0.6000", "10.00")
    assert (market.no_bid_dollars, market.no_ask_dollars) == ("0.4000", "1.0000")


def test_decrease_releases_collateral(ex: Exchange, alice: str) -> None:
    ack = ex.create_order(alice, order(PLAIN, "bid", "0.40"))
    by = ex.decrease_order(alice, ack.order_id, DecreaseOrderV2Request(reduce_by="4.00"))
    assert by.remaining_count == "6.00"
    assert dollars(ex, alice) == Decimal("97.60")
    to = ex.decrease_order(alice, ack.order_id, DecreaseOrderV2Request(reduce_to="0"))
    assert to.remaining_count == "0.00"
    assert dollars(ex, alice) == Decimal("100.00")
    assert ex.order(alice, ack.order_id).status == "canceled"


def test_decrease_refusals(ex: Exchange, alice: str) -> None:
    ack = ex.create_order(alice, order(PLAIN, "bid", "0.40"))
    both = DecreaseOrderV2Request(reduce_by="1.00", reduce_to="2.00")
    refused(ex, lambda: ex.decrease_order(alice, ack.order_id, both), 400, "invalid_parameters")
    up = DecreaseOrderV2Request(reduce_to="10.00")
    refused(ex, lambda: ex.decrease_order(alice, ack.order_id, up), 400, "invalid_count")
    refused(ex, lambda: ex.decrease_order("alice", "nope", up), 404, "order_not_found")


def test_cancel_and_decrease_reach_shard_one_only_by_its_market(ex: Exchange, alice: str) -> None:
    """Kalshi routes a cancel or decrease by market_ticker, else to the exchange_index given,
    else to shard 0 (reference 5.5): a combo's order (shard 1) is not found elsewhere."""
    assert ex.market(COMBO).exchange_index == 1
    ex.deposit_to_shard(alice, 1000_00, 1)
    first, second = (ex.create_order(alice, order(COMBO, "bid", p)) for p in ("0.40", "0.41"))
    by_one = DecreaseOrderV2Request(reduce_by="1.00")
    for misrouted in (
        lambda: ex.cancel_order(alice, first.order_id),
        lambda: ex.cancel_order(alice, first.order_id, WriteRoute(exchange_index=0)),
        lambda: ex.cancel_order(alice, first.order_id, WriteRoute(market_ticker=PLAIN)),
        lambda: ex.decrease_order(alice, first.order_id, by_one),
    ):
        refused(ex, misrouted, 404, "order_not_found")
    [missed] = ex.batch_cancel(alice, [second.order_id])
    assert missed.error is not None
    assert missed.error.code == "order_not_found"
    routed = DecreaseOrderV2Request(reduce_by="1.00", market_ticker=COMBO)
    assert ex.decrease_order(alice, first.order_id, routed).remaining_count == "9.00"
    assert ex.cancel_order(alice, first.order_id, WriteRoute(exchange_index=1)).reduced_by
    [done] = ex.batch_cancel(alice, [second.order_id], [WriteRoute(market_ticker=COMBO)])
    assert done.error is None
    assert {ex.order(alice, o.order_id).status for o in (first, second)} == {"canceled"}


def test_expiry_releases_collateral(ex: Exchange, alice: str, clock: Clock) -> None:
    expires = NOW_MS // 1000 + 60
    ack = ex.create_order(alice, order(PLAIN, "bid", "0.40", expiration_time=expires))
    assert ex.order(alice, ack.order_id).expiration_time is not None
    clock.advance(59)
    ex.advance()
    assert ex.order(alice, ack.order_id).status == "resting"
    clock.advance(1)
    assert ex.advance_due()
    ex.advance()
    assert ex.order(alice, ack.order_id).status == "canceled"
    assert dollars(ex, alice) == Decimal("100.00")


def test_market_close_cancels_orders_and_releases_collateral(ex: Exchange, alice: str,
                                                            clock: Clock) -> None:  # fmt: skip
    state = min((m for m in catalog().markets if m.status == "active"), key=lambda m: m.close_time)
    ticker = state.ticker
    events: list[ExchangeEvent] = []
    ex.add_listener(events.append)
    ack = ex.create_order(alice, order(ticker, "ask", "0.70"))
    clock.ms = int(state.close_time.timestamp() * 1000)
    ex.advance()
    assert ex.order(alice, ack.order_id).status == "canceled"
    assert dollars(ex, alice) == Decimal("100.00")
    assert ex.market(ticker).status == "closed"
    assert ex.orderbook(ticker).no_dollars == []
    assert MarketLifecycle(ticker, "closed", clock.ms) in events
    refused(ex, lambda: ex.create_order(alice, order(ticker, "ask", "0.7")), 400, "market_closed")


def test_unopened_market_opens_on_time(ex: Exchange, alice: str, clock: Clock) -> None:
    market = catalog().market(UNOPENED)
    assert market is not None
    assert ex.market(UNOPENED).status == "initialized"
    clock.ms = int(market.open_time.timestamp() * 1000)
    ex.advance()
    assert ex.market(UNOPENED).status == "active"
    ex.create_order(alice, order(UNOPENED, "bid", "0.20"))


def test_yes_holder_selling_yes_needs_no_new_collateral(ex: Exchange, alice: str, bob: str) -> None:
    trade(ex, alice, bob, PLAIN, "0.50", "10.00")
    ex.deposit(alice, -95_00)  # nothing left but the 10 YES
    assert dollars(ex, alice) == Decimal("0")
    ex.create_order(alice, order(PLAIN, "ask", "0.70", "10.00"))
    assert dollars(ex, alice) == Decimal("0")
    # the position is claimed by the resting ask: one more would be a fresh NO buy
    refused(ex, lambda: ex.create_order(alice, order(PLAIN, "ask", "0.70", "1.00")), 400,
            "insufficient_balance")  # fmt: skip


def test_no_holder_bidding_needs_no_new_collateral(ex: Exchange, alice: str, bob: str) -> None:
    trade(ex, alice, bob, PLAIN, "0.50", "10.00")  # bob is short: 10 NO
    ex.deposit(bob, -(dollars_cents := int(dollars(ex, bob) * 100)))
    assert dollars_cents > 0
    assert dollars(ex, bob) == Decimal("0")
    ex.create_order(bob, order(PLAIN, "bid", "0.30", "10.00"))
    assert dollars(ex, bob) == Decimal("0")


# ---------------------------------------------------------------------------- fills and fees


def test_fills_move_cash_and_positions_exactly(ex: Exchange, alice: str, bob: str) -> None:
    ex.create_order(alice, order(PLAIN, "bid", "0.55"))
    ack = ex.create_order(bob, ioc(PLAIN, "ask", "0.50", "4.00"))
    # trades at the maker's $0.55; bob's taker fee: ceil(0.07 x 4 x 0.55 x 0.45 = 0.0693) = 0.07
    assert (ack.fill_count, ack.remaining_count) == ("4.00", "0.00")
    assert (ack.average_fill_price, ack.average_fee_paid) == ("0.5500", "0.0175")
    assert dollars(ex, alice) == Decimal("100") - Decimal("2.20") - Decimal("3.30")
    assert dollars(ex, bob) == Decimal("100") - Decimal("1.80") - Decimal("0.07")
    positions = {u: ex.positions(u)[0][0] for u in (alice, bob)}
    assert positions[alice].position_fp == "4.00"
    assert positions[bob].position_fp == "-4.00"
    assert positions[bob].fees_paid_dollars == "0.0700"
    assert positions[bob].market_exposure_dollars == "1.8000"
    assert ex.market(PLAIN).open_interest_fp == "4.00"
    assert conserved(ex)
    (public,), _ = ex.trades(ticker=PLAIN)
    assert (public.yes_price_dollars, public.count_fp) == ("0.5500", "4.00")
    assert (public.taker_book_side, public.taker_outcome_side) == ("ask", "no")
    maker_fill = ex.fills(alice)[0][0]
    taker_fill = ex.fills(bob)[0][0]
    maker_view = (maker_fill.is_taker, maker_fill.fee_cost, maker_fill.book_side)
    taker_view = (taker_fill.is_taker, taker_fill.fee_cost, taker_fill.outcome_side)
    assert maker_view == (False, "0.0000", "bid")
    assert taker_view == (True, "0.0700", "no")
    assert maker_fill.trade_id == taker_fill.trade_id == public.trade_id


def test_taker_fee_of_ten_at_fifty_cents_is_eighteen_cents(ex: Exchange, alice: str,
                                                           bob: str) -> None:  # fmt: skip
    ex.create_order(alice, order(PLAIN, "bid", "0.50"))
    ex.create_order(bob, ioc(PLAIN, "ask", "0.50"))
    # 0.07 x 10 x 0.5 x 0.5 = 0.175, rounded up to the cent
    assert ex.fills(bob)[0][0].fee_cost == "0.1800"
    assert ex.fills(alice)[0][0].fee_cost == "0.0000"  # no maker fee on a plain series
    assert ex.order(bob, ex.fills(bob)[0][0].order_id).taker_fees_dollars == "0.1800"


def test_maker_fee_only_on_maker_fee_series_accrued_per_order(ex: Exchange, alice: str,
                                                              bob: str) -> None:  # fmt: skip
    ack = ex.create_order(alice, order(MAKER_FEES, "bid", "0.50"))
    # held: $5.00 + the most the maker fee could be, ceil(0.0175 x 10 x 0.25 = 0.04375) = 0.05
    assert dollars(ex, alice) == Decimal("94.95")
    for _ in range(10):
        ex.create_order(bob, ioc(MAKER_FEES, "ask", "0.50", "1.00"))
    maker_fees = [Decimal(f.fee_cost or "0") for f in ex.fills(alice)[0]]
    assert sum(maker_fees) == Decimal("0.05")  # one equivalent fill, not 10 x $0.01
    assert ex.order(alice, ack.order_id).maker_fees_dollars == "0.0500"
    assert dollars(ex, alice) == Decimal("94.95")
    # bob's ten separate orders pay ceil(0.0175) = 0.02 each
    assert sum(Decimal(f.fee_cost or "0") for f in ex.fills(bob)[0]) == Decimal("0.20")
    assert conserved(ex)


def test_realized_pnl_on_a_close(ex: Exchange, alice: str, bob: str, carol: str) -> None:
    trade(ex, alice, bob, PLAIN, "0.40", "10.00")
    ex.create_order(carol, order(PLAIN, "bid", "0.55", "10.00"))
    ex.create_order(alice, ioc(PLAIN, "ask", "0.55", "10.00"))
    (position,), (event,), _ = ex.positions(alice)
    assert position.position_fp == "0.00"
    assert position.realized_pnl_dollars == "1.5000"
    assert position.market_exposure_dollars == "0.0000"
    assert event.realized_pnl_dollars == "1.5000"
    # sold for 5.50 after paying 4.00 and a taker fee of ceil(0.07 x 10 x .55 x .45) = 0.18
    assert dollars(ex, alice) == Decimal("100") - Decimal("4.00") + Decimal("5.50") - Decimal(
        "0.18"
    )
    assert ex.market(PLAIN).open_interest_fp == "10.00"  # carol now holds alice's YES
    assert conserved(ex)


def test_closing_no_with_a_bid_pays_out_the_pair(ex: Exchange, alice: str, bob: str,
                                                 carol: str) -> None:  # fmt: skip
    trade(ex, alice, bob, PLAIN, "0.40", "10.00")  # bob: 10 NO at $0.60
    ex.create_order(carol, order(PLAIN, "ask", "0.30", "10.00"))  # carol buys NO at $0.70
    before = dollars(ex, bob)
    ex.create_order(bob, ioc(PLAIN, "bid", "0.30", "10.00"))  # bob buys YES: closes his NO
    fee = Decimal("0.15")  # ceil(0.07 x 10 x 0.3 x 0.7 = 0.147)
    assert dollars(ex, bob) == before + Decimal("7.00") - fee
    (position,), _, _ = ex.positions(bob)
    assert (position.position_fp, position.realized_pnl_dollars) == ("0.00", "1.0000")
    assert conserved(ex)


def test_self_trade_prevention_kills_the_taker(ex: Exchange, alice: str) -> None:
    rest = ex.create_order(alice, order(PLAIN, "bid", "0.50"))
    ack = ex.create_order(alice, order(PLAIN, "ask", "0.50"))
    assert ack.fill_count == "0.00"
    assert ex.order(alice, ack.order_id).status == "canceled"
    assert ex.order(alice, rest.order_id).status == "resting"
    maker = ex.create_order(alice, order(PLAIN, "ask", "0.50", stp="maker"))
    assert ex.order(alice, rest.order_id).status == "canceled"
    assert ex.order(alice, maker.order_id).status == "resting"
    assert dollars(ex, alice) == Decimal("95.00")


def test_reduce_only_is_cut_to_the_position(ex: Exchange, alice: str, bob: str,
                                            carol: str) -> None:  # fmt: skip
    refused(ex, lambda: ex.create_order(alice, ioc(PLAIN, "ask", "0.5", reduce_only=True)), 400,
            "invalid_order")  # fmt: skip
    trade(ex, alice, bob, PLAIN, "0.50", "3.00")
    ex.create_order(carol, order(PLAIN, "bid", "0.50", "10.00"))
    ack = ex.create_order(alice, ioc(PLAIN, "ask", "0.50", "10.00", reduce_only=True))
    assert ack.fill_count == "3.00"
    assert ex.positions(alice)[0][0].position_fp == "0.00"


# ---------------------------------------------------------------------------- amend, batches


def test_amend_reprices_resizes_and_can_trade(ex: Exchange, alice: str, bob: str) -> None:
    ack = ex.create_order(alice, order(PLAIN, "bid", "0.40", client_order_id="a1"))
    change = AmendOrderV2Request(ticker=PLAIN, side="bid", price="0.45", count="12.00",
                                 updated_client_order_id="a2")  # fmt: skip
    amended = ex.amend_order(alice, ack.order_id, change)
    assert (amended.remaining_count, amended.client_order_id) == ("12.00", "a2")
    assert dollars(ex, alice) == Decimal("100") - Decimal("5.40")
    ex.create_order(bob, order(PLAIN, "ask", "0.50", "5.00"))
    cross = AmendOrderV2Request(ticker=PLAIN, side="bid", price="0.50", count="12.00")
    crossed = ex.amend_order(alice, ack.order_id, cross)
    assert (crossed.fill_count, crossed.remaining_count) == ("5.00", "7.00")
    assert ex.order(alice, ack.order_id).initial_count_fp == "12.00"
    assert conserved(ex)
    ex.create_order(alice, order(OTHER, "bid", "0.10", "1.00", client_order_id="a1"))  # freed


def test_amend_refusals(ex: Exchange, alice: str) -> None:
    ack = ex.create_order(alice, order(PLAIN, "bid", "0.40"))
    wrong = AmendOrderV2Request(ticker=OTHER, side="bid", price="0.45", count="10.00")
    refused(ex, lambda: ex.amend_order(alice, ack.order_id, wrong), 400, "invalid_order")
    side = AmendOrderV2Request(ticker=PLAIN, side="ask", price="0.45", count="10.00")
    refused(ex, lambda: ex.amend_order(alice, ack.order_id, side), 400, "invalid_order")
    price = AmendOrderV2Request(ticker=PLAIN, side="bid", price="0.455", count="10.00")
    refused(ex, lambda: ex.amend_order(alice, ack.order_id, price), 400, "invalid_price")
    broke = AmendOrderV2Request(ticker=PLAIN, side="bid", price="0.40", count="300.00")
    refused(ex, lambda: ex.amend_order(alice, ack.order_id, broke), 400, "insufficient_balance")


def test_amend_keeps_queue_place_when_only_shrinking(ex: Exchange, alice: str, bob: str) -> None:
    first = ex.create_order(alice, order(PLAIN, "bid", "0.40"))
    ex.create_order(bob, order(PLAIN, "bid", "0.40"))
    second = ex.create_order(alice, order(PLAIN, "bid", "0.40", "2.00"))
    assert ex.queue_position(alice, second.order_id) == 2000
    shrink = AmendOrderV2Request(ticker=PLAIN, side="bid", price="0.40", count="4.00")
    ex.amend_order(alice, first.order_id, shrink)
    assert ex.queue_position(alice, first.order_id) == 0
    assert ex.queue_position(alice, second.order_id) == 1400
    grow = AmendOrderV2Request(ticker=PLAIN, side="bid", price="0.40", count="5.00")
    ex.amend_order(alice, first.order_id, grow)
    assert ex.queue_position(alice, first.order_id) == 1200
    ahead = {oid: centi for oid, _, centi in ex.queue_positions(alice, market_tickers=[PLAIN])}
    assert ahead == {first.order_id: 1200, second.order_id: 1000}


def test_amend_expiration_only_keeps_queue_place(ex: Exchange, alice: str, bob: str,
                                                 clock: Clock) -> None:  # fmt: skip
    first = ex.create_order(alice, order(PLAIN, "bid", "0.40"))
    second = ex.create_order(bob, order(PLAIN, "bid", "0.40"))
    soon = clock.ms // 1000 + 30
    same = AmendOrderV2Request(ticker=PLAIN, side="bid", price="0.40", count="10.00")
    ex.amend_order(alice, first.order_id, msgspec.structs.replace(same, expiration_time=soon))
    assert ex.queue_position(bob, second.order_id) == 1000
    ex.amend_order(alice, first.order_id, msgspec.structs.replace(same, expiration_time=0))
    clock.advance(60)
    ex.advance()
    assert ex.order(alice, first.order_id).status == "resting"  # the expiration was cleared
    later = clock.ms // 1000 + 5
    ex.amend_order(alice, first.order_id, msgspec.structs.replace(same, expiration_time=later))
    clock.advance(5)
    ex.advance()
    assert ex.order(alice, first.order_id).status == "canceled"
    assert dollars(ex, alice) == Decimal("100.00")


def test_batch_create_and_cancel_report_per_item(ex: Exchange, alice: str) -> None:
    items = ex.batch_create(alice, [
        order(PLAIN, "bid", "0.10", "1.00"),
        order(PLAIN, "bid", "0.105", "1.00"),
        order(OTHER, "ask", "0.90", "1.00", client_order_id="x"),
    ])  # fmt: skip
    assert items[0].order_id
    assert items[2].order_id
    assert items[1].error is not None
    assert items[1].error.code == "invalid_price"
    assert dollars(ex, alice) == Decimal("100") - Decimal("0.10") - Decimal("0.10")
    cancels = ex.batch_cancel(alice, [items[0].order_id or "", "missing"])
    assert cancels[0].reduced_by == "1.00"
    assert cancels[0].error is None
    assert cancels[1].error is not None
    assert cancels[1].error.code == "order_not_found"
    assert ex.cancel_all(alice) == 1
    assert dollars(ex, alice) == Decimal("100")


def test_batch_create_sees_collateral_of_earlier_items(ex: Exchange, alice: str) -> None:
    items = ex.batch_create(alice, [order(PLAIN, "bid", "0.50", "150.00"),
                                    order(OTHER, "bid", "0.50", "150.00")])  # fmt: skip
    assert items[0].error is None
    assert items[1].error is not None
    assert items[1].error.code == "insufficient_balance"
    assert dollars(ex, alice) == Decimal("25.00")


# ---------------------------------------------------------------------------- order groups


def group(ex: Exchange, user: str, limit: int) -> str:
    return ex.create_order_group(user, CreateOrderGroupRequest(contracts_limit=limit))


def test_order_group_limit_cancels_and_blocks_until_reset(ex: Exchange, alice: str,
                                                          bob: str) -> None:  # fmt: skip
    events: list[ExchangeEvent] = []
    ex.add_listener(events.append)
    gid = group(ex, alice, 5)
    big = ex.create_order(alice, order(PLAIN, "bid", "0.50", order_group_id=gid))
    low = ex.create_order(alice, order(PLAIN, "bid", "0.45", "5.00", order_group_id=gid))
    assert sorted(ex.order_group(alice, gid)[1]) == sorted([big.order_id, low.order_id])
    ex.create_order(bob, ioc(PLAIN, "ask", "0.50", "5.00"))
    assert ex.order(alice, big.order_id).status == "canceled"
    assert ex.order(alice, low.order_id).status == "canceled"
    assert ex.order_group(alice, gid)[1] == []
    assert dollars(ex, alice) == Decimal("97.50")  # only the 5 filled at $0.50 are paid for
    assert any(isinstance(e, OrderGroupUpdated) and e.kind == "triggered" for e in events)
    again = order(PLAIN, "bid", "0.40", order_group_id=gid)
    refused(ex, lambda: ex.create_order(alice, again), 400, "order_group_limit_hit")
    ex.reset_order_group(alice, gid)
    ex.create_order(alice, again)


def test_order_group_window_is_fifteen_seconds(ex: Exchange, alice: str, bob: str,
                                               clock: Clock) -> None:  # fmt: skip
    gid = group(ex, alice, 5)
    ack = ex.create_order(alice, order(PLAIN, "bid", "0.50", order_group_id=gid))
    ex.create_order(bob, ioc(PLAIN, "ask", "0.50", "3.00"))
    clock.advance(15)
    ex.create_order(bob, ioc(PLAIN, "ask", "0.50", "3.00"))  # the first 3 fell out of the window
    assert ex.order(alice, ack.order_id).status == "resting"
    clock.advance(1)
    ex.create_order(bob, ioc(PLAIN, "ask", "0.50", "2.00"))  # 3 + 2 within 15 s: the limit
    assert ex.order(alice, ack.order_id).status == "canceled"


def test_order_group_trigger_delete_and_limit(ex: Exchange, alice: str) -> None:
    gid = group(ex, alice, 100)
    ack = ex.create_order(alice, order(PLAIN, "bid", "0.50", order_group_id=gid))
    ex.trigger_order_group(alice, gid)
    assert ex.order(alice, ack.order_id).status == "canceled"
    refused(ex, lambda: ex.create_order(alice, order(PLAIN, "bid", "0.5", order_group_id=gid)),
            400, "order_group_limit_hit")  # fmt: skip
    ex.reset_order_group(alice, gid)
    ex.set_order_group_limit(alice, gid, 250)
    (shown,) = ex.order_groups(alice)
    assert (shown.id, shown.contracts_limit_fp, shown.is_auto_cancel_enabled) == (gid, "2.50", True)
    kept = ex.create_order(alice, order(PLAIN, "bid", "0.50", order_group_id=gid))
    ex.delete_order_group(alice, gid)
    assert ex.order(alice, kept.order_id).status == "canceled"
    refused(ex, lambda: ex.order_group(alice, gid), 404, "order_group_not_found")
    bad = CreateOrderGroupRequest(contracts_limit=2, contracts_limit_fp="3.00")
    refused(ex, lambda: ex.create_order_group(alice, bad), 400, "invalid_parameters")


# ---------------------------------------------------------------------------- queue positions


def test_queue_positions_count_what_rests_ahead(ex: Exchange, alice: str, bob: str,
                                                carol: str) -> None:  # fmt: skip
    first = ex.create_order(alice, order(PLAIN, "bid", "0.50"))
    second = ex.create_order(bob, order(PLAIN, "bid", "0.50", "5.00"))
    third = ex.create_order(carol, order(PLAIN, "bid", "0.50", "3.00"))
    assert ex.queue_position(alice, first.order_id) == 0
    assert ex.queue_position(bob, second.order_id) == 1000
    assert ex.queue_positions(carol) == [(third.order_id, PLAIN, 1500)]
    refused(ex, lambda: ex.queue_position(bob, first.order_id), 404, "order_not_found")
    ex.cancel_order(alice, first.order_id)
    assert ex.queue_position(carol, third.order_id) == 500
    assert ex.queue_position(alice, first.order_id) == 0


# ---------------------------------------------------------------------------- settlement


def test_determine_and_settle_pay_a_dollar_per_winning_contract(ex: Exchange, alice: str,
                                                                bob: str) -> None:  # fmt: skip
    trade(ex, alice, bob, PLAIN, "0.50", "10.00")
    leftover = ex.create_order(alice, order(PLAIN, "bid", "0.30"))
    bob_before = dollars(ex, bob)
    ex.determine(PLAIN, "yes")
    assert ex.order(alice, leftover.order_id).status == "canceled"
    assert ex.market(PLAIN).status == "determined"
    refused(ex, lambda: ex.determine(PLAIN, "no"), 400, "market_already_determined")
    ex.settle(PLAIN)
    market = ex.market(PLAIN)
    assert (market.status, market.result, market.settlement_value_dollars) == (
        "finalized", "yes", "1.0000")  # fmt: skip
    assert market.open_interest_fp == "0.00"
    assert dollars(ex, alice) == Decimal("105.00")
    assert dollars(ex, bob) == bob_before
    (won,), _ = ex.settlements(alice)
    assert (won.revenue, won.yes_count_fp, won.no_count_fp, won.value) == (1000, "10.00", "0.00",
                                                                            100)  # fmt: skip
    assert won.yes_total_cost_dollars == "5.0000"
    (lost,), _ = ex.settlements(bob)
    assert (lost.revenue, lost.no_count_fp, lost.fee_cost) == (0, "10.00", "0.1800")
    assert ex.positions(alice)[0] == []
    settled = ex.positions(alice, settlement_status="settled")[0]
    assert [(p.position_fp, p.realized_pnl_dollars) for p in settled] == [("0.00", "5.0000")]
    assert conserved(ex)
    refused(ex, lambda: ex.settle(OTHER), 400, "market_not_determined")


def test_determine_closes_early_and_says_so(ex: Exchange, clock: Clock) -> None:
    events: list[ExchangeEvent] = []
    ex.add_listener(events.append)
    ex.determine(OTHER, "no")
    kinds = [e.kind for e in events if isinstance(e, MarketLifecycle)]
    assert kinds == ["close_date_updated", "closed", "determined"]
    assert ex.market(OTHER).close_time.timestamp() * 1000 == clock.ms


# ---------------------------------------------------------------------------- listeners


def test_listeners_hear_every_change_in_order(ex: Exchange, alice: str, bob: str) -> None:
    events: list[ExchangeEvent] = []
    ex.add_listener(events.append)
    ex.create_order(alice, order(PLAIN, "bid", "0.50", client_order_id="mine"))
    book = events[0]
    assert isinstance(book, BookChanged)
    assert (book.side, book.price, book.delta, book.new_size) == ("bid", 5000, 1000, 1000)
    assert (book.user_id, book.client_order_id) == (alice, "mine")
    events.clear()
    ex.create_order(bob, ioc(PLAIN, "ask", "0.50", "4.00"))
    kinds = [type(e) for e in events]
    assert kinds[:4] == [TradeExecuted, FillRecorded, FillRecorded, BookChanged]
    fills = [e for e in events if isinstance(e, FillRecorded)]
    assert [(f.user_id, f.post_position) for f in fills] == [(alice, 400), (bob, -400)]
    updates = {e.order.order_id: e.reason for e in events if isinstance(e, OrderUpdated)}
    assert sorted(updates.values()) == ["trade", "trade"]
    assert sum(isinstance(e, PositionChanged) for e in events) == 2


# ---------------------------------------------------------------------------- reads and pages


def test_markets_pages_cover_everything_once(ex: Exchange) -> None:
    seen: list[str] = []
    cursor: str | None = None
    while True:
        page, cursor = ex.markets(limit=7, cursor=cursor)
        seen += [m.ticker for m in page]
        if not cursor:
            break
    assert seen == [m.ticker for m in catalog().markets]
    opened, _ = ex.markets(status="unopened", limit=1000)
    assert {m.ticker for m in opened} == {
        m.ticker for m in catalog().markets if m.status == "initialized"
    }
    assert ex.markets(mve_filter="only", limit=1000)[0]
    assert all(m.mve_collection_ticker is None for m in ex.markets(mve_filter="exclude")[0])
    refused(ex, lambda: ex.markets(limit=1001), 400, "invalid_parameters")
    refused(ex, lambda: ex.markets(status="open", min_settled_ts=1), 400, "invalid_parameters")
    refused(ex, lambda: ex.markets(cursor="garbage"), 400, "invalid_parameters")


def test_orders_and_fills_page_newest_first(ex: Exchange, alice: str, bob: str) -> None:
    ids = [ex.create_order(alice, order(PLAIN, "bid", f"0.{10 + i}", "1.00")).order_id
           for i in range(25)]  # fmt: skip
    pages: list[list[str]] = []
    cursor: str | None = None
    while True:
        page, cursor = ex.orders(alice, limit=10, cursor=cursor)
        pages.append([o.order_id for o in page])
        if not cursor:
            break
    assert [len(p) for p in pages] == [10, 10, 5]
    assert [oid for page in pages for oid in page] == ids[::-1]
    for _ in range(3):
        ex.create_order(bob, ioc(PLAIN, "ask", "0.01", "5.00"))
    first, cursor = ex.fills(alice, limit=8)
    rest, last = ex.fills(alice, limit=8, cursor=cursor)
    assert (len(first), len(rest), last) == (8, 7, "")
    assert len({f.fill_id for f in first + rest}) == 15
    assert ex.orders(alice, status="executed", limit=100)[0][0].status == "executed"
    refused(ex, lambda: ex.fills(alice, cursor=ex.orders(alice, limit=1)[1]), 400,
            "invalid_parameters")  # fmt: skip


def test_order_reads_are_private(ex: Exchange, alice: str, bob: str) -> None:
    ack = ex.create_order(alice, order(PLAIN, "bid", "0.40", client_order_id="private"))
    refused(ex, lambda: ex.order(bob, ack.order_id), 404, "order_not_found")
    refused(ex, lambda: ex.cancel_order(bob, ack.order_id), 404, "order_not_found")
    assert ex.order_by_client_id(bob, "private") is None
    found = ex.order_by_client_id(alice, "private")
    assert found is not None
    assert found.order_id == ack.order_id
    shown = ex.order(alice, ack.order_id)
    direction = (shown.outcome_side, shown.book_side, shown.yes_price_dollars)
    assert direction == ("yes", "bid", "0.4000")
    assert (shown.no_price_dollars, shown.remaining_count_fp) == ("0.6000", "10.00")
    assert shown.yes_price_cents is None
    assert (shown.side, shown.action) == ("yes", "buy")  # deprecated, still sent


def test_orderbook_depth_and_market_quotes(ex: Exchange, alice: str, bob: str) -> None:
    for price in ("0.40", "0.42", "0.44"):
        ex.create_order(alice, order(PLAIN, "bid", price, "1.00"))
    for price in ("0.60", "0.58"):
        ex.create_order(bob, order(PLAIN, "ask", price, "2.00"))
    book = ex.orderbook(PLAIN, depth=2)
    assert book.yes_dollars == [("0.4200", "1.00"), ("0.4400", "1.00")]
    assert book.no_dollars == [("0.4000", "2.00"), ("0.4200", "2.00")]
    market = ex.market(PLAIN)
    assert (market.yes_bid_dollars, market.yes_ask_dollars) == ("0.4400", "0.5800")
    assert (market.no_bid_dollars, market.no_ask_dollars) == ("0.4200", "0.5600")
    refused(ex, lambda: ex.orderbook(PLAIN, depth=101), 400, "invalid_parameters")
    refused(ex, lambda: ex.market("NOPE"), 404, "market_not_found")


def test_candlesticks_come_from_trades_and_quotes(ex: Exchange, alice: str, bob: str,
                                                  clock: Clock) -> None:  # fmt: skip
    start = clock.ms // 1000
    ex.create_order(alice, order(PLAIN, "bid", "0.40", "10.00"))
    ex.create_order(bob, ioc(PLAIN, "ask", "0.40", "2.00"))
    clock.advance(30)
    ex.create_order(alice, order(PLAIN, "bid", "0.45", "10.00"))
    ex.create_order(bob, ioc(PLAIN, "ask", "0.45", "6.00"))
    clock.advance(60)
    candles = ex.candlesticks(PLAIN, start_ts=start, end_ts=clock.ms // 1000, period_minutes=1,
                              include_latest_before_start=True)  # fmt: skip
    synthetic, first, second = candles[0], candles[1], candles[2]
    assert synthetic.price.open_dollars is None
    assert first.end_period_ts == start
    assert first.price.close_dollars == "0.4000"
    price = second.price
    assert (price.open_dollars, price.close_dollars, price.high_dollars) == ("0.4500", "0.4500",
                                                                             "0.4500")  # fmt: skip
    assert price.previous_dollars == "0.4000"
    assert second.volume_fp == "6.00"
    assert second.open_interest_fp == "8.00"
    assert second.yes_bid.high_dollars == "0.4500"
    refused(ex, lambda: ex.candlesticks(PLAIN, start_ts=0, end_ts=1, period_minutes=5), 400,
            "invalid_parameters")  # fmt: skip


def test_events_and_series(ex: Exchange) -> None:
    events, _ = ex.events(limit=200)
    combos = {m.event_ticker for m in catalog().markets if m.mve_collection_ticker}
    assert events
    assert not combos & {e.event_ticker for e in events}
    event, markets = ex.event(events[0].event_ticker, with_nested_markets=True)
    assert event.markets is not None
    assert [m.ticker for m in event.markets] == [m.ticker for m in markets]
    assert ex.event(events[0].event_ticker)[0].markets is None
    unopened, _ = ex.events(status="unopened")
    assert all(
        all(m.status == "initialized" for m in catalog().markets_of_event(e.event_ticker))
        for e in unopened
    )
    fed = ex.series("KXFEDDECISION")
    assert fed in ex.series_list(category=fed.category)
    refused(ex, lambda: ex.series("NOPE"), 404, "series_not_found")
    refused(ex, lambda: ex.event("NOPE"), 404, "event_not_found")
    assert ex.schedule().standard_hours
    assert ex.historical_cutoff().market_settled_ts


def test_users_and_keys(ex: Exchange) -> None:
    from kalshikit.auth import generate_private_key, public_key_pem

    user = ex.create_user(balance_cents=5_00)
    pem = public_key_pem(generate_private_key("ed25519"))
    key_id = ex.add_api_key(user, pem)
    owner = ex.api_key_owner(key_id)
    assert owner is not None
    assert owner[0] == user
    assert ex.api_key_owner("unknown") is None
    refused(ex, lambda: ex.add_api_key(user, "not a key"), 400, "invalid_parameters")
    refused(ex, lambda: ex.add_api_key(user, pem, key_id=key_id), 409, "api_key_exists")
    refused(ex, lambda: ex.create_user(balance_cents=1, user_id=user), 409, "user_exists")
    refused(ex, lambda: ex.deposit(user, -5_01), 400, "insufficient_balance")
    ex.deposit(user, 1_00)
    assert ex.balance(user).balance_cents == 6_00
