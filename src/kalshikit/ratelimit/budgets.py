"""Kalshi's rate limits as data: tiers, budgets and endpoint costs. No I/O and no clock here.

Kalshi meters requests with two token buckets per user (kalshi-rest.md 5.4): *read* (GETs and
anything unrouted) and *write* (order create/amend/cancel/decrease, order groups). Each request
spends its endpoint's cost in tokens; a bucket refills at the tier's rate up to its capacity.
This module is the one table of tiers and costs: the sandbox enforces it and the client's limiter
paces itself with it, so the two cannot disagree.

The published cost of each endpoint is in :mod:`kalshikit.endpoints`; ``GET
/account/endpoint_costs`` may say otherwise, and ``EndpointCosts.from_wire`` takes its word.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from kalshikit.endpoints import DEFAULT_COST, ENDPOINTS, PER_ITEM, Bucket
from kalshikit.errors import ValidationError

# The share of each bucket the client leaves unspent (see PacedBucket).
HEADROOM: Final = 0.1


class RateTier(StrEnum):
    """Kalshi's API usage tiers. Budgets are tokens per second (read, write)."""

    BASIC = "basic"
    ADVANCED = "advanced"
    PREMIER = "premier"
    PARAGON = "paragon"
    PRIME = "prime"

    @classmethod
    def parse(cls, value: str | RateTier) -> RateTier:
        if isinstance(value, RateTier):
            return value
        try:
            return cls(value.strip().lower())
        except ValueError:
            names = ", ".join(t.value for t in cls)
            raise ValidationError(f"unknown rate tier {value!r}: choose one of {names}") from None


@dataclass(frozen=True, slots=True)
class BucketSpec:
    """One bucket: refill rate (tokens/s) and capacity (tokens)."""

    rate: float
    capacity: float

    def __post_init__(self) -> None:
        if self.rate <= 0 or self.capacity <= 0:
            raise ValidationError("a rate-limit bucket needs a positive rate and capacity")


@dataclass(frozen=True, slots=True)
class Budget:
    """The read and write buckets of a tier (or of a custom budget)."""

    name: str
    read: BucketSpec
    write: BucketSpec

    def bucket(self, which: Bucket) -> BucketSpec:
        return self.read if which == "read" else self.write

    @classmethod
    def custom(cls, read_per_s: float, write_per_s: float, *, name: str = "custom") -> Budget:
        """Read bucket holds 1 s of budget, write 2 s (as the SDK describes the tiers)."""
        return cls(
            name, BucketSpec(read_per_s, read_per_s), BucketSpec(write_per_s, 2 * write_per_s)
        )


_BUDGETS: Final = {
    RateTier.BASIC: (200, 100),
    RateTier.ADVANCED: (300, 300),
    RateTier.PREMIER: (1000, 1000),
    RateTier.PARAGON: (2000, 2000),
    RateTier.PRIME: (4000, 4000),
}


DEFAULT_TIER: Final = RateTier.BASIC
AUTO_TIER: Final = "auto"  # read the tier from GET /account/limits on first use


def is_auto(tier: object) -> bool:
    return isinstance(tier, str) and tier.strip().lower() == AUTO_TIER


def budget_for(tier: RateTier | str) -> Budget:
    """The published budget of a tier."""
    parsed = RateTier.parse(tier)
    read, write = _BUDGETS[parsed]
    return Budget.custom(read, write, name=parsed.value)


def resolve_budget(tier: Budget | RateTier | str | None) -> Budget:
    """A budget from a tier name, a tier, or a custom Budget; nothing given means Basic."""
    if isinstance(tier, Budget):
        return tier
    return budget_for(DEFAULT_TIER if tier is None else tier)


_PUBLISHED_COSTS: Final = MappingProxyType(
    {name: ep.cost for name, ep in ENDPOINTS.items() if ep.cost != DEFAULT_COST}
)


@dataclass(frozen=True, slots=True)
class EndpointCosts:
    """Token cost per endpoint name (``kalshikit.endpoints`` names); batch calls cost per item."""

    default: int = DEFAULT_COST
    costs: Mapping[str, int] = field(default_factory=lambda: _PUBLISHED_COSTS)

    def cost(self, endpoint_name: str, items: int = 1) -> int:
        unit = self.costs.get(endpoint_name, self.default)
        return unit * max(1, items) if endpoint_name in PER_ITEM else unit

    @classmethod
    def from_wire(
        cls,
        default: int,
        entries: Iterable[tuple[str, str, int]],
        names: Mapping[tuple[str, str], str],
    ) -> EndpointCosts:
        """From ``GET /account/endpoint_costs`` rows (method, path, cost); ``names`` maps them."""
        costs = {names[(m.upper(), p)]: c for m, p, c in entries if (m.upper(), p) in names}
        return cls(default, MappingProxyType(costs))


ENDPOINT_COSTS: Final = EndpointCosts()
