"""The matching engine's vocabulary and storage: requests, events, resting orders, book sides.

No I/O here, and no matching rules: the engine (``engine.py``) decides what trades; this module
defines what it speaks (``OrderRequest`` in; ``Accepted`` ... ``Amended`` out) and keeps resting
orders in price-time order so "what is best" is answered quickly.

Each side keeps a dict ``price -> _Level`` (a FIFO deque of orders plus their total size) and a
sorted list of *keys* with the best price last, so the best level is ``keys[-1]`` and draining it
is ``keys.pop()``. Bids use ``key = price``; asks use ``key = -price``. With that sign trick one
comparison serves both sides: a resting level crosses an incoming limit price ``p`` exactly when
``key >= sign * p``. Events are frozen so the feeds and the store can share them safely.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections import deque
from dataclasses import dataclass
from typing import Literal, TypeAlias

from kalshikit.sandbox.engine.compact import Compact

BookSide: TypeAlias = Literal["bid", "ask"]
TimeInForce: TypeAlias = Literal["good_till_canceled", "immediate_or_cancel", "fill_or_kill"]
SelfTradePrevention: TypeAlias = Literal["taker_at_cross", "maker"]

__all__ = [
    "Accepted",
    "Amended",
    "BookChanged",
    "BookSide",
    "Canceled",
    "Event",
    "Fill",
    "OrderRequest",
    "Rejected",
    "Rested",
    "RestingOrder",
    "SelfTradePrevention",
    "TimeInForce",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderRequest:
    """A new order as the engine sees it (YES book terms, validated prices)."""

    order_id: str
    owner: str
    side: BookSide
    price: int
    size: int
    time_in_force: TimeInForce = "good_till_canceled"
    post_only: bool = False
    reduce_only: bool = False
    self_trade_prevention: SelfTradePrevention = "taker_at_cross"
    client_order_id: str | None = None
    expiration_ms: int | None = None
    order_group_id: str | None = None


@dataclass(frozen=True, slots=True)
class Accepted:
    """The order exists (it may fill at once)."""

    order_id: str
    ticker: str


@dataclass(frozen=True, slots=True)
class Rejected:
    """Nothing changed; ``code`` is machine-readable, ``reason`` says what to do."""

    order_id: str
    ticker: str
    reason: str
    code: str


@dataclass(frozen=True, slots=True)
class Fill:
    """One trade between a resting maker order and the incoming taker, at the maker's price."""

    ticker: str
    trade_id: str
    price: int
    size: int
    maker_order_id: str
    maker_owner: str
    maker_side: BookSide
    taker_order_id: str
    taker_owner: str
    taker_side: BookSide
    maker_remaining: int
    taker_remaining: int


@dataclass(frozen=True, slots=True)
class BookChanged:
    """Resting size at one level changed by ``size_delta`` to ``new_size`` because of one order."""

    ticker: str
    side: BookSide
    price: int
    size_delta: int
    new_size: int
    client_order_id: str | None
    owner: str


@dataclass(frozen=True, slots=True)
class Rested:
    """The order's remainder now rests on the book."""

    order_id: str
    ticker: str
    remaining: int


@dataclass(frozen=True, slots=True)
class Canceled:
    """``reduced_by`` was taken off (or never filled); ``remaining`` is what still rests (0 = gone).

    Reasons: user, decrease, ioc_remainder, self_trade, expired, market_closed, or any reason the
    caller passes to ``cancel`` (e.g. group).
    """

    order_id: str
    ticker: str
    reduced_by: int
    reason: str
    remaining: int = 0


@dataclass(frozen=True, slots=True)
class Amended:
    """An amend took effect; ``requeued`` means it lost queue priority (it may then trade)."""

    order_id: str
    ticker: str
    old_price: int
    new_price: int
    old_remaining: int
    new_remaining: int
    requeued: bool


Event: TypeAlias = Accepted | Rejected | Fill | BookChanged | Rested | Canceled | Amended


