"""Order wire structs: orders, the V2 write acknowledgements, order groups, queue positions.
No I/O here.

Writes now answer with slim acks (``order_id``, counts as fp strings, ``ts_ms``). In January they
answered with full orders: create/decrease ``{order}``, amend ``{old_order, order}``, cancel
``{order, reduced_by}`` (an integer count), batches per item ``{order, error, ...}``. Each ack
struct parses both; the January ``order``/``old_order`` are optional fields on it.
"""

from __future__ import annotations

from datetime import datetime

import msgspec

from kalshikit.models.base import WireModel, contracts_of, price_of
from kalshikit.models.error import ErrorResponse
from kalshikit.units import Contracts, Price

__all__ = [
    "AmendOrderAck",
    "BatchCancelItem",
    "BatchCancelResponse",
    "BatchCreateItem",
    "BatchCreateResponse",
    "CancelOrderAck",
    "CreateOrderAck",
    "CreateOrderGroupResponse",
    "DecreaseOrderAck",
    "EmptyResponse",
    "Order",
    "OrderGroup",
    "OrderGroupResponse",
    "OrderGroupsResponse",
    "OrderQueuePosition",
    "OrderResponse",
    "OrdersPage",
    "QueuePositionResponse",
    "QueuePositionsResponse",
]


class Order(WireModel, kw_only=True, frozen=True):
    """One order. ``outcome_side``/``book_side`` replaced the deprecated ``side``/``action``;
    counts are ``*_count_fp`` strings and prices ``*_dollars`` strings (January: integers)."""

    order_id: str
    user_id: str
    client_order_id: str
    ticker: str
    side: str | None = None
    action: str | None = None
    outcome_side: str = ""
    book_side: str = ""
    type: str
    status: str
    yes_price_dollars: str | None = None
    no_price_dollars: str | None = None
    fill_count_fp: str | None = None
    remaining_count_fp: str | None = None
    initial_count_fp: str | None = None
    taker_fill_cost_dollars: str
    maker_fill_cost_dollars: str
    taker_fees_dollars: str | None = None
    maker_fees_dollars: str | None = None
    expiration_time: datetime | None = None
    created_time: datetime | None = None
    last_update_time: datetime | None = None
    self_trade_prevention_type: str | None = None
    order_group_id: str | None = None
    cancel_order_on_pause: bool | None = None
    subaccount_number: int | None = None
    exchange_index: int | None = None
    # January 2026 integers, replaced by the *_fp / *_dollars fields above.
    yes_price_cents: int | None = msgspec.field(default=None, name="yes_price")
    no_price_cents: int | None = msgspec.field(default=None, name="no_price")
    fill_count_int: int | None = msgspec.field(default=None, name="fill_count")
    remaining_count_int: int | None = msgspec.field(default=None, name="remaining_count")
    initial_count_int: int | None = msgspec.field(default=None, name="initial_count")

    @property
    def fill_count(self) -> Contracts | None:
        """Contracts filled: ``fill_count_fp``, else January's integer; None when neither came."""
        return contracts_of(self.fill_count_fp, self.fill_count_int)

    @property
    def remaining_count(self) -> Contracts | None:
        return contracts_of(self.remaining_count_fp, self.remaining_count_int)

    @property
    def initial_count(self) -> Contracts | None:
        return contracts_of(self.initial_count_fp, self.initial_count_int)

    @property
    def yes_price(self) -> Price | None:
        """The YES price: ``yes_price_dollars``, else January's cents."""
        return price_of(self.yes_price_dollars, self.yes_price_cents)


class OrdersPage(WireModel, kw_only=True, frozen=True):
    """``GET /portfolio/orders`` and ``GET /historical/orders``."""

    orders: list[Order]
    cursor: str = ""


class OrderResponse(WireModel, kw_only=True, frozen=True):
    """``GET /portfolio/orders/{order_id}``."""

    order: Order


class CreateOrderAck(WireModel, kw_only=True, frozen=True):
    """``POST /portfolio/events/orders`` (201). January: only ``order``."""

    order_id: str = ""
    client_order_id: str | None = None
    fill_count: str | None = None
    remaining_count: str | None = None
    average_fill_price: str | None = None
    average_fee_paid: str | None = None
    ts_ms: int | None = None
    order: Order | None = None


