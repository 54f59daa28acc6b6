"""A sandbox for the live-data tests: in-process, its simulator stepped in the background on a
clock the tests move forward (the wall clock plus an offset), so a game or a weather day can be
played through in seconds."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from kalshikit.config import APIConfig
from kalshikit.sandbox.api.app import create_app
from kalshikit.sandbox.catalog import build_catalog
from kalshikit.sandbox.exchange import Exchange
from kalshikit.sandbox.server import running
from kalshikit.sandbox.sim import Simulator


@dataclass
class Clock:
    offset: int = 0

    def __call__(self) -> int:
        return time.time_ns() // 1_000_000 + self.offset


@dataclass
class LiveBox:
    url: str  # .../trade-api/v2
    clock: Clock
    exchange: Exchange
    stepped: list[int] = field(default_factory=lambda: [0])

    def config(self) -> APIConfig:
        return APIConfig.resolve("local", rest_url=self.url, environ={}, dotenv_path=False)

    def advance_to(self, at_ms: int) -> None:
        """Move the clock to ``at_ms`` (never back) and wait until the simulator stepped there."""
        self.clock.offset += max(at_ms - self.clock(), 0)
        target = self.clock()
        deadline = time.monotonic() + 30
        while self.stepped[0] < target:
            assert time.monotonic() < deadline, "the simulator stopped stepping"
            time.sleep(0.005)


@contextmanager
def live_box(seed: int = 11) -> Iterator[LiveBox]:
    clock = Clock()
    start = datetime.fromtimestamp(clock() / 1000, UTC)
    exchange = Exchange(build_catalog(seed=seed, markets=200, now=start), clock=clock, seed=seed)
    simulator = Simulator(exchange, seed=seed, activity=2.0)
    stepped = [0]

    async def drive() -> None:
        while True:
            await asyncio.sleep(0.005)
            now = clock()
            simulator.step(now)
            stepped[0] = now

    app = create_app(
        exchange, clock=clock, limits_enabled=False, signature_window_ms=3 * 86_400_000,
        background=[drive],
    )  # fmt: skip
    with running(app=app) as url:
        yield LiveBox(str(url), clock, exchange, stepped)
