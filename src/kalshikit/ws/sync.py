"""KalshiStream: the WebSocket client for code without an event loop (scripts, notebooks).

A background thread runs an event loop with a :class:`KalshiWebSocket`; every method here hands
its work to that loop and waits. Messages reach the caller through thread-safe queues; books
stay live objects updated by the loop, and :meth:`KalshiStream.book` returns a consistent copy.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Coroutine, Iterable, Iterator
from concurrent.futures import Future
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

from kalshikit.errors import StreamClosed, StreamOverflow
from kalshikit.orderbook import OrderBook
from kalshikit.ws._types import StreamEvent
from kalshikit.ws.client import KalshiWebSocket
from kalshikit.ws.protocol import ProtocolStats

__all__ = ["KalshiStream", "SyncStream"]

T = TypeVar("T")
_END = object()


class SyncStream(Generic[T]):
    """Messages of one subscription as a blocking iterator: ``for msg in stream:``."""

    def __init__(self, channel: str, maxsize: int) -> None:
        self.channel = channel
        self._queue: queue.Queue[Any] = queue.Queue()
        self._maxsize = maxsize
        self._overflowed = False

    def put(self, item: Any) -> None:
        """Called on the loop thread."""
        if self._overflowed:
            return
        if self._queue.qsize() >= self._maxsize:
            self._overflowed = True
            item = StreamOverflow(f"{self.channel}: more than {self._maxsize} unread messages")
        self._queue.put(item)

    def end(self) -> None:
        self._queue.put(_END)

    def get(self, timeout: float | None = None) -> T:
        """The next message; ``queue.Empty`` after ``timeout`` s, StopIteration at the end."""
        item = self._queue.get(timeout=timeout)
        if item is _END:
            self._queue.put(_END)
            raise StopIteration
        if isinstance(item, StreamOverflow):
            raise item
        result: T = item
        return result

    def __iter__(self) -> Iterator[T]:
        while True:
            try:
                yield self.get()
            except StopIteration:
                return

    def drain(self) -> list[T]:
        """Every message waiting now, without blocking."""
        items: list[T] = []
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return items
            if item is _END or isinstance(item, StreamOverflow):
                self._queue.put(item)
                return items
            items.append(item)


class KalshiStream:
    """The same features as :class:`KalshiWebSocket`, with no asyncio in the caller's code.

    ``with KalshiStream(env="local") as stream: books = stream.orderbooks(["TICKER"])``
    """

    def __init__(self, env: str | None = None, **options: Any) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True,
                                        name="kalshikit-stream")  # fmt: skip
        self._views: list[SyncStream[Any]] = []
        self._thread.start()
        self.ws: KalshiWebSocket = self._call(self._make(env, options))

    async def _make(self, env: str | None, options: dict[str, Any]) -> KalshiWebSocket:
        ws = KalshiWebSocket(env, **options)
        await ws.connect()
        return ws

    def _call(self, work: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        if not self._thread.is_alive():
            work.close()
            raise StreamClosed("this KalshiStream is closed")
        future: Future[T] = asyncio.run_coroutine_threadsafe(work, self._loop)
        return future.result(timeout)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        if not self._thread.is_alive():
            return
        try:
            self._call(self.ws.close(), timeout=10)
        finally:
            for view in self._views:
                view.end()
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            self._loop.close()

    # --- subscriptions ------------------------------------------------------------------------

    def subscribe(
        self, channel: str, tickers: Iterable[str] | None = None, *, maxsize: int = 100_000,
        **params: Any,
    ) -> SyncStream[Any]:  # fmt: skip
        view: SyncStream[Any] = SyncStream(channel, maxsize)
        listed = None if tickers is None else list(tickers)
        self._call(self.ws.subscribe(channel, listed, on_message=view.put, iterate=False,
                                     **params))  # fmt: skip
        self._views.append(view)
        return view

    def ticker(self, tickers: Iterable[str] | None = None, **params: Any) -> SyncStream[Any]:
        params.setdefault("send_initial_snapshot", True)
        return self.subscribe("ticker", tickers, **params)

    def trades(self, tickers: Iterable[str] | None = None, **params: Any) -> SyncStream[Any]:
        return self.subscribe("trade", tickers, **params)

    def fills(self, tickers: Iterable[str] | None = None, **params: Any) -> SyncStream[Any]:
        return self.subscribe("fill", tickers, **params)

    def positions(self, tickers: Iterable[str] | None = None, **params: Any) -> SyncStream[Any]:
        return self.subscribe("market_positions", tickers, **params)

    def user_orders(self, tickers: Iterable[str] | None = None, **params: Any) -> SyncStream[Any]:
        return self.subscribe("user_orders", tickers, **params)

    def lifecycle(self, **params: Any) -> SyncStream[Any]:
        return self.subscribe("market_lifecycle_v2", None, **params)

    def orderbooks(self, tickers: Iterable[str], **options: Any) -> dict[str, OrderBook]:
        """Live books (updated on the stream's thread); use :meth:`book` for a stable copy."""
        return self._call(self.ws.orderbooks(list(tickers), **options))

    def book(self, ticker: str) -> OrderBook:
        """A consistent copy of one live book, taken between two frames."""

        async def copy() -> OrderBook:
            return self.ws.books[ticker].copy()

        return self._call(copy())

    def update_subscription(
        self, channel: str, *, add: Iterable[str] = (), remove: Iterable[str] = ()
    ) -> None:
        self._call(self.ws.update_subscription(channel, add=list(add), remove=list(remove)))

    def unsubscribe(self, channel: str) -> None:
        self._call(self.ws.unsubscribe(channel))

    def get_snapshot(self, tickers: Iterable[str]) -> None:
        self._call(self.ws.get_snapshot(list(tickers)))

    def list_subscriptions(self) -> list[dict[str, Any]]:
        return self._call(self.ws.list_subscriptions())

    def events(self) -> SyncStream[StreamEvent]:
        view: SyncStream[StreamEvent] = SyncStream("events", 100_000)
        self._loop.call_soon_threadsafe(self.ws.on_event, view.put)
        self._views.append(view)
        return view

    @property
    def stats(self) -> ProtocolStats:
        return self.ws.stats
