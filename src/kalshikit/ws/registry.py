"""The outbound half of the WebSocket protocol core: the subscription registry and its commands.

No I/O here. :class:`SubscriptionRegistry` keeps what the user subscribed to (one
:class:`Subscription` per channel, as the server merges repeated subscribes), the sids it is
bound to on the current connection, one :class:`~kalshikit.orderbook.OrderBook` per subscribed
market, and queues the commands that keep the server in step: subscribe, update, unsubscribe,
get_snapshot, and the resubscriptions of a new connection. The inbound half, which reads the
frames and calls these, is :class:`kalshikit.ws.protocol.Protocol`, the class to use.
"""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Callable, Iterable
from typing import Any

import msgspec

from kalshikit.errors import ValidationError
from kalshikit.orderbook import OrderBook
from kalshikit.ws._types import (
    BOOK_CHANNEL,
    CHANNELS,
    MARKET_CHANNELS,
    Command,
    CommandKind,
    EventKind,
    StreamEvent,
    Subscription,
)

__all__ = ["ProtocolStats", "SubscriptionRegistry"]

_encode = msgspec.json.encode


class ProtocolStats(msgspec.Struct):
    """Counters worth showing: what arrived, and everything that was not applied and why."""

    frames: int = 0
    gaps: int = 0
    duplicates: int = 0
    stale_deltas: int = 0
    orphan_frames: int = 0
    unknown_frames: int = 0
    malformed_frames: int = 0
    callback_errors: int = 0
    resubscribes: int = 0
    snapshots_requested: int = 0


