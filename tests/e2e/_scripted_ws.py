"""A scripted Kalshi WebSocket server on loopback, for what the sandbox never sends.

It answers the client's commands as the exchange does (``subscribed`` with a sid, a snapshot
per market of a book subscription, ``get_snapshot``, ``unsubscribed``, ``list_subscriptions``)
and keeps the true book of each market, so a test can send the client real deltas, hostile
frames (anything at all: broken JSON, deep nesting, wrong fields, unknown types, huge frames)
and close codes, then compare the client's books with the truth. The socket is real (the
websockets library on both ends), so the client's own reader and limits are what is tested.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from kalshikit.auth import Signer, generate_private_key
from kalshikit.config import APIConfig
from kalshikit.units import centi_to_fp, ticks_to_dollars

Ladder = dict[int, int]  # price in ticks -> size in centi-contracts


@dataclass
class Feed:
    """One sid on the current connection: its channel, markets and sequence counter."""

    channel: str
    tickers: list[str]
    seq: int = 0

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq


@dataclass
class ScriptedExchange:
    """A scripted exchange: ``async with ScriptedExchange() as exchange:``.

    Point a client at ``exchange.config()``.
    """

    truth: dict[str, dict[str, Ladder]] = field(
        default_factory=lambda: defaultdict(lambda: {"yes": {}, "no": {}})
    )
    connections: int = 0
    _server: Server | None = None
    _conn: ServerConnection | None = None
    _feeds: dict[int, Feed] = field(default_factory=dict)
    _next_sid: int = 0
    _live: asyncio.Event = field(default_factory=asyncio.Event)
    # a change to the truth and the frame that carries it go out together: a snapshot sent in
    # between would already hold the change that the delta then repeats
    _book_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def __aenter__(self) -> ScriptedExchange:
        self._server = await serve(self._serve, "127.0.0.1", 0, max_size=None, compression=None)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    def config(self) -> APIConfig:
        assert self._server is not None
        port = self._server.sockets[0].getsockname()[1]
        return APIConfig.resolve(
            "local",
            rest_url=f"http://127.0.0.1:{port}/trade-api/v2",
            ws_url=f"ws://127.0.0.1:{port}/trade-api/ws/v2",
            environ={},
            dotenv_path=False,
        )

    @staticmethod
    def signer() -> Signer:
        return Signer("scripted-key", generate_private_key("ed25519"))

    # --- what a test sends ---------------------------------------------------------------------

    async def send_raw(self, text: str | bytes) -> None:
        """Send anything; a closed socket (the client dropped it) is not the test's failure."""
        conn = await self._connection()
        with contextlib.suppress(ConnectionClosed):
            await conn.send(text)

    async def delta(self, ticker: str, side: str, ticks: int, centi: int) -> None:
        """Change the true book and send the delta on the sid that carries ``ticker``.

        While no sid carries it (the client is resubscribing) only the truth changes: the
        snapshot of the coming subscription holds the change, as on the exchange.
        """
        async with self._book_lock:
            ladder = self.truth[ticker][side]
            ladder[ticks] = ladder.get(ticks, 0) + centi
            if ladder[ticks] == 0:
                del ladder[ticks]
            msg = {"market_ticker": ticker, "side": side, "price_dollars": ticks_to_dollars(ticks),
                   "delta_fp": centi_to_fp(centi)}  # fmt: skip
            await self._send_delta(ticker, msg)

    async def bad_delta(self, ticker: str, msg: dict[str, Any]) -> None:
        """Send ``msg`` as the next delta of ``ticker``'s sid, the truth unchanged."""
        async with self._book_lock:
            await self._send_delta(ticker, msg)

    async def _send_delta(self, ticker: str, msg: dict[str, Any]) -> None:
        try:
            sid, feed = self.book_feed(ticker)
        except LookupError:
            return
        await self.send_raw(_frame("orderbook_delta", sid, feed.next_seq(), msg))

    async def ticker(self, ticker: str, price_ticks: int) -> None:
        sid = next(s for s, f in self._feeds.items() if f.channel == "ticker")
        msg = {"market_ticker": ticker, "price_dollars": ticks_to_dollars(price_ticks),
               "ts": 1, "ts_ms": 1000}  # fmt: skip
        await self.send_raw(json.dumps({"type": "ticker", "sid": sid, "msg": msg}))

    def book_feed(self, ticker: str) -> tuple[int, Feed]:
        for sid, feed in self._feeds.items():
            if feed.channel == "orderbook_delta" and ticker in feed.tickers:
                return sid, feed
        raise LookupError(f"no book subscription carries {ticker}")

    async def cut(self, code: int, reason: str) -> None:
        """Close the connection from the server's side with a close code."""
        conn = await self._connection()
        await conn.close(code, reason)

    async def _connection(self) -> ServerConnection:
        await asyncio.wait_for(self._live.wait(), 10)
        assert self._conn is not None
        return self._conn

    # --- answering the client ------------------------------------------------------------------

    async def _serve(self, conn: ServerConnection) -> None:
        self.connections += 1
        self._conn, self._feeds = conn, {}
        self._live.set()
        try:
            async for text in conn:
                await self._command(json.loads(text))
        except ConnectionClosed:
            pass
        finally:
            if self._conn is conn:
                self._live.clear()

    async def _command(self, command: dict[str, Any]) -> None:
        cmd, params, command_id = command["cmd"], command.get("params", {}), command.get("id")
        if cmd == "subscribe":
            for channel in params["channels"]:
                await self._subscribe(command_id, channel, params.get("market_tickers") or [])
        elif cmd == "unsubscribe":
            for sid in params["sids"]:
                feed = self._feeds.pop(sid)
                reply = {
                    "id": command_id,
                    "type": "unsubscribed",
                    "sid": sid,
                    "seq": feed.next_seq(),
                }
                await self.send_raw(json.dumps(reply))
        elif cmd == "update_subscription" and params.get("action") == "get_snapshot":
            feed = self._feeds[params["sid"]]
            for ticker in params["market_tickers"]:
                await self._snapshot(command_id, params["sid"], feed, ticker)
        elif cmd == "list_subscriptions":
            listing = [{"channel": f.channel, "sid": sid} for sid, f in self._feeds.items()]
            await self.send_raw(json.dumps({"id": command_id, "type": "ok", "msg": listing}))

    async def _subscribe(self, command_id: int | None, channel: str, tickers: list[str]) -> None:
        self._next_sid += 1
        sid = self._next_sid
        feed = self._feeds[sid] = Feed(channel, list(tickers))
        reply = {"id": command_id, "type": "subscribed", "msg": {"channel": channel, "sid": sid}}
        await self.send_raw(json.dumps(reply))
        if channel == "orderbook_delta":
            for ticker in tickers:
                await self._snapshot(None, sid, feed, ticker)

    async def _snapshot(self, command_id: int | None, sid: int, feed: Feed, ticker: str) -> None:
        async with self._book_lock:
            await self._send_snapshot(command_id, sid, feed, ticker)

    async def _send_snapshot(
        self, command_id: int | None, sid: int, feed: Feed, ticker: str
    ) -> None:
        book = self.truth[ticker]
        msg: dict[str, Any] = {"market_ticker": ticker}
        for side in ("yes", "no"):
            if book[side]:
                msg[f"{side}_dollars_fp"] = [
                    [ticks_to_dollars(p), centi_to_fp(c)] for p, c in sorted(book[side].items())
                ]
        frame = {"type": "orderbook_snapshot", "sid": sid, "seq": feed.next_seq(), "msg": msg}
        if command_id is not None:
            frame["id"] = command_id
        await self.send_raw(json.dumps(frame))


def _frame(kind: str, sid: int, seq: int, msg: dict[str, Any]) -> str:
    return json.dumps({"type": kind, "sid": sid, "seq": seq, "msg": msg})
