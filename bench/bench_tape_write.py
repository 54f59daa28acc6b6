"""The recorder's write path: wire JSON frames to Parquet on one core, and bytes per delta row.

A synthetic stream as the exchange sends it (``orderbook_snapshot`` of 1,000 markets, then
deltas of random walks around each market's mid, with trades and tickers mixed in at about the
rate a busy Kalshi feed shows) goes through exactly what ``kalshi record`` does with each frame:
``Protocol.receive`` (decode, seq check, the exact book) and the recorder's frame handler (the
encoder into the row buffer), then one ``TapeWriter`` flush (Arrow, sort, zstd Parquet, fsync).
Messages/s is frames over that whole time; bytes per delta row is the size of a file of only the
deltas over their count. Targets (the tape issue): >= 200,000 messages/s, <= 15 B per delta.

Run: ``.venv/bin/python bench/bench_tape_write.py`` (or through bench/run.py).
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from kalshikit.config import APIConfig
from kalshikit.tape import TapeWriter, read_table
from kalshikit.tape.recorder import Recorder
from kalshikit.tape.rows import Rows
from kalshikit.ws.protocol import Protocol

MARKETS, FRAMES, RUNS, SEED = 1_000, 300_000, 5, 2026
TARGET_RATE, TARGET_BYTES = 200_000, 15.0


def _dollars(ticks: int) -> str:
    return f"{ticks // 10_000}.{ticks % 10_000:04d}"


def _fp(centi: int) -> str:
    return f"{'-' if centi < 0 else ''}{abs(centi) // 100}.{abs(centi) % 100:02d}"


def stream(markets: int = MARKETS, frames: int = FRAMES, seed: int = SEED) -> list[bytes]:
    """Wire frames: three subscribed acks, a snapshot per market, then the mixed flow."""
    rng = random.Random(seed)
    tickers = [f"KXBENCH-26DEC{n // 100:02d}-T{n:04d}" for n in range(markets)]
    books: dict[str, dict[str, dict[int, int]]] = {t: {"yes": {}, "no": {}} for t in tickers}
    out = [json.dumps({"type": "subscribed", "id": i + 1, "msg": {"channel": c, "sid": i + 1}})
           for i, c in enumerate(("orderbook_delta", "trade", "ticker"))]  # fmt: skip
    seq = {1: 0, 2: 0, 3: 0}
    for ticker in tickers:
        mid = rng.randrange(500, 9_500, 100)
        for side, around in (("yes", mid), ("no", 10_000 - mid)):
            for level in range(1, 11):
                books[ticker][side][max(100, around - level * 100)] = rng.choice(
                    (100, 500, 1_000, 2_500, 10_000)
                )
        seq[1] += 1
        snapshot: dict[str, Any] = {
            "market_ticker": ticker,
            "yes_dollars_fp": [[_dollars(p), _fp(c)] for p, c in books[ticker]["yes"].items()],
            "no_dollars_fp": [[_dollars(p), _fp(c)] for p, c in books[ticker]["no"].items()],
        }
        out.append(json.dumps({"type": "orderbook_snapshot", "sid": 1, "seq": seq[1],
                               "msg": snapshot}))  # fmt: skip
    msg: dict[str, Any]
    now_ms = 1_796_000_000_000
    while len(out) < frames:
        ticker, roll = rng.choice(tickers), rng.random()
        now_ms += rng.randrange(0, 3)
        if roll < 0.86:  # a delta: add or take at a level near the touch
            side = rng.choice(("yes", "no"))
            levels = books[ticker][side]
            price = rng.choice(list(levels)) if levels and rng.random() < 0.6 else (
                rng.randrange(100, 9_900, 100))  # fmt: skip
            held = levels.get(price, 0)
            change = -rng.randint(1, held) if held and rng.random() < 0.5 else rng.choice(
                (100, 300, 1_000, 2_000))  # fmt: skip
            if held + change:
                levels[price] = held + change
            else:
                del levels[price]
            seq[1] += 1
            msg = {"market_ticker": ticker, "side": side, "price_dollars": _dollars(price),
                   "delta_fp": _fp(change), "ts_ms": now_ms}  # fmt: skip
            out.append(json.dumps({"type": "orderbook_delta", "sid": 1, "seq": seq[1],
                                   "msg": msg}))  # fmt: skip
        elif roll < 0.92:
            seq[2] += 1
            msg = {
                "market_ticker": ticker,
                "trade_id": f"{len(out):012x}",
                "yes_price_dollars": _dollars(rng.randrange(100, 9_900, 100)),
                "no_price_dollars": "0.5000",
                "count_fp": _fp(rng.choice((100, 500, 2_000))),
                "taker_outcome_side": rng.choice(("yes", "no")),
                "ts_ms": now_ms,
            }
            out.append(json.dumps({"type": "trade", "sid": 2, "seq": seq[2], "msg": msg}))
        else:
            seq[3] += 1
            bid = rng.randrange(100, 9_800, 100)
            msg = {
                "market_ticker": ticker,
                "price_dollars": _dollars(bid),
                "yes_bid_dollars": _dollars(bid),
                "yes_ask_dollars": _dollars(bid + 100),
                "volume_fp": _fp(rng.randrange(0, 10**7)),
                "open_interest_fp": _fp(rng.randrange(0, 10**6)),
                "ts_ms": now_ms,
            }
            out.append(json.dumps({"type": "ticker", "sid": 3, "seq": seq[3], "msg": msg}))
    return [frame.encode() for frame in out]


def _recorder(root: Path, protocol: Protocol, tickers: set[str]) -> Recorder:
    """A recorder whose frame handler is fed by ``protocol`` here instead of by a socket."""
    config = APIConfig.resolve("local", environ={}, dotenv_path=False)
    recorder = Recorder(config, root, flush_every_s=3_600)
    recorder._books = protocol.books  # the stream's books, as run() takes them once connected
    recorder._markets = tickers
    return recorder


def once(frames: list[bytes], root: Path) -> dict[str, Any]:
    """One pass of every frame through protocol and recorder, then the flush: timings."""
    protocol = Protocol(adopt=True)  # a replay's protocol: binds sids from the acks
    for frame in frames[:3]:
        protocol.receive(frame)
    tickers = {f"KXBENCH-26DEC{n // 100:02d}-T{n:04d}" for n in range(MARKETS)}
    recorder = _recorder(root, protocol, tickers)
    for sub in protocol.subscriptions:
        sub.sinks.append(recorder._on_frame)
    receive = protocol.receive
    started = time.perf_counter()
    for frame in frames[3:]:
        receive(frame)
    buffered = time.perf_counter()
    recorder.writer.flush()
    done = time.perf_counter()
    return {
        "frames": len(frames) - 3, "seconds": done - started, "buffer_s": buffered - started,
        "flush_s": done - buffered, "rows": recorder.writer.stats.rows,
        "bytes": recorder.writer.stats.bytes, "skipped": recorder.stats.skipped,
    }  # fmt: skip


def delta_bytes(root: Path) -> dict[str, float]:
    """A file of only the delta rows: its bytes over their count."""
    deltas = read_table(root, kinds=["delta"])
    writer = TapeWriter(root / "deltas-only")
    columns = {name: deltas.column(name).cast("string").to_pylist()
               if name in ("kind", "ticker") else deltas.column(name).to_pylist()
               for name in deltas.column_names}  # fmt: skip
    writer.rows = Rows.of_columns(columns)
    writer.flush()
    return {"delta_rows": deltas.num_rows, "delta_bytes": writer.stats.bytes,
            "bytes_per_delta": writer.stats.bytes / deltas.num_rows}  # fmt: skip


def run() -> dict[str, Any]:
    frames = stream()
    passes = []
    with tempfile.TemporaryDirectory() as folder:
        once(frames[:20_000], Path(folder) / "warm-up")  # first-use costs (imports, codecs)
        for n in range(RUNS):
            passes.append(once(frames, Path(folder) / f"run{n}"))
        sizes = delta_bytes(Path(folder) / "run0")
    rates = [p["frames"] / p["seconds"] for p in passes]
    return {"markets": MARKETS, "passes": passes, "rates": rates, **sizes,
            "median_rate": statistics.median(rates)}  # fmt: skip


def markdown(results: dict[str, Any]) -> str:
    rates = results["rates"]
    first = results["passes"][0]
    shares = [p["flush_s"] / p["seconds"] for p in results["passes"]]
    lines = [
        "## Tape write: wire frames to Parquet (`bench/bench_tape_write.py`)",
        "",
        f"{first['frames']:,} synthetic wire frames of {results['markets']:,} markets (a snapshot "
        "of each, then ~86% deltas of random walks near the touch, ~6% trades, ~8% tickers) "
        "through exactly what `kalshi record` does with a frame: `Protocol.receive` (decode, seq "
        "check, exact book) and the recorder's frame handler (rows into the buffer), then one "
        "zstd Parquet flush (`TapeWriter`: Arrow, sort, write, fsync); one core, "
        f"{len(rates)} passes after a short warm-up pass. Bytes per delta: a file of only the "
        f"delta rows ({results['delta_rows']:,}), size over count.",
        "",
        "| measure | result | target |",
        "|---|---|---|",
        f"| messages/s, wire to Parquet (median of the passes; min-max) | "
        f"{statistics.median(rates):,.0f} ({min(rates):,.0f}-{max(rates):,.0f}) "
        f"| >= {TARGET_RATE:,} |",
        f"| share of the time in the flush | {min(shares):.0%}-{max(shares):.0%} | |",
        f"| bytes per delta row on disk | {results['bytes_per_delta']:.1f} | <= {TARGET_BYTES:g} |",
        f"| bytes per row, the whole tape | {first['bytes'] / first['rows']:.1f} | |",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    results = run()
    print(json.dumps({k: v for k, v in results.items() if k != "passes"}, indent=1))
    print(json.dumps(results["passes"], indent=1))
    sys.stdout.write(markdown(results))
