"""The simulator on the wall clock: a coroutine the server runs beside the app.

One write per wake-up at low rates, several at high ones (10 to 100 wake-ups a second), and a
capped step that left writes due lets waiting requests through before it goes on. A bug in a
simulated trader is logged and stops the simulation; it never takes the server down.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Final

from kalshikit.sandbox.exchange import Exchange
from kalshikit.sandbox.sim.agents import SimWriter
from kalshikit.sandbox.sim.simulator import Simulator

__all__ = ["STEP_WRITES", "simulation_loop"]

STEP_WRITES: Final = 200
_log = logging.getLogger(__name__)


def simulation_loop(
    exchange: Exchange,
    writer: SimWriter,
    *,
    seed: int,
    activity: float,
    clock: Callable[[], int],
) -> Callable[[], Awaitable[None]] | None:
    """The coroutine function that steps the simulator at ``activity`` writes a second through
    ``writer`` (None when ``activity`` is 0)."""
    if activity <= 0:
        return None
    simulator = Simulator(
        exchange, writer, seed=seed, activity=activity, max_step_writes=STEP_WRITES
    )
    interval_s = min(0.1, max(0.01, 1 / activity))

    async def simulate() -> None:
        pause = interval_s
        while True:
            await asyncio.sleep(pause)
            try:
                taken = simulator.step(clock())
            except Exception:  # a bug must not take the server down: log it and stop simulating
                _log.exception("the market simulator failed and stopped")
                return
            pause = 0 if len(taken) >= STEP_WRITES else interval_s

    return simulate
