"""End-to-end set-up: a real Exchange from the seeded catalog, the real app, real signed requests.

Nothing is mocked. ``sandbox`` serves the app in-process (httpx.ASGITransport) with a fake
clock shared by the exchange, the signature window and the token buckets, so rate-limit tests
are exact; ``User`` signs every request with a real RSA or Ed25519 key.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from kalshikit.auth import PrivateKey, Signer, generate_private_key, public_key_pem
from kalshikit.models import Market
from kalshikit.sandbox.api.app import create_app
from kalshikit.sandbox.catalog import Catalog, build_catalog
from kalshikit.sandbox.exchange.exchange import Exchange

NOW = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
PREFIX = "/trade-api/v2"
ADMIN = "/sandbox/admin"


class FakeClock:
    """Epoch ms that moves only when a test says so."""

    def __init__(self, start: datetime) -> None:
        self.ms = int(start.timestamp() * 1000)

    def __call__(self) -> int:
        return self.ms

    def advance(self, seconds: float) -> None:
        self.ms += int(seconds * 1000)


@pytest.fixture(scope="session")
def rsa_key() -> PrivateKey:
    return generate_private_key("rsa")


@pytest.fixture(scope="session")
def other_rsa_key() -> PrivateKey:
    return generate_private_key("rsa")


@pytest.fixture(scope="session")
def ed25519_key() -> PrivateKey:
    return generate_private_key("ed25519")


@dataclass
class User:
    """A sandbox user whose every request is signed (with the sandbox's clock)."""

    user_id: str
    signer: Signer
    box: Sandbox

    async def request(
        self, method: str, path: str, *, params: Any = None, json: Any = None, content: Any = None
    ) -> httpx.Response:
        headers = self.signer.headers(method, PREFIX + path, now_ms=self.box.clock())
        return await self.box.http.request(
            method, PREFIX + path, params=params, json=json, content=content, headers=headers
        )

    async def get(self, path: str, **params: Any) -> httpx.Response:
        return await self.request("GET", path, params=params or None)

    async def post(self, path: str, json: Any = None) -> httpx.Response:
        return await self.request("POST", path, json=json)

    async def put(self, path: str, json: Any = None) -> httpx.Response:
        return await self.request("PUT", path, json=json)

    async def delete(self, path: str, json: Any = None) -> httpx.Response:
        return await self.request("DELETE", path, json=json)

    async def snapshot(self) -> tuple[object, object]:
        """The user's orders and balance as the API shows them (for "nothing changed" checks)."""
        orders = (await self.get("/portfolio/orders", limit=1000)).json()
        balance = (await self.get("/portfolio/balance")).json()
        return orders, balance


@dataclass
class Sandbox:
    http: httpx.AsyncClient
    exchange: Exchange
    catalog: Catalog
    clock: FakeClock
    keys: dict[str, PrivateKey] = field(default_factory=dict)

    async def public(self, path: str, **params: Any) -> httpx.Response:
        return await self.http.get(PREFIX + path, params=params or None)

    async def admin(self, method: str, path: str, json: Any = None) -> httpx.Response:
        return await self.http.request(method, ADMIN + path, json=json)

    async def user(
        self, key: PrivateKey, *, tier: str | None = None, balance_cents: int | None = None
    ) -> User:
        body: dict[str, Any] = {"public_key_pem": public_key_pem(key)}
        if tier is not None:
            body["tier"] = tier
        if balance_cents is not None:
            body["balance_cents"] = balance_cents
        answer = await self.admin("POST", "/users", body)
        assert answer.status_code == 200, answer.text
        created = answer.json()
        return User(created["user_id"], Signer(created["api_key_id"], key), self)

    def signed_as(self, user_id: str, signer: Signer) -> User:
        return User(user_id, signer, self)

    def market(self, structure: str = "linear_cent") -> Market:
        """An open market on the given price grid."""
        return next(
            m
            for m in self.catalog.markets
            if m.status == "active" and m.price_level_structure == structure
        )


async def open_sandbox(**app_options: Any) -> tuple[Sandbox, httpx.AsyncClient]:
    clock = FakeClock(NOW)
    catalog = build_catalog(seed=7, markets=200, now=NOW)
    exchange = Exchange(catalog, clock=clock, seed=7)
    app = create_app(exchange, clock=clock, **app_options)
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1")
    return Sandbox(http, exchange, catalog, clock), http


@pytest.fixture
async def box() -> AsyncIterator[Sandbox]:
    """A sandbox whose users get the Prime budget: tests that are not about limits stay clear."""
    sandbox, http = await open_sandbox(tier="prime")
    async with http:
        yield sandbox


@pytest.fixture
async def basic_box() -> AsyncIterator[Sandbox]:
    """A sandbox on the Basic tier (read 200 tokens, write 200 tokens, 10 per order)."""
    sandbox, http = await open_sandbox(tier="basic")
    async with http:
        yield sandbox


@pytest.fixture
async def unlimited_box() -> AsyncIterator[Sandbox]:
    """A Basic-tier sandbox with rate limits lifted (as for benchmarks)."""
    sandbox, http = await open_sandbox(tier="basic", limits_enabled=False)
    async with http:
        yield sandbox


@pytest.fixture
async def alice(box: Sandbox, rsa_key: PrivateKey) -> User:
    return await box.user(rsa_key)


@pytest.fixture
async def bob(box: Sandbox, ed25519_key: PrivateKey) -> User:
    return await box.user(ed25519_key)
