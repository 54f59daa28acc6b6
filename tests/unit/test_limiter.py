"""The RateLimiter: its pure core with a fake clock, its gates with the real one, and the clients'
use of it (every attempt charged, 429s drain and pause, give-up carries what was tried)."""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import json
import math
import os
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kalshikit import AsyncKalshiClient, KalshiClient, RateLimiter, RateTier
from kalshikit.auth import generate_private_key, private_key_to_pem
from kalshikit.cli.main import main
from kalshikit.config import APIConfig
from kalshikit.endpoints import endpoint
from kalshikit.errors import APIError, RateLimited, ValidationError
from kalshikit.http._core import RetryPolicy, prepare
from kalshikit.models import AccountLimits, BucketLimit, EndpointCost, EndpointCosts
from kalshikit.ratelimit import (
    Bucket,
    BucketSpec,
    Budget,
    CostTooHigh,
    Lane,
    PacedBucket,
    Ticket,
    TokenBucket,
    budget_for,
)
from kalshikit.ratelimit.limiter import (
    ThrottleEvent,
    batch_items,
    budget_from_limits,
    costs_from_wire,
    shared_limiter,
)

INF = math.inf
PREFIX = "/trade-api/v2"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def limiter(tier: Budget | str = "basic", headroom: float = 0.0) -> tuple[RateLimiter, Clock]:
    clock = Clock()
    return RateLimiter(tier, headroom=headroom, clock=clock), clock


def take(lim: RateLimiter, bucket: Bucket, cost: float, now: float) -> float:
    """Ask once: the wait if not granted (the ticket does not stay in the queue)."""
    ticket = Ticket(cost)
    wait = lim.poll(bucket, ticket, now)
    lim.leave(bucket, ticket)
    return wait


def waker(log: list[str], name: str) -> Callable[[], bool]:
    def wake() -> bool:
        log.append(name)
        return True

    return wake


# --- the pure core --------------------------------------------------------------------------------


def test_burst_then_refill_at_the_tier_rate() -> None:
    lim, _ = limiter()
    granted = [take(lim, "read", 10, 0.0) for _ in range(20)]
    assert granted == [0.0] * 20  # a full read bucket: 200 tokens, 20 reads
    assert take(lim, "read", 10, 0.0) == pytest.approx(0.05)  # 200 tokens/s: 10 in 50 ms
    assert take(lim, "read", 10, 0.05) == 0.0
    assert take(lim, "write", 10, 0.05) == 0.0  # the write bucket is its own


def test_headroom_keeps_part_of_the_burst_but_none_of_the_rate() -> None:
    lim, _ = limiter(headroom=0.1)
    burst = 0
    while take(lim, "write", 10, 0.0) == 0.0:
        burst += 1
    assert burst == 18  # 90% of the 200-token write bucket
    now, spent = 0.0, 0
    while now < 10.0:  # one caller, polling exactly when told: 100 tokens/s, nothing lost
        wait = take(lim, "write", 10, now)
        spent += 10 if wait == 0.0 else 0
        now += wait
    assert spent == pytest.approx(100 * 10.0, abs=10)


def test_costs_per_endpoint_and_per_order_in_batches() -> None:
    lim, _ = limiter()
    orders = [{"ticker": "T", "side": "bid"} for _ in range(3)]
    batch = prepare("orders.create_batch", body={"orders": orders})
    cancels = prepare("orders.cancel_batch", body={"orders": [{"order_id": "a"}] * 7})
    assert lim.cost(batch.endpoint, batch) == 30
    assert lim.cost(cancels.endpoint, cancels) == 14
    assert lim.cost(endpoint("orders.cancel")) == 2
    assert lim.cost(endpoint("markets.list")) == 10
    assert batch_items(b"not json") == 1


