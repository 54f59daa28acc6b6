"""The pure matching core of the sandbox: price-time priority limit order books on the YES book.

One job: given orders, cancels, decreases, amends and the time, say exactly what traded and how
the books changed, as a list of events in the order they happened. No I/O here, no clock, no
randomness, no accounts: the exchange layer owns collateral, fees and positions, validates prices
against the tick grid, and turns a NO bid at q into a YES ask at 1-q before calling in.

Units: prices are ints in ticks of $0.0001 (1..9999 trade; $1 = 10000), sizes are ints in
centi-contracts, time is an int ``now_ms`` from the caller.

Rules (Kalshi V2): a bid at p trades with asks <= p at the resting (maker) price, best price first,
then time. IOC cancels its unfilled rest; FOK fills completely at once or is Rejected with code
``fill_or_kill_insufficient`` (nothing changes); post-only is Rejected if it would cross;
reduce-only needs IOC (its position cap is the exchange layer's job). Self-trade prevention:
``taker_at_cross`` cancels the incoming order's rest when it reaches one of its owner's resting
orders (earlier fills stand); ``maker`` cancels that resting order and keeps matching.

Event order: every change is reported by an order event first, then the ``BookChanged`` it caused
(``Fill`` then the maker level's delta; ``Canceled`` then the delta; ``Rested`` then the delta).
A submit reads ``Accepted``, the fills, then ``Rested`` or ``Canceled`` for the rest. Orders whose
expiration has passed are expired at the start of ``submit``/``amend`` so nobody trades with them;
those ``Canceled(reason="expired")`` events come first.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable

from kalshikit.sandbox.engine.book import (
    Accepted,
    Amended,
    BookChanged,
    BookSide,
    Canceled,
    Event,
    Fill,
    OrderRequest,
    Rejected,
    Rested,
    RestingOrder,
    SelfTradePrevention,
    TimeInForce,
    _Book,
    _Side,
)

__all__ = [
    "MAX_PRICE",
    "MIN_PRICE",
    "Accepted",
    "Amended",
    "BookChanged",
    "BookSide",
    "Canceled",
    "Event",
    "Fill",
    "MatchingEngine",
    "OrderRequest",
    "Rejected",
    "Rested",
    "RestingOrder",
    "SelfTradePrevention",
    "TimeInForce",
]

MIN_PRICE = 1
MAX_PRICE = 9999
_GTC: TimeInForce = "good_till_canceled"
_TIME_IN_FORCE = frozenset(("good_till_canceled", "immediate_or_cancel", "fill_or_kill"))
_STP = frozenset(("taker_at_cross", "maker"))


class MatchingEngine:
    """One price-time priority book per market ticker; every method returns the events it caused."""

    def __init__(self) -> None:
        self._books: dict[str, _Book] = {}
        self._orders: dict[str, RestingOrder] = {}
        self._by_owner: dict[str, dict[str, RestingOrder]] = {}
        # every order id accepted (until ``forget``): a reused id is refused after it is done
        self._seen_ids: set[str] = set()
        # (expiration_ms, order_id); entries of orders already gone are skipped when popped
        self._expiries: list[tuple[int, str]] = []
        self._seq = 0
        self._trades = 0

    # ---------------------------------------------------------------- markets

    def add_market(self, ticker: str) -> None:
        """Open an empty book for ``ticker`` (no-op when it exists)."""
        if ticker not in self._books:
            self._books[ticker] = _Book(ticker)

    def has_market(self, ticker: str) -> bool:
        return ticker in self._books

    def remove_market(self, ticker: str) -> list[Event]:
        """Cancel every resting order of ``ticker`` (reason ``market_closed``) and drop its book."""
        book = self._books.get(ticker)
        if book is None:
            return []
        events: list[Event] = []
        for order in book.bid.all_orders() + book.ask.all_orders():
            self._cancel_resting(book, order, "market_closed", events)
        del self._books[ticker]
        return events

    # ---------------------------------------------------------------- submit

    def submit(self, ticker: str, req: OrderRequest, now_ms: int) -> list[Event]:
        """Accept, match and rest (or cancel the rest of) one new order."""
        events = self._expire_due(now_ms)
        refusal = self.refusal(ticker, req, now_ms)
        if req.order_id in self._seen_ids:
            refusal = "duplicate_order_id", f"order id {req.order_id!r} was already used"
        if refusal is not None:
            events.append(Rejected(req.order_id, ticker, refusal[1], refusal[0]))
            return events
        book = self._books[ticker]
        opposite = book.ask if req.side == "bid" else book.bid
        crosses = bool(opposite.keys) and opposite.keys[-1] >= opposite.sign * req.price
        order = self._new_order(ticker, req)
        events.append(Accepted(req.order_id, ticker))
        self._execute(book, order, req.time_in_force, crosses, events)
        return events

    def refusal(self, ticker: str, req: OrderRequest, now_ms: int) -> tuple[str, str] | None:
        """``(code, reason)`` when ``submit`` would reject ``req`` against the books as they
        are (orders due to expire by ``now_ms`` aside), its id aside; None when it would
        accept it. Changes nothing, so a caller can check before it commits to the order."""
        refusal = self._refusal(ticker, req, now_ms)
        if refusal is not None:
            return refusal
        opposite = self._books[ticker].opposite(req.side)
        return _crossing_refusal(opposite, req, opposite.crosses(req.price))

    def _new_order(self, ticker: str, req: OrderRequest) -> RestingOrder:
        self._seen_ids.add(req.order_id)
        return RestingOrder.from_request(req, ticker)

    def _execute(
        self, book: _Book, order: RestingOrder, tif: str, crosses: bool, events: list[Event]
    ) -> None:
        """Match ``order`` as taker, then rest it or cancel what is left."""
        stopped = crosses and self._match(book, order, events)
        if order.remaining == 0:
            return
        if stopped:
            self._kill(order, "self_trade", events)
        elif tif == _GTC:
            self._rest(book, order, events)
        else:
            self._kill(order, "ioc_remainder", events)

    def _kill(self, order: RestingOrder, reason: str, events: list[Event]) -> None:
        """Cancel the unfilled rest of an order that is not on the book."""
        events.append(Canceled(order.order_id, order.ticker, order.remaining, reason, 0))
        order.remaining = 0

    def _rest(self, book: _Book, order: RestingOrder, events: list[Event]) -> None:
        side = book.bid if order.side == "bid" else book.ask
        self._seq += 1
        order.seq = self._seq
        total = side.append(order)
        self._orders[order.order_id] = order
        owned = self._by_owner.get(order.owner)
        if owned is None:
            owned = self._by_owner[order.owner] = {}
        owned[order.order_id] = order
        if order.expiration_ms is not None:
            heapq.heappush(self._expiries, (order.expiration_ms, order.order_id))
        events.append(Rested(order.order_id, order.ticker, order.remaining))
        events.append(_book_change(order, order.remaining, total))

    def _refusal(self, ticker: str, req: OrderRequest, now_ms: int) -> tuple[str, str] | None:
        """``(code, reason)`` when ``req`` must be refused before touching the book."""
        if ticker not in self._books:
            return "unknown_market", f"no open book for market {ticker!r}"
        if req.side not in ("bid", "ask"):
            return "invalid_side", f"side must be 'bid' or 'ask', not {req.side!r}"
        if not MIN_PRICE <= req.price <= MAX_PRICE:
            return "invalid_price", f"price must be {MIN_PRICE}..{MAX_PRICE} ticks, not {req.price}"
        if req.size <= 0:
            return "invalid_size", f"size must be at least 1 centi-contract, not {req.size}"
        return self._refusal_of_options(req, now_ms)

    @staticmethod
    def _refusal_of_options(req: OrderRequest, now_ms: int) -> tuple[str, str] | None:
        tif = req.time_in_force
        if tif not in _TIME_IN_FORCE:
            return "invalid_time_in_force", f"unknown time_in_force {tif!r}"
        if req.self_trade_prevention not in _STP:
            return "invalid_self_trade_prevention", f"unknown {req.self_trade_prevention!r}"
        if req.reduce_only and tif != "immediate_or_cancel":
            return "reduce_only_requires_ioc", "reduce_only orders must be immediate_or_cancel"
        if req.expiration_ms is not None and tif != _GTC:
            return "expiration_with_ioc", "an expiration is only allowed with good_till_canceled"
        if req.expiration_ms is not None and req.expiration_ms <= now_ms:
            return "expired", f"expiration {req.expiration_ms} is not after now ({now_ms})"
        return None

    # ---------------------------------------------------------------- matching

    def _match(self, book: _Book, taker: RestingOrder, events: list[Event]) -> bool:
        """Trade ``taker`` against the opposite side; True if self-trade prevention stopped it.

        Kept as one inline loop (no helper call per fill): it runs for every crossing order and
        is the engine's hot path.
        """
        half = book.ask if taker.side == "bid" else book.bid
        keys, levels, sign, maker_side = half.keys, half.levels, half.sign, half.name
        limit = sign * taker.price
        ticker, owner, orders, owned = book.ticker, taker.owner, self._orders, self._by_owner
        cancel_maker = taker.self_trade_prevention == "maker"
        while keys and keys[-1] >= limit:
            price = keys[-1] * sign
            level = levels[price]
            queue = level.orders
            while queue:
                maker = queue[0]
                if maker.owner == owner:
                    if not cancel_maker:
                        return True
                    queue.popleft()
                    del orders[maker.order_id], owned[owner][maker.order_id]
                    level.total -= maker.remaining
                    events.append(
                        Canceled(maker.order_id, ticker, maker.remaining, "self_trade", 0)
                    )
                    events.append(
                        BookChanged(
                            ticker, maker_side, price, -maker.remaining, level.total,
                            maker.client_order_id, owner,
                        )
                    )  # fmt: skip
                    maker.remaining = 0
                    continue
                size = maker.remaining if maker.remaining < taker.remaining else taker.remaining
                maker.remaining -= size
                maker.filled += size
                taker.remaining -= size
                taker.filled += size
                level.total -= size
                self._trades += 1
                events.append(
                    Fill(
                        ticker, f"T{self._trades}", price, size, maker.order_id, maker.owner,
                        maker_side, taker.order_id, owner, taker.side, maker.remaining,
                        taker.remaining,
                    )
                )  # fmt: skip
                events.append(
                    BookChanged(
                        ticker, maker_side, price, -size, level.total, maker.client_order_id,
                        maker.owner,
                    )
                )  # fmt: skip
                if maker.remaining == 0:
                    queue.popleft()
                    del orders[maker.order_id], owned[maker.owner][maker.order_id]
                if taker.remaining == 0:
                    break
            if not queue:
                del levels[price]
                keys.pop()
            if taker.remaining == 0:
                return False
        return False

    # ---------------------------------------------------------------- cancel / decrease

    def cancel(self, order_id: str, *, reason: str = "user") -> list[Event]:
        """Take a resting order off the book; an unknown id gives ``[]``."""
        order = self._orders.get(order_id)
        if order is None:
            return []
        events: list[Event] = []
        self._cancel_resting(self._books[order.ticker], order, reason, events)
        return events

    def _cancel_resting(
        self, book: _Book, order: RestingOrder, reason: str, events: list[Event]
    ) -> None:
        side = book.side(order.side)
        total = side.remove(order)
        self._forget(order)
        removed = order.remaining
        order.remaining = 0
        events.append(Canceled(order.order_id, order.ticker, removed, reason, 0))
        events.append(_book_change(order, -removed, total))

    def _forget(self, order: RestingOrder) -> None:
        del self._orders[order.order_id]
        del self._by_owner[order.owner][order.order_id]

    def decrease(
        self, order_id: str, *, reduce_by: int | None = None, reduce_to: int | None = None
    ) -> list[Event]:
        """Shrink a resting order in place (it keeps its queue priority); to 0 cancels it.

        Exactly one of ``reduce_by`` / ``reduce_to`` (the remaining size wanted). Reducing by
        more than what rests cancels the order. Unknown id gives ``[]``.
        """
        if (reduce_by is None) == (reduce_to is None):
            raise ValueError("pass exactly one of reduce_by and reduce_to")
        order = self._orders.get(order_id)
        if order is None:
            return []
        target = reduce_to if reduce_by is None else max(0, order.remaining - reduce_by)
        if target is None or not 0 <= target < order.remaining:
            reason = f"a decrease must leave 0 to {order.remaining - 1} of the {order.remaining}"
            return [Rejected(order_id, order.ticker, reason, "invalid_size")]
        events: list[Event] = []
        if target == 0:
            self._cancel_resting(self._books[order.ticker], order, "decrease", events)
            return events
        by = order.remaining - target
        total = self._books[order.ticker].side(order.side).reduce(order, by)
        return [
            Canceled(order_id, order.ticker, by, "decrease", order.remaining),
            _book_change(order, -by, total),
        ]

    # ---------------------------------------------------------------- amend

    def amend(self, order_id: str, *, price: int, size: int, now_ms: int) -> list[Event]:
        """Change a resting order's price and/or total size (filled + wanted remaining).

        Same price and a smaller size keeps queue priority; a price change or a size increase
        re-queues the order at the back of its (new) level, where it may cross and trade as a
        taker. Unknown id gives ``[]``; if the order expired at ``now_ms`` only the expiry shows.
        """
        events = self._expire_due(now_ms)
        order = self._orders.get(order_id)
        if order is None:
            return events
        new_remaining = size - order.filled
        refusal = self.amend_refusal(order_id, price=price, size=size)
        if refusal is not None:
            events.append(Rejected(order_id, order.ticker, refusal[1], refusal[0]))
            return events
        book = self._books[order.ticker]
        requeue = price != order.price or new_remaining > order.remaining
        events.append(
            Amended(
                order_id, order.ticker, order.price, price, order.remaining, new_remaining,
                requeue,
            )
        )  # fmt: skip
        if requeue:
            self._requeue(book, order, price, new_remaining, events)
        elif new_remaining < order.remaining:
            # keeps priority; only the level delta is reported (Amended already says why)
            by = order.remaining - new_remaining
            events.append(_book_change(order, -by, book.side(order.side).reduce(order, by)))
        order.initial = size
        return events

    def amend_refusal(self, order_id: str, *, price: int, size: int) -> tuple[str, str] | None:
        """``(code, reason)`` when ``amend`` would reject these terms for the resting order
        (None for an unknown id, which ``amend`` ignores); changes nothing."""
        order = self._orders.get(order_id)
        if order is None:
            return None
        new_remaining = size - order.filled
        if not MIN_PRICE <= price <= MAX_PRICE:
            return "invalid_price", f"price must be {MIN_PRICE}..{MAX_PRICE} ticks, not {price}"
        if new_remaining <= 0:
            return "invalid_size", f"new total size must exceed the {order.filled} already filled"
        opposite = self._books[order.ticker].opposite(order.side)
        if order.post_only and price != order.price and opposite.crosses(price):
            return "post_only_cross", "a post-only order cannot be amended to a crossing price"
        return None

    def _requeue(
        self, book: _Book, order: RestingOrder, price: int, remaining: int, events: list[Event]
    ) -> None:
        """Lift the order off, reprice/resize it and submit it again as GTC (it may trade)."""
        total = book.side(order.side).remove(order)
        self._forget(order)
        events.append(_book_change(order, -order.remaining, total))
        order.price = price
        order.remaining = remaining
        crosses = book.opposite(order.side).crosses(price)
        self._execute(book, order, _GTC, crosses, events)

    # ---------------------------------------------------------------- expiry

    def expire(self, now_ms: int) -> list[Event]:
        """Cancel every resting GTC order whose ``expiration_ms <= now_ms`` (reason ``expired``)."""
        return self._expire_due(now_ms)

    def _expire_due(self, now_ms: int) -> list[Event]:
        events: list[Event] = []
        expiries = self._expiries
        while expiries and expiries[0][0] <= now_ms:
            expiration_ms, order_id = heapq.heappop(expiries)
            order = self._orders.get(order_id)
            if order is not None and order.expiration_ms == expiration_ms:
                self._cancel_resting(self._books[order.ticker], order, "expired", events)
        return events

    # ---------------------------------------------------------------- reads

    def forget(self, order_ids: Iterable[str]) -> None:
        """Stop remembering these done orders' ids (resting ones are kept): for a caller that
        never reuses ids and must not hold every id it ever used (the sandbox's retention)."""
        for order_id in order_ids:
            if order_id not in self._orders:
                self._seen_ids.discard(order_id)

    def get_order(self, order_id: str) -> RestingOrder | None:
        """The resting order with this id, or None (unknown, filled or canceled)."""
        return self._orders.get(order_id)

    def orders_of(self, owner: str) -> Iterable[RestingOrder]:
        """A snapshot of ``owner``'s resting orders, in the order they (last) joined the book."""
        return list(self._by_owner.get(owner, {}).values())

    def resting_orders(self) -> Iterable[RestingOrder]:
        """A snapshot of every resting order, in every market."""
        return list(self._orders.values())

    def levels(self, ticker: str, side: BookSide) -> list[tuple[int, int]]:
        """``(price, total size)`` per level of one side, best first."""
        return self._book(ticker).side(side).snapshot()

    def best_bid(self, ticker: str) -> int | None:
        return self._book(ticker).bid.best()

    def best_ask(self, ticker: str) -> int | None:
        return self._book(ticker).ask.best()

    def queue_position(self, order_id: str) -> int:
        """Centi-contracts resting ahead of this order at its price (KeyError if not resting)."""
        order = self._orders.get(order_id)
        if order is None:
            raise KeyError(f"order {order_id!r} is not resting")
        return self._books[order.ticker].side(order.side).ahead_of(order)

    def _book(self, ticker: str) -> _Book:
        book = self._books.get(ticker)
        if book is None:
            raise KeyError(f"no book for market {ticker!r}; call add_market first")
        return book


def _book_change(order: RestingOrder, delta: int, new_size: int) -> BookChanged:
    """The level change ``order`` just caused at its price."""
    return BookChanged(
        order.ticker, order.side, order.price, delta, new_size, order.client_order_id, order.owner
    )


def _crossing_refusal(opposite: _Side, req: OrderRequest, crosses: bool) -> tuple[str, str] | None:
    """``(code, reason)`` when post-only or fill-or-kill forbid ``req`` against this book."""
    if crosses and req.post_only:
        return "post_only_cross", "a post-only order may not cross the book; it would trade"
    if req.time_in_force == "fill_or_kill" and not (
        crosses
        and _fillable(opposite, req.owner, req.price, req.self_trade_prevention, req.size)
        >= req.size
    ):
        return "fill_or_kill_insufficient", "not enough crossing size to fill it all at once"
    return None


def _fillable(half: _Side, owner: str, price: int, stp: str, wanted: int) -> int:
    """Size an order could fill right now against ``half``, up to ``wanted`` (for FOK).

    Honours self-trade prevention: with ``taker_at_cross`` matching would stop at the owner's
    first resting order; with ``maker`` the owner's orders would be canceled, so they don't count.
    """
    sign, levels, limit = half.sign, half.levels, half.sign * price
    total = 0
    for key in reversed(half.keys):
        if key < limit:
            break
        for maker in levels[key * sign].orders:
            if maker.owner == owner:
                if stp == "taker_at_cross":
                    return total
                continue
            total += maker.remaining
            if total >= wanted:
                return total
    return total
