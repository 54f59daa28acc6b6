"""Live data end to end: our sync and async clients against an in-process sandbox whose clock
the test moves through a game night and a weather day, and the CLI at 80 columns.

Checked: the game is scheduled with no score before tip-off, its points only rise, and its final
score's winner is the team whose market settles YES; the city's running high never falls, ends
equal to the day's last reading, and lies in the range that settles YES; the async client reads
what the sync one does; bad input sends nothing."""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from _client_kit import Wire
from _live_data_kit import LiveBox, live_box

from kalshikit import AsyncKalshiClient, KalshiClient
from kalshikit.cli import _output
from kalshikit.cli.main import main
from kalshikit.errors import NotFound, ValidationError
from kalshikit.models import Market, Milestone
from kalshikit.sandbox.catalog import listed_milestones
from kalshikit.sandbox.exchange import millis_of

pytestmark = pytest.mark.slow
STEP_MS = 20 * 60_000


@pytest.fixture(scope="module")
def box() -> Iterator[LiveBox]:
    with live_box(seed=5) as found:
        yield found


@pytest.fixture
def client(box: LiveBox) -> Iterator[KalshiClient]:
    with KalshiClient(config=box.config(), transport=Wire()) as c:
        yield c


def first_game(box: LiveBox) -> Milestone:
    games = [m for m in listed_milestones(box.exchange.catalog) if m.type == "basketball_game"]
    return min(games, key=lambda m: m.start_date)


def settled_in(market: Market, high: float) -> bool:
    low, cap = market.floor_strike, market.cap_strike
    if market.strike_type == "greater":
        return low is not None and high > low
    if market.strike_type == "less":
        return cap is not None and high < cap
    return low is not None and cap is not None and low <= high <= cap


def test_a_game_and_a_weather_day_play_out_as_they_settle(
    box: LiveBox, client: KalshiClient
) -> None:
    game = first_game(box)
    event = game.primary_event_tickers[0]
    day = box.exchange.catalog.events_of_series("KXHIGHNY")[0].event_ticker
    scores: list[dict[str, Any]] = [client.live_data.milestone(game.id).details]
    highs: list[float] = []

    def markets_of(ticker: str) -> list[Market]:
        """The event's markets, live or (settled a while ago) from the historical archive."""
        found = []
        for market in box.exchange.catalog.markets_of_event(ticker):
            try:
                found.append(client.markets.get(market.ticker))
            except NotFound:
                found.append(client.historical.market(market.ticker))
        return found

    catalog = box.exchange.catalog
    expiries = [
        m.expected_expiration_time for t in (event, day) for m in catalog.markets_of_event(t)
    ]
    until = max(millis_of(e) for e in expiries if e is not None) + 2 * STEP_MS
    while box.clock() < until:
        box.advance_to(box.clock() + STEP_MS)
        scores.append(client.live_data.milestone(game.id).details)
        values = [p["v"] for p in client.live_data.event(day).details["timeseries"]]
        highs += [max(values)] if values else []
    assert scores[0]["status"] == "scheduled"
    assert scores[0].get("home_points") is None  # no score yet (the null is left out)
    played = [s for s in scores if s.get("home_points") is not None]
    assert len(played) >= 4  # three hours of play, read every 20 minutes
    for before, after in itertools.pairwise(played):
        assert after["home_points"] >= before["home_points"]
        assert after["away_points"] >= before["away_points"]
    final = scores[-1]
    away, home = markets_of(event)
    winner = "home" if home.result == "yes" else "away"
    assert (away.result == "yes") == (winner == "away")
    assert final["status"] == "closed"
    assert final["winner"] == winner
    assert (final["home_points"] > final["away_points"]) == (winner == "home")

    assert highs == sorted(highs)  # the running high never falls
    readings = client.live_data.event(day).details["timeseries"]
    assert readings[-1]["v"] == max(p["v"] for p in readings) == highs[-1]
    ranges = markets_of(day)
    yes = [m for m in ranges if m.result == "yes"]
    assert len(yes) == 1
    assert settled_in(yes[0], highs[-1])
    assert not any(settled_in(m, highs[-1]) for m in ranges if m.result == "no")

    async def read() -> tuple[Any, Any, Any]:
        async with AsyncKalshiClient(config=box.config()) as twin:
            return (
                await twin.live_data.milestone(game.id),
                await twin.live_data.batch([game.id]),
                await twin.live_data.event(day),
            )

    one, batch, weather = asyncio.run(read())
    assert one == client.live_data.milestone(game.id) == batch[0]
    assert client.live_data.by_type("basketball_game", game.id) == one
    assert weather == client.live_data.event(day)
    assert client.live_data.game_stats(game.id) is None
    index = client.live_data.weather("nyc", last_sec=3 * 86_400)
    assert highs[-1] in [p.v for p in index.timeseries]  # the day's last minute, in the index
    assert client.live_data.weather_calibrations("nyc").calibrations


