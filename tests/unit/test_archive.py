"""The sandbox's historical tier: what leaves the live reads appears under ``/historical``.

Driven on the exchange with a hand-moved clock (no sleeping): trades, fills and final orders
move behind the cutoff once the sweep passes them, settled markets with their candles follow,
and an event's settled positions are handed over when all its markets are archived. Each record
is in exactly one place, the cutoff reports the sweep's line, and the archive is part of the
state a replay or a snapshot rebuilds (``state_digest``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _exchange_kit import Clock, catalog, exchange_with_users, ioc, lasting_market, order
from _store_kit import open_box
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kalshikit.sandbox.exchange.archive import Archive, take_older
from kalshikit.sandbox.exchange.exchange import Exchange, ExchangeError
from kalshikit.sandbox.exchange.listing import Listing
from kalshikit.sandbox.exchange.retention import Retention

MINUTE = 60
LASTING = lasting_market()
WINDOW = Retention(window_ms=60_000, per_user=0, every_ms=10_000)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def ex(clock: Clock) -> Exchange:
    return exchange_with_users(clock, WINDOW)


def trade(ex: Exchange, ticker: str = LASTING, price: str = "0.50") -> str:
    """Alice bids, Bob sells into it: one public trade, a fill each. Returns Alice's order."""
    bid = ex.create_order("alice", order(ticker, "bid", price, "1.00")).order_id
    ex.create_order("bob", ioc(ticker, "ask", price, "1.00"))
    return bid


def later(ex: Exchange, clock: Clock, seconds: int) -> None:
    clock.advance(seconds)
    ex.advance()


def test_fills_orders_and_trades_move_behind_the_cutoff(ex: Exchange, clock: Clock) -> None:
    executed = trade(ex)
    resting = ex.create_order("alice", order(LASTING, "bid", "0.10")).order_id
    [fill] = ex.fills("alice")[0]
    assert ex.historical_fills("alice")[0] == []
    later(ex, clock, 2 * MINUTE)
    assert ex.fills("alice")[0] == []
    assert ex.historical_fills("alice")[0] == [fill]
    assert [o.order_id for o in ex.historical_orders("alice")[0]] == [executed]
    assert [o.order_id for o in ex.orders("alice")[0]] == [resting]  # resting orders stay
    assert ex.trades(ticker=LASTING)[0] == []
    assert [t.ticker for t in ex.historical_trades(ticker=LASTING)[0]] == [LASTING]
    assert ex.historical_trades(is_block_trade=True)[0] == []
    cutoff = ex.historical_cutoff()
    assert int(cutoff.trades_created_ts.timestamp()) == clock.ms // 1000 - MINUTE
    assert fill.created_time is not None
    assert fill.created_time < cutoff.trades_created_ts


def test_archived_records_filter_and_page(ex: Exchange, clock: Clock) -> None:
    for _ in range(5):
        trade(ex)
        clock.advance(1)
    later(ex, clock, 2 * MINUTE)
    everything = ex.historical_fills("alice", limit=1000)[0]
    assert len(everything) == 5
    first, cursor = ex.historical_fills("alice", limit=2)
    second, cursor = ex.historical_fills("alice", limit=2, cursor=cursor)
    third, cursor = ex.historical_fills("alice", limit=2, cursor=cursor)
    assert (first + second + third, cursor) == (everything, "")
    newest = int(everything[0].created_time.timestamp())  # type: ignore[union-attr]
    assert len(ex.historical_fills("alice", min_ts=newest)[0]) == 1
    assert ex.historical_fills("alice", ticker="NOPE")[0] == []
    with pytest.raises(ExchangeError) as refused:
        ex.historical_fills("alice", limit=1001)
    assert refused.value.status == 400


def settle(ex: Exchange, ticker: str, result: str = "yes") -> None:
    ex.determine(ticker, result)  # type: ignore[arg-type]
    ex.settle(ticker)


def test_settled_markets_and_positions_move_with_their_event(ex: Exchange, clock: Clock) -> None:
    trade(ex)
    event = ex.market(LASTING).event_ticker
    siblings = [m.ticker for m in catalog().markets_of_event(event)]
    settle(ex, LASTING)
    later(ex, clock, 2 * MINUTE)
    assert ex.is_archived(LASTING)
    with pytest.raises(ExchangeError) as gone:
        ex.live_market(LASTING)
    assert gone.value.status == 404
    assert LASTING not in {m.ticker for m in ex.markets(limit=1000)[0]}
    assert ex.historical_market(LASTING).ticker == LASTING
    assert [m.ticker for m in ex.historical_markets(event_ticker=event)[0]] == [LASTING]
    # the position moves only once every market of the event is archived
    held = ex.positions("alice", settlement_status="settled")[0]
    if len(siblings) > 1:
        assert [p.ticker for p in held] == [LASTING]
        assert ex.historical_positions("alice")[0] == []
        for ticker in siblings[1:]:
            if not ex.is_archived(ticker):
                settle(ex, ticker, "no")
        later(ex, clock, 2 * MINUTE)
    assert ex.positions("alice", settlement_status="all")[0] == []
    markets, events, _ = ex.historical_positions("alice")
    assert [p.ticker for p in markets] == [LASTING]
    assert [e.event_ticker for e in events] == [event]