def test_first_come_first_served_even_for_a_cheaper_request() -> None:
    lim, _ = limiter(Budget.custom(100, 50))  # write: 50 tokens/s, bucket of 100
    assert take(lim, "write", 100, 0.0) == 0.0
    woken: list[str] = []
    first, second = Ticket(50, waker(woken, "first")), Ticket(2, waker(woken, "second"))
    assert lim.poll("write", first, 0.5) == pytest.approx(0.5)  # 25 tokens there, 50 needed
    assert lim.poll("write", second, 0.5) == INF  # 2 would fit, but first came first
    assert lim.poll("write", second, 0.9) == INF
    assert lim.poll("write", first, 1.0) == 0.0
    assert woken == ["second"]  # woken when it heads the queue
    assert lim.poll("write", second, 1.0) == pytest.approx(0.04)
    assert lim.poll("write", second, 1.04) == 0.0


def test_a_request_that_never_fits_is_an_error_not_a_hang() -> None:
    lim, _ = limiter(headroom=0.1)
    with pytest.raises(CostTooHigh, match="never fits a bucket of 200"):
        take(lim, "write", 210, 0.0)  # a 21-order batch at Basic
    assert lim.stats().write.queued == 0
    # 20 orders fit the exchange's bucket though not our 180: sent once ours is full, in debt
    assert take(lim, "write", 200, 0.0) == 0.0
    assert take(lim, "write", 10, 0.0) == pytest.approx(0.3)  # -20 tokens now: 30 to wait for


def test_a_429_drains_the_bucket_for_everyone_and_retry_after_pauses_it() -> None:
    lim, clock = limiter()
    clock.now = 5.0
    lim.penalize("read")
    assert take(lim, "read", 10, 5.0) == pytest.approx(0.05)
    lim.penalize("read", retry_after=2.0)
    assert take(lim, "read", 10, 5.5) == pytest.approx(1.5)  # paused until 7.0
    assert take(lim, "read", 10, 7.0) == 0.0  # and refilled meanwhile
    assert take(lim, "write", 10, 5.5) == 0.0  # the other bucket goes on
    assert lim.stats().read.rate_limited == 2


def test_a_waiter_that_gives_up_hands_its_turn_on() -> None:
    lim, _ = limiter(Budget.custom(10, 10))
    assert take(lim, "read", 10, 0.0) == 0.0
    woken: list[str] = []
    head, next_one = Ticket(10), Ticket(5, waker(woken, "next"))
    assert lim.poll("read", head, 0.0) > 0
    assert lim.poll("read", next_one, 0.0) == INF
    lim.leave("read", head)  # e.g. its task was cancelled
    assert woken == ["next"]
    assert lim.poll("read", next_one, 0.5) == 0.0


def test_a_gone_waiter_is_skipped() -> None:
    lane = Lane(PacedBucket(BucketSpec(10, 10), headroom=0.0))
    assert lane.poll(Ticket(10), 0.0) == 0.0
    head, gone, alive = Ticket(1), Ticket(1, lambda: False), Ticket(1)
    assert lane.poll(head, 0.0) > 0
    assert lane.poll(gone, 0.0) == INF
    assert lane.poll(alive, 0.0) == INF
    lane.leave(head)
    assert list(lane.queue) == [alive]


def test_stats_and_throttling_start_and_end() -> None:
    lim, clock = limiter(Budget.custom(10, 10))
    events: list[ThrottleEvent] = []
    lim.subscribe(events.append)
    clock.now = 0.0
    assert take(lim, "read", 10, 0.0) == 0.0
    ticket = Ticket(10)
    assert lim.poll("read", ticket, 0.0) == pytest.approx(1.0)
    clock.now = 1.0
    assert lim.poll("read", ticket, 1.0) == 0.0
    assert [e.state for e in events] == ["start"]
    assert lim.stats().read.throttling
    clock.now = 3.0  # the bucket is full again and nobody waits: the spell is over
    stats = lim.stats()
    assert [e.state for e in events] == ["start", "end"]
    assert events[1].waited == 1
    assert events[1].wait_s == pytest.approx(1.0)
    assert (stats.requests, stats.waited) == (2, 1)
    assert stats.wait_s == pytest.approx(1.0)
    assert (stats.read.tokens, stats.read.spells, stats.tier) == (20, 1, "custom")
    assert not stats.read.throttling