# eq=False: orders are compared by identity, which keeps ``deque.remove`` cheap and exact.
@dataclass(slots=True, eq=False, kw_only=True)
class RestingOrder(Compact):
    """A live order of the engine: resting on the book, or the taker currently being matched.

    ``initial == filled + remaining + canceled``, where ``canceled`` counts what was taken off
    since the last amend (an amend sets ``initial`` to its new total size, filled included).
    """

    order_id: str
    owner: str
    side: BookSide
    price: int
    remaining: int
    initial: int
    filled: int
    seq: int
    client_order_id: str | None
    expiration_ms: int | None
    order_group_id: str | None
    ticker: str = ""
    self_trade_prevention: SelfTradePrevention = "taker_at_cross"
    post_only: bool = False

    @classmethod
    def from_request(cls, req: OrderRequest, ticker: str) -> RestingOrder:
        """A new live order for ``req``. Built slot by slot: this is the engine's hottest
        allocation, and the keyword-only ``__init__`` costs a third more per order."""
        order = cls.__new__(cls)
        order.order_id, order.owner, order.side = req.order_id, req.owner, req.side
        order.price, order.remaining, order.initial = req.price, req.size, req.size
        order.filled, order.seq, order.client_order_id = 0, 0, req.client_order_id
        order.expiration_ms, order.order_group_id = req.expiration_ms, req.order_group_id
        order.ticker, order.post_only = ticker, req.post_only
        order.self_trade_prevention = req.self_trade_prevention
        return order

    @property
    def canceled(self) -> int:
        """Size taken off without trading (since the last amend)."""
        return self.initial - self.filled - self.remaining


class _Level:
    """The orders resting at one price, oldest first, and their total remaining size."""

    __slots__ = ("orders", "total")

    def __init__(self) -> None:
        self.orders: deque[RestingOrder] = deque()
        self.total = 0


class _Side:
    """One side of a book: levels by price plus the sorted keys (best last)."""

    __slots__ = ("keys", "levels", "name", "sign")

    def __init__(self, name: BookSide) -> None:
        self.name: BookSide = name
        self.sign = 1 if name == "bid" else -1
        self.levels: dict[int, _Level] = {}
        self.keys: list[int] = []

    def best(self) -> int | None:
        """The best resting price, or None when the side is empty."""
        return self.keys[-1] * self.sign if self.keys else None

    def crosses(self, price: int) -> bool:
        """Whether an opposite order at ``price`` would trade against this side."""
        return bool(self.keys) and self.keys[-1] >= self.sign * price

    def append(self, order: RestingOrder) -> int:
        """Queue ``order`` at the back of its price level; returns the level's new total."""
        level = self.levels.get(order.price)
        if level is None:
            level = self.levels[order.price] = _Level()
            insort(self.keys, self.sign * order.price)
        level.orders.append(order)
        level.total += order.remaining
        return level.total

    def remove(self, order: RestingOrder) -> int:
        """Take ``order`` out of its level (dropping an emptied level); returns the new total."""
        level = self.levels[order.price]
        level.orders.remove(order)
        level.total -= order.remaining
        if not level.orders:
            self.drop_level(order.price)
        return level.total

    def reduce(self, order: RestingOrder, by: int) -> int:
        """Shrink a resting order in place (it keeps its queue place); returns the new total."""
        level = self.levels[order.price]
        order.remaining -= by
        level.total -= by
        return level.total

    def drop_level(self, price: int) -> None:
        """Forget an empty level."""
        del self.levels[price]
        keys = self.keys
        del keys[bisect_left(keys, self.sign * price)]

    def snapshot(self) -> list[tuple[int, int]]:
        """``(price, total size)`` per level, best first."""
        sign, levels = self.sign, self.levels
        return [(key * sign, levels[key * sign].total) for key in reversed(self.keys)]

    def ahead_of(self, order: RestingOrder) -> int:
        """Size resting ahead of ``order`` at its price."""
        ahead = 0
        for other in self.levels[order.price].orders:
            if other is order:
                return ahead
            ahead += other.remaining
        raise KeyError(order.order_id)

    def all_orders(self) -> list[RestingOrder]:
        """Every resting order of this side, best price first, then time."""
        sign, levels = self.sign, self.levels
        return [o for key in reversed(self.keys) for o in levels[key * sign].orders]


class _Book:
    """Both sides of one market."""

    __slots__ = ("ask", "bid", "ticker")

    def __init__(self, ticker: str) -> None:
        self.ticker = ticker
        self.bid = _Side("bid")
        self.ask = _Side("ask")

    def side(self, name: BookSide) -> _Side:
        return self.bid if name == "bid" else self.ask

    def opposite(self, name: BookSide) -> _Side:
        return self.ask if name == "bid" else self.bid
