"""Account wire structs: API usage tier and token-bucket limits, endpoint costs. No I/O here."""

from __future__ import annotations

from kalshikit.models.base import WireModel

__all__ = ["AccountLimits", "ApiUsageLevelGrant", "BucketLimit", "EndpointCost", "EndpointCosts"]


class BucketLimit(WireModel, kw_only=True, frozen=True):
    """One token bucket: refills ``refill_rate`` tokens/s up to ``bucket_capacity``."""

    refill_rate: int
    bucket_capacity: int


class ApiUsageLevelGrant(WireModel, kw_only=True, frozen=True):
    exchange_instance: str
    level: str
    expires_ts: int | None = None
    source: str


class AccountLimits(WireModel, kw_only=True, frozen=True):
    """``GET /account/limits``: your tier and its read/write buckets."""

    usage_tier: str
    read: BucketLimit
    write: BucketLimit
    grants: list[ApiUsageLevelGrant]


class EndpointCost(WireModel, kw_only=True, frozen=True):
    """The token cost of one endpoint (SDK ``EndpointTokenCost``)."""

    method: str
    path: str
    cost: int


class EndpointCosts(WireModel, kw_only=True, frozen=True):
    """``GET /account/endpoint_costs`` (public): only endpoints whose cost differs from default."""

    default_cost: int
    endpoint_costs: list[EndpointCost]
