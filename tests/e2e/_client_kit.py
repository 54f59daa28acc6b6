"""Client end-to-end set-up: one real sandbox over loopback HTTP, fresh users, fresh markets.

Nothing is mocked. The sandbox runs in a thread for the whole session (``running``); each test
gets its own users (so their orders and balances are theirs alone) and markets nobody else in
the session trades (``Kit.market``). Clients send through ``Wire``, a real HTTP transport that
only remembers what passed, so a test can say "no write left the machine" exactly; the admin
state digest says the same from the exchange's side.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from kalshikit import APIConfig, AsyncKalshiClient, KalshiClient
from kalshikit.auth import generate_private_key, private_key_to_pem, public_key_pem
from kalshikit.endpoints import REST_PREFIX
from kalshikit.http._core import RetryPolicy
from kalshikit.sandbox.server import default_exchange, running

# The session sandbox's signature window, short so that a create the client must resend waits
# it out quickly (client and sandbox share the clock: no allowance for skew is needed).
WINDOW_MS = 2_000
QUICK = RetryPolicy(max_retries=3, base_delay=0.005, max_delay=0.01, resend_after=WINDOW_MS / 1000)
STRUCTURES = ("linear_cent", "deci_cent", "tapered_deci_cent")
SHARD_ONE = "shard_one"  # the pool of markets on exchange_index 1 (combos), whatever their grid
Seen = list[tuple[str, str]]


class Wire(httpx.HTTPTransport):
    """Real HTTP, remembering (method, path) of each request. ``before`` runs before a request
    leaves and ``after`` once its answer is in (tests use them to look or to crash)."""

    def __init__(
        self,
        before: Callable[[httpx.Request], None] | None = None,
        after: Callable[[httpx.Request], None] | None = None,
    ) -> None:
        super().__init__()
        self.seen: Seen = []
        self.before, self.after = before, after

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append((request.method, request.url.path.removeprefix(REST_PREFIX)))
        if self.before is not None:
            self.before(request)
        response = super().handle_request(request)
        if self.after is not None:
            response.read()
            self.after(request)
        return response

    @property
    def writes(self) -> Seen:
        return [(method, path) for method, path in self.seen if method != "GET"]


class AsyncWire(httpx.AsyncHTTPTransport):
    def __init__(self) -> None:
        super().__init__()
        self.seen: Seen = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append((request.method, request.url.path.removeprefix(REST_PREFIX)))
        return await super().handle_async_request(request)

    @property
    def writes(self) -> Seen:
        return [(method, path) for method, path in self.seen if method != "GET"]


@dataclass(frozen=True)
class Account:
    user_id: str
    api_key_id: str
    pem: str


@dataclass
class Pool:
    """Open markets by price grid, each handed out once per session; ``quiet`` is one where
    nothing is ever placed (for tests that must send nothing)."""

    tickers: dict[str, Iterator[str]]
    quiet: str = ""

    def take(self, structure: str) -> str:
        ticker = next(self.tickers[structure], None)
        if ticker is None:
            raise RuntimeError(f"the session sandbox has no unused {structure} market left")
        return ticker


@dataclass
class Kit:
    """The sandbox as a test uses it: admin calls, users, clients, markets."""

    url: str
    pool: Pool
    opened: list[KalshiClient] = field(default_factory=list)

    @property
    def admin_url(self) -> str:
        return self.url.replace(REST_PREFIX, "/sandbox/admin")

    def admin(self, method: str, path: str, json: Any = None) -> Any:
        answer = httpx.request(method, self.admin_url + path, json=json)
        assert answer.is_success, answer.text
        return answer.json()

    def account(self, balance_cents: int | None = None) -> Account:
        key = generate_private_key("ed25519")
        body: dict[str, Any] = {"public_key_pem": public_key_pem(key)}
        if balance_cents is not None:
            body["balance_cents"] = balance_cents
        made = self.admin("POST", "/users", body)
        return Account(made["user_id"], made["api_key_id"], private_key_to_pem(key))

    def config(self, account: Account) -> APIConfig:
        return APIConfig.resolve(
            "local",
            rest_url=self.url,
            api_key_id=account.api_key_id,
            private_key_pem=account.pem,
            environ={},
            dotenv_path=False,
        )

    def client(self, account: Account | None = None, **options: Any) -> KalshiClient:
        options.setdefault("transport", Wire())
        client = KalshiClient(config=self.config(account or self.account()), **options)
        client.retry_policy = QUICK
        self.opened.append(client)
        return client

    def async_client(self, account: Account | None = None, **options: Any) -> AsyncKalshiClient:
        options.setdefault("transport", AsyncWire())
        client = AsyncKalshiClient(config=self.config(account or self.account()), **options)
        client.retry_policy = QUICK
        return client

    def market(self, structure: str = "linear_cent") -> str:
        """A ticker on the given grid that no other test of the session uses."""
        return self.pool.take(structure)

    def quiet_market(self) -> str:
        """A linear-cent market nobody trades: for tests that must not place anything."""
        return self.pool.quiet

    def arm(self, kind: str, count: int = 1, status: int = 503) -> None:
        self.admin("POST", "/faults", {"kind": kind, "count": count, "status": status})

    def digest(self) -> dict[str, Any]:
        state = self.admin("GET", "/state")
        assert isinstance(state, dict)
        return state

    def order_count(self) -> int:
        return len(self.digest()["orders"])


def wire_of(client: KalshiClient | AsyncKalshiClient) -> Wire | AsyncWire:
    transport = client._http._transport
    assert isinstance(transport, Wire | AsyncWire)
    return transport


@pytest.fixture(scope="session")
def sandbox_url() -> Iterator[str]:
    with running(
        default_exchange(seed=11), limits_enabled=False, signature_window_ms=WINDOW_MS
    ) as url:
        yield url


@pytest.fixture(scope="session")
def pool(sandbox_url: str) -> Pool:
    """Open markets of series without maker fees, so a resting order's balance is exact."""
    series = httpx.get(f"{sandbox_url}/series").json()["series"]
    maker_fees = {s["ticker"] for s in series if s["fee_type"] == "quadratic_with_maker_fees"}
    markets = httpx.get(f"{sandbox_url}/markets", params={"status": "open", "limit": 1000})
    by_structure: dict[str, list[str]] = {s: [] for s in (*STRUCTURES, SHARD_ONE)}
    shard_one = 0
    for market in markets.json()["markets"]:
        if market["ticker"].split("-", 1)[0] in maker_fees:
            continue
        pool_of = market["price_level_structure"]
        if market.get("exchange_index"):  # every other one is kept for the shard tests
            shard_one += 1
            pool_of = SHARD_ONE if shard_one % 2 else pool_of
        by_structure[pool_of].append(market["ticker"])
    pool = Pool({s: iter(tickers) for s, tickers in by_structure.items()})
    pool.quiet = pool.take("linear_cent")
    return pool


@pytest.fixture
def kit(sandbox_url: str, pool: Pool) -> Iterator[Kit]:
    kit = Kit(sandbox_url, pool)
    yield kit
    kit.admin("DELETE", "/faults")  # a test that failed mid-way must not leave one armed
    for client in kit.opened:
        client.close()


@pytest.fixture
def client(kit: Kit) -> KalshiClient:
    """A sync client signed in as a fresh user."""
    return kit.client()


@pytest.fixture
async def aclient(kit: Kit) -> AsyncIterator[AsyncKalshiClient]:
    """An async client signed in as a fresh user."""
    async with kit.async_client() as client:
        yield client
