"""Benchmark of the rate limiter: how much of a tier's budget it uses, and what it costs.

- Throughput as a fraction of the Basic budget, with zero 429s, for reads, writes and a mix,
  with 1, 8 and 64 concurrent callers (asyncio tasks on one AsyncKalshiClient), against the
  sandbox enforcing Basic in its own process (`kalshi sandbox serve`, as users run it).
  Writes are post-only bids at 1 cent (they rest, nothing trades), each cancelled at once.
- Several processes on one key (2, 4, 8; issue 13): each its own AsyncKalshiClient with 8 tasks,
  half reading, half placing and cancelling, the limiter shared through its file as the clients
  share it by default; the budget fraction of all of them together and their 429s, a few runs
  each (min / median / max), and one run each with sharing off (``KALSHI_RATE_SHARED=0``).
- Limiter overhead per request when no wait is needed (the gate's acquire and settle), sync
  and async, for a limiter of its own and one shared through its file.

The rate is measured between grants, after the opening burst is spent: tokens granted after the
first grant of the window, over the time from that grant to the last one. So it is the steady
rate, with no edge error from a request half in, half out of the window. In the mix, a single
caller alternates a read with a write pair and so can only keep one bucket busy: its figure is
that binding bucket's; with more callers, half read and half write, the lower of the two.

Run: ``.venv/bin/python bench/bench_ratelimit.py``; bench/run.py gathers it.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from bench_sandbox_http import sandbox
from kalshikit import APIConfig, AsyncKalshiClient, RateLimiter
from kalshikit.auth import generate_private_key, private_key_to_pem, public_key_pem
from kalshikit.endpoints import Endpoint
from kalshikit.errors import RateLimited
from kalshikit.http._core import PreparedRequest, prepare
from kalshikit.http.orders_core import BatchItemResult, OrderResult, OrderSpec
from kalshikit.ratelimit import Budget, budget_for
from kalshikit.ratelimit.shared import share_name

CALLERS = (1, 8, 64)
WORKLOADS = ("reads", "writes", "mix")
# (tier, workload, callers): every workload at Basic, and a mix at a tier ten times faster.
RUNS = [("basic", w, c) for w in WORKLOADS for c in CALLERS] + [
    ("premier", "mix", 8),
    ("premier", "mix", 64),
]
WARMUP_S = 1.5  # the opening burst is spent well within this, whatever the workload
MEASURE_S = 6.0
OVERHEAD_CALLS = 100_000
TARGETS = {"fraction": 0.97, "overhead_us": 20.0, "processes_fraction": 0.95}
PROCESSES = (2, 4, 8)
PROCESS_REPEATS = 3
PROCESS_TASKS = 8
PROCESS_MEASURE_S = 4.0


@dataclass
class RecordingGate:
    """The limiter's async gate, noting when each request was let through and what it cost."""

    limiter: RateLimiter
    grants: dict[str, list[tuple[float, int]]] = field(
        default_factory=lambda: {"read": [], "write": []}
    )

    async def acquire(self, endpoint: Endpoint, request: PreparedRequest) -> float:
        cost = await self.limiter.async_gate.acquire(endpoint, request)
        self.grants[endpoint.bucket].append((time.monotonic(), int(cost)))
        return cost

    def settle(self, endpoint: Endpoint, tokens: float) -> None:
        self.limiter.async_gate.settle(endpoint, tokens)


def steady_rate(grants: list[tuple[float, int]], since: float) -> float:
    """Tokens per second between the first and the last grant after ``since``."""
    window = [(t, c) for t, c in grants if t >= since]
    if len(window) < 2:
        return 0.0
    return sum(c for _, c in window[1:]) / (window[-1][0] - window[0][0])


def new_user_config(base: str, tier: str) -> APIConfig:
    key = generate_private_key("ed25519")
    body = {"public_key_pem": public_key_pem(key), "tier": tier}
    made = httpx.post(f"{base}/sandbox/admin/users", json=body)
    made.raise_for_status()
    return APIConfig.resolve(
        "local",
        rest_url=f"{base}/trade-api/v2",
        api_key_id=made.json()["api_key_id"],
        private_key_pem=private_key_to_pem(key),
        environ={},
        dotenv_path=False,
    )


Step = Callable[[], Awaitable[None]]


