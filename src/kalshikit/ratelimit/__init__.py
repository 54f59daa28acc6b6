"""Kalshi's rate limits, and the limiter that keeps a client inside them.

Kalshi meters each user with a read and a write token bucket (kalshi-rest.md 5.4). The pieces:

* :mod:`~kalshikit.ratelimit.budgets`: tiers, budgets and endpoint costs, as data;
* :mod:`~kalshikit.ratelimit.bucket`: the token-bucket arithmetic (no clock, no I/O), which the
  sandbox enforces and the client paces itself with;
* :mod:`~kalshikit.ratelimit.limiter`: :class:`RateLimiter`, one per process and key, the
  locks, sleeps and statistics around the buckets, sync and async;
* :mod:`~kalshikit.ratelimit.shared` (and its memory layout, ``shared_state``): the same budget
  shared by every process on the machine that uses the key, through a locked file.
"""

from __future__ import annotations

from kalshikit.endpoints import DEFAULT_COST, Bucket
from kalshikit.errors import CostTooHigh
from kalshikit.ratelimit.bucket import Lane, PacedBucket, Ticket, TokenBucket
from kalshikit.ratelimit.budgets import (
    AUTO_TIER,
    DEFAULT_TIER,
    ENDPOINT_COSTS,
    HEADROOM,
    BucketSpec,
    Budget,
    EndpointCosts,
    RateTier,
    budget_for,
    is_auto,
    resolve_budget,
)
from kalshikit.ratelimit.limiter import RateLimiter, ThrottleEvent, shared_limiter
from kalshikit.ratelimit.shared import share_name

__all__ = [
    "AUTO_TIER",
    "DEFAULT_COST",
    "DEFAULT_TIER",
    "ENDPOINT_COSTS",
    "HEADROOM",
    "Bucket",
    "BucketSpec",
    "Budget",
    "CostTooHigh",
    "EndpointCosts",
    "Lane",
    "PacedBucket",
    "RateLimiter",
    "RateTier",
    "ThrottleEvent",
    "Ticket",
    "TokenBucket",
    "budget_for",
    "is_auto",
    "resolve_budget",
    "share_name",
    "shared_limiter",
]
