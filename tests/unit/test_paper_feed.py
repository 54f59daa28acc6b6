"""PaperFeed against a real sandbox stream: the engines mirror the stream's exact books, a paper
order that crosses fills from the live depth, and a gap holds deltas back until the snapshot."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from kalshikit.errors import ValidationError
from kalshikit.http.orders_core import OrderSpec
from kalshikit.paper import PaperEngine, PaperEvent, RiskAverse
from kalshikit.paper.feed import PaperFeed
from kalshikit.sandbox.server import SandboxURL, default_exchange, running
from kalshikit.units import ticks_to_dollars
from kalshikit.ws import Backoff, KalshiWebSocket

FAST = Backoff(initial_s=0.05, max_s=0.3, healthy_after_s=0.5)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxURL]:
    with running(default_exchange(markets=16), activity=200, limits_enabled=False) as url:
        yield url


def open_tickers(sandbox: str) -> list[str]:
    answer = httpx.get(sandbox + "/markets", params={"status": "open", "limit": 1000}, timeout=10)
    return sorted(m["ticker"] for m in answer.json()["markets"])


def admin(sandbox: str, path: str, body: object) -> Any:
    base = sandbox.removesuffix("/trade-api/v2")
    answer = httpx.post(f"{base}/sandbox/admin{path}", json=body, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def wait_for(condition: Callable[[], bool], what: str, within_s: float = 10.0) -> None:
    deadline = time.monotonic() + within_s
    while not condition():
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.02)


def stream_book(ws: KalshiWebSocket, ticker: str) -> tuple[dict[int, int], dict[int, int]]:
    book = ws.books[ticker]
    return (
        {p.ticks: c.centi for p, c in book.yes_bids},
        {p.ticks: c.centi for p, c in book.no_bids},
    )


def mirror(engine: PaperEngine, ticker: str) -> tuple[dict[int, int], dict[int, int]]:
    source = engine._books[ticker]  # the engine's mirror of the source book
    return dict(source.yes), dict(source.no)


async def followed(sandbox: SandboxURL, engines: list[PaperEngine], **options: Any) -> Any:
    ws = KalshiWebSocket(config=sandbox.config, backoff=FAST)
    await ws.connect()
    feed = PaperFeed(engines, ws, **options)
    tickers = open_tickers(sandbox)
    await feed.follow(tickers[:4])
    await feed.follow(tickers[2:8])  # again: adds markets to the same subscriptions
    await wait_for(lambda: feed.stats.snapshots + feed.stats.seeded >= 8, "no books")
    return ws, feed, tickers[:8]


def test_the_engines_mirror_the_streams_exact_books_after_activity(sandbox: SandboxURL) -> None:
    async def scenario() -> None:
        engines = [PaperEngine(), PaperEngine(RiskAverse())]
        ws, feed, tickers = await followed(sandbox, engines)
        try:
            await wait_for(lambda: feed.stats.deltas > 40 and feed.stats.trades > 0, "quiet")
            assert feed.tickers == feed.mirrored() == frozenset(tickers)
            for ticker in tickers:  # no await in between: the reader task is not running
                assert ws.books[ticker].trusted
                for engine in engines:
                    assert mirror(engine, ticker) == stream_book(ws, ticker)
            assert feed.stats.failures == 0
        finally:
            await ws.close()

    asyncio.run(scenario())


def test_a_paper_order_that_crosses_fills_from_the_live_depth(sandbox: SandboxURL) -> None:
    async def scenario() -> None:
        seen: list[PaperEvent] = []
        engine = PaperEngine()
        engine.open_account("me", cash_micro=1_000_000_000)
        ws, feed, tickers = await followed(sandbox, [engine], on_events=seen.extend)
        try:
            await asyncio.sleep(0.3)
            ticker = next(t for t in tickers if ws.books[t].best_yes_ask is not None)
            best_ask = ws.books[ticker].best_yes_ask
            assert best_ask is not None
            spec = OrderSpec(
                ticker, side="yes", action="buy", count=1,
                price_dollars=ticks_to_dollars(best_ask.ticks),
                time_in_force="immediate_or_cancel", client_order_id="cross-1",
            )  # fmt: skip
            ack = engine.submit(feed.now(), "me", spec)
            assert ack.fill_count == "1.00"
            assert ack.average_fill_price == ticks_to_dollars(best_ask.ticks)
            assert engine.position_size("me", ticker) == 100
            await wait_for(lambda: any(e[1] == "me" for e in seen), "no events handed over")
        finally:
            await ws.close()

    asyncio.run(scenario())


def test_a_gap_holds_deltas_back_until_the_fresh_snapshot(sandbox: SandboxURL) -> None:
    async def scenario() -> None:
        engine = PaperEngine()
        ws, feed, tickers = await followed(sandbox, [engine])
        try:
            # a real gap, forced by the sandbox: the books are repaired and mirrored again
            await asyncio.to_thread(admin, sandbox, "/faults", {"kind": "ws_skip_seq", "count": 2})
            await wait_for(lambda: ws.stats.gaps > 0, "the skipped seqs made no gap")
            await wait_for(lambda: all(ws.books[t].trusted for t in tickers), "never repaired")
            await asyncio.sleep(0.3)
            for ticker in tickers:
                assert mirror(engine, ticker) == stream_book(ws, ticker)
            # a book the stream distrusts (as a gap leaves it, here held so) gets no deltas
            busy = max(tickers, key=lambda t: len(ws.books[t].yes_bids))
            ws.books[busy].mark_stale()
            frozen, held = mirror(engine, busy), feed.stats.stale_deltas
            await wait_for(lambda: feed.stats.stale_deltas > held, "no delta was held back")
            assert mirror(engine, busy) == frozen
            await ws.get_snapshot([busy])
            await wait_for(lambda: ws.books[busy].trusted, "no fresh snapshot")
            await asyncio.sleep(0.3)
            assert mirror(engine, busy) == stream_book(ws, busy)
            assert feed.stats.failures == 0
        finally:
            await ws.close()

    asyncio.run(scenario())


def test_bad_arguments_are_refused_with_what_to_pass(sandbox: SandboxURL) -> None:
    ws = KalshiWebSocket(config=sandbox.config)
    with pytest.raises(ValidationError, match="PaperEngine"):
        PaperFeed([], ws)

    async def follow_a_string() -> None:
        feed = PaperFeed([PaperEngine()], ws)
        with pytest.raises(ValidationError, match="list of market tickers"):
            await feed.follow("KX-1")
        assert feed.tickers == frozenset()

    asyncio.run(follow_a_string())
