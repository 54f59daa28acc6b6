"""What the risk guard is told about the account: the ``RiskView`` protocol the runner keeps,
``MemoryView`` (a plain one, kept in dicts), and the order arithmetic both sides share.

Exact units: sizes in centi-contracts, prices in ticks of $0.0001, money in micro-dollars
(1 tick x 1 centi-contract = 1 micro-dollar).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol

from kalshikit.orderbook import OrderBook
from kalshikit.units import TICKS_PER_DOLLAR, Action, Price, Side

__all__ = ["MemoryView", "RestingOrder", "RiskView", "direction", "worst_cost_micro"]


class RestingOrder(NamedTuple):
    """An open order as the guard sees it: the price is of the side it names."""

    ticker: str
    side: Side
    action: Action
    price: Price
    remaining: int  # centi-contracts


class RiskView(Protocol):
    """What the runner tells the guard about the account, right now."""

    def position(self, ticker: str) -> int:
        """Signed centi-contracts: + YES, - NO."""
        ...

    def positions(self) -> Mapping[str, int]:
        """Every market with a position (the event rules sum over them)."""
        ...

    def cost_micro(self, ticker: str) -> int:
        """What the open position cost (Kalshi's market exposure): the most it can lose."""
        ...

    def resting(self, ticker: str | None) -> Sequence[RestingOrder]:
        """Open orders in ``ticker``, or in every market for None."""
        ...

    def event_of(self, ticker: str) -> str | None: ...

    def book(self, ticker: str) -> OrderBook | None: ...

    def day_pnl_micro(self) -> int:
        """Today's realized P&L plus the unrealized, marked to market."""
        ...


@dataclass
class MemoryView:
    """A RiskView kept in plain dicts and lists (tests, paper trading, simple runners)."""

    held: dict[str, int] = field(default_factory=dict)
    costs: dict[str, int] = field(default_factory=dict)
    orders: list[RestingOrder] = field(default_factory=list)
    events: dict[str, str] = field(default_factory=dict)
    books: dict[str, OrderBook] = field(default_factory=dict)
    pnl_micro: int = 0

    def position(self, ticker: str) -> int:
        return self.held.get(ticker, 0)

    def positions(self) -> Mapping[str, int]:
        return {ticker: size for ticker, size in self.held.items() if size}

    def cost_micro(self, ticker: str) -> int:
        return self.costs.get(ticker, 0)

    def resting(self, ticker: str | None) -> Sequence[RestingOrder]:
        return [o for o in self.orders if ticker is None or o.ticker == ticker]

    def event_of(self, ticker: str) -> str | None:
        return self.events.get(ticker)

    def book(self, ticker: str) -> OrderBook | None:
        return self.books.get(ticker)

    def day_pnl_micro(self) -> int:
        return self.pnl_micro


def direction(side: Side, action: Action) -> int:
    """+1 when the order moves the signed position toward YES, -1 toward NO."""
    return 1 if (side == "yes") == (action == "buy") else -1


def worst_cost_micro(side: Side, action: Action, price: Price, centi: int) -> int:
    """What an order pays when it opens risk: the price of the side it buys (selling YES at p
    is buying NO at 1 - p)."""
    paid = price.ticks if action == "buy" else TICKS_PER_DOLLAR - price.ticks
    return paid * centi
