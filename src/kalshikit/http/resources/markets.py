"""Market data: markets, order books, trades, candlesticks, events and series.

Every method checks its arguments before anything is built (a ValidationError sends nothing).
List methods return lazy pagers that fetch the largest page the endpoint allows, so a scan of
every market costs markets / 1000 requests.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import datetime

import msgspec

from kalshikit.errors import ValidationError
from kalshikit.http import _pager
from kalshikit.http import param_checks as check
from kalshikit.http._core import Call, prepare
from kalshikit.http.resources._base import AsyncResource, SyncResource
from kalshikit.models import (
    BatchCandlesticksResponse,
    Candlestick,
    CandlesticksResponse,
    Event,
    EventResponse,
    EventsPage,
    Market,
    MarketCandlesticks,
    MarketResponse,
    MarketsPage,
    OrderbookLevels,
    OrderbookResponse,
    OrderbooksResponse,
    SeriesList,
    SeriesResponse,
    Trade,
    TradesPage,
)
from kalshikit.models import (
    Series as SeriesModel,
)

Timestamp = int | datetime | None


def _market_params(
    *,
    status: str | None,
    series_ticker: str | None,
    event_ticker: str | None,
    tickers: str | Sequence[str] | None,
    mve_filter: str | None,
    page_size: int,
    **times: Timestamp,
) -> dict[str, object]:
    if mve_filter not in (None, "only", "exclude"):
        raise ValidationError(f"mve_filter must be 'only' or 'exclude'; got {mve_filter!r}")
    params: dict[str, object] = {
        "status": check.filter_status(status),
        "series_ticker": series_ticker,
        "event_ticker": event_ticker,
        "tickers": check.tickers(tickers, "tickers", 1000),
        "mve_filter": mve_filter,
        "limit": page_size,
    }
    params.update({name: check.timestamp(value, name) for name, value in times.items()})
    return params


def _trade_params(
    ticker: str | None, min_ts: Timestamp, max_ts: Timestamp, page_size: int
) -> dict[str, object]:
    return {
        "ticker": ticker,
        "min_ts": check.timestamp(min_ts, "min_ts"),
        "max_ts": check.timestamp(max_ts, "max_ts"),
        "limit": page_size,
    }


def market_call(ticker: str) -> Call[MarketResponse, Market]:
    return Call(prepare("markets.get", path={"ticker": ticker}), MarketResponse, lambda r: r.market)


def orderbook_call(ticker: str, depth: int | None) -> Call[OrderbookResponse, OrderbookLevels]:
    params = {"depth": check.in_range(depth, "depth", 0, 100)}
    req = prepare("markets.orderbook", path={"ticker": ticker}, params=params)
    return Call(req, OrderbookResponse, lambda r: r.book)


def orderbooks_call(tickers: Sequence[str]) -> Call[OrderbooksResponse, dict[str, OrderbookLevels]]:
    req = prepare("markets.orderbooks", params={"tickers": check.tickers(tickers, "tickers", 100)})
    return Call(req, OrderbooksResponse, lambda r: {b.ticker: b.book for b in r.orderbooks})


def candles_call(
    ticker: str,
    series_ticker: str | None,
    start_ts: int | datetime,
    end_ts: int | datetime,
    period_interval: int,
    include_latest_before_start: bool | None,
) -> Call[CandlesticksResponse, list[Candlestick]]:
    path = {"series_ticker": series_ticker or check.series_of(ticker), "ticker": ticker}
    params = _candle_params(start_ts, end_ts, period_interval, include_latest_before_start)
    req = prepare("markets.candlesticks", path=path, params=params)
    return Call(req, CandlesticksResponse, lambda r: r.candlesticks)


def batch_candles_call(
    tickers: Sequence[str],
    start_ts: int | datetime,
    end_ts: int | datetime,
    period_interval: int,
    include_latest_before_start: bool | None,
) -> Call[BatchCandlesticksResponse, list[MarketCandlesticks]]:
    params = {
        "market_tickers": check.tickers(tickers, "tickers", 100),
        **_candle_params(start_ts, end_ts, period_interval, include_latest_before_start),
    }
    req = prepare("markets.batch_candlesticks", params=params)
    return Call(req, BatchCandlesticksResponse, lambda r: r.markets)


def _candle_params(
    start_ts: int | datetime, end_ts: int | datetime, period: int, latest: bool | None
) -> dict[str, object]:
    start, end = check.timestamp(start_ts, "start_ts"), check.timestamp(end_ts, "end_ts")
    if start is None or end is None or start > end:
        raise ValidationError("start_ts must be given and not after end_ts")
    return {
        "start_ts": start,
        "end_ts": end,
        "period_interval": check.candle_period(period),
        "include_latest_before_start": latest,
    }


def _event_params(
    status: str | None,
    series_ticker: str | None,
    with_nested_markets: bool | None,
    min_close_ts: Timestamp,
    page_size: int,
) -> dict[str, object]:
    return {
        "limit": page_size,
        "status": check.filter_status(status, check.EVENT_FILTER_STATUSES),
        "series_ticker": series_ticker,
        "with_nested_markets": with_nested_markets,
        "min_close_ts": check.timestamp(min_close_ts, "min_close_ts"),
    }


def event_call(event_ticker: str, with_nested_markets: bool | None) -> Call[EventResponse, Event]:
    req = prepare(
        "events.get",
        path={"event_ticker": event_ticker},
        params={"with_nested_markets": with_nested_markets},
    )
    return Call(req, EventResponse, _event_with_markets)


def _event_with_markets(response: EventResponse) -> Event:
    """The event, with the (deprecated) top-level markets folded in when it has none nested."""
    event = response.event
    if not event.markets and response.markets:
        return msgspec.structs.replace(event, markets=response.markets)
    return event


def series_list_call(
    category: str | None, tags: str | None, include_volume: bool | None
) -> Call[SeriesList, list[SeriesModel]]:
    params = {"category": category, "tags": tags, "include_volume": include_volume}
    return Call(prepare("series.list", params=params), SeriesList, lambda r: r.series or [])


def series_call(
    series_ticker: str, include_volume: bool | None
) -> Call[SeriesResponse, SeriesModel]:
    req = prepare(
        "series.get",
        path={"series_ticker": series_ticker},
        params={"include_volume": include_volume},
    )
    return Call(req, SeriesResponse, lambda r: r.series)


class Markets(SyncResource):
    """``client.markets``: list, get, order books, trades and candlesticks."""

    def list(
        self,
        *,
        status: str | None = None,
        series_ticker: str | None = None,
        event_ticker: str | None = None,
        tickers: str | Sequence[str] | None = None,
        mve_filter: str | None = None,
        min_close_ts: Timestamp = None,
        max_close_ts: Timestamp = None,
        min_created_ts: Timestamp = None,
        max_created_ts: Timestamp = None,
        page_size: int = 1000,
        max_pages: int | None = None,
    ) -> _pager.SyncPager[MarketsPage, Market]:
        """Every market that matches, fetched lazily page by page."""
        params = _market_params(
            status=status,
            series_ticker=series_ticker,
            event_ticker=event_ticker,
            tickers=tickers,
            mve_filter=mve_filter,
            page_size=page_size,
            min_close_ts=min_close_ts,
            max_close_ts=max_close_ts,
            min_created_ts=min_created_ts,
            max_created_ts=max_created_ts,
        )
        return self._pages(
            "markets.list", MarketsPage, params, lambda page: page.markets, max_pages
        )

    def get(self, ticker: str) -> Market:
        return self._client.call(market_call(ticker))

    def orderbook(self, ticker: str, *, depth: int | None = None) -> OrderbookLevels:
        """Resting YES and NO bids, ascending by price (``depth`` levels per side; 0 = all)."""
        return self._client.call(orderbook_call(ticker, depth))

    def orderbooks(self, tickers: Sequence[str]) -> dict[str, OrderbookLevels]:
        """Up to 100 order books in one request, by ticker."""
        return self._client.call(orderbooks_call(tickers))

    def trades(
        self,
        *,
        ticker: str | None = None,
        min_ts: Timestamp = None,
        max_ts: Timestamp = None,
        page_size: int = 1000,
        max_pages: int | None = None,
    ) -> _pager.SyncPager[TradesPage, Trade]:
        params = _trade_params(ticker, min_ts, max_ts, page_size)
        return self._pages(
            "markets.trades", TradesPage, params, lambda page: page.trades, max_pages
        )

    def candlesticks(
        self,
        ticker: str,
        *,
        start_ts: int | datetime,
        end_ts: int | datetime,
        period_interval: int = 60,
        series_ticker: str | None = None,
        include_latest_before_start: bool | None = None,
    ) -> builtins.list[Candlestick]:
        """OHLC candles of one market; the series defaults to the ticker's prefix."""
        return self._client.call(
            candles_call(
                ticker,
                series_ticker,
                start_ts,
                end_ts,
                period_interval,
                include_latest_before_start,
            )
        )

    def batch_candlesticks(
        self,
        tickers: Sequence[str],
        *,
        start_ts: int | datetime,
        end_ts: int | datetime,
        period_interval: int = 60,
        include_latest_before_start: bool | None = None,
    ) -> builtins.list[MarketCandlesticks]:
        """Candles of up to 100 markets in one request."""
        return self._client.call(
            batch_candles_call(
                tickers, start_ts, end_ts, period_interval, include_latest_before_start
            )
        )