class SubscriptionRegistry:
    """Subscriptions, their sids and books, and the commands they queue; a base of ``Protocol``."""

    def __init__(self, *, on_event: Callable[[StreamEvent], None], max_markets: int) -> None:
        self.on_event = on_event
        self.books: dict[str, OrderBook] = {}
        self.subscriptions: list[Subscription] = []
        self.outbox: list[Command] = []
        self.stats = ProtocolStats()
        self.connected = False
        self.max_markets = max_markets
        self._ids = itertools.count(1)
        self._pending: dict[int, Command] = {}
        self._by_sid: dict[int, Subscription] = {}
        self._seq: dict[int, int] = {}
        self._recovering: dict[int, tuple[set[str], int]] = {}  # sid -> (awaited tickers, tries)
        self._backwards: dict[int, int] = {}  # sid -> frames behind the watermark while recovering
        # subscriptions whose books were all exact once: only their later snapshots, or a first
        # one after trouble, are a recovery to report (weak: a dropped subscription is forgotten)
        self._ready: weakref.WeakSet[Subscription] = weakref.WeakSet()
        self._troubled: weakref.WeakSet[Subscription] = weakref.WeakSet()

    # --- what the user asks for ---------------------------------------------------------------

    def channel(self, channel: str) -> list[Subscription]:
        """The live subscriptions of ``channel`` (usually one: the server merges repeats)."""
        return [sub for sub in self.subscriptions if sub.channel == channel]

    def subscribe(
        self, channel: str, tickers: Iterable[str] | None = None, **params: Any
    ) -> list[Subscription]:
        """Add ``channel`` (for ``tickers``, or all markets) to the registry; queue the commands.

        Returns the subscriptions that now carry ``channel`` with these options. A channel
        already subscribed is widened instead (``add_markets``), as the server does with a
        repeated subscribe; a long market list is split over subscriptions of at most
        :attr:`max_markets` markets (the exchange caps markets per subscription, error 26).
        """
        wanted = _ticker_set(channel, tickers)
        same = [sub for sub in self.channel(channel) if not _options_differ(sub.params, params)]
        everything = [sub for sub in same if sub.tickers is None]
        if everything:
            return everything
        if wanted is None:
            return [self._cover_all(channel, same, params)]
        new = sorted(wanted - self._held(channel))
        for sub in same:
            assert sub.tickers is not None
            room = self.max_markets - len(sub.tickers)
            if room > 0 and new:
                self._widen(sub, set(new[:room]))
                new = new[room:]
        for start in range(0, len(new), self.max_markets):
            same.append(self._open(channel, set(new[start : start + self.max_markets]), params))
        return same

    def _open(self, channel: str, tickers: set[str] | None, params: dict[str, Any]) -> Subscription:
        sub = Subscription(channel, tickers, dict(params))
        self.subscriptions.append(sub)
        self._books_for(sub, tickers or ())
        self._send_subscribe(sub)
        return sub

    def _cover_all(
        self, channel: str, same: list[Subscription], params: dict[str, Any]
    ) -> Subscription:
        """Widen ``channel`` to every market: one subscription, resubscribed without a filter."""
        if not same:
            return self._open(channel, None, params)
        keep, *rest = same
        for sub in rest:
            self.subscriptions.remove(sub)
            keep.sinks += sub.sinks
            self._forget_sid(sub)
        keep.tickers = None
        self.resubscribe(keep, "widened to all markets")
        return keep

    def update(
        self, channel: str, *, add: Iterable[str] = (), remove: Iterable[str] = ()
    ) -> list[Command]:
        """``update_subscription``: add or delete markets of a subscribed channel."""
        subs = self._subscriptions_of(channel)
        added, removed = set(add) - self._held(channel), set(remove)
        if any(sub.tickers is None for sub in subs) and (added or removed):
            raise ValidationError(f"{channel} covers all markets; unsubscribe it instead")
        queued = self._widen(subs[0], added) if added else []
        for sub in subs:
            gone = removed & (sub.tickers or set())
            if gone:
                assert sub.tickers is not None
                sub.tickers -= gone
                for ticker in gone:
                    self._drop_book(ticker)
                queued += self._send_update(sub, "delete_markets", gone)
        return queued

    def unsubscribe(self, channel: str) -> list[Command]:
        """Forget ``channel``; its books go stale and leave :attr:`books`."""
        queued: list[Command] = []
        for sub in self._subscriptions_of(channel):
            self.subscriptions.remove(sub)
            for ticker in sub.tickers or ():
                self._drop_book(ticker)
            queued += self._forget_sid(sub)
        return queued

    def get_snapshot(self, tickers: Iterable[str]) -> list[Command]:
        """Ask for fresh snapshots of some subscribed books (they are stale until they arrive)."""
        wanted = set(tickers)
        unknown = wanted - self._held(BOOK_CHANNEL)
        if unknown:
            raise ValidationError(f"not subscribed to the book of {sorted(unknown)}")
        queued = []
        for sub in self.channel(BOOK_CHANNEL):
            mine = wanted & (sub.tickers or set())
            for ticker in mine:
                self.books[ticker].mark_stale()
            if mine and sub.sid is not None:  # unbound: the coming subscribe snapshots them
                tries = self._recovering.get(sub.sid, (set(), 0))[1]
                self._recovering[sub.sid] = (self._awaited(sub.sid) | mine, tries)
                queued.append(self._snapshot_command(sub, mine))
        return queued

    def list_subscriptions(self) -> Command:
        return self._queue(self._command("list", "list_subscriptions", {}))

    # --- connection life ----------------------------------------------------------------------

    def connection_made(self) -> list[Command]:
        """A new socket is open: restore every subscription (new sids, fresh snapshots)."""
        self.connected = True
        queued = []
        for sub in self.subscriptions:
            queued.append(self._send_subscribe(sub))
        return queued

    def connection_lost(self) -> list[Command]:
        """The socket is gone: sids die with it, books go stale; returns the unanswered commands."""
        self.connected = False
        abandoned = list(self._pending.values())
        self._pending.clear()
        self.outbox.clear()
        self._by_sid.clear()
        self._seq.clear()
        self._recovering.clear()
        self._backwards.clear()
        for sub in self.subscriptions:
            sub.sid = None
        for book in self.books.values():
            book.mark_stale()
        return abandoned

    def resubscribe(self, sub: Subscription, why: str) -> None:
        """Drop the subscription's sid and subscribe again: new sid, every book re-snapshotted."""
        self.stats.resubscribes += 1
        self._troubled.add(sub)
        for ticker in sub.tickers or ():
            if ticker in self.books:
                self.books[ticker].mark_stale()
        self._forget_sid(sub)
        self._send_subscribe(sub)
        self._event("resubscribed", why, sub)

    # --- recovery commands --------------------------------------------------------------------

    def _awaited(self, sid: int) -> set[str]:
        return self._recovering.get(sid, (set(), 0))[0]

    def _snapshot_command(self, sub: Subscription, tickers: set[str]) -> Command:
        self.stats.snapshots_requested += 1
        params = {"sid": sub.sid, "action": "get_snapshot", "market_tickers": sorted(tickers)}
        command = self._command("snapshot", "update_subscription", params, sub)
        command.tickers, command.waiting = tuple(sorted(tickers)), set(tickers)
        return self._queue(command)

    # --- helpers ------------------------------------------------------------------------------

    def _subscriptions_of(self, channel: str) -> list[Subscription]:
        subs = self.channel(channel)
        if not subs:
            raise ValidationError(f"not subscribed to {channel!r}")
        return subs

    def _held(self, channel: str) -> set[str]:
        held: set[str] = set()
        for sub in self.channel(channel):
            held |= sub.tickers or set()
        return held

    def _widen(self, sub: Subscription, added: set[str]) -> list[Command]:
        if not added:
            return []
        assert sub.tickers is not None
        sub.tickers |= added
        self._books_for(sub, added)
        return self._send_update(sub, "add_markets", added)

    def _books_for(self, sub: Subscription, tickers: Iterable[str]) -> None:
        if sub.channel == BOOK_CHANNEL:
            for ticker in tickers:
                if ticker not in self.books:
                    self.books[ticker] = self._new_book(ticker)

    def _new_book(self, ticker: str) -> OrderBook:
        book = OrderBook(ticker)
        book.on_callback_error = self.book_callback_failed
        return book

    def book_callback_failed(self, book: OrderBook, error: Exception) -> None:
        """An ``on_update`` callback of ``book`` raised (the book itself is fine)."""
        self.stats.callback_errors += 1
        self._event(
            "callback_error", f"an on_update callback raised: {error!r}", None, (book.ticker,)
        )

    def _drop_book(self, ticker: str) -> None:
        book = self.books.pop(ticker, None)
        if book is not None:
            book.mark_stale()

    def _send_subscribe(self, sub: Subscription) -> Command:
        command = self._command("subscribe", "subscribe", sub.subscribe_params(), sub)
        command.tickers = tuple(sorted(sub.tickers or ()))
        return self._queue(command)

    def _send_update(self, sub: Subscription, action: str, tickers: set[str]) -> list[Command]:
        if sub.sid is None:
            return []  # not subscribed yet: the pending subscribe or the next one carries them
        params = {"sid": sub.sid, "action": action, "market_tickers": sorted(tickers)}
        command = self._command("update", "update_subscription", params, sub)
        command.tickers, command.action = tuple(sorted(tickers)), action
        return [self._queue(command)]

    def _forget_sid(self, sub: Subscription) -> list[Command]:
        sid, sub.sid = sub.sid, None
        if sid is None:
            return []
        self._by_sid.pop(sid, None)
        self._seq.pop(sid, None)
        self._recovering.pop(sid, None)
        self._backwards.pop(sid, None)
        return [self._queue(self._command("unsubscribe", "unsubscribe", {"sids": [sid]}))]

    def _command(
        self, kind: CommandKind, cmd: str, params: dict[str, Any], sub: Subscription | None = None
    ) -> Command:
        command_id = next(self._ids)
        payload = _encode({"id": command_id, "cmd": cmd, "params": params})
        return Command(command_id, kind, payload, sub)

    def _queue(self, command: Command) -> Command:
        """Remember the command until its reply; queue it for sending while connected."""
        if self.connected:
            self._pending[command.id] = command
            self.outbox.append(command)
        return command

    def _event(
        self, kind: EventKind, detail: str, sub: Subscription | None, tickers: tuple[str, ...] = ()
    ) -> None:
        channel, sid = (sub.channel, sub.sid) if sub is not None else (None, None)
        self.on_event(StreamEvent(kind, detail, channel, sid, tickers))


def _ticker_set(channel: str, tickers: Iterable[str] | None) -> set[str] | None:
    if channel not in CHANNELS:
        raise ValidationError(f"unknown channel {channel!r}; one of {sorted(CHANNELS)}")
    if isinstance(tickers, str):
        raise ValidationError(f"pass a list of tickers, not the string {tickers!r}")
    if tickers is None:
        if channel == BOOK_CHANNEL:
            raise ValidationError("an order book subscription needs market tickers")
        return None
    wanted = set(tickers)
    if not wanted or not all(isinstance(t, str) and t for t in wanted):
        raise ValidationError(f"tickers must be non-empty strings, got {sorted(map(str, wanted))}")
    if channel not in MARKET_CHANNELS:
        raise ValidationError(f"{channel} takes no market filter")
    return wanted


def _options_differ(held: dict[str, Any], asked: dict[str, Any]) -> bool:
    return any(
        held.get(name) != value for name, value in asked.items() if name != "send_initial_snapshot"
    )
