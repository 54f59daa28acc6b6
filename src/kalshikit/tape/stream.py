"""A tape played as a WebSocket: :class:`TapeWebSocket` has the subscription interface of
:class:`~kalshikit.ws.KalshiWebSocket` (``ticker``, ``trades``, ``lifecycle``, ``orderbooks``,
``subscribe``, ``async for``), so the :class:`~kalshikit.scanner.MarketScanner` and any code
written against the live stream run on a recording::

    tape = TapeWebSocket("tape/")
    async with MarketScanner(client=client, ws=tape, clock=tape.clock) as scanner:
        await tape.play()
        scanner.top("movers")

Nothing is delivered until :meth:`TapeWebSocket.play` (or the first ``async for`` on a stream),
so every subscription made before sees the whole tape. ``clock`` is the tape's time.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Self

from kalshikit.errors import BookIntegrityError, ValidationError
from kalshikit.models.stream import (
    DeltaFrame,
    MarketLifecycleFrame,
    MultivariateLifecycleFrame,
    SnapshotFrame,
    TickerFrame,
    TradeFrame,
)
from kalshikit.orderbook import OrderBook
from kalshikit.tape.files import read_table
from kalshikit.tape.messages import BookCheck, BookReset, replayed_rows
from kalshikit.tape.replay import check_tape
from kalshikit.tape.timing import Pacer, TimeLike, to_ns
from kalshikit.ws.channels import ChannelHelpers
from kalshikit.ws.stream import Stream, market_of

__all__ = ["TapeWebSocket"]

BOOKS: Final = "orderbook_delta"
_CHANNEL_OF: Final[dict[type, str]] = {
    TickerFrame: "ticker", TradeFrame: "trade", SnapshotFrame: BOOKS, DeltaFrame: BOOKS,
    MarketLifecycleFrame: "market_lifecycle_v2",
    MultivariateLifecycleFrame: "multivariate_market_lifecycle",
}  # fmt: skip
_YIELD_EVERY: Final = 512  # messages between two turns of the event loop at full speed


class TapeWebSocket(ChannelHelpers):
    """A recorded tape behind the live client's interface (``tickers``/``start``/``end``
    filter it; ``pace``: None as fast as possible, 1.0 real time)."""

    def __init__(
        self,
        path: str | Path,
        *,
        tickers: Sequence[str] | None = None,
        start: TimeLike | None = None,
        end: TimeLike | None = None,
        pace: float | None = None,
    ) -> None:
        self.path = check_tape(path)
        self._filters = (list(tickers) if tickers else None, to_ns(start), to_ns(end))
        self._pacer = Pacer(pace)
        self._streams: dict[str, list[Stream[Any]]] = {}
        self._book_tickers: set[str] = set()
        self.books: dict[str, OrderBook] = {}
        self.now_ns = 0
        self.messages = 0
        self.connected = False
        self._table: Any = None
        self._player: asyncio.Task[int] | None = None

    # --- life ---------------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        await self.connect()
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def connect(self) -> None:
        """Read the tape (filters pushed down); the clock starts at its first message."""
        tickers, start_ns, end_ns = self._filters
        self._table = read_table(self.path, tickers=tickers, start_ns=start_ns, end_ns=end_ns)
        if self._table.num_rows:
            self.now_ns = int(self._table["recv_ns"][0].as_py())
        self.connected = True

    async def close(self) -> None:
        if self._player is not None and not self._player.done():
            self._player.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._player
        self._finish()
        self.connected = False

    def clock(self) -> float:
        """The tape's time now, in Unix seconds (the scanner's ``clock``)."""
        return self.now_ns / 1e9

    # --- subscriptions ------------------------------------------------------------------------

    async def subscribe(
        self,
        channel: str,
        tickers: Iterable[str] | None = None,
        *,
        on_message: Callable[[Any], Any] | None = None,
        iterate: bool = True,
        frames: bool = False,
        maxsize: int = 100_000,
        on_frame: Callable[[Any], None] | None = None,
        **params: Any,
    ) -> Stream[Any]:
        """A stream of one channel's messages from the tape (``params`` are ignored);
        ``on_frame`` gets every frame of the channel, as from the live client."""
        if not self.connected:
            raise ValidationError("the tape is not open: use `async with TapeWebSocket(...)`")
        if on_frame is not None:
            await self.subscribe(channel, tickers, on_message=on_frame, iterate=False, frames=True)
        wanted = None if tickers is None else frozenset(tickers)
        view: Stream[Any] = _PlayingStream(
            self, channel, wanted, callback=on_message, maxsize=maxsize, frames=frames,
            iterate=iterate,
        )  # fmt: skip
        self._streams.setdefault(channel, []).append(view)
        return view

    async def orderbooks(
        self, tickers: Iterable[str], *, use_yes_price: bool = False, wait_s: float = 10.0
    ) -> dict[str, OrderBook]:
        """The books of ``tickers``, kept as the tape plays (untrusted until their snapshot)."""
        wanted = list(dict.fromkeys(tickers))
        self._book_tickers.update(wanted)
        return {ticker: self._book(ticker) for ticker in wanted}

    async def update_subscription(
        self, channel: str, *, add: Iterable[str] = (), remove: Iterable[str] = ()
    ) -> None:
        for view in self._streams.get(channel, []):
            if view.tickers is not None:
                view.tickers = (view.tickers | frozenset(add)) - frozenset(remove)
        if channel == BOOKS:
            self._book_tickers.update(add)

    async def unsubscribe(self, channel: str) -> None:
        for view in self._streams.pop(channel, []):
            view.finish()

    # --- playing ------------------------------------------------------------------------------

    async def play(self) -> int:
        """Deliver the whole tape to the subscribers, paced; returns the messages delivered."""
        if self._table is None:
            raise ValidationError("the tape is not open: use `async with TapeWebSocket(...)`")
        table, self._table = self._table, self._table.slice(0, 0)
        for recv_ns, frame in replayed_rows(table):
            wait = self._pacer.delay(recv_ns)
            if wait or self.messages % _YIELD_EVERY == 0:
                await asyncio.sleep(wait)
            self.now_ns = recv_ns
            self.messages += 1
            self._deliver(frame)
        self._finish()
        return self.messages

    def start_playing(self) -> None:
        if self._player is None:
            self._player = asyncio.get_running_loop().create_task(self.play())

    def _deliver(self, frame: Any) -> None:
        if isinstance(frame, BookReset | BookCheck):
            if isinstance(frame, BookReset) and frame.market_ticker in self.books:
                self.books[frame.market_ticker].mark_stale()
            return
        channel = _CHANNEL_OF.get(type(frame))
        if channel == BOOKS:
            self._apply(frame)
        for view in self._streams.get(channel or "", ()):
            view.push(frame)

    def _apply(self, frame: SnapshotFrame | DeltaFrame) -> None:
        ticker = market_of(frame.msg) or ""
        if ticker not in self._book_tickers:
            return
        book, now_ms = self._book(ticker), self.now_ns // 1_000_000
        if isinstance(frame, SnapshotFrame):
            book.apply_snapshot_ticks(frame.msg.yes_levels(), frame.msg.no_levels(), now_ms=now_ms)
        elif book.trusted:  # an unknown book waits for its snapshot, as the live client's does
            msg = frame.msg
            with contextlib.suppress(BookIntegrityError):  # the book marks itself untrusted
                book.apply_parsed_delta(msg.side, msg.price_ticks(), msg.delta_centi(), now_ms,
                                        False)  # fmt: skip

    def _book(self, ticker: str) -> OrderBook:
        book = self.books.get(ticker)
        if book is None:
            book = self.books[ticker] = OrderBook(ticker)
        return book

    def _finish(self) -> None:
        for views in self._streams.values():
            for view in views:
                view.finish()
        self._streams.clear()


class _PlayingStream(Stream[Any]):
    """A stream that starts the tape when it is first read with ``async for``."""

    def __init__(self, owner: TapeWebSocket, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._owner = owner

    async def __anext__(self) -> Any:
        self._owner.start_playing()
        return await super().__anext__()