class AsyncMarkets(AsyncResource):
    """``client.markets`` on the async client: the same methods, awaited."""

    def list(
        self,
        *,
        status: str | None = None,
        series_ticker: str | None = None,
        event_ticker: str | None = None,
        tickers: str | Sequence[str] | None = None,
        mve_filter: str | None = None,
        min_close_ts: Timestamp = None,
        max_close_ts: Timestamp = None,
        min_created_ts: Timestamp = None,
        max_created_ts: Timestamp = None,
        page_size: int = 1000,
        max_pages: int | None = None,
    ) -> _pager.AsyncPager[MarketsPage, Market]:
        params = _market_params(
            status=status,
            series_ticker=series_ticker,
            event_ticker=event_ticker,
            tickers=tickers,
            mve_filter=mve_filter,
            page_size=page_size,
            min_close_ts=min_close_ts,
            max_close_ts=max_close_ts,
            min_created_ts=min_created_ts,
            max_created_ts=max_created_ts,
        )
        return self._pages(
            "markets.list", MarketsPage, params, lambda page: page.markets, max_pages
        )

    async def get(self, ticker: str) -> Market:
        return await self._client.call(market_call(ticker))

    async def orderbook(self, ticker: str, *, depth: int | None = None) -> OrderbookLevels:
        return await self._client.call(orderbook_call(ticker, depth))

    async def orderbooks(self, tickers: Sequence[str]) -> dict[str, OrderbookLevels]:
        return await self._client.call(orderbooks_call(tickers))

    def trades(
        self,
        *,
        ticker: str | None = None,
        min_ts: Timestamp = None,
        max_ts: Timestamp = None,
        page_size: int = 1000,
        max_pages: int | None = None,
    ) -> _pager.AsyncPager[TradesPage, Trade]:
        params = _trade_params(ticker, min_ts, max_ts, page_size)
        return self._pages(
            "markets.trades", TradesPage, params, lambda page: page.trades, max_pages
        )

    async def candlesticks(
        self,
        ticker: str,
        *,
        start_ts: int | datetime,
        end_ts: int | datetime,
        period_interval: int = 60,
        series_ticker: str | None = None,
        include_latest_before_start: bool | None = None,
    ) -> builtins.list[Candlestick]:
        return await self._client.call(
            candles_call(
                ticker,
                series_ticker,
                start_ts,
                end_ts,
                period_interval,
                include_latest_before_start,
            )
        )

    async def batch_candlesticks(
        self,
        tickers: Sequence[str],
        *,
        start_ts: int | datetime,
        end_ts: int | datetime,
        period_interval: int = 60,
        include_latest_before_start: bool | None = None,
    ) -> builtins.list[MarketCandlesticks]:
        return await self._client.call(
            batch_candles_call(
                tickers, start_ts, end_ts, period_interval, include_latest_before_start
            )
        )