def test_a_new_budget_keeps_what_was_spent() -> None:
    lim, _ = limiter()
    for _ in range(20):
        take(lim, "read", 10, 100.0)
    lim.set_budget(RateTier.PREMIER)
    assert lim.tier == "premier"
    assert take(lim, "read", 10, 100.0) == pytest.approx(0.01)  # still empty, refills faster


class Wire:
    """Requests between our lane and the exchange's own bucket, in time order: each is charged
    by the exchange when it arrives and settled with us when its answer comes back."""

    def __init__(self, spec: BucketSpec) -> None:
        self.lane = Lane(PacedBucket(spec, headroom=0.1))
        self.exchange = TokenBucket(spec)
        self.now = 0.0
        self.pending: list[tuple[float, int, str, float]] = []  # (at, order, what, cost)
        self.refused = 0

    def advance(self, to: float) -> None:
        while self.pending and self.pending[0][0] <= to:
            at, _, what, cost = heapq.heappop(self.pending)
            if what == "arrive":
                self.refused += self.exchange.try_take(cost, at) > 0.0
            else:
                self.lane.bucket.settle(cost, at)
        self.now = max(self.now, to)

    def send(self, cost: float, travel: float, reply: float, *, hold: bool = True) -> None:
        """Wait for our lane to grant it, then let it take ``travel`` s to arrive."""
        ticket = Ticket(cost, hold=hold)
        while (wait := self.lane.poll(ticket, self.now)) != 0.0:
            self.advance(self.now + wait)
        order = len(self.pending) + int(self.now * 1e6)
        heapq.heappush(self.pending, (self.now + travel, order, "arrive", cost))
        heapq.heappush(self.pending, (self.now + travel + reply, order, "answer", cost))

    def finish(self) -> int:
        self.advance(math.inf)
        return self.refused


@given(
    bursts=st.lists(
        st.tuples(
            st.floats(0, 1.0),  # pause before the burst
            st.integers(1, 20),  # requests in it, back to back
            st.sampled_from([2, 10, 30]),  # cost of each
            st.floats(0, 3.0),  # travel: a stalled process or a slow network, any length
            st.floats(0, 0.5),  # the answer's way back
        ),
        min_size=1,
        max_size=12,
    )
)
def test_what_the_limiter_grants_the_exchange_accepts(
    bursts: list[tuple[float, int, int, float, float]],
) -> None:
    """However late grants arrive, the exchange's bucket (charged on arrival, wasting refill
    while full) never refuses one. (Without holding tokens in flight this finds refusals.)"""
    wire = Wire(BucketSpec(100, 200))
    for pause, count, cost, travel, reply in bursts:
        wire.advance(wire.now + pause)
        for _ in range(count):
            wire.send(cost, travel, reply)
    assert wire.finish() == 0


def test_requests_held_up_in_a_stalled_process_do_not_draw_429s() -> None:
    """The 429s a CI run once drew: 12 reads granted, then the process stalled 0.6 s before
    sending them. The exchange's bucket filled up meanwhile and wasted refill, which a
    limiter counting only grants still thought it could spend."""

    def run(hold: bool) -> int:
        wire = Wire(BucketSpec(200, 200))  # Basic reads
        for _ in range(18):  # the opening burst, answered at once
            wire.send(10, 0.0, 0.001, hold=hold)
        wire.advance(0.6)
        for _ in range(12):  # granted, then stuck for 0.6 s
            wire.send(10, 0.6, 0.001, hold=hold)
        wire.advance(1.2)
        for _ in range(12):  # the next ones go out at once
            wire.send(10, 0.0, 0.001, hold=hold)
        return wire.finish()

    assert run(hold=False) > 0  # counting grants alone: refused
    assert run(hold=True) == 0


