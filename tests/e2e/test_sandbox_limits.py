"""No input gives a 5xx or costs the sandbox: sizes, nesting and framing, end to end.

Deeply nested JSON, an oversized timestamp, bodies past the cap (signed or not), over-long
client order ids, a huge request head, nested and oversized WebSocket frames: each is refused
with a 4xx in Kalshi's error body (or a WebSocket error reply), changes nothing, and is read no
further than the cap. In-process (ASGI) where the app decides; over a real socket where the
server's reading is what is tested.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from _hostile_kit import (
    CHUNK,
    STUCK_S,
    Flood,
    admin_url,
    error_of,
    order_body,
    raw_request,
    status_of,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosedError

from kalshikit.auth import (
    HEADER_KEY,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    PrivateKey,
    Signer,
    generate_private_key,
    public_key_pem,
)
from kalshikit.endpoints import ENDPOINTS, REST_PREFIX, WS_PATH
from kalshikit.sandbox.api.websocket import MAX_FRAME_BYTES
from kalshikit.sandbox.gateway.head_limit import MAX_HEAD_BYTES
from kalshikit.sandbox.gateway.limits import MAX_ADMIN_BODY_BYTES, MAX_BODY_BYTES
from kalshikit.sandbox.server import default_exchange, running

if TYPE_CHECKING:
    from conftest import Sandbox, User

PREFIX = REST_PREFIX
# The signed writes that read a JSON body (the others take none and ignore one).
BODY_WRITES = (
    "orders.create", "orders.create_batch", "orders.cancel_batch", "orders.amend",
    "orders.decrease", "order_groups.create", "order_groups.set_limit",
)  # fmt: skip
# Under a field no body has: each model skips it, and skipping recurses (the batches too).
NESTED = b'{"x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"


def _path(name: str) -> str:
    """An endpoint's path with every parameter filled in."""
    path = ENDPOINTS[name].path
    for param in ("order_id", "order_group_id", "ticker", "series_ticker", "event_ticker"):
        path = path.replace("{" + param + "}", "X")
    return path


@pytest.fixture(scope="module")
def served() -> Iterator[str]:
    """A sandbox over a real socket (for what the server reads, not just what the app says)."""
    with running(default_exchange(seed=3, markets=20), limits_enabled=False) as url:
        yield url


@pytest.fixture(scope="module")
def served_user(served: str) -> Signer:
    key = generate_private_key("ed25519")
    made = httpx.post(f"{admin_url(served)}/users", json={"public_key_pem": public_key_pem(key)})
    return Signer(made.json()["api_key_id"], key)


# --- nesting and header values ------------------------------------------------------------------


@pytest.mark.parametrize("name", BODY_WRITES)
async def test_deeply_nested_json_is_a_clean_400_on_every_signed_write(
    box: Sandbox, alice: User, name: str
) -> None:
    ep = ENDPOINTS[name]
    before = box.exchange.state_digest()
    answer = await alice.request(ep.method, _path(name), content=NESTED)
    assert error_of(answer, 400)["code"] == "bad_request"
    assert box.exchange.state_digest() == before


async def test_a_deeply_nested_body_names_the_problem(box: Sandbox, alice: User) -> None:
    answer = await alice.request("POST", "/portfolio/events/orders", content=NESTED)
    assert "nested too deeply" in error_of(answer, 400)["message"]


async def test_an_oversized_timestamp_is_a_401_without_any_valid_key(box: Sandbox) -> None:
    headers = {HEADER_KEY: "nobody", HEADER_TIMESTAMP: "9" * 5000, HEADER_SIGNATURE: "AAAA"}
    answer = await box.http.get(PREFIX + "/portfolio/balance", headers=headers)
    assert error_of(answer, 401)["code"] == "invalid_timestamp"


# --- bodies: read after the signature, and no further than the cap ------------------------------


async def test_an_unsigned_body_is_never_read(box: Sandbox) -> None:
    flood = Flood(400 * 1024 * 1024)
    answer = await box.http.post(PREFIX + "/portfolio/events/orders", content=flood)
    assert error_of(answer, 401)["code"] == "missing_authentication"
    assert flood.pulled == 0
    assert answer.headers["connection"] == "close"


async def test_a_signed_body_past_the_cap_is_413_and_read_no_further(
    box: Sandbox, alice: User
) -> None:
    before = box.exchange.state_digest()
    flood = Flood(400 * 1024 * 1024)
    answer = await alice.request("POST", "/portfolio/events/orders", content=flood)
    assert error_of(answer, 413)["code"] == "payload_too_large"
    assert flood.pulled <= MAX_BODY_BYTES + CHUNK
    assert answer.headers["connection"] == "close"
    assert box.exchange.state_digest() == before


