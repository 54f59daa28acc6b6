"""The sandbox's money-movement handlers (a mixin of ``RestHandlers``): transfers between
shards, the target balance allocation, deposits and withdrawals.

Writes go through the writer (the store journals them). A transfer repeated with the same
``client_transfer_id`` and terms is answered from the exchange's record without a write, so a
client's retry neither moves money twice nor adds a journal entry.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from kalshikit.endpoints import ENDPOINTS
from kalshikit.models import (
    Deposit,
    DepositsPage,
    SetTargetAllocationRequest,
    ShardTransfer,
    ShardTransferRequest,
    ShardTransferResponse,
    ShardTransferResult,
    ShardTransfersPage,
    TargetAllocation,
    TargetAllocationResponse,
    Withdrawal,
    WithdrawalsPage,
)
from kalshikit.sandbox.api._handler_kit import HandlerCtx
from kalshikit.sandbox.gateway import decode_body
from kalshikit.units import format_money

if TYPE_CHECKING:
    from kalshikit.sandbox.exchange import Exchange, ExchangeWriter

__all__ = ["MoneyHandlers"]

# the payment type shown for the sandbox's own funding: the SDK allows only ach, wire, crypto,
# debit and apm, and an admin deposit is most like a plain bank (ACH) transfer
_FUNDING_TYPE = "ach"


class _BodyCtx(HandlerCtx, Protocol):
    @property
    def body(self) -> bytes: ...


def _dollars(micro: int) -> str:
    """Micro-dollars as the wire's fixed-point dollars: 4 places, 6 when needed."""
    places = 4 if micro % 100 == 0 else 6
    return format_money(Decimal(micro).scaleb(-6), places)


def _transfer(record: list[Any]) -> ShardTransfer:
    transfer_id, _client_id, source, destination, micro, created_ms = record[:6]
    return ShardTransfer(
        transfer_id=transfer_id,
        source="event_contract",
        destination="event_contract",
        source_exchange_shard=source,
        destination_exchange_shard=destination,
        amount=_dollars(micro),
        status="complete",
        created_ts=created_ms // 1000,
    )


def _funding_fields(record: list[Any]) -> dict[str, Any]:
    record_id, cents, created_ms = record
    seconds = created_ms // 1000
    return {
        "id": record_id,
        "status": "applied",
        "type": _FUNDING_TYPE,
        "amount_cents": abs(cents),
        "fee_cents": 0,
        "created_ts": seconds,
        "finalized_ts": seconds,
    }


class MoneyHandlers:
    """Handlers named after their endpoints (``transfers.shard`` -> ``transfers_shard``)."""

    ex: Exchange
    writer: ExchangeWriter

    def transfers_shard(self, c: _BodyCtx) -> object:
        req = decode_body(c.body, ShardTransferRequest)
        # a repeat is answered from the record (409 if its terms differ): nothing to journal
        earlier = self.ex.earlier_shard_transfer(c.user, req)
        transfer_id = earlier or self.writer.transfer_between_shards(c.user, req)
        return ShardTransferResponse(transfer_id=transfer_id)

    def transfers_list(self, c: HandlerCtx) -> object:
        q = c.query
        done, cursor = self.ex.shard_transfers(
            c.user,
            limit=q.limit(100, ENDPOINTS["transfers.list"].max_limit),
            cursor=q.text("cursor"),
        )
        return ShardTransfersPage(transfers=[_transfer(r) for r in done], cursor=cursor or None)

    def transfers_get(self, c: HandlerCtx) -> object:
        record = self.ex.shard_transfer(c.user, c.path["transfer_id"])
        return ShardTransferResult(transfer=_transfer(record))

    def funding_allocation(self, c: HandlerCtx) -> object:
        reservation, allocations = self.ex.target_allocation(c.user)
        rows = [TargetAllocation(exchange_index=i, percent=p) for i, p in allocations]
        return TargetAllocationResponse(allocations=rows, resting_margin_reservation=reservation)

    def funding_set_allocation(self, c: _BodyCtx) -> object:
        req = decode_body(c.body, SetTargetAllocationRequest)
        self.writer.set_target_allocation(c.user, req)
        return {}

    def funding_deposits(self, c: HandlerCtx) -> object:
        records, cursor = self._funding(c, withdrawals=False)
        deposits = [Deposit(**_funding_fields(r)) for r in records]
        return DepositsPage(deposits=deposits, cursor=cursor or None)

    def funding_withdrawals(self, c: HandlerCtx) -> object:
        records, cursor = self._funding(c, withdrawals=True)
        withdrawals = [Withdrawal(**_funding_fields(r)) for r in records]
        return WithdrawalsPage(withdrawals=withdrawals, cursor=cursor or None)

    def _funding(self, c: HandlerCtx, *, withdrawals: bool) -> tuple[list[list[Any]], str]:
        q = c.query
        name = "funding.withdrawals" if withdrawals else "funding.deposits"
        return self.ex.funding_records(
            c.user,
            withdrawals,
            limit=q.limit(100, ENDPOINTS[name].max_limit),
            cursor=q.text("cursor"),
        )
