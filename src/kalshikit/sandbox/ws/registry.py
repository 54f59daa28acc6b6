"""The WebSocket registry: connections, their subscriptions, and getting a frame to one.

No sockets and no encoding here. A :class:`Connection` holds a bounded queue of outbound frames
(tuples, encoded later by its writer in ``ws_api``); when a frame would pass the limit the
connection gets the terminal error 25 and is closed, so a slow reader never holds up the
exchange or anyone else. Per connection, sids count from 1; each subscription has its own
``seq`` (from 1), advanced by its sequenced data frames and by the ``ok``/``unsubscribed``/
``error`` frames scoped to it. ``feeds`` builds the hub from this core.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Final, Protocol, TypeAlias

from kalshikit.models import Market, OrderbookFp, Trade
from kalshikit.sandbox.exchange import TickerChanged
from kalshikit.sandbox.ws.commands import PRIVATE, SEQUENCED, CommandError, Msg
from kalshikit.sandbox.ws.faults import WsFaults
from kalshikit.sandbox.ws.indices import IndexHistory

__all__ = [
    "DEFAULT_QUEUE_LIMIT",
    "Close",
    "Connection",
    "FeedSource",
    "HubCore",
    "Index",
    "Outbound",
    "Subscription",
]


DEFAULT_QUEUE_LIMIT: Final = 10_000
OVERFLOW_GRACE_S: Final = 2.0  # time an overflowed client gets to read its error 25
# 1013 "try again later": clients that reconnect on it should, after resubscribing.
OVERFLOW_CLOSE: Final = (1013, "subscription buffer overflow")
REVOKED_CLOSE: Final = (1008, "API key deleted")
# (type, sid, seq, msg, command id): a frame waiting for its connection's writer
Outbound: TypeAlias = tuple[str, int | None, int | None, object, int | None]


@dataclass(frozen=True, slots=True)
class Close:
    """The last item of a queue: close the socket with this code."""

    code: int
    reason: str


class FeedSource(Protocol):
    """The exchange reads the feeds need (snapshots, current state, market ids)."""

    def orderbook(self, ticker: str, depth: int = 0) -> OrderbookFp: ...
    def market(self, ticker: str) -> Market: ...
    def markets(
        self, *, status: str | None = None, limit: int = 100, cursor: str | None = None
    ) -> tuple[list[Market], str]: ...
    def trades(
        self, *, ticker: str | None = None, limit: int = 100, cursor: str | None = None
    ) -> tuple[list[Trade], str]: ...


class Subscription:
    """One sid: a channel, its markets (None: all), its seq counter and options."""

    __slots__ = (
        "by_ids", "channel", "conn", "names", "own_only", "seq", "sid", "skip_ack", "tickers",
        "yes_prices",
    )  # fmt: skip

    def __init__(
        self, conn: Connection, sid: int, channel: str, tickers: dict[str, None] | None
    ) -> None:
        self.conn, self.sid, self.channel, self.tickers = conn, sid, channel, tickers
        self.seq = 0
        self.yes_prices = self.skip_ack = self.by_ids = self.own_only = False
        # the index ids / underlyings of a reference-price channel ("all": every one)
        self.names: dict[str, None] = {}

    def wants(self, name: str) -> bool:
        return name in self.names or "all" in self.names


class Connection:
    """One client socket: its subscriptions and its bounded queue of outbound frames."""

    def __init__(self, conn_id: int, user_id: str, limit: int, key_id: str | None = None) -> None:
        self.id, self.user_id, self.limit = conn_id, user_id, limit
        self.key_id = key_id  # the API key that signed the handshake
        self.subs: dict[int, Subscription] = {}
        self.by_channel: dict[str, Subscription] = {}
        self.queue: deque[Outbound | Close] = deque()
        self.closed = False  # takes no more frames: dropped, overflowed or gone
        self.grace_s = 0.0  # how long a closed connection may still write
        self.doomed = asyncio.Event()
        self._wake = asyncio.Event()
        self._sids = 0

    def new_sid(self) -> int:
        self._sids += 1
        return self._sids

    def push(self, frame: Outbound) -> bool:
        """Queue a frame; False (nothing queued) when the queue is full."""
        if self.closed:
            return True
        if len(self.queue) >= self.limit:
            return False
        self.queue.append(frame)
        self._wake.set()
        return True

    async def next(self) -> Outbound | Close:
        while not self.queue:
            self._wake.clear()
            await self._wake.wait()
        return self.queue.popleft()

    def end(self, last: list[Outbound | Close], grace_s: float) -> None:
        """Take no more frames, forget the queued ones, write ``last``, then go."""
        self.closed, self.grace_s = True, grace_s
        self.queue.clear()
        self.queue.extend(last)
        self._wake.set()
        self.doomed.set()


class Index:
    """Who hears what: public channels by market (or all markets), private ones by user."""

    def __init__(self) -> None:
        self._homes: dict[tuple[str, str, str], set[Subscription]] = {}

    @staticmethod
    def _keys(sub: Subscription) -> list[tuple[str, str, str]]:
        if sub.channel in PRIVATE:
            return [("user", sub.channel, sub.conn.user_id)]
        if sub.tickers is None:
            return [("all", sub.channel, "")]
        return [("market", sub.channel, ticker) for ticker in sub.tickers]

    def add(self, sub: Subscription) -> None:
        for key in self._keys(sub):
            self._homes.setdefault(key, set()).add(sub)

    def remove(self, sub: Subscription) -> None:
        for key in self._keys(sub):
            home = self._homes.get(key)
            if home is not None:
                home.discard(sub)
                if not home:
                    del self._homes[key]

    def market(self, channel: str, ticker: str) -> Iterator[Subscription]:
        yield from self._homes.get(("market", channel, ticker), ())
        yield from self._homes.get(("all", channel, ""), ())

    def everyone(self, channel: str) -> Iterator[Subscription]:
        """Every user's subscriptions to the private ``channel`` (a broadcast: new RFQs)."""
        for (kind, name, _), subs in list(self._homes.items()):
            if kind == "user" and name == channel:
                yield from subs

    def user(self, channel: str, user_id: str, ticker: str | None) -> Iterator[Subscription]:
        for sub in self._homes.get(("user", channel, user_id), ()):
            if ticker is None or sub.tickers is None or ticker in sub.tickers:
                yield sub


