"""``client.portfolio``: balance, positions, fills, settlements and resting order value.

Every list is a lazy pager that follows the exchange's cursors to the end (the positions pager
too: an earlier project read only its first page). Arguments are checked before anything is
built, so a bad one sends nothing.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import datetime

from kalshikit.errors import ValidationError
from kalshikit.http import _pager
from kalshikit.http import param_checks as check
from kalshikit.http._core import Call, prepare
from kalshikit.http.resources._base import AsyncResource, SyncResource
from kalshikit.models import (
    Balance,
    EventPosition,
    Fill,
    FillsPage,
    MarketPosition,
    PositionsPage,
    Settlement,
    SettlementsPage,
    TotalRestingOrderValue,
)

__all__ = ["AsyncPortfolio", "Portfolio"]

Timestamp = int | datetime | None
SETTLEMENT_STATUSES = ("unsettled", "settled", "all")


def account_scope(subaccount: int | None, exchange_index: int | None = None) -> dict[str, object]:
    """The ``subaccount`` (0 primary, 1-63) and ``exchange_index`` (shard) query parameters."""
    return {
        "subaccount": check.in_range(subaccount, "subaccount", 0, 63),
        "exchange_index": check.in_range(exchange_index, "exchange_index", 0, 100),
    }


def balance_call(
    subaccount: int | None = None, exchange_index: int | None = None
) -> Call[Balance, Balance]:
    params = account_scope(subaccount, exchange_index)
    return Call(prepare("portfolio.balance", params=params), Balance, lambda r: r)


def resting_value_call() -> Call[TotalRestingOrderValue, TotalRestingOrderValue]:
    return Call(prepare("portfolio.resting_order_value"), TotalRestingOrderValue, lambda r: r)


def positions_params(
    ticker: str | None, event_ticker: str | None, settlement_status: str | None, page_size: int
) -> dict[str, object]:
    if settlement_status is not None and settlement_status not in SETTLEMENT_STATUSES:
        raise ValidationError(
            f"settlement_status must be unsettled, settled or all; got {settlement_status!r}"
        )
    return {
        "ticker": ticker,
        "event_ticker": event_ticker,
        "settlement_status": settlement_status,
        "limit": page_size,
    }


def fills_params(
    ticker: str | Sequence[str] | None,
    order_id: str | None,
    min_ts: Timestamp,
    max_ts: Timestamp,
    page_size: int,
) -> dict[str, object]:
    return {
        "ticker": check.tickers(ticker, "ticker", 100),
        "order_id": order_id,
        "min_ts": check.timestamp(min_ts, "min_ts"),
        "max_ts": check.timestamp(max_ts, "max_ts"),
        "limit": page_size,
    }


def settlements_params(
    ticker: str | None,
    event_ticker: str | None,
    min_ts: Timestamp,
    max_ts: Timestamp,
    page_size: int,
) -> dict[str, object]:
    return {
        "ticker": ticker,
        "event_ticker": event_ticker,
        "min_ts": check.timestamp(min_ts, "min_ts"),
        "max_ts": check.timestamp(max_ts, "max_ts"),
        "limit": page_size,
    }


def _market_positions(page: PositionsPage) -> builtins.list[MarketPosition]:
    return page.market_positions


def _event_positions(page: PositionsPage) -> builtins.list[EventPosition]:
    return page.event_positions


class Portfolio(SyncResource):
    """``client.portfolio``: what you hold, what you traded and what it paid."""

    def balance(
        self, *, subaccount: int | None = None, exchange_index: int | None = None
    ) -> Balance:
        """Available cash (collateral of resting orders excluded) and the positions' value, of
        the primary account or ``subaccount``, on every shard or on ``exchange_index`` alone
        (``balance_breakdown`` has each shard's)."""
        return self._client.call(balance_call(subaccount, exchange_index))

    def positions(
        self,
        *,
        ticker: str | None = None,
        event_ticker: str | None = None,
        settlement_status: str | None = None,
        subaccount: int | None = None,
        exchange_index: int | None = None,
        page_size: int = 1000,
        max_pages: int | None = None,
    ) -> _pager.SyncPager[PositionsPage, MarketPosition]:
        """Your position in each market (signed: negative is NO), across every page."""
        params = positions_params(
            ticker, event_ticker, settlement_status, page_size
        ) | account_scope(subaccount, exchange_index)
        return self._pages(
            "portfolio.positions", PositionsPage, params, _market_positions, max_pages
        )

    def event_positions(
        self,
        *,
        ticker: str | None = None,
        event_ticker: str | None = None,
        settlement_status: str | None = None,
        subaccount: int | None = None,
        exchange_index: int | None = None,
        page_size: int = 1000,
        max_pages: int | None = None,
    ) -> _pager.SyncPager[PositionsPage, EventPosition]:
        """Your positions summed per event (the same endpoint's ``event_positions``)."""
        params = positions_params(
            ticker, event_ticker, settlement_status, page_size
        ) | account_scope(subaccount, exchange_index)
        return self._pages(
            "portfolio.positions", PositionsPage, params, _event_positions, max_pages
        )

    def fills(
        self,
        *,
        ticker: str | Sequence[str] | None = None,
        order_id: str | None = None,
        min_ts: Timestamp = None,
        max_ts: Timestamp = None,
        subaccount: int | None = None,
        exchange_index: int | None = None,
        page_size: int = 1000,
        max_pages: int | None = None,
    ) -> _pager.SyncPager[FillsPage, Fill]:
        """Your fills, newest first (``ticker`` may name up to 100 markets)."""
        params = fills_params(ticker, order_id, min_ts, max_ts, page_size) | account_scope(
            subaccount, exchange_index
        )
        return self._pages("portfolio.fills", FillsPage, params, lambda p: p.fills, max_pages)

    def settlements(
        self,
        *,
        ticker: str | None = None,
        event_ticker: str | None = None,
        min_ts: Timestamp = None,
        max_ts: Timestamp = None,
        subaccount: int | None = None,
        page_size: int = 1000,
        max_pages: int | None = None,
    ) -> _pager.SyncPager[SettlementsPage, Settlement]:
        params = settlements_params(
            ticker, event_ticker, min_ts, max_ts, page_size
        ) | account_scope(subaccount)
        return self._pages(
            "portfolio.settlements", SettlementsPage, params, lambda p: p.settlements, max_pages
        )

    def resting_order_value(self) -> TotalRestingOrderValue:
        """What all resting orders would cost if filled, in cents (FCM members only on Kalshi)."""
        return self._client.call(resting_value_call())


class AsyncPortfolio(AsyncResource):
    """``client.portfolio`` on the async client: the same methods (pagers are ``async for``)."""

    async def balance(
        self, *, subaccount: int | None = None, exchange_index: int | None = None
    ) -> Balance:
        return await self._client.call(balance_call(subaccount, exchange_index))

    def positions(
        self,
        *,
        ticker: str | None = None,
        event_ticker: str | None = None,
        settlement_status: str | None = None,
        subaccount: int | None = None,
        exchange_index: int | None = None,
        page_size: int = 1000,
        max_pages: int | None = None,
    ) -> _pager.AsyncPager[PositionsPage, MarketPosition]:
        params = positions_params(
            ticker, event_ticker, settlement_status, page_size
        ) | account_scope(subaccount, exchange_index)
        return self._pages(
            "portfolio.positions", PositionsPage, params, _market_positions, max_pages
        )

    def event_positions(
        self,
        *,
        ticker: str | None = None,
        event_ticker: str | None = None,
        settlement_status: str | None = None,
        subaccount: int | None = None,
        exchange_index: int | None = None,
        page_size: int = 1000,
        max_pages: int | None = None,
    ) -> _pager.AsyncPager[PositionsPage, EventPosition]:
        params = positions_params(
            ticker, event_ticker, settlement_status, page_size
        ) | account_scope(subaccount, exchange_index)
        return self._pages(
            "portfolio.positions", PositionsPage, params, _event_positions, max_pages
        )

    def fills(
        self,
        *,
        ticker: str | Sequence[str] | None = None,
        order_id: str | None = None,
        min_ts: Timestamp = None,
        max_ts: Timestamp = None,
        subaccount: int | None = None,
        exchange_index: int | None = None,
        page_size: int = 1000,
        max_pages: int | None = None,
    ) -> _pager.AsyncPager[FillsPage, Fill]:
        params = fills_params(ticker, order_id, min_ts, max_ts, page_size) | account_scope(
            subaccount, exchange_index
        )
        return self._pages("portfolio.fills", FillsPage, params, lambda p: p.fills, max_pages)

    def settlements(
        self,
        *,
        ticker: str | None = None,
        event_ticker: str | None = None,
        min_ts: Timestamp = None,
        max_ts: Timestamp = None,
        subaccount: int | None = None,
        page_size: int = 1000,
        max_pages: int | None = None,
    ) -> _pager.AsyncPager[SettlementsPage, Settlement]:
        params = settlements_params(
            ticker, event_ticker, min_ts, max_ts, page_size
        ) | account_scope(subaccount)
        return self._pages(
            "portfolio.settlements", SettlementsPage, params, lambda p: p.settlements, max_pages
        )

    async def resting_order_value(self) -> TotalRestingOrderValue:
        return await self._client.call(resting_value_call())
