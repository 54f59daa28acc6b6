"""Accounts: cash, positions, API keys, and the collateral rule. No I/O here.

A position is one signed number per (user, market): centi-contracts, positive = YES, negative =
NO. A fill first closes the opposite holding (a YES holder selling YES, a NO holder buying YES),
which pays out and realizes P&L against the average cost, then opens the rest.

Cash flows of a fill of ``s`` at YES price ``P`` (ticks; money in micro-dollars = ticks x centi):

* bid (buy YES): closing NO receives ``(1 - P) x s`` (the YES/NO pair is worth $1); opening YES
  pays ``P x s``;
* ask (sell YES = buy NO at 1 - P): closing YES receives ``P x s``; opening NO pays ``(1 - P) x s``.

Collateral: a resting bid at p needs p per contract, a resting ask at p needs 1 - p, except the
part that would close an existing position, which needs nothing. Orders claim the position in the
order they were placed, so an order only counts what earlier resting orders have not claimed.
On series with maker fees the most the resting rest could still be charged is held too.

So the write path stays O(1) per order, each account keeps per market the sum of its resting
orders' standalone costs (``base``, updated only for orders that changed) and subtracts what the
position covers, walking only the orders on the closing side until the position is used up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeVar

from kalshikit.auth import PublicKey, load_public_key
from kalshikit.netting import net_fill, standalone_cost, unit_cost
from kalshikit.sandbox.engine import Compact
from kalshikit.sandbox.exchange.listing import Listing
from kalshikit.sandbox.exchange.orders import (
    FillRecord,
    OrderGroupState,
    OrderRecord,
    SettlementRecord,
)
from kalshikit.units import TICKS_PER_DOLLAR

__all__ = ["Account", "ApiKey", "Position"]


@dataclass(slots=True)
class Position(Compact):
    """One user's holding in one market; money in micro-dollars."""

    ticker: str
    event_ticker: str
    size: int = 0
    cost: int = 0
    realized: int = 0
    fees: int = 0
    traded: int = 0
    volume: int = 0
    updated_ms: int = 0
    settled: bool = False

    def apply_fill(self, side: str, price: int, size: int, now_ms: int) -> int:
        """Net the fill into the position (``netting.py``); returns the cash it moves."""
        self.updated_ms = now_ms
        return net_fill(self, side, price, size)

    def settle(self, yes_won: bool, now_ms: int) -> int:
        """Pay $1 per winning contract and close the position; returns the payout."""
        winning = self.size if yes_won else -self.size
        # $1 a contract is 10000 micro-dollars a centi-contract: the price of $1 in ticks
        payout = max(winning, 0) * TICKS_PER_DOLLAR
        self.realized += payout - self.cost
        self.cost = 0
        self.size = 0
        self.settled = True
        self.updated_ms = now_ms
        return payout


K = TypeVar("K")


def _index(books: dict[K, dict[str, OrderRecord]], key: K, order: OrderRecord) -> None:
    book = books.get(key)
    if book is None:
        book = books[key] = {}
    book[order.order_id] = order


def _unindex(books: dict[K, dict[str, OrderRecord]], key: K, order_id: str) -> None:
    book = books.get(key)
    if book is not None and book.pop(order_id, None) is not None and not book:
        del books[key]


@dataclass(frozen=True, slots=True)
class ApiKey:
    key_id: str
    user_id: str
    public_key: PublicKey
    pem: str

    def __reduce__(self) -> tuple[object, ...]:
        # a key object does not pickle (snapshots): it is loaded again from its PEM
        return _api_key, (self.key_id, self.user_id, self.pem)


def _api_key(key_id: str, user_id: str, pem: str) -> ApiKey:
    return ApiKey(key_id, user_id, load_public_key(pem), pem)


