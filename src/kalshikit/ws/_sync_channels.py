"""KalshiStream's parts that need no thread: ``SyncStream`` (what each helper returns) and the
typed helpers of the combo, RFQ and reference-price channels.

Beside :mod:`kalshikit.ws.sync` (which holds the market and private channels' helpers) to keep
each module short. Each helper is one :meth:`KalshiStream.subscribe` call, typed; no state, no
I/O of its own.
"""

from __future__ import annotations

import queue
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar, overload

from kalshikit.errors import StreamOverflow
from kalshikit.ws._types import (
    CfBenchmarksFrame,
    CfBenchmarksMsg,
    MultivariateFrame,
    MultivariateMsg,
    PythFrame,
    PythMsg,
    RfqFrame,
    RfqQuoteMsg,
)
from kalshikit.ws.channels import names_param

__all__ = ["SyncChannelHelpers", "SyncStream"]

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


class SyncChannelHelpers:
    """``multivariate_lifecycle``, ``communications``, ``cfbenchmarks`` and ``pyth`` of
    :class:`~kalshikit.ws.sync.KalshiStream`: the async client's helpers, blocking."""

    if TYPE_CHECKING:
        # what each helper calls: KalshiStream.subscribe
        def subscribe(
            self,
            channel: str,
            tickers: Iterable[str] | None = None,
            *,
            frames: bool = False,
            maxsize: int = 100_000,
            **params: Any,
        ) -> SyncStream[Any]: ...

    @overload
    def multivariate_lifecycle(
        self, *, frames: Literal[False] = False, maxsize: int = 100_000, **params: Any
    ) -> SyncStream[MultivariateMsg]: ...

    @overload
    def multivariate_lifecycle(
        self, *, frames: Literal[True], maxsize: int = 100_000, **params: Any
    ) -> SyncStream[MultivariateFrame]: ...

    def multivariate_lifecycle(
        self, *, frames: bool = False, maxsize: int = 100_000, **params: Any
    ) -> SyncStream[MultivariateMsg] | SyncStream[MultivariateFrame]:
        """Combo (multivariate) markets' lifecycle, and their events' creation."""
        return self.subscribe(
            "multivariate_market_lifecycle", None, frames=frames, maxsize=maxsize, **params
        )

    @overload
    def communications(
        self, *, frames: Literal[False] = False, maxsize: int = 100_000, **params: Any
    ) -> SyncStream[RfqQuoteMsg]: ...

    @overload
    def communications(
        self, *, frames: Literal[True], maxsize: int = 100_000, **params: Any
    ) -> SyncStream[RfqFrame]: ...

    def communications(
        self, *, frames: bool = False, maxsize: int = 100_000, **params: Any
    ) -> SyncStream[RfqQuoteMsg] | SyncStream[RfqFrame]:
        """RFQs and quotes (private)."""
        return self.subscribe("communications", None, frames=frames, maxsize=maxsize, **params)

    @overload
    def cfbenchmarks(
        self,
        index_ids: Iterable[str] | None = None,
        *,
        frames: Literal[False] = False,
        maxsize: int = 100_000,
        **params: Any,
    ) -> SyncStream[CfBenchmarksMsg]: ...

    @overload
    def cfbenchmarks(
        self,
        index_ids: Iterable[str] | None = None,
        *,
        frames: Literal[True],
        maxsize: int = 100_000,
        **params: Any,
    ) -> SyncStream[CfBenchmarksFrame]: ...

    def cfbenchmarks(
        self,
        index_ids: Iterable[str] | None = None,
        *,
        frames: bool = False,
        maxsize: int = 100_000,
        **params: Any,
    ) -> SyncStream[CfBenchmarksMsg] | SyncStream[CfBenchmarksFrame]:
        """CF Benchmarks index values (None: every index), with their 60-second averages."""
        ids = names_param("index_ids", index_ids)
        return self.subscribe(
            "cfbenchmarks_value", None, frames=frames, maxsize=maxsize, index_ids=ids, **params
        )

    @overload
    def pyth(
        self,
        underlying_tickers: Iterable[str] | None = None,
        *,
        frames: Literal[False] = False,
        maxsize: int = 100_000,
        **params: Any,
    ) -> SyncStream[PythMsg]: ...

    @overload
    def pyth(
        self,
        underlying_tickers: Iterable[str] | None = None,
        *,
        frames: Literal[True],
        maxsize: int = 100_000,
        **params: Any,
    ) -> SyncStream[PythFrame]: ...

    def pyth(
        self,
        underlying_tickers: Iterable[str] | None = None,
        *,
        frames: bool = False,
        maxsize: int = 100_000,
        **params: Any,
    ) -> SyncStream[PythMsg] | SyncStream[PythFrame]:
        """Pyth prices of underlyings (None: every underlying)."""
        tickers = names_param("underlying_tickers", underlying_tickers)
        return self.subscribe(
            "pyth_value",
            None,
            frames=frames,
            maxsize=maxsize,
            underlying_tickers=tickers,
            **params,
        )
