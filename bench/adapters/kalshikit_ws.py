"""kalshikit KalshiWebSocket as its users run it, minus the socket: reader task, streams, books.

What a user's program does: ``async with KalshiWebSocket(...) as ws`` (with the recorded
server's markets-per-subscription cap), one order book subscription per book sid in the stream
(``ws.subscribe("orderbook_delta", tickers)``, the same call ``ws.orderbooks`` makes),
``ws.ticker()`` and ``ws.trades()``, and one consumer task per returned stream
(``async for msg in stream``) keeping the latest ticker and trade per market.
Every frame goes through the client's own reader (``async for raw in socket`` ->
``Protocol.receive``: msgspec decoding, per-sid seq checks, integer-tick books) and out through
the streams to the consumer tasks.

Only the network is replaced, as in the kalshi_sdk adapters: a replay socket answers each
subscribe with the stream's next ``subscribed`` ack for that channel (under our command id),
then hands out the data frames as str, yielding to the event loop once per 64 frames. Session
setup (a throwaway Ed25519 key, the signed handshake headers) is inside the timed call.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from typing import Any

from kalshikit.auth import Signer, generate_private_key
from kalshikit.config import APIConfig
from kalshikit.ws import KalshiWebSocket

BATCH = 64
_SIGNER = Signer("benchmark-key-id", generate_private_key("ed25519"))


class ReplaySocket:
    """send/close/async-iteration, like a websockets connection, over a frame list."""

    def __init__(self, acks: list[dict[str, Any]], data: list[bytes]) -> None:
        self.acks: dict[str, deque[dict[str, Any]]] = {}
        for ack in acks:
            self.acks.setdefault(ack["msg"]["channel"], deque()).append(ack)
        self.replies: deque[str] = deque()
        self.data = data
        self.live = False
        self.finished = asyncio.Event()
        self._wake = asyncio.Event()

    async def send(self, text: str) -> None:
        command = json.loads(text)
        channel = command.get("params", {}).get("channels", [""])[0]
        pending = self.acks.get(channel) if command.get("cmd") == "subscribe" else None
        if pending:
            self.replies.append(json.dumps(dict(pending.popleft(), id=command["id"])))
        else:
            error = {"code": 18, "msg": "no server in benchmark"}
            self.replies.append(json.dumps({"id": command["id"], "type": "error", "msg": error}))
        self._wake.set()

    def start(self) -> None:
        self.live = True
        self._wake.set()

    async def close(self) -> None:
        return None

    async def __aiter__(self) -> Any:
        index, data = 0, self.data
        while True:
            while self.replies:
                yield self.replies.popleft()
            if self.live and index < len(data):
                end = min(index + BATCH, len(data))
                for raw in data[index:end]:
                    yield raw.decode()
                index = end
                await asyncio.sleep(0)
                continue
            if self.live:
                self.finished.set()
            self._wake.clear()
            await self._wake.wait()


def _is_ack(frame: bytes) -> bool:
    return frame[:6] == b'{"id":' and b'"type":"subscribed"' in frame


def _opening(frames: list[bytes]) -> int:
    """How many frames open the stream: subscribed acks and snapshots, before any data."""
    head = 0
    while _is_ack(frames[head]) or frames[head].startswith(b'{"type":"orderbook_snapshot"'):
        head += 1
    return head


def _book_sids(frames: list[bytes], acks: list[dict[str, Any]]) -> list[list[str]]:
    """The markets of each book subscription, from the snapshots that open the stream (setup:
    a user knows which markets they subscribe to)."""
    sids = [a["msg"]["sid"] for a in acks if a["msg"]["channel"] == "orderbook_delta"]
    markets: dict[int, list[str]] = {sid: [] for sid in sids}
    for frame in frames[: _opening(frames)]:
        if _is_ack(frame):
            continue
        snap = json.loads(frame)
        markets[snap["sid"]].append(snap["msg"]["market_ticker"])
    return [markets[sid] for sid in sids]


class Adapter:
    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self.ws: KalshiWebSocket | None = None
        self.tickers: dict[str, Any] = {}
        self.trades: dict[str, Any] = {}

    async def _consume(self, stream: Any, latest: dict[str, Any]) -> None:
        async for msg in stream:
            latest[msg.market_ticker] = msg

    async def _session(self, frames: list[bytes]) -> None:
        head = _opening(frames)  # the acks and snapshots that open the stream
        acks = [json.loads(f) for f in frames[:head] if _is_ack(f)]
        data = [f for f in frames[:head] if not _is_ack(f)] + frames[head:]
        socket = ReplaySocket(acks, data)

        async def connector(url: str, headers: dict[str, str]) -> ReplaySocket:
            return socket

        config = APIConfig.resolve("local", environ={}, dotenv_path=False)
        book_sids = _book_sids(frames, acks)
        # the recorded server gave each book sid this many markets: so does the client's split
        per_sid = max(map(len, book_sids), default=250)
        self.ws = ws = KalshiWebSocket(
            config=config, signer=_SIGNER, connector=connector,
            max_markets_per_subscription=per_sid,
        )  # fmt: skip
        async with ws:
            for markets in book_sids:
                await ws.subscribe("orderbook_delta", markets, iterate=False)
            consumers = [
                asyncio.create_task(self._consume(await ws.ticker(), self.tickers)),
                asyncio.create_task(self._consume(await ws.trades(), self.trades)),
            ]
            socket.start()
            await socket.finished.wait()
        await asyncio.gather(*consumers)

    def feed_many(self, frames: list[bytes]) -> None:
        self._loop.run_until_complete(self._session(frames))

    def feed(self, raw: bytes) -> None:
        raise NotImplementedError("a session replays a whole stream: use feed_many")

    def books(self) -> dict[str, tuple[dict[str, str], dict[str, str]]]:
        assert self.ws is not None
        out = {}
        for ticker, book in self.ws.books.items():
            levels = book.to_levels()
            out[ticker] = (dict(levels.yes), dict(levels.no))
        return out

    def stats(self) -> dict[str, Any]:
        assert self.ws is not None
        s = self.ws.stats
        return {
            "frames": s.frames,
            "gaps": s.gaps,
            "stale_deltas": s.stale_deltas,
            "unknown": s.unknown_frames,
            "tickers": len(self.tickers),
            "trades": len(self.trades),
        }

    def close(self) -> None:
        self._loop.close()


def make() -> Adapter:
    return Adapter()
