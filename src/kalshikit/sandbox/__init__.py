"""The sandbox: a local Kalshi exchange (REST and WebSocket) for tests, notebooks and bots.

``running()`` starts one in a background thread and yields its REST URL::

    from kalshikit.sandbox import running
    with running() as url:
        ...

Layers (DESIGN.md): ``engine`` (pure matching), ``exchange`` (all state, injected clock),
``api`` (HTTP translation), ``store`` (SQLite command log and replay), ``catalog`` (seeded
markets), ``launch`` (processes and the data dir), ``server`` (uvicorn).
"""

from __future__ import annotations

from typing import Any

__all__ = ["running"]


def __getattr__(name: str) -> Any:
    # Imported on first use: the CLI imports sandbox.launch without paying for uvicorn.
    if name == "running":
        from kalshikit.sandbox.server import running

        return running
    raise AttributeError(name)
