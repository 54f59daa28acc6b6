"""Benchmark of the sandbox matching engine: orders per second, in process, on one core.

The workload is seeded and realistic for a busy sandbox: 50 markets, about 60% passive adds near
the touch, 25% cancels of resting orders and 15% crossing orders that sweep 1-3 levels. The
operation list is built once (with a scratch engine, so cancels target orders that really rest),
then replayed on fresh engines; the best of a few replays counts.

Run: ``.venv/bin/python bench/bench_engine.py``. ``run()`` and ``markdown()`` feed bench/run.py.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field

from kalshikit.sandbox.engine.matching import (
    Canceled,
    Event,
    Fill,
    MatchingEngine,
    OrderRequest,
    Rested,
)

TARGET_ORDERS_PER_S = 100_000
MARKETS = 50
OPERATIONS = 100_000
REPEATS = 5
SEED = 20260101
CENT = 100  # ticks per cent: the markets use the linear_cent grid
OWNERS = [f"user{n}" for n in range(30)]

Operation = tuple[str, OrderRequest] | tuple[None, str]


@dataclass
class _Generator:
    """Builds the operation list while tracking which orders rest, via a scratch engine."""

    rng: random.Random
    engine: MatchingEngine = field(default_factory=MatchingEngine)
    tickers: list[str] = field(default_factory=list)
    fair: dict[str, int] = field(default_factory=dict)
    resting: list[str] = field(default_factory=list)
    slot: dict[str, int] = field(default_factory=dict)
    count: int = 0

    def add_markets(self, n: int) -> None:
        for i in range(n):
            ticker = f"BENCH-{i:02d}"
            self.engine.add_market(ticker)
            self.tickers.append(ticker)
            self.fair[ticker] = self.rng.randrange(15, 86) * CENT

    def next_operation(self) -> Operation:
        roll = self.rng.random()
        if roll < 0.25 and self.resting:
            return (None, self.resting[self.rng.randrange(len(self.resting))])
        ticker = self.rng.choice(self.tickers)
        if roll < 0.40:
            crossing = self._crossing(ticker)
            if crossing is not None:
                return (ticker, crossing)
        return (ticker, self._passive(ticker))

    def _request(self, side: str, price: int, size: int, tif: str) -> OrderRequest:
        self.count += 1
        return OrderRequest(
            order_id=f"O{self.count}",
            owner=self.rng.choice(OWNERS),
            side="bid" if side == "bid" else "ask",
            price=price,
            size=size,
            time_in_force="immediate_or_cancel" if tif == "ioc" else "good_till_canceled",
        )

    def _passive(self, ticker: str) -> OrderRequest:
        side = self.rng.choice(("bid", "ask"))
        away = self.rng.randint(1, 5) * CENT
        if side == "bid":
            touch = self.engine.best_ask(ticker) or self.fair[ticker] + CENT
            price = max(CENT, touch - away)
        else:
            touch = self.engine.best_bid(ticker) or self.fair[ticker] - CENT
            price = min(100 * CENT - CENT, touch + away)
        return self._request(side, price, self.rng.randint(1, 50) * 100, "gtc")

    def _crossing(self, ticker: str) -> OrderRequest | None:
        side = self.rng.choice(("bid", "ask"))
        opposite = self.engine.levels(ticker, "ask" if side == "bid" else "bid")
        if not opposite:
            return None
        swept = opposite[: self.rng.randint(1, 3)]
        size = sum(size for _, size in swept) - self.rng.randrange(swept[-1][1])
        tif = "ioc" if self.rng.random() < 0.7 else "gtc"
        return self._request(side, swept[-1][0], size, tif)

    def apply(self, operation: Operation) -> None:
        ticker, what = operation
        if ticker is None:
            assert isinstance(what, str)
            events = self.engine.cancel(what)
        else:
            assert isinstance(what, OrderRequest)
            events = self.engine.submit(ticker, what, 0)
        self._track(events)

    def _track(self, events: list[Event]) -> None:
        for event in events:
            if isinstance(event, Rested):
                self.slot[event.order_id] = len(self.resting)
                self.resting.append(event.order_id)
            elif isinstance(event, Fill) and event.maker_remaining == 0:
                self._drop(event.maker_order_id)
            elif isinstance(event, Canceled) and event.order_id in self.slot:
                self._drop(event.order_id)

    def _drop(self, order_id: str) -> None:
        index = self.slot.pop(order_id)
        last = self.resting.pop()
        if last != order_id:
            self.resting[index] = last
            self.slot[last] = index


def build_workload(operations: int = OPERATIONS, seed: int = SEED) -> list[Operation]:
    """The seeded operation list: 60% passive adds, 25% cancels, 15% crossing sweeps."""
    generator = _Generator(random.Random(seed))
    generator.add_markets(MARKETS)
    workload: list[Operation] = []
    for _ in range(operations):
        operation = generator.next_operation()
        generator.apply(operation)
        workload.append(operation)
    return workload


def replay(workload: list[Operation]) -> float:
    """Seconds to run ``workload`` on a fresh engine (set-up not timed)."""
    engine = MatchingEngine()
    for i in range(MARKETS):
        engine.add_market(f"BENCH-{i:02d}")
    submit, cancel = engine.submit, engine.cancel
    start = time.perf_counter()
    for ticker, what in workload:
        if ticker is None:
            cancel(what)  # type: ignore[arg-type]
        else:
            submit(ticker, what, 0)  # type: ignore[arg-type]
    return time.perf_counter() - start


def run() -> dict[str, float]:
    """Best-of-``REPEATS`` throughput of the engine on the seeded mix."""
    workload = build_workload()
    best = min(replay(workload) for _ in range(REPEATS))
    return {
        "orders_per_s": len(workload) / best,
        "operations": float(len(workload)),
        "seconds": best,
        "target_orders_per_s": float(TARGET_ORDERS_PER_S),
    }


def markdown(results: dict[str, float]) -> str:
    """A small Markdown table of the figure against the target."""
    rate = results["orders_per_s"]
    verdict = "meets" if rate >= TARGET_ORDERS_PER_S else "below"
    return "\n".join(
        [
            "### Matching engine",
            "",
            f"Seeded mix over {MARKETS} markets: 60% passive adds near the touch, 25% cancels,",
            "15% crossing orders sweeping 1-3 levels; one core, best of "
            f"{REPEATS} replays of {int(results['operations']):,} operations.",
            "",
            "| measure | result | target |",
            "|---|---:|---:|",
            f"| orders/s | {rate:,.0f} | {TARGET_ORDERS_PER_S:,} ({verdict}) |",
            "",
        ]
    )


if __name__ == "__main__":
    figures = run()
    print(f"matching engine: {figures['orders_per_s']:,.0f} orders/s")
    print(markdown(figures))
