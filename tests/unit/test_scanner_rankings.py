"""Incremental rankings: after any messages and any passing of time, every scan's top(n) is what
running every rule over every market from scratch gives at that moment."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kalshikit.scanner import rules
from kalshikit.scanner.rankings import KEYS, WINDOWS, Ranking, Rankings
from kalshikit.scanner.state import HOUR_MS, MINUTE_MS, SECOND_MS, MarketState

NOW = 1_800_000_000_000
C = 100  # centi-contracts per contract
DAY_MS = 24 * HOUR_MS


def from_scratch(
    states: list[MarketState], now_ms: int, announced: set[str]
) -> dict[str, list[rules.Signal]]:
    """The reference: every rule over every market at once, as the scanner ranked before it
    kept rankings incrementally (issue 13)."""
    found = {f"movers:{name}": rules.movers(states, ms, now_ms) for name, ms in WINDOWS.items()}
    found["close-races"] = rules.close_races(states, now_ms)
    found["spreads"] = rules.wide_spreads(states, now_ms)
    found["volume"] = rules.high_volume(states, now_ms, last_24h=False)
    found["expiring"] = rules.expiring_soon(states, now_ms)
    fresh = [state for state in states if state.ticker in announced]
    found["new"] = rules.new_markets(fresh, now_ms, include_unpriced=True)
    found["arbitrage"] = rules.arbitrage(rules.group_by_event(states), now_ms)
    return found


def market(ticker: str, event: str, close_in: int, born_ago: int | None) -> MarketState:
    return MarketState(
        ticker,
        event,
        status="active",
        mutually_exclusive=True,
        close_time_ms=NOW + close_in,
        created_time_ms=None if born_ago is None else NOW - born_ago,
    )


@dataclass
class World:
    """The markets, the time, and the rankings under test."""

    rankings: Rankings
    now: int = NOW
    announced: frozenset[str] = frozenset()

    def check(self) -> None:
        states = list(self.rankings.states.values())
        expected = from_scratch(states, self.now, set(self.announced))
        for key in KEYS:
            assert self.rankings.top(key, 1_000, self.now) == expected[key], key
            assert self.rankings.top(key, 2, self.now) == expected[key][:2], key


# --- what can happen: messages and time ---------------------------------------------------------

PRICES = st.sampled_from([100, 500, 2_500, 3_000, 4_000, 4_600, 5_000, 5_400, 9_000, 9_900])
SPREADS = st.sampled_from([0, 100, 200, 400, 500, 800, 5_000])
SIZES = st.sampled_from([None, 0, 5 * C, 20 * C, 500 * C, 500 * C, 500 * C])
VOLUMES = st.sampled_from([None, 0, 10_000 * C, 20_000 * C])
STEPS = st.sampled_from(
    [1, 999, SECOND_MS, 30 * SECOND_MS, 4 * MINUTE_MS, 59 * MINUTE_MS, HOUR_MS, 6 * HOUR_MS, DAY_MS]
)
CLOSES = st.sampled_from([10 * MINUTE_MS, 2 * HOUR_MS, 23 * HOUR_MS, 30 * HOUR_MS, 60 * DAY_MS])
BORN = st.sampled_from([None, -10 * MINUTE_MS, 0, HOUR_MS, DAY_MS - MINUTE_MS, 2 * DAY_MS])
TICKERS = [f"KX-E{n % 2}-M{n}" for n in range(5)]  # two events
WHICH = st.integers(0, len(TICKERS) - 1)

QUOTES = st.tuples(PRICES, SPREADS, SIZES, SIZES, st.none() | PRICES, VOLUMES)
# price histories: a day and more, one younger than every window, none
HISTORIES = st.sampled_from(
    [
        ((-DAY_MS - HOUR_MS, 5_000), (-30 * MINUTE_MS, 5_300)),
        ((-2 * MINUTE_MS, 4_000), (-MINUTE_MS, 4_600)),
        (),
    ]
)


def quote(state: MarketState, now: int, values: tuple[Any, ...]) -> None:
    bid, spread, bid_size, ask_size, last, volume = values
    state.on_ticker(now, bid, min(bid + spread, 10_000), bid_size, ask_size, last, volume)


OPS = st.one_of(
    st.tuples(st.just("ticker"), WHICH, QUOTES),
    st.tuples(st.just("ticker"), WHICH, QUOTES),
    st.tuples(st.just("trade"), WHICH, PRICES),
    st.tuples(st.just("time"), STEPS),
    st.tuples(st.just("status"), WHICH, st.sampled_from(["active", "closed", "determined"])),
    st.tuples(st.just("list"), WHICH, CLOSES, BORN, QUOTES),
    st.tuples(st.just("announce"), WHICH),
)


def apply(world: World, op: tuple[Any, ...]) -> None:
    rankings, now = world.rankings, world.now
    if op[0] == "time":
        world.now += op[1]
        return
    if op[0] == "announce":
        world.announced |= {TICKERS[op[1]]}
        rankings.announce(TICKERS[op[1]], now)
        return
    ticker = TICKERS[op[1]]
    if op[0] == "list":  # a market listed (or listed again: it replaces the old state)
        listed = market(ticker, ticker[:5], op[2] + now - NOW, op[3])
        quote(listed, now, op[4])
        rankings.add(listed, now)
        return
    state = rankings.states.get(ticker)
    if state is None:
        return
    if op[0] == "ticker":
        quote(state, now, op[2])
    elif op[0] == "trade":
        state.on_trade(now, op[2], C)
    else:
        state.status = op[2]
    rankings.update(state, now)


SEED = st.lists(
    st.tuples(WHICH, CLOSES, BORN, QUOTES, HISTORIES), max_size=5, unique_by=lambda seed: seed[0]
)


@settings(max_examples=400, deadline=None)
@given(seed=SEED, ops=st.lists(OPS, max_size=40))
def test_incremental_top_equals_a_from_scratch_ranking_after_any_updates(
    seed: list[tuple[Any, ...]], ops: list[tuple[Any, ...]]
) -> None:
    rankings, states = Rankings(), []
    for which, close, born, values, history in seed:
        state = market(TICKERS[which], TICKERS[which][:5], close, born)
        state.seed_history((NOW + ago, price) for ago, price in history)
        quote(state, NOW - 2 * MINUTE_MS, values)
        states.append(state)
    rankings.load(states, NOW)
    world = World(rankings)
    world.check()
    for op in ops:
        apply(world, op)
        world.check()


# --- examples a user would recognise ------------------------------------------------------------


def quoted(ticker: str, bid: int, ask: int, **fields: Any) -> MarketState:
    fields.setdefault("close_time_ms", NOW + 60 * DAY_MS)
    state = MarketState(ticker, "KX-EV", status="active", **fields)
    state.on_ticker(NOW - HOUR_MS, bid, ask, 100 * C, 100 * C)
    return state


def test_a_market_moving_tops_the_movers_and_leaves_when_the_window_passes_it() -> None:
    calm, jumpy = quoted("KX-CALM", 4_800, 5_000), quoted("KX-JUMPY", 4_800, 5_000)
    rankings = Rankings()
    rankings.load([calm, jumpy], NOW)
    jumpy.on_trade(NOW - 6 * MINUTE_MS, 3_000, C)
    jumpy.on_trade(NOW, 5_000, C)
    rankings.update(jumpy, NOW)

    (best,) = rankings.top("movers:5m", 10, NOW)
    assert (best.ticker, best.values["change_points"]) == ("KX-JUMPY", 20)
    assert rankings.top("movers:5m", 10, NOW + 5 * MINUTE_MS - 1) == [best]
    # five minutes on, the 5m window starts after the jump: no message needed to drop it
    assert rankings.top("movers:5m", 10, NOW + 5 * MINUTE_MS) == []
    assert [s.ticker for s in rankings.top("movers:1h", 10, NOW + 5 * MINUTE_MS)] == ["KX-JUMPY"]


def test_expiring_markets_enter_a_day_before_their_close_and_leave_at_it() -> None:
    soon = quoted("KX-SOON", 4_800, 5_000, close_time_ms=NOW + 25 * HOUR_MS)
    rankings = Rankings()
    rankings.load([soon], NOW)
    assert rankings.top("expiring", 5, NOW) == []
    (found,) = rankings.top("expiring", 5, NOW + 2 * HOUR_MS)
    assert found.values["closes_in_s"] == str(23 * 3600)  # figures of the moment it is read
    assert rankings.top("expiring", 5, NOW + 3 * HOUR_MS)[0].values["closes_in_s"] == "79200"
    assert rankings.top("expiring", 5, NOW + 25 * HOUR_MS) == []
    assert rankings.top("spreads", 5, NOW + 25 * HOUR_MS) == []  # closed: no scan reports it


def test_a_new_market_ranks_for_exactly_a_day_once_announced() -> None:
    fresh = quoted("KX-FRESH", 4_800, 5_000, created_time_ms=NOW)
    rankings = Rankings()
    rankings.load([fresh], NOW)
    assert rankings.top("new", 5, NOW) == []  # not announced by the lifecycle channel
    rankings.announce("KX-FRESH", NOW)
    assert [s.ticker for s in rankings.top("new", 5, NOW + DAY_MS)] == ["KX-FRESH"]
    assert rankings.top("new", 5, NOW + DAY_MS + 1) == []


def test_ties_rank_by_ticker_and_top_reads_only_what_it_is_asked_for() -> None:
    states = [quoted(f"KX-{n:02d}", 4_000, 4_600) for n in reversed(range(12))]
    rankings = Rankings()
    rankings.load(states, NOW)
    top = rankings.top("spreads", 3, NOW)
    assert [s.ticker for s in top] == ["KX-00", "KX-01", "KX-02"]
    assert rankings.top("spreads", 0, NOW) == []


def test_a_ranking_replaces_an_owner_with_any_number_of_signals() -> None:
    ranking = Ranking()
    ranking.load([("B", (-2.0,)), ("A", (-2.0, -9.0)), ("C", ())])
    assert ranking.top(5) == [(-9.0, "A", 1), (-2.0, "A", 0), (-2.0, "B", 0)]
    ranking.replace("A", (-1.0,))
    ranking.replace("C", (-3.0, -3.0))
    assert ranking.top(5) == [(-3.0, "C", 0), (-3.0, "C", 1), (-2.0, "B", 0), (-1.0, "A", 0)]
    ranking.replace("C", ())
    assert (ranking.top(1), len(ranking)) == ([(-2.0, "B", 0)], 2)


@pytest.mark.parametrize("key", KEYS)
def test_every_scan_is_empty_without_markets(key: str) -> None:
    assert Rankings().top(key, 10, NOW) == []
