"""The official SDK (kalshi-python-sync 3.34.0) drives the sandbox's 7 live-data operations (a
game in play by milestone, one and in a batch and through the legacy typed route, its
play-by-play, a weather day's live data, a city's temperature index and its calibrations), and
every answer validates in that SDK's own pydantic models."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from _live_data_kit import LiveBox, live_box

from kalshikit.sandbox.catalog import listed_milestones
from kalshikit.sandbox.exchange import millis_of

sdk = pytest.importorskip(
    "kalshi_python_sync", reason="the official SDK is installed by `make test`"
)

pytestmark = pytest.mark.slow
HOUR_MS = 3_600_000


@pytest.fixture(scope="module")
def box() -> Iterator[LiveBox]:
    with live_box() as found:
        yield found


@pytest.fixture(scope="module")
def game(box: LiveBox) -> Any:
    """The first game, an hour after its tip-off (and today's weather with readings)."""
    games = [m for m in listed_milestones(box.exchange.catalog) if m.type == "basketball_game"]
    first = min(games, key=lambda m: m.start_date)
    box.advance_to(millis_of(first.start_date) + HOUR_MS)
    return first


@pytest.fixture(scope="module")
def client(box: LiveBox) -> Any:
    return sdk.KalshiClient(sdk.Configuration(host=box.url))


def test_milestone_live_data_validates_on_every_route(client: Any, game: Any) -> None:
    one = client.get_live_data_by_milestone(game.id).live_data
    assert one.type == "basketball_game"
    assert one.milestone_id == game.id
    assert one.details["status"] == "inprogress"
    assert isinstance(one.details["home_points"], int)
    typed = client.get_live_data("basketball_game", game.id, include_player_stats=True)
    assert typed.live_data.milestone_id == game.id
    batch = client.get_live_datas([game.id, "not-a-milestone"]).live_datas
    assert [d.milestone_id for d in batch] == [game.id]
    assert client.get_game_stats(game.id).pbp is None  # no Sportradar id: null, as documented


def test_weather_live_data_index_and_calibrations_validate(
    box: LiveBox, client: Any, game: Any
) -> None:
    events = box.exchange.catalog.events_of_series("KXHIGHNY")
    today = next(e for e in events if millis_of(e.strike_date) <= box.clock())
    live = client.get_event_live_data(today.event_ticker).live_data
    assert live.type == "weather"
    assert live.details["timeseries"], "the day has readings by tip-off"
    limited = client.get_event_live_data(today.event_ticker, range="1h").live_data
    assert len(limited.details["timeseries"]) <= len(live.details["timeseries"])
    index = client.get_weather_index("nyc", detailed=True)
    assert index.units == "fahrenheit"
    assert index.timeseries
    assert index.timeseries[-1].stations[0].station_id == "KNYC1M"
    now = box.clock()
    window = client.get_weather_index("nyc", var_from=now - HOUR_MS, to=now)
    assert all(now - HOUR_MS <= p.t <= now for p in window.timeseries)
    assert client.get_weather_index("nyc", last_sec=600).city == "nyc"
    calibrations = client.get_weather_index_calibrations("nyc")
    assert calibrations.units == "celsius"
    assert calibrations.calibrations[0].stations[0].weight == 1.0


def test_unknown_ids_are_refused(client: Any) -> None:
    with pytest.raises(sdk.exceptions.NotFoundException):
        client.get_live_data_by_milestone("not-a-milestone")
    with pytest.raises(sdk.exceptions.BadRequestException):
        client.get_weather_index("atlantis")
