"""The rate limiter against the sandbox enforcing the Basic tier over loopback: no 429s at full
speed, no request lost when the sandbox answers 429 anyway, and one budget per key however many
clients (sync and async) and processes use it.

The sandbox runs in its own process. Each test signs up fresh users, so the sandbox's buckets
for them start full, as ours do. 429s are counted on the wire (a transport that records every
answer) and by the limiter itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import multiprocessing
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from _sandbox_process import sandbox_process

from kalshikit import APIConfig, AsyncKalshiClient, KalshiClient
from kalshikit.auth import generate_private_key, private_key_to_pem, public_key_pem
from kalshikit.endpoints import REST_PREFIX
from kalshikit.errors import RateLimited
from kalshikit.http.orders_core import OrderResult
from kalshikit.ratelimit import budget_for

pytestmark = pytest.mark.slow

BASIC = budget_for("basic")


@dataclass
class Sent:
    method: str
    path: str
    sent_at: float
    answered_at: float = 0.0
    status: int = 0


@dataclass
class Tape:
    """Every request's method, path, send and answer time and status (real HTTP underneath)."""

    seen: list[Sent] = field(default_factory=list)

    def too_many(self) -> list[Sent]:
        return [s for s in self.seen if s.status == 429]


class TapedAsync(httpx.AsyncHTTPTransport):
    def __init__(self, tape: Tape) -> None:
        super().__init__()
        self.tape = tape

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        entry = Sent(request.method, request.url.path.removeprefix(REST_PREFIX), time.monotonic())
        self.tape.seen.append(entry)
        response = await super().handle_async_request(request)
        entry.answered_at, entry.status = time.monotonic(), response.status_code
        return response


class Taped(httpx.HTTPTransport):
    def __init__(self, tape: Tape) -> None:
        super().__init__()
        self.tape = tape

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        entry = Sent(request.method, request.url.path.removeprefix(REST_PREFIX), time.monotonic())
        self.tape.seen.append(entry)
        response = super().handle_request(request)
        entry.answered_at, entry.status = time.monotonic(), response.status_code
        return response


@dataclass
class Box:
    url: str
    tickers: Iterator[str]

    def admin(self, method: str, path: str, json: Any = None) -> Any:
        url = self.url.replace(REST_PREFIX, "/sandbox/admin") + path
        answer = httpx.request(method, url, json=json)
        assert answer.is_success, answer.text
        return answer.json()

    def config(self) -> APIConfig:
        """A fresh user on the sandbox's default (Basic) tier; no tier configured on our side."""
        key = generate_private_key("ed25519")
        made = self.admin("POST", "/users", {"public_key_pem": public_key_pem(key)})
        return APIConfig.resolve(
            "local",
            rest_url=self.url,
            api_key_id=made["api_key_id"],
            private_key_pem=private_key_to_pem(key),
            environ={},
            dotenv_path=False,
        )


@pytest.fixture(scope="module")
def box(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Box]:
    # Its own process, as the exchange is remote: a sandbox in a thread of this process would
    # share the GIL with 64 client tasks, and the stalls bunch arrivals closer than any network.
    data = tmp_path_factory.mktemp("sandbox")
    flags = ("--seed", "23", "--tier", "basic", "--activity", "0")
    with sandbox_process(data, *flags) as base:
        url = base + REST_PREFIX
        markets = httpx.get(f"{url}/markets", params={"status": "open", "limit": 1000}).json()
        linear = [
            m["ticker"] for m in markets["markets"] if m["price_level_structure"] == "linear_cent"
        ]
        yield Box(url, iter(linear))


async def place_far(client: AsyncKalshiClient, ticker: str) -> OrderResult:
    """A post-only bid at 1 cent: it rests and never trades."""
    placed = await client.orders.create(
        ticker, side="yes", action="buy", count=1, price_cents=1, post_only=True
    )
    assert isinstance(placed, OrderResult)
    return placed


def reads_for(client: AsyncKalshiClient, ticker: str) -> list[Callable[[], Awaitable[object]]]:
    return [
        lambda: client.markets.get(ticker),
        lambda: client.markets.orderbook(ticker),
        lambda: client.portfolio.balance(),
        lambda: client.exchange.schedule(),
        lambda: client.exchange.status(),
    ]


async def run_until(deadline: float, step: Callable[[], Awaitable[None]]) -> int:
    done = 0
    while time.monotonic() < deadline:
        await step()
        done += 1
    return done


