"""Live data: the games' scores and clocks (by milestone), the weather days' observations (by
event) and each city's temperature index. No I/O here; answers are ``kalshikit.models`` structs.

The numbers come from the simulator, which reads them off the same latent values the markets
settle on and hands them over with ``publish_live`` (``sim/livefeed.py``). Like the index ticks
they are a derived feed, not state: nothing is journaled, snapshots and digests leave them out,
and the same seed and steps publish the same numbers. What the exchange adds is what the catalog
and the clock say: a game before tip-off is ``scheduled`` with no score; a milestone or city
with nothing published yet answers with what is known (no score, an empty series).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Final

from kalshikit.models import (
    EventLiveData,
    LiveData,
    Milestone,
    WeatherCalibrationsResponse,
    WeatherIndexPoint,
    WeatherIndexResponse,
    WeatherStationReading,
)
from kalshikit.sandbox.catalog import (
    GAME_SERIES,
    WeatherCity,
    city_calibrations,
    config_version,
    listed_milestones,
    weather_cities,
)
from kalshikit.sandbox.exchange.errors import bad_request, not_found
from kalshikit.sandbox.exchange.market_data import MarketDataMixin
from kalshikit.sandbox.exchange.render import millis_of

__all__ = ["GAME_TYPE", "WEATHER_TYPE", "GameLive", "LiveDataMixin", "WeatherObservation"]

GAME_TYPE: Final = "basketball_game"
WEATHER_TYPE: Final = "weather"  # the sandbox's name for an event's observations
DAY_MS: Final = 86_400_000
_KEEP_MS: Final = 3 * DAY_MS  # the index keeps three days of minutes
_RANGE: Final = re.compile(r"(\d+)(min|h|d)")
_RANGE_MS: Final = {"min": 60_000, "h": 3_600_000, "d": DAY_MS}
_CITIES: Final = {c.city_id: c for c in weather_cities()}
_CITY_OF_SERIES: Final = {c.series_ticker: c for c in weather_cities()}
# a basketball_game's details, as recorded (2026-01): what is not known yet is null
_GAME_KEYS: Final = (
    "away_points", "home_points", "last_event_created_ts", "last_event_is_timeout",
    "last_updated_ts", "period", "period_remaining_time", "period_type", "possession",
    "score_last_updated_ts", "status", "widget_status", "winner",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class GameLive:
    """A game's details as of ``at_ms`` (the recorded ``basketball_game`` keys)."""

    event_ticker: str
    at_ms: int
    details: dict[str, Any]


@dataclass(frozen=True, slots=True)
class WeatherObservation:
    """A city's reading (whole °F) at minute ``t_ms`` of the day of ``event_ticker``."""

    series_ticker: str
    event_ticker: str
    t_ms: int
    value: float


@dataclass(slots=True)
class _Board:
    games: dict[str, GameLive] = field(default_factory=dict)
    cities: dict[str, list[WeatherObservation]] = field(default_factory=dict)


