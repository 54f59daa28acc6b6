"""Money movement: transfers between shards, the target balance allocation, deposits and
withdrawals. No I/O here.

Fields follow the SDK 3.34 models (``IntraExchangeInstanceTransferRequest`` and ``...Response``,
``IntraExchangeInstanceTransfer``, ``GetIntraExchangeInstanceTransfer(s)Response``,
``TargetBalanceAllocation(Input)``, ``Get``/``SetTargetBalanceAllocationRequest``, ``Deposit``,
``Withdrawal`` and their list answers). Units differ per model, as on the wire: a transfer
request's ``amount`` is centi-cents (1/10000 of a dollar), its record's ``amount`` a fixed-point
dollar string; deposits and withdrawals are in cents.
"""

from __future__ import annotations

from typing import Final

from kalshikit.models.base import WireModel

__all__ = [
    "RESTING_MARGIN_RESERVATIONS",
    "TRANSFER_STATUSES",
    "Deposit",
    "DepositsPage",
    "SetTargetAllocationRequest",
    "ShardTransfer",
    "ShardTransferRequest",
    "ShardTransferResponse",
    "ShardTransferResult",
    "ShardTransfersPage",
    "TargetAllocation",
    "TargetAllocationResponse",
    "Withdrawal",
    "WithdrawalsPage",
]

# SDK 3.34 ``RestingMarginReservation`` and ``IntraExchangeInstanceTransferStatus`` (the
# ``ExchangeInstance`` values are ``enums.EXCHANGE_INSTANCES``)
RESTING_MARGIN_RESERVATIONS: Final = ("none", "max", "sum")
TRANSFER_STATUSES: Final = ("pending", "complete")


class ShardTransferRequest(WireModel, kw_only=True, frozen=True, omit_defaults=True):
    """``POST /portfolio/intra_exchange_instance_transfer``'s body: move ``amount`` centi-cents
    from one exchange instance and shard to another. ``client_transfer_id`` (a UUID) makes a
    repeat of the same request the same transfer."""

    source: str
    destination: str
    amount: int
    client_transfer_id: str | None = None
    source_exchange_shard: int | None = None
    destination_exchange_shard: int | None = None
    source_subaccount: int | None = None
    destination_subaccount: int | None = None


class ShardTransferResponse(WireModel, kw_only=True, frozen=True):
    """The id of the transfer made (or, for a repeated ``client_transfer_id``, found)."""

    transfer_id: str


class ShardTransfer(WireModel, kw_only=True, frozen=True):
    """One transfer between exchange instances/shards; ``amount`` in dollars (fixed point)."""

    transfer_id: str
    source: str
    destination: str
    source_exchange_shard: int
    destination_exchange_shard: int
    amount: str
    status: str
    created_ts: int


class ShardTransferResult(WireModel, kw_only=True, frozen=True):
    """``GET /portfolio/intra_exchange_instance_transfers/{transfer_id}``."""

    transfer: ShardTransfer


class ShardTransfersPage(WireModel, kw_only=True, frozen=True):
    """One page of ``GET /portfolio/intra_exchange_instance_transfers``, newest first."""

    transfers: list[ShardTransfer]
    cursor: str | None = None


class TargetAllocation(WireModel, kw_only=True, frozen=True):
    """The percent of the sweepable balance kept on ``exchange_index``."""

    exchange_index: int
    percent: int


class TargetAllocationResponse(WireModel, kw_only=True, frozen=True):
    """``GET /portfolio/target_balance_allocation`` (no allocations: no rebalancing)."""

    allocations: list[TargetAllocation]
    resting_margin_reservation: str


class SetTargetAllocationRequest(WireModel, kw_only=True, frozen=True, omit_defaults=True):
    """``POST /portfolio/target_balance_allocation``'s body: percents summing to 100, or none
    to stop rebalancing; the reservation defaults to ``sum``."""

    allocations: list[TargetAllocation]
    resting_margin_reservation: str | None = None


class Deposit(WireModel, kw_only=True, frozen=True):
    """One deposit (cents); ``applied`` means the money is in the balance."""

    id: str
    status: str
    type: str
    amount_cents: int
    fee_cents: int
    created_ts: int
    finalized_ts: int | None = None


class DepositsPage(WireModel, kw_only=True, frozen=True):
    """One page of ``GET /portfolio/deposits``, newest first."""

    deposits: list[Deposit]
    cursor: str | None = None


class Withdrawal(WireModel, kw_only=True, frozen=True):
    """One withdrawal (cents); ``applied`` means the money has left the balance."""

    id: str
    status: str
    type: str
    amount_cents: int
    fee_cents: int
    created_ts: int
    finalized_ts: int | None = None


class WithdrawalsPage(WireModel, kw_only=True, frozen=True):
    """One page of ``GET /portfolio/withdrawals``, newest first."""

    withdrawals: list[Withdrawal]
    cursor: str | None = None