async def test_64_tasks_for_8s_at_full_speed_and_no_429(box: Box) -> None:
    tape = Tape()
    async with AsyncKalshiClient(config=box.config(), transport=TapedAsync(tape)) as client:
        ticker = next(box.tickers)
        reads = itertools.cycle(reads_for(client, ticker))

        async def read() -> None:
            await next(reads)()

        async def write() -> None:
            placed = await place_far(client, ticker)
            # Its market named: one write (a bare id is read first to learn the market).
            await client.orders.cancel(placed.order_id, market_ticker=ticker)

        started = time.monotonic()
        deadline = started + 8.0
        steps = [write if n % 4 == 0 else read for n in range(64)]
        done = await asyncio.gather(*(run_until(deadline, step) for step in steps))
        elapsed = time.monotonic() - started
        stats = client.rate_limiter.stats()
    assert tape.too_many() == []
    assert stats.rate_limited == 0
    assert min(done) > 0  # nobody starved
    assert len(tape.seen) == stats.requests  # every request passed the limiter
    # Never more than the exchange allows, and near the whole budget (so "no 429" means
    # something). The exact fraction is a speed figure: bench/bench_ratelimit.py measures it;
    # this bound only has to survive a busy shared machine.
    for spent, spec in ((stats.read.tokens, BASIC.read), (stats.write.tokens, BASIC.write)):
        assert spent >= 0.8 * spec.rate * elapsed
        assert spent <= spec.capacity + spec.rate * elapsed


async def faulty_run(box: Box, retry_after: str | None) -> tuple[Tape, int, int]:
    """16 tasks reading and placing for 6 s while the sandbox answers 429 to 6 calls."""
    tape = Tape()
    async with AsyncKalshiClient(config=box.config(), transport=TapedAsync(tape)) as client:
        ticker = next(box.tickers)
        reads = itertools.cycle(reads_for(client, ticker))
        placed: list[str] = []

        async def read() -> None:
            await next(reads)()

        async def write() -> None:
            placed.append((await place_far(client, ticker)).client_order_id)

        async def arm_later() -> None:
            await asyncio.sleep(1.5)
            fault = {"kind": "status", "status": 429, "count": 6, "retry_after": retry_after}
            box.admin("POST", "/faults", fault)

        deadline = time.monotonic() + 6.0
        steps = [write if n % 4 == 0 else read for n in range(16)]
        done = await asyncio.gather(*(run_until(deadline, s) for s in steps), arm_later())
        resting = [o.client_order_id async for o in client.orders.list(ticker=ticker)]
        await client.orders.cancel_all()
        assert sorted(resting) == sorted(placed)  # every create placed exactly once
        assert len(set(placed)) == len(placed)
        rate_limited = client.rate_limiter.stats().rate_limited
    return tape, sum(d for d in done if d is not None), rate_limited


def bucket_of(sent: Sent) -> str:
    return "write" if sent.method != "GET" else "read"


async def test_429_with_retry_after_loses_nothing_and_everyone_waits(box: Box) -> None:
    tape, done, rate_limited = await faulty_run(box, retry_after="1")
    refused = tape.too_many()
    assert len(refused) == rate_limited == 6  # the injected ones, no others
    assert done > 0
    for no in refused:
        # No request of that bucket left between the 429 and the end of its Retry-After (a
        # request already past the gate when the 429 came in may still go out at once).
        early = [
            s
            for s in tape.seen
            if bucket_of(s) == bucket_of(no)
            and no.answered_at + 0.05 < s.sent_at
            and s.sent_at < no.answered_at + 0.95
        ]
        assert early == [], (no, early)


async def test_429_without_retry_after_loses_nothing(box: Box) -> None:
    tape, done, rate_limited = await faulty_run(box, retry_after=None)
    assert len(tape.too_many()) == rate_limited == 6
    assert done > 0


