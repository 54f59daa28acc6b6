"""Live data (``client.live_data``): a game's score and clock by milestone, an event's live data
(a weather day's observations), play-by-play, and each city's temperature index with its
calibrations. All public.

Every method checks its arguments before anything is built (a ValidationError sends nothing).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Final

from kalshikit.errors import ValidationError
from kalshikit.http._core import Call, prepare
from kalshikit.http.resources._base import AsyncResource, SyncResource
from kalshikit.models import (
    EventLiveData,
    EventLiveDataResponse,
    GameStatsResponse,
    LiveData,
    LiveDataResponse,
    LiveDatasResponse,
    PlayByPlay,
    WeatherCalibrationsResponse,
    WeatherIndexResponse,
)

__all__ = ["MAX_BATCH", "AsyncLiveDataReads", "LiveDataReads"]

MAX_BATCH: Final = 100  # milestone ids per batch read (SDK 3.34)

Millis = int | datetime | None


def _text(value: object, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{name} must be a non-empty string, got {value!r}")
    return value


def _flag(value: bool | None, name: str) -> bool | None:
    if value is not None and not isinstance(value, bool):
        raise ValidationError(f"{name} must be True, False or None, got {value!r}")
    return value


def _millis(value: Millis, name: str) -> int | None:
    """Unix milliseconds from an int or an aware datetime (the weather index counts in ms)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValidationError(f"{name} is a naive datetime; give it a timezone (e.g. UTC)")
        return int(value.timestamp() * 1000)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError(f"{name} must be unix milliseconds (int >= 0) or an aware datetime")
    return value


def _event_call(
    event_ticker: str, chart_range: str | None
) -> Call[EventLiveDataResponse, EventLiveData]:
    req = prepare(
        "live_data.event",
        path={"event_ticker": _text(event_ticker, "event_ticker")},
        params={"range": None if chart_range is None else _text(chart_range, "chart_range")},
    )
    return Call(req, EventLiveDataResponse, lambda r: r.live_data)


def _milestone_call(
    milestone_id: str, include_player_stats: bool | None, live_type: str | None
) -> Call[LiveDataResponse, LiveData]:
    params = {"include_player_stats": _flag(include_player_stats, "include_player_stats")}
    path = {"milestone_id": _text(milestone_id, "milestone_id")}
    if live_type is None:
        req = prepare("live_data.milestone", path=path, params=params)
    else:
        path["type"] = _text(live_type, "live_type")
        req = prepare("live_data.by_type", path=path, params=params)
    return Call(req, LiveDataResponse, lambda r: r.live_data)


def _batch_call(
    milestone_ids: str | Sequence[str], include_player_stats: bool | None
) -> Call[LiveDatasResponse, list[LiveData]]:
    ids = [milestone_ids] if isinstance(milestone_ids, str) else list(milestone_ids)
    if not 1 <= len(ids) <= MAX_BATCH or not all(isinstance(i, str) and i for i in ids):
        raise ValidationError(f"milestone_ids takes 1 to {MAX_BATCH} non-empty ids; got {len(ids)}")
    params = {
        "milestone_ids": ids,
        "include_player_stats": _flag(include_player_stats, "include_player_stats"),
    }
    return Call(
        prepare("live_data.batch", params=params), LiveDatasResponse, lambda r: r.live_datas
    )


def _stats_call(milestone_id: str) -> Call[GameStatsResponse, PlayByPlay | None]:
    req = prepare(
        "live_data.game_stats", path={"milestone_id": _text(milestone_id, "milestone_id")}
    )
    return Call(req, GameStatsResponse, lambda r: r.pbp)


def _weather_call(
    city: str, start: Millis, end: Millis, last_sec: int | None, detailed: bool | None
) -> Call[WeatherIndexResponse, WeatherIndexResponse]:
    start_ms, end_ms = _millis(start, "start"), _millis(end, "end")
    if last_sec is not None:
        if isinstance(last_sec, bool) or not isinstance(last_sec, int) or last_sec <= 0:
            raise ValidationError(
                f"last_sec must be a whole number of seconds > 0; got {last_sec!r}"
            )
        if start_ms is not None or end_ms is not None:
            raise ValidationError("give last_sec or start/end, not both")
    if start_ms is not None and end_ms is not None and start_ms > end_ms:
        raise ValidationError("start must not be after end")
    params = {
        "from": start_ms,
        "to": end_ms,
        "last_sec": last_sec,
        "detailed": _flag(detailed, "detailed"),
    }
    req = prepare("live_data.weather", path={"city": _text(city, "city")}, params=params)
    return Call(req, WeatherIndexResponse, lambda r: r)