def test_held_tokens_come_back_only_when_settled() -> None:
    lim, clock = limiter(Budget.custom(100, 100))
    lim.acquire("read", 60, hold=True)
    lim.acquire("read", 40)
    clock.now += 10.0  # long enough to refill everything, but 60 tokens are still in flight
    assert lim.stats().read.level == pytest.approx(40)
    assert lim.stats().read.in_flight == 60
    lim.settle("read", 60)
    clock.now += 0.6
    assert lim.stats().read.level == pytest.approx(100)
    assert lim.stats().read.in_flight == 0


def test_budgets_and_costs_from_the_exchange() -> None:
    limits = AccountLimits(
        usage_tier="advanced",
        read=BucketLimit(refill_rate=300, bucket_capacity=300),
        write=BucketLimit(refill_rate=300, bucket_capacity=600),
        grants=[],
    )
    assert budget_from_limits(limits) == Budget(
        "advanced", BucketSpec(300, 300), BucketSpec(300, 600)
    )
    rows = [
        EndpointCost(method="DELETE", path=PREFIX + "/portfolio/events/orders/{order_id}", cost=1),
        EndpointCost(method="GET", path="/markets/{ticker}", cost=5),
        EndpointCost(method="GET", path="/not/ours", cost=99),
    ]
    costs = costs_from_wire(EndpointCosts(default_cost=12, endpoint_costs=rows))
    assert costs.cost("orders.cancel") == 1
    assert costs.cost("markets.get") == 5
    assert costs.cost("markets.list") == 12


def test_bad_tiers_and_headroom_are_refused() -> None:
    with pytest.raises(ValidationError, match="unknown rate tier 'gold'"):
        RateLimiter("gold")
    with pytest.raises(ValidationError, match="headroom"):
        RateLimiter(headroom=1.0)
    assert RateLimiter().tier == "basic"  # nothing configured: Basic


# --- the gates, with the real clock ---------------------------------------------------------------


async def test_async_waiters_are_served_in_arrival_order_and_the_loop_stays_free() -> None:
    lim = RateLimiter(Budget.custom(400, 400), headroom=0.0)  # 40 reads/s after a burst of 40
    await asyncio.gather(*(lim.acquire_async("read", 10) for _ in range(40)))
    order: list[int] = []
    ticks = 0

    async def caller(n: int) -> None:
        await lim.acquire_async("read", 10)
        order.append(n)

    async def ticker() -> None:
        nonlocal ticks
        while len(order) < 8:
            ticks += 1
            await asyncio.sleep(0.001)

    tasks = [asyncio.create_task(caller(n)) for n in range(8)]
    await asyncio.gather(ticker(), *tasks)
    assert order == list(range(8))
    assert ticks > 20  # the loop kept running while they waited (~0.2 s)


async def test_a_cancelled_task_leaves_the_queue() -> None:
    lim = RateLimiter(Budget.custom(100, 100), headroom=0.0)
    await lim.acquire_async("read", 100)
    stuck = asyncio.create_task(lim.acquire_async("read", 100))  # ~1 s away
    behind = asyncio.create_task(lim.acquire_async("read", 1))
    await asyncio.sleep(0.01)
    stuck.cancel()
    await asyncio.wait_for(behind, timeout=0.1)
    assert lim.stats().read.queued == 0


async def test_threads_and_tasks_share_one_budget() -> None:
    lim = RateLimiter(Budget.custom(500, 500), headroom=0.0)  # 50 reads/s, burst 50
    started = time.monotonic()
    seconds = 0.4

    def thread_caller(granted: list[float]) -> None:
        while time.monotonic() - started < seconds:
            lim.acquire("read", 10)
            granted.append(time.monotonic())

    async def task_caller(granted: list[float]) -> None:
        while time.monotonic() - started < seconds:
            await lim.acquire_async("read", 10)
            granted.append(time.monotonic())

    from_threads: list[float] = []
    threads = [threading.Thread(target=thread_caller, args=(from_threads,)) for _ in range(3)]
    for thread in threads:
        thread.start()
    from_tasks: list[float] = []
    await asyncio.gather(*(task_caller(from_tasks) for _ in range(3)))
    for thread in threads:
        await asyncio.to_thread(thread.join)
    assert from_threads  # both kinds got their turns
    assert from_tasks
    total = len(from_threads) + len(from_tasks)
    elapsed = max(from_threads + from_tasks) - started
    assert total <= 50 + 50 * elapsed + 1  # one budget, not two