def test_bad_input_sends_nothing(client: KalshiClient) -> None:
    naive = datetime(2026, 12, 1)  # noqa: DTZ001 - the point: a naive datetime is refused
    attempts = [
        lambda: client.live_data.event(""),
        lambda: client.live_data.event("KXHIGHNY-26DEC03", chart_range=""),
        lambda: client.live_data.milestone(""),
        lambda: client.live_data.by_type("", "x"),
        lambda: client.live_data.milestone("x", include_player_stats="yes"),  # type: ignore[arg-type]
        lambda: client.live_data.batch([]),
        lambda: client.live_data.batch(["x"] * 101),
        lambda: client.live_data.batch(["x", ""]),
        lambda: client.live_data.game_stats(""),
        lambda: client.live_data.weather(""),
        lambda: client.live_data.weather("nyc", start=naive),
        lambda: client.live_data.weather("nyc", start=-1),
        lambda: client.live_data.weather("nyc", start=10, end=5),
        lambda: client.live_data.weather("nyc", last_sec=0),
        lambda: client.live_data.weather("nyc", last_sec=60, end=5),
        lambda: client.live_data.weather_calibrations(" "),
    ]  # fmt: skip
    for attempt in attempts:
        with pytest.raises(ValidationError):
            attempt()
    transport = client._http._transport
    assert isinstance(transport, Wire)
    assert transport.seen == []


# --- the CLI --------------------------------------------------------------------------------


@pytest.fixture
def cli(box: LiveBox, monkeypatch: pytest.MonkeyPatch) -> LiveBox:
    monkeypatch.setattr(_output.stdout, "width", 80)
    for name in [n for n in os.environ if n.startswith("KALSHI_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("KALSHI_API_URL", box.url)
    return box


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert code == 0, err
    return out, err


def test_cli_live_shows_a_game_and_a_day_at_80_columns(
    cli: LiveBox, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    game = first_game(cli)
    event = game.primary_event_tickers[0]
    catalog = cli.exchange.catalog
    days = [e for e in catalog.events_of_series("KXHIGHNY") if e.strike_date is not None]
    now = cli.clock()
    today = next(e for e in days if millis_of(e.strike_date) <= now)  # type: ignore[arg-type]
    market = catalog.markets_of_event(today.event_ticker)[0].ticker
    race = next(m for m in listed_milestones(catalog) if m.type == "political_race")
    out, _ = run(capsys, "live", event)
    assert all(len(line) <= 80 for line in out.splitlines()), out
    assert event in out
    assert "closed" in out
    assert "Q4 0:00" in out
    out, _ = run(capsys, "live", market)  # a market: its event's live data
    assert all(len(line) <= 80 for line in out.splitlines()), out
    assert today.event_ticker in out
    assert "high so far" in out
    assert "°F" in out
    out, err = run(capsys, "live", race.primary_event_tickers[0])
    assert out == ""
    assert "no live data for" in err
    code = main(["--json", "live", event])
    assert code == 0
    out = capsys.readouterr().out
    assert '"milestone_id"' in out
    assert millis_of(game.start_date) > 0
    code = main(["live", "KXNOPE-26DEC03"])
    assert code == 2
