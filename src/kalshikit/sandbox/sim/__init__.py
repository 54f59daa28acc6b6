"""Simulated traders and seed liquidity: they trade through an exchange writer and read through
the exchange's read API, never the engine. See docs/architecture.md for the layers.

``simulator`` runs the agents (``agents``: makers, takers, the desk; ``arbitrage``: the
arbitrageur) around one latent value per event (``latent``, its math in ``shapes``), and keeps
recurring series listed (``rolling``); ``liquidity`` rests the house's opening ladders; ``loop``
steps the simulator on the wall clock.
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