# --- the clients ----------------------------------------------------------------------------------

QUICK = RetryPolicy(max_retries=3, base_delay=0.001, max_delay=0.002)


def _config(env: str = "demo", key: bool = False) -> APIConfig:
    pem = private_key_to_pem(generate_private_key("ed25519")) if key else None
    return APIConfig.resolve(
        env,
        rest_url=f"https://limits-{id(pem)}.test/trade-api/v2",
        api_key_id="k-" + str(id(pem)) if key else None,
        private_key_pem=pem,
        environ={},
        dotenv_path=False,
    )


STATUS = {"exchange_active": True, "trading_active": True}


def test_one_limiter_per_environment_url_and_key_shared_by_sync_and_async() -> None:
    config = _config(key=True)
    first, second = KalshiClient(config=config), KalshiClient(config=config)
    other = KalshiClient(config=_config(key=True))
    asynchronous = AsyncKalshiClient(config=config)
    assert first.rate_limiter is second.rate_limiter is asynchronous.rate_limiter
    assert other.rate_limiter is not first.rate_limiter
    assert first.rate_limiter.tier == "basic"
    KalshiClient(config=config, rate_tier="advanced")  # a tier named later: the newest wins
    assert first.rate_limiter.tier == "advanced"
    own = RateLimiter("prime")
    assert KalshiClient(config=config, rate_limiter=own).rate_limiter is own
    assert shared_limiter(("demo", config.rest_url, config.api_key_id)) is first.rate_limiter
    for client in (first, second, other):
        client.close()


def test_every_attempt_passes_the_limiter_and_a_429_pauses_it() -> None:
    answers = iter(
        [httpx.Response(429, headers={"retry-after": "0.2"}), httpx.Response(200, json=STATUS)]
    )
    sent: list[float] = []

    def exchange(request: httpx.Request) -> httpx.Response:
        sent.append(time.monotonic())
        return next(answers)

    with KalshiClient(config=_config(), transport=httpx.MockTransport(exchange)) as client:
        client.retry_policy = QUICK
        assert client.exchange.status().trading_active
        stats = client.rate_limiter.stats()
    assert (stats.read.requests, stats.rate_limited) == (2, 1)  # the retry took tokens too
    assert sent[1] - sent[0] >= 0.19  # Retry-After honoured


@pytest.mark.parametrize("answer", ["ok", "429", "no connection"])
async def test_an_attempt_holds_its_tokens_until_it_is_over(answer: str) -> None:
    held_while_sent: list[float] = []

    def exchange(request: httpx.Request) -> httpx.Response:
        held_while_sent.append(limiter.stats().read.in_flight)
        if answer == "no connection":
            raise httpx.ConnectError("down")
        return httpx.Response(429 if answer == "429" else 200, json=STATUS)

    config, limiter = _config(), RateLimiter("basic")
    transport = httpx.MockTransport(exchange)
    sync_client = KalshiClient(
        config=config, transport=transport, rate_limiter=limiter, max_retries=0
    )
    with sync_client, contextlib.suppress(APIError):
        sync_client.exchange.status()
    async with AsyncKalshiClient(
        config=config, transport=transport, rate_limiter=limiter, max_retries=0
    ) as client:
        with contextlib.suppress(APIError):
            await client.exchange.status()
    assert held_while_sent == [10, 10]  # each attempt's cost, while it was on its way
    assert limiter.stats().read.in_flight == 0