class HubCore:
    """The connections of one app and how a frame reaches one of them."""

    def __init__(
        self,
        source: FeedSource,
        *,
        clock: Callable[[], int],
        queue_limit: int = DEFAULT_QUEUE_LIMIT,
    ) -> None:
        self._source, self._clock, self.queue_limit = source, clock, queue_limit
        self.connections: dict[int, Connection] = {}
        self.loop: asyncio.AbstractEventLoop | None = None
        self.faults = WsFaults(self)
        self._index = Index()
        self._last_id = 0
        self._tickers: dict[str, TickerChanged] = {}  # latest full ticker state per market
        self._known: set[str] = set()
        self._ids: dict[str, str] = {}  # market_id -> ticker, filled on first use
        self._indexes = IndexHistory()  # the reference prices' last minute
        self._combos: dict[str, bool] = {}  # ticker -> whether it is a combo (multivariate)

    # --- connections ------------------------------------------------------------------------

    def connect(self, user_id: str, key_id: str | None = None) -> Connection:
        # fault handles called from other threads hand their work to this loop
        with contextlib.suppress(RuntimeError):  # no loop: a test driving the hub directly
            self.loop = asyncio.get_running_loop()
        self._last_id += 1
        conn = self.connections[self._last_id] = Connection(
            self._last_id, user_id, self.queue_limit, key_id
        )
        return conn

    def disconnect(self, conn: Connection) -> None:
        conn.closed = True
        for sub in conn.subs.values():
            self._index.remove(sub)
        conn.subs.clear()
        conn.by_channel.clear()
        self.connections.pop(conn.id, None)

    def drop(self, connection_id: int | None = None, user_id: str | None = None) -> int:
        """Cut matching connections at once (no close frame, as a network failure would)."""
        doomed = [
            conn
            for conn in self.connections.values()
            if connection_id in (None, conn.id) and user_id in (None, conn.user_id)
        ]
        for conn in doomed:
            self.disconnect(conn)
            conn.end([], 0.0)
        return len(doomed)

    def revoke(self, key_id: str) -> int:
        """Close the connections ``key_id`` opened (it was deleted): close frame 1008."""
        doomed = [conn for conn in self.connections.values() if conn.key_id == key_id]
        for conn in doomed:
            self.disconnect(conn)
            conn.end([Close(*REVOKED_CLOSE)], 0.0)
        return len(doomed)

    # --- delivery -----------------------------------------------------------------------------

    def _next_seq(self, sub: Subscription) -> int:
        sub.seq += 1 + self.faults.take_skip(sub.conn.id, sub.sid)
        return sub.seq

    def _deliver(self, conn: Connection, frame: Outbound, sub: Subscription | None) -> None:
        if not conn.push(frame):
            self._overflow(conn, sub)

    def _overflow(self, conn: Connection, sub: Subscription | None) -> None:
        error = CommandError(25, "the client reads too slowly; resubscribe").msg()
        seq = None if sub is None else self._next_seq(sub)
        sid = None if sub is None else sub.sid
        conn.end([("error", sid, seq, error, None), Close(*OVERFLOW_CLOSE)], OVERFLOW_GRACE_S)

    def _publish(self, sub: Subscription, kind: str, msg: Msg, cmd_id: int | None = None) -> None:
        seq = self._next_seq(sub) if sub.channel in SEQUENCED else None
        self._deliver(sub.conn, (kind, sub.sid, seq, msg, cmd_id), sub)
