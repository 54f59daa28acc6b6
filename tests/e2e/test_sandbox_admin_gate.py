"""The admin API is the user's alone: direct loopback calls, never a proxy's or a web page's.

A remote caller claiming loopback through ``X-Forwarded-For`` (uvicorn told to trust every
proxy), a cross-origin ``text/plain`` or form POST, a DNS-rebound ``Host``, a foreign ``Origin``,
``Sec-Fetch-Site: cross-site``: each is refused (403, or 415 for a body that is not JSON) and
changes nothing, while the user's own calls (httpx, the CLI, a page the sandbox serves itself)
still work. State is read back through the API: the trading flag, balances, the state digest.
"""

from __future__ import annotations

import string
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from _hostile_kit import admin_url, error_of, host_and_port, own_address
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kalshikit.sandbox.api.app import create_app
from kalshikit.sandbox.server import default_exchange, running

if TYPE_CHECKING:
    from conftest import Sandbox, User

ADMIN = "/sandbox/admin"
PAUSE = {"active": False}


async def _trading_active(box: Sandbox) -> bool:
    status = await box.public("/exchange/status")
    return bool(status.json()["trading_active"])


async def _pause(box: Sandbox, headers: dict[str, str]) -> httpx.Response:
    """Try to pause trading with the given headers (a JSON body unless they say otherwise)."""
    headers = {"content-type": "application/json"} | headers
    return await box.http.post(ADMIN + "/trading", content=b'{"active": false}', headers=headers)


# --- the peer: the socket's address, never a header -----------------------------------------------


def test_a_remote_caller_cannot_pass_for_loopback_with_x_forwarded_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    address = own_address()
    if address is None:
        pytest.skip("this machine has no non-loopback address to call the sandbox from")
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "*")  # uvicorn would trust any proxy's header
    with running(default_exchange(seed=5, markets=10), host=address) as url:
        port = host_and_port(url)[1]
        spoofed = {"x-forwarded-for": "127.0.0.1", "host": f"127.0.0.1:{port}"}
        answer = httpx.post(f"{admin_url(url)}/trading", json=PAUSE, headers=spoofed)
        status = httpx.get(f"{url}/exchange/status").json()
    assert error_of(answer, 403)["code"] == "forbidden"
    assert status["trading_active"] is True


def test_x_forwarded_for_does_not_make_a_caller_someone_else(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Unsigned callers are metered per address: were the header believed, each made-up address
    # would get a fresh bucket. Basic: a 200-token read bucket, 10 per call.
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "*")
    with running(default_exchange(seed=5, markets=10), tier="basic") as url, httpx.Client() as http:
        statuses = {
            http.get(
                f"{url}/exchange/status", headers={"x-forwarded-for": f"203.0.113.{n}"}
            ).status_code
            for n in range(60)
        }
    assert 429 in statuses


@pytest.mark.parametrize(
    ("peer", "status"),
    [("::ffff:127.0.0.1", 200), ("::1", 200), ("::ffff:203.0.113.9", 403), ("203.0.113.9", 403)],
)
async def test_the_peer_address_decides_ipv4_mapped_included(
    box: Sandbox, peer: str, status: int
) -> None:
    # A sandbox listening on a dual-stack socket sees an IPv4 caller as ::ffff:a.b.c.d.
    transport = httpx.ASGITransport(app=create_app(box.exchange), client=(peer, 4000))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
        answer = await http.get(ADMIN + "/state")
    assert answer.status_code == status, answer.text


@pytest.mark.parametrize(
    ("header", "value"),
    [("x-forwarded-for", "203.0.113.9"), ("forwarded", "for=203.0.113.9"), ("x-real-ip", "::1")],
)
async def test_a_relayed_request_is_refused_even_from_loopback(
    box: Sandbox, header: str, value: str
) -> None:
    # A proxy on this machine relays other people's calls: its own address proves nothing.
    answer = await _pause(box, {header: value})
    assert "proxy" in error_of(answer, 403)["message"]
    assert await _trading_active(box)


# --- what a browser can send across origins without asking ----------------------------------------


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "text/plain;charset=UTF-8",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        None,
    ],
)
async def test_a_deposit_that_is_not_declared_json_is_refused(
    box: Sandbox, alice: User, content_type: str | None
) -> None:
    before = (await alice.get("/portfolio/balance")).json()["balance"]
    headers = {} if content_type is None else {"content-type": content_type}
    answer = await box.http.post(
        f"{ADMIN}/users/{alice.user_id}/deposit", content=b'{"cents": 500}', headers=headers
    )
    assert error_of(answer, 415)["code"] == "unsupported_media_type"
    assert (await alice.get("/portfolio/balance")).json()["balance"] == before


