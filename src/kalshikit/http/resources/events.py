"""``client.events`` and ``client.series``: the list and get of ``markets`` plus the discovery
reads of an event (metadata, every market's candles in one call, forecast percentiles,
multivariate events, scheduled fee changes) and of series (fee changes).

Every method checks its arguments before anything is built (a ValidationError sends nothing).
An event's series defaults to its ticker's prefix (``KXHIGHNY-26DEC03`` -> ``KXHIGHNY``).
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import datetime
from typing import Final

from kalshikit.errors import ValidationError
from kalshikit.http import _pager
from kalshikit.http import param_checks as check
from kalshikit.http._core import Call, prepare
from kalshikit.http.resources import markets
from kalshikit.models import (
    Event,
    EventCandlesticksResponse,
    EventFeeChange,
    EventFeeChangesPage,
    EventMetadata,
    EventsPage,
    ForecastHistoryResponse,
    ForecastPercentilesPoint,
    SeriesFeeChange,
    SeriesFeeChangesResponse,
)

__all__ = ["AsyncEvents", "AsyncSeries", "Events", "Series"]

FORECAST_PERIODS: Final = (0, 1, 60, 1440)  # 0: five-second points
_MAX_PERCENTILES: Final = 10


def _metadata_call(event_ticker: str) -> Call[EventMetadata, EventMetadata]:
    req = prepare("events.metadata", path={"event_ticker": event_ticker})
    return Call(req, EventMetadata, lambda r: r)


def _window(start_ts: int | datetime, end_ts: int | datetime) -> tuple[int, int]:
    start, end = check.timestamp(start_ts, "start_ts"), check.timestamp(end_ts, "end_ts")
    if start is None or end is None or start > end:
        raise ValidationError("start_ts must be given and not after end_ts")
    return start, end


def _event_path(event_ticker: str, series_ticker: str | None) -> dict[str, str]:
    return {"series_ticker": series_ticker or check.series_of(event_ticker), "ticker": event_ticker}


def _candles_call(
    event_ticker: str,
    series_ticker: str | None,
    start_ts: int | datetime,
    end_ts: int | datetime,
    period_interval: int,
) -> Call[EventCandlesticksResponse, EventCandlesticksResponse]:
    start, end = _window(start_ts, end_ts)
    params = {
        "start_ts": start,
        "end_ts": end,
        "period_interval": check.candle_period(period_interval),
    }
    path = _event_path(event_ticker, series_ticker)
    req = prepare("events.candlesticks", path=path, params=params)
    return Call(req, EventCandlesticksResponse, lambda r: r)


def _percentiles(values: Sequence[int]) -> list[int]:
    items = list(values) if not isinstance(values, (str, bytes)) else []
    if not 1 <= len(items) <= _MAX_PERCENTILES or not all(
        isinstance(p, int) and not isinstance(p, bool) and 0 <= p <= 9999 for p in items
    ):
        raise ValidationError(
            "percentiles takes 1 to 10 whole numbers from 0 to 9999 (5000 is the median)"
        )
    return items


def _forecast_call(
    event_ticker: str,
    series_ticker: str | None,
    percentiles: Sequence[int],
    start_ts: int | datetime,
    end_ts: int | datetime,
    period_interval: int,
) -> Call[ForecastHistoryResponse, list[ForecastPercentilesPoint]]:
    if period_interval not in FORECAST_PERIODS:
        raise ValidationError(
            "period_interval must be 0 (5 seconds), 1 (minute), 60 (hour) or 1440 (day); "
            f"got {period_interval!r}"
        )
    start, end = _window(start_ts, end_ts)
    params = {
        "percentiles": _percentiles(percentiles),
        "start_ts": start,
        "end_ts": end,
        "period_interval": period_interval,
    }
    path = _event_path(event_ticker, series_ticker)
    req = prepare("events.forecast_percentiles", path=path, params=params)
    return Call(req, ForecastHistoryResponse, lambda r: r.forecast_history)


def _multivariate_params(
    series_ticker: str | None,
    collection_ticker: str | None,
    with_nested_markets: bool | None,
    page_size: int,
) -> dict[str, object]:
    if series_ticker is not None and collection_ticker is not None:
        raise ValidationError("give series_ticker or collection_ticker, not both")
    return {
        "limit": page_size,
        "series_ticker": series_ticker,
        "collection_ticker": collection_ticker,
        "with_nested_markets": with_nested_markets,
    }


def _series_fee_call(
    series_ticker: str | None, show_historical: bool | None
) -> Call[SeriesFeeChangesResponse, list[SeriesFeeChange]]:
    params = {"series_ticker": series_ticker, "show_historical": show_historical}
    req = prepare("series.fee_changes", params=params)
    return Call(req, SeriesFeeChangesResponse, lambda r: r.series_fee_change_arr)


class Events(markets.Events):
    """``client.events``: events (groups of markets), their metadata, candles and forecasts."""

    def metadata(self, event_ticker: str) -> EventMetadata:
        """The event's image, each market's colour, its settlement sources and competition."""
        return self._client.call(_metadata_call(event_ticker))

    def candlesticks(
        self,
        event_ticker: str,
        *,
        start_ts: int | datetime,
        end_ts: int | datetime,
        period_interval: int = 60,
        series_ticker: str | None = None,
    ) -> EventCandlesticksResponse:
        """Every market's candles in one request (``market_candlesticks[i]`` belongs to
        ``market_tickers[i]``); ``adjusted_end_ts`` is where the exchange cut a long window."""
        return self._client.call(
            _candles_call(event_ticker, series_ticker, start_ts, end_ts, period_interval)
        )

    def forecast_percentiles(
        self,
        event_ticker: str,
        *,
        percentiles: Sequence[int],
        start_ts: int | datetime,
        end_ts: int | datetime,
        period_interval: int = 60,
        series_ticker: str | None = None,
    ) -> builtins.list[ForecastPercentilesPoint]:
        """The event's number at each percentile (0-9999) over time (signed: needs a key)."""
        return self._client.call(
            _forecast_call(
                event_ticker, series_ticker, percentiles, start_ts, end_ts, period_interval
            )
        )

    def multivariate(
        self,
        *,
        series_ticker: str | None = None,
        collection_ticker: str | None = None,
        with_nested_markets: bool | None = None,
        page_size: int = 200,
        max_pages: int | None = None,
    ) -> _pager.SyncPager[EventsPage, Event]:
        """Multivariate (combo) events, which ``list`` leaves out."""
        params = _multivariate_params(
            series_ticker, collection_ticker, with_nested_markets, page_size
        )
        return self._pages(
            "events.multivariate", EventsPage, params, lambda page: page.events, max_pages
        )

    def fee_changes(
        self,
        *,
        event_ticker: str | None = None,
        page_size: int = 1000,
        max_pages: int | None = None,
    ) -> _pager.SyncPager[EventFeeChangesPage, EventFeeChange]:
        """Scheduled event fee overrides (null overrides: back to the series' fees)."""
        params: dict[str, object] = {"event_ticker": event_ticker, "limit": page_size}
        return self._pages(
            "events.fee_changes",
            EventFeeChangesPage,
            params,
            lambda page: page.event_fee_changes,
            max_pages,
        )