class LiveDataMixin(MarketDataMixin):
    """The ``/live_data`` reads, and ``publish_live`` for the simulator."""

    _live_board: _Board | None = None

    @property
    def _live(self) -> _Board:
        if self._live_board is None:
            self._live_board = _Board()
        return self._live_board

    # ------------------------------------------------------------------ the feed

    def publish_live(self, record: GameLive | WeatherObservation) -> None:
        """Take a game's details or a city's reading: no state, no journal (a derived feed)."""
        board = self._live
        if isinstance(record, GameLive):
            board.games[record.event_ticker] = record
            return
        series = board.cities.setdefault(record.series_ticker, [])
        if series and series[-1].t_ms >= record.t_ms:
            series[:] = [o for o in series if o.t_ms != record.t_ms]  # a revised minute
            series.append(record)
            series.sort(key=lambda o: o.t_ms)
        else:
            series.append(record)
        while series and series[0].t_ms < record.t_ms - _KEEP_MS:
            series.pop(0)

    # ------------------------------------------------------------------ games, by milestone

    def _game_milestone(self, milestone_id: str) -> Milestone:
        for found in listed_milestones(self.catalog):
            if found.id == milestone_id:
                return found
        raise not_found("milestone_not_found", f"no milestone with id {milestone_id!r}")

    def _game_details(self, milestone: Milestone) -> dict[str, Any] | None:
        event_ticker = milestone.primary_event_tickers[0]
        if milestone.type != GAME_TYPE:
            return None
        published = self._live.games.get(event_ticker)
        if published is not None:
            return dict(published.details)
        details: dict[str, Any] = dict.fromkeys(_GAME_KEYS)
        now = self._clock()
        started = now >= millis_of(milestone.start_date)
        details.update(
            last_event_is_timeout=False,
            last_updated_ts=millis_of(milestone.last_updated_ts) // 1000,
            period=0,
            period_type="quarter",
            status="inprogress" if started else "scheduled",
            widget_status="live" if started else "upcoming",
            winner="",
        )
        return details

    def milestone_live_data(self, milestone_id: str, live_type: str | None = None) -> LiveData:
        milestone = self._game_milestone(milestone_id)
        details = self._game_details(milestone)
        if details is None or (live_type is not None and live_type != milestone.type):
            raise not_found("live_data_not_found", f"no live data for milestone {milestone_id}")
        return LiveData(type=milestone.type, details=details, milestone_id=milestone.id)

    def live_datas(self, milestone_ids: list[str]) -> list[LiveData]:
        """Each id with live data, in the order asked (unknown ids are left out)."""
        wanted = set(milestone_ids)
        found = {m.id: m for m in listed_milestones(self.catalog) if m.id in wanted}
        out = []
        for milestone_id in dict.fromkeys(milestone_ids):
            milestone = found.get(milestone_id)
            details = self._game_details(milestone) if milestone is not None else None
            if milestone is not None and details is not None:
                out.append(
                    LiveData(type=milestone.type, details=details, milestone_id=milestone.id)
                )
        return out

    def game_stats(self, milestone_id: str) -> dict[str, object]:
        """No play-by-play: Kalshi has none without a Sportradar id, and the sandbox's
        milestones have none (``pbp`` null, as the SDK documents)."""
        self._game_milestone(milestone_id)
        return {"pbp": None}

    # ------------------------------------------------------------------ weather, by event

    def event_live_data(self, event_ticker: str, chart_range: str | None = None) -> EventLiveData:
        """A weather day's readings so far (its slice of the city's index)."""
        event = self.catalog.event(event_ticker)
        if event is None:
            raise not_found("event_not_found", f"no event with ticker {event_ticker!r}")
        city = _CITY_OF_SERIES.get(event.series_ticker)
        if city is None:
            message = f"no event live data for {event_ticker}"
            if event.series_ticker == GAME_SERIES:
                message += " (a game's live data is by milestone: /live_data/milestone/{id})"
            raise not_found("live_data_not_found", message)
        readings = [
            o
            for o in self._live.cities.get(city.series_ticker, [])
            if o.event_ticker == event_ticker
        ]
        window = _range_ms(chart_range)
        if window is not None and readings:
            readings = [o for o in readings if o.t_ms >= readings[-1].t_ms - window]
        details = {
            "city": city.city_id,
            "config_version": config_version(city) if readings else "",
            "units": "fahrenheit",
            "timeseries": [_point(city, o, detailed=False) for o in readings],
        }
        return EventLiveData(type=WEATHER_TYPE, details=details)

    # ------------------------------------------------------------------ the index, by city

    def _city(self, city_id: str) -> WeatherCity:
        city = _CITIES.get(city_id)
        if city is None:
            known = ", ".join(_CITIES)
            raise bad_request("invalid_parameters", f"no index for city {city_id!r} ({known})")
        return city

    def weather_index(
        self, city_id: str, *, start_ms: int | None = None, end_ms: int | None = None,
        last_sec: int | None = None, detailed: bool = False,
    ) -> WeatherIndexResponse:  # fmt: skip
        city = self._city(city_id)
        now = self._clock()
        if last_sec is not None:
            if start_ms is not None or end_ms is not None:
                raise bad_request("invalid_parameters", "last_sec excludes from and to")
            start_ms, end_ms = now - last_sec * 1000, now
        elif start_ms is not None and end_ms is None:
            raise bad_request("invalid_parameters", "from must be paired with to")
        end = now if end_ms is None else end_ms
        start = end - DAY_MS if start_ms is None else start_ms
        if start > end:
            raise bad_request("invalid_parameters", "from must not be after to")
        readings = [
            o for o in self._live.cities.get(city.series_ticker, []) if start <= o.t_ms <= end
        ]
        return WeatherIndexResponse(
            city=city.city_id,
            config_version=config_version(city) if readings else "",
            units="fahrenheit",
            timeseries=[_point(city, o, detailed) for o in readings],
        )

    def weather_calibrations(self, city_id: str) -> WeatherCalibrationsResponse:
        city = self._city(city_id)
        return WeatherCalibrationsResponse(
            city=city.city_id, units="celsius", calibrations=city_calibrations(self.catalog, city)
        )


def _point(city: WeatherCity, o: WeatherObservation, detailed: bool) -> WeatherIndexPoint:
    stations = None
    if detailed:
        reading = WeatherStationReading(
            station_id=city.station_id, code="ok", source="hf_asos", temp_f=o.value
        )
        stations = [reading]
    return WeatherIndexPoint(
        t=o.t_ms, v=o.value, status="normal", contributors=1, stations=stations
    )


def _range_ms(chart_range: str | None) -> int | None:
    if chart_range is None:
        return None
    found = _RANGE.fullmatch(chart_range)
    if found is None:
        raise bad_request("invalid_parameters", "range is a span such as 15min, 1h or 1d")
    return int(found.group(1)) * _RANGE_MS[found.group(2)]
