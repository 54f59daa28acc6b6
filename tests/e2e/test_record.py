"""The recorder against a busy sandbox with a forced disconnect and skipped seqs.

The tape is read back with ``read_table`` and the books are rebuilt from its rows the way any
reader would (a reset drops the book, a snapshot replaces it, deltas change it): at every check
row the rebuilt book equals the REST book the check read and says "ok"; at the end every
rebuilt book equals the sandbox's REST book; every gap is followed by a fresh snapshot; no
``.tmp`` file is left; a second run on the same root adds files and the first ones still read.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from _cli_kit import Box, cli_json, sign_in

from kalshikit import AsyncKalshiClient
from kalshikit.cli.main import main
from kalshikit.errors import ValidationError
from kalshikit.sandbox.catalog import build_catalog
from kalshikit.sandbox.exchange.exchange import Exchange
from kalshikit.sandbox.server import SandboxURL, default_exchange, running
from kalshikit.tape import read_table, tape_files
from kalshikit.tape.crosscheck import rest_state
from kalshikit.tape.recorder import Recorder
from kalshikit.tape.status import RecorderStats
from kalshikit.ws import Backoff, KalshiWebSocket

FAST = Backoff(initial_s=0.05, max_s=0.3, healthy_after_s=0.5)
Book = dict[int, dict[int, int]]  # side -> price -> size


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxURL]:
    with running(default_exchange(markets=16), activity=200, limits_enabled=False) as url:
        yield url


def admin(sandbox: str, path: str, body: object) -> Any:
    base = sandbox.removesuffix("/trade-api/v2")
    answer = httpx.post(f"{base}/sandbox/admin{path}", json=body, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def recorder(sandbox: SandboxURL, root: Path, **options: Any) -> Recorder:
    ws = KalshiWebSocket(config=sandbox.config, backoff=FAST)
    return Recorder(sandbox.config, root, ws=ws, flush_every_s=1.0, **options)


async def wait_for(condition: Any, what: str) -> None:
    deadline = time.monotonic() + 10.0
    while not condition():
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.05)


async def record_with_faults(sandbox: SandboxURL, root: Path) -> RecorderStats:
    admin(sandbox, "/trading", {"active": True})
    rec = recorder(sandbox, root, check_every_s=0.4, check_sample=3)
    task = asyncio.create_task(rec.run())
    stats = rec.stats
    await wait_for(lambda: stats.messages > 50 and stats.repaired == stats.gaps, "no snapshots")
    await asyncio.to_thread(admin, sandbox, "/faults", {"kind": "ws_skip_seq", "count": 2})
    await wait_for(lambda: stats.gaps > 0, "the skipped seqs made no gap")
    await asyncio.sleep(0.5)
    dropped = await asyncio.to_thread(admin, sandbox, "/faults", {"kind": "ws_drop"})
    assert dropped["dropped"] >= 1
    await wait_for(lambda: stats.resets.get("reconnect", 0) > 0, "the drop made no reset")
    await asyncio.sleep(1.0)  # activity again, and checks, after the reconnect
    await asyncio.to_thread(admin, sandbox, "/trading", {"active": False})
    await wait_for(lambda: stats.repaired == stats.gaps, "a gap was never repaired")
    await quiet_books(rec)  # nothing left in flight, however busy the machine is
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    return stats


async def quiet_books(rec: Recorder, within_s: float = 10.0) -> None:
    """Wait until the paused exchange's stream has drained: a second with no new message
    written (on a loaded machine the last frames of the pause can lag well behind it)."""
    deadline = asyncio.get_running_loop().time() + within_s
    while asyncio.get_running_loop().time() < deadline:
        written = rec.stats.messages
        await asyncio.sleep(1.0)
        if rec.stats.messages == written:
            return


def rebuild(rows: list[dict[str, Any]]) -> tuple[dict[str, Book | None], int]:
    """Books from the rows as a reader rebuilds them; asserts each check group on the way."""
    books: dict[str, Book | None] = {}
    group: list[dict[str, Any]] = []
    checks = 0

    def close_group() -> None:
        nonlocal checks
        if not group:
            return
        first = group[0]
        levels: Book = {0: {}, 1: {}}
        for row in group:
            if row["side"] is not None:
                levels[row["side"]][row["price"]] = row["size"]
        if first["kind"] == "snapshot":
            books[first["ticker"]] = levels
        else:  # a check: the book rebuilt so far is the REST book it read, and says so
            assert first["text"] == "ok", first
            assert books.get(first["ticker"]) == levels, first
            checks += 1
        group.clear()

    for row in rows:
        if group and (row["n"] != group[0]["n"]):
            close_group()
        kind, ticker = row["kind"], row["ticker"]
        if kind in ("snapshot", "check"):
            group.append(row)
        elif kind == "reset":
            books[ticker] = None
        elif kind == "delta" and books.get(ticker) is not None:
            side = books[ticker][row["side"]]  # type: ignore[index]
            side[row["price"]] = side.get(row["price"], 0) + row["size"]
            if not side[row["price"]]:
                del side[row["price"]]
    close_group()
    return books, checks


async def rest_books(sandbox: SandboxURL, tickers: list[str]) -> dict[str, Book]:
    async with AsyncKalshiClient(config=sandbox.config) as client:
        books = {}
        for ticker in tickers:
            yes, no = rest_state(await client.markets.orderbook(ticker))
            books[ticker] = {0: dict(yes), 1: dict(no)}
        return books


def test_a_recording_through_faults_rebuilds_the_exchange_books(
    sandbox: SandboxURL, tmp_path: Path
) -> None:
    root = tmp_path / "tape"
    stats = asyncio.run(record_with_faults(sandbox, root))
    assert stats.resets.get("gap", 0) >= 1
    assert stats.resets.get("reconnect", 0) >= 1
    assert stats.checks_ok >= 1
    assert stats.checks_mismatch == 0

    rows = read_table(root).to_pylist()
    books, checks = rebuild(rows)
    assert checks == stats.checks_ok
    recorded = sorted(books)
    assert len(recorded) == stats.markets
    assert all(books[t] is not None for t in recorded), "a book ended unknown"
    assert books == asyncio.run(rest_books(sandbox, recorded))
    gaps_repaired(rows)
    assert not list(root.rglob("*.tmp"))

    first = tape_files(root)
    again = asyncio.run(recorder(sandbox, root, check_sample=0).run(duration=1.0))
    assert again.files >= 1
    assert set(first) < set(tape_files(root))
    assert read_table(root).num_rows > len(rows)
    starts = [r for r in read_table(root, kinds=["reset"]).to_pylist() if r["text"] == "start"]
    assert len(starts) == 2 * len(recorded)  # each run starts every book with a reset


def gaps_repaired(rows: list[dict[str, Any]]) -> None:
    """Every reset of a book is followed by a snapshot of it."""
    unknown: set[str] = set()
    for row in rows:
        if row["kind"] == "reset":
            unknown.add(row["ticker"])
        elif row["kind"] == "snapshot":
            unknown.discard(row["ticker"])
    assert not unknown, f"books never re-snapshotted: {sorted(unknown)}"


def test_an_unknown_ticker_is_refused_before_anything_is_written(
    sandbox: SandboxURL, tmp_path: Path
) -> None:
    root = tmp_path / "tape"
    with pytest.raises(ValidationError, match="no such market: NOPE-1"):
        asyncio.run(recorder(sandbox, root, tickers=["NOPE-1"]).run(duration=1.0))
    assert not root.exists()


def test_kalshi_record_writes_a_tape_in_the_current_folder(
    sandbox: SandboxURL,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    box = Box(sandbox)
    sign_in(box, tmp_path, monkeypatch)
    tickers = [m["ticker"] for m in box.markets()[:2]]
    picked = [arg for ticker in tickers for arg in ("--ticker", ticker)]
    summary = cli_json(capsys, "record", *picked, "--duration", "1.5s", "--flush-every", "1s")
    assert summary["markets"] == 2
    assert summary["files"] >= 1
    written = read_table(tmp_path / "tape")
    assert set(written.column("ticker").to_pylist()) <= set(tickers)
    assert {"reset", "snapshot"} <= set(written.column("kind").to_pylist())


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--duration", "0"], "--duration takes a positive duration"),
        (["--flush-every", "soon"], "--flush-every takes a positive duration"),
        (["--ticker", "NOPE-1", "--duration", "1s"], "no such market: NOPE-1"),
    ],
)
def test_kalshi_record_refuses_bad_input_and_writes_nothing(
    sandbox: SandboxURL,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    message: str,
) -> None:
    sign_in(Box(sandbox), tmp_path, monkeypatch)
    assert main(["record", *argv]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "tape").exists()


def test_a_determined_market_is_dropped(sandbox: SandboxURL, tmp_path: Path) -> None:
    box = Box(sandbox)
    tickers = [m["ticker"] for m in box.markets() if m["ticker"].startswith("KXBTCD")][:2]
    root = tmp_path / "tape"

    async def determine_one() -> RecorderStats:
        rec = recorder(sandbox, root, tickers=tickers, check_sample=0)
        task = asyncio.create_task(rec.run())
        await wait_for(lambda: rec.stats.messages >= 2, "no snapshots")
        path = f"/markets/{tickers[0]}/determine"
        await asyncio.to_thread(admin, sandbox, path, {"result": "yes"})
        await wait_for(lambda: rec.stats.dropped == 1, "the determined market was not dropped")
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return rec.stats

    stats = asyncio.run(determine_one())
    assert stats.markets == 1
    lifecycle = read_table(root, kinds=["lifecycle"], tickers=[tickers[0]]).to_pylist()
    assert "determined" in [row["text"] for row in lifecycle]


def test_markets_that_open_while_recording_join_it(tmp_path: Path) -> None:
    """A market opens (lifecycle ``activated``) as the exchange's clock reaches its open time."""
    now = [time.time_ns() // 1_000_000]
    catalog = build_catalog(seed=0, markets=16, now=datetime.now(UTC))
    exchange = Exchange(catalog, clock=lambda: now[0], seed=0)
    with running(exchange, limits_enabled=False) as url:
        listed = httpx.get(url + "/markets", params={"status": "unopened", "limit": 1000})
        first = min(listed.json()["markets"], key=lambda m: m["open_time"])
        series = first["event_ticker"].split("-")[0]
        opening = [
            m for m in listed.json()["markets"]
            if m["open_time"] == first["open_time"] and m["ticker"].startswith(series + "-")
        ]  # fmt: skip
        opens_ms = int(datetime.fromisoformat(first["open_time"]).timestamp() * 1000)
        root = tmp_path / "tape"

        async def open_one() -> RecorderStats:
            rec = recorder(url, root, series=[series], check_sample=0)
            task = asyncio.create_task(rec.run())
            stats = rec.stats
            await wait_for(lambda: stats.markets and stats.messages >= stats.markets, "no books")
            before = stats.messages
            now[0] = opens_ms + 1
            await asyncio.to_thread(admin, url, "/advance", {})
            # each market that opens: its lifecycle message, then its snapshot
            joined = 2 * len(opening)
            await wait_for(lambda: stats.messages >= before + joined, "no join")
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            return rec.stats

        stats = asyncio.run(open_one())
    assert stats.joined == len(opening)
    kinds = read_table(root, tickers=[first["ticker"]]).column("kind").to_pylist()
    assert kinds[:1] == ["lifecycle"]  # activated: then it joins, from a reset and a snapshot
    assert kinds[1:3] == ["reset", "snapshot"]
