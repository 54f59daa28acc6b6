"""The FCM member area: subtraders, their risk controls, their fills, position transfers.

No I/O here. Fields follow the SDK 3.34 models (``FCMSubtrader``, ``ListFCMSubtradersResponse``,
``CreateFCMSubtraderRequest`` and ``...Response``, ``GetFCMEventContractDailyCapResponse``,
``UpdateFCMEventContractDailyCapRequest``, ``GetFCMSubtraderBlockedCategoriesResponse``,
``UpdateFCMSubtraderBlockedCategoriesRequest`` and ``...Response``, ``FcmFill``,
``GetFcmFillsResponse``, ``CreateFCMPositionTransferRequest`` and ``...Response``). FCM orders
and positions answer the portfolio's own shapes (``OrdersPage``, ``PositionsPage``).
"""

from __future__ import annotations

from datetime import datetime

from kalshikit.models.base import WireModel

__all__ = [
    "CreateFcmSubtraderRequest",
    "CreateFcmSubtraderResponse",
    "FcmBlockedCategories",
    "FcmDailyCap",
    "FcmFill",
    "FcmFillsPage",
    "FcmPositionTransferRequest",
    "FcmPositionTransferResponse",
    "FcmSubtrader",
    "FcmSubtradersResponse",
    "SetFcmDailyCapRequest",
    "UpdateFcmBlockedCategoryRequest",
    "UpdatedFcmBlockedCategories",
]


class FcmSubtrader(WireModel, kw_only=True, frozen=True):
    """One subtrader of the FCM (``{fcm_id}_{suffix}``) and whether it may trade."""

    subtrader_id: str
    exchange_indices: list[int]
    trading_blocked: bool
    fcm_trading_blocked: bool
    propagation_pending: bool


class FcmSubtradersResponse(WireModel, kw_only=True, frozen=True):
    """``GET /fcm/subtraders``: every subtrader of the FCM (not paged)."""

    subtraders: list[FcmSubtrader]


class CreateFcmSubtraderRequest(WireModel, kw_only=True, frozen=True):
    """``POST /fcm/subtraders``'s body: 1-16 ASCII letters and digits."""

    subtrader_suffix: str


class CreateFcmSubtraderResponse(WireModel, kw_only=True, frozen=True):
    """The full id of the subtrader just created."""

    subtrader_id: str


class FcmDailyCap(WireModel, kw_only=True, frozen=True):
    """A subtrader's event-contract daily premium cap (dollars) and what uses it now."""

    subtrader_id: str
    limit: str
    executed_utilization: str
    resting_order_utilization: str
    pending_order_utilization: str
    cap_date: str


class SetFcmDailyCapRequest(WireModel, kw_only=True, frozen=True):
    """``PUT /fcm/subtraders/event_contract_daily_cap``'s body: the cap in dollars."""

    subtrader_id: str
    limit: str


class FcmBlockedCategories(WireModel, kw_only=True, frozen=True):
    """The event categories blocked for a subtrader, sorted."""

    categories: list[str]


class UpdateFcmBlockedCategoryRequest(WireModel, kw_only=True, frozen=True):
    """Block (``blocked=True``) or unblock one category for one subtrader."""

    subtrader_id: str
    category: str
    blocked: bool


class UpdatedFcmBlockedCategories(WireModel, kw_only=True, frozen=True):
    """The subtrader's full blocked set after the change, sorted."""

    categories: list[str]


class FcmFill(WireModel, kw_only=True, frozen=True):
    """One fill involving the FCM's subtraders; the side the FCM does not own is blank."""

    fill_id: str
    exchange_index: int
    ticker: str
    taker_outcome_side: str
    count_fp: str
    yes_price_dollars: str
    created_time: datetime | None = None
    maker_order_id: str | None = None
    maker_subtrader_id: str | None = None
    maker_fee_cost: str | None = None
    taker_order_id: str | None = None
    taker_subtrader_id: str | None = None
    taker_fee_cost: str | None = None


class FcmFillsPage(WireModel, kw_only=True, frozen=True):
    """``GET /fcm/fills``: newest first, ``cursor`` empty on the last page."""

    fills: list[FcmFill]
    cursor: str


class FcmPositionTransferRequest(WireModel, kw_only=True, frozen=True):
    """Move ``position_centicount`` (YES positive, NO negative; whole contracts) of one market
    from a subtrader to a subtrader under the error account, booked at ``price_centicents``."""

    source_subtrader_id: str
    target_subtrader_id: str
    market_ticker: str
    position_centicount: int
    price_centicents: int


class FcmPositionTransferResponse(WireModel, kw_only=True, frozen=True):
    """The id of the executed transfer (no endpoint lists them: keep it)."""

    position_transfer_id: str