class AsyncEvents(markets.AsyncEvents):
    async def metadata(self, event_ticker: str) -> EventMetadata:
        return await self._client.call(_metadata_call(event_ticker))

    async def candlesticks(
        self,
        event_ticker: str,
        *,
        start_ts: int | datetime,
        end_ts: int | datetime,
        period_interval: int = 60,
        series_ticker: str | None = None,
    ) -> EventCandlesticksResponse:
        return await self._client.call(
            _candles_call(event_ticker, series_ticker, start_ts, end_ts, period_interval)
        )

    async def forecast_percentiles(
        self,
        event_ticker: str,
        *,
        percentiles: Sequence[int],
        start_ts: int | datetime,
        end_ts: int | datetime,
        period_interval: int = 60,
        series_ticker: str | None = None,
    ) -> builtins.list[ForecastPercentilesPoint]:
        return await self._client.call(
            _forecast_call(
                event_ticker, series_ticker, percentiles, start_ts, end_ts, period_interval
            )
        )

    def multivariate(
        self,
        *,
        series_ticker: str | None = None,
        collection_ticker: str | None = None,
        with_nested_markets: bool | None = None,
        page_size: int = 200,
        max_pages: int | None = None,
    ) -> _pager.AsyncPager[EventsPage, Event]:
        params = _multivariate_params(
            series_ticker, collection_ticker, with_nested_markets, page_size
        )
        return self._pages(
            "events.multivariate", EventsPage, params, lambda page: page.events, max_pages
        )

    def fee_changes(
        self,
        *,
        event_ticker: str | None = None,
        page_size: int = 1000,
        max_pages: int | None = None,
    ) -> _pager.AsyncPager[EventFeeChangesPage, EventFeeChange]:
        params: dict[str, object] = {"event_ticker": event_ticker, "limit": page_size}
        return self._pages(
            "events.fee_changes",
            EventFeeChangesPage,
            params,
            lambda page: page.event_fee_changes,
            max_pages,
        )


class Series(markets.Series):
    """``client.series``: the templates events are made from, and their scheduled fee changes."""

    def fee_changes(
        self, *, series_ticker: str | None = None, show_historical: bool | None = None
    ) -> builtins.list[SeriesFeeChange]:
        """Fee changes still to come (and past ones with ``show_historical=True``)."""
        return self._client.call(_series_fee_call(series_ticker, show_historical))


class AsyncSeries(markets.AsyncSeries):
    async def fee_changes(
        self, *, series_ticker: str | None = None, show_historical: bool | None = None
    ) -> builtins.list[SeriesFeeChange]:
        return await self._client.call(_series_fee_call(series_ticker, show_historical))
