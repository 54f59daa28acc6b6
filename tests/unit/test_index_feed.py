"""The simulator's index ticks: one a second per crypto series, the same for the same seed and
steps, at most a minute of backfill after a pause, and nothing when the simulator is off."""

from __future__ import annotations

from datetime import UTC, datetime

from kalshikit.sandbox.catalog import INDEX_FEEDS, build_catalog
from kalshikit.sandbox.exchange import Exchange, IndexTick
from kalshikit.sandbox.sim import Simulator

START = datetime(2026, 11, 2, 15, 0, 0, 300_000, tzinfo=UTC)
START_MS = int(START.timestamp() * 1000)


def ticks_of(seed: int, steps: list[int], activity: float = 5.0) -> list[IndexTick]:
    clock = [START_MS]
    exchange = Exchange(build_catalog(seed=seed, markets=120, now=START), clock=lambda: clock[0])
    heard: list[IndexTick] = []
    exchange.add_listener(lambda e: heard.append(e) if isinstance(e, IndexTick) else None)
    simulator = Simulator(exchange, seed=seed, activity=activity)
    for at in steps:
        clock[0] = at
        simulator.step(at)
    return heard


def test_one_tick_a_second_per_series_the_same_for_the_same_seed() -> None:
    steps = [START_MS + 250 * n for n in range(0, 121)]  # 30 s in quarter seconds
    first, again = ticks_of(3, steps), ticks_of(3, steps)
    assert first == again
    assert first != ticks_of(4, steps)
    for feed in INDEX_FEEDS:
        times = [t.ts_ms for t in first if t.series_ticker == feed.series_ticker]
        start = START_MS - START_MS % 1000
        assert times == list(range(start, start + 31_000, 1000)), feed
        values = [t.value for t in first if t.series_ticker == feed.series_ticker]
        assert all(v > 0 and v == v.quantize(values[0]) for v in values)


def test_a_pause_is_backfilled_with_a_minute_only() -> None:
    ticks = ticks_of(3, [START_MS, START_MS + 600_000])
    times = [t.ts_ms for t in ticks if t.series_ticker == "KXBTCD"]
    last = START_MS + 600_000 - (START_MS + 600_000) % 1000
    assert times[1:] == list(range(last - 60_000, last + 1000, 1000))


def test_no_ticks_without_the_simulator() -> None:
    assert ticks_of(3, [START_MS, START_MS + 5000], activity=0) == []
