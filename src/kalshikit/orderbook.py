"""The local order book of one market: snapshot + deltas, kept exact. No I/O here.

Kalshi's book holds bids only: YES bids and NO bids. A NO bid at q is a YES ask at 1 - q, so the
asks of one side are derived from the bids of the other. Inside, a price is an int of ticks
($0.0001) and a size an int of centi-contracts; ``Price``, ``Contracts`` and ``Decimal`` appear only
at the public edges. Time is passed in (``now_ms``); nothing here reads a clock.

Integrity is visible: :attr:`OrderBook.trusted` is false until a snapshot is applied, after
:meth:`OrderBook.mark_stale`, and after any delta or snapshot that could not be applied (the book
then no longer matches the exchange); the next good snapshot makes it true again.
"""

from __future__ import annotations

import bisect
import logging
from collections.abc import Callable, Iterable, Iterator
from decimal import Context, Decimal
from typing import Final, NamedTuple

from kalshikit.errors import BookIntegrityError, KalshiError, ValidationError
from kalshikit.models.orderbook import Level, OrderbookLevels
from kalshikit.units import (
    TICKS_PER_DOLLAR,
    Contracts,
    Price,
    Side,
    centi_to_fp,
    dollars_to_ticks,
    fp_to_centi,
    parse_side,
    ticks_to_dollars,
)

__all__ = ["BookIntegrityError", "Fill", "OrderBook", "UpdateCallback"]

UpdateCallback = Callable[["OrderBook"], None]
CallbackErrorHook = Callable[["OrderBook", Exception], None]
_log = logging.getLogger("kalshikit.orderbook")

_MONEY_PLACES: Final = 6  # ticks ($1e-4) times centi-contracts (1e-2) are micro-dollars
# VWAPs such as 4.90 / 12 do not terminate; a fixed context keeps them independent of the
# caller's thread-local decimal context
_VWAP_CONTEXT: Final = Context(prec=28)


class Fill(NamedTuple):
    """The result of walking the book: dollars paid or received, VWAP, and contracts filled.

    ``filled`` is less than asked when the book is not deep enough; ``vwap`` is None when
    nothing fills.
    """

    total: Decimal
    vwap: Decimal | None
    filled: Contracts


class _Ladder:
    """The bids of one side: size by price, plus the prices kept sorted for O(log n) best."""

    __slots__ = ("prices", "sizes")

    def __init__(self) -> None:
        self.sizes: dict[int, int] = {}
        self.prices: list[int] = []  # ascending; the best bid is last

    def replace(self, sizes: dict[int, int]) -> None:
        self.sizes = sizes
        self.prices = sorted(sizes)

    def change(self, price: int, delta: int) -> None:
        """``level += delta``; drops the level at 0. The caller has checked it stays >= 0."""
        old = self.sizes.get(price, 0)
        new = old + delta
        if new == 0:
            if old:
                del self.sizes[price]
                del self.prices[bisect.bisect_left(self.prices, price)]
            return
        if not old:
            bisect.insort(self.prices, price)
        self.sizes[price] = new

    def best(self) -> int | None:
        return self.prices[-1] if self.prices else None

    def walk(self) -> Iterator[tuple[int, int]]:
        """(price, size) pairs, best (highest) first."""
        sizes = self.sizes
        return ((price, sizes[price]) for price in reversed(self.prices))


def _check_ticks(price: int) -> int:
    if type(price) is not int or not 0 <= price <= TICKS_PER_DOLLAR:
        raise ValidationError(f"a book price must be 0..10000 ticks of $0.0001, got {price!r}")
    return price


def _no_terms(price: int, side: Side, yes_terms: bool) -> int:
    # with use_yes_price the NO side arrives priced as the YES ask it implies: 1 - q
    return TICKS_PER_DOLLAR - price if yes_terms and side == "no" else price


def _snapshot_sizes(
    pairs: Iterable[tuple[int, int]], side: Side, yes_terms: bool
) -> dict[int, int]:
    """One side of a snapshot as {price: size}; repeated prices add up, empty levels vanish."""
    sizes: dict[int, int] = {}
    for price, size in pairs:
        if type(size) is not int or size < 0:
            raise BookIntegrityError(f"snapshot {side} level at {price!r} has size {size!r}")
        tick = _no_terms(_check_ticks(price), side, yes_terms)
        sizes[tick] = sizes.get(tick, 0) + size
    return {price: size for price, size in sizes.items() if size}


