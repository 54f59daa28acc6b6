"""How `kalshi transfer` and `kalshi portfolio allocation|deposits|withdrawals` show money
movement: pure rendering, no I/O."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal

from kalshikit.models import Deposit, ShardTransfer, TargetAllocationResponse, Withdrawal
from kalshikit.units.display import money, money_cents, when

__all__ = [
    "FUNDING_COLUMNS",
    "TRANSFER_COLUMNS",
    "allocation_fields",
    "funding_row",
    "parse_allocation",
    "transfer_line",
    "transfer_row",
]

TRANSFER_COLUMNS = ["id", "from", "to", "amount", "status", "created UTC"]
FUNDING_COLUMNS = ["id", "type", "amount", "fee", "status", "created UTC"]


def _moment(seconds: int | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


def transfer_line(amount: Decimal | str, from_shard: int, to_shard: int, transfer_id: str) -> str:
    return f"moved {money(amount)} from shard {from_shard} to shard {to_shard} ({transfer_id})"


def transfer_row(t: ShardTransfer) -> list[object]:
    return [
        t.transfer_id,
        f"shard {t.source_exchange_shard}",
        f"shard {t.destination_exchange_shard}",
        money(t.amount),
        t.status,
        when(_moment(t.created_ts)),
    ]


def funding_row(record: Deposit | Withdrawal) -> list[object]:
    return [
        record.id,
        record.type,
        money_cents(record.amount_cents),
        money_cents(record.fee_cents),
        record.status,
        when(_moment(record.created_ts)),
    ]


def allocation_fields(answer: TargetAllocationResponse) -> list[tuple[str, object]]:
    if not answer.allocations:
        return [("allocation", "none (no automatic rebalancing)")]
    fields: list[tuple[str, object]] = [
        (f"shard {a.exchange_index}", f"{a.percent}%") for a in answer.allocations
    ]
    fields.append(("reserve for resting orders", answer.resting_margin_reservation))
    return fields


def parse_allocation(items: Sequence[str]) -> dict[int, int]:
    """``["0=50", "1=50"]`` as ``{0: 50, 1: 50}``; ValueError names the bad item."""
    percents: dict[int, int] = {}
    for item in items:
        shard, sep, percent = item.partition("=")
        if not sep or not shard.strip().isdigit() or not percent.strip().isdigit():
            raise ValueError(f"--set takes SHARD=PERCENT such as 0=50; got {item!r}")
        if int(shard) in percents:
            raise ValueError(f"--set names shard {int(shard)} twice")
        percents[int(shard)] = int(percent)
    return percents
