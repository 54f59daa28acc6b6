"""``client.fcm``: the FCM member area: subtraders, their daily caps and blocked categories,
their orders, fills and positions, and position transfers between them.

Only an FCM member's key may call these (the exchange answers 403 to anyone else). A subtrader
is ``{fcm_id}_{suffix}``; every method that names one checks it is a non-empty string, and every
argument is checked before anything is built (a ValidationError sends nothing). Lists are lazy
pagers that follow the cursors to the end.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from kalshikit.errors import ValidationError
from kalshikit.http import _pager
from kalshikit.http import param_checks as check
from kalshikit.http._core import Call, PreparedRequest, prepare
from kalshikit.http.resources._base import AsyncResource, SyncResource
from kalshikit.models import (
    CreateFcmSubtraderRequest,
    CreateFcmSubtraderResponse,
    FcmBlockedCategories,
    FcmDailyCap,
    FcmFill,
    FcmFillsPage,
    FcmPositionTransferRequest,
    FcmPositionTransferResponse,
    FcmSubtrader,
    FcmSubtradersResponse,
    MarketPosition,
    Order,
    OrdersPage,
    PositionsPage,
    SetFcmDailyCapRequest,
    UpdatedFcmBlockedCategories,
    UpdateFcmBlockedCategoryRequest,
)
from kalshikit.models.enums import ORDER_STATUSES
from kalshikit.units import format_money, parse_money

__all__ = ["AsyncFcm", "Fcm"]

Timestamp = int | datetime | None
COUNT_FILTERS = ("position", "total_traded")
SETTLEMENT_STATUSES = ("unsettled", "settled", "all")


def _text(value: object, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{name} must be a non-empty string; got {value!r}")
    return value


def _int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"{name} must be an int; got {value!r}")
    return value


def subtraders_call() -> Call[FcmSubtradersResponse, list[FcmSubtrader]]:
    return Call(prepare("fcm.subtraders"), FcmSubtradersResponse, lambda r: r.subtraders)


def create_subtrader_call(
    suffix: str,
) -> Call[CreateFcmSubtraderResponse, CreateFcmSubtraderResponse]:
    body = CreateFcmSubtraderRequest(subtrader_suffix=_text(suffix, "suffix"))
    return Call(prepare("fcm.create_subtrader", body=body), CreateFcmSubtraderResponse, lambda r: r)


def daily_cap_call(subtrader_id: str) -> Call[FcmDailyCap, FcmDailyCap]:
    params = {"subtrader_id": _text(subtrader_id, "subtrader_id")}
    return Call(prepare("fcm.daily_cap", params=params), FcmDailyCap, lambda r: r)


def set_daily_cap_request(subtrader_id: str, limit: str | Decimal) -> PreparedRequest:
    amount = parse_money(limit)
    if amount < 0 or amount.as_tuple().exponent < -4:  # type: ignore[operator]
        raise ValidationError(f"limit is dollars, at least 0, to 4 decimals; got {limit!r}")
    body = SetFcmDailyCapRequest(
        subtrader_id=_text(subtrader_id, "subtrader_id"), limit=format_money(amount, 4)
    )
    return prepare("fcm.set_daily_cap", body=body)


def delete_daily_cap_request(subtrader_id: str) -> PreparedRequest:
    params = {"subtrader_id": _text(subtrader_id, "subtrader_id")}
    return prepare("fcm.delete_daily_cap", params=params)


def blocked_call(subtrader_id: str) -> Call[FcmBlockedCategories, list[str]]:
    params = {"subtrader_id": _text(subtrader_id, "subtrader_id")}
    return Call(
        prepare("fcm.blocked_categories", params=params),
        FcmBlockedCategories,
        lambda r: r.categories,
    )


def block_call(
    subtrader_id: str, category: str, blocked: bool
) -> Call[UpdatedFcmBlockedCategories, list[str]]:
    if not isinstance(blocked, bool):
        raise ValidationError(f"blocked must be True or False; got {blocked!r}")
    if len(_text(category, "category")) > 100:
        raise ValidationError("category is 1 to 100 characters")
    body = UpdateFcmBlockedCategoryRequest(
        subtrader_id=_text(subtrader_id, "subtrader_id"), category=category, blocked=blocked
    )
    req = prepare("fcm.block_category", body=body)
    return Call(req, UpdatedFcmBlockedCategories, lambda r: r.categories)


def orders_params(
    subtrader_id: str | None,
    client_order_ids: Sequence[str] | None,
    ticker: str | None,
    event_ticker: str | None,
    status: str | None,
    min_ts: Timestamp,
    max_ts: Timestamp,
    page_size: int,
) -> dict[str, object]:
    if subtrader_id is None and client_order_ids is None:
        raise ValidationError("give subtrader_id, client_order_ids or both")
    ids = None
    if client_order_ids is not None:
        ids = [client_order_ids] if isinstance(client_order_ids, str) else list(client_order_ids)
        if not 1 <= len(ids) <= 100:
            raise ValidationError("client_order_ids takes 1 to 100 ids")
        ids = [_text(i, "client_order_ids") for i in ids]
    if status is not None and status not in ORDER_STATUSES:
        raise ValidationError(f"status must be resting, canceled or executed; got {status!r}")
    return {
        "subtrader_id": None if subtrader_id is None else _text(subtrader_id, "subtrader_id"),
        "client_order_ids": None if ids is None else ",".join(ids),
        "ticker": ticker,
        "event_ticker": event_ticker,
        "status": status,
        "min_ts": check.timestamp(min_ts, "min_ts"),
        "max_ts": check.timestamp(max_ts, "max_ts"),
        "limit": check.in_range(page_size, "page_size", 1, 1000),
    }


def positions_params(
    subtrader_id: str,
    ticker: str | None,
    event_ticker: str | None,
    count_filter: Sequence[str] | None,
    settlement_status: str | None,
    page_size: int,
) -> dict[str, object]:
    names = None
    if count_filter is not None:
        names = [count_filter] if isinstance(count_filter, str) else list(count_filter)
        if not names or any(n not in COUNT_FILTERS for n in names):
            raise ValidationError(f"count_filter takes position and/or total_traded; got {names}")
    if settlement_status is not None and settlement_status not in SETTLEMENT_STATUSES:
        raise ValidationError("settlement_status must be unsettled, settled or all")
    return {
        "subtrader_id": _text(subtrader_id, "subtrader_id"),
        "ticker": ticker,
        "event_ticker": event_ticker,
        "count_filter": None if names is None else ",".join(names),
        "settlement_status": settlement_status,
        "limit": check.in_range(page_size, "page_size", 1, 1000),
    }


def fills_params(min_ts: Timestamp, max_ts: Timestamp) -> dict[str, object]:
    return {
        "min_ts": check.timestamp(min_ts, "min_ts"),
        "max_ts": check.timestamp(max_ts, "max_ts"),
    }


def transfer_call(
    source: str, target: str, ticker: str, centicount: int, price_centicents: int
) -> Call[FcmPositionTransferResponse, FcmPositionTransferResponse]:
    count, price = _int(centicount, "position_centicount"), _int(price_centicents, "price")
    if count == 0 or count % 100:
        raise ValidationError(
            "position_centicount is a non-zero whole number of contracts x 100 (YES +, NO -)"
        )
    if not 0 <= price <= 10_000 or price % 100:
        raise ValidationError("price_centicents is whole cents x 100, from 0 to 10000")
    body = FcmPositionTransferRequest(
        source_subtrader_id=_text(source, "source_subtrader_id"),
        target_subtrader_id=_text(target, "target_subtrader_id"),
        market_ticker=_text(ticker, "market_ticker"),
        position_centicount=count,
        price_centicents=price,
    )
    req = prepare("fcm.transfer_position", body=body)
    return Call(req, FcmPositionTransferResponse, lambda r: r)


def _orders(page: OrdersPage) -> builtins.list[Order]:
    return page.orders


def _positions(page: PositionsPage) -> builtins.list[MarketPosition]:
    return page.market_positions


def _fills(page: FcmFillsPage) -> builtins.list[FcmFill]:
    return page.fills


class Fcm(SyncResource):
    """``client.fcm`` on the sync client (signed calls, FCM members only)."""

    def subtraders(self) -> builtins.list[FcmSubtrader]:
        """The FCM's subtraders."""
        return self._client.call(subtraders_call())

    def create_subtrader(self, suffix: str) -> CreateFcmSubtraderResponse:
        """A new subtrader ``{your_id}_{suffix}`` (1-16 letters or digits); 409 if it exists."""
        return self._client.call(create_subtrader_call(suffix))

    def daily_cap(self, subtrader_id: str) -> FcmDailyCap:
        """The subtrader's event-contract daily cap and its utilization (404: no cap)."""
        return self._client.call(daily_cap_call(subtrader_id))

    def set_daily_cap(self, subtrader_id: str, limit: str | Decimal) -> None:
        """Cap the subtrader's net premium at risk per New York day, in dollars."""
        self._client.send(set_daily_cap_request(subtrader_id, limit))

    def delete_daily_cap(self, subtrader_id: str) -> None:
        """Remove the subtrader's daily cap."""
        self._client.send(delete_daily_cap_request(subtrader_id))

    def blocked_categories(self, subtrader_id: str) -> builtins.list[str]:
        """The event categories the subtrader may not trade, sorted."""
        return self._client.call(blocked_call(subtrader_id))

    def block_category(
        self, subtrader_id: str, category: str, *, blocked: bool = True
    ) -> builtins.list[str]:
        """Block (or, ``blocked=False``, unblock) one category; the full blocked set after."""
        return self._client.call(block_call(subtrader_id, category, blocked))

    def orders(
        self,
        *,
        subtrader_id: str | None = None,
        client_order_ids: Sequence[str] | None = None,
        ticker: str | None = None,
        event_ticker: str | None = None,
        status: str | None = None,
        min_ts: Timestamp = None,
        max_ts: Timestamp = None,
        page_size: int = 100,
        max_pages: int | None = None,
    ) -> _pager.SyncPager[OrdersPage, Order]:
        """A subtrader's orders (or the FCM's with these client order ids), newest first."""
        params = orders_params(
            subtrader_id, client_order_ids, ticker, event_ticker, status, min_ts, max_ts, page_size
        )
        return self._pages("fcm.orders", OrdersPage, params, _orders, max_pages)

    def fills(
        self, *, min_ts: Timestamp = None, max_ts: Timestamp = None, max_pages: int | None = None
    ) -> _pager.SyncPager[FcmFillsPage, FcmFill]:
        """The fills of all the FCM's subtraders, one per trade, newest first."""
        params = fills_params(min_ts, max_ts)
        return self._pages("fcm.fills", FcmFillsPage, params, _fills, max_pages)

    def positions(
        self,
        subtrader_id: str,
        *,
        ticker: str | None = None,
        event_ticker: str | None = None,
        count_filter: Sequence[str] | None = None,
        settlement_status: str | None = None,
        page_size: int = 100,
        max_pages: int | None = None,
    ) -> _pager.SyncPager[PositionsPage, MarketPosition]:
        """The subtrader's market positions (signed: negative is NO)."""
        params = positions_params(
            subtrader_id, ticker, event_ticker, count_filter, settlement_status, page_size
        )
        return self._pages("fcm.positions", PositionsPage, params, _positions, max_pages)

    def transfer_position(
        self,
        source_subtrader_id: str,
        target_subtrader_id: str,
        market_ticker: str,
        *,
        position_centicount: int,
        price_centicents: int,
    ) -> FcmPositionTransferResponse:
        """Move a position (centi-contracts, YES +, NO -) to another subtrader at a YES price
        (centi-cents); not idempotent: check the position before retrying a timeout."""
        return self._client.call(
            transfer_call(
                source_subtrader_id,
                target_subtrader_id,
                market_ticker,
                position_centicount,
                price_centicents,
            )
        )


