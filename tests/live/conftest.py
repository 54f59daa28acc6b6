"""The live suite's targets: the same tests run against the sandbox always, and against Kalshi
when asked.

* ``local``: a sandbox on a free loopback port (``running()``) and a user made through its admin
  API. Not marked: plain ``pytest`` runs it, so CI proves the suite itself.
* ``demo``: ``APIConfig.resolve("demo")``, marked ``live``; skipped with one line naming the
  missing variable unless ``KALSHI_DEMO_API_KEY_ID`` and ``KALSHI_DEMO_PRIVATE_KEY_PATH`` (or
  ``KALSHI_DEMO_PRIVATE_KEY``) are set.
* ``prod``: reads only, marked ``live``; skipped unless ``KALSHI_LIVE_PROD=1`` is set. Its client
  refuses anything but GET before it is sent.

Reads and the public stream take the ``target`` fixture (local, demo, prod); trading and the
private order stream take ``trading_target`` (local, demo). Run the remote ones with
`make test-live` (`pytest -m live`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from itertools import islice

import httpx
import pytest
from _live_kit import ReadOnlyGate, Target

from kalshikit import KalshiClient
from kalshikit.auth import generate_private_key, private_key_to_pem, public_key_pem
from kalshikit.config import APIConfig
from kalshikit.models import Market
from kalshikit.sandbox.server import running

LOCAL_BALANCE_CENTS = 100_000


def missing_demo_credentials() -> str | None:
    """The first demo variable that is not set, or None when the suite can run."""
    if not os.environ.get("KALSHI_DEMO_API_KEY_ID"):
        return "KALSHI_DEMO_API_KEY_ID"
    if not (
        os.environ.get("KALSHI_DEMO_PRIVATE_KEY_PATH") or os.environ.get("KALSHI_DEMO_PRIVATE_KEY")
    ):
        return "KALSHI_DEMO_PRIVATE_KEY_PATH (or KALSHI_DEMO_PRIVATE_KEY)"
    return None


def prod_not_opted_in() -> bool:
    return os.environ.get("KALSHI_LIVE_PROD") != "1"


def sandbox_user(rest_url: str) -> APIConfig:
    """A fresh sandbox user (as tests/e2e make them): its key registered over the admin API."""
    key = generate_private_key("ed25519")
    body = {"public_key_pem": public_key_pem(key), "balance_cents": LOCAL_BALANCE_CENTS}
    admin = rest_url.removesuffix("/trade-api/v2") + "/sandbox/admin/users"
    answer = httpx.post(admin, json=body, timeout=10)
    answer.raise_for_status()
    return APIConfig.resolve(
        "local",
        rest_url=rest_url,
        api_key_id=answer.json()["api_key_id"],
        private_key_pem=private_key_to_pem(key),
        environ={},
        dotenv_path=False,
    )


@pytest.fixture(scope="session")
def local_target() -> Iterator[Target]:
    with running() as url, KalshiClient(config=sandbox_user(url)) as client:
        yield Target("local", client)


def demo_target() -> Target:
    missing = missing_demo_credentials()
    if missing is not None:
        pytest.skip(f"live demo test: {missing} is not set")
    return Target("demo", KalshiClient(config=APIConfig.resolve("demo")))


def prod_target() -> Target:
    if prod_not_opted_in():
        pytest.skip("live prod test: set KALSHI_LIVE_PROD=1 to run the read-only prod checks")
    client = KalshiClient(config=APIConfig.resolve("prod"))
    client.gate = ReadOnlyGate(client.gate)
    return Target("prod", client)


def open_target(request: pytest.FixtureRequest) -> Iterator[Target]:
    if request.param == "local":
        yield request.getfixturevalue("local_target")
        return
    target = demo_target() if request.param == "demo" else prod_target()
    with target.client:
        yield target


LIVE = pytest.mark.live


@pytest.fixture(
    scope="session",
    params=["local", pytest.param("demo", marks=LIVE), pytest.param("prod", marks=LIVE)],
)
def target(request: pytest.FixtureRequest) -> Iterator[Target]:
    """Where reads run: the sandbox, demo (with credentials), prod (with KALSHI_LIVE_PROD=1)."""
    yield from open_target(request)


@pytest.fixture(scope="session")
def an_open_market(target: Target) -> Market:
    """One open market of the target: the first of one page."""
    found = list(islice(target.client.markets.list(status="open", page_size=20), 1))
    assert found, f"no open market on {target.name}"
    return found[0]


@pytest.fixture(scope="session", params=["local", pytest.param("demo", marks=LIVE)])
def trading_target(request: pytest.FixtureRequest) -> Iterator[Target]:
    """Where orders are placed: the sandbox and demo; never prod."""
    yield from open_target(request)
