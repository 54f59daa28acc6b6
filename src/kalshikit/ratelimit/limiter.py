"""RateLimiter: paces one account's requests to its tier, for sync and async callers at once.

The arithmetic (PacedBucket, Lane) lives in :mod:`kalshikit.ratelimit.bucket` and takes
``now``; this module adds what needs a clock or a thread: one lock around a read and a write
lane, the blocking (``acquire``) and awaiting (``acquire_async``) ways to wait, the gates the
clients call before every attempt, statistics, throttling events, and the registry that gives
every client of one (environment, URL, API key) in a process the same limiter, whether sync or
async.

Sync and async callers share the lanes: a thread sleeps with ``time.sleep`` and a task with
``asyncio.sleep`` (the event loop is never held), and whoever heads a lane polls it again when
its wait is over. Waiters behind the head park on a lock or a future that the lane releases
when their turn comes, so the queue is served strictly in arrival order.

Processes of one machine on one key share the buckets themselves: every operation on a bucket
loads its state from the key's shared file and writes it back under the file's lock
(:mod:`kalshikit.ratelimit.shared`), so the processes together keep to one budget and everyone's
in-flight tokens count. The queue stays per process: a process's head waits and polls again,
as within one process. ``KALSHI_RATE_SHARED=0`` turns sharing off.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final, Literal, Protocol

import msgspec

from kalshikit.endpoints import ENDPOINTS, PER_ITEM, REST_PREFIX, Bucket, Endpoint
from kalshikit.errors import ValidationError
from kalshikit.models import AccountLimits
from kalshikit.models import EndpointCosts as EndpointCostsWire
from kalshikit.ratelimit.bucket import Lane, PacedBucket, Ticket
from kalshikit.ratelimit.budgets import (
    ENDPOINT_COSTS,
    HEADROOM,
    BucketSpec,
    Budget,
    EndpointCosts,
    RateTier,
    resolve_budget,
)
from kalshikit.ratelimit.shared import SharedFile, open_shared, share_name

__all__ = [
    "BucketStats",
    "LimiterStats",
    "RateLimiter",
    "ThrottleEvent",
    "budget_from_limits",
    "costs_from_wire",
    "shared_limiter",
]

log = logging.getLogger("kalshikit.ratelimit")


class HasBody(Protocol):
    """A request as the limiter sees it (``http._core.PreparedRequest``): a batch's cost is
    per order in its body."""

    @property
    def body(self) -> bytes | None: ...


BUCKETS: Final[tuple[Bucket, Bucket]] = ("read", "write")


# --- what the limiter reports -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ThrottleEvent:
    """A bucket started or stopped making requests wait. ``at`` is on the limiter's clock; an
    "end" says how many requests waited in the spell, and for how long in all."""

    bucket: Bucket
    state: Literal["start", "end"]
    at: float
    waited: int = 0
    wait_s: float = 0.0


@dataclass(frozen=True, slots=True)
class BucketStats:
    """One bucket since the limiter was made: requests let through and their tokens, how many
    waited and how long, 429s seen, whether it throttles now (and how many spells so far), how
    many wait now, its tokens now (negative: in debt) and the tokens of requests sent and not
    yet answered."""

    requests: int
    tokens: float
    waited: int
    wait_s: float
    longest_wait_s: float
    rate_limited: int
    throttling: bool
    spells: int
    queued: int
    level: float
    in_flight: float


@dataclass(frozen=True, slots=True)
class LimiterStats:
    """Counts since the limiter was made, per bucket; the properties add both buckets up."""

    tier: str
    read: BucketStats
    write: BucketStats

    @property
    def requests(self) -> int:
        return self.read.requests + self.write.requests

    @property
    def waited(self) -> int:
        return self.read.waited + self.write.waited

    @property
    def wait_s(self) -> float:
        return self.read.wait_s + self.write.wait_s

    @property
    def rate_limited(self) -> int:
        """429 answers seen."""
        return self.read.rate_limited + self.write.rate_limited


@dataclass(slots=True)
class _Counters:
    requests: int = 0
    tokens: float = 0.0
    waited: int = 0
    wait_s: float = 0.0
    longest_wait_s: float = 0.0
    rate_limited: int = 0
    spells: int = 0
    spell: tuple[int, float] | None = None  # (waited, wait_s) when the open spell began

    def grant(
        self, bucket: Bucket, cost: float, waited_s: float, now: float
    ) -> ThrottleEvent | None:
        self.requests += 1
        self.tokens += cost
        if waited_s > 0.0:
            self.waited += 1
            self.wait_s += waited_s
            self.longest_wait_s = max(self.longest_wait_s, waited_s)
            return None
        return self.close_spell(bucket, now)

    def open_spell(self, bucket: Bucket, now: float) -> ThrottleEvent | None:
        if self.spell is not None:
            return None
        self.spells += 1
        self.spell = (self.waited, self.wait_s)
        return ThrottleEvent(bucket, "start", now)

    def close_spell(self, bucket: Bucket, now: float) -> ThrottleEvent | None:
        if self.spell is None:
            return None
        waited, wait_s = self.spell
        self.spell = None
        return ThrottleEvent(bucket, "end", now, self.waited - waited, self.wait_s - wait_s)

    def snapshot(self, lane: Lane, now: float) -> BucketStats:
        return BucketStats(
            self.requests, self.tokens, self.waited, self.wait_s, self.longest_wait_s,
            self.rate_limited, self.spell is not None, self.spells, len(lane.queue),
            lane.bucket.level(now), lane.bucket.in_flight,
        )  # fmt: skip


# --- the limiter --------------------------------------------------------------------------------


def batch_items(body: bytes | None) -> int:
    """How many orders a batch body holds (its cost is per order)."""
    if not body:
        return 1
    try:
        return max(1, len(msgspec.json.decode(body, type=_Batch).orders))
    except (msgspec.DecodeError, msgspec.ValidationError):
        return 1


class _Batch(msgspec.Struct):
    orders: list[msgspec.Raw] = msgspec.field(default_factory=list)


class RateLimiter:
    """Keeps one account under its tier's read and write budgets, before the exchange has to.

    >>> limiter = RateLimiter("advanced")        # or RateTier.ADVANCED, or Budget.custom(...)
    >>> client = KalshiClient(rate_limiter=limiter)  # doctest: +SKIP

    ``poll`` is the whole algorithm, with time passed in; ``acquire`` (threads) and
    ``acquire_async`` (tasks) wait with the real clock. A request that could never fit its bucket
    raises :class:`~kalshikit.ratelimit.CostTooHigh` at once instead of waiting forever.

    With ``share_as`` (a file name from :func:`~kalshikit.ratelimit.shared.share_name`; the
    clients pass their key's), every process of this machine that names the same keeps to one
    budget with this one; without it, or where the machine cannot share, it paces this
    process alone.
    """

    def __init__(
        self,
        tier: Budget | RateTier | str | None = None,
        *,
        costs: EndpointCosts = ENDPOINT_COSTS,
        headroom: float = HEADROOM,
        clock: Callable[[], float] = time.monotonic,
        share_as: str | None = None,
    ) -> None:
        if share_as is not None and clock is not time.monotonic:
            raise ValidationError("processes share a budget only on the clock they all read")
        self.budget = resolve_budget(tier)
        self.costs = costs
        self.clock = clock
        self.detected = False  # the budget was read from GET /account/limits
        self._headroom = headroom
        self._lock = threading.Lock()
        self._lanes = {b: Lane(PacedBucket(self.budget.bucket(b), headroom)) for b in BUCKETS}
        self._counters = {b: _Counters() for b in BUCKETS}
        self._store: SharedFile | _OwnStore = (share_as and open_shared(share_as)) or _OWN_STORE
        self._listeners: list[Callable[[ThrottleEvent], None]] = []
        self.sync_gate = SyncGate(self)
        self.async_gate = AsyncGate(self)

    def __repr__(self) -> str:
        read, write = self.budget.read, self.budget.write
        return (
            f"RateLimiter({self.budget.name}: read {read.rate:g}/s burst {read.capacity:g}, "
            f"write {write.rate:g}/s burst {write.capacity:g})"
        )

    @property
    def tier(self) -> str:
        return self.budget.name

    def cost(self, endpoint: Endpoint, request: HasBody | None = None) -> int:
        """Tokens a request spends: its endpoint's cost, per order for batches."""
        body = request.body if request is not None else None
        items = batch_items(body) if endpoint.name in PER_ITEM else 1
        return self.costs.cost(endpoint.name, items)

    # --- the algorithm (time passed in) ---------------------------------------------------------

    def poll(self, bucket: Bucket, ticket: Ticket, now: float) -> float:
        """One look at a lane: 0.0 granted; a finite wait to sleep before polling again; ``inf``
        to wait until ``ticket.wake`` is called (others are ahead)."""
        with self._lock:
            lane = self._lanes[bucket]
            now = self._store.load(bucket, lane.bucket, now)
            try:
                wait = lane.poll(ticket, now)
            except BaseException:
                lane.leave(ticket)
                raise
            finally:
                self._store.store(bucket, lane.bucket)
            event = self._count(bucket, ticket, wait, now)
        if event is not None:
            self._emit(event)
        return wait

    def _count(
        self, bucket: Bucket, ticket: Ticket, wait: float, now: float
    ) -> ThrottleEvent | None:
        counters = self._counters[bucket]
        if wait != 0.0:
            return counters.open_spell(bucket, now)
        waited = now - (ticket.since if ticket.since is not None else now)
        if waited > 0.0 and log.isEnabledFor(logging.DEBUG):
            log.debug("waited %.3fs for %g %s tokens", waited, ticket.cost, bucket)
        return counters.grant(bucket, ticket.cost, waited, now)

    def leave(self, bucket: Bucket, ticket: Ticket) -> None:
        """Give up waiting (a cancelled task): the ticket leaves, the next one moves up."""
        with self._lock:
            self._lanes[bucket].leave(ticket)

    # --- waiting with the real clock ------------------------------------------------------------

    def acquire(self, bucket: Bucket, cost: float, *, hold: bool = False) -> None:
        """Block this thread until ``cost`` tokens of ``bucket`` are ours. With ``hold`` they
        count as in flight until :meth:`settle` (see :class:`~kalshikit.ratelimit.PacedBucket`):
        pass it when you will call ``settle`` once the answer is in."""
        latch = threading.Lock()
        latch.acquire()
        ticket = Ticket(cost, _releaser(latch), hold=hold)
        try:
            while (wait := self.poll(bucket, ticket, self.clock())) != 0.0:
                if wait == math.inf:
                    latch.acquire()
                else:
                    time.sleep(wait)
        except BaseException:
            self.leave(bucket, ticket)
            raise

    async def acquire_async(self, bucket: Bucket, cost: float, *, hold: bool = False) -> None:
        """Wait (without holding the event loop) until ``cost`` tokens of ``bucket`` are ours;
        ``hold`` as for :meth:`acquire`."""
        loop = asyncio.get_running_loop()
        woken: asyncio.Future[None] = loop.create_future()
        ticket = Ticket(cost, _resolver(loop, woken), hold=hold)
        try:
            while (wait := self.poll(bucket, ticket, self.clock())) != 0.0:
                if wait == math.inf:
                    await woken
                else:
                    await asyncio.sleep(wait)
        except BaseException:
            self.leave(bucket, ticket)
            raise

    def settle(self, bucket: Bucket, cost: float) -> None:
        """The answer to a request acquired with ``hold`` is in, or never will be (the exchange
        has charged it, or never will)."""
        with self._lock:
            paced = self._lanes[bucket].bucket
            now = self._store.load(bucket, paced, self.clock())
            try:
                paced.settle(cost, now)
            finally:
                self._store.store(bucket, paced)

    # --- what the exchange tells us -------------------------------------------------------------

    def penalize(self, bucket: Bucket, retry_after: float | None = None) -> None:
        """After a 429: empty the bucket so every caller backs off, for ``retry_after`` if given."""
        pause = retry_after or 0.0
        with self._lock:
            paced = self._lanes[bucket].bucket
            now = self._store.load(bucket, paced, self.clock())
            try:
                paced.drain(now, pause)
            finally:
                self._store.store(bucket, paced)
            self._counters[bucket].rate_limited += 1
        log.info(
            "429 on the %s bucket: every %s request now waits (%.2fs pause)", bucket, bucket, pause
        )

    def set_budget(self, budget: Budget | RateTier | str, *, detected: bool = False) -> None:
        """Pace to another budget from now on (tokens already spent stay spent)."""
        new = resolve_budget(budget)
        now = self.clock()
        with self._lock:
            for name, lane in self._lanes.items():
                old, bucket = lane.bucket, PacedBucket(new.bucket(name), self._headroom)
                at = self._store.load(name, old, now)
                try:
                    bucket.tokens, bucket.updated = min(old.level(at), bucket.capacity), at
                    bucket.paused_until, bucket.in_flight = old.paused_until, old.in_flight
                finally:
                    self._store.store(name, bucket)
                lane.bucket = bucket
            self.budget, self.detected = new, detected
        log.debug("pacing to %r", self)

    def set_costs(self, costs: EndpointCosts) -> None:
        self.costs = costs

    # --- observing it ---------------------------------------------------------------------------

    def stats(self) -> LimiterStats:
        now = self.clock()
        events: list[ThrottleEvent] = []
        with self._lock:
            snaps: dict[Bucket, BucketStats] = {}
            for name in BUCKETS:
                lane = self._lanes[name]
                at = self._store.load(name, lane.bucket, now)
                try:
                    idle = not lane.queue and lane.bucket.level(at) >= lane.bucket.capacity
                    event = self._counters[name].close_spell(name, at) if idle else None
                    snaps[name] = self._counters[name].snapshot(lane, at)
                finally:
                    self._store.store(name, lane.bucket)
                events += [event] if event is not None else []
        for event in events:
            self._emit(event)
        return LimiterStats(self.budget.name, snaps["read"], snaps["write"])

    def subscribe(self, listener: Callable[[ThrottleEvent], None]) -> Callable[[], None]:
        """Call ``listener`` when a bucket starts or stops throttling; returns an unsubscribe."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _emit(self, event: ThrottleEvent) -> None:
        if event.state == "start":
            log.info("throttling %s requests (%s budget)", event.bucket, self.budget.name)
        else:
            log.info(
                "%s requests no longer throttled (%d waited %.2fs in all)",
                event.bucket, event.waited, event.wait_s,
            )  # fmt: skip
        for listener in list(self._listeners):
            listener(event)


class _OwnStore:
    """Where a limiter that paces its process alone keeps its buckets: in the buckets."""

    def load(self, bucket: Bucket, paced: PacedBucket, now: float) -> float:
        return now

    def store(self, bucket: Bucket, paced: PacedBucket) -> None:
        pass


_OWN_STORE: Final = _OwnStore()


def _releaser(latch: threading.Lock) -> Callable[[], bool]:
    def wake() -> bool:
        latch.release()
        return True

    return wake


def _resolver(loop: asyncio.AbstractEventLoop, woken: asyncio.Future[None]) -> Callable[[], bool]:
    def wake() -> bool:
        try:
            loop.call_soon_threadsafe(_resolve, woken)
        except RuntimeError:  # its loop is closed: nobody is waiting any more
            return False
        return True

    return wake


def _resolve(woken: asyncio.Future[None]) -> None:
    if not woken.done():
        woken.set_result(None)


# --- the gates the clients call -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Gate:
    limiter: RateLimiter

    def settle(self, endpoint: Endpoint, tokens: float) -> None:
        self.limiter.settle(endpoint.bucket, tokens)


@dataclass(frozen=True, slots=True)
class SyncGate(_Gate):
    """``RequestGate`` for KalshiClient: charges each attempt to the limiter and holds its
    tokens in flight until the answer is in."""

    def acquire(self, endpoint: Endpoint, request: HasBody) -> float:
        cost = self.limiter.cost(endpoint, request)
        self.limiter.acquire(endpoint.bucket, cost, hold=True)
        return cost


@dataclass(frozen=True, slots=True)
class AsyncGate(_Gate):
    """``AsyncRequestGate`` for AsyncKalshiClient."""

    async def acquire(self, endpoint: Endpoint, request: HasBody) -> float:
        cost = self.limiter.cost(endpoint, request)
        await self.limiter.acquire_async(endpoint.bucket, cost, hold=True)
        return cost


# --- from the exchange's own numbers ------------------------------------------------------------


def budget_from_limits(limits: AccountLimits) -> Budget:
    """The budget ``GET /account/limits`` describes."""
    read, write = limits.read, limits.write
    return Budget(
        limits.usage_tier or "detected",
        BucketSpec(read.refill_rate, read.bucket_capacity),
        BucketSpec(write.refill_rate, write.bucket_capacity),
    )


def costs_from_wire(answer: EndpointCostsWire) -> EndpointCosts:
    """The cost table ``GET /account/endpoint_costs`` describes (paths with or without the
    ``/trade-api/v2`` prefix); endpoints it leaves out cost its default."""
    names: dict[tuple[str, str], str] = {(ep.method, ep.path): n for n, ep in ENDPOINTS.items()}
    rows = [
        (row.method, row.path.removeprefix(REST_PREFIX), row.cost) for row in answer.endpoint_costs
    ]
    return EndpointCosts.from_wire(answer.default_cost, rows, names)


# --- one limiter per (process, environment, URL, API key) ----------------------------------------

RegistryKey = tuple[str, str, str | None]


@dataclass(slots=True)
class _Registry:
    limiters: dict[RegistryKey, RateLimiter] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


_REGISTRY: Final = _Registry()


def _forget_after_fork() -> None:
    # A forked child is another process with its own budget view; the parent's lock may even
    # have been held at the fork.
    _REGISTRY.limiters.clear()
    _REGISTRY.lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_after_fork)


def _sharing_on() -> bool:
    return os.environ.get("KALSHI_RATE_SHARED", "").strip().lower() not in _NO


_NO: Final = frozenset({"0", "false", "no", "off"})


def shared_limiter(key: RegistryKey, budget: Budget | None = None) -> RateLimiter:
    """The process's limiter for ``key`` (environment, REST URL, API key id or None), made on
    first use; with a key id it keeps to one budget with every other process of this machine on
    that URL and key, unless ``KALSHI_RATE_SHARED`` says no. A budget named here replaces the
    one it had (the newest setting wins)."""
    with _REGISTRY.lock:
        limiter = _REGISTRY.limiters.get(key)
        if limiter is None:
            _, url, key_id = key
            share_as = share_name(url, key_id) if key_id and _sharing_on() else None
            limiter = _REGISTRY.limiters[key] = RateLimiter(budget, share_as=share_as)
            return limiter
    if budget is not None and budget != limiter.budget:
        limiter.set_budget(budget)
    return limiter
