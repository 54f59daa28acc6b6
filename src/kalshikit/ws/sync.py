"""KalshiStream: the WebSocket client for code without an event loop (scripts, notebooks).

A background thread runs an event loop with a :class:`KalshiWebSocket`; every method here hands
its work to that loop and waits. Messages reach the caller through thread-safe queues; books
stay live objects updated by the loop, and :meth:`KalshiStream.book` returns a consistent copy.
"""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import Callable, Coroutine, Iterable
from concurrent.futures import Future
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Self, TypeVar, overload

from kalshikit.auth import Signer
from kalshikit.config import APIConfig, Environment
from kalshikit.errors import StreamClosed
from kalshikit.http.client import AsyncKalshiClient
from kalshikit.models.stream import (
    FillFrame,
    FillMsg,
    OrderGroupFrame,
    OrderGroupMsg,
    PositionFrame,
    PositionMsg,
    TickerFrame,
    TickerMsg,
    TradeFrame,
    TradeMsg,
    UserOrderFrame,
    UserOrderMsg,
)
from kalshikit.orderbook import OrderBook
from kalshikit.ws._sync_channels import SyncChannelHelpers, SyncStream
from kalshikit.ws._transport import DEFAULT_MAX_FRAME_BYTES, Connector
from kalshikit.ws._types import LifecycleFrame, LifecycleMsg, StreamEvent
from kalshikit.ws.backoff import Backoff
from kalshikit.ws.client import KalshiWebSocket
from kalshikit.ws.protocol import ProtocolStats

__all__ = ["KalshiStream", "SyncStream"]

T = TypeVar("T")


