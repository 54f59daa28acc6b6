"""The sandbox's FCM member handlers (a mixin of ``RestHandlers``): translation only.

Reads go to the exchange, writes through the writer (the store journals each); the exchange
refuses a user who is not an FCM member (403) and a subtrader the FCM does not own (404).
Orders and positions answer the portfolio's shapes (``GetOrdersResponse``,
``GetPositionsResponse``), from the same renderers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, Protocol

from kalshikit.endpoints import ENDPOINTS
from kalshikit.models import (
    CreateFcmSubtraderRequest,
    CreateFcmSubtraderResponse,
    FcmBlockedCategories,
    FcmFillsPage,
    FcmPositionTransferRequest,
    FcmPositionTransferResponse,
    FcmSubtradersResponse,
    MarketPosition,
    SetFcmDailyCapRequest,
    UpdatedFcmBlockedCategories,
    UpdateFcmBlockedCategoryRequest,
)
from kalshikit.models.enums import ORDER_STATUSES
from kalshikit.sandbox.api._handler_kit import HandlerCtx
from kalshikit.sandbox.gateway import bad_request, decode_body

if TYPE_CHECKING:
    from kalshikit.sandbox.exchange import Exchange, ExchangeWriter

__all__ = ["FcmHandlers"]

_SETTLEMENT_STATUSES: Final = ("unsettled", "settled", "all")
# count_filter's names -> the MarketPosition field that must be non-zero
_COUNT_FIELDS: Final = {"position": "position_fp", "total_traded": "total_traded_dollars"}


class _BodyCtx(HandlerCtx, Protocol):
    @property
    def body(self) -> bytes: ...


def _nonzero(text: object) -> bool:
    return isinstance(text, str) and text.strip("-0.") != ""


def _count_filter(raw: str | None) -> list[str] | None:
    if raw is None:
        return None
    names = [n.strip() for n in raw.split(",") if n.strip()]
    unknown = [n for n in names if n not in _COUNT_FIELDS]
    if not names or unknown:
        raise bad_request("count_filter takes position and/or total_traded", "count_filter")
    return [_COUNT_FIELDS[n] for n in names]


class FcmHandlers:
    """Handlers named after their endpoints (``fcm.orders`` -> ``fcm_orders``)."""

    ex: Exchange
    writer: ExchangeWriter

    def fcm_subtraders(self, c: HandlerCtx) -> object:
        return FcmSubtradersResponse(subtraders=self.ex.fcm_subtraders(c.user))

    def fcm_create_subtrader(self, c: _BodyCtx) -> object:
        req = decode_body(c.body, CreateFcmSubtraderRequest)
        subtrader_id = self.writer.create_fcm_subtrader(c.user, req.subtrader_suffix)
        return CreateFcmSubtraderResponse(subtrader_id=subtrader_id)

    def fcm_daily_cap(self, c: HandlerCtx) -> object:
        return self.ex.fcm_daily_cap(c.user, c.query.required_text("subtrader_id"))

    def fcm_set_daily_cap(self, c: _BodyCtx) -> object:
        req = decode_body(c.body, SetFcmDailyCapRequest)
        self.writer.set_fcm_daily_cap(c.user, req.subtrader_id, req.limit)
        return {}

    def fcm_delete_daily_cap(self, c: HandlerCtx) -> object:
        self.writer.delete_fcm_daily_cap(c.user, c.query.required_text("subtrader_id"))
        return {}

    def fcm_blocked_categories(self, c: HandlerCtx) -> object:
        subtrader_id = c.query.required_text("subtrader_id")
        return FcmBlockedCategories(categories=self.ex.fcm_blocked_categories(c.user, subtrader_id))

    def fcm_block_category(self, c: _BodyCtx) -> object:
        req = decode_body(c.body, UpdateFcmBlockedCategoryRequest)
        categories = self.writer.set_fcm_category_blocked(
            c.user, req.subtrader_id, req.category, req.blocked
        )
        return UpdatedFcmBlockedCategories(categories=categories)

    def fcm_orders(self, c: HandlerCtx) -> object:
        q = c.query
        orders, cursor = self.ex.fcm_orders(
            c.user,
            subtrader_id=q.text("subtrader_id"),
            client_order_ids=q.text("client_order_ids"),
            ticker=q.text("ticker"),
            event_ticker=q.text("event_ticker"),
            status=q.choice("status", ORDER_STATUSES),
            min_ts=q.integer("min_ts", 0),
            max_ts=q.integer("max_ts", 0),
            limit=q.limit(100, ENDPOINTS["fcm.orders"].max_limit),
            cursor=q.text("cursor"),
        )
        return {"orders": orders, "cursor": cursor}

    def fcm_fills(self, c: HandlerCtx) -> object:
        q = c.query
        fills, cursor = self.ex.fcm_fills(
            c.user,
            min_ts=q.integer("min_ts", 0),
            max_ts=q.integer("max_ts", 0),
            cursor=q.text("cursor"),
        )
        return FcmFillsPage(fills=fills, cursor=cursor)

    def fcm_positions(self, c: HandlerCtx) -> object:
        q = c.query
        fields = _count_filter(q.text("count_filter"))
        markets, events, cursor = self.ex.fcm_positions(
            c.user,
            q.text("subtrader_id"),
            ticker=q.text("ticker"),
            event_ticker=q.text("event_ticker"),
            settlement_status=q.choice("settlement_status", _SETTLEMENT_STATUSES) or "unsettled",
            limit=q.limit(100, ENDPOINTS["fcm.positions"].max_limit),
            cursor=q.text("cursor"),
        )
        if fields is not None:
            markets = [m for m in markets if _any_nonzero(m, fields)]
        return {"market_positions": markets, "event_positions": events, "cursor": cursor}

    def fcm_transfer_position(self, c: _BodyCtx) -> object:
        req = decode_body(c.body, FcmPositionTransferRequest)
        transfer_id = self.writer.transfer_fcm_position(
            c.user,
            req.source_subtrader_id,
            req.target_subtrader_id,
            req.market_ticker,
            req.position_centicount,
            req.price_centicents,
        )
        return FcmPositionTransferResponse(position_transfer_id=transfer_id)


def _any_nonzero(position: MarketPosition, fields: list[str]) -> bool:
    return any(_nonzero(getattr(position, f)) for f in fields)
