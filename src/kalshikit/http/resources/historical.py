"""``client.historical``: the archive behind ``/historical/*``, and reads across its cutoff.

Kalshi moves settled markets (with their candlesticks), old public trades, fills, and canceled
or executed orders off the live endpoints once they are older than the cutoff that
``GET /historical/cutoff`` reports (kalshi-rest.md 2.2). The seven archive reads here mirror the
official SDK's ``historical_api`` (3.34): their wire shapes are the live ones (``MarketsPage``,
``TradesPage``, ``FillsPage``, ``OrdersPage``, ``PositionsPage``) but for candlesticks, which
have their own unsuffixed shape (``HistoricalCandlestick``).

``fills_between`` / ``trades_between`` / ``orders_between`` read one time range wherever it
lies: the live endpoint first, then (when the range starts before the cutoff) the archive, so a
record the exchange moves between the two reads is still found; the parts are merged by id
(each record once, the live copy kept) and returned oldest first. Every argument is checked
before anything is sent.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from kalshikit.errors import ValidationError
from kalshikit.http import _pager
from kalshikit.http import param_checks as check
from kalshikit.http._core import Call, prepare
from kalshikit.http.resources._base import AsyncResource, SyncResource
from kalshikit.http.resources.orders import list_params as order_list_params
from kalshikit.http.resources.portfolio import fills_params
from kalshikit.models import (
    EventPosition,
    Fill,
    FillsPage,
    HistoricalCandlestick,
    HistoricalCandlesticksResponse,
    HistoricalCutoff,
    Market,
    MarketPosition,
    MarketResponse,
    MarketsPage,
    Order,
    OrdersPage,
    PositionsPage,
    Trade,
    TradesPage,
)

__all__ = [
    "AsyncHistorical",
    "Historical",
    "cutoff_call",
    "merge_unique",
]

T = TypeVar("T")
Timestamp = int | datetime | None
_PAGE = 1000  # the archive's page maximum (SDK 3.34: limit le=1000 on every list)


# --- call builders and checks (no I/O) ------------------------------------------------------


def cutoff_call() -> Call[HistoricalCutoff, HistoricalCutoff]:
    return Call(prepare("historical.cutoff"), HistoricalCutoff, lambda r: r)


def market_call(ticker: str) -> Call[MarketResponse, Market]:
    req = prepare("historical.market", path={"ticker": ticker})
    return Call(req, MarketResponse, lambda r: r.market)


def candles_call(
    ticker: str, start_ts: int | datetime, end_ts: int | datetime, period_interval: int
) -> Call[HistoricalCandlesticksResponse, list[HistoricalCandlestick]]:
    start, end = _window(start_ts, end_ts, "start_ts", "end_ts")
    params = {
        "start_ts": start,
        "end_ts": end,
        "period_interval": check.candle_period(period_interval),
    }
    req = prepare("historical.candlesticks", path={"ticker": ticker}, params=params)
    return Call(req, HistoricalCandlesticksResponse, lambda r: r.candlesticks)


def _ticker(value: str | None, name: str = "ticker") -> str | None:
    if value is not None and (not isinstance(value, str) or not value):
        raise ValidationError(f"{name} must be a non-empty string; got {value!r}")
    return value


def _subaccount(value: int | None) -> int | None:
    return check.in_range(value, "subaccount", 0, 63)


def markets_params(
    tickers: str | Sequence[str] | None,
    event_ticker: str | None,
    series_ticker: str | None,
    mve_filter: str | None,
    page_size: int,
) -> dict[str, object]:
    if mve_filter not in (None, "only", "exclude"):
        raise ValidationError(f"mve_filter must be 'only' or 'exclude'; got {mve_filter!r}")
    given = [n for n, v in (("tickers", tickers), ("event_ticker", event_ticker),
                            ("series_ticker", series_ticker)) if v is not None]  # fmt: skip
    if len(given) > 1:  # the SDK: "Filters are mutually exclusive."
        raise ValidationError(f"{' and '.join(given)} are mutually exclusive: give one")
    return {
        "tickers": check.tickers(tickers, "tickers", 1000),
        "event_ticker": _ticker(event_ticker, "event_ticker"),
        "series_ticker": _ticker(series_ticker, "series_ticker"),
        "mve_filter": mve_filter,
        "limit": page_size,
    }


def trades_params(
    ticker: str | None,
    min_ts: Timestamp,
    max_ts: Timestamp,
    is_block_trade: bool | None,
    page_size: int,
) -> dict[str, object]:
    if is_block_trade is not None and not isinstance(is_block_trade, bool):
        raise ValidationError(f"is_block_trade must be True, False or None; got {is_block_trade!r}")
    return {
        "ticker": _ticker(ticker),
        "min_ts": check.timestamp(min_ts, "min_ts"),
        "max_ts": check.timestamp(max_ts, "max_ts"),
        "is_block_trade": is_block_trade,
        "limit": page_size,
    }


def user_params(
    ticker: str | None,
    min_ts: Timestamp,
    max_ts: Timestamp,
    subaccount: int | None,
    page_size: int,
) -> dict[str, object]:
    """``/historical/fills`` and ``/historical/orders`` take the same filters."""
    return {
        "ticker": _ticker(ticker),
        "min_ts": check.timestamp(min_ts, "min_ts"),
        "max_ts": check.timestamp(max_ts, "max_ts"),
        "subaccount": _subaccount(subaccount),
        "limit": page_size,
    }


def positions_params(
    ticker: str | None, event_ticker: str | None, subaccount: int | None, page_size: int
) -> dict[str, object]:
    return {
        "ticker": _ticker(ticker),
        "event_ticker": _ticker(event_ticker, "event_ticker"),
        "subaccount": _subaccount(subaccount),
        "limit": page_size,
    }


def _window(
    start: int | datetime, end: int | datetime, start_name: str = "start", end_name: str = "end"
) -> tuple[int, int]:
    low, high = check.timestamp(start, start_name), check.timestamp(end, end_name)
    if low is None or high is None or low > high:
        raise ValidationError(f"{start_name} and {end_name} must be given, {start_name} first")
    return low, high


# --- reading across the cutoff (no I/O) -----------------------------------------------------


def _seconds(value: datetime | None, fallback: int | None = None) -> float:
    if value is not None:
        return value.timestamp()
    return float(fallback or 0)


def fill_key(fill: Fill) -> str:
    return fill.fill_id


def fill_time(fill: Fill) -> float:
    return _seconds(fill.created_time, fill.ts)


def trade_key(trade: Trade) -> str:
    return trade.trade_id


def trade_time(trade: Trade) -> float:
    return trade.created_time.timestamp()


def order_key(order: Order) -> str:
    return order.order_id


def order_time(order: Order) -> float:
    return _seconds(order.created_time)


def merge_unique(
    parts: Iterable[Iterable[T]], key: Callable[[T], str], when: Callable[[T], float]
) -> builtins.list[T]:
    """Each record once (the first part that has it wins: pass the live part first), oldest
    first (ties by id, so the order never depends on which page a record came from)."""
    seen: dict[str, T] = {}
    for part in parts:
        for item in part:
            seen.setdefault(key(item), item)
    return sorted(seen.values(), key=lambda item: (when(item), key(item)))


def archive_needed(start: int, cutoff: datetime) -> bool:
    """Whether anything from ``start`` on can be in the archive (it holds only older records)."""
    return start < cutoff.timestamp()


_Plan = tuple[str, type[FillsPage] | type[TradesPage] | type[OrdersPage], dict[str, object]]


def _fills_plan(start: int, end: int, ticker: str | None) -> tuple[_Plan, _Plan]:
    live = fills_params(ticker, None, start, end, _PAGE)
    archived = user_params(ticker, start, end, None, _PAGE)
    return ("portfolio.fills", FillsPage, live), ("historical.fills", FillsPage, archived)


def _trades_plan(start: int, end: int, ticker: str | None) -> tuple[_Plan, _Plan]:
    live: dict[str, object] = {
        "ticker": _ticker(ticker),
        "min_ts": start,
        "max_ts": end,
        "limit": _PAGE,
    }
    archived = trades_params(ticker, start, end, None, _PAGE)
    return ("markets.trades", TradesPage, live), ("historical.trades", TradesPage, archived)


def _orders_plan(start: int, end: int, ticker: str | None) -> tuple[_Plan, _Plan]:
    live = order_list_params(ticker, None, None, start, end, _PAGE)
    archived = user_params(ticker, start, end, None, _PAGE)
    return ("orders.list", OrdersPage, live), ("historical.orders", OrdersPage, archived)


# --- the resources ----------------------------------------------------------------------------


class Historical(SyncResource):
    """``client.historical``: the archive, where the live data ends, and reads across it."""

    def cutoff(self) -> HistoricalCutoff:
        """Where the live data ends: older records are only under ``/historical``."""
        return self._client.call(cutoff_call())

    def markets(
        self,
        *,
        tickers: str | Sequence[str] | None = None,
        event_ticker: str | None = None,
        series_ticker: str | None = None,
        mve_filter: str | None = None,
        page_size: int = 1000,
        max_pages: int | None = None,
    ) -> _pager.SyncPager[MarketsPage, Market]:
        """Archived (settled before the cutoff) markets, fetched lazily page by page."""
        params = markets_params(tickers, event_ticker, series_ticker, mve_filter, page_size)
        return self._pages("historical.markets", MarketsPage, params, _markets, max_pages)

    def market(self, ticker: str) -> Market:
        """One archived market (404 ``NotFoundError`` while it is still live)."""
        return self._client.call(market_call(ticker))

    def candlesticks(
        self,
        ticker: str,
        *,
        start_ts: int | datetime,
        end_ts: int | datetime,
        period_interval: int = 60,
    ) -> builtins.list[HistoricalCandlestick]:
        """OHLC candles of an archived market (their own shape: unsuffixed dollar strings)."""
        return self._client.call(candles_call(ticker, start_ts, end_ts, period_interval))

    def trades(
        self,
        *,
        ticker: str | None = None,
        min_ts: Timestamp = None,
        max_ts: Timestamp = None,
        is_block_trade: bool | None = None,
        page_size: int = 1000,
        max_pages: int | None = None,
    ) -> _pager.SyncPager[TradesPage, Trade]:
        """Archived public trades, newest first."""
        params = trades_params(ticker, min_ts, max_ts, is_block_trade, page_size)
        return self._pages("historical.trades", TradesPage, params, _trades, max_pages)

    def fills(
        self,
        *,
        ticker: str | None = None,
        min_ts: Timestamp = None,
        max_ts: Timestamp = None,
        subaccount: int | None = None,
        page_size: int = 1000,
        max_pages: int | None = None,
    ) -> _pager.SyncPager[FillsPage, Fill]:
        """Your archived fills, newest first."""
        params = user_params(ticker, min_ts, max_ts, subaccount, page_size)
        return self._pages("historical.fills", FillsPage, params, _fills, max_pages)

    def orders(
        self,
        *,
        ticker: str | None = None,
        min_ts: Timestamp = None,
        max_ts: Timestamp = None,
        subaccount: int | None = None,
        page_size: int = 1000,
        max_pages: int | None = None,
    ) -> _pager.SyncPager[OrdersPage, Order]:
        """Your archived (canceled or executed) orders, newest first."""
        params = user_params(ticker, min_ts, max_ts, subaccount, page_size)
        return self._pages("historical.orders", OrdersPage, params, _orders, max_pages)

    def positions(
        self,
        *,
        ticker: str | None = None,
        event_ticker: str | None = None,
        subaccount: int | None = None,
        page_size: int = 1000,
        max_pages: int | None = None,
    ) -> _pager.SyncPager[PositionsPage, MarketPosition]:
        """Your settled positions whose event has moved to the archive."""
        params = positions_params(ticker, event_ticker, subaccount, page_size)
        return self._pages("historical.positions", PositionsPage, params, _positions, max_pages)

    def event_positions(
        self,
        *,
        ticker: str | None = None,
        event_ticker: str | None = None,
        subaccount: int | None = None,
        page_size: int = 1000,
        max_pages: int | None = None,
    ) -> _pager.SyncPager[PositionsPage, EventPosition]:
        """The same endpoint's ``event_positions``: archived positions summed per event."""
        params = positions_params(ticker, event_ticker, subaccount, page_size)
        return self._pages(
            "historical.positions", PositionsPage, params, _event_positions, max_pages
        )

    def fills_between(
        self, start: int | datetime, end: int | datetime, *, ticker: str | None = None
    ) -> builtins.list[Fill]:
        """Your fills from ``start`` to ``end``, live and archived, each once, oldest first."""
        low, high = _window(start, end)
        live, archived = _fills_plan(low, high, ticker)
        cutoff = "trades_created_ts"
        return self._across(live, archived, low, cutoff, _fills, fill_key, fill_time)

    def trades_between(
        self, start: int | datetime, end: int | datetime, *, ticker: str | None = None
    ) -> builtins.list[Trade]:
        """Public trades from ``start`` to ``end``, live and archived, each once, oldest first."""
        low, high = _window(start, end)
        live, archived = _trades_plan(low, high, ticker)
        cutoff = "trades_created_ts"
        return self._across(live, archived, low, cutoff, _trades, trade_key, trade_time)

    def orders_between(
        self, start: int | datetime, end: int | datetime, *, ticker: str | None = None
    ) -> builtins.list[Order]:
        """Your orders created from ``start`` to ``end`` (resting, live and archived), each
        once, oldest first."""
        low, high = _window(start, end)
        live, archived = _orders_plan(low, high, ticker)
        cutoff = "orders_updated_ts"
        return self._across(live, archived, low, cutoff, _orders, order_key, order_time)

    def _across(
        self,
        live: _Plan,
        archived: _Plan,
        start: int,
        cutoff_field: str,
        items: Callable[[Any], builtins.list[T]],
        key: Callable[[T], str],
        when: Callable[[T], float],
    ) -> builtins.list[T]:
        parts: builtins.list[builtins.list[T]] = [self._read(live, items)]
        # read after the live part: a record moved in between is then in the archive
        if archive_needed(start, getattr(self.cutoff(), cutoff_field)):
            parts.append(self._read(archived, items))
        return merge_unique(parts, key, when)

    def _read(self, plan: _Plan, items: Callable[[Any], builtins.list[T]]) -> builtins.list[T]:
        name, model, params = plan
        return self._pages(name, model, params, items, None).to_list()


