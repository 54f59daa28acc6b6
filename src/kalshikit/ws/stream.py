"""One consumer's view of a channel: an async iterator, a callback, or both.

The reader task pushes every frame of the subscription; the view keeps those of its markets.
The buffer is bounded, and a consumer that falls behind gets :class:`StreamOverflow` raised into
its iterator after the messages already buffered: nothing is ever dropped silently.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from kalshikit.errors import StreamOverflow

__all__ = ["Stream", "market_of"]

T = TypeVar("T")
_log = logging.getLogger("kalshikit.ws")
_END = object()


def market_of(msg: Any) -> str | None:
    """The market a payload is about (``ticker`` on user orders), or None."""
    ticker = getattr(msg, "market_ticker", None)
    return ticker if ticker is not None else getattr(msg, "ticker", None)


class Stream(Generic[T]):
    """Messages of one channel for some markets (None: all), best read with ``async for``.

    Yields the payload (``frame.msg``) by default, or whole frames with ``frames=True``.
    ``callback`` is called in the reader task for each message, before it is buffered; an
    exception there is logged with its traceback, counted in :attr:`callback_errors` and
    passed to ``on_error`` (the client reports it as a ``callback_error`` event); it is never
    fatal to the stream.
    """

    def __init__(
        self,
        channel: str,
        tickers: frozenset[str] | None,
        *,
        callback: Callable[[T], Any] | None = None,
        maxsize: int = 100_000,
        frames: bool = False,
        iterate: bool = True,
        on_close: Callable[[Stream[T]], None] | None = None,
        on_error: Callable[[Stream[T], Exception], None] | None = None,
    ) -> None:
        self.channel = channel
        self.tickers = tickers
        self._callback = callback
        self._maxsize = maxsize
        self._frames = frames
        self._iterate = iterate  # False: callback only, nothing buffered
        self._on_close = on_close
        self._on_error = on_error
        self.callback_errors = 0
        self._buffer: deque[Any] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self._failure: BaseException | None = None
        self.closed = False

    # --- the reader's side --------------------------------------------------------------------

    def push(self, frame: Any) -> None:
        item = frame if self._frames else frame.msg
        if self.tickers is not None and market_of(frame.msg) not in self.tickers:
            return
        if self._callback is not None:
            self._call(item)
        if not self._iterate or self.closed:
            return
        if len(self._buffer) >= self._maxsize:
            self._fail(StreamOverflow(f"{self.channel}: more than {self._maxsize} unread messages"))
            return
        self._buffer.append(item)
        self._wake()

    def _call(self, item: Any) -> None:
        assert self._callback is not None
        try:
            self._callback(item)
        except Exception as error:
            self.callback_errors += 1
            _log.exception("a %s callback raised; the stream goes on", self.channel)
            if self._on_error is not None:
                self._on_error(self, error)

    def finish(self, failure: BaseException | None = None) -> None:
        """No more messages: the iterator ends (or raises ``failure`` once drained)."""
        if failure is not None and self._failure is None:
            self._failure = failure
        self._buffer.append(_END)
        self._wake()

    def _fail(self, failure: BaseException) -> None:
        self._failure = failure
        self.closed = True
        self._buffer.append(_END)
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # --- the consumer's side ------------------------------------------------------------------

    def __aiter__(self) -> Stream[T]:
        return self

    async def __anext__(self) -> T:
        while not self._buffer:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        item = self._buffer.popleft()
        if item is _END:
            self._buffer.appendleft(_END)  # stay ended for later calls
            if self._failure is not None:
                raise self._failure
            raise StopAsyncIteration
        result: T = item
        return result

    async def next(self, wait_s: float | None = None) -> T:
        """The next message, waiting at most ``wait_s`` seconds (TimeoutError after)."""
        return await asyncio.wait_for(self.__anext__(), wait_s)

    def drain(self) -> list[T]:
        """Every message buffered now, without waiting."""
        items: list[T] = []
        while self._buffer and self._buffer[0] is not _END:
            items.append(self._buffer.popleft())
        return items

    def close(self) -> None:
        """Stop this view (the subscription stays for other views)."""
        if not self.closed:
            self.closed = True
            self.finish()
            if self._on_close is not None:
                self._on_close(self)

    def __repr__(self) -> str:
        markets = "all" if self.tickers is None else len(self.tickers)
        return f"Stream({self.channel!r}, markets={markets}, buffered={len(self._buffer)})"
