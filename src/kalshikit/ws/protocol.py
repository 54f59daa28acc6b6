"""The WebSocket protocol core: commands, subscriptions, sids, sequence numbers, books. No I/O here.

The client feeds it every frame it reads (:meth:`Protocol.receive`) and sends what it asks for
(:attr:`Protocol.outbox`); tests, replays and benchmarks feed it the same way. It keeps

- a durable registry of what the user subscribed to, one :class:`Subscription` per channel
  (the server merges repeated subscribes to a channel into one sid, so the registry does too),
  mapped to the current connection's sids;
- a ``seq`` watermark per sid, advanced by every sequenced frame (``ok``, ``error`` and
  ``unsubscribed`` included); a gap or a step back is detected on the frame that shows it;
- one exact :class:`~kalshikit.orderbook.OrderBook` per subscribed market.

Recovery (kalshi-websocket.md section 4): on a gap in a book sid, every book of that sid is
marked stale and an ``update_subscription get_snapshot`` is queued; deltas for stale books are
dropped (the snapshot the server sends later already contains them) and each snapshot makes its
book trusted again. If the snapshot request fails or gaps repeat, the subscription is dropped
and made again (a new sid, fresh snapshots). Terminal errors (10, 25) resubscribe the same way.

No frame can stop the core: one that cannot be decoded (not JSON, nested too deep, a known type
with missing or wrong fields) or that fails while it is applied is counted, reported as a
``malformed_frame`` event, and the books it may have touched are re-snapshotted, so every book
is either exact or marked untrusted. Frames of a type this version does not know are counted and
reported as ``unknown_frame`` events carrying the frame; they never reach a channel's streams.

The outbound half (the registry, its books and the commands it queues) is the base class,
:class:`~kalshikit.ws.registry.SubscriptionRegistry`; this module adds the inbound half: decoding,
sequencing, applying and recovering.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Final

import msgspec

from kalshikit.errors import BookIntegrityError, KalshiError, ValidationError
from kalshikit.models.stream import (
    AnyFrame,
    DeltaFrame,
    ErrorFrame,
    FrameDecoder,
    OkFrame,
    SnapshotFrame,
    SubscribedFrame,
    UnknownFrame,
    UnsubscribedFrame,
)
from kalshikit.orderbook import OrderBook
from kalshikit.units import CENTI_MEMO, TICKS_MEMO
from kalshikit.ws._types import BOOK_CHANNEL, MARKET_CHANNELS, Command, StreamEvent, Subscription
from kalshikit.ws.registry import ProtocolStats, SubscriptionRegistry

__all__ = ["Protocol", "ProtocolStats"]

_log = logging.getLogger("kalshikit.ws")
BUFFER_OVERFLOW: Final = 25  # the server's buffer for a subscription overflowed: we read too slowly
TERMINAL_CODES: Final = frozenset({10, BUFFER_OVERFLOW})
# get_snapshot requests per recovery; a gap beyond that falls back to a resubscribe
_SNAPSHOT_TRIES: Final = 2
# Frames that go backwards while a sid recovers: past this many, the watermark itself is wrong
# (one bad frame pushed it ahead of the server's numbering) and only a new sid heals it.
_BACKWARDS_WHILE_RECOVERING: Final = 2
# what the slow path may raise on a frame it cannot read (RecursionError: JSON nested too deep)
_UNREADABLE: Final = (KalshiError, msgspec.DecodeError, RecursionError, ValueError, TypeError)


class _Envelope(msgspec.Struct):
    """Just enough of a frame that failed to decode to tell which subscription it was for."""

    sid: int | None = None
    seq: int | None = None


_decode_envelope = msgspec.json.Decoder(_Envelope).decode


def _noop_reply(command: Command, frame: AnyFrame) -> None:
    """The default reply hook: the core's own bookkeeping is all there is to do."""


def _noop_event(event: StreamEvent) -> None:
    """The default event hook."""


