"""Portfolio wire structs: balance, fills, positions, settlements, and their envelopes. No I/O here.

Money is mostly ``*_dollars`` strings now; ``balance``, ``portfolio_value``, ``revenue``, ``value``
and ``total_resting_order_value`` are still integer cents. January integers that a current field
replaced are kept under ``_cents`` / ``_int`` attributes (wire names unchanged).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TypeAlias

import msgspec

from kalshikit.models.base import WireModel, contracts_of, price_of
from kalshikit.units import Contracts, Price, money_from_cents, parse_money

__all__ = [
    "Balance",
    "BalanceBreakdown",
    "BalanceResponse",
    "EventPosition",
    "Fill",
    "FillsPage",
    "MarketPosition",
    "PositionsPage",
    "Settlement",
    "SettlementsPage",
    "TotalRestingOrderValue",
]


class BalanceBreakdown(WireModel, kw_only=True, frozen=True):
    """One shard's share of a balance (SDK ``IndexedBalance``); ``balance`` is dollars here."""

    exchange_index: int
    balance: str


class Balance(WireModel, kw_only=True, frozen=True):
    """``GET /portfolio/balance``. ``balance_cents`` is the wire's ``balance`` (integer cents)."""

    balance_cents: int = msgspec.field(name="balance")
    balance_dollars: str | None = None
    portfolio_value: int
    updated_ts: int
    balance_breakdown: list[BalanceBreakdown] | None = None

    @property
    def balance(self) -> Decimal:
        """Available balance in dollars: ``balance_dollars``, else the integer cents."""
        if self.balance_dollars is not None:
            return parse_money(self.balance_dollars)
        return money_from_cents(self.balance_cents)


BalanceResponse: TypeAlias = Balance
"""The balance endpoint's body is the balance itself."""


class TotalRestingOrderValue(WireModel, kw_only=True, frozen=True):
    """``GET /portfolio/summary/total_resting_order_value`` (FCM members only), in cents."""

    total_resting_order_value: int
    resting_order_value_breakdown: list[BalanceBreakdown] = msgspec.field(default_factory=list)


class Fill(WireModel, kw_only=True, frozen=True):
    """One fill of one of your orders. ``trade_id`` equals ``fill_id``; ``market_ticker`` equals
    ``ticker``. January fills carried dollar prices as ``*_price_fixed``."""

    fill_id: str
    exchange_index: int | None = None
    trade_id: str
    order_id: str
    ticker: str
    market_ticker: str
    side: str | None = None
    action: str | None = None
    outcome_side: str = ""
    book_side: str = ""
    count_fp: str | None = None
    yes_price_dollars: str | None = None
    no_price_dollars: str | None = None
    is_taker: bool
    created_time: datetime | None = None
    fee_cost: str | None = None
    subaccount_number: int | None = None
    ts: int | None = None
    # January 2026 fields, replaced by count_fp / *_price_dollars.
    yes_price_fixed: str | None = None
    no_price_fixed: str | None = None
    count_int: int | None = msgspec.field(default=None, name="count")
    yes_price_cents: int | None = msgspec.field(default=None, name="yes_price")
    no_price_cents: int | None = msgspec.field(default=None, name="no_price")

    @property
    def count(self) -> Contracts | None:
        return contracts_of(self.count_fp, self.count_int)

    @property
    def yes_price(self) -> Price | None:
        """``yes_price_dollars``, else January's ``yes_price_fixed``, else its cents."""
        dollars = self.yes_price_dollars
        return price_of(self.yes_price_fixed if dollars is None else dollars, self.yes_price_cents)


class FillsPage(WireModel, kw_only=True, frozen=True):
    """``GET /portfolio/fills`` and ``GET /historical/fills``."""

    fills: list[Fill]
    cursor: str = ""


class MarketPosition(WireModel, kw_only=True, frozen=True):
    """Your position in one market; ``position_fp`` is signed (negative = NO)."""

    ticker: str
    exchange_index: int | None = None
    total_traded_dollars: str
    position_fp: str | None = None
    market_exposure_dollars: str
    realized_pnl_dollars: str
    fees_paid_dollars: str
    last_updated_ts: datetime
    # January 2026 integer count, replaced by position_fp.
    position_int: int | None = msgspec.field(default=None, name="position")

    @property
    def position(self) -> Contracts | None:
        """Signed contracts held: ``position_fp``, else January's integer."""
        return contracts_of(self.position_fp, self.position_int)


class EventPosition(WireModel, kw_only=True, frozen=True):
    """Your position summed over one event."""

    event_ticker: str
    total_cost_dollars: str
    total_cost_shares_fp: str | None = None
    event_exposure_dollars: str
    realized_pnl_dollars: str
    fees_paid_dollars: str
    # January 2026 integer count, replaced by total_cost_shares_fp.
    total_cost_shares_int: int | None = msgspec.field(default=None, name="total_cost_shares")


class PositionsPage(WireModel, kw_only=True, frozen=True):
    """``GET /portfolio/positions`` and ``GET /historical/positions``; paged by event."""

    cursor: str | None = None
    market_positions: list[MarketPosition]
    event_positions: list[EventPosition]


class Settlement(WireModel, kw_only=True, frozen=True):
    """One settled market. ``revenue`` and ``value`` (payout per YES contract) are cents."""

    ticker: str
    exchange_index: int | None = None
    event_ticker: str
    market_result: str
    yes_count_fp: str | None = None
    yes_total_cost_dollars: str | None = None
    no_count_fp: str | None = None
    no_total_cost_dollars: str | None = None
    revenue: int
    settled_time: datetime
    fee_cost: str
    value: int | None = None
    # January 2026 integers, replaced by the *_fp / *_dollars fields above.
    yes_count_int: int | None = msgspec.field(default=None, name="yes_count")
    no_count_int: int | None = msgspec.field(default=None, name="no_count")
    yes_total_cost_cents: int | None = msgspec.field(default=None, name="yes_total_cost")
    no_total_cost_cents: int | None = msgspec.field(default=None, name="no_total_cost")


class SettlementsPage(WireModel, kw_only=True, frozen=True):
    """``GET /portfolio/settlements`` (no archived records)."""

    settlements: list[Settlement]
    cursor: str | None = None
