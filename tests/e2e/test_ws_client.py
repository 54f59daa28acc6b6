"""KalshiWebSocket against a real sandbox process with simulated activity and faults.

The books the client keeps equal the REST books after the activity stops, also when the sandbox
cuts the connection 20 times at random moments and skips sequence numbers; every gap is
detected and recovered and no subscription is lost. Command errors surface as exceptions, a
refused handshake is raised rather than retried, the thread-backed facade holds live books, and
a captured session replays to the same books.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from _sandbox_process import sandbox_process

from kalshikit import AsyncKalshiClient
from kalshikit.auth import Signer, generate_private_key, public_key_pem
from kalshikit.config import APIConfig
from kalshikit.errors import CommandRefused, StreamClosed, Unauthorized, ValidationError
from kalshikit.orderbook import OrderBook
from kalshikit.ws import Backoff, KalshiStream, KalshiWebSocket, StreamEvent, replay

pytestmark = pytest.mark.slow
FAST = Backoff(initial_s=0.05, max_s=0.4, healthy_after_s=0.5)


@dataclass
class Box:
    base: str  # http://127.0.0.1:port

    @property
    def rest(self) -> str:
        return self.base + "/trade-api/v2"

    def admin(self, path: str, body: object) -> object:
        answer = httpx.post(f"{self.base}/sandbox/admin{path}", json=body, timeout=10)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def trading(self, active: bool) -> None:
        self.admin("/trading", {"active": active})

    def config(self) -> APIConfig:
        return APIConfig.resolve("local", rest_url=self.rest, environ={}, dotenv_path=False)

    def signer(self) -> Signer:
        key = generate_private_key("ed25519")
        made = self.admin("/users", {"public_key_pem": public_key_pem(key)})
        assert isinstance(made, dict)
        return Signer(made["api_key_id"], key)

    def open_tickers(self, n: int) -> list[str]:
        page = httpx.get(f"{self.rest}/markets", params={"status": "open", "limit": 1000})
        return [m["ticker"] for m in page.json()["markets"]][:n]

    def rest_levels(self, ticker: str) -> tuple[list[list[str]], list[list[str]]]:
        book = httpx.get(f"{self.rest}/markets/{ticker}/orderbook").json()["orderbook_fp"]
        return [list(x) for x in book.get("yes_dollars") or []], [
            list(x) for x in book.get("no_dollars") or []
        ]


def levels_of(book: OrderBook) -> tuple[list[list[str]], list[list[str]]]:
    levels = book.to_levels()
    return [list(x) for x in levels.yes], [list(x) for x in levels.no]


@pytest.fixture(scope="module")
def box(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Box]:
    data = tmp_path_factory.mktemp("sandbox")
    with sandbox_process(data, "--activity", "100", "--no-limits") as base:
        yield Box(base)


async def quiet_and_exact(box: Box, ws: KalshiWebSocket, tickers: list[str]) -> None:
    """Stop the activity, let the feed drain and every book recover, then compare with REST."""
    await asyncio.to_thread(box.trading, False)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        await asyncio.sleep(0.5)
        if ws.connected and all(ws.books[t].trusted for t in tickers):
            break
    await asyncio.sleep(1.0)  # a quiet second: nothing left in flight
    for ticker in tickers:
        assert ws.books[ticker].trusted, ticker
        assert levels_of(ws.books[ticker]) == await asyncio.to_thread(box.rest_levels, ticker)


async def reconnected(ws: KalshiWebSocket) -> None:
    deadline = time.monotonic() + 15
    while not ws.connected:
        assert time.monotonic() < deadline, "no reconnection within 15 s"
        await asyncio.sleep(0.02)


async def test_books_survive_20_drops_and_skipped_seqs(box: Box) -> None:
    box.trading(True)
    tickers = box.open_tickers(20)
    events: list[StreamEvent] = []
    rng = random.Random(2026)
    async with KalshiWebSocket(config=box.config(), signer=box.signer(), backoff=FAST) as ws:
        ws.on_event(events.append)
        books = await ws.orderbooks(tickers)
        trades = await ws.trades(tickers)
        for cut in range(20):
            await asyncio.sleep(rng.uniform(0.05, 0.4))
            if cut % 4 == 0:
                await asyncio.to_thread(box.admin, "/faults", {"kind": "ws_skip_seq", "count": 2})
            await reconnected(ws)  # a cut while the link is down would cut nothing
            cut_now = await asyncio.to_thread(box.admin, "/faults", {"kind": "ws_drop"})
            assert isinstance(cut_now, dict)
            assert cut_now["dropped"] >= 1
            await asyncio.sleep(rng.uniform(0.0, 0.15))
        await asyncio.to_thread(box.admin, "/faults", {"kind": "ws_skip_seq", "count": 3})
        await asyncio.sleep(1.0)
        await quiet_and_exact(box, ws, tickers)
        assert books == {t: ws.books[t] for t in tickers}  # the same live objects throughout
        listed = await ws.list_subscriptions()
        assert sorted(s["channel"] for s in listed) == ["orderbook_delta", "trade"]
        assert trades.drain(), "trades kept flowing across the reconnects"
    kinds = [e.kind for e in events]
    assert kinds.count("disconnected") >= 20
    assert kinds.count("connected") >= 20  # the first came before on_event was attached
    assert "gap" in kinds
    assert "recovered" in kinds
    assert ws.stats.gaps >= 1


async def test_command_errors_raise(box: Box) -> None:
    async with KalshiWebSocket(config=box.config(), signer=box.signer(), backoff=FAST) as ws:
        with pytest.raises(CommandRefused) as refused:
            await ws.ticker(["NO-SUCH-MARKET"])
        assert refused.value.code == 11
        with pytest.raises(ValidationError):
            await ws.update_subscription("ticker", add=["X"])  # not subscribed: nothing sent
        stream = await ws.ticker(box.open_tickers(1))
        with pytest.raises(CommandRefused) as refused:
            await ws.update_subscription("ticker", add=["NO-SUCH-MARKET"])
        assert refused.value.code == 11
        assert ws.protocol.channel("ticker")[0].tickers == set(box.open_tickers(1))  # rolled back
        await ws.trades(box.open_tickers(1))
        with pytest.raises(CommandRefused) as refused:
            await ws.update_subscription("trade", add=box.open_tickers(2)[1:])
        assert refused.value.code == 13  # the trade channel takes no add_markets
        stream.close()


async def test_a_refused_handshake_is_raised_not_retried(box: Box) -> None:
    stranger = Signer("not-a-key-id", generate_private_key("ed25519"))
    with pytest.raises(Unauthorized):
        async with KalshiWebSocket(config=box.config(), signer=stranger, backoff=FAST):
            pass


async def test_a_closed_stream_refuses_new_subscriptions(box: Box) -> None:
    ws = KalshiWebSocket(config=box.config(), signer=box.signer(), backoff=FAST)
    with pytest.raises(StreamClosed):
        await ws.ticker()


async def test_a_capture_replays_to_the_same_books(box: Box, tmp_path: Path) -> None:
    box.trading(True)
    tickers = box.open_tickers(5)
    capture = tmp_path / "session.capture"
    async with KalshiWebSocket(
        config=box.config(), signer=box.signer(), backoff=FAST, capture=capture
    ) as ws:
        await ws.orderbooks(tickers)
        await ws.ticker(tickers)
        await asyncio.sleep(2.0)
        live = {t: levels_of(ws.books[t]) for t in tickers}
        live_stats = ws.stats
    replayed = replay(capture)
    assert {t: levels_of(replayed.books[t]) for t in tickers} == live
    assert replayed.stats.frames == live_stats.frames


async def test_long_market_lists_are_split_over_subscriptions(box: Box, tmp_path: Path) -> None:
    tickers = box.open_tickers(5)
    capture = tmp_path / "session.capture"
    async with KalshiWebSocket(
        config=box.config(), signer=box.signer(), backoff=FAST, capture=capture,
        max_markets_per_subscription=2,
    ) as ws:  # fmt: skip
        books = await ws.orderbooks(tickers)
        assert all(book.trusted for book in books.values())
    sent = [json.loads(line.split("\t", 2)[2]) for line in capture.read_text().splitlines()
            if line.split("\t", 2)[1] == ">"]  # fmt: skip
    asked = [c["params"].get("market_tickers", []) for c in sent if c["cmd"] == "subscribe"]
    asked += [c["params"]["market_tickers"] for c in sent if c["cmd"] == "update_subscription"]
    assert sorted(t for group in asked for t in group) == sorted(tickers)  # each market once
    assert max(len(group) for group in asked) <= 2


def test_the_sync_facade_holds_live_books(box: Box) -> None:
    box.trading(True)
    tickers = box.open_tickers(3)
    with KalshiStream(config=box.config(), signer=box.signer(), backoff=FAST) as stream:
        books = stream.orderbooks(tickers)
        tickers_seen = stream.ticker(tickers)
        first = tickers_seen.get(timeout=10)
        assert first.market_ticker in tickers
        box.trading(False)
        time.sleep(1.5)
        for ticker in tickers:
            copy = stream.book(ticker)
            assert copy.trusted
            assert books[ticker].trusted
            assert levels_of(copy) == box.rest_levels(ticker)
    box.trading(True)


async def test_the_rest_crosscheck_repairs_a_drifted_book(box: Box) -> None:
    box.trading(False)
    ticker = box.open_tickers(1)[0]
    events: list[StreamEvent] = []
    rest = AsyncKalshiClient(config=box.config())
    async with (
        rest,
        KalshiWebSocket(
            config=box.config(), signer=box.signer(), crosscheck=rest, crosscheck_interval_s=0.2
        ) as ws,
    ):
        ws.on_event(events.append)
        book = (await ws.orderbooks([ticker]))[ticker]
        best = book.yes_bids[0][0]
        book.apply_delta_ticks("yes", best.ticks, 100)  # drift: a level REST does not have
        for _ in range(50):
            await asyncio.sleep(0.1)
            if any(e.kind == "mismatch" for e in events) and book.trusted:
                break
        assert [e.tickers for e in events if e.kind == "mismatch"][:1] == [(ticker,)]
        assert book.trusted
        assert levels_of(book) == await asyncio.to_thread(box.rest_levels, ticker)
    box.trading(True)
