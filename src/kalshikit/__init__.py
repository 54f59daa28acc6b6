"""kalshikit: a typed toolkit for the Kalshi Trade API v2.

The names most programs need are here; everything else lives in its module (``kalshikit.units``,
``kalshikit.models``, ``kalshikit.errors``, ...).
"""

from __future__ import annotations

from kalshikit import errors, logs
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
