"""The sandbox: a local Kalshi exchange (REST and WebSocket) for tests, notebooks and bots.

``running()`` starts one in a background thread and yields its REST URL::

    from kalshikit.sandbox import running
    with running() as url:
        ...

Layers, bottom to top (docs/architecture.md): ``engine`` (pure matching) and ``catalog``
(seeded markets); ``exchange`` (all state, injected clock); ``store`` (the write-ahead command
log, replay, snapshots); ``sim`` (simulated traders); ``gateway`` (signatures, token buckets,
faults, bodies, limits); ``ws`` (the stream's server side); ``api`` (Starlette translation);
then the process modules ``server``, ``launch``, ``keys`` and ``datadir``.
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