def test_a_hopeless_429_gives_up_saying_what_was_tried() -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=0.05), usegmt=True)
    too_many = httpx.Response(429, headers={"retry-after": when})
    with KalshiClient(
        config=_config(), transport=httpx.MockTransport(lambda r: too_many), max_retries=2
    ) as client:
        client.retry_policy = RetryPolicy(max_retries=2, base_delay=0.001, max_delay=0.002)
        with pytest.raises(RateLimited) as caught:
            client.exchange.status()
    assert caught.value.attempts == 3
    assert len(caught.value.delays) == 2
    assert "gave up after 3 attempts (slept" in caught.value.__notes__[0]


def test_max_retries_zero_sends_once() -> None:
    seen: list[httpx.Request] = []

    def refuse(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(429)

    client = KalshiClient(config=_config(), transport=httpx.MockTransport(refuse), max_retries=0)
    with client, pytest.raises(RateLimited) as caught:
        client.exchange.status()
    assert (len(seen), caught.value.attempts, caught.value.delays) == (1, 1, ())
    assert "max_retries=0" in caught.value.__notes__[0]


async def test_auto_tier_reads_the_limits_once_per_key() -> None:
    asked: list[str] = []
    limits = {
        "usage_tier": "premier",
        "read": {"refill_rate": 1000, "bucket_capacity": 1000},
        "write": {"refill_rate": 1000, "bucket_capacity": 2000},
        "grants": [],
    }
    routes = {
        "/account/limits": limits,
        "/account/endpoint_costs": {"default_cost": 10, "endpoint_costs": []},
        "/exchange/status": STATUS,
    }

    def exchange(request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/trade-api/v2")
        asked.append(path)
        return httpx.Response(200, json=routes[path])

    config = _config(key=True)
    transport = httpx.MockTransport(exchange)
    async with AsyncKalshiClient(config=config, transport=transport, rate_tier="auto") as client:
        await client.exchange.status()
        assert client.rate_limiter.tier == "premier"
        assert client.rate_limiter.detected
    with KalshiClient(config=config, transport=transport, rate_tier="AUTO") as again:
        again.exchange.status()
    assert asked.count("/account/limits") == 1
    assert asked.count("/exchange/status") == 2


def test_auto_tier_without_a_key_stays_basic(caplog: pytest.LogCaptureFixture) -> None:
    transport = httpx.MockTransport(lambda r: httpx.Response(200, json=STATUS))
    with KalshiClient(config=_config(), transport=transport, rate_tier="auto") as client:
        client.exchange.status()
    assert client.rate_limiter.tier == "basic"
    assert "needs an API key" in caplog.text


def test_the_published_budgets_are_the_ones_paced_to() -> None:
    assert RateLimiter(RateTier.PARAGON).budget == budget_for("paragon")
    assert repr(RateLimiter()) == "RateLimiter(basic: read 200/s burst 200, write 100/s burst 200)"


# --- the command line -----------------------------------------------------------------------------


@pytest.fixture
def no_kalshi_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    for name in list(os.environ):
        if name.startswith("KALSHI_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no .env from the developer's machine
    return monkeypatch


def test_config_show_prints_the_effective_tier_and_budgets(
    capsys: pytest.CaptureFixture[str], no_kalshi_env: pytest.MonkeyPatch
) -> None:
    assert main(["--env", "local", "--rate-tier", "basic", "config", "show", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["rate_tier"] == {"value": "basic", "source": "argument"}
    assert shown["read_budget"]["value"] == "200 tokens/s, bucket of 200"
    assert shown["write_budget"]["value"] == "100 tokens/s, bucket of 200"
    no_kalshi_env.setenv("KALSHI_RATE_TIER", "Premier")
    assert main(["config", "show", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["rate_tier"] == {"value": "premier", "source": "KALSHI_RATE_TIER"}
    assert shown["write_budget"]["value"] == "1000 tokens/s, bucket of 2000"
    assert main(["config", "show", "--rate-tier", "gold"]) == 2
    assert "unknown rate tier 'gold'" in capsys.readouterr().err