class AsyncHistorical(AsyncResource):
    """``client.historical`` on the async client: the same methods (pagers are ``async for``)."""

    async def cutoff(self) -> HistoricalCutoff:
        return await self._client.call(cutoff_call())

    def markets(
        self,
        *,
        tickers: str | Sequence[str] | None = None,
        event_ticker: str | None = None,
        series_ticker: str | None = None,
        mve_filter: str | None = None,
        page_size: int = 1000,
        max_pages: int | None = None,
    ) -> _pager.AsyncPager[MarketsPage, Market]:
        params = markets_params(tickers, event_ticker, series_ticker, mve_filter, page_size)
        return self._pages("historical.markets", MarketsPage, params, _markets, max_pages)

    async def market(self, ticker: str) -> Market:
        return await self._client.call(market_call(ticker))

    async def candlesticks(
        self,
        ticker: str,
        *,
        start_ts: int | datetime,
        end_ts: int | datetime,
        period_interval: int = 60,
    ) -> builtins.list[HistoricalCandlestick]:
        return await self._client.call(candles_call(ticker, start_ts, end_ts, period_interval))

    def trades(
        self,
        *,
        ticker: str | None = None,
        min_ts: Timestamp = None,
        max_ts: Timestamp = None,
        is_block_trade: bool | None = None,
        page_size: int = 1000,
        max_pages: int | None = None,
    ) -> _pager.AsyncPager[TradesPage, Trade]:
        params = trades_params(ticker, min_ts, max_ts, is_block_trade, page_size)
        return self._pages("historical.trades", TradesPage, params, _trades, max_pages)

    def fills(
        self,
        *,
        ticker: str | None = None,
        min_ts: Timestamp = None,
        max_ts: Timestamp = None,
        subaccount: int | None = None,
        page_size: int = 1000,
        max_pages: int | None = None,
    ) -> _pager.AsyncPager[FillsPage, Fill]:
        params = user_params(ticker, min_ts, max_ts, subaccount, page_size)
        return self._pages("historical.fills", FillsPage, params, _fills, max_pages)

    def orders(
        self,
        *,
        ticker: str | None = None,
        min_ts: Timestamp = None,
        max_ts: Timestamp = None,
        subaccount: int | None = None,
        page_size: int = 1000,
        max_pages: int | None = None,
    ) -> _pager.AsyncPager[OrdersPage, Order]:
        params = user_params(ticker, min_ts, max_ts, subaccount, page_size)
        return self._pages("historical.orders", OrdersPage, params, _orders, max_pages)

    def positions(
        self,
        *,
        ticker: str | None = None,
        event_ticker: str | None = None,
        subaccount: int | None = None,
        page_size: int = 1000,
        max_pages: int | None = None,
    ) -> _pager.AsyncPager[PositionsPage, MarketPosition]:
        params = positions_params(ticker, event_ticker, subaccount, page_size)
        return self._pages("historical.positions", PositionsPage, params, _positions, max_pages)

    def event_positions(
        self,
        *,
        ticker: str | None = None,
        event_ticker: str | None = None,
        subaccount: int | None = None,
        page_size: int = 1000,
        max_pages: int | None = None,
    ) -> _pager.AsyncPager[PositionsPage, EventPosition]:
        params = positions_params(ticker, event_ticker, subaccount, page_size)
        return self._pages(
            "historical.positions", PositionsPage, params, _event_positions, max_pages
        )

    async def fills_between(
        self, start: int | datetime, end: int | datetime, *, ticker: str | None = None
    ) -> builtins.list[Fill]:
        low, high = _window(start, end)
        live, archived = _fills_plan(low, high, ticker)
        cutoff = "trades_created_ts"
        return await self._across(live, archived, low, cutoff, _fills, fill_key, fill_time)

    async def trades_between(
        self, start: int | datetime, end: int | datetime, *, ticker: str | None = None
    ) -> builtins.list[Trade]:
        low, high = _window(start, end)
        live, archived = _trades_plan(low, high, ticker)
        cutoff = "trades_created_ts"
        return await self._across(live, archived, low, cutoff, _trades, trade_key, trade_time)

    async def orders_between(
        self, start: int | datetime, end: int | datetime, *, ticker: str | None = None
    ) -> builtins.list[Order]:
        low, high = _window(start, end)
        live, archived = _orders_plan(low, high, ticker)
        cutoff = "orders_updated_ts"
        return await self._across(live, archived, low, cutoff, _orders, order_key, order_time)

    async def _across(
        self,
        live: _Plan,
        archived: _Plan,
        start: int,
        cutoff_field: str,
        items: Callable[[Any], builtins.list[T]],
        key: Callable[[T], str],
        when: Callable[[T], float],
    ) -> builtins.list[T]:
        parts: builtins.list[builtins.list[T]] = [await self._read(live, items)]
        if archive_needed(start, getattr(await self.cutoff(), cutoff_field)):
            parts.append(await self._read(archived, items))
        return merge_unique(parts, key, when)

    async def _read(
        self, plan: _Plan, items: Callable[[Any], builtins.list[T]]
    ) -> builtins.list[T]:
        name, model, params = plan
        pager = self._pages(name, model, params, items, None)
        return await pager.to_list()


def _markets(page: MarketsPage) -> builtins.list[Market]:
    return page.markets


def _trades(page: TradesPage) -> builtins.list[Trade]:
    return page.trades


def _fills(page: FillsPage) -> builtins.list[Fill]:
    return page.fills


def _orders(page: OrdersPage) -> builtins.list[Order]:
    return page.orders


def _positions(page: PositionsPage) -> builtins.list[MarketPosition]:
    return page.market_positions


def _event_positions(page: PositionsPage) -> builtins.list[EventPosition]:
    return page.event_positions
