"""Benchmark of the sandbox over real HTTP on loopback, with signature checks and persistence.

- create-order latency (p50/p99) from one signed client, sequential requests;
- sustained orders/s with the rate limit lifted, several client threads at once;
- start-up time (until the port answers) and resident memory with 20,000 markets.

The sandbox runs as its own process (`kalshi sandbox serve`), as users run it, so client and
server do not share an interpreter. Orders are post-only bids far below the market, so the
book grows but nothing trades: this times the order path, not the matching.

Run: ``.venv/bin/python bench/bench_sandbox_http.py``; bench/run.py gathers it.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from multiprocessing.queues import Queue
from pathlib import Path
from typing import Literal

import httpx

from kalshikit.auth import Signer, generate_private_key, public_key_pem

LATENCY_ORDERS = 2000
THROUGHPUT_SECONDS = 5.0
WORKERS = 3
TARGETS = {"p50_ms": 3.0, "orders_per_s": 1000.0}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@contextlib.contextmanager
def sandbox(markets: int, *extra: str) -> Iterator[tuple[str, int, float]]:
    """A sandbox process on a free port: (base URL, pid, seconds until it answered)."""
    port = _free_port()
    with tempfile.TemporaryDirectory() as data:
        command = [sys.executable, "-m", "kalshikit.cli.main", "sandbox", "serve"]
        command += ["--port", str(port), "--data-dir", data, "--markets", str(markets), *extra]
        started = time.perf_counter()
        process = subprocess.Popen(command, stderr=subprocess.DEVNULL)
        try:
            _wait_for(port, process)
            yield f"http://127.0.0.1:{port}", process.pid, time.perf_counter() - started
        finally:
            process.terminate()
            process.wait(timeout=30)


def _wait_for(port: int, process: subprocess.Popen[bytes]) -> None:
    while process.poll() is None:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.02)
    raise RuntimeError("the sandbox exited during start-up")


class Trader:
    """A signed user placing post-only bids far from the touch."""

    def __init__(self, base: str, key_type: Literal["rsa", "ed25519"] = "rsa") -> None:
        key = generate_private_key(key_type)
        made = httpx.post(
            f"{base}/sandbox/admin/users", json={"public_key_pem": public_key_pem(key)}
        )
        made.raise_for_status()
        self.signer = Signer(made.json()["api_key_id"], key)
        self.http = httpx.Client(base_url=base, timeout=10)
        markets = self.http.get("/trade-api/v2/markets", params={"status": "open", "limit": 1000})
        self.tickers = [
            m["ticker"]
            for m in markets.json()["markets"]
            if m["price_level_structure"] == "linear_cent"
        ]

    def place(self, n: int) -> float:
        path = "/trade-api/v2/portfolio/events/orders"
        body = json.dumps(
            {
                "ticker": self.tickers[n % len(self.tickers)],
                "side": "bid",
                "price": "0.0100",
                "count": "1.00",
                "time_in_force": "good_till_canceled",
                "post_only": True,
                "self_trade_prevention_type": "taker_at_cross",
            }
        )
        started = time.perf_counter()
        answer = self.http.post(
            path,
            content=body,
            headers={**self.signer.headers("POST", path), "content-type": "application/json"},
        )
        elapsed = time.perf_counter() - started
        if answer.status_code != 201:
            raise RuntimeError(f"order refused: {answer.status_code} {answer.text}")
        return elapsed


def measure_latency(base: str) -> dict[str, float]:
    trader = Trader(base)
    for n in range(100):  # warm-up: connections, caches
        trader.place(n)
    samples = sorted(trader.place(n) for n in range(LATENCY_ORDERS))
    return {
        "p50_ms": statistics.median(samples) * 1000,
        "p99_ms": samples[int(len(samples) * 0.99)] * 1000,
    }


def _load_worker(base: str, start_at: float, seconds: float, out: Queue[int]) -> None:
    """One load-generating process: places orders back to back until the deadline."""
    trader = Trader(base, key_type="ed25519")  # cheaper to sign: the client is not under test
    placed = 0
    while time.time() < start_at:
        time.sleep(0.001)
    while time.time() < start_at + seconds:
        trader.place(placed)
        placed += 1
    out.put(placed)


def measure_throughput(base: str) -> float:
    """Orders/s from WORKERS client processes (threads would measure the client's GIL)."""
    results: Queue[int] = multiprocessing.Queue()
    start_at = time.time() + 3.0  # after every worker has signed up and connected
    workers = [
        multiprocessing.Process(
            target=_load_worker, args=(base, start_at, THROUGHPUT_SECONDS, results)
        )
        for _ in range(WORKERS)
    ]
    for worker in workers:
        worker.start()
    total = sum(results.get(timeout=60) for _ in workers)
    for worker in workers:
        worker.join()
    return total / THROUGHPUT_SECONDS


def run() -> dict[str, float]:
    results: dict[str, float] = {}
    with sandbox(200, "--no-limits", "--no-liquidity", "--activity", "0") as (base, _, _):
        results |= measure_latency(base)
        results["orders_per_s"] = measure_throughput(base)
    for label, extra in (("", ()), ("_no_liquidity", ("--no-liquidity",))):
        with sandbox(20_000, "--activity", "0", *extra) as (_, pid, seconds):
            results[f"startup_20k{label}_s"] = seconds
            results[f"rss_20k{label}_mb"] = _rss_mb(pid)
    return results


def markdown(r: dict[str, float]) -> str:
    def meets(value: float, target: float, lower_is_better: bool) -> str:
        ok = value <= target if lower_is_better else value >= target
        return "meets" if ok else "MISSES"

    return "\n".join(
        [
            "### Sandbox over HTTP (loopback, signed, persisted)\n",
            f"`kalshi sandbox serve` as its own process; RSA-signed create-order requests "
            f"(post-only, nothing trades); throughput with {WORKERS} client processes for "
            f"{THROUGHPUT_SECONDS:g} s with rate limits lifted.\n",
            "| measure | result | target |",
            "|---|---:|---:|",
            f"| create-order p50 | {r['p50_ms']:.2f} ms | 3 ms ({meets(r['p50_ms'], 3.0, True)}) |",
            f"| create-order p99 | {r['p99_ms']:.2f} ms | - |",
            f"| sustained orders/s | {r['orders_per_s']:,.0f} | 1,000 "
            f"({meets(r['orders_per_s'], 1000.0, False)}) |",
            f"| start-up, 20,000 markets (opening ladders) | {r['startup_20k_s']:.1f} s | - |",
            f"| memory, 20,000 markets (opening ladders) | {r['rss_20k_mb']:.0f} MB | - |",
            f"| start-up, 20,000 markets (empty books) "
            f"| {r['startup_20k_no_liquidity_s']:.1f} s | - |",
            f"| memory, 20,000 markets (empty books) | {r['rss_20k_no_liquidity_mb']:.0f} MB | - |",
            "",
        ]
    )


if __name__ == "__main__":
    print(markdown(run()))
