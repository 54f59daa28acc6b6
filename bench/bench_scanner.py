"""MarketScanner: launch to first complete ranking, seed requests, message-to-ranking latency.

For 200 and 20,000 sandbox markets (a sandbox process each, house liquidity on, no simulated
traders): the time from ``MarketScanner.start()`` to its first complete ranking (REST seed and
scoring) and to live (subscriptions made, first book snapshots in), and the requests the seed
used (target: markets / 1000 market pages, not / 100).

Latency (target p99 under 5 ms at 2,000 messages/s, issue 13): the seeded 20,000-market scanner
is fed ticker and trade frames for its markets at 2,000 a second through the protocol core and
the scanner's stream callbacks, exactly as the reader task does; each message's latency runs from
its scheduled arrival to the moment ``top()`` reflects it, so falling behind shows up. The feed
waits for each arrival on the event loop (yielding to it while it spins), so the scanner's own
once-a-second refresh runs in between, as it does live, and any pause it makes becomes backlog.
Five runs with the library default (``freeze_gc=False``), then five with the seeded states
frozen (what ``freeze_gc=True`` and ``kalshi scan`` do); every run is reported, not the best.
"""

from __future__ import annotations

import asyncio
import gc
import random
import time
from typing import Any

import httpx
import msgspec

from bench_sandbox_http import sandbox  # a sibling bench module: a sandbox process
from kalshikit.auth import generate_private_key, private_key_to_pem, public_key_pem
from kalshikit.config import APIConfig
from kalshikit.scanner.scanner import MarketScanner
from kalshikit.ws import Protocol

SIZES = (200, 20_000)
RATE, MESSAGES, RUNS = 2_000, 20_000, 5


def _config(base: str) -> APIConfig:
    key = generate_private_key("ed25519")
    made = httpx.post(f"{base}/sandbox/admin/users", json={"public_key_pem": public_key_pem(key)})
    return APIConfig.resolve(
        "local", rest_url=f"{base}/trade-api/v2", api_key_id=made.json()["api_key_id"],
        private_key_pem=private_key_to_pem(key), environ={}, dotenv_path=False,
    )  # fmt: skip


async def _launch(config: APIConfig) -> tuple[MarketScanner, dict[str, Any]]:
    scanner = MarketScanner(config=config)  # freeze_gc off: the library default
    started = time.monotonic()
    await scanner.start()
    live_s = time.monotonic() - started
    found = {
        "markets": len(scanner.states),
        "first_ranking_s": scanner.first_ranking_s,
        "live_s": live_s,
        "requests": dict(scanner.report.requests),
        "seed_requests": scanner.report.total_requests,
    }
    return scanner, found


def _frames(tickers: list[str], n: int, seed: int) -> list[bytes]:
    rng, frames = random.Random(seed), []
    for i in range(n):
        ticker = rng.choice(tickers)
        bid = rng.randrange(100, 9000)
        if i % 5:
            msg = {"market_ticker": ticker, "price_dollars": f"0.{bid:04d}",
                   "yes_bid_dollars": f"0.{bid:04d}", "yes_ask_dollars": f"0.{bid + 400:04d}",
                   "yes_bid_size_fp": "25.00", "yes_ask_size_fp": "30.00",
                   "volume_fp": f"{1000 + i}.00", "open_interest_fp": "500.00"}  # fmt: skip
            frames.append(msgspec.json.encode({"type": "ticker", "sid": 1, "msg": msg}))
        else:
            msg = {"trade_id": str(i), "market_ticker": ticker, "yes_price_dollars": f"0.{bid:04d}",
                   "no_price_dollars": f"0.{10000 - bid:04d}", "count_fp": "3.00",
                   "taker_outcome_side": "yes", "taker_book_side": "bid", "ts_ms": 0}  # fmt: skip
            frames.append(msgspec.json.encode({"type": "trade", "sid": 2, "seq": i, "msg": msg}))
    return frames