class Protocol(SubscriptionRegistry):
    """Sans-I/O state of one logical stream, across any number of connections."""

    def __init__(
        self,
        *,
        on_reply: Callable[[Command, AnyFrame], None] = _noop_reply,
        on_event: Callable[[StreamEvent], None] = _noop_event,
        adopt: bool = False,
        max_markets: int = 250,
    ) -> None:
        super().__init__(on_event=on_event, max_markets=max_markets)
        self.on_reply = on_reply
        # replays of streams whose commands were not recorded: take a subscription for every
        # `subscribed` ack and a book for every snapshot, as the session that was recorded did
        self.adopt = adopt
        decoder = FrameDecoder()
        self._decode_fast, self._decode_slow = decoder.typed.decode, decoder.decode

    # --- frames in ----------------------------------------------------------------------------

    def receive(self, raw: bytes | str, now_ms: int | None = None) -> AnyFrame | None:
        """Decode and apply one frame; returns it, or None when it was not for the user.

        Frames that are dropped (duplicates, deltas for stale books, frames of a sid that is no
        longer ours) are counted in :attr:`stats`, never silently lost.
        """
        self.stats.frames += 1
        try:
            frame: AnyFrame = self._decode_fast(raw)
        except (msgspec.DecodeError, RecursionError):  # unknown types, bad data: the slow path
            try:
                frame = self._decode_slow(raw)
            except _UNREADABLE as error:
                self._unreadable(raw, error)
                return None
        try:
            if type(frame) is DeltaFrame:  # the hot path: ~80% of a busy stream
                return self._delta(frame, now_ms)
            return self._sequenced(frame, now_ms)
        except Exception as error:  # no frame may stop the stream: its books are refetched
            self._failed(frame, error)
            return None

    def _sequenced(self, frame: AnyFrame, now_ms: int | None) -> AnyFrame | None:
        sid, seq = frame.sid, frame.seq
        if sid is not None:
            sub = self._by_sid.get(sid)
            if seq is not None and sub is not None:
                if not self._in_sequence(sub, sid, seq):
                    return None
                if sub.sid != sid:  # the gap tipped recovery into a resubscribe: not ours now
                    sub = None
        else:
            sub = None
        return self._route(frame, sub, now_ms)

    def _delta(self, frame: DeltaFrame, now_ms: int | None) -> DeltaFrame | None:
        sid, seq = frame.sid, frame.seq
        sub = self._by_sid.get(sid)
        if sub is None:
            self.stats.orphan_frames += 1
            return None
        last = self._seq.get(sid)
        if last is None or seq == last + 1:
            self._seq[sid] = seq
        elif not self._in_sequence(sub, sid, seq):
            return None
        msg = frame.msg
        book = self.books.get(msg.market_ticker)
        if book is None or not book.trusted:
            self.stats.stale_deltas += 1
        else:
            # memo hits first (one dict lookup each); misses and legacy shapes go through units
            price = TICKS_MEMO.get(msg.price_dollars)  # type: ignore[arg-type]
            if price is None:
                price = msg.price_ticks()
            delta = CENTI_MEMO.get(msg.delta_fp)  # type: ignore[arg-type]
            if delta is None:
                delta = msg.delta_centi()
            try:
                book.apply_parsed_delta(msg.side, price, delta, now_ms, sub.yes_terms)
            except KalshiError as error:
                # a level below zero is a lost message the seq did not show: fetch the book
                self._event("gap", str(error), sub, (book.ticker,))
                self._recover(sub, {book.ticker})
        for sink in sub.sinks:
            sink(frame)
        return frame

    def _in_sequence(self, sub: Subscription, sid: int, seq: int) -> bool:
        """Check ``seq`` against the sid's watermark; False means drop the frame (a duplicate)."""
        last = self._seq.get(sid)
        if last is None or seq == last + 1:
            self._seq[sid] = seq
            return True
        if seq <= last:
            self.stats.duplicates += 1
            self._event("duplicate", f"seq {seq} after {last}: dropped", sub)
            self._backwards_while_recovering(sub, sid)
            return False
        self.stats.gaps += 1
        self._seq[sid] = seq
        self._event("gap", f"seq jumped from {last} to {seq}", sub)
        if sub.channel == BOOK_CHANNEL:
            self._recover(sub, set(sub.tickers or ()))
        return True

    def _route(
        self, frame: AnyFrame, sub: Subscription | None, now_ms: int | None
    ) -> AnyFrame | None:
        if isinstance(frame, SnapshotFrame):
            self._snapshot(frame, sub, now_ms)
        elif isinstance(frame, SubscribedFrame | OkFrame | UnsubscribedFrame):
            self._reply(frame)
            return frame
        elif isinstance(frame, ErrorFrame):
            self._error(frame, sub)
            return frame
        elif isinstance(frame, UnknownFrame):
            # surfaced, never pushed to a channel's streams: their readers expect known payloads
            self.stats.unknown_frames += 1
            self.on_event(_unknown_event(frame, sub))
            return frame
        if sub is None:
            self.stats.orphan_frames += 1
            return None
        for sink in sub.sinks:
            sink(frame)
        return frame

    def _snapshot(self, frame: SnapshotFrame, sub: Subscription | None, now_ms: int | None) -> None:
        ticker = frame.msg.market_ticker
        book = self.books.get(ticker)
        if book is None and sub is not None and self.adopt and sub.tickers is not None:
            sub.tickers.add(ticker)
            book = self.books[ticker] = self._new_book(ticker)
        applied = sub is not None and book is not None and self._apply(frame, sub, book, now_ms)
        # a get_snapshot is answered even when its sid has gone meanwhile: nobody waits forever
        self._answer_snapshot(frame, ticker)
        if applied:
            assert sub is not None
            self._snapshot_arrived(sub, ticker)

    def _apply(
        self, frame: SnapshotFrame, sub: Subscription, book: OrderBook, now_ms: int | None
    ) -> bool:
        try:
            book.apply_snapshot_ticks(
                frame.msg.yes_levels(),
                frame.msg.no_levels(),
                now_ms=now_ms,
                yes_terms=sub.yes_terms,
            )
        except (BookIntegrityError, ValidationError) as error:
            self._event("error", f"bad snapshot for {book.ticker}: {error}", sub, (book.ticker,))
            return False
        return True

    def _answer_snapshot(self, frame: SnapshotFrame, ticker: str) -> None:
        command = self._pending.get(frame.id) if frame.id else None
        if command is not None:
            command.waiting.discard(ticker)
            if not command.waiting:  # the answer to get_snapshot is one snapshot per market
                del self._pending[command.id]
                self.on_reply(command, frame)

    def _snapshot_arrived(self, sub: Subscription, ticker: str) -> None:
        assert sub.sid is not None
        awaited = self._recovering.get(sub.sid)
        if awaited is None:
            return
        awaited[0].discard(ticker)
        if not awaited[0]:
            del self._recovering[sub.sid]
            self._backwards.pop(sub.sid, None)
            if sub in self._ready or sub in self._troubled:  # not a first subscribe
                self._event("recovered", "every book of the subscription is exact again", sub)
            self._ready.add(sub)
            self._troubled.discard(sub)

    # --- replies ------------------------------------------------------------------------------

    def _reply(self, frame: SubscribedFrame | OkFrame | UnsubscribedFrame) -> None:
        command = self._pending.pop(frame.id, None) if frame.id else None
        if command is None:
            if self.adopt and type(frame) is SubscribedFrame and frame.msg is not None:
                self._adopt(frame.msg.channel, frame.msg.sid)
            return
        if type(frame) is SubscribedFrame and command.sub is not None and frame.msg is not None:
            self._bind(command, command.sub, frame.msg.sid)
        self.on_reply(command, frame)

    def _bind(self, command: Command, sub: Subscription, sid: int) -> None:
        if sub not in self.subscriptions:
            return  # unsubscribed while the subscribe was in flight
        holder = self._by_sid.get(sid)
        if holder is not None and holder is not sub:
            self._merge(holder, sub)
            return
        sub.sid = sid
        self._by_sid[sid] = sub
        if sub.tickers is None:
            return
        sent = set(command.tickers)
        if sub.channel == BOOK_CHANNEL:
            # the server snapshots every market of a new book subscription
            self._recovering[sid] = (sent & sub.tickers, 0)
        # markets added or removed while the subscribe was in flight
        if sub.tickers - sent:
            self._send_update(sub, "add_markets", sub.tickers - sent)
        if sent - sub.tickers:
            self._send_update(sub, "delete_markets", sent - sub.tickers)

    def _error(self, frame: ErrorFrame, sub: Subscription | None) -> None:
        code, text = frame.msg.code, frame.msg.msg
        command = self._pending.pop(frame.id, None) if frame.id else None
        if command is not None:
            self._undo(command, code)
            self.on_reply(command, frame)
        if code == BUFFER_OVERFLOW:
            self._event("slow_consumer", f"the server dropped a subscription: {text}", sub)
        if sub is not None and code in TERMINAL_CODES:
            self.resubscribe(sub, f"terminal error {code}: {text}")
        elif command is None:
            self._event("error", f"error {code}: {text}", sub)

    def _undo(self, command: Command, code: int) -> None:
        """A refused command leaves the registry as the server has it."""
        sub = command.sub
        if sub is None:
            return
        if command.kind == "subscribe" and sub in self.subscriptions:
            self.subscriptions.remove(sub)
            for ticker in sub.tickers or ():
                self._drop_book(ticker)
        elif command.kind == "update" and command.action == "add_markets" and sub.tickers:
            sub.tickers -= set(command.tickers)
            for ticker in command.tickers:
                self._drop_book(ticker)
        elif command.kind == "snapshot" and sub.sid is not None:
            self._recovering.pop(sub.sid, None)
            self.resubscribe(sub, f"get_snapshot refused (error {code})")

    def _merge(self, holder: Subscription, sub: Subscription) -> None:
        """The server folded a repeated subscribe into an existing sid: so does the registry."""
        self.subscriptions.remove(sub)
        holder.sinks += sub.sinks
        if holder.tickers is not None:
            holder.tickers = None if sub.tickers is None else holder.tickers | sub.tickers

    def _adopt(self, channel: str, sid: int) -> None:
        sub = Subscription(channel, set() if channel in MARKET_CHANNELS else None)
        self.subscriptions.append(sub)
        sub.sid = sid
        self._by_sid[sid] = sub

    def replay_command(self, payload: bytes | str) -> None:
        """Take a command a capture recorded as sent, so the replay binds replies as live did."""
        sent = msgspec.json.decode(payload)
        params = dict(sent.get("params") or {})
        command_id = int(sent.get("id") or 0)
        if sent.get("cmd") == "subscribe":
            for channel in params.pop("channels", ()):
                tickers = params.pop("market_tickers", None)
                sub = Subscription(channel, None if tickers is None else set(tickers), params)
                self.subscriptions.append(sub)
                self._books_for(sub, sub.tickers or ())
                self._pending[command_id] = Command(command_id, "subscribe", b"", sub)
        elif sent.get("cmd") == "update_subscription":
            self._replay_update(command_id, params)

    def _replay_update(self, command_id: int, params: dict[str, Any]) -> None:
        sub = self._by_sid.get(params.get("sid") or 0)
        tickers = set(params.get("market_tickers") or ())
        if sub is None:
            return
        if params.get("action") == "get_snapshot":
            command = Command(command_id, "snapshot", b"", sub, waiting=tickers)
        else:
            command = Command(command_id, "update", b"", sub, action=params.get("action"))
            if params.get("action") == "add_markets":
                self._widen_silently(sub, tickers)
        self._pending[command_id] = command

    def _widen_silently(self, sub: Subscription, tickers: set[str]) -> None:
        if sub.tickers is not None:
            sub.tickers |= tickers
            self._books_for(sub, tickers)

    # --- frames that cannot be read or applied -------------------------------------------------

    def _unreadable(self, raw: bytes | str, error: BaseException) -> None:
        """A frame that does not decode: count it, say so, refetch the books it may be for."""
        self.stats.malformed_frames += 1
        try:
            envelope: _Envelope | None = _decode_envelope(raw)
        except (msgspec.DecodeError, RecursionError):
            envelope = None
        if envelope is None:  # which subscription it was for is unknown: every book is suspect
            self._event("malformed_frame", _describe(raw, error), None)
            for held in [sub for sub in self.subscriptions if sub.sid is not None]:
                self._refetch(held, None)
            return
        sid, seq = envelope.sid, envelope.seq
        owner = self._by_sid.get(sid) if sid is not None else None
        self._event("malformed_frame", _describe(raw, error), owner)
        if owner is None or sid is None:
            return
        if seq is not None and not self._in_sequence(owner, sid, seq):
            return  # a duplicate of a frame already applied: nothing was lost
        self._refetch(owner, None)

    def _failed(self, frame: AnyFrame, error: Exception) -> None:
        """A decoded frame that failed while it was applied: its book may be wrong, refetch it."""
        self.stats.malformed_frames += 1
        if not isinstance(error, KalshiError):  # not a bad value the server sent: worth a trace
            _log.error("applying a %s frame failed", type(frame).__name__, exc_info=error)
        sub = self._by_sid.get(frame.sid) if frame.sid is not None else None
        self._event("malformed_frame", f"{type(frame).__name__} not applied: {error}", sub)
        if sub is not None:
            msg = getattr(frame, "msg", None)
            ticker = getattr(msg, "market_ticker", None)
            self._refetch(sub, {ticker} if isinstance(ticker, str) else None)

    def _refetch(self, sub: Subscription, tickers: set[str] | None) -> None:
        """Make a book subscription's books (all, or ``tickers``) exact again."""
        if sub.channel != BOOK_CHANNEL or sub.sid is None:
            return
        held = set(sub.tickers or ())
        wanted = held if tickers is None or not tickers <= held else tickers
        if wanted:
            self._recover(sub, wanted)

    # --- recovery -----------------------------------------------------------------------------

    def _backwards_while_recovering(self, sub: Subscription, sid: int) -> None:
        """Snapshots asked for and frames still "old": the watermark ran ahead of the server
        (a bogus seq), so nothing would ever be in sequence again. Start over on a new sid."""
        if sid not in self._recovering:
            return
        count = self._backwards.get(sid, 0) + 1
        self._backwards[sid] = count
        if count >= _BACKWARDS_WHILE_RECOVERING:
            self._backwards.pop(sid, None)
            self._recovering.pop(sid, None)
            self.resubscribe(sub, "frames kept going backwards during recovery")

    def _recover(self, sub: Subscription, tickers: set[str]) -> None:
        assert sub.sid is not None
        self._troubled.add(sub)
        awaited, tries = self._recovering.get(sub.sid, (set(), -1))
        if tries + 1 >= _SNAPSHOT_TRIES:
            self._recovering.pop(sub.sid, None)
            self.resubscribe(sub, "sequence gaps kept coming during recovery")
            return
        for ticker in tickers:
            if ticker in self.books:
                self.books[ticker].mark_stale()
        self._recovering[sub.sid] = (awaited | tickers, tries + 1)
        if tickers:
            self._snapshot_command(sub, tickers)


def _unknown_event(frame: UnknownFrame, sub: Subscription | None) -> StreamEvent:
    channel, sid = (sub.channel, sub.sid) if sub is not None else (None, frame.sid)
    detail = f"a frame of unknown type {frame.type!r}"
    return StreamEvent("unknown_frame", detail, channel, sid, frame=frame)


def _describe(raw: bytes | str, error: BaseException) -> str:
    """What was wrong with an unreadable frame, short enough for a log line."""
    reason = "JSON nested too deep" if isinstance(error, RecursionError) else str(error)
    return f"an unreadable frame of {len(raw)} bytes: {reason[:300]}"
