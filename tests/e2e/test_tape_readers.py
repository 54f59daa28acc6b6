"""A tape is plain Parquet: DuckDB and Polars read it in a process that never imports kalshikit,
and the book of a market at a moment, asked in SQL (the query of docs/tape.md), is the book
``replay_books`` rebuilds."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

from _tape_kit import BOOK_AT

from kalshikit.tape import TapeWriter, replay_books

T0 = 1_764_720_000 * 10**9
TICKERS = ("KXA-1", "KXB-2")

READER = """
import json, sys
import duckdb, polars as pl
tape, sql, asks = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
pattern = tape + "/**/*.parquet"
answers = []
for ticker, at in asks:
    rows = duckdb.execute(sql, {"tape": pattern, "ticker": ticker, "at": at}).fetchall()
    answers.append([list(row) for row in rows])
frame = pl.scan_parquet(pattern, hive_partitioning=True)
trades = (frame.filter(pl.col("kind").cast(pl.Utf8) == "trade")
          .group_by(pl.col("ticker").cast(pl.Utf8)).agg(pl.len()).collect())
counts = {t: c for t, c in trades.iter_rows()}
assert "kalshikit" not in sys.modules, "the reader imported kalshikit"
total = frame.select(pl.len()).collect().item()
print(json.dumps({"books": answers, "trades": counts, "rows": total}))
"""


def _write_tape(root: Path) -> tuple[int, dict[str, int]]:
    """Two markets over two files: snapshots, deltas, a reset and its snapshot, trades."""
    rng, writer, rows, trades = random.Random(7), TapeWriter(root), 0, dict.fromkeys(TICKERS, 0)
    held: dict[tuple[str, int, int], int] = {}
    for step in range(600):
        n = step + 1
        recv = T0 + step * 10**8
        ticker = TICKERS[step % 2]
        if step < 2 or step in (300, 301):
            levels = {
                (side, p): rng.randrange(1, 900) for side in (0, 1) for p in (3_000, 3_100, 4_000)
            }
            held = {k: v for k, v in held.items() if k[0] != ticker}
            for (side, price), size in levels.items():
                held[(ticker, side, price)] = size
                writer.rows.add(recv, n, "snapshot", ticker, side=side, price=price, size=size)
                rows += 1
        elif step == 250:
            writer.rows.add(recv, n, "reset", ticker, text="gap")
            rows += 1
        elif step % 7 == 0:
            writer.rows.add(recv, n, "trade", ticker, price=3_100, size=100, side=0, text=f"t{n}")
            rows += 1
            trades[ticker] += 1
        else:
            side, price = rng.randrange(2), rng.choice((3_000, 3_100, 3_200, 4_000))
            change = rng.randrange(-held.get((ticker, side, price), 0), 400) or 5
            held[(ticker, side, price)] = held.get((ticker, side, price), 0) + change
            writer.rows.add(recv, n, "delta", ticker, side=side, price=price, size=change, seq=n)
            rows += 1
        if step == 400:
            writer.flush()
    writer.close()
    return rows, trades


def test_duckdb_and_polars_read_the_tape_without_kalshikit(tmp_path: Path) -> None:
    rows, trades = _write_tape(tmp_path)
    moments = [T0 + 10**8 * s + 1 for s in (1, 120, 260, 299, 302, 450, 599)]
    asks = [[ticker, at] for at in moments for ticker in TICKERS]
    done = subprocess.run(
        [sys.executable, "-c", READER, str(tmp_path), BOOK_AT, json.dumps(asks)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["rows"] == rows
    assert answer["trades"] == trades
    for (ticker, at), levels in zip(asks, answer["books"], strict=True):
        book = replay_books(tmp_path, tickers=[ticker], end=at).books.get(ticker)
        if book is None or not book.trusted:
            assert levels == [], (ticker, at)  # a reset last: SQL says nothing either
            continue
        expected = book.to_levels()
        sql = {0: [], 1: []}
        for side, price, size in levels:
            sql[side].append((f"{price / 10_000:.4f}", f"{size / 100:.2f}"))
        assert (sql[0], sql[1]) == (expected.yes, expected.no), (ticker, at)
