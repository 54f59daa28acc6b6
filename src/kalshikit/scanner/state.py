"""One market as the scanner sees it, and its bounded price history. No I/O here.

:class:`MarketState` holds what the scanner rules read: identity, lifecycle, the latest quote
(YES bid/ask in ticks of $0.0001, sizes in centi-contracts), last trade, volume, open interest,
an optional live :class:`~kalshikit.orderbook.OrderBook` and a :class:`PriceHistory`. It is
seeded from REST (:meth:`MarketState.from_market`, :func:`states_from_event`) and updated with
plain values from the stream (:meth:`~MarketState.on_ticker`, :meth:`~MarketState.on_trade`).
Time is always passed in as ``now_ms``; nothing here reads a clock.

The price history is the last traded YES price, a step function in ticks: "change over W" is the
price now minus the price in effect at ``now - W``, in probability points (100 ticks = 1 point),
never a percentage of the price. Memory per market is bounded by downsampling in tiers (one point
per second for 5 minutes, per minute to 2 hours, per 5 minutes to 25 hours).
"""

from __future__ import annotations

import bisect
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Final, Literal, NamedTuple

from kalshikit.errors import ValidationError
from kalshikit.models.market import Event, Market
from kalshikit.orderbook import OrderBook
from kalshikit.units import CENTI_PER_CONTRACT, TICKS_PER_DOLLAR, Contracts, Price, PriceGrid

__all__ = [
    "HISTORY_TIERS",
    "OPEN_STATUSES",
    "Level",
    "MarketState",
    "PriceHistory",
    "Quote",
    "states_from_event",
]

SECOND_MS: Final = 1_000
MINUTE_MS: Final = 60 * SECOND_MS
HOUR_MS: Final = 60 * MINUTE_MS

# (span, step): a point stays in a tier while it is younger than the tier's span (measured from
# the newest point), one point per step. Fine steps where short windows need them, coarse ones
# where a 24 h change does not; at most about 300 + 120 + 300 points per market. The last span
# is a little over 24 h so that a 24 h window always has a point at its start.
HISTORY_TIERS: Final[tuple[tuple[int, int], ...]] = (
    (5 * MINUTE_MS, SECOND_MS),
    (2 * HOUR_MS, MINUTE_MS),
    (25 * HOUR_MS, 5 * MINUTE_MS),
)

# "active" is what the API returns for a tradeable market; "open" is the word of the status
# filter (and of users), accepted so a caller setting either means the same thing.
OPEN_STATUSES: Final = frozenset({"active", "open"})

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_MS: Final = timedelta(milliseconds=1)

Point = tuple[int, int]  # (ts_ms, price ticks)


class Level(NamedTuple):
    """One price level: YES price in ticks and size in centi-contracts."""

    price: int
    size: int


class Quote(NamedTuple):
    """Top of book in ticks and centi-contracts. An empty side reads bid 0 / ask 10000, size 0."""

    bid: int
    ask: int
    bid_size: int
    ask_size: int


_EMPTY_BID: Final = 0
_EMPTY_ASK: Final = TICKS_PER_DOLLAR