async def test_a_declared_length_past_the_cap_is_413_before_any_byte(
    box: Sandbox, alice: User
) -> None:
    flood = Flood(400 * 1024 * 1024)
    path = PREFIX + "/portfolio/events/orders"
    headers = alice.signer.headers("POST", path, now_ms=box.clock()) | {
        "content-length": str(flood.total)
    }
    answer = await box.http.post(path, content=flood, headers=headers)
    error_of(answer, 413)
    assert flood.pulled == 0


async def test_an_admin_body_past_its_cap_is_413(box: Sandbox) -> None:
    before = box.exchange.state_digest()
    flood = Flood(50 * 1024 * 1024)
    headers = {"content-type": "application/json"}
    answer = await box.http.post("/sandbox/admin/users", content=flood, headers=headers)
    error_of(answer, 413)
    assert flood.pulled <= MAX_ADMIN_BODY_BYTES + CHUNK
    assert box.exchange.state_digest() == before


def test_a_socket_that_declares_400_mb_unsigned_is_answered_and_closed_at_once(served: str) -> None:
    head = (
        b"POST /trade-api/v2/portfolio/events/orders HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/json\r\nContent-Length: 400000000\r\n\r\n"
    )
    answer = raw_request(served, head)  # not one body byte sent: the server must not wait
    assert status_of(answer) == 401


def test_a_socket_that_declares_400_mb_signed_is_413_at_once(
    served: str, served_user: Signer
) -> None:
    path = "/trade-api/v2/portfolio/events/orders"
    signed = "".join(f"{k}: {v}\r\n" for k, v in served_user.headers("POST", path).items())
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{signed}"
        "Content-Type: application/json\r\nContent-Length: 400000000\r\n\r\n"
    ).encode()
    answer = raw_request(served, head)
    assert status_of(answer) == 413
    assert b"payload_too_large" in answer


# --- field sizes ----------------------------------------------------------------------------------


async def test_a_client_order_id_of_128_characters_is_taken_and_129_refused(
    box: Sandbox, alice: User
) -> None:
    ticker = box.market().ticker
    path = "/portfolio/events/orders"
    taken = await alice.post(path, order_body(ticker, client_order_id="a" * 128))
    assert taken.status_code == 201, taken.text
    before = box.exchange.state_digest()
    refused = await alice.post(path, order_body(ticker, client_order_id="b" * 129))
    assert error_of(refused, 400)["details"] == "client_order_id"
    assert box.exchange.state_digest() == before


async def test_a_10_mb_client_order_id_is_refused_unread(box: Sandbox, alice: User) -> None:
    before = box.exchange.state_digest()
    body = order_body(box.market().ticker, client_order_id="c" * 10_000_000)
    answer = await alice.post("/portfolio/events/orders", body)
    error_of(answer, 413)
    assert box.exchange.state_digest() == before


async def test_one_long_client_order_id_refuses_the_whole_batch(box: Sandbox, alice: User) -> None:
    ticker = box.market().ticker
    orders = [
        order_body(ticker, client_order_id="ok-1"),
        order_body(ticker, client_order_id="x" * 200),
    ]
    before = box.exchange.state_digest()
    answer = await alice.post("/portfolio/events/orders/batched", {"orders": orders})
    assert error_of(answer, 400)["details"] == "orders[1].client_order_id"
    assert box.exchange.state_digest() == before


async def test_an_amend_to_a_long_client_order_id_is_refused(box: Sandbox, alice: User) -> None:
    ticker = box.market().ticker
    placed = await alice.post("/portfolio/events/orders", order_body(ticker, client_order_id="a1"))
    order_id = placed.json()["order_id"]
    before = box.exchange.state_digest()
    amend = order_body(
        ticker, count="3.00", client_order_id="a1", updated_client_order_id="u" * 500
    )
    del amend["time_in_force"], amend["self_trade_prevention_type"]
    answer = await alice.post(f"/portfolio/events/orders/{order_id}/amend", amend)
    assert error_of(answer, 400)["details"] == "updated_client_order_id"
    assert box.exchange.state_digest() == before


async def test_an_expiration_past_year_9999_is_refused_and_orders_still_read(
    box: Sandbox, alice: User
) -> None:
    before = box.exchange.state_digest()
    body = order_body(box.market().ticker, expiration_time=253402300800)
    answer = await alice.post("/portfolio/events/orders", body)
    assert error_of(answer, 400)["code"] == "invalid_order"
    assert box.exchange.state_digest() == before
    assert (await alice.get("/portfolio/orders")).status_code == 200


