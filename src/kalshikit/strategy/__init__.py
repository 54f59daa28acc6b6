"""Strategies: one API from a recorded tape to prod (``Strategy``, ``backtest``, ``run_live``).
Each name is imported on first use (PEP 562), so ``import kalshikit.strategy`` loads nothing
yet.

The safety parts: ``RiskLimits`` and ``RiskGuard`` (every order passes the guard), ``Halt`` (the
persistent kill switch `kalshi kill` engages) and ``AuditLog`` (one JSON line per decision).
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY: dict[str, str] = {
    "Strategy": "kalshikit.strategy.base",
    "Context": "kalshikit.strategy.context",
    "Ticket": "kalshikit.strategy.broker",
    "Resting": "kalshikit.strategy.broker",
    "BacktestOptions": "kalshikit.strategy.backtesting",
    "backtest": "kalshikit.strategy.backtesting",
    "Report": "kalshikit.strategy.report",
    "run_live": "kalshikit.strategy.live_loop",
    "load_strategy": "kalshikit.strategy.loader",
    "AuditLog": "kalshikit.strategy.audit",
    "read_audit": "kalshikit.strategy.audit",
    "default_audit_path": "kalshikit.strategy.audit",
    "Halt": "kalshikit.strategy.halt",
    "HaltState": "kalshikit.strategy.halt",
    "default_halt_path": "kalshikit.strategy.halt",
    "RiskLimits": "kalshikit.strategy.limits",
    "MemoryView": "kalshikit.strategy.risk",
    "Refusal": "kalshikit.strategy.risk",
    "RestingOrder": "kalshikit.strategy.risk",
    "RiskGuard": "kalshikit.strategy.risk",
    "RiskView": "kalshikit.strategy.risk",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'kalshikit.strategy' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
