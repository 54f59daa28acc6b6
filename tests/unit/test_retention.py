"""Retention: what the exchange forgets once it falls out of the live window, and what it keeps.

Users see it through the public reads: old canceled/executed orders, fills and public trades
leave the listings (and ``GET order`` answers 404), resting orders never do, each user keeps
their newest records whatever their age, cursors taken before a sweep still page on correctly,
and the 24 h volume stays exact. The pure parts (``Listing``, the paging over it, the drop
rules) are checked directly with hypothesis.
"""

from __future__ import annotations

import pytest
from _exchange_kit import Clock, catalog, exchange_with_users, ioc, lasting_market, order
from hypothesis import given
from hypothesis import strategies as st

from kalshikit.sandbox.exchange.exchange import Exchange, ExchangeError
from kalshikit.sandbox.exchange.listing import Listing
from kalshikit.sandbox.exchange.orders import OrderRecord
from kalshikit.sandbox.exchange.pages import newest_first
from kalshikit.sandbox.exchange.retention import Retention, drop_old_orders, drop_older
from kalshikit.sandbox.sim.simulator import Simulator

MINUTE = 60
LASTING = lasting_market()
WINDOW = Retention(window_ms=60_000, per_user=2, every_ms=10_000)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def ex(clock: Clock) -> Exchange:
    return exchange_with_users(clock, WINDOW)


def trade(ex: Exchange, price: str) -> str:
    """Alice bids, Bob sells into it: one public trade, a fill each. Returns Alice's order."""
    bid = ex.create_order("alice", order(LASTING, "bid", price, "1.00")).order_id
    ex.create_order("bob", ioc(LASTING, "ask", price, "1.00"))
    return bid


def later(ex: Exchange, clock: Clock, seconds: int) -> None:
    clock.advance(seconds)
    ex.advance()


def test_old_final_orders_and_fills_leave_but_resting_ones_stay(ex: Exchange, clock: Clock) -> None:
    resting = ex.create_order("alice", order(LASTING, "bid", "0.10")).order_id
    executed = [trade(ex, "0.50") for _ in range(4)]
    assert len(ex.fills("alice")[0]) == 4
    later(ex, clock, 2 * MINUTE)
    orders = [o.order_id for o in ex.orders("alice", limit=100)[0]]
    # the resting one stays; of the final ones, only the newest two (per_user) are kept
    assert orders == [executed[3], executed[2], resting]
    assert ex.order("alice", resting).status == "resting"
    with pytest.raises(ExchangeError) as gone:
        ex.order("alice", executed[0])
    assert (gone.value.status, gone.value.code) == (404, "order_not_found")
    assert len(ex.fills("alice")[0]) == 2
    assert ex.trades(ticker=LASTING)[0] == []  # public trades keep no floor
    # a forgotten order cannot be canceled either, and the resting one still trades
    ex.create_order("bob", ioc(LASTING, "ask", "0.10", "10.00"))
    assert ex.order("alice", resting).status == "executed"


def test_records_younger_than_the_window_stay(ex: Exchange, clock: Clock) -> None:
    for _ in range(4):
        trade(ex, "0.50")
    later(ex, clock, 30)
    assert len(ex.orders("alice")[0]) == 4
    assert len(ex.fills("alice")[0]) == 4
    assert len(ex.trades(ticker=LASTING)[0]) == 4


def test_the_24h_volume_outlives_the_window_and_then_goes(ex: Exchange, clock: Clock) -> None:
    trade(ex, "0.50")
    later(ex, clock, 10 * MINUTE)
    trade(ex, "0.60")
    later(ex, clock, 2 * MINUTE)
    market = ex.market(LASTING)
    assert ex.trades(ticker=LASTING)[0] == []
    assert market.volume_24h_fp == market.volume_fp == "2.00"
    later(ex, clock, 24 * 60 * MINUTE - 5 * MINUTE)  # the first trade is now a day old
    assert ex.market(LASTING).volume_24h_fp == "1.00"
    later(ex, clock, 10 * MINUTE)
    assert ex.market(LASTING).volume_24h_fp == "0.00"
    assert ex.market(LASTING).volume_fp == "2.00"


def test_candles_keep_the_quote_in_force_when_the_window_starts(ex: Exchange, clock: Clock) -> None:
    ex.create_order("alice", order(LASTING, "bid", "0.30"))  # quoted long ago, never moved
    trade(ex, "0.50")
    later(ex, clock, 5 * MINUTE)
    now = clock.ms // 1000
    (candle,) = ex.candlesticks(LASTING, start_ts=now - 59, end_ts=now, period_minutes=1)
    assert candle.yes_bid.close_dollars == "0.3000"
    assert candle.price.close_dollars is None  # the trade is history now
    assert candle.open_interest_fp == "1.00"


