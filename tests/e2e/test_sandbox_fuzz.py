"""Every route of the sandbox under hostile input: never a 5xx, and a refusal changes nothing.

Hypothesis draws requests against every route the app serves (REST, admin, and paths it does not
know): real and absurd path parameters, query strings, bodies (valid orders with one field made
hostile, any JSON, bytes, nesting bombs, bodies past the cap) and headers (good, missing, forged
and garbage signatures; content types, origins, hosts, proxy headers). For each: the answer is
below 500 and in Kalshi's error shape when it refuses, and the exchange's state digest (read
through ``GET /sandbox/admin/state``, as a user would) is the same after a refusal as before.
The sandbox runs in-process (ASGI), with rate limits off so the requests reach the handlers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import httpx
import msgspec
import pytest
from _hostile_kit import order_body
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.routing import Route

from kalshikit.auth import (
    HEADER_KEY,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    Signer,
    generate_private_key,
    public_key_pem,
)
from kalshikit.sandbox.api.app import ADMIN_PREFIX, create_app
from kalshikit.sandbox.catalog import build_catalog
from kalshikit.sandbox.exchange.exchange import Exchange
from kalshikit.sandbox.gateway.limits import MAX_BODY_BYTES

NOW = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
NOW_MS = int(NOW.timestamp() * 1000)
EXAMPLES = 200  # the random requests
PER_FIELD = 4  # drawn values per body field (after its type's extremes)

# --- what to send -----------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=10,
)
hostile_scalars = st.one_of(
    st.sampled_from(
        ["", "0", "-1", "0.5", "0.4000", "1.00", "1e9", "NaN", "-0", " 1", "0.00001", "\x00",
         "a" * 300, "é" * 50, "../..", "%00", "true", "bid", "ask", "yes", "good_till_canceled"]
    ),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([2**63 - 1, 2**64, -(2**63), 10**18, 253402300800, 0, -1]),
    st.booleans(),
    st.none(),
    st.text(max_size=20),
    json_values,
)  # fmt: skip
FIELDS = (
    "ticker", "side", "count", "price", "time_in_force", "self_trade_prevention_type",
    "client_order_id", "expiration_time", "post_only", "cancel_order_on_pause", "reduce_only",
    "subaccount", "order_group_id", "exchange_index", "orders", "order_id", "market_ticker",
    "updated_client_order_id", "reduce_by", "reduce_to", "contracts_limit", "contracts_limit_fp",
    "public_key_pem", "balance_cents", "tier", "user_id", "api_key_id", "cents", "result",
    "active", "kind", "status", "connection_id", "sid", "delay_ms", "retry_after",
)  # fmt: skip
PARAMS = (
    "limit", "cursor", "ticker", "tickers", "status", "depth", "series_ticker", "event_ticker",
    "min_ts", "max_ts", "start_ts", "end_ts", "period_interval", "market_tickers", "order_id",
    "with_nested_markets", "include_latest_before_start", "settlement_status", "exchange_index",
    "market_ticker", "mve_filter", "min_close_ts", "category", "tags", "subaccount",
)  # fmt: skip
NESTED = b'{"orders":' + b"[" * 50_000 + b"]" * 50_000 + b"}"
OVERSIZED = b'{"ticker": "' + b"x" * MAX_BODY_BYTES + b'"}'
header_bytes = st.binary(max_size=40).map(
    lambda b: bytes(c for c in b if c >= 0x20 and c != 0x7F)  # no control characters
) | st.sampled_from([b"9" * 5000, b"\xff\xfe", b"", b"a" * 2000])


@dataclass(frozen=True)
class Probe:
    """One request: what hypothesis shows when an example fails."""

    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    body: bytes | None
    auth: str
    headers: tuple[tuple[str, bytes], ...]


Target = tuple[str, str]  # (method, path template)


@dataclass
class Targets:
    """The routes, real values for their path parameters and a valid body for each route that
    takes one, so that the requests get past the checks and the handlers act."""

    routes: list[Target]
    known: dict[str, list[str]] = field(default_factory=dict)
    valid: dict[Target, dict[str, Any]] = field(default_factory=dict)

    def fill(self, template: str) -> str:
        """The path with each parameter a real value."""
        for name, values in self.known.items():
            template = template.replace("{" + name + "}", quote(values[0], safe=""))
        return template


@st.composite
def bodies(draw: st.DrawFn, targets: Targets, route: Target) -> bytes | None:
    # Half are the route's valid body with up to three fields spoiled (some left whole, so
    # the handlers act too); the rest none, bytes, any JSON, a bomb or a body past the cap.
    kind = draw(st.sampled_from(["valid"] * 4 + ["none", "bytes", "json", "special"]))
    if kind == "none":
        return None
    if kind == "bytes":
        return draw(st.binary(max_size=64))
    if kind == "json":
        return msgspec.json.encode(draw(json_values))
    if kind == "special":
        return draw(st.sampled_from([b"{}", b"[]", b"null", b'{"orders": []}', NESTED, OVERSIZED]))
    base = msgspec.json.decode(msgspec.json.encode(targets.valid.get(route, {})))
    orders = base.get("orders")
    target = orders[0] if isinstance(orders, list) and orders and draw(st.booleans()) else base
    own = st.sampled_from(sorted(target)) if target else st.sampled_from(FIELDS)
    for _ in range(draw(st.sampled_from([0, 0, 1, 1, 1, 2, 3]))):
        # mostly a field the route reads; sometimes any field some route reads
        target[draw(own | own | st.sampled_from(FIELDS))] = draw(hostile_scalars)
    return msgspec.json.encode(base)


@st.composite
def paths(draw: st.DrawFn, targets: Targets, template: str) -> str:
    while "{" in template:
        start, end = template.index("{"), template.index("}")
        name = template[start + 1 : end]
        value = draw(
            st.sampled_from(targets.known.get(name, ["x"]))
            | st.text(max_size=30)
            | st.just("a" * 3000)
        )
        template = template[:start] + quote(value, safe="") + template[end + 1 :]
    return template


@st.composite
def probes(draw: st.DrawFn, targets: Targets) -> Probe:
    # Half the draws are routes that take a body: they have the most to check.
    route = draw(st.sampled_from(targets.routes) | st.sampled_from(sorted(targets.valid)))
    method = draw(st.sampled_from([route[0]] * 9 + ["PATCH"]))
    names = st.sampled_from(PARAMS) | st.text(max_size=6)
    values = (
        st.text(max_size=20)
        | hostile_scalars.map(str)
        | st.sampled_from(targets.known["ticker"] + ["open", "true", "1000", "1", "60", "9" * 30])
    )
    query = tuple(draw(st.lists(st.tuples(names, values), max_size=4)))
    extra = {
        "content-type": st.sampled_from([b"text/plain", b"x/y; a=b"]) | header_bytes,
        "origin": st.sampled_from([b"http://127.0.0.1", b"null", b"http://evil.example"]),
        "host": st.sampled_from([b"localhost", b"evil.example", b"[::1]:80"]) | header_bytes,
        "sec-fetch-site": st.sampled_from([b"same-origin", b"cross-site", b"none"]),
        "x-forwarded-for": st.sampled_from([b"127.0.0.1", b"203.0.113.9"]),
        "content-length": st.sampled_from([b"0", b"5", b"99999999999999999999"]),
    }
    chosen = draw(st.lists(st.sampled_from(sorted(extra)), max_size=2, unique=True))
    headers = tuple((name, draw(extra[name])) for name in chosen)
    auth = draw(st.sampled_from(["signed", "signed", "signed", "none", "forged", "garbage"]))
    body = draw(bodies(targets, route))
    return Probe(method, draw(paths(targets, route[1])), query, body, auth, headers)


# --- the sandbox under test --------------------------------------------------------------------


class Fuzzbox:
    """An in-process sandbox with one funded user, a resting order and an order group."""

    def __init__(self) -> None:
        exchange = Exchange(build_catalog(seed=9, markets=30, now=NOW), clock=self.clock, seed=9)
        self.catalog = exchange.catalog
        self.app: Starlette = create_app(exchange, clock=self.clock, limits_enabled=False)
        self.transport = httpx.ASGITransport(app=self.app, raise_app_exceptions=False)
        self.http = httpx.AsyncClient(transport=self.transport, base_url="http://127.0.0.1")
        self.signer: Signer | None = None
        self.targets = Targets(self._routes())

    @staticmethod
    def clock() -> int:
        return NOW_MS

    def _routes(self) -> list[tuple[str, str]]:
        served = [
            (method, route.path)
            for route in self.app.routes
            if isinstance(route, Route)
            for method in sorted(route.methods or ()) if method != "HEAD"
        ]  # fmt: skip
        return [*served, ("GET", "/nowhere"), ("POST", ADMIN_PREFIX + "/nowhere")]

    async def setup(self) -> None:
        key = generate_private_key("ed25519")
        made = (await self.http.post(ADMIN_PREFIX + "/users", json={
            "public_key_pem": public_key_pem(key), "user_id": "fuzz-user"
        })).json()  # fmt: skip
        self.signer = Signer(made["api_key_id"], key)
        market = next(m for m in self.catalog.markets if m.status == "active")
        placed = await self.send_signed("POST", "/trade-api/v2/portfolio/events/orders",
                                        order_body(market.ticker))  # fmt: skip
        group = await self.send_signed("POST", "/trade-api/v2/portfolio/order_groups/create", {})
        series = self.catalog.series_of(market.ticker)
        order_id = placed.json()["order_id"]
        self.targets.known = {
            "ticker": [market.ticker],
            "series_ticker": [series.ticker if series else "X"],
            "event_ticker": [market.event_ticker],
            "order_id": [order_id],
            "order_group_id": [group.json()["order_group_id"]],
            "user_id": ["fuzz-user"],
        }
        self.targets.valid = _valid_bodies(market.ticker, order_id, public_key_pem(key))

    async def send_signed(self, method: str, path: str, body: Any) -> httpx.Response:
        assert self.signer is not None
        headers = self.signer.headers(method, path, now_ms=NOW_MS)
        answer = await self.http.request(method, path, json=body, headers=headers)
        assert answer.status_code < 300, answer.text
        return answer

    async def digest(self) -> Any:
        answer = await self.http.get(ADMIN_PREFIX + "/state")
        assert answer.status_code == 200, answer.text
        return answer.json()

    async def check(self, probe: Probe) -> None:
        before = await self.digest()
        answer = await self.send(probe)
        if not _paused_refusal(answer, before):
            assert answer.status_code < 500, f"{answer.status_code}: {answer.text[:300]}"
        if answer.status_code >= 400:
            _assert_error_shape(answer)
            assert await self.digest() == before, f"refused ({answer.status_code}), yet acted"
        await self.http.delete(ADMIN_PREFIX + "/faults")  # an armed fault would answer 5xx

    async def send(self, probe: Probe) -> httpx.Response:
        url = httpx.URL(probe.path, params=list(probe.query))
        headers: list[tuple[str, str | bytes]] = [*self._auth(probe, url), *probe.headers]
        if probe.body is not None and "content-type" not in dict(probe.headers):
            headers.append(("content-type", "application/json"))  # as every client sends
        request = self.http.build_request(probe.method, url, content=probe.body, headers=headers)
        # Straight to the transport: the client would parse a redirect's Location, and a
        # hostile Host makes that fail in the client, not in the sandbox.
        answer = await self.transport.handle_async_request(request)
        await answer.aread()
        return answer

    def _auth(self, probe: Probe, url: httpx.URL) -> list[tuple[str, str | bytes]]:
        assert self.signer is not None
        if probe.auth == "none":
            return []
        raw_path = url.raw_path.split(b"?", 1)[0].decode("ascii")
        signed = self.signer.headers(probe.method, raw_path, now_ms=NOW_MS)
        if probe.auth == "forged":
            signed[HEADER_SIGNATURE] = Signer("x", generate_private_key("ed25519")).sign(
                NOW_MS, probe.method, raw_path
            )
        elif probe.auth == "garbage":
            signed = {HEADER_KEY: "\x7fkey", HEADER_TIMESTAMP: "1e3", HEADER_SIGNATURE: "%%%"}
        return list(signed.items())


def _valid_bodies(ticker: str, order_id: str, pem: str) -> dict[Target, dict[str, Any]]:
    """A body each route would take, for the fuzzer to spoil a field or two of."""
    orders, groups, admin = (
        "/trade-api/v2/portfolio/events/orders",
        "/trade-api/v2/portfolio/order_groups",
        ADMIN_PREFIX,
    )
    # Optional fields too, so that the fuzzer spoils them as often as the required ones.
    create = order_body(ticker, expiration_time=NOW_MS // 1000 + 3600, post_only=False)
    amend = {k: create[k] for k in ("ticker", "side", "price", "count", "expiration_time")}
    return {
        ("POST", orders): create,
        ("POST", orders + "/batched"): {"orders": [create, order_body(ticker)]},
        ("DELETE", orders + "/batched"): {"orders": [{"order_id": order_id}]},
        ("POST", orders + "/{order_id}/amend"): amend,
        ("POST", orders + "/{order_id}/decrease"): {"reduce_by": "1.00"},
        ("POST", groups + "/create"): {"contracts_limit": 5},
        ("PUT", groups + "/{order_group_id}/limit"): {"contracts_limit": 10},
        ("POST", admin + "/users"): {"public_key_pem": pem, "balance_cents": 100},
        ("POST", admin + "/users/{user_id}/keys"): {"public_key_pem": pem},
        ("POST", admin + "/users/{user_id}/deposit"): {"cents": 100},
        ("PUT", admin + "/users/{user_id}/tier"): {"tier": "advanced"},
        ("POST", admin + "/markets/{ticker}/determine"): {"result": "yes"},
        ("POST", admin + "/trading"): {"active": True},
        ("POST", admin + "/faults"): {"kind": "status", "count": 1, "status": 429},
    }


def _paused_refusal(answer: httpx.Response, state: Any) -> bool:
    """The one 5xx the sandbox sends on purpose: 503 to a write while an admin has paused
    trading (Kalshi documents 503 on order writes). The state, not the input, decides it."""
    if answer.status_code != 503 or state["trading_active"]:
        return False
    return bool(answer.json()["error"]["code"] == "exchange_unavailable")


def _assert_error_shape(answer: httpx.Response) -> None:
    error = answer.json()["error"]
    if answer.status_code == 429:
        assert isinstance(error, str)
        return
    assert isinstance(error, dict), answer.text
    assert isinstance(error["code"], str), answer.text
    assert isinstance(error["message"], str), answer.text


@pytest.fixture
def fuzzbox() -> Iterator[tuple[Fuzzbox, asyncio.Runner]]:
    """A fresh sandbox per test (30 ms): one test's pause, settlement or cancel must not keep
    the next from reaching its handler."""
    box = Fuzzbox()
    with asyncio.Runner() as runner:
        runner.run(box.setup())
        try:
            yield box, runner
        finally:
            runner.run(box.http.aclose())


FUZZ_SETTINGS = settings(
    deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)


def test_no_route_answers_5xx_or_acts_on_a_request_it_refuses(
    fuzzbox: tuple[Fuzzbox, asyncio.Runner],
) -> None:
    box, runner = fuzzbox

    @given(probe=probes(box.targets))
    @settings(FUZZ_SETTINGS, max_examples=EXAMPLES)
    def one(probe: Probe) -> None:
        runner.run(box.check(probe))

    one()


# --- every field of every body, one at a time --------------------------------------------------

MISSING = object()  # the field left out
# Each field gets every extreme of its type, then hypothesis's own draws.
EDGES: dict[type, list[object]] = {
    bool: [None, 1, "true", MISSING],
    int: [2**63 - 1, 2**64, -(2**63), 10**18, 253402300800, -1, "1", MISSING],
    str: ["", "a" * 5000, "é" * 200, "99999999999999999999.99", "-1", "\x00", 0, MISSING],
    list: [[], [{}], [None], {}, MISSING],
}


def _edges(like: object) -> list[object]:
    return EDGES[bool] if isinstance(like, bool) else EDGES[type(like)]


def _spoiled(like: object) -> st.SearchStrategy[object]:
    """Hostile values for a field that holds ``like``: its own type's, or anything."""
    if isinstance(like, bool):
        same: st.SearchStrategy[object] = st.none() | st.integers()
    elif isinstance(like, int):
        same = st.integers()
    elif isinstance(like, str):
        same = st.text(max_size=30)
    else:
        same = json_values
    return same | hostile_scalars


