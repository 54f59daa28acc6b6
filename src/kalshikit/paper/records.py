"""The paper engine's records of orders, fills and settlements, in exact internal units.

No I/O here, no rules beyond each record's own bookkeeping (the engine decides when they change):
prices in YES ticks, sizes in centi-contracts, money in micro-dollars, times in nanoseconds.
They mirror the sandbox's ``OrderRecord``/``FillRecord``/``SettlementRecord`` so paper and
sandbox render the same wire shapes; ``paper.wire`` turns them into the wire models.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from kalshikit.fees import charge_fill_fee
from kalshikit.netting import add_fill_cost
from kalshikit.units import TICKS_PER_DOLLAR, BookSide

__all__ = ["BookLevel", "PaperFill", "PaperOrder", "PaperSettlement", "level_of"]

SourceSide = Literal["yes", "no"]
BookLevel = tuple[SourceSide, int]
"""A level of the source book: its side (YES bids or NO bids) and price in that side's terms."""


def level_of(side: BookSide, yes_price: int) -> BookLevel:
    """The source level a resting order joins: a bid is a YES bid at p, an ask a NO bid at 1-p."""
    return ("yes", yes_price) if side == "bid" else ("no", TICKS_PER_DOLLAR - yes_price)


@dataclass(slots=True, eq=False, kw_only=True)
class PaperOrder:
    """One paper order. ``active`` turns True once its entry latency has elapsed; until then it
    is resting (its collateral held) but cannot trade. ``ahead`` is its queue position once it
    rests active at its level (None before)."""

    order_id: str
    account: str
    ticker: str
    side: BookSide
    price: int
    initial: int
    client_order_id: str
    time_in_force: str
    self_trade_prevention: str
    seq: int
    created_ns: int
    active_at_ns: int
    post_only: bool = False
    reduce_only: bool = False
    expiration_ns: int | None = None
    order_group_id: str | None = None
    cancel_on_pause: bool = False
    status: str = "resting"
    active: bool = False
    ahead: int | None = None
    remaining: int = 0
    filled: int = 0
    updated_ns: int = 0
    taker_cost: int = 0
    maker_cost: int = 0
    fill_value: int = 0
    taker_accrued: int = 0
    maker_accrued: int = 0
    taker_fees: int = 0
    maker_fees: int = 0

    @property
    def level(self) -> BookLevel:
        return level_of(self.side, self.price)

    @property
    def is_resting(self) -> bool:
        return self.status == "resting"

    def charge_fee(self, coefficient: int, size: int, price: int, is_taker: bool) -> int:
        """Accrue one fill's exact fee; what to charge now, micro-dollars (``fees.py``)."""
        return charge_fill_fee(self, coefficient, size, price, is_taker)

    def add_fill(self, size: int, price: int, is_taker: bool, now_ns: int) -> None:
        add_fill_cost(self, size, price, is_taker)
        self.remaining -= size
        self.updated_ns = now_ns
        if self.remaining == 0:
            self.status = "executed"


@dataclass(frozen=True, slots=True)
class PaperFill:
    """One fill of one paper order, as its owner sees it."""

    fill_id: str
    order_id: str
    client_order_id: str
    account: str
    ticker: str
    side: BookSide
    price: int
    size: int
    is_taker: bool
    fee: int
    post_position: int
    ts_ns: int


@dataclass(frozen=True, slots=True)
class PaperSettlement:
    """What one account got when a market settled; ``value`` is the YES payout in ticks."""

    ticker: str
    event_ticker: str
    result: str
    yes_count: int
    no_count: int
    yes_cost: int
    no_cost: int
    revenue: int
    value: int
    fee_cost: int
    ts_ns: int