async def _latency(scanner: MarketScanner, seed: int) -> dict[str, float]:
    """Feed paced frames through a protocol wired to the scanner's own callbacks."""
    proto = Protocol(adopt=True)
    for sid, channel in ((1, "ticker"), (2, "trade")):
        proto.receive(msgspec.json.encode({"type": "subscribed", "id": sid,
                                           "msg": {"channel": channel, "sid": sid}}))  # fmt: skip
    ticker_sub, trade_sub = proto.subscriptions
    ticker_sub.sinks.append(lambda frame: scanner._on_ticker(frame.msg))
    trade_sub.sinks.append(lambda frame: scanner._on_trade(frame.msg))
    frames, lags = _frames(sorted(scanner.states), MESSAGES, seed), []
    start = time.perf_counter()
    for i, raw in enumerate(frames):
        due = start + i / RATE
        await _spin_until(due)
        proto.receive(raw)
        scanner.top("movers", 10, window="5m")  # the ranking a UI would read
        lags.append(time.perf_counter() - due)
    lags.sort()
    return {"p50_ms": lags[len(lags) // 2] * 1000, "p99_ms": lags[int(len(lags) * 0.99)] * 1000,
            "max_ms": lags[-1] * 1000}  # fmt: skip


async def _spin_until(due: float) -> None:
    """Spin on the event loop until ``due`` (sleeping is far coarser than the latencies
    measured); the scanner's refresh task runs in between when it is due, as between live
    frames, which the reader task also returns to the loop for."""
    while True:
        await asyncio.sleep(0)
        if time.perf_counter() >= due:
            return


def run() -> dict[str, Any]:
    results: dict[str, Any] = {}
    for size in SIZES:
        print(f"  scanner on {size} markets ...", flush=True)
        with sandbox(size, "--activity", "0", "--no-limits") as (base, _pid, _boot_s):
            found = asyncio.run(_run_one(_config(base), size == SIZES[-1]))
            results[str(size)] = found
    return results


async def _run_one(
    config: APIConfig, measure_latency: bool
) -> tuple[MarketScanner, dict[str, Any]]:
    scanner, found = await _launch(config)
    try:
        if measure_latency:
            found["latency"] = [await _latency(scanner, run) for run in range(RUNS)]
            gc.collect()
            gc.freeze()  # what freeze_gc=True (and `kalshi scan`) does after the seed
            found["latency_frozen"] = [await _latency(scanner, RUNS + run) for run in range(RUNS)]
            gc.unfreeze()
    finally:
        await scanner.close()
    return found


def markdown(results: dict[str, Any]) -> str:
    rows = []
    for size, found in results.items():
        requests = ", ".join(f"{n} {kind}" for kind, n in sorted(found["requests"].items()))
        rows.append(f"| {int(size):,} | {found['markets']:,} | {found['first_ranking_s']:.2f} | "
                    f"{found['live_s']:.2f} | {found['seed_requests']} ({requests}) |")  # fmt: skip
    largest = results[str(SIZES[-1])]
    return "\n".join([
        "## MarketScanner (issues 8 and 13)\n",
        "`bench/bench_scanner.py`: a sandbox process per size (house liquidity, no simulated "
        "traders); `MarketScanner.start()` from nothing to its first complete ranking (REST "
        "seed with candles for the 500 busiest markets, every rule scored) and to live "
        "(ticker, trade and lifecycle subscribed, 200 candidate books snapshotted).\n",
        "| sandbox markets | open markets seeded | first ranking s | live s | seed requests |",
        "|---:|---:|---:|---:|---|",
        *rows,
        "",
        f"Message-to-ranking latency on the {int(SIZES[-1]):,}-market scanner: {RATE:,} ticker "
        f"and trade frames a second ({MESSAGES:,} a run) through `Protocol.receive` and the "
        "scanner's callbacks, then `top()`, paced on the event loop so the scanner's "
        "once-a-second refresh runs in between. Target: p99 < 5 ms in every run. "
        f"All {RUNS} runs of each mode, in order:\n",
        "| GC | run | p50 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---:|",
        *_latency_rows("default (`freeze_gc=False`)", largest["latency"]),
        *_latency_rows("frozen (`freeze_gc=True`, `kalshi scan`)", largest["latency_frozen"]),
        "",
        _spread("default", largest["latency"]) + "; " + _spread("frozen", largest["latency_frozen"])
        + ".",
        "",
    ])  # fmt: skip


def _latency_rows(mode: str, runs: list[dict[str, float]]) -> list[str]:
    return [
        f"| {mode} | {i} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {r['max_ms']:.2f} |"
        for i, r in enumerate(runs, 1)
    ]


def _spread(mode: str, runs: list[dict[str, float]]) -> str:
    p99 = [r["p99_ms"] for r in runs]
    return f"p99 spread {mode}: {min(p99):.2f}-{max(p99):.2f} ms"


if __name__ == "__main__":
    print(markdown(run()))