def _fields(body: dict[str, Any], prefix: str = "") -> list[str]:
    """Each field's dotted path (``orders.0.side`` inside a batch's first order)."""
    found = []
    for name, value in body.items():
        found.append(prefix + name)
        if isinstance(value, list) and value and isinstance(value[0], dict):
            found += _fields(value[0], f"{prefix}{name}.0.")
    return found


def _spoil(body: dict[str, Any], where: str, value: object) -> dict[str, Any]:
    spoilt: Any = msgspec.json.decode(msgspec.json.encode(body))
    *outer, name = where.split(".")
    holder = spoilt
    for step in outer:
        holder = holder[int(step)] if step.isdigit() else holder[step]
    if value is MISSING:
        del holder[name]
    else:
        holder[name] = value
    return dict(spoilt)


def _field_value(body: dict[str, Any], where: str) -> object:
    value: Any = body
    for step in where.split("."):
        value = value[int(step)] if step.isdigit() else value[step]
    return value


SPOILABLE = [
    (route, where)
    for route, body in _valid_bodies("T", "O", "P").items()  # the shapes: values come later
    for where in _fields(body)
]


@pytest.mark.parametrize(("route", "where"), SPOILABLE, ids=[f"{r[1]}:{w}" for r, w in SPOILABLE])
def test_each_body_field_spoiled_is_refused_cleanly_or_served(
    fuzzbox: tuple[Fuzzbox, asyncio.Runner], route: Target, where: str
) -> None:
    box, runner = fuzzbox
    body = box.targets.valid[route]
    like = _field_value(body, where)
    path = box.targets.fill(route[1])
    for value in _edges(like):
        spoilt = msgspec.json.encode(_spoil(body, where, value))
        runner.run(box.check(Probe(route[0], path, (), spoilt, "signed", ())))

    @given(value=_spoiled(like))
    @settings(FUZZ_SETTINGS, max_examples=PER_FIELD)
    def one(value: object) -> None:
        spoilt = msgspec.json.encode(_spoil(body, where, value))
        runner.run(box.check(Probe(route[0], path, (), spoilt, "signed", ())))

    one()