class KalshiStream(SyncChannelHelpers):
    """The same features as :class:`KalshiWebSocket`, with no asyncio in the caller's code.

    ``with KalshiStream(env="local") as stream: books = stream.orderbooks(["TICKER"])``

    Every helper returns a :class:`SyncStream` of its channel's message type (``ticker`` a
    ``SyncStream[TickerMsg]``, ...), or of whole frames with ``frames=True``; ``maxsize``
    bounds its queue, and any other keyword is a channel option sent as is.
    """

    def __init__(
        self,
        env: Environment | str | None = None,
        *,
        config: APIConfig | None = None,
        signer: Signer | None = None,
        backoff: Backoff | None = None,
        connector: Connector | None = None,
        dead_after_s: float = 30.0,
        command_timeout_s: float = 10.0,
        capture: str | Path | None = None,
        crosscheck: AsyncKalshiClient | None = None,
        crosscheck_interval_s: float = 30.0,
        max_markets_per_subscription: int = 250,
        max_frame_bytes: int | None = DEFAULT_MAX_FRAME_BYTES,
    ) -> None:
        """Start the stream's thread and connect; the options are :class:`KalshiWebSocket`'s.

        A refused or failed first connection is raised here, as ``KalshiWebSocket.connect``
        raises it; later drops reconnect by themselves.
        """
        make = functools.partial(
            KalshiWebSocket,
            env,
            config=config,
            signer=signer,
            backoff=backoff,
            connector=connector,
            dead_after_s=dead_after_s,
            command_timeout_s=command_timeout_s,
            capture=capture,
            crosscheck=crosscheck,
            crosscheck_interval_s=crosscheck_interval_s,
            max_markets_per_subscription=max_markets_per_subscription,
            max_frame_bytes=max_frame_bytes,
        )
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True,
                                        name="kalshikit-stream")  # fmt: skip
        self._views: list[SyncStream[Any]] = []
        self._thread.start()
        self.ws: KalshiWebSocket = self._call(_connected(make))

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
        """Close the socket, end every stream's iterator and stop the thread."""
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
        self,
        channel: str,
        tickers: Iterable[str] | None = None,
        *,
        frames: bool = False,
        maxsize: int = 100_000,
        **params: Any,
    ) -> SyncStream[Any]:
        """Subscribe to any channel and get a :class:`SyncStream` of its messages."""
        view: SyncStream[Any] = SyncStream(channel, maxsize)
        listed = None if tickers is None else list(tickers)
        self._call(self.ws.subscribe(channel, listed, on_message=view.put, iterate=False,
                                     frames=frames, **params))  # fmt: skip
        self._views.append(view)
        return view

    # The typed channel helpers. Each has two overloads because ``frames=True`` yields whole
    # frames (``TickerFrame``) instead of their payloads (``TickerMsg``): mypy picks the
    # element type from the literal given.

    @overload
    def ticker(
        self,
        tickers: Iterable[str] | None = None,
        *,
        frames: Literal[False] = False,
        maxsize: int = 100_000,
        send_initial_snapshot: bool = True,
        **params: Any,
    ) -> SyncStream[TickerMsg]: ...

    @overload
    def ticker(
        self,
        tickers: Iterable[str] | None = None,
        *,
        frames: Literal[True],
        maxsize: int = 100_000,
        send_initial_snapshot: bool = True,
        **params: Any,
    ) -> SyncStream[TickerFrame]: ...

    def ticker(
        self,
        tickers: Iterable[str] | None = None,
        *,
        frames: bool = False,
        maxsize: int = 100_000,
        send_initial_snapshot: bool = True,
        **params: Any,
    ) -> SyncStream[TickerMsg] | SyncStream[TickerFrame]:
        """Ticker updates (full state per message); the current state of each market first."""
        return self.subscribe("ticker", tickers, frames=frames, maxsize=maxsize,
                              send_initial_snapshot=send_initial_snapshot, **params)  # fmt: skip

    @overload
    def trades(
        self,
        tickers: Iterable[str] | None = None,
        *,
        frames: Literal[False] = False,
        maxsize: int = 100_000,
        **params: Any,
    ) -> SyncStream[TradeMsg]: ...

    @overload
    def trades(
        self,
        tickers: Iterable[str] | None = None,
        *,
        frames: Literal[True],
        maxsize: int = 100_000,
        **params: Any,
    ) -> SyncStream[TradeFrame]: ...

    def trades(
        self,
        tickers: Iterable[str] | None = None,
        *,
        frames: bool = False,
        maxsize: int = 100_000,
        **params: Any,
    ) -> SyncStream[TradeMsg] | SyncStream[TradeFrame]:
        """Public trades as they print."""
        return self.subscribe("trade", tickers, frames=frames, maxsize=maxsize, **params)

    @overload
    def fills(
        self,
        tickers: Iterable[str] | None = None,
        *,
        frames: Literal[False] = False,
        maxsize: int = 100_000,
        **params: Any,
    ) -> SyncStream[FillMsg]: ...

    @overload
    def fills(
        self,
        tickers: Iterable[str] | None = None,
        *,
        frames: Literal[True],
        maxsize: int = 100_000,
        **params: Any,
    ) -> SyncStream[FillFrame]: ...

    def fills(
        self,
        tickers: Iterable[str] | None = None,
        *,
        frames: bool = False,
        maxsize: int = 100_000,
        **params: Any,
    ) -> SyncStream[FillMsg] | SyncStream[FillFrame]:
        """Your fills (private)."""
        return self.subscribe("fill", tickers, frames=frames, maxsize=maxsize, **params)

    @overload
    def positions(
        self,
        tickers: Iterable[str] | None = None,
        *,
        frames: Literal[False] = False,
        maxsize: int = 100_000,
        **params: Any,
    ) -> SyncStream[PositionMsg]: ...

    @overload
    def positions(
        self,
        tickers: Iterable[str] | None = None,
        *,
        frames: Literal[True],
        maxsize: int = 100_000,
        **params: Any,
    ) -> SyncStream[PositionFrame]: ...

    def positions(
        self,
        tickers: Iterable[str] | None = None,
        *,
        frames: bool = False,
        maxsize: int = 100_000,
        **params: Any,
    ) -> SyncStream[PositionMsg] | SyncStream[PositionFrame]:
        """Your market positions (private)."""
        return self.subscribe("market_positions", tickers, frames=frames, maxsize=maxsize, **params)

    @overload
    def user_orders(
        self,
        tickers: Iterable[str] | None = None,
        *,
        frames: Literal[False] = False,
        maxsize: int = 100_000,
        **params: Any,
    ) -> SyncStream[UserOrderMsg]: ...

    @overload
    def user_orders(
        self,
        tickers: Iterable[str] | None = None,
        *,
        frames: Literal[True],
        maxsize: int = 100_000,
        **params: Any,
    ) -> SyncStream[UserOrderFrame]: ...

    def user_orders(
        self,
        tickers: Iterable[str] | None = None,
        *,
        frames: bool = False,
        maxsize: int = 100_000,
        **params: Any,
    ) -> SyncStream[UserOrderMsg] | SyncStream[UserOrderFrame]:
        """Your orders as they change (private)."""
        return self.subscribe("user_orders", tickers, frames=frames, maxsize=maxsize, **params)

    @overload
    def lifecycle(
        self,
        *,
        frames: Literal[False] = False,
        maxsize: int = 100_000,
        **params: Any,
    ) -> SyncStream[LifecycleMsg]: ...

    @overload
    def lifecycle(
        self,
        *,
        frames: Literal[True],
        maxsize: int = 100_000,
        **params: Any,
    ) -> SyncStream[LifecycleFrame]: ...

    def lifecycle(
        self,
        *,
        frames: bool = False,
        maxsize: int = 100_000,
        **params: Any,
    ) -> SyncStream[LifecycleMsg] | SyncStream[LifecycleFrame]:
        """Market and event lifecycle: created, activated, closed dates, determined, settled;
        new events and their fee changes (``LifecycleMsg`` is the union of the three)."""
        return self.subscribe("market_lifecycle_v2", None, frames=frames, maxsize=maxsize, **params)

    @overload
    def order_groups(
        self,
        *,
        frames: Literal[False] = False,
        maxsize: int = 100_000,
        **params: Any,
    ) -> SyncStream[OrderGroupMsg]: ...

    @overload
    def order_groups(
        self,
        *,
        frames: Literal[True],
        maxsize: int = 100_000,
        **params: Any,
    ) -> SyncStream[OrderGroupFrame]: ...

    def order_groups(
        self,
        *,
        frames: bool = False,
        maxsize: int = 100_000,
        **params: Any,
    ) -> SyncStream[OrderGroupMsg] | SyncStream[OrderGroupFrame]:
        """Your order groups as they change: created, triggered, reset, deleted (private)."""
        return self.subscribe("order_group_updates", None, frames=frames, maxsize=maxsize, **params)

    def orderbooks(
        self, tickers: Iterable[str], *, use_yes_price: bool = False, wait_s: float = 10.0
    ) -> dict[str, OrderBook]:
        """Live books (updated on the stream's thread); use :meth:`book` for a stable copy."""
        books = self.ws.orderbooks(list(tickers), use_yes_price=use_yes_price, wait_s=wait_s)
        return self._call(books)

    def book(self, ticker: str) -> OrderBook:
        """A consistent copy of one live book, taken between two frames."""

        async def copy() -> OrderBook:
            return self.ws.books[ticker].copy()

        return self._call(copy())

    def update_subscription(
        self, channel: str, *, add: Iterable[str] = (), remove: Iterable[str] = ()
    ) -> None:
        """Add or remove markets of a subscribed channel; raises CommandRefused on an error."""
        self._call(self.ws.update_subscription(channel, add=list(add), remove=list(remove)))

    def unsubscribe(self, channel: str) -> None:
        """Drop a channel: its streams end and its books leave ``ws.books``."""
        self._call(self.ws.unsubscribe(channel))

    def get_snapshot(self, tickers: Iterable[str]) -> None:
        """Re-snapshot some books now (they are untrusted until the snapshots arrive)."""
        self._call(self.ws.get_snapshot(list(tickers)))

    def list_subscriptions(self) -> list[dict[str, Any]]:
        """The server's view: ``[{"channel", "sid"}, ...]``."""
        return self._call(self.ws.list_subscriptions())

    def events(self) -> SyncStream[StreamEvent]:
        """Health events (connected, disconnected, gap, recovered ...) as a blocking iterator."""
        view: SyncStream[StreamEvent] = SyncStream("events", 100_000)
        self._loop.call_soon_threadsafe(self.ws.on_event, view.put)
        self._views.append(view)
        return view

    @property
    def stats(self) -> ProtocolStats:
        """The stream's counters: frames, gaps, duplicates, callback errors ..."""
        return self.ws.stats


async def _connected(make: Callable[[], KalshiWebSocket]) -> KalshiWebSocket:
    """Made and connected on the stream's own loop, where it will live."""
    ws = make()
    await ws.connect()
    return ws
