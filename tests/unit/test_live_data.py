"""Live data: the January recordings parse, and the sandbox's live data agrees with how its
markets settle. Real exchange and simulator on a test clock moved over simulated hours.

Checked: a game is scheduled with no score before tip-off, its points never go down while it
plays, and its final score's winner is the team whose market settles YES; a weather day's
readings only ever raise its running high, which ends equal to the settled high, inside the
winning range (for any seed and any steps of the clock); the weather reads refuse bad windows.
"""

from __future__ import annotations

import functools
import itertools
import json
from pathlib import Path
from typing import Any

import msgspec
import pytest
from _exchange_kit import NOW, NOW_MS, Clock, catalog
from hypothesis import given, settings
from hypothesis import strategies as st

from kalshikit import models as m
from kalshikit.models import Market
from kalshikit.sandbox.catalog import build_catalog, listed_milestones
from kalshikit.sandbox.exchange import GameLive, WeatherObservation
from kalshikit.sandbox.exchange.exchange import Exchange, ExchangeError
from kalshikit.sandbox.exchange.render import millis_of
from kalshikit.sandbox.sim.liquidity import seed_liquidity
from kalshikit.sandbox.sim.simulator import Simulator

MINUTE_MS = 60_000
HOUR_MS = 3_600_000

RECORDED = {
    "live_data_milestone_response.json": m.LiveDataResponse,
    "live_data_batch_response.json": m.LiveDatasResponse,
}


@pytest.mark.parametrize("name", sorted(RECORDED))
def test_recorded_live_data_parses(golden_dir: Path, name: str) -> None:
    recorded = json.loads((golden_dir / "other" / name).read_text(encoding="utf-8"))
    parsed = msgspec.json.decode(json.dumps(recorded["response"]), type=RECORDED[name])
    assert msgspec.json.decode(msgspec.json.encode(parsed), type=RECORDED[name]) == parsed
    live = parsed.live_data if isinstance(parsed, m.LiveDataResponse) else parsed.live_datas[0]
    assert live.type == "basketball_game"
    assert live.details["home_points"] == 56


# ---------------------------------------------------------------------- a simulated day and more


@functools.cache
def walk() -> tuple[Exchange, dict[str, list[dict[str, Any]]], dict[str, list[list[float]]]]:
    """40 hours in 10-minute steps: every game's details and every KXHIGHNY day's readings, as
    served after each step."""
    clock = Clock()
    exchange = Exchange(catalog(), clock=clock, seed=0)
    seed_liquidity(exchange, exchange.catalog)
    sim = Simulator(exchange, seed=3, activity=2.0)
    games = [ms for ms in listed_milestones(exchange.catalog) if ms.type == "basketball_game"]
    scores: dict[str, list[dict[str, Any]]] = {g.primary_event_tickers[0]: [] for g in games}
    days: dict[str, list[list[float]]] = {}
    for _ in range(40 * 6):
        clock.advance(600)
        sim.step(clock.ms)
        for game in games:
            details = exchange.milestone_live_data(game.id).details
            scores[game.primary_event_tickers[0]].append(details)
        for event in exchange.catalog.events_of_series("KXHIGHNY"):
            live = exchange.event_live_data(event.event_ticker).details["timeseries"]
            days.setdefault(event.event_ticker, []).append([p.v for p in live])
    return exchange, scores, days


def results(exchange: Exchange, event_ticker: str) -> list[tuple[Market, str]]:
    markets = exchange.catalog.markets_of_event(event_ticker)
    return [(mk, exchange.market(mk.ticker).result) for mk in markets]


def test_a_game_is_scheduled_then_scores_only_rise_and_its_winner_settles_yes() -> None:
    exchange, scores, _ = walk()
    finished = 0
    for event_ticker, seen in scores.items():
        assert seen[0]["status"] == "scheduled"
        assert seen[0]["home_points"] is None
        assert seen[0]["away_points"] is None
        playing = [d for d in seen if d["home_points"] is not None]
        for before, after in itertools.pairwise(playing):
            assert after["home_points"] >= before["home_points"], event_ticker
            assert after["away_points"] >= before["away_points"], event_ticker
        (_away, away_result), (_home, home_result) = results(exchange, event_ticker)
        if seen[-1]["status"] != "closed":
            assert away_result == home_result == ""
            continue
        finished += 1
        final = seen[-1]
        assert "yes" in (away_result, home_result)
        winner = "home" if home_result == "yes" else "away"
        assert final["winner"] == winner
        assert (final["home_points"] > final["away_points"]) == (winner == "home")
        assert final["period"] == 4
    assert finished >= 2


def settled_in(market: Market, high: float) -> bool:
    low, cap = market.floor_strike, market.cap_strike
    if market.strike_type == "greater":
        return low is not None and high > low
    if market.strike_type == "less":
        return cap is not None and high < cap
    return low is not None and cap is not None and low <= high <= cap