def _calibrations_call(city: str) -> Call[WeatherCalibrationsResponse, WeatherCalibrationsResponse]:
    req = prepare("live_data.weather_calibrations", path={"city": _text(city, "city")})
    return Call(req, WeatherCalibrationsResponse, lambda r: r)


class LiveDataReads(SyncResource):
    """``client.live_data``: live scores by milestone, event observations, the weather index."""

    def event(self, event_ticker: str, *, chart_range: str | None = None) -> EventLiveData:
        """An event's live data (a weather day's observations); ``chart_range`` e.g. "1h"."""
        return self._client.call(_event_call(event_ticker, chart_range))

    def milestone(self, milestone_id: str, *, include_player_stats: bool | None = None) -> LiveData:
        """A milestone's live data (a game's score, period and clock)."""
        return self._client.call(_milestone_call(milestone_id, include_player_stats, None))

    def by_type(
        self, live_type: str, milestone_id: str, *, include_player_stats: bool | None = None
    ) -> LiveData:
        """The same through the legacy typed route (``/live_data/{type}/milestone/{id}``)."""
        return self._client.call(_milestone_call(milestone_id, include_player_stats, live_type))

    def batch(
        self, milestone_ids: str | Sequence[str], *, include_player_stats: bool | None = None
    ) -> list[LiveData]:
        """Live data of up to 100 milestones (those with none are left out)."""
        return self._client.call(_batch_call(milestone_ids, include_player_stats))

    def game_stats(self, milestone_id: str) -> PlayByPlay | None:
        """A game's play-by-play; None where Kalshi has none (no Sportradar id)."""
        return self._client.call(_stats_call(milestone_id))

    def weather(
        self,
        city: str,
        *,
        start: Millis = None,
        end: Millis = None,
        last_sec: int | None = None,
        detailed: bool | None = None,
    ) -> WeatherIndexResponse:
        """A city's minute temperature index (°F); the last 24 hours unless a window is given."""
        return self._client.call(_weather_call(city, start, end, last_sec, detailed))

    def weather_calibrations(self, city: str) -> WeatherCalibrationsResponse:
        """The configuration records behind a city's index (station weights, offsets in °C)."""
        return self._client.call(_calibrations_call(city))


class AsyncLiveDataReads(AsyncResource):
    async def event(self, event_ticker: str, *, chart_range: str | None = None) -> EventLiveData:
        return await self._client.call(_event_call(event_ticker, chart_range))

    async def milestone(
        self, milestone_id: str, *, include_player_stats: bool | None = None
    ) -> LiveData:
        return await self._client.call(_milestone_call(milestone_id, include_player_stats, None))

    async def by_type(
        self, live_type: str, milestone_id: str, *, include_player_stats: bool | None = None
    ) -> LiveData:
        return await self._client.call(
            _milestone_call(milestone_id, include_player_stats, live_type)
        )

    async def batch(
        self, milestone_ids: str | Sequence[str], *, include_player_stats: bool | None = None
    ) -> list[LiveData]:
        return await self._client.call(_batch_call(milestone_ids, include_player_stats))

    async def game_stats(self, milestone_id: str) -> PlayByPlay | None:
        return await self._client.call(_stats_call(milestone_id))

    async def weather(
        self,
        city: str,
        *,
        start: Millis = None,
        end: Millis = None,
        last_sec: int | None = None,
        detailed: bool | None = None,
    ) -> WeatherIndexResponse:
        return await self._client.call(_weather_call(city, start, end, last_sec, detailed))

    async def weather_calibrations(self, city: str) -> WeatherCalibrationsResponse:
        return await self._client.call(_calibrations_call(city))