class AsyncFcm(AsyncResource):
    """``client.fcm`` on the async client."""

    async def subtraders(self) -> builtins.list[FcmSubtrader]:
        return await self._client.call(subtraders_call())

    async def create_subtrader(self, suffix: str) -> CreateFcmSubtraderResponse:
        return await self._client.call(create_subtrader_call(suffix))

    async def daily_cap(self, subtrader_id: str) -> FcmDailyCap:
        return await self._client.call(daily_cap_call(subtrader_id))

    async def set_daily_cap(self, subtrader_id: str, limit: str | Decimal) -> None:
        await self._client.send(set_daily_cap_request(subtrader_id, limit))

    async def delete_daily_cap(self, subtrader_id: str) -> None:
        await self._client.send(delete_daily_cap_request(subtrader_id))

    async def blocked_categories(self, subtrader_id: str) -> builtins.list[str]:
        return await self._client.call(blocked_call(subtrader_id))

    async def block_category(
        self, subtrader_id: str, category: str, *, blocked: bool = True
    ) -> builtins.list[str]:
        return await self._client.call(block_call(subtrader_id, category, blocked))

    def orders(
        self,
        *,
        subtrader_id: str | None = None,
        client_order_ids: Sequence[str] | None = None,
        ticker: str | None = None,
        event_ticker: str | None = None,
        status: str | None = None,
        min_ts: Timestamp = None,
        max_ts: Timestamp = None,
        page_size: int = 100,
        max_pages: int | None = None,
    ) -> _pager.AsyncPager[OrdersPage, Order]:
        params = orders_params(
            subtrader_id, client_order_ids, ticker, event_ticker, status, min_ts, max_ts, page_size
        )
        return self._pages("fcm.orders", OrdersPage, params, _orders, max_pages)

    def fills(
        self, *, min_ts: Timestamp = None, max_ts: Timestamp = None, max_pages: int | None = None
    ) -> _pager.AsyncPager[FcmFillsPage, FcmFill]:
        params = fills_params(min_ts, max_ts)
        return self._pages("fcm.fills", FcmFillsPage, params, _fills, max_pages)

    def positions(
        self,
        subtrader_id: str,
        *,
        ticker: str | None = None,
        event_ticker: str | None = None,
        count_filter: Sequence[str] | None = None,
        settlement_status: str | None = None,
        page_size: int = 100,
        max_pages: int | None = None,
    ) -> _pager.AsyncPager[PositionsPage, MarketPosition]:
        params = positions_params(
            subtrader_id, ticker, event_ticker, count_filter, settlement_status, page_size
        )
        return self._pages("fcm.positions", PositionsPage, params, _positions, max_pages)

    async def transfer_position(
        self,
        source_subtrader_id: str,
        target_subtrader_id: str,
        market_ticker: str,
        *,
        position_centicount: int,
        price_centicents: int,
    ) -> FcmPositionTransferResponse:
        return await self._client.call(
            transfer_call(
                source_subtrader_id,
                target_subtrader_id,
                market_ticker,
                position_centicount,
                price_centicents,
            )
        )
