"""One market's ledger: the netted position (``kalshikit.netting``) and its FIFO lots. No I/O.

Kalshi keeps one signed position per market with one cost, and a close releases that cost pro
rata (``netting.net_fill``): the realized figures here are that function's, so they equal the
exchange's ``realized_pnl_dollars`` to the micro-dollar. The lots say *which* contracts a close
consumed (first in, first out) and when they were acquired; the cost a close releases is split
over the lots it consumed by count (floor, the last lot taking the remainder), so closed lots
always sum to the realized total exactly.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime

from kalshikit.netting import net_fill
from kalshikit.portfolio.inputs import PnlFill, PnlSettlement
from kalshikit.units import TICKS_PER_DOLLAR

__all__ = ["ClosedLot", "MarketLedger", "OpenLot"]


@dataclass(slots=True)
class _Position:
    """The fields ``net_fill`` keeps (micro-dollars; ``size`` and ``volume`` centi)."""

    size: int = 0
    cost: int = 0
    realized: int = 0
    traded: int = 0
    volume: int = 0


@dataclass(slots=True)
class OpenLot:
    """Contracts still held, opened by one fill: ``side`` yes or no, ``count`` centi."""

    side: str
    count: int
    acquired: datetime
    fill_id: str


@dataclass(frozen=True, slots=True)
class ClosedLot:
    """Contracts closed (by a fill or a settlement): proceeds, cost released and gain in
    micro-dollars; ``acquired`` is None when the opening fills were never seen."""

    ticker: str
    side: str
    count: int
    acquired: datetime | None
    sold: datetime
    proceeds: int
    cost: int
    how: str

    @property
    def gain(self) -> int:
        return self.proceeds - self.cost


@dataclass(slots=True)
class MarketLedger:
    """Everything one market did to the account."""

    ticker: str
    position: _Position = field(default_factory=_Position)
    lots: deque[OpenLot] = field(default_factory=deque)
    closed: list[ClosedLot] = field(default_factory=list)
    fees: int = 0
    maker_fees: int = 0
    taker_fees: int = 0
    fills: int = 0
    settled: bool = False

    @property
    def realized(self) -> int:
        return self.position.realized

    def add_fill(self, fill: PnlFill) -> None:
        """Net the fill (the exchange's rules), then move the lots to match."""
        held_before = self.position.size
        cost_before = self.position.cost
        net_fill(self.position, fill.book_side, fill.price, fill.count)
        self.fills += 1
        self.fees += fill.fee
        if fill.is_taker:
            self.taker_fees += fill.fee
        else:
            self.maker_fees += fill.fee
        closes = -1 if fill.book_side == "bid" else 1  # which held sign this fill closes
        closing = min(fill.count, max(held_before * closes, 0))
        if closing:
            held = held_before * closes
            # netting.net_fill's own release: all the cost on a full close, else pro rata
            released = cost_before if closing == held else cost_before * closing // held
            unit = fill.price if fill.book_side == "ask" else TICKS_PER_DOLLAR - fill.price
            self._close(closing, released, unit * closing, fill.time, "sold")
        if fill.count > closing:
            side = "yes" if fill.book_side == "bid" else "no"
            self.lots.append(OpenLot(side, fill.count - closing, fill.time, fill.fill_id))

    def _close(self, count: int, released: int, proceeds: int, when: datetime, how: str) -> None:
        """Consume ``count`` from the oldest lots; split cost and proceeds over them by count."""
        left, cost_left, proceeds_left = count, released, proceeds
        while left:
            lot = self.lots[0]
            taken = min(left, lot.count)
            last = taken == left
            cost = cost_left if last else released * taken // count
            paid = proceeds_left if last else proceeds * taken // count
            self.closed.append(
                ClosedLot(self.ticker, lot.side, taken, lot.acquired, when, paid, cost, how)
            )
            left, cost_left, proceeds_left = left - taken, cost_left - cost, proceeds_left - paid
            lot.count -= taken
            if not lot.count:
                self.lots.popleft()

    def settle(self, settlement: PnlSettlement) -> None:
        """Pay the result on what is held (yes, no, scalar value; void refunds the cost)."""
        self.settled = True
        size, cost = self.position.size, self.position.cost
        if not size and not self.fills:
            self._settle_unseen(settlement)
            return
        if size:
            payout = self._payout(settlement, size, cost)
            self._close(abs(size), cost, payout, settlement.time, f"settled {settlement.result}")
            self.position.realized += payout - cost
            self.position.size = self.position.cost = 0

    @staticmethod
    def _payout(settlement: PnlSettlement, size: int, cost: int) -> int:
        if settlement.result == "void":
            return cost
        per_contract = settlement.yes_value if size > 0 else TICKS_PER_DOLLAR - settlement.yes_value
        return per_contract * abs(size)

    def _settle_unseen(self, settlement: PnlSettlement) -> None:
        """A settled market whose fills the book never saw (before ``--since``, or older than
        the history kept): the exchange's own revenue, cost and fees are the figures."""
        count = settlement.yes_count + settlement.no_count
        if not count and not settlement.revenue and not settlement.cost:
            return
        side = "yes" if settlement.yes_count >= settlement.no_count else "no"
        self.closed.append(
            ClosedLot(self.ticker, side, count, None, settlement.time, settlement.revenue,
                      settlement.cost, f"settled {settlement.result}")
        )  # fmt: skip
        self.position.realized += settlement.revenue - settlement.cost
        self.fees += settlement.fees
        self.taker_fees += settlement.fees  # the split is unknown: counted as taker

    def open_cost_of(self, lot: OpenLot) -> int:
        """A lot's share of the position's cost (by count; floor)."""
        size = abs(self.position.size)
        return self.position.cost * lot.count // size if size else 0
