"""Subaccounts: numbered accounts of one user, their balances, transfers and netting. No I/O.

Fields follow the SDK 3.34 models (``CreateSubaccountRequest`` and ``...Response``,
``SubaccountBalance``, ``GetSubaccountBalancesResponse``, ``ApplySubaccountTransferRequest``,
``SubaccountTransfer``, ``GetSubaccountTransfersResponse``, ``SubaccountNettingConfig``,
``GetSubaccountNettingResponse``, ``UpdateSubaccountNettingRequest``). Number 0 is the primary
account, 1-63 the numbered ones. Transfers are in integer cents; balances are dollar strings.
"""

from __future__ import annotations

from decimal import Decimal

import msgspec

from kalshikit.models.base import WireModel
from kalshikit.units import parse_money

__all__ = [
    "CreateSubaccountRequest",
    "CreateSubaccountResponse",
    "SubaccountBalance",
    "SubaccountBalancesResponse",
    "SubaccountNetting",
    "SubaccountNettingResponse",
    "SubaccountTransfer",
    "SubaccountTransferRequest",
    "SubaccountTransfersResponse",
    "UpdateSubaccountNettingRequest",
]


class _Body(msgspec.Struct, kw_only=True, frozen=True, omit_defaults=True):
    """A request body: unset optionals are left out."""


class CreateSubaccountRequest(_Body, kw_only=True, frozen=True, omit_defaults=True):
    exchange_index: int | None = None


class CreateSubaccountResponse(WireModel, kw_only=True, frozen=True):
    """The number given to the new subaccount (1-63)."""

    subaccount_number: int


class SubaccountBalance(WireModel, kw_only=True, frozen=True):
    """One subaccount's free cash on one shard; ``balance`` is a dollar string."""

    subaccount_number: int
    exchange_index: int
    balance: str
    updated_ts: int

    @property
    def dollars(self) -> Decimal:
        return parse_money(self.balance)


class SubaccountBalancesResponse(WireModel, kw_only=True, frozen=True):
    subaccount_balances: list[SubaccountBalance]


class SubaccountTransferRequest(_Body, kw_only=True, frozen=True, omit_defaults=True):
    """Move ``amount_cents`` of free cash between two subaccounts on one shard;
    ``client_transfer_id`` (a UUID) makes a retry the same transfer."""

    client_transfer_id: str
    from_subaccount: int
    to_subaccount: int
    amount_cents: int
    exchange_index: int | None = None


class SubaccountTransfer(WireModel, kw_only=True, frozen=True):
    transfer_id: str
    from_subaccount: int
    to_subaccount: int
    amount_cents: int
    created_ts: int
    exchange_index: int


class SubaccountTransfersResponse(WireModel, kw_only=True, frozen=True):
    transfers: list[SubaccountTransfer]
    cursor: str | None = None


class SubaccountNetting(WireModel, kw_only=True, frozen=True):
    """Whether one subaccount's netting setting is on (SDK ``SubaccountNettingConfig``)."""

    subaccount_number: int
    enabled: bool
    exchange_index: int


class SubaccountNettingResponse(WireModel, kw_only=True, frozen=True):
    netting_configs: list[SubaccountNetting]


class UpdateSubaccountNettingRequest(_Body, kw_only=True, frozen=True, omit_defaults=True):
    subaccount_number: int
    enabled: bool
