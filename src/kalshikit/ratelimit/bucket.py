"""Token buckets driven by the caller's clock: the arithmetic of pacing. No I/O, no clock.

:class:`TokenBucket` is the exchange's bucket (the sandbox enforces it); the client paces itself
with :class:`PacedBucket` (the exchange's bucket less some headroom) and :class:`Lane` (one
bucket and the requests queued for it, first come, first served). The locks, sleeps and
statistics around them live in :mod:`kalshikit.ratelimit.limiter`.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from kalshikit.errors import CostTooHigh, ValidationError
from kalshikit.ratelimit.budgets import HEADROOM, BucketSpec


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
