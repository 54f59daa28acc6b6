"""KalshiWebSocket: one resilient stream of Kalshi market and account data.

One reader task owns the socket and feeds every frame to the sans-I/O :class:`Protocol`, which
keeps subscriptions, sids, sequence numbers and books; commands wait for their replies on
futures, so no data frame is ever read and dropped while a command waits. When the socket dies
the client re-signs, reconnects with jittered backoff, restores every subscription and
re-snapshots every book; a refused handshake (401, 403) is raised instead of retried.

The typed channel helpers (``ticker``, ``trades``, ``fills``, ...) come from
:class:`~kalshikit.ws.channels.ChannelHelpers`: each is one ``subscribe`` call, typed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar

from kalshikit.auth import Signer
from kalshikit.config import APIConfig, Environment
from kalshikit.errors import (
    APIConnectionError,
    CommandRefused,
    KalshiError,
    SandboxNotRunning,
    StreamClosed,
    ValidationError,
)
from kalshikit.http.client import AsyncKalshiClient
from kalshikit.models.stream import AnyFrame, ErrorFrame
from kalshikit.orderbook import OrderBook
from kalshikit.ws._transport import (
    DEFAULT_MAX_FRAME_BYTES,
    RETRYABLE,
    Connector,
    Transport,
    close_reason,
    connection_error,
    open_websocket,
    permanent_failure,
)
from kalshikit.ws._types import BOOK_CHANNEL, Command, FrameSink, StreamEvent, Subscription
from kalshikit.ws.backoff import Backoff
from kalshikit.ws.capture import CaptureWriter
from kalshikit.ws.channels import ChannelHelpers
from kalshikit.ws.protocol import Protocol, ProtocolStats
from kalshikit.ws.stream import Stream

__all__ = ["KalshiWebSocket"]

_log = logging.getLogger("kalshikit.ws")
EventCallback = Callable[[StreamEvent], Any]
T = TypeVar("T")


class KalshiWebSocket(ChannelHelpers):
    """``async with KalshiWebSocket(env="demo") as ws:`` then subscribe with the helpers.

    Every helper returns a :class:`Stream` of its channel's message type (``ticker`` a
    ``Stream[TickerMsg]``, ...); :meth:`orderbooks` returns live :class:`OrderBook` objects.
    ``events()`` / ``on_event`` report the stream's health: connected, disconnected,
    reconnecting, gap, recovered ...

    The helpers share these options: ``on_message`` (called in the reader task with each
    message), ``iterate=False`` (callback only: nothing is buffered), ``frames=True`` (whole
    frames, e.g. ``TickerFrame``, instead of their ``msg``), ``maxsize`` (the buffer's bound);
    any other keyword is a channel option sent as is (``skip_ticker_ack``, ...).

    No frame the server sends and no callback of yours can stop the reader: unreadable frames
    and raising callbacks are logged, counted in :attr:`stats` and reported as events, and the
    stream goes on with every book exact or marked untrusted until it is re-snapshotted.
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
        self.config = config or APIConfig.resolve(env)
        self._signer = signer
        self.backoff = backoff or Backoff()
        self._connector = connector or open_websocket(dead_after_s, max_frame_bytes=max_frame_bytes)
        self._command_timeout_s = command_timeout_s
        self._capture_path = Path(capture) if capture is not None else None
        self._crosscheck_client = crosscheck  # an AsyncKalshiClient for REST top-of-book checks
        self._crosscheck_interval_s = crosscheck_interval_s
        self.protocol = Protocol(
            on_reply=self._on_reply,
            on_event=self._on_event,
            max_markets=max_markets_per_subscription,  # longer lists are split (error 26)
        )
        self._conn: Transport | None = None
        self._runner: asyncio.Task[None] | None = None
        self._checker: asyncio.Task[None] | None = None
        self._connected = asyncio.Event()
        self._failure: BaseException | None = None
        self._closing = False
        self._replies: dict[int, asyncio.Future[AnyFrame | None]] = {}
        self._ready: dict[Subscription, list[asyncio.Future[None]]] = {}
        self._event_callbacks: list[EventCallback] = []
        self._event_streams: list[Stream[StreamEvent]] = []
        self._capture: CaptureWriter | None = None

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
        """Open the first connection; errors here are raised (later drops reconnect)."""
        if self._runner is not None:
            return
        signer = self._signer or self.config.signer()  # ConfigError names the missing variables
        self._signer = signer
        if self._capture_path is not None:
            self._capture = CaptureWriter(self._capture_path)
        conn = await self._open_first()
        self._runner = asyncio.create_task(self._run(conn), name="kalshikit-ws-reader")
        await self._connected.wait()
        if self._crosscheck_client is not None:
            self._checker = asyncio.create_task(self._crosscheck_loop(), name="kalshikit-ws-check")

    async def close(self) -> None:
        """Close the socket, end every stream, stop the tasks."""
        self._closing = True
        for task in (self._checker, self._runner):
            if task is not None:
                task.cancel()
                try:
                    await task
                except asyncio.CancelledError:
                    pass
                except Exception:  # a failure was already reported; closing must still finish
                    _log.exception("a stream task had failed")
        await self._drop_socket()
        self._finish_all(None)
        if self._capture is not None:
            self._capture.close()

    @property
    def connected(self) -> bool:
        return self._conn is not None and self.protocol.connected

    @property
    def stats(self) -> ProtocolStats:
        return self.protocol.stats

    @property
    def books(self) -> dict[str, OrderBook]:
        """Every live book, by market ticker."""
        return self.protocol.books

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
        on_frame: FrameSink | None = None,
        **params: Any,
    ) -> Stream[Any]:
        """Subscribe to any channel and get a :class:`Stream` of its messages.

        ``on_frame`` is the low-level hook for consumers that must keep up with a whole feed
        (the tape recorder): called in the reader with every frame of the subscription, all
        its markets, with no view in between. It must never raise: an exception is taken as
        a frame that could not be applied (counted, and the books refetched).
        """
        self._check_open()
        wanted = None if tickers is None else frozenset(_tickers(tickers))
        subs = self.protocol.subscribe(channel, wanted, **params)
        view: Stream[Any] = Stream(
            channel, wanted, callback=on_message, maxsize=maxsize, frames=frames,
            iterate=iterate, on_close=self._detach, on_error=self._callback_failed,
        )  # fmt: skip
        for sub in subs:  # before the subscribe is sent: the first snapshots follow its ack
            if iterate or on_message is not None:  # a view nobody reads costs a call per frame
                sub.sinks.append(view.push)
            if on_frame is not None:
                sub.sinks.append(on_frame)
        # waiters first: the reader may take the reply while the command is being sent
        waiters = [self._ready_future(sub) for sub in subs if sub.sid is None]
        await self._flush()
        for future in waiters:
            await self._wait(future, f"subscribing to {channel}")
        return view

    def _callback_failed(self, view: Stream[Any], error: Exception) -> None:
        self.protocol.stats.callback_errors += 1
        detail = f"an on_message callback of {view.channel} raised: {error!r}"
        self._on_event(StreamEvent("callback_error", detail, view.channel))

    def _detach(self, view: Stream[Any]) -> None:
        for sub in self.protocol.subscriptions:
            if view.push in sub.sinks:
                sub.sinks.remove(view.push)

    async def orderbooks(
        self, tickers: Iterable[str], *, use_yes_price: bool = False, wait_s: float = 10.0
    ) -> dict[str, OrderBook]:
        """Live books for ``tickers``, returned once each holds its first snapshot."""
        wanted = _tickers(tickers)
        options: dict[str, Any] = {"use_yes_price": True} if use_yes_price else {}
        await self.subscribe(BOOK_CHANNEL, wanted, iterate=False, **options)
        books = {ticker: self.protocol.books[ticker] for ticker in wanted}
        await _until_trusted(books.values(), wait_s)
        return books

    async def update_subscription(
        self, channel: str, *, add: Iterable[str] = (), remove: Iterable[str] = ()
    ) -> None:
        """Add or remove markets of a subscribed channel; raises CommandRefused on an error."""
        self._check_open()
        commands = self.protocol.update(channel, add=_tickers(add, empty=True),
                                        remove=_tickers(remove, empty=True))  # fmt: skip
        await self._await_commands(commands)

    async def unsubscribe(self, channel: str) -> None:
        """Drop a channel: its streams end and its books leave :attr:`books`."""
        self._check_open()
        subs = self.protocol.channel(channel)
        commands = self.protocol.unsubscribe(channel)
        for sub in subs:
            self._release(sub, None)
        await self._await_commands(commands)

    async def get_snapshot(self, tickers: Iterable[str]) -> None:
        """Re-snapshot some books now (they are untrusted until the snapshots arrive)."""
        self._check_open()
        await self._await_commands(self.protocol.get_snapshot(_tickers(tickers)))

    async def list_subscriptions(self) -> list[dict[str, Any]]:
        """The server's view: ``[{"channel", "sid"}, ...]``."""
        self._check_open()
        if not self.connected:
            raise APIConnectionError("not connected; try again once the stream reconnects")
        reply = await self._await_command(self.protocol.list_subscriptions())
        listing = getattr(reply, "msg", None)
        return list(listing) if isinstance(listing, list) else []

    # --- health events ------------------------------------------------------------------------

    def on_event(self, callback: EventCallback) -> Callable[[], None]:
        """Call ``callback(event)`` on every health event; returns the unsubscribe function."""
        self._event_callbacks.append(callback)
        return lambda: self._event_callbacks.remove(callback)

    def events(self) -> Stream[StreamEvent]:
        """Health events as an async iterator."""
        view: Stream[StreamEvent] = Stream("events", None, frames=True,
                                           on_close=self._event_streams.remove)  # fmt: skip
        self._event_streams.append(view)
        return view

    def _on_event(self, event: StreamEvent) -> None:
        _log.info("%s: %s", event.kind, event.detail)
        failures = []
        for callback in tuple(self._event_callbacks):
            try:
                callback(event)
            except Exception as error:
                self.protocol.stats.callback_errors += 1
                _log.exception("an on_event callback raised; the stream goes on")
                failures.append(
                    StreamEvent("callback_error", f"an on_event callback raised: {error!r}")
                )
        # reported to the event iterators only: a callback that always raises would loop forever
        for view in tuple(self._event_streams):
            for item in (event, *failures):
                view.push(item)

    # --- the connection loop ------------------------------------------------------------------

    async def _open_first(self) -> Transport:
        try:
            return await self._open()
        except RETRYABLE as error:
            raise self._first_failure(error) from error

    def _first_failure(self, error: BaseException) -> KalshiError:
        fatal = permanent_failure(error)
        if fatal is not None:
            return fatal
        if self.config.environment is Environment.LOCAL and isinstance(error, OSError):
            return SandboxNotRunning(
                f"nothing answers at {self.config.ws_url}: start the sandbox with "
                "`kalshi sandbox start` (or use kalshikit.sandbox.running() in Python)"
            )
        return connection_error(self.config.ws_url, error)

    async def _open(self) -> Transport:
        assert self._signer is not None
        headers = self._signer.ws_headers(self.config.ws_url)  # a fresh signature each attempt
        return await self._connector(self.config.ws_url, headers)

    async def _run(self, conn: Transport | None) -> None:
        attempt = 0
        try:
            while not self._closing:
                if conn is None:
                    conn = await self._reconnect(attempt := attempt + 1)
                started = time.monotonic()
                await self._serve(conn)
                conn = None
                if time.monotonic() - started >= self.backoff.healthy_after_s:
                    attempt = 0
        except KalshiError as error:
            self._failure = error
            self._finish_all(error)
            self._connected.set()

    async def _reconnect(self, attempt: int) -> Transport:
        while True:
            if self.backoff.gives_up(attempt):
                raise StreamClosed(f"gave up after {attempt - 1} failed reconnects")
            delay = self.backoff.delay(attempt)
            self._on_event(StreamEvent("reconnecting", f"attempt {attempt} in {delay:.2f}s"))
            await asyncio.sleep(delay)
            try:
                return await self._open()
            except RETRYABLE as error:
                fatal = permanent_failure(error)
                if fatal is not None:
                    raise StreamClosed(f"reconnect refused: {fatal}") from fatal
                _log.info("reconnect attempt %d failed: %s", attempt, error)
                attempt += 1

    async def _serve(self, conn: Transport) -> None:
        self._conn = conn
        self.protocol.connection_made()
        self._on_event(StreamEvent("connected", self.config.ws_url))
        self._connected.set()
        lost: BaseException | None = None
        try:
            await self._flush()
            await self._read(conn)
        except RETRYABLE as error:
            lost = error
            _log.info("connection lost: %s", error)
        finally:
            self._conn = None
            self._lost(self.protocol.connection_lost())
            with contextlib.suppress(Exception):
                await conn.close()
        if not self._closing:
            reason = close_reason(lost)
            if reason.slow_consumer:
                self._on_event(StreamEvent("slow_consumer", reason.detail))
            self._on_event(StreamEvent("disconnected", reason.detail))

    async def _read(self, conn: Transport) -> None:
        receive, outbox, capture = self.protocol.receive, self.protocol.outbox, self._capture
        async for raw in conn:
            now_ms = time.time_ns() // 1_000_000
            if capture is not None:
                capture.received(now_ms, raw)
            try:
                receive(raw, now_ms)  # handles bad frames itself; this guard is the last line
            except Exception as error:
                self.protocol.stats.malformed_frames += 1
                _log.exception("a frame could not be handled; the stream goes on")
                self._on_event(StreamEvent("malformed_frame", f"not handled: {error!r}"))
            if outbox:
                await self._flush()

    async def _flush(self) -> None:
        conn, outbox = self._conn, self.protocol.outbox
        while outbox and conn is not None:
            command = outbox.pop(0)
            if self._capture is not None:
                self._capture.sent(time.time_ns() // 1_000_000, command.payload)
            await conn.send(command.payload.decode())

    async def _drop_socket(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.close()

    # --- replies and waiting ------------------------------------------------------------------

    def _on_reply(self, command: Command, frame: AnyFrame) -> None:
        error = _refusal(command, frame)
        if command.kind == "subscribe" and command.sub is not None:
            self._release(command.sub, error)
        future = self._replies.pop(command.id, None)
        if future is not None and not future.done():
            if error is not None:
                future.set_exception(error)
            else:
                future.set_result(frame)

    def _lost(self, abandoned: list[Command]) -> None:
        """Commands unanswered when the socket died: the resubscription carries their effect."""
        for command in abandoned:
            future = self._replies.pop(command.id, None)
            if future is not None and not future.done():
                if command.kind == "list":
                    future.set_exception(APIConnectionError("the connection dropped"))
                else:
                    future.set_result(None)  # the resubscription on the next connection does it

    def _release(self, sub: Subscription, error: BaseException | None) -> None:
        for future in self._ready.pop(sub, []):
            if not future.done():
                future.set_exception(error) if error else future.set_result(None)
        if error is not None:
            for sink in sub.sinks:
                owner = getattr(sink, "__self__", None)
                if isinstance(owner, Stream):
                    owner.finish(error)

    def _ready_future(self, sub: Subscription) -> asyncio.Future[None]:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._ready.setdefault(sub, []).append(future)
        return future

    async def _await_commands(self, commands: list[Command]) -> None:
        for command in commands:
            await self._await_command(command)

    async def _await_command(self, command: Command) -> AnyFrame | None:
        if not self.protocol.connected:
            return None  # applied to the registry; the next connection carries it
        future: asyncio.Future[AnyFrame | None] = asyncio.get_running_loop().create_future()
        self._replies[command.id] = future
        await self._flush()
        return await self._wait(future, command.payload.decode())

    async def _wait(self, future: asyncio.Future[T], what: str) -> T:
        try:
            return await asyncio.wait_for(asyncio.shield(future), self._command_timeout_s)
        except TimeoutError:
            raise APIConnectionError(
                f"no reply within {self._command_timeout_s:g}s to {what}"
            ) from None

    def _check_open(self) -> None:
        if self._failure is not None:
            raise StreamClosed(f"the stream has stopped: {self._failure}") from self._failure
        if self._runner is None or self._closing:
            raise StreamClosed("not open: use `async with KalshiWebSocket(...)` or connect()")

    def _finish_all(self, error: BaseException | None) -> None:
        failure = StreamClosed(f"the stream stopped: {error}") if error else None
        if failure is not None:
            failure.__cause__ = error
        for sub in self.protocol.subscriptions:
            for future in self._ready.pop(sub, []):
                if not future.done():
                    future.set_exception(failure or StreamClosed("closed"))
            for sink in sub.sinks:
                owner = getattr(sink, "__self__", None)
                if isinstance(owner, Stream):
                    owner.finish(failure)
        for view in self._event_streams:
            view.finish(failure)

    # --- the optional REST cross-check --------------------------------------------------------

    async def _crosscheck_loop(self) -> None:
        while True:
            await asyncio.sleep(self._crosscheck_interval_s)
            for ticker, book in list(self.protocol.books.items()):
                if book.trusted and await self._top_differs(ticker, book):
                    self._on_event(StreamEvent("mismatch", "top of book differs from REST",
                                               BOOK_CHANNEL, None, (ticker,)))  # fmt: skip
                    with contextlib.suppress(KalshiError):
                        await self.get_snapshot([ticker])

    async def _top_differs(self, ticker: str, book: OrderBook) -> bool:
        assert self._crosscheck_client is not None
        version = book.version
        try:
            rest = OrderBook.from_rest(
                ticker, await self._crosscheck_client.markets.orderbook(ticker)
            )
        except KalshiError as error:
            _log.info("cross-check of %s skipped: %s", ticker, error)
            return False
        if book.version != version or not book.trusted:
            return False  # the stream moved while REST answered: nothing to compare
        return _top(rest) != _top(book)


def _top(book: OrderBook) -> tuple[object, ...]:
    """The best level of each side, price and size: what the cross-check compares."""
    return (*book.depth(1, "yes"), *book.depth(1, "no"))


def _refusal(command: Command, frame: AnyFrame) -> CommandRefused | None:
    if type(frame) is not ErrorFrame:
        return None
    name = command.payload.decode() if command.payload else command.kind
    return CommandRefused(frame.msg.code, frame.msg.msg, name)


def _tickers(tickers: Iterable[str], *, empty: bool = False) -> list[str]:
    if isinstance(tickers, str):
        raise ValidationError(f"pass a list of tickers, not the string {tickers!r}")
    listed = list(tickers)
    if not listed and not empty:
        raise ValidationError("name at least one market ticker")
    return listed


async def _until_trusted(books: Iterable[OrderBook], wait_s: float) -> None:
    pending = [book for book in books if not book.trusted]
    if not pending:
        return
    done = asyncio.get_running_loop().create_future()

    def check(_: OrderBook) -> None:
        if all(book.trusted for book in pending) and not done.done():
            done.set_result(None)

    removers = [book.on_update(check) for book in pending]
    try:
        await asyncio.wait_for(done, wait_s)
    except TimeoutError:
        missing = [book.ticker for book in pending if not book.trusted]
        raise APIConnectionError(f"no snapshot within {wait_s:g}s for {missing}") from None
    finally:
        for remove in removers:
            remove()