async def test_a_text_plain_trading_pause_is_refused(box: Sandbox) -> None:
    answer = await _pause(box, {"content-type": "text/plain"})
    error_of(answer, 415)
    assert await _trading_active(box)


async def test_json_with_a_charset_and_bodiless_writes_still_work(box: Sandbox) -> None:
    answer = await _pause(box, {"content-type": "Application/JSON; charset=utf-8"})
    assert answer.status_code == 200, answer.text
    assert not await _trading_active(box)
    assert (await box.http.post(ADMIN + "/advance")).status_code == 200  # no body, no type
    assert (await box.http.delete(ADMIN + "/faults")).status_code == 200


# --- Host: against DNS rebinding ------------------------------------------------------------


@pytest.mark.parametrize(
    "host",
    [
        "evil.example",
        "evil.example:80",
        "127.0.0.1.nip.io",
        "localhost.evil.example",
        "0.0.0.0",
        "192.0.2.2",
        "[::1",
        "localhost:",
        "",
    ],
)
async def test_a_request_not_addressed_to_loopback_is_refused(box: Sandbox, host: str) -> None:
    answer = await _pause(box, {"host": host})
    assert "Host" in error_of(answer, 403)["message"]
    assert await _trading_active(box)


@pytest.mark.parametrize("host", ["localhost", "LOCALHOST", "127.0.0.1", "[::1]", "127.0.0.2"])
async def test_every_loopback_name_is_served(box: Sandbox, host: str) -> None:
    answer = await box.http.get(ADMIN + "/state", headers={"host": host})
    assert answer.status_code == 200, answer.text


_HOST_CHARS = string.ascii_letters + string.digits + ".-:[]_"
# The examples only read (GET /state), so one sandbox serves them all.
_SHARED_BOX = HealthCheck.function_scoped_fixture


@given(host=st.text(alphabet=_HOST_CHARS, max_size=40))
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
async def test_any_other_host_is_refused(box: Sandbox, host: str) -> None:
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    if name.lower() in ("localhost", "[::1]") or name.startswith("127."):
        return  # a loopback name (maybe with a port): served, tested above
    answer = await box.http.get(ADMIN + "/state", headers={"host": host})
    error_of(answer, 403)


# --- Origin and Sec-Fetch-Site -------------------------------------------------------------


@pytest.mark.parametrize(
    "origin",
    [
        "http://evil.example",
        "null",
        "http://localhost:3000",  # another local server: another origin
        "https://127.0.0.1",
        "http://127.0.0.1.evil.example",
        "file://",
        "http://127.0.0.1/",
    ],
)
async def test_a_page_of_another_origin_is_refused(box: Sandbox, origin: str) -> None:
    answer = await _pause(box, {"origin": origin})
    assert "origin" in error_of(answer, 403)["message"]
    assert await _trading_active(box)


@pytest.mark.parametrize("origin", ["http://127.0.0.1", "http://localhost", "http://[::1]:80"])
async def test_the_sandboxs_own_origin_is_served(box: Sandbox, origin: str) -> None:
    answer = await _pause(box, {"origin": origin, "sec-fetch-site": "same-origin"})
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize("site", ["cross-site", "same-site"])
async def test_a_browser_request_from_another_site_is_refused(box: Sandbox, site: str) -> None:
    answer = await _pause(box, {"sec-fetch-site": site})
    error_of(answer, 403)
    assert await _trading_active(box)


async def test_a_page_the_user_opened_directly_is_served(box: Sandbox) -> None:
    answer = await box.http.get(ADMIN + "/state", headers={"sec-fetch-site": "none"})
    assert answer.status_code == 200, answer.text


# --- ports, over a real socket -------------------------------------------------------------


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[str, int]]:
    with running(default_exchange(seed=6, markets=10)) as url:
        yield admin_url(url), host_and_port(url)[1]


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 200),  # httpx sends Host 127.0.0.1:PORT
        ({"host": "localhost:{port}"}, 200),
        ({"host": "[::1]:{port}", "origin": "http://localhost:{port}"}, 200),
        ({"host": "localhost:{other}"}, 403),
        ({"host": "127.0.0.1"}, 403),  # port 80: not the sandbox's
        ({"origin": "http://127.0.0.1:{other}"}, 403),  # another local server's page
        ({"origin": "http://127.0.0.1"}, 403),
    ],
)
def test_host_and_origin_must_name_the_sandboxs_own_port(
    served: tuple[str, int], headers: dict[str, str], status: int
) -> None:
    url, port = served
    filled: dict[str, Any] = {
        k: v.format(port=port, other=port + 1 if port < 65535 else port - 1)
        for k, v in headers.items()
    }
    answer = httpx.get(f"{url}/state", headers=filled)
    assert answer.status_code == status, answer.text
