"""kalshikit: a typed toolkit for the Kalshi Trade API v2.

The names most programs need are here; everything else lives in its module (``kalshikit.units``,
``kalshikit.models``, ``kalshikit.errors``, ...).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from kalshikit import logs

if TYPE_CHECKING:
    from kalshikit import errors
    from kalshikit.config import APIConfig, Environment
    from kalshikit.errors import (
        APIConnectionError,
        APIError,
        APIStatusError,
        APITimeout,
        KalshiError,
        NotFound,
        RateLimited,
        ValidationError,
    )
    from kalshikit.http.client import AsyncKalshiClient, KalshiClient
    from kalshikit.http.orders_core import BatchItemResult, DryRun, OrderResult, OrderSpec
    from kalshikit.orderbook import OrderBook
    from kalshikit.ratelimit import RateLimiter, RateTier
    from kalshikit.scanner import MarketScanner
    from kalshikit.units import Contracts, Price
    from kalshikit.ws import Backoff, KalshiStream, KalshiWebSocket, StreamEvent

__version__ = "0.1.0"

# Our loggers and those of the libraries we drive never show a signature or a whole key id.
logs.protect_library_loggers()

# Each name's module, imported on first use (PEP 562): `import kalshikit` stays cheap, so a
# command line or a script that needs one client does not pay for the scanner and the stream.
_HOMES = {
    "errors": "kalshikit",
    "APIConfig": "kalshikit.config",
    "Environment": "kalshikit.config",
    **dict.fromkeys(
        ("APIConnectionError", "APIError", "APIStatusError", "APITimeout", "KalshiError",
         "NotFound", "RateLimited", "ValidationError"),
        "kalshikit.errors",
    ),
    "AsyncKalshiClient": "kalshikit.http.client",
    "KalshiClient": "kalshikit.http.client",
    **dict.fromkeys(
        ("BatchItemResult", "DryRun", "OrderResult", "OrderSpec"), "kalshikit.http.orders_core"
    ),
    "OrderBook": "kalshikit.orderbook",
    "RateLimiter": "kalshikit.ratelimit",
    "RateTier": "kalshikit.ratelimit",
    "MarketScanner": "kalshikit.scanner",
    "Contracts": "kalshikit.units",
    "Price": "kalshikit.units",
    **dict.fromkeys(("Backoff", "KalshiStream", "KalshiWebSocket", "StreamEvent"), "kalshikit.ws"),
}  # fmt: skip


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'kalshikit' has no attribute {name!r}")
    if home == "kalshikit":  # a submodule: `kalshikit.errors`
        value = importlib.import_module(f"kalshikit.{name}")
    else:
        value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # looked up once
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "APIConfig",
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeout",
    "AsyncKalshiClient",
    "Backoff",
    "BatchItemResult",
    "Contracts",
    "DryRun",
    "Environment",
    "KalshiClient",
    "KalshiError",
    "KalshiStream",
    "KalshiWebSocket",
    "MarketScanner",
    "NotFound",
    "OrderBook",
    "OrderResult",
    "OrderSpec",
    "Price",
    "RateLimited",
    "RateLimiter",
    "RateTier",
    "StreamEvent",
    "ValidationError",
    "__version__",
    "errors",
    "logs",
]