class PriceHistory:
    """A bounded, downsampled (ts_ms, price ticks) step function, oldest first.

    Points must arrive in time order (older ones are ignored; :meth:`seed` merges history that
    arrives late). A point equal in price to the latest one adds nothing: the step function is
    unchanged. Within a step of a tier only the latest point is kept.
    """

    __slots__ = ("_spec", "_tiers")

    def __init__(self, tiers: Sequence[tuple[int, int]] = HISTORY_TIERS) -> None:
        if not tiers or any(span <= 0 or step <= 0 for span, step in tiers):
            raise ValidationError(f"history tiers need positive (span, step) pairs, got {tiers!r}")
        self._spec = tuple(tiers)
        self._tiers: list[deque[Point]] = [deque() for _ in self._spec]  # newest tier first

    def add(self, ts_ms: int, price: int) -> None:
        """Record that the price became ``price`` at ``ts_ms``."""
        latest = self.latest()
        if latest is not None and (ts_ms < latest[0] or price == latest[1]):
            return
        self._push(0, (ts_ms, price))
        self._age(ts_ms)

    def seed(self, points: Iterable[Point]) -> None:
        """Merge points of any age (candlesticks fetched after the stream started)."""
        merged = sorted({*self.points(), *points})
        for tier in self._tiers:
            tier.clear()
        for ts_ms, price in merged:
            self.add(ts_ms, price)

    def _push(self, index: int, point: Point) -> None:
        tier, step = self._tiers[index], self._spec[index][1]
        # one point per step: the latest wins, except the very first point of the history,
        # which is where every move of a young history is measured from
        if tier and tier[-1][0] // step == point[0] // step and tier[-1][0] != self.oldest_ms():
            tier[-1] = point
        else:
            tier.append(point)

    def _age(self, newest_ms: int) -> None:
        last = len(self._tiers) - 1
        for index, (span, _) in enumerate(self._spec[:last]):
            tier = self._tiers[index]
            while tier and tier[0][0] < newest_ms - span:
                self._push(index + 1, tier.popleft())
        oldest, cutoff = self._tiers[last], newest_ms - self._spec[last][0]
        while len(oldest) >= 2 and oldest[1][0] <= cutoff:
            oldest.popleft()  # the last point before the cutoff stays: it is the price at it

    def points(self) -> list[Point]:
        """Every point kept, oldest first."""
        return [point for tier in reversed(self._tiers) for point in tier]

    def latest(self) -> Point | None:
        for tier in self._tiers:
            if tier:
                return tier[-1]
        return None

    def oldest_ms(self) -> int | None:
        for tier in reversed(self._tiers):
            if tier:
                return tier[0][0]
        return None

    def next_after(self, ts_ms: int) -> int | None:
        """The time of the first point after ``ts_ms``, or None: until a window's start passes
        it, :meth:`price_at` of the start (and so the window's change) stays as it is."""
        for tier in reversed(self._tiers):  # oldest tier first: points in time order
            if tier and tier[-1][0] > ts_ms:
                return tier[bisect.bisect_right(tier, ts_ms, key=lambda point: point[0])][0]
        return None

    def price_at(self, ts_ms: int) -> int | None:
        """The price in effect at ``ts_ms`` (the last point at or before it), or None."""
        for tier in self._tiers:
            if tier and tier[0][0] <= ts_ms:
                index = bisect.bisect_right(tier, ts_ms, key=lambda point: point[0])
                return tier[index - 1][1]
        return None

    def change(self, window_ms: int, now_ms: int) -> int | None:
        """Price now minus price at ``now_ms - window_ms``, in ticks; None if not covered."""
        latest = self.latest()
        start = self.price_at(now_ms - window_ms)
        if latest is None or start is None:
            return None
        return latest[1] - start

    def move(self, window_ms: int, now_ms: int) -> tuple[int, int] | None:
        """(change in ticks, span in ms) over the window, or over the part of it the history
        covers when it began inside the window (a market or a session younger than the window).
        None with fewer than two prices to compare."""
        change = self.change(window_ms, now_ms)
        if change is not None:
            return change, window_ms
        oldest, latest = self.oldest_ms(), self.latest()
        if oldest is None or latest is None or oldest >= latest[0]:
            return None
        first = self.price_at(oldest)
        assert first is not None
        return latest[1] - first, now_ms - oldest

    def __len__(self) -> int:
        return sum(len(tier) for tier in self._tiers)


def _ms(when: datetime | None) -> int | None:
    return None if when is None else (when - _EPOCH) // _ONE_MS


def _ticks(price: Price | None) -> int | None:
    return None if price is None else price.ticks


def _centi(count: Contracts | None) -> int | None:
    return None if count is None else count.centi


def _grid(market: Market) -> PriceGrid | None:
    try:
        return market.grid
    except ValidationError:
        return None  # neither price_ranges nor a known structure: the scanner does not need it


def _volume_24h(market: Market) -> int | None:
    if market.volume_24h_fp is not None:
        return Contracts.from_fp(market.volume_24h_fp).centi
    return None if market.volume_24h_int is None else market.volume_24h_int * CENTI_PER_CONTRACT


def _size(fp: str | None) -> int | None:
    return None if fp is None else Contracts.from_fp(fp).centi