def test_archived_candles_keep_the_last_trades(ex: Exchange, clock: Clock) -> None:
    trade(ex, price="0.40")
    traded_at = clock.ms // 1000
    settle(ex, LASTING)
    later(ex, clock, 3 * MINUTE)
    candles = ex.historical_candlesticks(
        LASTING, start_ts=traded_at - MINUTE, end_ts=traded_at + MINUTE, period_minutes=1
    )
    traded = [c for c in candles if c.price.close is not None]
    assert [(c.price.close, c.volume) for c in traded] == [("0.4000", "1.00")]
    with pytest.raises(ExchangeError):
        ex.candlesticks(LASTING, start_ts=traded_at, end_ts=traded_at, period_minutes=1)
    with pytest.raises(ExchangeError) as live:
        ex.historical_candlesticks(
            next(m.ticker for m in catalog().markets if m.ticker != LASTING),
            start_ts=traded_at, end_ts=traded_at, period_minutes=1,
        )  # fmt: skip
    assert live.value.status == 404


def test_historical_markets_filters_are_mutually_exclusive(ex: Exchange) -> None:
    with pytest.raises(ExchangeError) as refused:
        ex.historical_markets(event_ticker="A", series_ticker="B")
    assert refused.value.status == 400


def test_a_replay_archives_the_same(clock: Clock) -> None:
    """Two exchanges fed the same commands at the same times hold the same archive."""
    twins = []
    for _ in range(2):
        run_clock = Clock(clock.ms)
        ex = Exchange(catalog(), clock=run_clock, retention=WINDOW)
        for user in ("alice", "bob"):
            ex.create_user(balance_cents=1_000_00, user_id=user)
        for _ in range(3):
            trade(ex)
            run_clock.advance(30)
        settle(ex, LASTING)
        later(ex, run_clock, 3 * MINUTE)
        twins.append(ex.state_digest())
    assert twins[0] == twins[1]
    assert twins[0]["archive"][1]  # trades were archived


def test_take_older_and_the_bounds() -> None:
    listing: Listing[int] = Listing()
    for stamp in (1, 2, 3, 4):
        listing.append(stamp)
    assert take_older(listing, 2, lambda s: s, 0) == [1, 2]
    assert take_older(listing, 9, lambda s: s, 1) == [3]
    assert list(listing) == [4]
    archive = Archive()
    assert archive.cutoff_ms is None
    assert archive.digest()[1] == []


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    gaps=st.lists(st.integers(0, 90), min_size=1, max_size=12),
    floor=st.integers(0, 3),
)
def test_each_fill_is_live_or_archived_exactly_once(gaps: list[int], floor: int) -> None:
    """Wherever the sweeps fall between the trades (and whatever per-user floor keeps records
    live), every fill ever made is in exactly one place, and the live part is all newer than
    what was archived."""
    clock = Clock()
    ex = Exchange(catalog(), clock=clock, retention=Retention(60_000, floor, 10_000))
    for user in ("alice", "bob"):
        ex.create_user(balance_cents=1_000_00, user_id=user)
    made = 0
    for gap in gaps:
        trade(ex)
        made += 1
        later(ex, clock, gap)
    live = [f.fill_id for f in ex.fills("alice", limit=1000)[0]]
    archived = [f.fill_id for f in ex.historical_fills("alice", limit=1000)[0]]
    assert len(live) + len(archived) == len(set(live) | set(archived)) == made
    assert len(live) >= min(floor, made)
    if live and archived:
        newest_archived = ex.historical_fills("alice", limit=1)[0][0].created_time
        oldest_live = ex.fills("alice", limit=1000)[0][-1].created_time
        assert newest_archived is not None
        assert oldest_live is not None
        assert newest_archived <= oldest_live


def test_the_archive_survives_a_restart(tmp_path: Path) -> None:
    clock = Clock()
    box = open_box(tmp_path, clock, WINDOW)
    for user in ("alice", "bob"):
        box.create_user(balance_cents=1_000_00, user_id=user)
    trade(box)  # type: ignore[arg-type]
    settle(box, LASTING)  # type: ignore[arg-type]
    clock.advance(3 * MINUTE)
    box.advance()
    before = box.exchange.state_digest()
    fills = box.exchange.historical_fills("alice")[0]
    assert fills
    box.close()
    reopened = open_box(tmp_path, clock, WINDOW)
    assert reopened.exchange.state_digest() == before
    assert reopened.exchange.historical_fills("alice")[0] == fills
    assert reopened.exchange.is_archived(LASTING)
    reopened.close()
