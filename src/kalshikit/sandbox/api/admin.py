"""The sandbox's admin routes (``/sandbox/admin/...``): users and keys, market lifecycle, faults.

Not part of Kalshi's API: this is how tests, the CLI and notebooks set the sandbox up and push
it around. Only the user's own direct loopback calls are served, never a web page's
(``_admin_gate``: 403, or 415 for a write body that is not JSON); bodies are read up to
``_limits.MAX_ADMIN_BODY_BYTES`` (413 past it) and checked in full before anything changes, and
every state change goes through the writer (the store, when there is one), so a replay of the
store rebuilds users, keys and lifecycle steps too.

Routes (JSON bodies; each answers JSON)::

    POST   /users                       {public_key_pem?, balance_cents?, tier?, user_id?,
                                         api_key_id?} -> {user_id, api_key_id, tier}
    POST   /users/{user_id}/keys        {public_key_pem, api_key_id?} -> {user_id, api_key_id}
    POST   /users/{user_id}/deposit     {cents}
    PUT    /users/{user_id}/tier        {tier}
    POST   /markets/{ticker}/determine  {result: "yes" | "no"}
    POST   /markets/{ticker}/settle
    POST   /advance                     apply the exchange clock (open, close, expire)
    POST   /trading                     {active: bool}
    PUT    /events/{event_ticker}/fees  {fee_type_override, fee_multiplier_override} (both
                                         null: cleared)
    PUT    /markets/{ticker}/price_level_structure  {price_level_structure}
    PUT    /markets/{ticker}/metadata   {strike_type?, floor_strike?, cap_strike?,
                                         yes_sub_title?} (the fields given change)
    GET    /state                       the exchange's state digest
    GET    /faults                      pending faults
    POST   /faults                      {kind: "status" | "drop_after_write", count?, status?,
                                         retry_after?}
                                        {kind: "ws_drop", connection_id?, user_id?}
                                        {kind: "ws_skip_seq", count?, sid?, connection_id?}
                                        {kind: "ws_delay", delay_ms, count?, connection_id?}
    DELETE /faults                      clear them
    GET    /ws/connections              open WebSocket connections and their subscriptions
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Final, Literal

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kalshikit.auth import load_public_key
from kalshikit.ratelimit import RateTier
from kalshikit.sandbox.gateway import (
    MAX_ADMIN_BODY_BYTES,
    MAX_ID_CHARS,
    REFUSALS,
    Faults,
    Guard,
    admin_refusal,
    bad_request,
    check_json_body,
    check_length,
    client_address,
    closing_if_unread,
    decode_body,
    json_response,
    read_body,
    refusal_response,
)

if TYPE_CHECKING:
    from kalshikit.sandbox.exchange import Exchange, ExchangeWriter

__all__ = ["ADMIN_PREFIX", "DEFAULT_BALANCE_CENTS", "admin_routes", "client_address"]

ADMIN_PREFIX: Final = "/sandbox/admin"
DEFAULT_BALANCE_CENTS: Final = 1_000_000  # $10,000: room to trade, small enough to run out

# A Retry-After value goes out as a header: printable ASCII only (seconds or an HTTP date).
_RETRY_AFTER: Final = re.compile(r"[\x20-\x7e]{1,64}")

Action = Callable[[Request, bytes], object]


def _admin_endpoint(action: Action) -> Callable[[Request], Awaitable[Response]]:
    async def serve(request: Request) -> Response:
        try:
            body = await _admitted_body(request)
        except REFUSALS as error:
            return closing_if_unread(request, refusal_response(error))
        try:
            response = json_response(action(request, body))
        except REFUSALS as error:
            response = refusal_response(error)
        return closing_if_unread(request, response) if request.method == "GET" else response

    return serve


async def _admitted_body(request: Request) -> bytes:
    """The body of a request the admin API may serve (headers checked before it is read)."""
    refusal = admin_refusal(request)
    if refusal is not None:
        raise refusal
    check_json_body(request, None)
    body = b"" if request.method == "GET" else await read_body(request, MAX_ADMIN_BODY_BYTES)
    check_json_body(request, body)
    return body


def admin_routes(
    exchange: Exchange, writer: ExchangeWriter, guard: Guard, faults: Faults
) -> list[Route]:
    admin = _Admin(exchange, writer, guard, faults)
    table: list[tuple[str, str, Action]] = [
        ("POST", "/users", admin.create_user),
        ("POST", "/users/{user_id}/keys", admin.add_key),
        ("POST", "/users/{user_id}/deposit", admin.deposit),
        ("PUT", "/users/{user_id}/tier", admin.set_tier),
        ("POST", "/markets/{ticker}/determine", admin.determine),
        ("POST", "/markets/{ticker}/settle", admin.settle),
        ("POST", "/advance", admin.advance),
        ("POST", "/trading", admin.trading),
        ("PUT", "/events/{event_ticker}/fees", admin.event_fees),
        ("PUT", "/markets/{ticker}/price_level_structure", admin.price_level_structure),
        ("PUT", "/markets/{ticker}/metadata", admin.market_metadata),
        ("GET", "/state", admin.state),
        ("GET", "/faults", admin.faults_pending),
        ("POST", "/faults", admin.arm_fault),
        ("DELETE", "/faults", admin.clear_faults),
        ("GET", "/ws/connections", admin.ws_connections),
    ]
    return [
        Route(ADMIN_PREFIX + path, _admin_endpoint(action), methods=[method])
        for method, path, action in table
    ]


# the name of a key registered through the admin API (POST /api_keys names its own)
ADMIN_KEY_NAME: Final = "sandbox admin"


class NewUser(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    public_key_pem: str | None = None
    balance_cents: int = DEFAULT_BALANCE_CENTS
    tier: str | None = None
    user_id: str | None = None
    api_key_id: str | None = None
    api_key_name: str = ADMIN_KEY_NAME
    fcm: bool = False  # an FCM member: may use the /fcm endpoints and own subtraders


class NewKey(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    public_key_pem: str
    api_key_id: str | None = None
    api_key_name: str = ADMIN_KEY_NAME


class Deposit(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    cents: int


class TierChange(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    tier: str


class Determination(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    result: Literal["yes", "no"]


class FeeOverride(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    fee_type_override: str | None
    fee_multiplier_override: float | None


class GridChange(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    price_level_structure: str


class MetadataChange(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, omit_defaults=True):
    strike_type: str | None = None
    floor_strike: float | None = None
    cap_strike: float | None = None
    yes_sub_title: str | None = None


class TradingSwitch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    active: bool


class FaultRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """``status``: the next ``count`` REST calls answer ``status`` and do nothing (with a
    ``Retry-After: retry_after`` header when given: seconds or an HTTP date).
    ``drop_after_write``: the next ``count`` successful writes act, then the connection drops.
    ``ws_drop``: cut WebSocket connections now (all, one ``connection_id``, or a user's).
    ``ws_skip_seq``: the next ``count`` sequenced frames (of ``sid`` / ``connection_id`` if
    given) each skip one sequence number. ``ws_delay``: hold each of the next ``count`` frames
    (of ``connection_id`` if given) ``delay_ms`` back."""

    kind: Literal["status", "drop_after_write", "ws_drop", "ws_skip_seq", "ws_delay"]
    count: int = 1
    status: int = 503
    connection_id: int | None = None
    user_id: str | None = None
    sid: int | None = None
    delay_ms: int = 0
    retry_after: str | None = None


def _check_key_name(name: str) -> None:
    """A key's name is checked before its user is made (the exchange would refuse it after)."""
    check_length(name, "api_key_name", MAX_ID_CHARS)
    if not name.strip():
        raise bad_request("api_key_name must not be blank", "api_key_name")


class _Admin:
    """The admin actions, each ``(request, body) -> JSON-able answer``."""

    def __init__(
        self, exchange: Exchange, writer: ExchangeWriter, guard: Guard, faults: Faults
    ) -> None:
        self.exchange, self.writer, self.guard, self.faults = exchange, writer, guard, faults

    def create_user(self, request: Request, body: bytes) -> object:
        new = decode_body(body or b"{}", NewUser)
        check_length(new.user_id, "user_id", MAX_ID_CHARS)
        check_length(new.api_key_id, "api_key_id", MAX_ID_CHARS)
        _check_key_name(new.api_key_name)
        if new.public_key_pem is not None:
            load_public_key(new.public_key_pem)  # a bad PEM is refused before the user exists
        tier = RateTier.parse(new.tier) if new.tier else None
        user_id = self.writer.create_user(
            balance_cents=new.balance_cents, user_id=new.user_id, fcm=new.fcm
        )
        key_id = None
        if new.public_key_pem is not None:
            key_id = self.writer.create_api_key(
                user_id, new.public_key_pem, name=new.api_key_name, key_id=new.api_key_id
            )
        if tier is not None:
            self.guard.set_tier(user_id, tier.value)
        return {"user_id": user_id, "api_key_id": key_id, "tier": self.guard.budget(user_id).name}

    def add_key(self, request: Request, body: bytes) -> object:
        new = decode_body(body, NewKey)
        check_length(new.api_key_id, "api_key_id", MAX_ID_CHARS)
        _check_key_name(new.api_key_name)
        load_public_key(new.public_key_pem)
        user_id = request.path_params["user_id"]
        key_id = self.writer.create_api_key(
            user_id, new.public_key_pem, name=new.api_key_name, key_id=new.api_key_id
        )
        return {"user_id": user_id, "api_key_id": key_id}

    def deposit(self, request: Request, body: bytes) -> object:
        self.writer.deposit(request.path_params["user_id"], decode_body(body, Deposit).cents)
        return {}

    def set_tier(self, request: Request, body: bytes) -> object:
        tier = RateTier.parse(decode_body(body, TierChange).tier)
        self.guard.set_tier(request.path_params["user_id"], tier.value)
        return {"tier": tier.value}

    def determine(self, request: Request, body: bytes) -> object:
        result = decode_body(body, Determination).result
        self.writer.determine(request.path_params["ticker"], result)
        return {}

    def settle(self, request: Request, body: bytes) -> object:
        self.writer.settle(request.path_params["ticker"])
        return {}

    def advance(self, request: Request, body: bytes) -> object:
        self.writer.advance()
        return {}

    def event_fees(self, request: Request, body: bytes) -> object:
        terms = decode_body(body, FeeOverride)
        event_ticker = request.path_params["event_ticker"]
        self.writer.set_event_fees(
            event_ticker, terms.fee_type_override, terms.fee_multiplier_override
        )
        return {}

    def price_level_structure(self, request: Request, body: bytes) -> object:
        structure = decode_body(body, GridChange).price_level_structure
        self.writer.set_price_level_structure(request.path_params["ticker"], structure)
        return {}

    def market_metadata(self, request: Request, body: bytes) -> object:
        change = decode_body(body, MetadataChange)
        self.writer.set_market_metadata(request.path_params["ticker"], msgspec.to_builtins(change))
        return {}

    def trading(self, request: Request, body: bytes) -> object:
        self.writer.set_trading_active(decode_body(body, TradingSwitch).active)
        return {}

    def state(self, request: Request, body: bytes) -> object:
        return self.exchange.state_digest()

    def faults_pending(self, request: Request, body: bytes) -> object:
        return self.faults.pending()

    def arm_fault(self, request: Request, body: bytes) -> object:
        fault = decode_body(body, FaultRequest)
        if fault.count < 0 or not 400 <= fault.status <= 599:
            raise bad_request("count must be >= 0 and status an HTTP error status (400-599)")
        if not 0 <= fault.delay_ms <= 60_000:
            raise bad_request("delay_ms must be 0 to 60000")
        if fault.retry_after is not None and not _RETRY_AFTER.fullmatch(fault.retry_after):
            raise bad_request(
                "retry_after must be 1-64 printable ASCII characters (seconds or an HTTP date)"
            )
        if fault.kind in ("status", "drop_after_write"):
            self.faults.arm(fault.kind, fault.count, fault.status, fault.retry_after)
            return self.faults.pending()
        return self._arm_ws(fault)

    def _arm_ws(self, fault: FaultRequest) -> object:
        ws = self.faults.ws
        if ws is None:
            raise bad_request("this sandbox serves no WebSocket feeds")
        if fault.kind == "ws_drop":
            return {"dropped": ws.drop(fault.connection_id, fault.user_id)} | self.faults.pending()
        if fault.kind == "ws_skip_seq":
            ws.skip_seq(fault.count, sid=fault.sid, connection_id=fault.connection_id)
        else:
            ws.delay(fault.delay_ms, fault.count, connection_id=fault.connection_id)
        return self.faults.pending()

    def ws_connections(self, request: Request, body: bytes) -> object:
        return {"connections": self.faults.ws.connections() if self.faults.ws else []}

    def clear_faults(self, request: Request, body: bytes) -> object:
        self.faults.clear()
        return self.faults.pending()
