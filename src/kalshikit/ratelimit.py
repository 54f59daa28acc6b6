"""Kalshi's rate limits as data, and a pure token bucket. No I/O and no clock here.

Kalshi meters requests with two token buckets per user (kalshi-rest.md 5.4): *read* (GETs and
anything unrouted) and *write* (order create/amend/cancel/decrease, order groups). Each request
spends its endpoint's cost in tokens; a bucket refills at the tier's rate up to its capacity.
This module is the one table of tiers and costs: the sandbox enforces it and the client's limiter
paces itself with it, so the two cannot disagree.

Costs (docs, late 2026): default 10 tokens; single cancel 2; batch cancel 2 per order; batch
create 10 per order (no batching discount). Single-order reads are "below default" without a
published number; we charge them the default until ``GET /account/endpoint_costs`` says
otherwise (``EndpointCosts.from_wire`` refreshes the table).

The client paces itself with :class:`PacedBucket` (the exchange's bucket less some headroom) and
:class:`Lane` (one bucket and the requests queued for it, first come, first served); the locks,
sleeps and statistics around them live in ``kalshikit._limiter``.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Final, Literal

from kalshikit.errors import ValidationError

Bucket = Literal["read", "write"]

DEFAULT_COST: Final = 10
# The share of each bucket the client leaves unspent (see PacedBucket).
HEADROOM: Final = 0.1
_PER_ITEM: Final = frozenset({"orders.create_batch", "orders.cancel_batch"})


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


@dataclass(frozen=True, slots=True)
class EndpointCosts:
    """Token cost per endpoint name (``http._core.ENDPOINTS`` names); batch calls cost per item."""

    default: int = DEFAULT_COST
    costs: Mapping[str, int] = field(
        default_factory=lambda: MappingProxyType(
            {"orders.cancel": 2, "orders.cancel_batch": 2, "orders.create_batch": 10}
        )
    )

    def cost(self, endpoint_name: str, items: int = 1) -> int:
        unit = self.costs.get(endpoint_name, self.default)
        return unit * max(1, items) if endpoint_name in _PER_ITEM else unit

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


class CostTooHigh(ValidationError):
    """A request that costs more than the bucket can ever hold: waiting would never help."""


@dataclass(slots=True)
class TokenBucket:
    """A token bucket driven by the caller's clock (seconds, any monotonic origin).

    ``try_take`` answers at once: 0.0 when the tokens were taken, else how long until they would
    be there (nothing taken). ``drain`` empties it (on a 429, so every caller backs off together).
    """

    spec: BucketSpec
    tokens: float = field(init=False)
    updated: float | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.tokens = self.spec.capacity  # a new bucket starts full

    def _refill(self, now: float) -> None:
        if self.updated is None:
            self.updated = now
            return
        elapsed = max(0.0, now - self.updated)
        self.tokens = min(self.spec.capacity, self.tokens + elapsed * self.spec.rate)
        self.updated = now

    def try_take(self, cost: float, now: float) -> float:
        if cost > self.spec.capacity:
            raise CostTooHigh(
                f"a request costing {cost:g} tokens never fits a bucket of {self.spec.capacity:g}"
            )
        self._refill(now)
        if self.tokens >= cost:
            self.tokens -= cost
            return 0.0
        return (cost - self.tokens) / self.spec.rate

    def drain(self, now: float) -> None:
        self._refill(now)
        self.tokens = 0.0


@dataclass(slots=True)
class PacedBucket:
    """The client's mirror of one exchange bucket, driven by the caller's clock.

    The exchange charges a request when it arrives, not when we let it go, and its full bucket
    wastes refill. So tokens granted with ``hold`` count as in flight until ``settle`` (the
    answer is in): our bucket refills only up to its capacity less what is in flight. Then
    however late a request arrives (a stalled process, a slow network), the exchange's bucket
    holds at least what we still mean to spend. ``headroom`` keeps ours that share smaller
    still, for what the two clocks and the exchange's rounding disagree on.

    A request dearer than our smaller capacity, but within the exchange's, waits for a full
    bucket and leaves it in debt. ``drain`` (on a 429) empties it and can pause it
    (Retry-After), so every caller backs off together.
    """

    spec: BucketSpec
    headroom: float = HEADROOM
    tokens: float = field(init=False)
    updated: float | None = field(init=False, default=None)
    paused_until: float = field(init=False, default=-math.inf)
    in_flight: float = field(init=False, default=0.0)  # held tokens not yet settled

    def __post_init__(self) -> None:
        if not 0.0 <= self.headroom < 1.0:
            raise ValidationError("headroom is a share of the bucket: 0 <= headroom < 1")
        self.tokens = self.capacity  # a new bucket starts full

    @property
    def capacity(self) -> float:
        return self.spec.capacity * (1.0 - self.headroom)

    def check(self, cost: float) -> None:
        if cost > self.spec.capacity:
            raise CostTooHigh(
                f"a request costing {cost:g} tokens never fits a bucket of {self.spec.capacity:g}"
                " (the exchange would refuse it every time): split it into smaller ones"
            )

    def level(self, now: float) -> float:
        """Tokens now (negative while in debt)."""
        if self.updated is not None:
            elapsed = max(0.0, now - self.updated)
            ceiling = self.capacity - self.in_flight
            # Past the ceiling nothing refills, but nothing already there is taken away.
            refilled = min(ceiling, self.tokens + elapsed * self.spec.rate)
            self.tokens = max(self.tokens, refilled)
        self.updated = now
        return self.tokens

    def try_take(self, cost: float, now: float, *, hold: bool = False) -> float:
        """0.0 when taken; else seconds until it could be (nothing taken). With ``hold`` the
        tokens stay in flight until ``settle``."""
        self.check(cost)
        tokens = self.level(now)
        if now < self.paused_until:
            return self.paused_until - now
        need = min(cost, self.capacity)
        # The epsilon keeps float error from turning an exact sleep into one more tiny one.
        if tokens >= need - 1e-9:
            self.tokens -= cost
            self.in_flight += cost if hold else 0.0
            return 0.0
        # While answers are outstanding the ceiling is lower: the wait is then a lower bound,
        # and the caller polls again when it is over.
        return (need - tokens) / self.spec.rate

    def settle(self, cost: float, now: float) -> None:
        """The answer to a held request is in (or never will be): its tokens leave the flight."""
        self.level(now)  # refill up to the old ceiling first: until now it was in flight
        self.in_flight = max(0.0, self.in_flight - cost)

    def drain(self, now: float, pause: float = 0.0) -> None:
        """Empty the bucket (a debt stays owed) and refuse everything for ``pause`` seconds."""
        self.tokens = min(self.level(now), 0.0)
        self.paused_until = max(self.paused_until, now + pause)


def _delivered() -> bool:
    return True


@dataclass(eq=False, slots=True)
class Ticket:
    """One request waiting for its lane. ``wake`` is called once it heads the queue; it answers
    False when its waiter is gone (a closed event loop), and the lane skips it."""

    cost: float
    wake: Callable[[], bool] = _delivered
    since: float | None = None  # when it first asked
    queued: bool = False
    hold: bool = False  # its tokens stay in flight until the bucket's settle()


class Lane:
    """A bucket and the requests queued for it, served first come, first served.

    No clock and no lock: the caller serialises calls and passes ``now``. Only the head of the
    queue may take tokens, and a newcomer queues behind anyone already waiting, so nobody is
    overtaken by a later (or a cheaper) request.
    """

    def __init__(self, bucket: PacedBucket) -> None:
        self.bucket = bucket
        self.queue: deque[Ticket] = deque()

    def poll(self, ticket: Ticket, now: float) -> float:
        """0.0: granted (tokens taken). A finite wait: the ticket heads the queue, poll again
        after that long. ``inf``: others are ahead, poll again when ``ticket.wake`` is called."""
        if ticket.since is None:
            ticket.since = now
            self.bucket.check(ticket.cost)
        if self.queue and self.queue[0] is not ticket:
            self._enqueue(ticket)
            return math.inf
        wait = self.bucket.try_take(ticket.cost, now, hold=ticket.hold)
        if wait == 0.0:
            self.leave(ticket)
            return 0.0
        self._enqueue(ticket)
        return wait

    def _enqueue(self, ticket: Ticket) -> None:
        if not ticket.queued:
            ticket.queued = True
            self.queue.append(ticket)

    def leave(self, ticket: Ticket) -> None:
        """Take a ticket out of the queue (granted or given up); wake the next head."""
        if not ticket.queued:
            return
        ticket.queued = False
        was_head = self.queue[0] is ticket
        self.queue.remove(ticket)
        while was_head and self.queue and not self.queue[0].wake():
            self.queue.popleft().queued = False