def steps_for(client: AsyncKalshiClient, ticker: str) -> tuple[Step, Step]:
    async def read() -> None:
        await client.markets.get(ticker)

    async def write() -> None:
        placed = await client.orders.create(
            ticker, side="yes", action="buy", count=1, price_cents=1, post_only=True
        )
        assert isinstance(placed, OrderResult)
        # With its market named, a cancel is one write (without, the client reads the order first).
        await client.orders.cancel(placed.order_id, market_ticker=ticker)

    return read, write


async def spend_write_burst(client: AsyncKalshiClient, ticker: str) -> None:
    """Empty the write bucket with a few 20-order batches (and their cancels), so a run is at
    the steady rate after the warm-up even when the burst is bigger than the client could
    spend in that time by itself (Premier: 2,000 tokens)."""
    spec = OrderSpec(ticker, side="yes", action="buy", count=1, price_cents=1, post_only=True)
    while client.rate_limiter.stats().write.level >= 240:  # a batch and its cancel
        placed = await client.orders.create_batch([spec] * 20)
        assert isinstance(placed, list)
        ids = [item.order_id for item in placed if isinstance(item, BatchItemResult)]
        await client.orders.cancel_batch([i for i in ids if i])


def plan(workload: str, callers: int, read: Step, write: Step) -> list[Step]:
    if workload == "reads":
        return [read] * callers
    if workload == "writes":
        return [write] * callers
    if callers == 1:

        async def both() -> None:
            await read()
            await write()

        return [both]
    return [read if n % 2 else write for n in range(callers)]


async def run_load(
    base: str, ticker: str, tier: str, workload: str, callers: int
) -> dict[str, float]:
    budget = budget_for(tier)
    limiter = RateLimiter(budget)
    gate = RecordingGate(limiter)
    config = new_user_config(base, tier)
    async with AsyncKalshiClient(config=config, gate=gate, rate_limiter=limiter) as client:
        read, write = steps_for(client, ticker)
        # Read the market's tick grid now, not 64 times at once inside the run.
        await client.orders.create(
            ticker, side="yes", action="buy", count=1, price_cents=1, dry_run=True
        )
        await spend_write_burst(client, ticker)
        started = time.monotonic()
        deadline = started + WARMUP_S + MEASURE_S

        async def caller(step: Step) -> None:
            while time.monotonic() < deadline:
                await step()

        await asyncio.gather(*(caller(step) for step in plan(workload, callers, read, write)))
    since = started + WARMUP_S
    rates = {b: steady_rate(gate.grants[b], since) for b in ("read", "write")}
    return {
        "read": rates["read"] / budget.read.rate,
        "write": rates["write"] / budget.write.rate,
        "too_many": float(limiter.stats().rate_limited),
    }


def fraction(workload: str, callers: int, measured: dict[str, float]) -> float:
    if workload == "reads":
        return measured["read"]
    if workload == "writes":
        return measured["write"]
    both = (measured["read"], measured["write"])
    return max(both) if callers == 1 else min(both)  # see the module doc


def first_linear(base: str) -> str:
    markets = httpx.get(f"{base}/trade-api/v2/markets", params={"status": "open", "limit": 50})
    return next(
        m["ticker"]
        for m in markets.json()["markets"]
        if m["price_level_structure"] == "linear_cent"
    )


def measure_throughput(base: str) -> dict[str, float]:
    ticker = first_linear(base)
    results: dict[str, float] = {}
    for tier, workload, callers in RUNS:
        measured = asyncio.run(run_load(base, ticker, tier, workload, callers))
        name = f"{tier}_{workload}_{callers}"
        results[f"{name}_fraction"] = fraction(workload, callers, measured)
        results[f"{name}_read"] = measured["read"]
        results[f"{name}_write"] = measured["write"]
        results[f"{name}_429"] = measured["too_many"]
    return results


# --- several processes on one key ---------------------------------------------------------------


def process_worker(
    url: str, key_id: str, pem: str, ticker: str, shared: bool, start: Any, out: Any
) -> None:
    """One process of a bot: its grants (system-wide monotonic times) and 429s, to ``out``."""
    out.put(asyncio.run(process_load(url, key_id, pem, ticker, shared, start)))


