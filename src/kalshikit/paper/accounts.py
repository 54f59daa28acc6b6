"""Paper accounts: cash, positions, resting orders and the collateral they hold. No I/O here.

The rules are the sandbox's (``sandbox/exchange/accounts.py``), so paper and sandbox agree:

* A position is one signed number per market, centi-contracts, positive YES, negative NO. A fill
  first closes the opposite holding, then opens the rest. A bid (buy YES) at YES price ``P``
  closing NO receives ``(1 - P)`` a contract (the YES/NO pair is worth $1), opening YES pays
  ``P``; an ask (buy NO at ``1 - P``) closing YES receives ``P``, opening NO pays ``1 - P``.
  Money is micro-dollars = ticks x centi-contracts.
* Collateral: a resting bid at p holds p a contract, a resting ask 1 - p, except the part that
  would close the position, which holds nothing; orders claim the position in the order they
  were placed. On series with maker fees the most the rest could still be charged is held too.
  ``free`` cash excludes ``held``; an order whose need exceeds ``free`` is refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kalshikit.netting import net_fill, standalone_cost, unit_cost
from kalshikit.paper.records import PaperFill, PaperOrder, PaperSettlement
from kalshikit.units import TICKS_PER_DOLLAR

__all__ = ["PaperAccount", "PaperPosition", "order_cost"]


@dataclass(slots=True)
class PaperPosition:
    """One account's holding in one market; money in micro-dollars."""

    ticker: str
    size: int = 0
    cost: int = 0
    realized: int = 0
    fees: int = 0
    traded: int = 0
    volume: int = 0
    updated_ns: int = 0
    settled: bool = False

    def apply_fill(self, side: str, price: int, size: int, now_ns: int) -> int:
        """Net the fill into the position (``netting.py``); returns the cash it moves."""
        self.updated_ns = now_ns
        return net_fill(self, side, price, size)

    def settle(self, yes_value: int | None, now_ns: int) -> int:
        """Close the position at ``yes_value`` ticks a YES contract (a NO gets the rest of $1);
        None voids the market: the cost is refunded. Returns the payout."""
        if yes_value is None:
            payout = self.cost
        elif self.size > 0:
            payout = self.size * yes_value
        else:
            payout = -self.size * (TICKS_PER_DOLLAR - yes_value)
        self.realized += payout - self.cost
        self.cost = 0
        self.size = 0
        self.settled = True
        self.updated_ns = now_ns
        return payout


def order_cost(order: PaperOrder, maker: int) -> int:
    """What a resting order needs ignoring the position (``netting.standalone_cost``)."""
    return standalone_cost(order.side, order.price, order.remaining, maker,
                           order.maker_accrued, order.maker_fees)  # fmt: skip


@dataclass(slots=True)
class PaperAccount:
    """Everything one paper account owns. ``cash`` is free cash: ``held`` (per market) is the
    collateral of its resting orders, already taken out of it."""

    name: str
    cash: int
    updated_ns: int = 0
    positions: dict[str, PaperPosition] = field(default_factory=dict)
    held: dict[str, int] = field(default_factory=dict)
    orders: dict[str, PaperOrder] = field(default_factory=dict)
    # the resting orders by market, oldest first: scans touch one market's, never history
    live: dict[str, dict[str, PaperOrder]] = field(default_factory=dict)
    live_ids: set[str] = field(default_factory=set)  # their client_order_ids (no duplicates)
    fills: list[PaperFill] = field(default_factory=list)
    settlements: list[PaperSettlement] = field(default_factory=list)

    def position(self, ticker: str) -> PaperPosition:
        found = self.positions.get(ticker)
        if found is None:
            found = self.positions[ticker] = PaperPosition(ticker)
        return found

    def position_size(self, ticker: str) -> int:
        found = self.positions.get(ticker)
        return 0 if found is None else found.size

    def add_order(self, order: PaperOrder) -> None:
        self.orders[order.order_id] = order
        self.live.setdefault(order.ticker, {})[order.order_id] = order
        self.live_ids.add(order.client_order_id)

    def retire(self, order: PaperOrder) -> None:
        """An order that no longer rests leaves the live index (a backtest's many finished
        orders must not slow every scan)."""
        market = self.live.get(order.ticker)
        if market is not None and market.pop(order.order_id, None) is not None:
            self.live_ids.discard(order.client_order_id)
            if not market:
                del self.live[order.ticker]

    def resting(self, ticker: str | None = None) -> list[PaperOrder]:
        """Resting orders (active or waiting out their latency), oldest first."""
        if ticker is not None:
            market = self.live.get(ticker)
            return [] if market is None else [o for o in market.values() if o.is_resting]
        found = [o for market in self.live.values() for o in market.values() if o.is_resting]
        return sorted(found, key=lambda order: order.seq)

    def coverage_left(self, ticker: str, side: str) -> int:
        """Position a new order on ``side`` could still close without collateral."""
        position = self.position_size(ticker)
        free = position if side == "ask" else -position
        for order in self.resting(ticker):
            if order.side == side:
                free -= order.remaining
        return max(free, 0)

    def collateral_need(self, ticker: str, maker: int) -> int:
        """What the resting orders in ``ticker`` need: their standalone costs less what the
        position covers (claimed by the closing side's orders, oldest first)."""
        orders = self.resting(ticker)
        need = sum(order_cost(o, maker) for o in orders)
        position = self.position_size(ticker)
        closing_side = "ask" if position > 0 else "bid"
        free = abs(position)
        for order in orders:
            if free == 0:
                break
            if order.side == closing_side:
                take = min(order.remaining, free)
                need -= take * unit_cost(order.side, order.price)
                free -= take
        return need

    def rebalance(self, ticker: str, maker: int, now_ns: int) -> None:
        """Hold exactly what ``ticker``'s resting orders need; the difference moves to cash."""
        need = self.collateral_need(ticker, maker)
        held = self.held.pop(ticker, 0)
        self.cash += held - need
        if need:
            self.held[ticker] = need
        self.updated_ns = now_ns

    def portfolio_value(self, last_prices: dict[str, int]) -> int:
        """Open positions marked at each market's last trade price (at cost before any)."""
        value = 0
        for position in self.positions.values():
            last = last_prices.get(position.ticker)
            if position.size == 0:
                continue
            if last is None:
                value += position.cost
            elif position.size > 0:
                value += position.size * last
            else:
                value += -position.size * (TICKS_PER_DOLLAR - last)
        return value

    @property
    def total_held(self) -> int:
        return sum(self.held.values())
