"""Simulated traders and seed liquidity: they trade through an exchange writer and read through
the exchange's read API, never the engine. See docs/architecture.md for the layers.
"""

from __future__ import annotations

from kalshikit.sandbox.sim.liquidity import seed_liquidity
from kalshikit.sandbox.sim.loop import simulation_loop
from kalshikit.sandbox.sim.simulator import Simulator

__all__ = [
    "Simulator",
    "seed_liquidity",
    "simulation_loop",
]
