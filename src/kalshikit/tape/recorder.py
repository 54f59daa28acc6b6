"""The recorder: Kalshi's live market data into a tape, for days (docs/_record_section.md).

:class:`Recorder` lists the open markets a filter covers (REST, through the shared limiter),
subscribes ``orderbook_delta`` and ``ticker`` for them and ``trade`` and ``market_lifecycle_v2``
for all (kept for the markets recorded), and writes each message as rows (``tape/schema.py``).
Markets join on their lifecycle ``created``/``activated`` message and leave when determined.

A book is exact on the tape from its snapshot until a ``reset`` row: one is written when the
stream's book stops being exact (a gap, a reconnect, a resubscribe: the client's health events
and its books' ``trusted`` flag say so), and that market's deltas are left out until the client's
fresh snapshot, so the deltas written are exactly those the client applied. Sampled books are
cross-checked over REST into ``check`` rows (``tape/crosscheck.py``). Rows are written as whole
files every ``flush_every_s`` and when the run ends: a crash loses at most those seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from time import time_ns
from typing import Any, Final

from kalshikit.config import APIConfig
from kalshikit.errors import CommandRefused, KalshiError, ValidationError
from kalshikit.http.client import AsyncKalshiClient
from kalshikit.models.stream import (
    DeltaFrame,
    MarketLifecycleFrame,
    SnapshotFrame,
    TickerFrame,
    TradeFrame,
)
from kalshikit.orderbook import OrderBook
from kalshikit.tape.crosscheck import Verdict, Watch, sample_checks
from kalshikit.tape.encode import Encoder
from kalshikit.tape.files import TapeWriter
from kalshikit.tape.flusher import BackgroundFlusher
from kalshikit.tape.markets import MarketFilter, open_markets
from kalshikit.tape.rows import Rows
from kalshikit.tape.status import RecorderStats
from kalshikit.ws import KalshiWebSocket, StreamEvent

__all__ = ["Recorder", "record"]

_log = logging.getLogger("kalshikit.tape")
BOOK: Final = "orderbook_delta"
# markets are added to and removed from these subscriptions as they come and go; `trade` takes
# no market edits (error 13), so it and the lifecycle cover every market, filtered here
MARKET_CHANNELS: Final = (BOOK, "ticker")
ALL_MARKETS: Final = ("trade", "market_lifecycle_v2")
_JOIN: Final = frozenset({"created", "activated"})
_DROP: Final = frozenset({"determined", "settled"})
# health events after which some books may no longer be exact, and the reset reason they give
_WHY: Final = {
    "gap": "gap", "malformed_frame": "gap", "error": "gap", "duplicate": "gap",
    "disconnected": "reconnect", "slow_consumer": "reconnect", "resubscribed": "resubscribe",
}  # fmt: skip
StatusCallback = Callable[[RecorderStats, float], Any]


class Recorder:
    """Records the markets a filter covers into the tape at ``root``: ``await recorder.run()``.

    ``config`` says where to connect; ``client`` and ``ws`` (not yet connected) may be given
    instead of being made from it (the recorder closes the ``ws`` it uses, never the client).
    ``on_status(stats, messages_per_s)`` is called about every ``status_every_s``.
    """

    def __init__(
        self,
        config: APIConfig | None,
        root: str | Path,
        *,
        client: AsyncKalshiClient | None = None,
        ws: KalshiWebSocket | None = None,
        tickers: Sequence[str] | None = None,
        series: Sequence[str] | None = None,
        event: str | None = None,
        category: str | None = None,
        flush_every_s: float = 60.0,
        check_every_s: float = 30.0,
        check_sample: int = 5,
        seed: int = 0,
        on_status: StatusCallback | None = None,
        status_every_s: float = 1.0,
    ) -> None:
        if config is None and (client is None or ws is None):
            raise ValidationError("pass a config, or both a client and a ws")
        for name, value in (("flush_every_s", flush_every_s), ("check_every_s", check_every_s)):
            if not value > 0:
                raise ValidationError(f"{name} must be > 0 seconds, got {value!r}")
        if check_sample < 0:
            raise ValidationError(f"check_sample must be >= 0, got {check_sample!r}")
        self.filter = MarketFilter.of(tickers, series, event, category)
        self.root = Path(root)
        self.writer = TapeWriter(self.root, flush_every_s=flush_every_s)
        self.stats = RecorderStats(root=str(self.root))
        self.check_every_s, self.check_sample = check_every_s, check_sample
        self.on_status, self.status_every_s = on_status, status_every_s
        self._config, self._client, self._ws = config, client, ws
        self._encoder = Encoder()
        self._rng = random.Random(seed)
        self._markets: set[str] = set()  # recorded now
        # books exact on the tape (a snapshot since the last reset), each with the stream's book
        self._exact: dict[str, OrderBook] = {}
        self._why: dict[str, str] = {}  # books reset and not yet re-snapshotted: why
        self._books: dict[str, OrderBook] = {}  # the stream's live books (set once connected)
        self._watches: dict[str, Watch] = {}  # books under a REST cross-check
        self._dirty: str | None = None  # a health event said books may have gone stale
        self._membership: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
        self._flusher = BackgroundFlusher(self.writer)

    # --- the run ------------------------------------------------------------------------------

    @property
    def markets(self) -> frozenset[str]:
        """The markets being recorded now."""
        return frozenset(self._markets)

    async def run(self, duration: float | None = None) -> RecorderStats:
        """Record until ``duration`` seconds have passed (None: until cancelled); returns stats.

        Bad input (an unknown ticker, an empty category) raises before anything is written.
        """
        if duration is not None and not duration > 0:
            raise ValidationError(f"duration must be > 0 seconds, got {duration!r}")
        self.stats.started_ns = time.time_ns()
        try:
            async with contextlib.AsyncExitStack() as stack:
                client = self._client
                if client is None:
                    made = AsyncKalshiClient(config=self._config)
                    client = await stack.enter_async_context(made)
                tickers = await open_markets(client, self.filter)
                ws = self._ws or KalshiWebSocket(config=self._config)
                await stack.enter_async_context(ws)
                ws.on_event(self._on_event)
                self._books = ws.books
                for channel in ALL_MARKETS:
                    await ws.subscribe(channel, None, iterate=False, on_frame=self._on_frame)
                await self._join(ws, tickers)
                await self._loop(client, ws, duration)
        finally:
            await self._finish()
        return self.stats

    async def _loop(
        self, client: AsyncKalshiClient, ws: KalshiWebSocket, duration: float | None
    ) -> None:
        started = time.monotonic()
        deadline = None if duration is None else started + duration
        tasks = [asyncio.create_task(self._members(ws), name="kalshikit-tape-members")]
        if self.check_sample:
            checks = self._checks(client, ws)
            tasks.append(asyncio.create_task(checks, name="kalshikit-tape-checks"))
        shown, shown_messages = started, 0
        try:
            while deadline is None or time.monotonic() < deadline:
                left = 0.25 if deadline is None else deadline - time.monotonic()
                await asyncio.sleep(max(0.0, min(0.25, left)))
                if self._dirty is not None:
                    self._sweep(time.time_ns())
                if self.writer.due():
                    await self._flusher.flush()
                    self._count_written()
                now = time.monotonic()
                if self.on_status is not None and now - shown >= self.status_every_s:
                    rate = (self.stats.messages - shown_messages) / (now - shown)
                    shown, shown_messages = now, self.stats.messages
                    self._status(rate)
        finally:
            # cancelled again until done: on Python 3.11 a wait_for whose reply lands with the
            # cancel swallows it (gh-86296), and the task would then wait on its queue forever
            while not all(task.done() for task in tasks):
                for task in tasks:
                    task.cancel()
                await asyncio.wait(tasks, timeout=0.1)

    def _status(self, rate: float) -> None:
        try:
            self.on_status(self.stats, rate)  # type: ignore[misc]
        except Exception:  # a display bug must not stop a recording
            _log.exception("the status callback raised")

    async def _finish(self) -> None:
        """Everything buffered onto disk, a flush in flight included."""
        await self._flusher.close()
        self._count_written()
        self.stats.ended_ns = time.time_ns()

    def _count_written(self) -> None:
        self.stats.files, self.stats.bytes = self._flusher.files, self._flusher.bytes

    # --- markets joining and leaving ----------------------------------------------------------

    async def _join(self, ws: KalshiWebSocket, tickers: Sequence[str]) -> None:
        new = [t for t in tickers if t not in self._markets]
        if not new:
            return
        now = time.time_ns()
        for ticker in new:
            self._markets.add(ticker)
            self._reset(now, ticker, "start")
        for channel in MARKET_CHANNELS:
            if ws.protocol.channel(channel):
                await ws.update_subscription(channel, add=new)
            else:  # every frame of the subscription, markets joining later included
                await ws.subscribe(channel, new, iterate=False, on_frame=self._on_frame)
        self.stats.markets = len(self._markets)

    async def _drop(self, ws: KalshiWebSocket, ticker: str) -> None:
        if ticker not in self._markets:
            return
        self._markets.discard(ticker)  # its frames are no longer written from here
        self._exact.pop(ticker, None)
        self._why.pop(ticker, None)
        self.stats.markets = len(self._markets)
        self.stats.dropped += 1
        for channel in MARKET_CHANNELS:
            held: set[str] = set()
            for sub in ws.protocol.channel(channel):
                held |= sub.tickers or set()
            try:
                if held <= {ticker}:  # the last market: a subscription cannot be empty
                    await ws.unsubscribe(channel)
                else:
                    await ws.update_subscription(channel, remove=[ticker])
            except CommandRefused as error:  # e.g. `trade` takes no delete_markets: harmless
                _log.info("%s stays subscribed for %s: %s", channel, ticker, error)

    async def _members(self, ws: KalshiWebSocket) -> None:
        """Apply the joins and drops the lifecycle channel asks for, one at a time."""
        while True:
            action, ticker = await self._membership.get()
            try:
                if action == "join" and ticker not in self._markets:
                    await self._join(ws, [ticker])
                    self.stats.joined += 1
                elif action == "drop":
                    await self._drop(ws, ticker)
                elif action == "refetch" and ticker in self._exact:
                    await self._refetch(ws, ticker)
            except KalshiError as error:  # e.g. the market closed meanwhile: keep recording
                _log.warning("could not %s %s: %s", action, ticker, error)
                if action == "join":  # a later lifecycle message may try again
                    self._markets.discard(ticker)
                    self._exact.pop(ticker, None)
                    self.stats.markets = len(self._markets)

    # --- frames in (called by the stream's reader, never raises) ------------------------------

    def _on_frame(self, frame: Any) -> None:
        try:
            if type(frame) is DeltaFrame and self._dirty is None:  # most of a feed
                self._delta(frame, time_ns())
            else:
                self._record(frame, time_ns())
        except Exception:  # nothing a server sends may stop the recording
            self.stats.skipped += 1
            _log.exception("a %s frame could not be recorded", type(frame).__name__)

    def _record(self, frame: Any, now: int) -> None:
        if self._dirty is not None:
            self._sweep(now)
        kind, rows = type(frame), self.writer.rows
        if kind is DeltaFrame:
            self._delta(frame, now)
        elif kind is SnapshotFrame:
            self._snapshot(frame, now, rows)
        elif kind is TradeFrame or kind is TickerFrame:
            if frame.msg.market_ticker in self._markets:
                encode = self._encoder.trade if kind is TradeFrame else self._encoder.ticker
                self._wrote(encode(rows, now, frame.msg, frame.sid))
        elif kind is MarketLifecycleFrame:
            self._lifecycle(frame, now, rows)

    def _wrote(self, count: int) -> None:
        if count:
            self.stats.messages += 1
            self.stats.rows += count
        else:
            self.stats.skipped += 1

    def _delta(self, frame: DeltaFrame, now: int) -> None:
        """A delta: written when its book is exact on the tape and the stream applied it."""
        ticker = frame.msg.market_ticker
        book = self._exact.get(ticker)  # one lookup on the hot path: the book, if exact
        if book is not None and book.trusted and self._encoder.delta(self.writer.rows, now, frame):
            stats = self.stats
            stats.messages += 1
            stats.rows += 1
            if self._watches and ticker in self._watches:
                self._watches[ticker].seen(book, now)
        else:
            self._unwritten_delta(ticker, book, now)

    def _unwritten_delta(self, ticker: str, book: OrderBook | None, now: int) -> None:
        """Why a delta was not written, and what follows from it."""
        self.stats.skipped += 1
        if ticker not in self._exact:  # the book is unknown until its snapshot: not applied
            return
        if book is None or not book.trusted:  # the frame that showed a gap: nor was it applied
            self._reset(now, ticker, self._dirty or "gap")
        else:  # the client applied what we cannot write: the tape's book is unknown now
            self._membership.put_nowait(("refetch", ticker))

    def _snapshot(self, frame: SnapshotFrame, now: int, rows: Rows) -> None:
        ticker = frame.msg.market_ticker
        book = self._books.get(ticker)
        if ticker not in self._markets or book is None or not book.trusted:
            self.stats.skipped += 1  # a snapshot the stream could not apply: still unknown
            return
        if ticker in self._exact:  # re-snapshotted with no reset seen: the book was in doubt
            self._reset(now, ticker, "resubscribe")
        count = self._encoder.snapshot(rows, now, frame)
        self._wrote(count)
        if count:
            self._exact[ticker] = book
            if self._why.pop(ticker, "start") != "start":
                self.stats.repaired += 1
            watch = self._watches.get(ticker)
            if watch is not None:
                watch.seen(book, now)

    def _lifecycle(self, frame: MarketLifecycleFrame, now: int, rows: Rows) -> None:
        msg = frame.msg
        ticker, event = msg.market_ticker, msg.event_type
        metadata = msg.additional_metadata
        event_ticker = metadata.event_ticker if metadata is not None else None
        ours = ticker in self._markets
        wanted = ours or self.filter.wants(ticker, event_ticker)
        if not wanted:
            return
        self._wrote(self._encoder.lifecycle(rows, now, msg, frame.sid))
        if event in _JOIN and not ours and not self.filter.tickers:
            self._membership.put_nowait(("join", ticker))
        elif event in _DROP and ours:
            self._membership.put_nowait(("drop", ticker))

    # --- books that stop being exact ----------------------------------------------------------

    def _on_event(self, event: StreamEvent) -> None:
        why = _WHY.get(event.kind)
        if why is not None:
            # a gap is reported before its books are marked stale: the next frame sweeps again
            self._dirty = why
            self._sweep(time.time_ns(), keep=True)

    def _sweep(self, now: int, *, keep: bool = False) -> None:
        """A reset for every book the tape holds as exact that the stream no longer trusts."""
        why = self._dirty or "gap"
        if not keep:
            self._dirty = None
        books = self._books
        for ticker in [t for t, book in self._exact.items()
                       if books.get(t) is not book or not book.trusted]:  # fmt: skip
            self._reset(now, ticker, why)

    def _reset(self, now: int, ticker: str, why: str) -> None:
        self._encoder.reset(self.writer.rows, now, ticker, why)
        self._exact.pop(ticker, None)
        self._why[ticker] = why
        self.stats.resets[why] = self.stats.resets.get(why, 0) + 1
        self.stats.rows += 1

    # --- the REST cross-check -----------------------------------------------------------------

    async def _checks(self, client: AsyncKalshiClient, ws: KalshiWebSocket) -> None:
        async def verdict(checked: Verdict) -> None:
            if checked.ticker in self._markets:
                self._checked(checked)
                if not checked.ok and checked.ticker in self._exact:
                    await self._refetch(ws, checked.ticker)

        await sample_checks(client.markets.orderbook, self._books, self._exact, self._watches,
                            self._rng, self.check_every_s, self.check_sample, verdict)  # fmt: skip

    async def _refetch(self, ws: KalshiWebSocket, ticker: str) -> None:
        """A book REST disagrees with: written as unknown, and fetched again."""
        self._reset(time.time_ns(), ticker, "gap")
        with contextlib.suppress(KalshiError):
            await ws.get_snapshot([ticker])

    def _checked(self, verdict: Verdict) -> None:
        text = "ok" if verdict.ok else "mismatch"
        yes, no = verdict.rest
        self.stats.rows += self._encoder.book(
            self.writer.rows, verdict.recv_ns, "check", verdict.ticker, yes, no, text=text
        )
        if verdict.ok:
            self.stats.checks_ok += 1
        else:
            self.stats.checks_mismatch += 1
            _log.warning("the %s book differs from REST", verdict.ticker)


def record(
    config: APIConfig, root: str | Path, *, duration: float | None = None, **options: Any
) -> RecorderStats:
    """Record (blocking) until ``duration`` seconds pass or Ctrl-C; see :class:`Recorder`."""
    recorder = Recorder(config, root, **options)
    with contextlib.suppress(KeyboardInterrupt):  # the run flushed everything on its way out
        asyncio.run(recorder.run(duration))
    return recorder.stats