class Events(SyncResource):
    """``client.events``: events (groups of markets) with or without their markets."""

    def list(
        self,
        *,
        status: str | None = None,
        series_ticker: str | None = None,
        with_nested_markets: bool | None = None,
        min_close_ts: Timestamp = None,
        page_size: int = 200,
        max_pages: int | None = None,
    ) -> _pager.SyncPager[EventsPage, Event]:
        params = _event_params(status, series_ticker, with_nested_markets, min_close_ts, page_size)
        return self._pages("events.list", EventsPage, params, lambda page: page.events, max_pages)

    def get(self, event_ticker: str, *, with_nested_markets: bool | None = True) -> Event:
        return self._client.call(event_call(event_ticker, with_nested_markets))


class AsyncEvents(AsyncResource):
    def list(
        self,
        *,
        status: str | None = None,
        series_ticker: str | None = None,
        with_nested_markets: bool | None = None,
        min_close_ts: Timestamp = None,
        page_size: int = 200,
        max_pages: int | None = None,
    ) -> _pager.AsyncPager[EventsPage, Event]:
        params = _event_params(status, series_ticker, with_nested_markets, min_close_ts, page_size)
        return self._pages("events.list", EventsPage, params, lambda page: page.events, max_pages)

    async def get(self, event_ticker: str, *, with_nested_markets: bool | None = True) -> Event:
        return await self._client.call(event_call(event_ticker, with_nested_markets))


class Series(SyncResource):
    """``client.series``: the templates events are made from (not paginated)."""

    def list(
        self,
        *,
        category: str | None = None,
        tags: str | None = None,
        include_volume: bool | None = None,
    ) -> builtins.list[SeriesModel]:
        return self._client.call(series_list_call(category, tags, include_volume))

    def get(self, series_ticker: str, *, include_volume: bool | None = None) -> SeriesModel:
        return self._client.call(series_call(series_ticker, include_volume))


class AsyncSeries(AsyncResource):
    async def list(
        self,
        *,
        category: str | None = None,
        tags: str | None = None,
        include_volume: bool | None = None,
    ) -> builtins.list[SeriesModel]:
        return await self._client.call(series_list_call(category, tags, include_volume))

    async def get(self, series_ticker: str, *, include_volume: bool | None = None) -> SeriesModel:
        return await self._client.call(series_call(series_ticker, include_volume))
