"""What the sandbox's live data hangs on, from the catalog: the weather cities (the index id
Kalshi keys ``/live_data/weather/{city}`` by, the settlement station) and each city's index
calibration record, and which series are games and weather days.

Pure: functions of the catalog's specs and seed. A city's id is its name in lower case
(``nyc``, ``los_angeles``: the SDK's example is ``miami``); its one member station is the
settlement station of the series' NWS climate report, named the way Kalshi names its
high-frequency ASOS members (``KMIA1M``), with weight 1 and no offset (so the city reference
is 0 °C). The launch record takes effect when the catalog was drafted.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final, NamedTuple
from urllib.parse import parse_qs, urlparse

from kalshikit.models import WeatherCalibration, WeatherCalibrationStation
from kalshikit.sandbox.catalog import specs
from kalshikit.sandbox.catalog.build import Catalog

__all__ = [
    "GAME_SERIES",
    "WeatherCity",
    "city_calibrations",
    "config_version",
    "weather_cities",
]

GAME_SERIES: Final = specs.NBA.ticker
_TITLE: Final = "Highest temperature in "


class WeatherCity(NamedTuple):
    city_id: str
    name: str
    series_ticker: str
    station_id: str


def _city(city: specs.City) -> WeatherCity:
    series = city.series
    name = series.title.removeprefix(_TITLE)
    url = series.sources[0][1] if series.sources else ""
    issuer = parse_qs(urlparse(url).query).get("issuedby", [series.ticker[6:]])[0]
    return WeatherCity(name.lower().replace(" ", "_"), name, series.ticker, f"K{issuer}1M")


WEATHER_CITIES: Final = tuple(_city(c) for c in specs.CITIES)


def weather_cities() -> tuple[WeatherCity, ...]:
    """Every city with a daily-high series, in catalog order."""
    return WEATHER_CITIES


def config_version(city: WeatherCity) -> str:
    return f"{city.city_id}-temperature-v1.0"


def city_calibrations(catalog: Catalog, city: WeatherCity) -> list[WeatherCalibration]:
    """The city's launch configuration: one member station, weight 1, offset 0 °C."""
    times = [
        m.created_time for m in catalog.markets if m.ticker.startswith(f"{city.series_ticker}-")
    ]
    launched = min(times, default=datetime(2026, 1, 1, tzinfo=UTC))
    at_ms = int(launched.timestamp() * 1000)
    station = WeatherCalibrationStation(station_id=city.station_id, weight=1.0, offset_c=0.0)
    record = WeatherCalibration(
        config_version=config_version(city),
        published_at_ms=at_ms,
        effective_at_ms=at_ms,
        change_reason="launch configuration",
        city_reference_c=0.0,
        stations=[station],
    )
    return [record]
