"""A busy sandbox session with seqs skipped on purpose, kept two ways at once: recorded by the
Recorder, and captured as text then converted. Both tapes replay to the books the exchange holds
(REST) and the live client held; `kalshi replay` and a DuckDB query give the same books; and the
MarketScanner ranks the markets from a tape as it would from the stream."""

from __future__ import annotations

import asyncio
import contextlib
import json
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest
from _tape_kit import BOOK_AT

from kalshikit import AsyncKalshiClient
from kalshikit.cli.main import main
from kalshikit.orderbook import OrderBook
from kalshikit.sandbox.server import SandboxURL, default_exchange, running
from kalshikit.scanner.scanner import MarketScanner
from kalshikit.tape import TapeWebSocket, replay_books
from kalshikit.tape.recorder import Recorder
from kalshikit.ws import KalshiWebSocket

pytestmark = pytest.mark.slow
Levels = tuple[list[list[str]], list[list[str]]]


def levels_of(book: OrderBook) -> Levels:
    levels = book.to_levels()
    return [list(x) for x in levels.yes], [list(x) for x in levels.no]


def admin(url: str, path: str, body: object) -> Any:
    answer = httpx.post(f"{url.removesuffix('/trade-api/v2')}/sandbox/admin{path}", json=body)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def _session(sandbox: SandboxURL, capture: Path, tape: Path) -> dict[str, Levels]:
    """Record and capture together: activity, skipped seqs, activity, then a quiet moment."""
    config = sandbox.config
    async with AsyncKalshiClient(config=config) as client:
        tickers = [m.ticker async for m in client.markets.list(status="open")][:10]
    recorder = Recorder(config, tape, tickers=tickers, flush_every_s=1.0, check_every_s=0.5,
                        check_sample=3)  # fmt: skip
    recording = asyncio.create_task(recorder.run())
    async with KalshiWebSocket(config=config, capture=capture) as ws:
        await ws.orderbooks(tickers)
        await ws.trades(tickers, iterate=False, on_message=lambda _: None)
        await ws.ticker(tickers, iterate=False, on_message=lambda _: None)
        await asyncio.sleep(1.2)
        for _ in range(20):  # skips hit whichever sid sends next: until our books have one
            await asyncio.to_thread(admin, sandbox, "/faults", {"kind": "ws_skip_seq", "count": 4})
            await asyncio.sleep(0.2)
            if ws.stats.snapshots_requested or ws.stats.resubscribes:  # a gap in the books
                break
        await asyncio.sleep(1.0)
        await asyncio.to_thread(admin, sandbox, "/trading", {"active": False})
        for _ in range(30):  # the live client re-snapshots after the gap, then all is quiet
            if all(book.trusted for book in ws.books.values()):
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.8)
        assert ws.stats.gaps >= 1
        live = {t: levels_of(b) for t, b in ws.books.items() if b.trusted}
    recording.cancel()  # the recorder writes what it holds on its way out
    with contextlib.suppress(asyncio.CancelledError):
        await recording
    assert recorder.stats.checks_ok >= 1
    return live


async def _rest(sandbox: SandboxURL, tickers: list[str]) -> dict[str, Levels]:
    async with AsyncKalshiClient(config=sandbox.config) as client:
        books = {t: await client.markets.orderbook(t) for t in tickers}
    return {t: ([list(x) for x in b.yes], [list(x) for x in b.no]) for t, b in books.items()}


def _sql_book(tape: Path, ticker: str) -> Levels:
    at = 2**62  # after everything
    rows = duckdb.execute(BOOK_AT, {"tape": f"{tape}/**/*.parquet", "ticker": ticker, "at": at})
    sides: Levels = ([], [])
    for side, price, size in rows.fetchall():
        sides[side].append([f"{price / 10_000:.4f}", f"{size / 100:.2f}"])
    return sides


async def _scan(config: object, tape: Path) -> MarketScanner:
    async with AsyncKalshiClient(config=config) as client:  # type: ignore[arg-type]
        played = TapeWebSocket(tape)
        await played.connect()
        scanner = MarketScanner(client=client, ws=played, clock=played.clock, books=5)
        await scanner.start()
        before = scanner.messages
        assert await played.play() > 0
        await scanner.close()
        await played.close()
        assert scanner.messages > before  # rankings moved with the tape's messages
        return scanner


def test_recorded_and_captured_sessions_replay_to_the_exchange_books(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capture, recorded, converted = tmp_path / "s.capture", tmp_path / "rec", tmp_path / "conv"
    with running(default_exchange(markets=24), activity=150, limits_enabled=False) as sandbox:
        live = asyncio.run(_session(sandbox, capture, recorded))
        rest = asyncio.run(_rest(sandbox, sorted(live)))
        assert live == rest
        # the recorder's tape: every check verified, every book the exchange's, three ways
        books = replay_books(recorded)
        assert books.stats.checks_ok >= 1
        assert books.stats.checks_mismatch == 0
        assert books.stats.resets >= len(live)  # a reset starts every book; the gap adds more
        for ticker, levels in rest.items():
            assert levels_of(books.books[ticker]) == levels, ticker
            assert _sql_book(recorded, ticker) == levels, ticker
        ticker = sorted(rest)[0]
        assert main(["--json", "replay", str(recorded), "--book", ticker]) == 0
        shown = json.loads(capsys.readouterr().out)
        assert [shown["yes_dollars"], shown["no_dollars"]] == list(rest[ticker])
        # the text capture: converted with its gap marked, it replays to the same books
        assert (
            main(["--json", "replay", "--from-capture", str(capture), "--to", str(converted)]) == 0
        )
        assert json.loads(capsys.readouterr().out)["gaps"] >= 1
        again = replay_books(converted)
        assert again.stats.resets >= 1
        assert {t: levels_of(again.books[t]) for t in rest} == rest
        assert main(["replay", str(converted), "--ticker", ticker]) == 0
        out = capsys.readouterr()
        assert ticker in out.out
        assert "messages" in out.err
        scanner = asyncio.run(_scan(sandbox.config, recorded))
    assert scanner.top("spreads", 3), "the scanner ranks markets from the tape"
    for state in scanner.states.values():
        if state.book is not None and state.book.trusted:
            assert levels_of(state.book) == levels_of(books.books[state.book.ticker])
