"""Live-data wire structs: a game's score and clock by milestone, an event's live data (a weather
day's observations), play-by-play, and the city temperature index with its calibrations.
No I/O here.

Fields follow the SDK 3.34 models (``LiveData``, ``EventLiveData``, ``GetGameStatsResponse``,
``PlayByPlay``, ``GetWeatherIndexResponse``, ``WeatherIndexPoint``, ``WeatherIndexCalibration``
...). ``details`` varies by ``type`` and stays a dict: the January 2026 recordings show a
``basketball_game``'s keys (``home_points``, ``away_points``, ``period``,
``period_remaining_time``, ``status``, ``winner`` ...); the SDK fixes none of them.
"""

from __future__ import annotations

from typing import Any

from kalshikit.models.base import WireModel

__all__ = [
    "EventLiveData",
    "EventLiveDataResponse",
    "GameStatsResponse",
    "LiveData",
    "LiveDataResponse",
    "LiveDatasResponse",
    "PlayByPlay",
    "PlayByPlayPeriod",
    "WeatherCalibration",
    "WeatherCalibrationStation",
    "WeatherCalibrationsResponse",
    "WeatherIndexPoint",
    "WeatherIndexResponse",
    "WeatherStationReading",
]


class LiveData(WireModel, kw_only=True, frozen=True):
    """A milestone's live data; ``details`` is shaped by ``type`` (``basketball_game`` ...)."""

    type: str
    details: dict[str, Any]
    milestone_id: str


class LiveDataResponse(WireModel, kw_only=True, frozen=True):
    """``GET /live_data/milestone/{id}`` and ``GET /live_data/{type}/milestone/{id}``."""

    live_data: LiveData


class LiveDatasResponse(WireModel, kw_only=True, frozen=True):
    """``GET /live_data/batch``."""

    live_datas: list[LiveData]


class EventLiveData(WireModel, kw_only=True, frozen=True):
    """An event's live data (crypto charts, weather observations); ``type`` names ``details``."""

    type: str
    details: dict[str, Any]
    is_historical: bool | None = None
    default_range: str | None = None
    range_options: list[str] | None = None


class EventLiveDataResponse(WireModel, kw_only=True, frozen=True):
    """``GET /live_data/events/{event_ticker}``."""

    live_data: EventLiveData


class PlayByPlayPeriod(WireModel, kw_only=True, frozen=True):
    events: list[dict[str, Any]] | None = None


class PlayByPlay(WireModel, kw_only=True, frozen=True):
    periods: list[PlayByPlayPeriod] | None = None


class GameStatsResponse(WireModel, kw_only=True, frozen=True):
    """``GET /live_data/milestone/{id}/game_stats``: null ``pbp`` where Kalshi has none."""

    pbp: PlayByPlay | None = None


class WeatherStationReading(WireModel, kw_only=True, frozen=True):
    """One member station's reading behind an index point (``detailed=true``)."""

    station_id: str
    code: str
    source: str | None = None
    temp_f: float | None = None
    obs_time_ms: int | None = None
    received_at_ms: int | None = None
    primary_code: str | None = None


class WeatherIndexPoint(WireModel, kw_only=True, frozen=True):
    """One minute of a city's temperature index (``t`` unix ms, ``v`` °F to 0.01)."""

    t: int
    v: float | None = None
    status: str
    contributors: int | None = None
    receipt_basis: str | None = None
    stations: list[WeatherStationReading] | None = None


class WeatherIndexResponse(WireModel, kw_only=True, frozen=True):
    """``GET /live_data/weather/{city}``."""

    city: str
    config_version: str | None = None
    units: str
    timeseries: list[WeatherIndexPoint]


class WeatherCalibrationStation(WireModel, kw_only=True, frozen=True):
    station_id: str
    weight: float
    offset_c: float
    update_note: str | None = None


class WeatherCalibration(WireModel, kw_only=True, frozen=True):
    """One configuration record of a city's index (offsets in Celsius)."""

    config_version: str
    published_at_ms: int | None = None
    effective_at_ms: int
    change_reason: str | None = None
    calibration_window_start_ms: int | None = None
    calibration_window_end_ms: int | None = None
    city_reference_c: float
    stations: list[WeatherCalibrationStation]


class WeatherCalibrationsResponse(WireModel, kw_only=True, frozen=True):
    """``GET /live_data/weather/{city}/calibrations``."""

    city: str
    units: str
    calibrations: list[WeatherCalibration]