async def test_sync_and_async_clients_in_one_process_share_one_budget(box: Box) -> None:
    config = box.config()
    tape = Tape()
    sync_client = KalshiClient(config=config, transport=Taped(tape))
    async with AsyncKalshiClient(config=config, transport=TapedAsync(tape)) as async_client:
        assert sync_client.rate_limiter is async_client.rate_limiter
        ticker = next(box.tickers)
        started = time.monotonic()
        deadline = started + 5.0
        sync_done: list[int] = []

        def sync_reader() -> None:
            count = 0
            while time.monotonic() < deadline:
                sync_client.markets.get(ticker)
                count += 1
            sync_done.append(count)

        threads = [threading.Thread(target=sync_reader) for _ in range(4)]
        for thread in threads:
            thread.start()
        reads = itertools.cycle(reads_for(async_client, ticker))

        async def read() -> None:
            await next(reads)()

        async_done = await asyncio.gather(*(run_until(deadline, read) for _ in range(8)))
        for thread in threads:
            await asyncio.to_thread(thread.join)
        elapsed = time.monotonic() - started
        stats = async_client.rate_limiter.stats()
    sync_client.close()
    assert tape.too_many() == []  # two budgets' worth would have drawn 429s
    assert sum(sync_done) > 0
    assert sum(async_done) > 0
    assert stats.read.tokens >= 0.8 * BASIC.read.rate * elapsed  # both pushed past one budget


@dataclass
class Worker:
    """What one process on the shared key did."""

    requests: int = 0
    too_many: int = 0
    read_tokens: float = 0.0
    write_tokens: float = 0.0
    elapsed: float = 0.0


async def hammer_one_key(config: APIConfig, ticker: str, start: Any, seconds: float) -> Worker:
    """Six tasks (two placing and cancelling, four reading) flat out for ``seconds``."""
    tape = Tape()
    async with AsyncKalshiClient(config=config, transport=TapedAsync(tape)) as client:
        await client.orders.create(
            ticker, side="yes", action="buy", count=1, price_cents=1, dry_run=True
        )  # reads the tick grid before the start, as every process would at once
        reads = itertools.cycle(reads_for(client, ticker))

        async def read() -> None:
            with contextlib.suppress(RateLimited):  # counted on the tape; keep going
                await next(reads)()

        async def write() -> None:
            with contextlib.suppress(RateLimited):
                placed = await place_far(client, ticker)
                await client.orders.cancel(placed.order_id, market_ticker=ticker)

        await asyncio.to_thread(start.wait)  # every process starts together
        before = client.rate_limiter.stats()  # the grid read above is not part of the run
        started = time.monotonic()
        deadline = started + seconds
        steps = [write if n < 2 else read for n in range(6)]
        await asyncio.gather(*(run_until(deadline, step) for step in steps))
        stats = client.rate_limiter.stats()
    elapsed = time.monotonic() - started
    read_tokens = stats.read.tokens - before.read.tokens
    write_tokens = stats.write.tokens - before.write.tokens
    return Worker(len(tape.seen), len(tape.too_many()), read_tokens, write_tokens, elapsed)


def worker_process(url: str, key_id: str, pem: str, ticker: str, start: Any, out: Any) -> None:
    config = APIConfig.resolve(
        "local", rest_url=url, api_key_id=key_id, private_key_pem=pem, environ={}, dotenv_path=False
    )
    out.put(asdict(asyncio.run(hammer_one_key(config, ticker, start, seconds=5.0))))


def test_four_processes_on_one_key_share_its_budget_and_draw_no_429(
    box: Box, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KALSHI_RATE_STATE_DIR", str(tmp_path / "rate"))  # the children inherit it
    monkeypatch.delenv("KALSHI_RATE_SHARED", raising=False)
    key = generate_private_key("ed25519")
    made = box.admin("POST", "/users", {"public_key_pem": public_key_pem(key)})
    context = multiprocessing.get_context("spawn")
    start, out = context.Barrier(4), context.Queue()
    args = (box.url, made["api_key_id"], private_key_to_pem(key), next(box.tickers), start, out)
    processes = [context.Process(target=worker_process, args=args) for _ in range(4)]
    for process in processes:
        process.start()
    workers = [Worker(**out.get(timeout=60)) for _ in processes]
    for process in processes:
        process.join(30)
    assert [w.too_many for w in workers] == [0, 0, 0, 0]
    assert all(w.requests > 0 for w in workers)  # nobody starved
    elapsed = max(w.elapsed for w in workers)
    # Together near the whole budget (so "no 429" means something), never over it; the exact
    # fraction is bench/bench_ratelimit.py's.
    for spent, spec in (
        (sum(w.read_tokens for w in workers), BASIC.read),
        (sum(w.write_tokens for w in workers), BASIC.write),
    ):
        assert spent >= 0.8 * spec.rate * elapsed
        assert spent <= spec.capacity + spec.rate * elapsed