@pytest.mark.parametrize("field", ["user_id", "api_key_id"])
async def test_admin_ids_past_128_characters_are_refused(
    box: Sandbox, ed25519_key: PrivateKey, field: str
) -> None:
    before = box.exchange.state_digest()
    body = {"public_key_pem": public_key_pem(ed25519_key), field: "u" * 129}
    answer = await box.admin("POST", "/users", body)
    assert error_of(answer, 400)["details"] == field
    assert box.exchange.state_digest() == before


async def test_a_retry_after_that_could_split_a_header_is_refused(box: Sandbox) -> None:
    fault = {"kind": "status", "status": 503, "retry_after": "1\r\nSet-Cookie: x=1"}
    error_of(await box.admin("POST", "/faults", fault), 400)
    pending = (await box.admin("GET", "/faults")).json()
    assert pending["status_count"] == 0
    assert (await box.public("/exchange/status")).status_code == 200


# --- the request head ----------------------------------------------------------------------------


def test_a_request_head_past_the_cap_is_431_and_the_connection_closed(served: str) -> None:
    head = b"GET /trade-api/v2/exchange/status HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: "
    answer = raw_request(served, head + b"a" * (8 * MAX_HEAD_BYTES))  # never ends its headers
    assert status_of(answer) == 431
    assert b"request_header_fields_too_large" in answer


def test_a_head_just_under_the_cap_is_served(served: str) -> None:
    pad = b"a" * (MAX_HEAD_BYTES - 1024)
    head = b"GET /trade-api/v2/exchange/status HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    answer = raw_request(served, head + b"X-Pad: " + pad + b"\r\nConnection: close\r\n\r\n")
    assert status_of(answer) == 200


# --- WebSocket ----------------------------------------------------------------------------------


@pytest.fixture
async def feed(served: str, served_user: Signer) -> AsyncIterator[Any]:
    ws_url = served.replace("http://", "ws://").replace(REST_PREFIX, WS_PATH)
    async with connect(ws_url, additional_headers=served_user.ws_headers(ws_url)) as ws:
        yield ws


async def _reply(ws: Any, frame: str | bytes) -> dict[str, Any]:
    await ws.send(frame)
    answer: dict[str, Any] = json.loads(await ws.recv())
    return answer


async def test_a_nested_ws_command_gets_an_error_and_the_socket_stays(feed: Any) -> None:
    nested = '{"id": 1, "cmd": "subscribe", "params": ' + "[" * 100_000 + "]" * 100_000 + "}"
    error = await _reply(feed, nested)
    assert error["type"] == "error"
    assert error["msg"]["code"] == 1
    listed = await _reply(feed, json.dumps({"id": 2, "cmd": "list_subscriptions"}))
    assert (listed["id"], listed["type"]) == (2, "ok")


async def test_a_ws_frame_past_the_cap_closes_with_1009(feed: Any) -> None:
    await feed.send("x" * (MAX_FRAME_BYTES + 1))
    with pytest.raises(ConnectionClosedError) as closed:
        await feed.recv()
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1009


# Commands of every shape, real channels and parameters mixed with any JSON, and frames that
# are not commands at all.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
params = st.fixed_dictionaries(
    {},
    optional={
        "channels": st.lists(st.sampled_from(["ticker", "trade", "orderbook_delta", "x"]))
        | json_values,
        "market_ticker": st.text(max_size=12) | json_values,
        "market_tickers": st.lists(st.text(max_size=12), max_size=3) | json_values,
        "sids": st.lists(st.integers(-2, 3), max_size=3) | json_values,
        "sid": st.integers(-2, 3) | json_values,
        "action": st.sampled_from(["add_markets", "delete_markets", "get_snapshot"]) | json_values,
    },
)
commands = st.fixed_dictionaries(
    {
        "id": st.integers(-1, 2**64) | json_values,
        "cmd": st.sampled_from(
            ["subscribe", "unsubscribe", "update_subscription", "list_subscriptions"]
        )
        | st.text(max_size=10),
    },
    optional={"params": params | json_values},
).map(json.dumps)
frames = commands | json_values.map(json.dumps) | st.binary(max_size=30) | st.text(max_size=30)


@given(frame=frames)
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
async def test_no_ws_command_drops_the_socket(feed: Any, frame: str | bytes) -> None:
    # One connection for every example: it must still answer after each hostile frame.
    await feed.send(frame)
    await feed.send(json.dumps({"id": 999_999, "cmd": "list_subscriptions"}))
    while True:
        answer = json.loads(await asyncio.wait_for(feed.recv(), STUCK_S))
        if answer.get("id") == 999_999 and answer["type"] == "ok":
            return
