"""``PaperFeed``: the thin I/O shell that feeds ``PaperEngine`` s from a live ``KalshiWebSocket``.

Every book, trade and lifecycle frame of the followed markets becomes one engine call with exact
integers (the frames' own parsers), then ``advance``; the engines' events go to ``on_events``
after each frame. A book the stream no longer trusts (a gap) is fed no deltas until its fresh
snapshot, so an engine's mirror is always the stream's exact book or waiting for one. No frame
may raise out of the stream's callback: a failure is logged and counted.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from kalshikit.errors import ValidationError
from kalshikit.models.stream import DeltaFrame, MarketLifecycleFrame, SnapshotFrame, TradeFrame
from kalshikit.orderbook import OrderBook
from kalshikit.paper.engine import PaperEngine
from kalshikit.paper.wire import PaperEvent
from kalshikit.ws import KalshiWebSocket, StreamEvent

__all__ = ["FeedStats", "PaperFeed"]

_log = logging.getLogger("kalshikit.paper.feed")
_BOOK: Final = "orderbook_delta"
_TRADE: Final = "trade"
# stream events after which a book must be repaired before the engines take its deltas again
_BREAKS: Final = frozenset({"gap", "disconnected", "reconnecting", "resubscribed",
                            "malformed_frame", "slow_consumer"})  # fmt: skip
# the wire's taker_book_side: a taker "bid" bought YES
_TAKER_OF_BOOK_SIDE: Final = {"bid": "yes", "ask": "no"}


@dataclass(slots=True)
class FeedStats:
    """What the feed did: frames fed, books seeded, deltas held back for a stale book, frames
    that failed."""

    snapshots: int = 0
    deltas: int = 0
    trades: int = 0
    lifecycles: int = 0
    seeded: int = 0  # books taken from the stream's own book (no snapshot frame came to us)
    stale_deltas: int = 0
    failures: int = 0


class PaperFeed:
    """Feeds ``engines`` from ``ws``; ``await follow(tickers)`` adds markets (module doc)."""

    def __init__(
        self,
        engines: Sequence[PaperEngine],
        ws: KalshiWebSocket,
        *,
        clock: Callable[[], int] = time.time_ns,
        on_events: Callable[[list[PaperEvent]], Any] | None = None,
    ) -> None:
        engines = list(engines)
        if not engines or not all(isinstance(e, PaperEngine) for e in engines):
            raise ValidationError("PaperFeed takes a non-empty list of PaperEngine objects")
        self.engines = engines
        self.ws = ws
        self.stats = FeedStats()
        self._clock = clock
        self._on_events = on_events
        self._last_ns = 0
        self._tickers: set[str] = set()
        # ticker -> (the stream's book, its version the engines mirror); absent: not mirrored
        self._fed: dict[str, tuple[OrderBook, int]] = {}
        self._subscribed = False

    @property
    def tickers(self) -> frozenset[str]:
        return frozenset(self._tickers)

    def mirrored(self) -> frozenset[str]:
        """The followed markets whose book the engines hold (a snapshot came, no gap since)."""
        return frozenset(self._fed)

    def now(self) -> int:
        """The clock, never going back (the engines refuse time that does)."""
        self._last_ns = max(self._last_ns, self._clock())
        return self._last_ns

    async def follow(self, tickers: Iterable[str]) -> None:
        """Feed these markets too: books, trades and lifecycle; already followed ones are kept."""
        if isinstance(tickers, str):
            raise ValidationError("follow takes a list of market tickers, e.g. ['KX-1']")
        wanted = [t for t in dict.fromkeys(tickers) if t not in self._tickers]
        if not all(isinstance(t, str) and t.strip() for t in wanted):
            raise ValidationError(f"follow takes market tickers (non-empty strings); got {wanted}")
        if not wanted:
            return
        self._tickers.update(wanted)
        options: dict[str, Any] = {"on_message": self._on_frame, "iterate": False, "frames": True}
        # a view per call: it hears its own markets (the stream widens the subscription)
        await self.ws.subscribe(_BOOK, wanted, **options)
        if not self._subscribed:
            self._subscribed = True
            self.ws.on_event(self._on_stream_event)
            # trades and lifecycle of every market, filtered here: the trade channel takes no
            # add_markets, so a later follow could not widen a per-market subscription
            await self.ws.subscribe(_TRADE, None, **options)
            await self.ws.lifecycle(**options)
        for ticker in wanted:
            book = self.ws.books[ticker]
            book.on_update(self._on_book_update)
            self._guarded(functools.partial(self._sync, ticker))  # its snapshot may be in

    # ------------------------------------------------------------------ the stream's books

    def _mirrors(self, book: OrderBook, behind: int = 0) -> bool:
        """The engines hold ``book`` as it was at most ``behind`` changes ago."""
        fed = self._fed.get(book.ticker)
        return fed is not None and fed[0] is book and book.version - fed[1] <= behind

    def _sync(self, ticker: str) -> None:
        """Seed the engines from the stream's book when it is trusted and they lag it."""
        book = self.ws.books.get(ticker)
        if book is not None and book.trusted and not self._mirrors(book):
            self._seed(ticker, book)

    def _seed(self, ticker: str, book: OrderBook) -> None:
        yes = [(p.ticks, c.centi) for p, c in book.yes_bids]
        no = [(p.ticks, c.centi) for p, c in book.no_bids]
        self._each(lambda e, now: e.on_snapshot(now, ticker, yes=yes, no=no))
        self._fed[ticker] = (book, book.version)
        self.stats.seeded += 1

    def _on_book_update(self, book: OrderBook) -> None:
        """A snapshot the stream applied (a repair may not reach our callback as a frame)."""
        if book.trusted and not self._mirrors(book, behind=1):
            self._guarded(functools.partial(self._seed, book.ticker, book))

    def _on_stream_event(self, event: StreamEvent) -> None:
        """A gap or a lost socket: the engines' books wait for the stream's repair."""
        if event.kind in _BREAKS and event.channel in (None, _BOOK):
            for ticker in event.tickers or tuple(self._tickers):
                self._fed.pop(ticker, None)

    # ------------------------------------------------------------------ frames

    def _on_frame(self, frame: object) -> None:
        self._guarded(lambda: self._feed(frame))

    def _guarded(self, call: Callable[[], None]) -> None:
        try:
            call()
        except Exception:  # one bad frame must not stop the stream or the other engines
            self.stats.failures += 1
            _log.exception("paper feed: a frame could not be fed")
        try:
            self._hand_over()
        except Exception:
            self.stats.failures += 1
            _log.exception("paper feed: on_events raised")

    def _feed(self, frame: object) -> None:
        if isinstance(frame, DeltaFrame):
            self._delta(frame)
        elif isinstance(frame, SnapshotFrame):
            self._snapshot(frame)
        elif isinstance(frame, TradeFrame):
            self._trade(frame)
        elif isinstance(frame, MarketLifecycleFrame):
            self._lifecycle(frame)

    def _each(self, call: Callable[[PaperEngine, int], None]) -> None:
        now = self.now()
        for engine in self.engines:
            call(engine, now)
            engine.advance(now)

    def _snapshot(self, frame: SnapshotFrame) -> None:
        msg = frame.msg
        ticker = msg.market_ticker
        book = self.ws.books.get(ticker)
        if ticker not in self._tickers or book is None or not book.trusted:
            return
        if not self._mirrors(book):  # else its on_update already seeded the engines
            yes, no = msg.yes_levels(), msg.no_levels()
            self._each(lambda e, now: e.on_snapshot(now, ticker, yes=yes, no=no))
            self._fed[ticker] = (book, book.version)
        self.stats.snapshots += 1

    def _delta(self, frame: DeltaFrame) -> None:
        msg = frame.msg
        ticker = msg.market_ticker
        if ticker not in self._tickers:
            return
        book = self.ws.books.get(ticker)
        # the stream applied this delta to its book before calling us: an untrusted book means
        # a gap, and the engines wait for the snapshot that repairs it
        if book is None or not book.trusted:
            self.stats.stale_deltas += 1
            return
        if self._mirrors(book):
            return  # seeded from the book with this delta in it
        if not self._mirrors(book, behind=1):
            self._seed(ticker, book)  # repaired without a frame to us: the exact book
            return
        side, price, delta = msg.side, msg.price_ticks(), msg.delta_centi()
        self._each(lambda e, now: e.on_delta(now, ticker, side=side, price=price, delta=delta))
        self._fed[ticker] = (book, book.version)
        self.stats.deltas += 1

    def _trade(self, frame: TradeFrame) -> None:
        msg = frame.msg
        ticker = msg.market_ticker
        if ticker not in self._tickers:
            return
        self._sync(ticker)
        price, count, taker = msg.yes_price, msg.count, _taker_side(msg)
        if price is None or count is None or taker is None:
            raise ValidationError(f"a trade of {ticker} lacks its price, count or taker side")
        yes_price, size = price.ticks, count.centi
        self._each(
            lambda e, now: e.on_trade(
                now, ticker, yes_price=yes_price, count=size, taker_side=taker
            )
        )
        self.stats.trades += 1

    def _lifecycle(self, frame: MarketLifecycleFrame) -> None:
        msg = frame.msg
        ticker = msg.market_ticker
        if ticker not in self._tickers:
            return
        self._sync(ticker)
        value = msg.settlement_price
        ticks = None if value is None else value.ticks
        self._each(
            lambda e, now: e.on_lifecycle(
                now, ticker, msg.event_type, result=msg.result, settlement_value=ticks
            )
        )
        self.stats.lifecycles += 1

    def _hand_over(self) -> None:
        if self._on_events is None:
            return
        events = [event for engine in self.engines for event in engine.drain()]
        if events:
            self._on_events(events)


def _taker_side(msg: Any) -> str | None:
    """ "yes" when the taker bought YES: ``taker_outcome_side``, else the older twins."""
    for side in (msg.taker_outcome_side, msg.taker_side):
        if side in ("yes", "no"):
            return str(side)
    return _TAKER_OF_BOOK_SIDE.get(msg.taker_book_side or "")