def test_a_cursor_taken_before_a_sweep_pages_on_correctly(ex: Exchange, clock: Clock) -> None:
    wide = Exchange(catalog(), clock=clock, retention=Retention(90_000, 0, 10_000))
    for user in ("alice", "bob"):
        wide.create_user(balance_cents=1_000_00, user_id=user)
    for _ in range(6):
        trade(wide, "0.50")
        clock.advance(20)
    first, cursor = wide.fills("alice", limit=2)
    clock.advance(10)
    wide.advance()  # the oldest fills leave between the two pages
    kept = wide.fills("alice", limit=100)[0]
    assert 2 < len(kept) < 6
    assert kept[:2] == first
    second, _ = wide.fills("alice", limit=2, cursor=cursor)
    assert second == kept[2:4]


def test_memory_follows_the_window_under_simulated_activity(clock: Clock) -> None:
    """Ten minutes of the simulator with a one-minute window: only young or resting records,
    and each user's newest two, remain."""
    ex = Exchange(catalog(), clock=clock, retention=WINDOW)
    simulator = Simulator(ex, seed=4, activity=20)
    for _ in range(10 * MINUTE):
        clock.advance(1)
        simulator.step(clock.ms)
    cutoff = clock.ms - WINDOW.window_ms - WINDOW.every_ms
    digest = ex.state_digest()
    assert all(t[4] > cutoff for t in digest["trades"])  # type: ignore[attr-defined]
    traded = sum(m.volume for m in ex._markets.values())
    assert traded
    assert len(ex._trades) < ex._trades.appended / 5
    for user in simulator.users:
        orders = ex.orders(user, limit=1000)[0]
        old = [o for o in orders[2:] if o.status != "resting"]
        updated = [o.last_update_time for o in old]
        assert all(t is not None and t.timestamp() * 1000 > cutoff for t in updated)
        fills = ex.fills(user, limit=1000)[0][2:]
        assert all(f.ts is not None and f.ts * 1000 > cutoff for f in fills)


# ---------------------------------------------------------------------- the pure parts


@given(
    size=st.integers(0, 60),
    limit=st.integers(1, 7),
    drops=st.lists(st.sets(st.integers(0, 59)), max_size=6),
)
def test_paging_over_a_listing_that_loses_entries(
    size: int, limit: int, drops: list[set[int]]
) -> None:
    """Newest first, page by page, entries dropped between pages: no entry twice, strictly
    newest to oldest, and every entry still there at the end was seen."""
    listing: Listing[int] = Listing()
    for value in range(size):
        listing.append(value)
    seen: list[int] = []
    cursor: str | None = None
    pages = iter(drops)
    while True:
        page, cursor = newest_first(listing, "x", cursor, limit, lambda v: True)
        seen += page
        gone = next(pages, set())
        listing.drop_unless(lambda _, value: value not in gone)  # noqa: B023
        if not cursor:
            break
    assert seen == sorted(set(seen), reverse=True)
    assert set(listing) <= set(seen)
    assert list(listing.numbers) == list(listing)  # numbers are the append positions


def _record(index: int, status: str, updated_ms: int) -> OrderRecord:
    return OrderRecord(
        order_id=f"o{index}",
        user_id="u",
        ticker="T",
        event_ticker="E",
        side="bid",
        price=5000,
        initial=100,
        client_order_id=None,
        time_in_force="good_till_canceled",
        self_trade_prevention="taker_at_cross",
        created_ms=0,
        status=status,
        updated_ms=updated_ms,
    )


@given(
    orders=st.lists(
        st.tuples(st.sampled_from(("resting", "canceled", "executed")), st.integers(0, 100))
    ),
    cutoff=st.integers(0, 100),
    keep=st.integers(0, 5),
)
def test_the_order_rule(orders: list[tuple[str, int]], cutoff: int, keep: int) -> None:
    listing: Listing[OrderRecord] = Listing()
    for index, (status, updated) in enumerate(orders):
        listing.append(_record(index, status, updated))
    before = list(listing)
    dropped = drop_old_orders(listing, cutoff, keep)
    newest = {o.order_id for o in before[max(len(before) - keep, 0) :]}
    assert [o for o in before if o not in dropped] == list(listing)
    for o in dropped:
        assert o.status != "resting"
        assert o.updated_ms <= cutoff
        assert o.order_id not in newest
    for o in listing:
        assert o.status == "resting" or o.updated_ms > cutoff or o.order_id in newest


@given(
    stamps=st.lists(st.integers(0, 100)).map(sorted),
    cutoff=st.integers(0, 100),
    keep=st.integers(0, 5),
)
def test_the_time_rule(stamps: list[int], cutoff: int, keep: int) -> None:
    listing: Listing[int] = Listing()
    for stamp in stamps:
        listing.append(stamp)
    gone = drop_older(listing, cutoff, lambda stamp: stamp, keep)
    assert list(listing) == stamps[gone:]
    assert all(s <= cutoff for s in stamps[:gone])
    assert len(listing) <= keep or not listing or listing[0] > cutoff


def test_retention_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="positive"):
        Retention(window_ms=0)