@dataclass(slots=True)
class Account:
    """Everything one (sub)account owns. ``cash`` is the free cash on each shard (exchange
    index): Kalshi checks collateral per shard, so money on shard 0 cannot back an order on
    shard 1 until it is moved there. It excludes ``held`` (collateral of resting orders, per
    market, so on that market's shard)."""

    user_id: str
    cash: dict[int, int]
    updated_ms: int = 0
    positions: dict[str, Position] = field(default_factory=dict)
    held: dict[str, int] = field(default_factory=dict)
    resting: dict[str, dict[str, OrderRecord]] = field(default_factory=dict)
    sides: dict[tuple[str, str], dict[str, OrderRecord]] = field(default_factory=dict)
    base: dict[str, int] = field(default_factory=dict)
    orders: Listing[OrderRecord] = field(default_factory=Listing)
    order_index: dict[str, OrderRecord] = field(default_factory=dict)
    open_client_ids: dict[str, str] = field(default_factory=dict)
    fills: Listing[FillRecord] = field(default_factory=Listing)
    settlements: list[SettlementRecord] = field(default_factory=list)
    groups: dict[str, OrderGroupState] = field(default_factory=dict)

    def position(self, ticker: str, event_ticker: str) -> Position:
        found = self.positions.get(ticker)
        if found is None:
            found = self.positions[ticker] = Position(ticker, event_ticker)
        return found

    def position_size(self, ticker: str) -> int:
        found = self.positions.get(ticker)
        return 0 if found is None else found.size

    def add_resting(self, order: OrderRecord) -> None:
        """Index a resting order (idempotent: a re-queued order keeps its placement order)."""
        _index(self.resting, order.ticker, order)
        _index(self.sides, (order.ticker, order.side), order)
        if order.client_order_id:
            self.open_client_ids[order.client_order_id] = order.order_id

    def drop_resting(self, order: OrderRecord) -> None:
        _unindex(self.resting, order.ticker, order.order_id)
        _unindex(self.sides, (order.ticker, order.side), order.order_id)
        coid = order.client_order_id
        if coid and self.open_client_ids.get(coid) == order.order_id:
            del self.open_client_ids[coid]

    def recost(self, order: OrderRecord, maker_coefficient: int) -> None:
        """Bring the order's share of ``base`` (its standalone cost while resting) up to date."""
        cost = 0
        if order.status == "resting":
            cost = standalone_cost(
                order.side, order.price, order.remaining, maker_coefficient,
                order.maker_accrued, order.maker_fees,
            )  # fmt: skip
        if cost != order.cost:
            self.base[order.ticker] = self.base.get(order.ticker, 0) + cost - order.cost
            order.cost = cost

    def collateral_need(
        self, ticker: str, amended: OrderRecord | None = None, price: int = 0, remaining: int = 0
    ) -> int:
        """What the resting orders in ``ticker`` need: their standalone costs less what the
        position covers. ``amended`` (with ``price``/``remaining``) is counted on new terms,
        but only in the coverage: the caller adjusts ``base`` for it."""
        return self.base.get(ticker, 0) - self._covered(ticker, amended, price, remaining)

    def _covered(self, ticker: str, amended: OrderRecord | None, price: int, remaining: int) -> int:
        position = self.position_size(ticker)
        if position == 0:
            return 0
        side = "ask" if position > 0 else "bid"
        free, covered = abs(position), 0
        for order in self.sides.get((ticker, side), {}).values():
            terms = (price, remaining) if order is amended else (order.price, order.remaining)
            take = min(terms[1], free)
            covered += take * unit_cost(side, terms[0])
            free -= take
            if free == 0:
                break
        return covered

    def coverage_left(self, ticker: str, side: str) -> int:
        """Position a new order on ``side`` could still close without collateral."""
        position = self.position_size(ticker)
        free = position if side == "ask" else -position
        for order in self.sides.get((ticker, side), {}).values():
            if free <= 0:
                break
            free -= order.remaining
        return max(free, 0)

    def free(self, shard: int) -> int:
        """Free cash on ``shard``, in micro-dollars."""
        return self.cash.get(shard, 0)

    def add_cash(self, shard: int, micro: int) -> None:
        """Credit (or, negative, debit) ``shard``'s free cash; the caller checks it suffices."""
        self.cash[shard] = self.cash.get(shard, 0) + micro

    @property
    def total_free(self) -> int:
        return sum(self.cash.values())

    @property
    def total_held(self) -> int:
        return sum(self.held.values())