async def process_load(
    url: str, key_id: str, pem: str, ticker: str, shared: bool, start: Any
) -> dict[str, Any]:
    config = APIConfig.resolve(
        "local", rest_url=url, api_key_id=key_id, private_key_pem=pem, environ={}, dotenv_path=False
    )
    # What the clients make by default (KALSHI_RATE_SHARED=0 for the unshared runs).
    limiter = RateLimiter("basic", share_as=share_name(url, key_id) if shared else None)
    gate = RecordingGate(limiter)
    async with AsyncKalshiClient(config=config, gate=gate, rate_limiter=limiter) as client:
        read, write = steps_for(client, ticker)
        await client.orders.create(
            ticker, side="yes", action="buy", count=1, price_cents=1, dry_run=True
        )
        await asyncio.to_thread(start.wait)
        deadline = time.monotonic() + WARMUP_S + PROCESS_MEASURE_S

        async def caller(step: Step) -> None:
            while time.monotonic() < deadline:
                with contextlib.suppress(RateLimited):  # unshared runs: counted, go on
                    await step()

        await asyncio.gather(*(caller(s) for s in plan("mix", PROCESS_TASKS, read, write)))
    return {"grants": gate.grants, "too_many": limiter.stats().rate_limited}


def run_processes(base: str, ticker: str, count: int, shared: bool) -> dict[str, float]:
    """``count`` processes on one fresh Basic key: their fraction together, and their 429s."""
    config = new_user_config(base, "basic")
    assert config.api_key_id is not None
    assert config.private_key_pem is not None
    context = multiprocessing.get_context("spawn")
    start, out = context.Barrier(count), context.Queue()
    args = (config.rest_url, config.api_key_id, config.private_key_pem, ticker, shared, start, out)
    processes = [context.Process(target=process_worker, args=args) for _ in range(count)]
    for process in processes:
        process.start()
    results = [out.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(30)
    first = min(g[0][0] for r in results for g in r["grants"].values() if g)
    since = first + WARMUP_S
    budget = budget_for("basic")
    merged = {b: sorted(g for r in results for g in r["grants"][b]) for b in ("read", "write")}
    read = steady_rate(merged["read"], since) / budget.read.rate
    write = steady_rate(merged["write"], since) / budget.write.rate
    too_many = float(sum(r["too_many"] for r in results))
    return {"fraction": min(read, write), "read": read, "write": write, "429": too_many}


def measure_processes(base: str, ticker: str) -> dict[str, float]:
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as state:
        os.environ["KALSHI_RATE_STATE_DIR"] = state  # the spawned processes inherit it
        for count in PROCESSES:
            for run in range(PROCESS_REPEATS):
                for key, value in run_processes(base, ticker, count, shared=True).items():
                    results[f"processes_{count}_{run}_{key}"] = value
            for key, value in run_processes(base, ticker, count, shared=False).items():
                results[f"processes_{count}_off_{key}"] = value
    return results


def measure_overhead() -> dict[str, float]:
    """Microseconds per request through the gate when tokens are always there."""
    results = measure_gates(RateLimiter(Budget.custom(1e15, 1e15)), "")
    with tempfile.TemporaryDirectory() as state:
        os.environ["KALSHI_RATE_STATE_DIR"] = state
        shared = RateLimiter(Budget.custom(1e15, 1e15), share_as=share_name("bench", "overhead"))
        results |= measure_gates(shared, "_shared")
    return results


def measure_gates(unlimited: RateLimiter, suffix: str) -> dict[str, float]:
    single = prepare("markets.list")
    orders = [{"ticker": "T", "side": "bid", "price": "0.01", "count": "1"}] * 20
    batch = prepare("orders.create_batch", body={"orders": orders})
    sync_gate = unlimited.sync_gate
    results = {}
    for label, request in (("overhead_us", single), ("overhead_batch_us", batch)):
        started = time.perf_counter()
        for _ in range(OVERHEAD_CALLS):
            sync_gate.settle(request.endpoint, sync_gate.acquire(request.endpoint, request))
        results[label + suffix] = (time.perf_counter() - started) / OVERHEAD_CALLS * 1e6

    async def async_loop() -> float:
        gate = unlimited.async_gate
        started = time.perf_counter()
        for _ in range(OVERHEAD_CALLS):
            gate.settle(single.endpoint, await gate.acquire(single.endpoint, single))
        return (time.perf_counter() - started) / OVERHEAD_CALLS * 1e6

    results["overhead_async_us" + suffix] = asyncio.run(async_loop())
    return results


def run() -> dict[str, float]:
    results = measure_overhead()
    with sandbox(200, "--tier", "basic", "--no-liquidity", "--activity", "0") as (base, _, _):
        results |= measure_throughput(base)
        results |= measure_processes(base, first_linear(base))
    return results


def markdown(r: dict[str, float]) -> str:
    def verdict(ok: bool) -> str:
        return "meets" if ok else "MISSES"

    rows = []
    for tier, workload, callers in RUNS:
        name = f"{tier}_{workload}_{callers}"
        share, too_many = r[f"{name}_fraction"], int(r[f"{name}_429"])
        ok = share >= TARGETS["fraction"] and too_many == 0
        rows.append(
            f"| {tier} | {workload} | {callers} | {share:.3f} | {r[f'{name}_read']:.3f} | "
            f"{r[f'{name}_write']:.3f} | {too_many} | {verdict(ok)} |"
        )
    overhead = max(r["overhead_us"], r["overhead_async_us"], r["overhead_us_shared"])
    return "\n".join(
        [
            "### Rate limiter (sandbox enforcing the tier)\n",
            f"`kalshi sandbox serve` as its own process, a fresh user per run on the tier shown; "
            f"one AsyncKalshiClient per run with 1, 8 or 64 tasks; steady rate between grants "
            f"after a {WARMUP_S:g} s warm-up, over {MEASURE_S:g} s; writes are a post-only "
            "1-cent bid and its cancel. Fraction = tokens/s over the tier's rate (Basic: read "
            "200, write 100; Premier: 1000 each); a single mixed caller counts its binding "
            "bucket, more callers the lower of the two. Target >= 0.97 with no 429.\n",
            "| tier | workload | callers | fraction | read | write | 429s | target |",
            "|---|---|---:|---:|---:|---:|---:|---|",
            *rows,
            "",
            "| limiter overhead per request (acquire + settle, no wait) | result | target |",
            "|---|---:|---:|",
            f"| sync gate | {r['overhead_us']:.1f} us | 20 us ({verdict(overhead <= 20)}) |",
            f"| async gate | {r['overhead_async_us']:.1f} us | 20 us |",
            f"| sync gate, shared with other processes "
            f"| {r['overhead_us_shared']:.1f} us | 20 us |",
            f"| async gate, shared with other processes "
            f"| {r['overhead_async_us_shared']:.1f} us | 20 us |",
            f"| sync gate, 20-order batch (cost read from the body) "
            f"| {r['overhead_batch_us']:.1f} us | - |",
            "",
            *processes_markdown(r),
        ]
    )


def processes_markdown(r: dict[str, float]) -> list[str]:
    rows = []
    for count in PROCESSES:
        runs = range(PROCESS_REPEATS)
        shares = [r[f"processes_{count}_{n}_fraction"] for n in runs]
        too_many = [int(r[f"processes_{count}_{n}_429"]) for n in runs]
        ok = min(shares) >= TARGETS["processes_fraction"] and max(too_many) == 0
        spread = f"{min(shares):.3f} / {statistics.median(shares):.3f} / {max(shares):.3f}"
        off = f"{r[f'processes_{count}_off_fraction']:.3f}, {int(r[f'processes_{count}_off_429'])}"
        rows.append(
            f"| {count} | {spread} | {' '.join(map(str, too_many))} | {off} "
            f"| {'meets' if ok else 'MISSES'} |"
        )
    return [
        "#### Several processes on one key (issue 13)\n",
        f"{', '.join(map(str, PROCESSES))} processes on one fresh Basic key, each an "
        f"AsyncKalshiClient with {PROCESS_TASKS} tasks (half reading, half placing and "
        "cancelling), started together; the limiter is shared through its file (the default). "
        f"Fraction of the budget all processes together used (the lower of the two buckets), "
        f"steady rate after a {WARMUP_S:g} s warm-up, over {PROCESS_MEASURE_S:g} s; "
        f"{PROCESS_REPEATS} runs each. Target >= 0.95 with no 429. Last column: one run with "
        "sharing off (`KALSHI_RATE_SHARED=0`, each process pacing itself as before).\n",
        "| processes | fraction min / median / max | 429s per run | sharing off: fraction, "
        "429s | target |",
        "|---:|---|---|---|---|",
        *rows,
        "",
    ]


if __name__ == "__main__":
    figures = run()
    print(markdown(figures))
