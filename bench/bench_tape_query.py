"""The tape with DuckDB: the book of one market at one moment of a 30-day tape.

A synthetic tape written with ``TapeWriter`` (``bench_tape_replay.synthetic_day``): 30 UTC days,
``MARKETS`` markets, a snapshot of every book at the start of each day, then ``DELTAS_PER_DAY``
deltas a day. A full Kalshi feed for 30 days is far bigger than this 2-core machine can build in
a minute, so the tape is scaled down (the size is reported). Each query is the one of
docs/tape.md (last snapshot before the moment plus the deltas after it), from a fresh DuckDB
connection, for a random market and moment; the first answer is checked against
``replay_books``. Target: under 1 s per query.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb

from bench_tape_replay import DAY_NS, build  # a sibling bench module: the synthetic tape
from kalshikit.tape import replay_books

DAYS, MARKETS, DELTAS_PER_DAY, QUERIES = 30, 500, 1_000_000, 10
FIRST_DAY_NS = 1_764_547_200 * 10**9

BOOK_AT = """
WITH rows AS (
    SELECT recv_ns, n, kind, side, price, size
    FROM read_parquet($tape, hive_partitioning = true)
    WHERE ticker = $ticker AND recv_ns < $at AND kind IN ('snapshot', 'delta', 'reset')
), base AS (
    SELECT recv_ns, n, kind FROM rows WHERE kind IN ('snapshot', 'reset')
    ORDER BY recv_ns DESC, n DESC LIMIT 1
)
SELECT r.side, r.price, sum(r.size) AS size
FROM rows r, base b
WHERE b.kind = 'snapshot' AND r.side IS NOT NULL AND (
    (r.kind = 'snapshot' AND r.n = b.n)
    OR (r.kind = 'delta' AND (r.recv_ns > b.recv_ns OR (r.recv_ns = b.recv_ns AND r.n > b.n))))
GROUP BY r.side, r.price HAVING sum(r.size) > 0
ORDER BY r.side, r.price
"""


def _ask(root: Path, ticker: str, at: int) -> tuple[list[tuple[int, int, int]], float]:
    started = time.perf_counter()
    with duckdb.connect() as db:
        rows = db.execute(BOOK_AT, {"tape": f"{root}/**/*.parquet", "ticker": ticker, "at": at})
        answer = [tuple(row) for row in rows.fetchall()]
    return answer, time.perf_counter() - started


def _check(root: Path, ticker: str, at: int, answer: list[tuple[int, int, int]]) -> bool:
    book = replay_books(root, tickers=[ticker], end=at).books[ticker]
    levels = book.to_levels()
    wire = {0: levels.yes, 1: levels.no}
    sql = {0: [], 1: []}  # type: dict[int, list[tuple[str, str]]]
    for side, price, size in answer:
        sql[side].append((f"{price / 10_000:.4f}", f"{size / 100:.2f}"))
    return sql == wire


def run() -> dict[str, Any]:
    rng = random.Random(2026)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        built = build(root, DAYS, MARKETS, DELTAS_PER_DAY)
        files = list(root.rglob("*.parquet"))
        size = sum(f.stat().st_size for f in files)
        asks = [(f"KXSYN-{rng.randrange(MARKETS):05d}",
                 FIRST_DAY_NS + rng.randrange(DAYS * DAY_NS)) for _ in range(QUERIES)]  # fmt: skip
        timings, exact = [], None
        for ticker, at in asks:
            answer, seconds = _ask(root, ticker, at)
            timings.append(seconds)
            if exact is None:
                exact = _check(root, ticker, at, answer)
    rows = DAYS * (DELTAS_PER_DAY + MARKETS * 40)
    return {"build_s": built, "bytes": size, "files": len(files), "rows": rows,
            "timings": timings, "exact": exact}  # fmt: skip


def markdown(results: dict[str, Any]) -> str:
    timings = results["timings"]
    return "\n".join([
        "## Tape query: a book at a moment with DuckDB (`bench/bench_tape_query.py`)\n",
        f"A synthetic {DAYS}-day tape: {MARKETS} markets, {results['rows']:,} rows in "
        f"{results['files']} files, {results['bytes'] / 1e6:.0f} MB (built with `TapeWriter` in "
        f"{results['build_s']:.0f} s). Scaled down from a full Kalshi feed so it builds in under "
        "a minute here; the query reads one market's row groups, so it grows with that "
        "market's rows more than with the tape. Target: the book of any market at any moment "
        "in under 1 s.\n",
        "| queries | median s | max s | min s | answer equals `replay_books` |",
        "|---:|---:|---:|---:|---|",
        f"| {len(timings)} | {statistics.median(timings):.3f} | {max(timings):.3f} | "
        f"{min(timings):.3f} | {'yes' if results['exact'] else 'NO'} |",
        "",
    ])  # fmt: skip


if __name__ == "__main__":
    print(markdown(run()))