def _multiplier(value: float | Decimal | None) -> Decimal:
    if value is None:
        return Decimal(1)
    # str() of a float is its shortest repr (0.5, 1.25): what the series means
    return value if isinstance(value, Decimal) else Decimal(str(value))


@dataclass(slots=True, eq=False)
class MarketState:
    """One market: identity, lifecycle, latest quote and trade, and price history.

    Prices are ints in ticks of $0.0001 (``yes_bid``, ``yes_ask``, ``last_price``); sizes and
    volumes ints in centi-contracts; times ints in ms since the epoch. None means not known yet.
    ``fee_multiplier`` is the series' ``fee_multiplier`` (or the event's override).
    """

    ticker: str
    event_ticker: str
    series_ticker: str = ""
    title: str = ""
    subtitle: str = ""  # the market's own outcome ("$2,370 to $2,389.99"), beside the event's
    category: str = ""
    status: str = ""
    close_time_ms: int | None = None
    created_time_ms: int | None = None
    open_time_ms: int | None = None
    mutually_exclusive: bool = False
    fee_multiplier: Decimal = field(default_factory=lambda: Decimal(1))
    grid: PriceGrid | None = None
    yes_bid: int | None = None
    yes_ask: int | None = None
    bid_size: int | None = None
    ask_size: int | None = None
    last_price: int | None = None
    volume: int | None = None
    volume_24h: int | None = None
    open_interest: int | None = None
    book: OrderBook | None = None
    history: PriceHistory = field(default_factory=PriceHistory)
    updated_ms: int | None = None

    # --- seeding -------------------------------------------------------------------------------

    @classmethod
    def from_market(
        cls,
        market: Market,
        event: Event | None = None,
        *,
        fee_multiplier: float | Decimal | None = None,
    ) -> MarketState:
        """A state from a REST market; ``event`` adds series, category and mutual exclusivity.

        ``fee_multiplier`` is the series' multiplier; the event's override, when set, wins.
        """
        override = None if event is None else event.fee_multiplier_override
        state = cls(
            ticker=market.ticker,
            event_ticker=market.event_ticker,
            series_ticker="" if event is None else event.series_ticker,
            title=market.title or "",
            subtitle=market.yes_sub_title or "",
            category=(event.category or "") if event is not None else "",
            status=market.status,
            close_time_ms=_ms(market.close_time),
            created_time_ms=_ms(market.created_time),
            open_time_ms=_ms(market.open_time),
            mutually_exclusive=event is not None and event.mutually_exclusive,
            fee_multiplier=_multiplier(override if override is not None else fee_multiplier),
            grid=_grid(market),
        )
        _seed_quote(state, market)
        return state

    def seed_history(self, points: Iterable[tuple[int, int]]) -> None:
        """Merge (ts_ms, price ticks) points, e.g. candlestick end times and close prices.

        To answer a window W, include the point in effect at ``now - W`` (fetch candles from a
        little before the window start).
        """
        self.history.seed(points)

    def attach_book(self, book: OrderBook | None) -> None:
        """Use a live book for the quote and depth while it is trusted (None detaches)."""
        self.book = book

    # --- stream updates ------------------------------------------------------------------------

    def on_ticker(
        self,
        now_ms: int,
        yes_bid: int | None,
        yes_ask: int | None,
        bid_size: int | None,
        ask_size: int | None,
        last_price: int | None = None,
        volume: int | None = None,
        open_interest: int | None = None,
    ) -> None:
        """A ticker message (full state): None leaves a field as it was."""
        self.yes_bid = _keep(yes_bid, self.yes_bid)
        self.yes_ask = _keep(yes_ask, self.yes_ask)
        self.bid_size = _keep(bid_size, self.bid_size)
        self.ask_size = _keep(ask_size, self.ask_size)
        self.volume = _keep(volume, self.volume)
        self.open_interest = _keep(open_interest, self.open_interest)
        last_price = _traded(last_price)
        if last_price is not None and last_price != self.last_price:
            self.last_price = last_price
            self.history.add(now_ms, last_price)
        self.updated_ms = now_ms

    def on_trade(self, now_ms: int, yes_price_ticks: int, count_centi: int) -> None:
        """A public trade: last price, volume (until the next ticker restates it), history."""
        self.last_price = yes_price_ticks
        if self.volume is not None:
            self.volume += count_centi
        self.history.add(now_ms, yes_price_ticks)
        self.updated_ms = now_ms

    # --- reading -------------------------------------------------------------------------------

    def is_open(self, now_ms: int) -> bool:
        """Status active/open and not past its close time."""
        closes = self.close_time_ms
        return self.status in OPEN_STATUSES and (closes is None or now_ms < closes)

    def price_change(self, window_ms: int, now_ms: int) -> int | None:
        """Last price now minus at ``now_ms - window_ms``, in ticks; None if not covered."""
        return self.history.change(window_ms, now_ms)

    def price_move(self, window_ms: int, now_ms: int) -> tuple[int, int] | None:
        """(change, span ms): :meth:`PriceHistory.move`."""
        return self.history.move(window_ms, now_ms)

    def _live_book(self) -> OrderBook | None:
        book = self.book
        return book if book is not None and book.trusted else None

    def top(self) -> Quote:
        """The best bid and ask with sizes: from the live book when trusted, else the ticker."""
        book = self._live_book()
        if book is None:
            return Quote(
                _EMPTY_BID if self.yes_bid is None else self.yes_bid,
                _EMPTY_ASK if self.yes_ask is None else self.yes_ask,
                self.bid_size or 0,
                self.ask_size or 0,
            )
        bids, asks = _bid_levels(book, 1), _ask_levels(book, 1)
        bid = bids[0] if bids else Level(_EMPTY_BID, 0)
        ask = asks[0] if asks else Level(_EMPTY_ASK, 0)
        return Quote(bid.price, ask.price, bid.size, ask.size)

    def ladder(self, side: Literal["bid", "ask"], max_levels: int) -> list[Level]:
        """YES bids best (highest) first, or YES asks best (lowest) first; empty if none.

        From the live book when trusted (asks are 1 - NO bids), else the quote's one level.
        """
        book = self._live_book()
        if book is not None:
            return (_bid_levels if side == "bid" else _ask_levels)(book, max_levels)
        quote = self.top()
        if side == "bid":
            real = quote.bid > _EMPTY_BID and quote.bid_size > 0
            return [Level(quote.bid, quote.bid_size)] if real else []
        real = quote.ask < _EMPTY_ASK and quote.ask_size > 0
        return [Level(quote.ask, quote.ask_size)] if real else []

    def depth_within(self, side: Literal["bid", "ask"], within_ticks: int, max_levels: int) -> int:
        """Centi-contracts on ``side`` priced within ``within_ticks`` of its best price."""
        levels = self.ladder(side, max_levels)
        if not levels:
            return 0
        best = levels[0].price
        return sum(size for price, size in levels if abs(price - best) <= within_ticks)


