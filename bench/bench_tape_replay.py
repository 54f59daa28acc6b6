"""The tape's replay: messages a second into exact order books, on one core.

A synthetic tape (written with ``TapeWriter``) of ``MARKETS`` markets: a snapshot of 20 levels a
side per market, then ``DELTAS`` deltas spread over the day; every removal follows the add it
undoes, so no book ever breaks and every delta is applied (none skipped as "book unknown").
``replay_books`` is timed end to end (Parquet read, arrival sort, apply) and its apply loop
alone; ``replay`` (typed messages, the general path) on a slice for comparison. Target: at least
1,000,000 messages/s into exact books on one core (tardis-machine replays ~700k/s on 8 cores).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from itertools import islice
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from kalshikit.tape import SCHEMA, TapeWriter, replay, replay_books
from kalshikit.tape.rows import Rows

MARKETS, DELTAS, LEVELS, RUNS = 500, 2_000_000, 20, 3
DAY_NS = 86_400 * 10**9
_OTHER = {f.name for f in SCHEMA} - {"recv_ns", "n", "kind", "ticker", "side", "price", "size"}


def _ints(count: int, low: int, high: int, seed: int) -> pa.Array:
    """``count`` random ints in [low, high), vectorized (pyarrow only: no numpy needed)."""
    spread = pc.multiply(pc.random(count, initializer=seed), float(high - low))
    return pc.add(pc.cast(pc.floor(spread), pa.int64(), safe=False), low)


def synthetic_day(
    writer: TapeWriter, day_ns: int, markets: int, deltas: int, seed: int, first_n: int = 0
) -> int:
    """One UTC day of book rows into ``writer`` (flushed as one file); returns the last ``n``."""
    names = pa.array([f"KXSYN-{i:05d}" for i in range(markets)])
    per_book = 2 * LEVELS
    snapshot = pa.table({
        "recv_ns": pa.array([day_ns + i // per_book for i in range(markets * per_book)]),
        "n": pa.array([first_n + 1 + i // per_book for i in range(markets * per_book)]),
        "market": pa.array([i // per_book for i in range(markets * per_book)], pa.int64()),
        "side": pa.array([(i // LEVELS) % 2 for i in range(markets * per_book)], pa.int64()),
        "price": pc.multiply(_ints(markets * per_book, 1, 49, seed), 100),  # repeats add up
        "size": _ints(markets * per_book, 100, 50_000, seed + 1),
    })  # fmt: skip
    # deltas: an add, and later the removal of the same size at the same level
    adds = deltas // 2
    add_recv = pc.add(_ints(adds, 0, DAY_NS - 2 * 10**10, seed + 2), day_ns + 10**9)
    market, side = _ints(adds, 0, markets, seed + 3), _ints(adds, 0, 2, seed + 4)
    price, size = pc.multiply(_ints(adds, 1, 100, seed + 5), 100), _ints(adds, 1, 5_000, seed + 6)
    removed = pc.add(add_recv, _ints(adds, 1, 10**10, seed + 7))
    change = pa.table({"recv_ns": add_recv, "market": market, "side": side, "price": price,
                       "size": size})  # fmt: skip
    undo = change.set_column(0, "recv_ns", removed).set_column(4, "size", pc.negate(size))
    moves = pa.concat_tables([change, undo]).sort_by("recv_ns")
    start = first_n + markets + 1
    moves = moves.add_column(1, "n", pa.array(range(start, start + moves.num_rows), pa.int64()))
    both = pa.concat_tables([snapshot, moves.select(snapshot.column_names)])
    rows = both.num_rows
    columns: dict[str, Any] = {
        "recv_ns": both["recv_ns"], "n": both["n"],
        "kind": pa.concat_arrays([pa.repeat("snapshot", snapshot.num_rows),
                                  pa.repeat("delta", moves.num_rows)]),
        "ticker": pc.take(names, both["market"]),
        "side": both["side"].cast(pa.int8()), "price": both["price"].cast(pa.int32()),
        "size": both["size"],
    }  # fmt: skip
    for name in _OTHER:
        columns[name] = pa.nulls(rows, SCHEMA.field(name).type)
    writer.rows = Rows.of_columns(columns)
    writer.flush()
    return start + moves.num_rows - 1


def build(root: Path, days: int, markets: int, deltas_per_day: int, seed: int = 1) -> float:
    """A synthetic tape of ``days`` days; returns the seconds it took."""
    started, n = time.perf_counter(), 0
    writer = TapeWriter(root, row_group_rows=250_000)
    for day in range(days):
        day_ns = 1_764_547_200 * 10**9 + day * DAY_NS
        n = synthetic_day(writer, day_ns, markets, deltas_per_day, seed + 10 * day, n)
    return time.perf_counter() - started


def run() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        built = build(root, 1, MARKETS, DELTAS)
        size = sum(f.stat().st_size for f in root.rglob("*.parquet"))
        runs = []
        for _ in range(RUNS):
            started = time.perf_counter()
            books = replay_books(root)
            total = time.perf_counter() - started
            stats = books.stats
            assert (stats.deltas, stats.ignored_deltas, stats.broken) == (DELTAS, 0, 0)
            runs.append({"messages": stats.messages, "total_s": total, "apply_s": stats.seconds})
        started = time.perf_counter()
        typed = sum(1 for _ in islice(replay(root), 200_000))
        typed_s = time.perf_counter() - started
    return {"runs": runs, "build_s": built, "bytes": size, "typed": typed, "typed_s": typed_s}


def markdown(results: dict[str, Any]) -> str:
    runs = results["runs"]
    total = [r["messages"] / r["total_s"] for r in runs]
    applied = [r["messages"] / r["apply_s"] for r in runs]
    messages = runs[0]["messages"]
    lines = [
        "## Tape replay into exact books (`bench/bench_tape_replay.py`)\n",
        f"A synthetic one-day tape: {MARKETS} markets, {messages:,} book messages "
        f"({DELTAS:,} deltas, {results['bytes'] / 1e6:.1f} MB of Parquet, "
        f"{results['bytes'] / messages:.1f} B/message, built in {results['build_s']:.1f} s). "
        "The apply loop runs on one core; the Parquet read before it is pyarrow's and may use "
        "both cores of this machine. Target: >= 1,000,000 messages/s into exact books.\n",
        "| run | end to end (read, sort, apply) msg/s | apply loop msg/s |",
        "|---:|---:|---:|",
        *(
            f"| {i} | {t:,.0f} | {a:,.0f} |"
            for i, (t, a) in enumerate(zip(total, applied, strict=True), 1)
        ),
        "",
        f"Median end to end {statistics.median(total):,.0f} msg/s (spread {min(total):,.0f}-"
        f"{max(total):,.0f}); apply loop {statistics.median(applied):,.0f} msg/s. The typed "
        f"message path (`replay`, one `DeltaMsg` per delta, as the live client yields): "
        f"{results['typed'] / results['typed_s']:,.0f} msg/s on the first {results['typed']:,}.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown(run()))