def _wire_pairs(pairs: Iterable[tuple[str, str]]) -> list[tuple[int, int]]:
    return [(dollars_to_ticks(price), fp_to_centi(count)) for price, count in pairs]


def _money(micro: int) -> Decimal:
    return Decimal(micro).scaleb(-_MONEY_PLACES)


def _price(ticks: int | None) -> Price | None:
    return None if ticks is None else Price.from_ticks(ticks)


def _positive_centi(count: Contracts | int | str | Decimal) -> int:
    centi = Contracts.parse(count).centi
    if centi <= 0:
        raise ValidationError(f"a count to trade must be positive, got {count!r}")
    return centi


class OrderBook:
    """An exact, live order book for one market, built from a snapshot and signed deltas.

    Every applied change bumps :attr:`version` and then calls each ``on_update`` callback with
    the book; a callback that raises is logged with its traceback and counted in
    :attr:`callback_errors` (and reported through ``on_callback_error`` when the book belongs to a
    stream), and the book and the other callbacks go on. Prices of the NO side are NO prices
    (``yes_terms=True`` converts wire messages of a ``use_yes_price`` subscription).
    """

    __slots__ = (
        "_callbacks",
        "_ladders",
        "_no",
        "_yes",
        "callback_errors",
        "last_update_ms",
        "on_callback_error",
        "ticker",
        "trusted",
        "version",
    )

    def __init__(self, ticker: str) -> None:
        self.ticker = ticker
        self.version = 0
        self.trusted = False
        self.last_update_ms: int | None = None
        self._yes, self._no = _Ladder(), _Ladder()  # never replaced: the hot path holds them
        self._ladders: dict[str, _Ladder] = {"yes": self._yes, "no": self._no}
        self._callbacks: list[UpdateCallback] = []
        self.callback_errors = 0
        # set by the stream that owns the book, to report a raising callback as an event
        self.on_callback_error: CallbackErrorHook | None = None

    @classmethod
    def from_rest(cls, ticker: str, levels: OrderbookLevels) -> OrderBook:
        """A trusted book from the REST book (``OrderbookResponse.book``)."""
        book = cls(ticker)
        book.apply_snapshot(levels.yes, levels.no)
        return book

    def copy(self) -> OrderBook:
        """A detached copy (same levels, version, trust and age; no callbacks)."""
        twin = OrderBook(self.ticker)
        for side, ladder in self._ladders.items():
            twin._ladders[side].replace(dict(ladder.sizes))
        twin.version, twin.trusted = self.version, self.trusted
        twin.last_update_ms = self.last_update_ms
        return twin

    # --- applying changes ----------------------------------------------------------------------

    def apply_snapshot(
        self,
        yes: Iterable[tuple[str, str]],
        no: Iterable[tuple[str, str]],
        *,
        now_ms: int | None = None,
        yes_terms: bool = False,
    ) -> None:
        """Replace the book with wire (price $, count fp) pairs of YES bids and NO bids."""
        try:
            yes_ticks, no_ticks = _wire_pairs(yes), _wire_pairs(no)
        except ValidationError:
            self.trusted = False
            raise
        self.apply_snapshot_ticks(yes_ticks, no_ticks, now_ms=now_ms, yes_terms=yes_terms)

    def apply_snapshot_ticks(
        self,
        yes: Iterable[tuple[int, int]],
        no: Iterable[tuple[int, int]],
        *,
        now_ms: int | None = None,
        yes_terms: bool = False,
    ) -> None:
        """Replace the book with (ticks, centi-contracts) pairs; the book becomes trusted."""
        try:
            # both sides are checked before either is replaced: a bad snapshot changes nothing
            yes_sizes = _snapshot_sizes(yes, "yes", yes_terms)
            no_sizes = _snapshot_sizes(no, "no", yes_terms)
        except KalshiError:
            self.trusted = False
            raise
        self._ladders["yes"].replace(yes_sizes)
        self._ladders["no"].replace(no_sizes)
        self.trusted = True
        self._changed(now_ms)

    def apply_delta(
        self,
        side: Side,
        price: str,
        delta: str,
        *,
        now_ms: int | None = None,
        yes_terms: bool = False,
    ) -> None:
        """Apply a wire delta: ``side``, ``price_dollars`` and the signed ``delta_fp``."""
        try:
            price_ticks, delta_centi = dollars_to_ticks(price), fp_to_centi(delta)
        except ValidationError:
            self.trusted = False
            raise
        self.apply_delta_ticks(side, price_ticks, delta_centi, now_ms=now_ms, yes_terms=yes_terms)

    def apply_delta_ticks(
        self,
        side: Side,
        price_ticks: int,
        delta_centi: int,
        *,
        now_ms: int | None = None,
        yes_terms: bool = False,
    ) -> None:
        """``level += delta`` on one side; a level reaching 0 is removed.

        A level that would go negative means a missed message: BookIntegrityError, nothing
        changes, and the book is marked untrusted.
        """
        if side not in self._ladders or type(delta_centi) is not int:
            self.trusted = False
            raise ValidationError(
                f"a delta needs side 'yes' or 'no' and an int size, got {side!r}, {delta_centi!r}"
            )
        try:
            _check_ticks(price_ticks)
        except ValidationError:
            self.trusted = False
            raise
        self.apply_parsed_delta(side, price_ticks, delta_centi, now_ms, yes_terms)

    def apply_parsed_delta(
        self, side: str, price: int, delta: int, now_ms: int | None, yes_terms: bool
    ) -> None:
        """The stream's hot path: ``price`` and ``delta`` are ints from the units parsers.

        Same rules as :meth:`apply_delta_ticks`, with the type checks its callers already made.
        """
        # the ladders as slots, not through the side dict: with thousands of live books, each
        # object touched is a likely cache miss, and this path runs for most of a feed
        if side == "yes":
            ladder = self._yes
        elif side == "no":
            ladder = self._no
        else:
            ladder = None
        if ladder is None or not 0 <= price <= TICKS_PER_DOLLAR:
            self.apply_delta_ticks(side, price, delta, now_ms=now_ms)  # type: ignore[arg-type]
            return
        if yes_terms and side == "no":
            price = TICKS_PER_DOLLAR - price
        sizes = ladder.sizes
        old = sizes.get(price, 0)
        new = old + delta
        if new > 0:
            if not old:
                bisect.insort(ladder.prices, price)
            sizes[price] = new
        elif new == 0:
            if old:
                del sizes[price]
                del ladder.prices[bisect.bisect_left(ladder.prices, price)]
        else:
            self.trusted = False
            raise BookIntegrityError(self._negative_text(side, price, delta))  # type: ignore[arg-type]
        self.version += 1
        if now_ms is not None:
            self.last_update_ms = now_ms
        if self._callbacks:
            self._notify()

    def _negative_text(self, side: Side, price: int, delta: int) -> str:
        held = self._ladders[side].sizes.get(price, 0)
        return (
            f"{self.ticker}: a delta of {centi_to_fp(delta)} at {side} {ticks_to_dollars(price)} "
            f"would leave {centi_to_fp(held + delta)} contracts (held {centi_to_fp(held)}); "
            "a message was missed - the book is untrusted until the next snapshot"
        )

    def _changed(self, now_ms: int | None) -> None:
        self.version += 1
        if now_ms is not None:
            self.last_update_ms = now_ms
        if self._callbacks:
            self._notify()

    def _notify(self) -> None:
        """Call every ``on_update`` callback; one that raises cannot stop the book or the others."""
        for callback in tuple(self._callbacks):  # a copy: callbacks may unsubscribe themselves
            try:
                callback(self)
            except Exception as error:
                self.callback_errors += 1
                _log.exception("an on_update callback of the %s book raised", self.ticker)
                if self.on_callback_error is not None:
                    self.on_callback_error(self, error)

    # --- integrity and events ------------------------------------------------------------------

    def mark_stale(self) -> None:
        """Flag the book as no longer matching the exchange (a sequence gap, a reconnect)."""
        self.trusted = False

    def age_ms(self, now_ms: int) -> int | None:
        """Milliseconds since the last applied change that carried a time, or None."""
        return None if self.last_update_ms is None else now_ms - self.last_update_ms

    def on_update(self, callback: UpdateCallback) -> Callable[[], None]:
        """Call ``callback(book)`` after each applied change; returns the unsubscribe function."""
        self._callbacks.append(callback)

        def unsubscribe() -> None:
            if callback in self._callbacks:
                self._callbacks.remove(callback)

        return unsubscribe

    # --- reading the book ----------------------------------------------------------------------

    def _ladder(self, side: Side) -> _Ladder:
        return self._ladders[parse_side(side)]

    def _levels(self, side: Side, n: int | None = None) -> list[tuple[Price, Contracts]]:
        levels: list[tuple[Price, Contracts]] = []
        for price, size in self._ladder(side).walk():
            if n is not None and len(levels) >= n:
                break
            levels.append((Price.from_ticks(price), Contracts.from_centi(size)))
        return levels

    @property
    def yes_bids(self) -> list[tuple[Price, Contracts]]:
        """YES bids, best (highest) first."""
        return self._levels("yes")

    @property
    def no_bids(self) -> list[tuple[Price, Contracts]]:
        """NO bids in NO prices, best (highest) first."""
        return self._levels("no")

    def depth(self, n: int, side: Side = "yes") -> list[tuple[Price, Contracts]]:
        """The best ``n`` bid levels of ``side``, best first."""
        if type(n) is not int or n < 0:
            raise ValidationError(f"depth needs a count of levels >= 0, got {n!r}")
        return self._levels(side, n)

    def size_at(self, side: Side, price: Price | str | Decimal) -> Contracts:
        """Contracts bid on ``side`` at ``price`` (zero when there is no level)."""
        return Contracts.from_centi(self._ladder(side).sizes.get(Price.parse(price).ticks, 0))

    def _best_ask_ticks(self, side: Side) -> int | None:
        # the ask of one side is the complement of the other side's best bid
        other = self._ladders["no" if parse_side(side) == "yes" else "yes"].best()
        return None if other is None else TICKS_PER_DOLLAR - other

    @property
    def best_yes_bid(self) -> Price | None:
        return _price(self._ladders["yes"].best())

    @property
    def best_no_bid(self) -> Price | None:
        return _price(self._ladders["no"].best())

    @property
    def best_yes_ask(self) -> Price | None:
        """1 - the best NO bid."""
        return _price(self._best_ask_ticks("yes"))

    @property
    def best_no_ask(self) -> Price | None:
        """1 - the best YES bid."""
        return _price(self._best_ask_ticks("no"))

    @property
    def spread(self) -> Price | None:
        """YES ask - YES bid; None when a side is empty or the book is crossed (unsound)."""
        bid, ask = self._ladders["yes"].best(), self._best_ask_ticks("yes")
        if bid is None or ask is None or ask < bid:
            return None
        return Price.from_ticks(ask - bid)

    @property
    def mid(self) -> Decimal | None:
        """The YES mid in dollars, (bid + ask) / 2, exact; None when a side is empty."""
        bid, ask = self._ladders["yes"].best(), self._best_ask_ticks("yes")
        if bid is None or ask is None:
            return None
        return Decimal((bid + ask) * 5).scaleb(-5)  # half a tick is $0.00005

    # --- walking the book ----------------------------------------------------------------------

    def cost_to_buy(self, side: Side, count: Contracts | int | str | Decimal) -> Fill:
        """Buying ``count`` of ``side`` takes the other side's bids as asks at 1 - price."""
        other = "no" if parse_side(side) == "yes" else "yes"
        asks = ((TICKS_PER_DOLLAR - p, s) for p, s in self._ladders[other].walk())
        return _walk(asks, _positive_centi(count))

    def proceeds_to_sell(self, side: Side, count: Contracts | int | str | Decimal) -> Fill:
        """Selling ``count`` of ``side`` hits this side's bids, best first."""
        return _walk(self._ladder(side).walk(), _positive_centi(count))

    # --- export --------------------------------------------------------------------------------

    def to_levels(self) -> OrderbookLevels:
        """The book in the REST shape: ascending (price $, count fp) pairs per side."""
        return OrderbookLevels(yes=self._wire("yes"), no=self._wire("no"))

    def _wire(self, side: Side) -> list[Level]:
        ladder = self._ladders[side]
        return [(ticks_to_dollars(p), centi_to_fp(ladder.sizes[p])) for p in ladder.prices]

    def __repr__(self) -> str:
        state = "trusted" if self.trusted else "untrusted"
        return (
            f"OrderBook({self.ticker!r}, v{self.version}, {state}, "
            f"bid={self.best_yes_bid}, ask={self.best_yes_ask})"
        )


def _walk(levels: Iterable[tuple[int, int]], wanted: int) -> Fill:
    """Take up to ``wanted`` centi-contracts from (price, size) levels in the order given."""
    left, micro = wanted, 0
    for price, size in levels:
        take = min(size, left)
        micro += price * take
        left -= take
        if not left:
            break
    filled = wanted - left
    total = _money(micro)
    vwap = _VWAP_CONTEXT.divide(total, Contracts.from_centi(filled).count) if filled else None
    return Fill(total, vwap, Contracts.from_centi(filled))