def _bid_levels(book: OrderBook, n: int) -> list[Level]:
    return [Level(p.ticks, c.centi) for p, c in book.depth(n, "yes")]


def _ask_levels(book: OrderBook, n: int) -> list[Level]:
    # a NO bid at q is a YES ask at 1 - q
    return [Level(TICKS_PER_DOLLAR - p.ticks, c.centi) for p, c in book.depth(n, "no")]


def _keep(new: int | None, old: int | None) -> int | None:
    return old if new is None else new


def _seed_quote(state: MarketState, market: Market) -> None:
    state.yes_bid, state.yes_ask = _ticks(market.yes_bid), _ticks(market.yes_ask)
    state.bid_size = _size(market.yes_bid_size_fp)
    state.ask_size = _size(market.yes_ask_size_fp)
    state.last_price = _traded(_ticks(market.last_price))
    state.volume, state.volume_24h = _centi(market.volume), _volume_24h(market)
    state.open_interest = _centi(market.open_interest)


def _traded(price: int | None) -> int | None:
    """A real trade price, or None: the wire shows "no trade yet" as 0."""
    return price if price is not None and 0 < price < TICKS_PER_DOLLAR else None


def states_from_event(
    event: Event, *, fee_multiplier: float | Decimal | None = None
) -> list[MarketState]:
    """States of an event's nested markets (``GET /events?with_nested_markets=true``)."""
    return [
        MarketState.from_market(market, event, fee_multiplier=fee_multiplier)
        for market in event.markets or ()
    ]
