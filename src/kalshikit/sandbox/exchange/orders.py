"""The exchange's own records of orders, fills, trades, settlements and order groups.

No I/O here, and no rules beyond each record's own bookkeeping: ``_core`` decides when they
change. Records are small mutable (orders, groups) or frozen (fills, trades, settlements) slotted
dataclasses in internal units (ticks, centi-contracts, micro-dollars, epoch ms); ``_render``
turns them into wire structs only when someone reads them, which keeps the write path cheap.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Final

from kalshikit.fees import charge_fill_fee
from kalshikit.netting import add_fill_cost
from kalshikit.sandbox.engine import BookSide, Compact

__all__ = [
    "GROUP_WINDOW_MS",
    "FillRecord",
    "OrderGroupState",
    "OrderRecord",
    "SettlementRecord",
    "TradeRecord",
]

GROUP_WINDOW_MS: Final = 15_000


@dataclass(slots=True, eq=False, kw_only=True)
class OrderRecord(Compact):
    """One order, resting or final. ``initial`` is the total size (an amend sets it anew)."""

    order_id: str
    user_id: str
    ticker: str
    event_ticker: str
    side: BookSide
    price: int
    initial: int
    client_order_id: str | None
    time_in_force: str
    self_trade_prevention: str
    created_ms: int
    expiration_ms: int | None = None
    order_group_id: str | None = None
    post_only: bool = False
    cancel_on_pause: bool = False
    status: str = "resting"
    filled: int = 0
    remaining: int = 0
    updated_ms: int = 0
    taker_cost: int = 0
    maker_cost: int = 0
    fill_value: int = 0
    taker_accrued: int = 0
    maker_accrued: int = 0
    taker_fees: int = 0
    maker_fees: int = 0
    cost: int = 0  # its share of the account's collateral base while resting

    def charge_fee(self, coefficient: int, size: int, price: int, is_taker: bool) -> int:
        """Accrue one fill's exact fee; what to charge now, micro-dollars (``fees.py``)."""
        return charge_fill_fee(self, coefficient, size, price, is_taker)

    def add_fill_cost(self, size: int, price: int, is_taker: bool) -> None:
        add_fill_cost(self, size, price, is_taker)


@dataclass(frozen=True, slots=True)
class FillRecord(Compact):
    """One side of one trade, as the order's owner sees it (``fill_id`` is the trade's id)."""

    fill_id: str
    order_id: str
    user_id: str
    ticker: str
    side: BookSide
    price: int
    size: int
    is_taker: bool
    fee: int
    ts_ms: int


@dataclass(frozen=True, slots=True)
class TradeRecord(Compact):
    """One public trade at the maker's price; ``taker_side`` is the incoming order's side."""

    trade_id: str
    ticker: str
    price: int
    size: int
    taker_side: BookSide
    ts_ms: int


@dataclass(frozen=True, slots=True)
class SettlementRecord(Compact):
    """What one holder got when a market settled; ``revenue`` is in cents as on the wire."""

    ticker: str
    event_ticker: str
    result: str
    yes_count: int
    no_count: int
    yes_cost: int
    no_cost: int
    revenue_cents: int
    value_cents: int
    fee_cost: int
    ts_ms: int


@dataclass(slots=True)
class OrderGroupState:
    """An order group: member orders, and contracts matched over the rolling 15 s window."""

    group_id: str
    user_id: str
    limit: int | None
    created_ms: int
    blocked: bool = False
    members: dict[str, None] = field(default_factory=dict)
    window: deque[tuple[int, int]] = field(default_factory=deque)
    window_total: int = 0

    def record_match(self, size: int, now_ms: int) -> bool:
        """Count ``size`` matched now; True when the window has reached the limit."""
        self.window.append((now_ms, size))
        self.window_total += size
        self._trim(now_ms)
        return self.limit is not None and self.window_total >= self.limit

    def _trim(self, now_ms: int) -> None:
        window = self.window
        while window and window[0][0] <= now_ms - GROUP_WINDOW_MS:
            self.window_total -= window.popleft()[1]

    def reset(self) -> None:
        self.blocked = False
        self.window.clear()
        self.window_total = 0
