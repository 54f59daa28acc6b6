"""Request bodies of the V2 write endpoints, as the wire carries them. No I/O here.

The client encodes these and the sandbox decodes them, so both sides agree by construction.
Fields are the SDK 3.34 request models' (kalshi-rest.md 3.10). Optional fields default to None
and are left out of the encoded body (``omit_defaults``), so an explicit ``False`` is still sent
while an unset flag never is.
"""

from __future__ import annotations

import msgspec

__all__ = [
    "AmendOrderV2Request",
    "BatchCancelOrdersV2Request",
    "BatchCancelOrdersV2RequestOrder",
    "BatchCreateOrdersV2Request",
    "CreateOrderGroupRequest",
    "CreateOrderV2Request",
    "DecreaseOrderV2Request",
    "UpdateOrderGroupLimitRequest",
]


class _Body(msgspec.Struct, kw_only=True, frozen=True, omit_defaults=True):
    """Base of request bodies: keyword-only, frozen, unset optionals omitted on encode."""


class CreateOrderV2Request(_Body, kw_only=True, frozen=True, omit_defaults=True):
    """``POST /portfolio/events/orders``: side of the YES book, YES price in dollars, fp count."""

    ticker: str
    side: str
    count: str
    price: str
    time_in_force: str
    self_trade_prevention_type: str
    client_order_id: str | None = None
    expiration_time: int | None = None
    post_only: bool | None = None
    cancel_order_on_pause: bool | None = None
    reduce_only: bool | None = None
    subaccount: int | None = None
    order_group_id: str | None = None
    exchange_index: int | None = None


class BatchCreateOrdersV2Request(_Body, kw_only=True, frozen=True, omit_defaults=True):
    orders: list[CreateOrderV2Request]


class BatchCancelOrdersV2RequestOrder(_Body, kw_only=True, frozen=True, omit_defaults=True):
    order_id: str
    subaccount: int | None = None
    exchange_index: int | None = None
    market_ticker: str | None = None


class BatchCancelOrdersV2Request(_Body, kw_only=True, frozen=True, omit_defaults=True):
    orders: list[BatchCancelOrdersV2RequestOrder]


class AmendOrderV2Request(_Body, kw_only=True, frozen=True, omit_defaults=True):
    """``count`` is the new total size (filled + wanted remaining)."""

    ticker: str
    side: str
    price: str
    count: str
    client_order_id: str | None = None
    updated_client_order_id: str | None = None
    expiration_time: int | None = None
    exchange_index: int | None = None


class DecreaseOrderV2Request(_Body, kw_only=True, frozen=True, omit_defaults=True):
    """Exactly one of ``reduce_by`` and ``reduce_to``."""

    reduce_by: str | None = None
    reduce_to: str | None = None
    exchange_index: int | None = None
    market_ticker: str | None = None


class CreateOrderGroupRequest(_Body, kw_only=True, frozen=True, omit_defaults=True):
    subaccount: int | None = None
    contracts_limit: int | None = None
    contracts_limit_fp: str | None = None
    exchange_index: int | None = None


class UpdateOrderGroupLimitRequest(_Body, kw_only=True, frozen=True, omit_defaults=True):
    contracts_limit: int | None = None
    contracts_limit_fp: str | None = None