def test_a_weather_days_running_high_only_rises_and_ends_on_the_settled_high() -> None:
    exchange, _, days = walk()
    settled = 0
    for event_ticker, snapshots in days.items():
        highs = [max(values) for values in snapshots if values]
        assert highs == sorted(highs), event_ticker  # the running high never falls
        found = results(exchange, event_ticker)
        winners = [mk for mk, result in found if result == "yes"]
        if not winners:
            continue
        settled += 1
        final = snapshots[-1]
        assert final[-1] == max(final)  # the settled high is the day's last reading
        assert settled_in(winners[0], max(final)), (event_ticker, max(final))
        losers = [mk for mk, result in found if result == "no"]
        assert not any(settled_in(mk, max(final)) for mk in losers)
    assert settled >= 1


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 10_000), steps=st.lists(st.integers(1, 240), min_size=1, max_size=30))
def test_the_running_high_is_monotone_for_any_seed_and_steps(seed: int, steps: list[int]) -> None:
    """Steps of 1 to 240 minutes, repeated to cover two days: the city's readings, as served,
    never lower the high; once settled, the high lies in the winning range."""
    clock = Clock()
    exchange = Exchange(build_catalog(seed=seed % 7, markets=80, now=NOW), clock=clock, seed=0)
    sim = Simulator(exchange, seed=seed, activity=1.0)
    first = exchange.catalog.events_of_series("KXHIGHNY")[0].event_ticker
    running: list[float] = []
    moves = iter(steps * (1 + 2880 // sum(steps)))
    while clock.ms < NOW_MS + 44 * HOUR_MS:
        clock.advance(60 * next(moves, 60))
        sim.step(clock.ms)
        values = [p.v for p in exchange.event_live_data(first).details["timeseries"]]
        if values:
            running.append(max(values))
    assert running == sorted(running)
    winners = [mk for mk, result in results(exchange, first) if result == "yes"]
    assert winners
    assert running
    assert settled_in(winners[0], running[-1])


# ---------------------------------------------------------------------- the reads themselves


def test_publish_and_the_index_window() -> None:
    clock = Clock()
    exchange = Exchange(catalog(), clock=clock, seed=0)
    event = exchange.catalog.events_of_series("KXHIGHNY")[0].event_ticker
    for minute in range(5):
        exchange.publish_live(
            WeatherObservation("KXHIGHNY", event, NOW_MS - (4 - minute) * MINUTE_MS, 80.0 + minute)
        )
    exchange.publish_live(WeatherObservation("KXHIGHNY", event, NOW_MS, 83.0))  # revised
    index = exchange.weather_index("nyc")
    assert [p.v for p in index.timeseries] == [80.0, 81.0, 82.0, 83.0, 83.0]
    assert index.config_version == "nyc-temperature-v1.0"
    assert len(exchange.weather_index("nyc", last_sec=120).timeseries) == 3
    detailed = exchange.weather_index("nyc", detailed=True).timeseries[-1]
    assert detailed.stations is not None
    assert detailed.stations[0].station_id == "KNYC1M"
    assert exchange.weather_index("chicago").timeseries == []
    for bad in (
        lambda: exchange.weather_index("atlantis"),
        lambda: exchange.weather_index("nyc", start_ms=5),
        lambda: exchange.weather_index("nyc", start_ms=5, end_ms=1),
        lambda: exchange.weather_index("nyc", last_sec=60, end_ms=1),
        lambda: exchange.event_live_data(event, "fortnight"),
    ):
        with pytest.raises(ExchangeError) as caught:
            bad()
        assert caught.value.status == 400
    calibrations = exchange.weather_calibrations("nyc")
    assert calibrations.units == "celsius"
    assert calibrations.calibrations[0].stations[0].weight == 1.0


def test_milestone_reads_and_refusals() -> None:
    clock = Clock()
    exchange = Exchange(catalog(), clock=clock, seed=0)
    milestones = listed_milestones(exchange.catalog)
    game = next(ms for ms in milestones if ms.type == "basketball_game")
    race = next(ms for ms in milestones if ms.type == "political_race")
    event = game.primary_event_tickers[0]
    details = {"home_points": 3, "away_points": 2, "status": "inprogress"}
    exchange.publish_live(GameLive(event, millis_of(game.start_date), details))
    assert exchange.milestone_live_data(game.id).details == details
    assert exchange.milestone_live_data(game.id, "basketball_game").type == "basketball_game"
    batch = exchange.live_datas([race.id, game.id, "nope", game.id])
    assert [ld.milestone_id for ld in batch] == [game.id]
    assert exchange.game_stats(game.id) == {"pbp": None}
    for bad in (
        lambda: exchange.milestone_live_data("nope"),
        lambda: exchange.milestone_live_data(race.id),
        lambda: exchange.milestone_live_data(game.id, "football_game"),
        lambda: exchange.event_live_data(event),  # a game's live data is by milestone
        lambda: exchange.event_live_data("KXNOPE-1"),
        lambda: exchange.game_stats("nope"),
    ):
        with pytest.raises(ExchangeError) as caught:
            bad()
        assert caught.value.status == 404
