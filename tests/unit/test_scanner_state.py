"""MarketState and PriceHistory: seeding from REST, stream updates, quotes, bounded history."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kalshikit.errors import ValidationError
from kalshikit.models.market import Event, Market
from kalshikit.orderbook import OrderBook
from kalshikit.scanner.state import (
    HISTORY_TIERS,
    HOUR_MS,
    MINUTE_MS,
    Level,
    MarketState,
    PriceHistory,
    Quote,
    states_from_event,
)

NOW = 1_800_000_000_000
SECOND = 1_000


def market_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "ticker": "KXTEST-26-A",
        "event_ticker": "KXTEST-26",
        "market_type": "binary",
        "title": "Will A happen?",
        "yes_sub_title": "A",
        "no_sub_title": "not A",
        "created_time": "2026-01-12T22:08:10.446961Z",
        "open_time": "2026-01-12T22:10:00Z",
        "close_time": "2026-01-27T01:15:00Z",
        "latest_expiration_time": "2026-01-27T01:15:00Z",
        "settlement_timer_seconds": 600,
        "status": "active",
        "can_close_early": True,
        "yes_bid_dollars": "0.4200",
        "yes_bid_size_fp": "12.50",
        "yes_ask_dollars": "0.4500",
        "yes_ask_size_fp": "30.00",
        "last_price_dollars": "0.4300",
        "volume_fp": "1500.00",
        "volume_24h_fp": "250.00",
        "open_interest_fp": "800.00",
        "price_level_structure": "linear_cent",
        "price_ranges": [{"start": "0.0000", "end": "1.0000", "step": "0.0100"}],
    }
    body.update(overrides)
    return body


def decode_market(**overrides: Any) -> Market:
    return msgspec.convert(market_body(**overrides), Market)


def decode_event(**overrides: Any) -> Event:
    body: dict[str, Any] = {
        "event_ticker": "KXTEST-26",
        "series_ticker": "KXTEST",
        "sub_title": "",
        "title": "Test event",
        "mutually_exclusive": True,
        "category": "Economics",
        "markets": [market_body(), market_body(ticker="KXTEST-26-B")],
    }
    body.update(overrides)
    return msgspec.convert(body, Event)


def book_with(bids: list[tuple[int, int]], asks: list[tuple[int, int]]) -> OrderBook:
    """A trusted book: YES bids as given; YES asks at p come from NO bids at 1 - p."""
    book = OrderBook("KXTEST-26-A")
    book.apply_snapshot_ticks(bids, [(10_000 - p, s) for p, s in asks], now_ms=NOW)
    return book


# --- seeding from REST -------------------------------------------------------------------------


def test_from_market_reads_quote_sizes_volumes_and_times_in_integer_units() -> None:
    state = MarketState.from_market(decode_market())
    assert (state.ticker, state.event_ticker, state.title) == (
        "KXTEST-26-A",
        "KXTEST-26",
        "Will A happen?",
    )
    assert (state.yes_bid, state.yes_ask, state.bid_size, state.ask_size) == (
        4200,
        4500,
        1250,
        3000,
    )
    assert (state.last_price, state.volume, state.volume_24h) == (4300, 150_000, 25_000)
    assert state.open_interest == 80_000
    assert state.close_time_ms == 1_769_476_500_000
    assert state.created_time_ms == 1_768_255_690_446
    assert state.open_time_ms == 1_768_255_800_000
    assert state.grid is not None
    assert state.grid.allows_ticks(4200)
    assert not state.mutually_exclusive
    assert state.fee_multiplier == Decimal(1)
    assert len(state.history) == 0


def test_from_market_with_event_takes_series_category_exclusivity_and_fee_override() -> None:
    event = decode_event(fee_multiplier_override=0.5)
    state = MarketState.from_market(decode_market(), event, fee_multiplier=2.0)
    assert (state.series_ticker, state.category, state.mutually_exclusive) == (
        "KXTEST",
        "Economics",
        True,
    )
    assert state.fee_multiplier == Decimal("0.5")
    assert MarketState.from_market(
        decode_market(), decode_event(), fee_multiplier=1.25
    ).fee_multiplier == Decimal("1.25")


def test_states_from_event_builds_one_state_per_nested_market() -> None:
    states = states_from_event(decode_event())
    assert [s.ticker for s in states] == ["KXTEST-26-A", "KXTEST-26-B"]
    assert all(s.mutually_exclusive for s in states)
    assert states_from_event(decode_event(markets=None)) == []


def test_from_market_january_shape_and_no_trade_placeholder() -> None:
    body = market_body(
        yes_bid=42, yes_ask=45, last_price=0, volume=10, volume_24h=3, open_interest=2
    )
    for key in (
        "yes_bid_dollars",
        "yes_ask_dollars",
        "last_price_dollars",
        "volume_fp",
        "volume_24h_fp",
        "open_interest_fp",
        "yes_bid_size_fp",
        "yes_ask_size_fp",
    ):
        del body[key]
    state = MarketState.from_market(msgspec.convert(body, Market))
    assert (state.yes_bid, state.yes_ask) == (4200, 4500)
    assert (state.bid_size, state.ask_size) == (None, None)  # January bodies carry no sizes
    assert state.last_price is None  # "0" means no trade yet, not a trade at $0
    assert (state.volume, state.volume_24h, state.open_interest) == (1000, 300, 200)


def test_from_market_without_a_grid_keeps_none() -> None:
    state = MarketState.from_market(decode_market(price_ranges=[], price_level_structure="odd"))
    assert state.grid is None


# --- stream updates ----------------------------------------------------------------------------


def test_on_ticker_overwrites_given_fields_and_keeps_missing_ones() -> None:
    state = MarketState.from_market(decode_market())
    state.on_ticker(NOW, 4300, None, 500, None, volume=160_000)
    assert (state.yes_bid, state.yes_ask, state.bid_size, state.ask_size) == (4300, 4500, 500, 3000)
    assert (state.volume, state.open_interest, state.updated_ms) == (160_000, 80_000, NOW)


def test_on_ticker_records_last_price_changes_in_history_but_not_no_trade_zero() -> None:
    state = MarketState("T", "E")
    state.on_ticker(NOW, 0, 10_000, 0, 0, last_price=0)
    assert state.last_price is None
    assert len(state.history) == 0
    state.on_ticker(NOW + SECOND, 4000, 4200, 100, 100, last_price=4100)
    state.on_ticker(NOW + 2 * SECOND, 4000, 4200, 100, 100, last_price=4100)
    assert state.history.points() == [(NOW + SECOND, 4100)]


def test_on_trade_updates_last_price_volume_and_history() -> None:
    state = MarketState("T", "E", volume=1_000)
    state.on_trade(NOW, 5500, 250)
    assert (state.last_price, state.volume, state.updated_ms) == (5500, 1_250, NOW)
    assert state.history.latest() == (NOW, 5500)
    unknown = MarketState("U", "E")
    unknown.on_trade(NOW, 5500, 250)
    assert unknown.volume is None  # a ticker restates the total; a trade cannot invent it


def test_is_open_needs_an_open_status_and_a_future_close() -> None:
    state = MarketState("T", "E", status="active", close_time_ms=NOW + 1)
    assert state.is_open(NOW)
    assert not state.is_open(NOW + 1)
    assert MarketState("T", "E", status="open").is_open(NOW)
    for status in ("initialized", "inactive", "closed", "determined", "finalized", ""):
        assert not MarketState("T", "E", status=status).is_open(NOW)


# --- quotes and books --------------------------------------------------------------------------


def test_top_from_ticker_fields_with_empty_sides_as_placeholders() -> None:
    assert MarketState("T", "E").top() == Quote(0, 10_000, 0, 0)
    state = MarketState("T", "E", yes_bid=4000, yes_ask=4400, bid_size=100, ask_size=200)
    assert state.top() == Quote(4000, 4400, 100, 200)


def test_top_and_ladders_come_from_a_trusted_book() -> None:
    state = MarketState("T", "E", yes_bid=1000, yes_ask=9000, bid_size=1, ask_size=1)
    book = book_with([(4000, 500), (4100, 300)], [(4300, 200), (4500, 1_000)])
    state.attach_book(book)
    assert state.top() == Quote(4100, 4300, 300, 200)
    assert state.ladder("bid", 5) == [Level(4100, 300), Level(4000, 500)]
    assert state.ladder("ask", 5) == [Level(4300, 200), Level(4500, 1_000)]
    assert state.ladder("ask", 1) == [Level(4300, 200)]
    assert state.depth_within("bid", 100, 25) == 800
    assert state.depth_within("ask", 100, 25) == 200
    book.mark_stale()
    assert state.top() == Quote(1000, 9000, 1, 1)  # an untrusted book is not used
    state.attach_book(None)
    assert state.ladder("ask", 5) == [Level(9000, 1)]


def test_ladder_without_book_is_the_quote_or_nothing() -> None:
    state = MarketState("T", "E", yes_bid=0, yes_ask=10_000, bid_size=5, ask_size=5)
    assert state.ladder("bid", 5) == []
    assert state.ladder("ask", 5) == []
    assert state.depth_within("bid", 200, 25) == 0
    one = MarketState("T", "E", yes_bid=4000, yes_ask=4200, bid_size=0, ask_size=7)
    assert one.ladder("bid", 5) == []
    assert one.ladder("ask", 5) == [Level(4200, 7)]


def test_empty_book_side_reads_as_placeholder() -> None:
    state = MarketState("T", "E")
    state.attach_book(book_with([(4000, 100)], []))
    assert state.top() == Quote(4000, 10_000, 100, 0)


# --- price history -----------------------------------------------------------------------------


def test_change_is_in_ticks_of_probability_not_percent() -> None:
    history = PriceHistory()
    history.add(NOW - HOUR_MS - SECOND, 3000)
    history.add(NOW - 10 * SECOND, 5000)
    assert history.change(HOUR_MS, NOW) == 2000  # 20 points
    small = PriceHistory()
    small.add(NOW - HOUR_MS, 200)
    small.add(NOW, 400)
    assert small.change(HOUR_MS, NOW) == 200  # 2 points, not +100%


def test_change_needs_a_point_at_or_before_the_window_start() -> None:
    history = PriceHistory()
    history.add(NOW - 30 * MINUTE_MS, 3000)
    history.add(NOW, 3500)
    assert history.change(HOUR_MS, NOW) is None
    assert history.change(30 * MINUTE_MS, NOW) == 500
    assert history.change(5 * MINUTE_MS, NOW) == 500  # in effect at -5 min: 3000
    assert PriceHistory().change(HOUR_MS, NOW) is None


def test_price_at_is_a_step_function() -> None:
    history = PriceHistory()
    for ts, price in ((0, 100), (10 * SECOND, 200), (20 * SECOND, 300)):
        history.add(NOW + ts, price)
    assert history.price_at(NOW - 1) is None
    assert history.price_at(NOW) == 100
    assert history.price_at(NOW + 15 * SECOND) == 200
    assert history.price_at(NOW + HOUR_MS) == 300


def test_next_after_is_when_a_window_start_reaches_the_next_price() -> None:
    history = PriceHistory()
    for ts, price in ((-2 * HOUR_MS, 100), (-30 * MINUTE_MS, 200), (0, 300)):
        history.add(NOW + ts, price)  # across the hour tier and the second tier
    assert history.next_after(NOW - 3 * HOUR_MS) == NOW - 2 * HOUR_MS
    assert history.next_after(NOW - 2 * HOUR_MS) == NOW - 30 * MINUTE_MS
    assert history.next_after(NOW - MINUTE_MS) == NOW
    assert history.next_after(NOW) is None
    assert PriceHistory().next_after(NOW) is None


def test_same_price_and_older_points_add_nothing() -> None:
    history = PriceHistory()
    history.add(NOW, 100)
    history.add(NOW + SECOND, 100)
    history.add(NOW - SECOND, 900)
    assert history.points() == [(NOW, 100)]


def test_one_point_per_second_keeps_the_latest_and_the_first() -> None:
    history = PriceHistory()
    history.add(NOW, 100)
    history.add(NOW + 300, 200)
    history.add(NOW + 700, 300)
    # the first point stays: a young history measures its moves from it
    assert history.points() == [(NOW, 100), (NOW + 700, 300)]
    assert history.move(5 * MINUTE_MS, NOW + 800) == (200, 800)


def test_seed_merges_late_candles_with_live_points() -> None:
    history = PriceHistory()
    history.add(NOW, 5000)
    history.seed([(NOW - 24 * HOUR_MS, 3000), (NOW - HOUR_MS, 4000)])
    assert history.change(24 * HOUR_MS, NOW) == 2000
    assert history.change(HOUR_MS, NOW) == 1000
    state = MarketState("T", "E")
    state.seed_history([(NOW - 2 * HOUR_MS, 100), (NOW, 300)])
    assert state.price_change(HOUR_MS, NOW) == 200


def test_memory_is_bounded_and_windows_still_answer() -> None:
    history = PriceHistory()
    start = NOW - 30 * HOUR_MS
    for step in range(30 * 3600 * 2):  # a new price every 500 ms for 30 hours
        history.add(start + step * 500, 1000 + step % 7000)
    bound = sum(span // step + 2 for span, step in HISTORY_TIERS)
    assert len(history) <= bound
    assert history.oldest_ms() is not None
    assert history.oldest_ms() <= NOW - 24 * HOUR_MS  # type: ignore[operator]
    for window in (5 * MINUTE_MS, HOUR_MS, 24 * HOUR_MS):
        assert history.change(window, NOW) is not None


def test_history_tiers_must_be_positive() -> None:
    with pytest.raises(ValidationError):
        PriceHistory([])
    with pytest.raises(ValidationError):
        PriceHistory([(0, 1)])


@given(
    st.lists(
        st.tuples(st.integers(0, 48 * HOUR_MS), st.integers(1, 9999)), min_size=1, max_size=200
    ),
    st.sampled_from([5 * MINUTE_MS, HOUR_MS, 24 * HOUR_MS]),
)
def test_history_agrees_with_the_full_record_within_a_bucket(
    raw: list[tuple[int, int]], window: int
) -> None:
    """Downsampling may only move the window start by less than one bucket of its tier."""
    points = sorted(raw)
    history = PriceHistory()
    for ts, price in points:
        history.add(ts, price)
    now = points[-1][0]
    exact_latest = points[-1][1]
    assert history.latest() is not None
    assert history.latest()[1] == exact_latest  # type: ignore[index]
    start = now - window
    change = history.change(window, now)
    if change is None:
        return
    # the price reported at the window start was in effect at some moment of the bucket
    # (start - step, start] of the coarsest tier
    earliest = start - max(step for _, step in HISTORY_TIERS) + 1
    candidates = {p for ts, p in points if earliest <= ts <= start} | {_in_effect(points, earliest)}
    assert exact_latest - change in candidates


def _in_effect(points: list[tuple[int, int]], at: int) -> int | None:
    found = None
    for ts, price in points:
        if ts <= at:
            found = price
    return found