class BatchCreateItem(WireModel, kw_only=True, frozen=True):
    """One result of a batch create: an ack, or ``error``. January: ``order`` instead of the ack."""

    order_id: str | None = None
    client_order_id: str | None = None
    fill_count: str | None = None
    remaining_count: str | None = None
    average_fill_price: str | None = None
    average_fee_paid: str | None = None
    ts_ms: int | None = None
    error: ErrorResponse | None = None
    order: Order | None = None


class BatchCreateResponse(WireModel, kw_only=True, frozen=True):
    """``POST /portfolio/events/orders/batched`` (201)."""

    orders: list[BatchCreateItem]


class CancelOrderAck(WireModel, kw_only=True, frozen=True):
    """``DELETE /portfolio/events/orders/{order_id}``. ``reduced_by`` is an fp string now and was
    an integer count in January."""

    order_id: str = ""
    client_order_id: str | None = None
    reduced_by: str | int | None = None
    ts_ms: int | None = None
    order: Order | None = None


class BatchCancelItem(WireModel, kw_only=True, frozen=True):
    """One result of a batch cancel (January sent ``order_id: ""`` and the full ``order``)."""

    order_id: str = ""
    client_order_id: str | None = None
    reduced_by: str | int | None = None
    ts_ms: int | None = None
    error: ErrorResponse | None = None
    order: Order | None = None


class BatchCancelResponse(WireModel, kw_only=True, frozen=True):
    """``DELETE /portfolio/events/orders/batched``."""

    orders: list[BatchCancelItem]


class AmendOrderAck(WireModel, kw_only=True, frozen=True):
    """``POST /portfolio/events/orders/{order_id}/amend``. January: ``{old_order, order}``."""

    order_id: str = ""
    client_order_id: str | None = None
    remaining_count: str | None = None
    fill_count: str | None = None
    average_fill_price: str | None = None
    average_fee_paid: str | None = None
    ts_ms: int | None = None
    old_order: Order | None = None
    order: Order | None = None


class DecreaseOrderAck(WireModel, kw_only=True, frozen=True):
    """``POST /portfolio/events/orders/{order_id}/decrease``. January: only ``order``."""

    order_id: str = ""
    client_order_id: str | None = None
    remaining_count: str | None = None
    ts_ms: int | None = None
    order: Order | None = None


class OrderGroup(WireModel, kw_only=True, frozen=True):
    """One order group: the orders in it are canceled when the rolling 15 s limit is hit."""

    id: str
    contracts_limit_fp: str | None = None
    is_auto_cancel_enabled: bool
    exchange_index: int | None = None


class OrderGroupsResponse(WireModel, kw_only=True, frozen=True):
    """``GET /portfolio/order_groups``."""

    order_groups: list[OrderGroup] | None = None


class OrderGroupResponse(WireModel, kw_only=True, frozen=True):
    """``GET /portfolio/order_groups/{order_group_id}``: settings and member order ids."""

    is_auto_cancel_enabled: bool
    contracts_limit_fp: str | None = None
    orders: list[str] = msgspec.field(default_factory=list)
    exchange_index: int | None = None


class CreateOrderGroupResponse(WireModel, kw_only=True, frozen=True):
    """``POST /portfolio/order_groups/create`` (201); January sent only ``order_group_id``."""

    order_group_id: str
    subaccount: int | None = None
    exchange_index: int | None = None


class EmptyResponse(WireModel, kw_only=True, frozen=True):
    """``{}``: order-group delete, reset, trigger and limit."""


class QueuePositionResponse(WireModel, kw_only=True, frozen=True):
    """``GET /portfolio/orders/{order_id}/queue_position``: contracts ahead of the order."""

    queue_position_fp: str | None = None
    queue_position_int: int | None = msgspec.field(default=None, name="queue_position")


class OrderQueuePosition(WireModel, kw_only=True, frozen=True):
    order_id: str
    market_ticker: str
    queue_position_fp: str | None = None
    queue_position_int: int | None = msgspec.field(default=None, name="queue_position")


class QueuePositionsResponse(WireModel, kw_only=True, frozen=True):
    """``GET /portfolio/orders/queue_positions``."""

    queue_positions: list[OrderQueuePosition]
