"""The sandbox's HTTP face: a Starlette app serving Trade API v2 over a local :class:`Exchange`.

This layer only translates: query strings and bodies in, exchange calls, wire structs out. It owns
no market state. Every REST route comes from ``kalshikit.endpoints.ENDPOINTS`` (the table the
client sends from), so the two cannot disagree on a path, a method, auth or a rate-limit bucket.

Per request: injected status fault -> caller identity (signature, 401; headers only) -> body,
read in chunks up to ``_limits.MAX_BODY_BYTES`` (413 past it) -> rate limit (429) -> handler (400
on a malformed request, the exchange's own status on a refusal) -> JSON answer (201/204 where the
real API sends them) -> injected connection drop after a write.

The WebSocket endpoint (``WS_PATH``, ``ws_api``) is served by default, fed by a ``FeedHub`` that
listens to the exchange; ``app.state`` holds the exchange, writer, guard, faults and ``feeds``
(whose ``feeds.faults`` drops sockets, skips seq numbers and delays frames from any thread).
``extra_routes`` adds more routes. ``/sandbox/admin/...`` (the user's own direct loopback
calls only, see ``_admin_gate``) creates users, moves markets through their lifecycle, arms
faults.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from kalshikit.auth import SIGNATURE_WINDOW_MS
from kalshikit.endpoints import ENDPOINTS, REST_PREFIX, Endpoint
from kalshikit.ratelimit import RateTier
from kalshikit.sandbox.api.admin import ADMIN_PREFIX, admin_routes, client_address
from kalshikit.sandbox.api.rest import Ctx, Handler, RestHandlers
from kalshikit.sandbox.api.rest_apikeys import apply_grants
from kalshikit.sandbox.api.websocket import WS_PATH, ws_route
from kalshikit.sandbox.exchange import Exchange, ExchangeWriter
from kalshikit.sandbox.gateway import (
    JSON,
    MAX_BODY_BYTES,
    REFUSALS,
    ApiError,
    Caller,
    DroppedResponse,
    Faults,
    Guard,
    Query,
    batch_size,
    closing_if_unread,
    error_response,
    json_response,
    read_body,
    refusal_response,
)
from kalshikit.sandbox.ws import DEFAULT_QUEUE_LIMIT, FeedHub

__all__ = ["ADMIN_PREFIX", "REST_PREFIX", "WS_PATH", "ExchangeWriter", "create_app"]


def _wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


def create_app(
    exchange: Exchange,
    *,
    store_writer: ExchangeWriter | None = None,
    tier: str = "basic",
    signature_window_ms: int = SIGNATURE_WINDOW_MS,
    clock: Callable[[], int] = _wall_clock_ms,
    limits_enabled: bool = True,
    extra_routes: Sequence[BaseRoute] = (),
    lifecycle_interval_s: float | None = 1.0,
    ws_queue_limit: int = DEFAULT_QUEUE_LIMIT,
    background: Sequence[Callable[[], Awaitable[None]]] = (),
) -> Starlette:
    """The sandbox app: every ``ENDPOINTS`` route under ``/trade-api/v2``, the admin routes under
    ``/sandbox/admin``, the WebSocket endpoint at ``WS_PATH``, then ``extra_routes``.

    ``clock`` (epoch ms) sets the signature window (``signature_window_ms`` either way; tests
    shorten it) and refills the token buckets; ``tier`` is the
    budget of users without one of their own, and of unsigned callers (per client address).
    ``ws_queue_limit`` is how many frames a WebSocket client may fall behind before it is cut
    off with error 25. ``background`` coroutine functions (the market simulator) run on the
    server's loop while it serves and are cancelled at shutdown.
    """
    RateTier.parse(tier)  # refuse a bad tier now, not on the first request
    guard = Guard(
        exchange,
        clock=clock,
        tier=tier,
        signature_window_ms=signature_window_ms,
        limits_enabled=limits_enabled,
    )
    apply_grants(exchange, guard)
    writer = store_writer or exchange
    feeds = FeedHub(exchange, clock=clock, queue_limit=ws_queue_limit)
    exchange.add_listener(feeds.on_event)
    faults = Faults(ws=feeds.faults)
    routes = [
        *_rest_routes(RestHandlers(exchange, writer, guard), guard, faults),
        *admin_routes(exchange, writer, guard, faults),
        ws_route(feeds, guard),
        *extra_routes,
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={HTTPException: _http_exception, Exception: _server_error},
        lifespan=_keep_schedule(exchange, writer, lifecycle_interval_s, background),
    )
    app.state.exchange, app.state.writer = exchange, writer
    app.state.guard, app.state.faults, app.state.feeds = guard, faults, feeds
    return app


def _keep_schedule(
    exchange: Exchange,
    writer: ExchangeWriter,
    interval_s: float | None,
    background: Sequence[Callable[[], Awaitable[None]]] = (),
) -> Callable[[Starlette], AbstractAsyncContextManager[None]]:
    """While serving, open, close and expire on the clock even when nobody writes.

    Writes already run due lifecycle work first; reads do not, so without this a market past
    its close time would still read as active. Runs on the server's loop, like the handlers,
    so it never races them. ``None`` turns it off (tests that drive the clock themselves).
    """

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        task = asyncio.create_task(_advance_forever(exchange, writer, interval_s or 0))
        if interval_s is None:
            task.cancel()
        others = [asyncio.ensure_future(run()) for run in background]
        try:
            yield
        finally:
            for running in (task, *others):
                running.cancel()

    return lifespan


async def _advance_forever(exchange: Exchange, writer: ExchangeWriter, interval_s: float) -> None:
    while True:
        await asyncio.sleep(interval_s)
        if exchange.advance_due():
            writer.advance()


async def _http_exception(request: Request, exc: Exception) -> Response:
    # No route read the body: close rather than let the server drain what the client sends.
    return closing_if_unread(request, _routing_error(request, exc))


def _routing_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if status == 404:
        return error_response(404, "not_found", f"no such endpoint: {request.url.path}")
    if status == 405:
        what = f"{request.method} is not allowed on {request.url.path}"
        return error_response(405, "method_not_allowed", what)
    return error_response(status, "http_error", str(getattr(exc, "detail", "error")))


async def _server_error(request: Request, exc: Exception) -> Response:
    # Starlette logs the traceback; the caller gets the JSON shape every other error has.
    return error_response(500, "internal_server_error", "the sandbox failed on this request")


def _raw_path(request: Request) -> str:
    """The path as sent (still percent-encoded, no query): what the client signed."""
    raw = request.scope.get("raw_path")
    if isinstance(raw, bytes):
        return raw.split(b"?", 1)[0].decode("latin-1")
    return str(request.scope.get("root_path", "")) + str(request.scope["path"])


# --- the REST route wrapper ---------------------------------------------------------------------


def _rest_routes(rest: RestHandlers, guard: Guard, faults: Faults) -> list[Route]:
    handlers = rest.handlers()
    # Fixed paths first, so that /markets/trades is never taken for /markets/{ticker}.
    endpoints = sorted(ENDPOINTS.values(), key=lambda ep: "{" in ep.path)
    return [
        Route(
            REST_PREFIX + ep.path,
            _serve(ep, handlers.get(ep.name, _not_served(ep.name)), guard, faults),
            methods=[ep.method],
        )
        for ep in endpoints
    ]


def _not_served(name: str) -> Handler:
    """For an endpoint added to the table before the sandbox learned it: a clear 501, not a
    crash at start-up (a test asserts that every endpoint has a handler)."""

    def refuse(ctx: Ctx) -> object:
        raise ApiError(501, "not_implemented", f"the sandbox does not serve {name} yet")

    return refuse


def _serve(
    ep: Endpoint, handler: Handler, guard: Guard, faults: Faults
) -> Callable[[Request], Awaitable[Response]]:
    status = ep.success

    async def serve(request: Request) -> Response:
        injected = faults.take_status()
        if injected is not None:
            refused = error_response(injected, "injected_fault", "fault injected by the sandbox")
            if faults.retry_after is not None:
                refused.headers["retry-after"] = faults.retry_after
            return refused
        try:
            caller, body = await _caller_and_body(ep, guard, request)
        except REFUSALS as error:
            return closing_if_unread(request, refusal_response(error))
        response = _answer(ep, handler, guard, caller, request, body, status)
        if ep.method == "GET":
            response = closing_if_unread(request, response)
        if ep.bucket == "write" and response.status_code < 300 and faults.take_drop():
            return DroppedResponse(response.body, response.status_code, media_type=JSON)
        return response

    return serve


async def _caller_and_body(ep: Endpoint, guard: Guard, request: Request) -> tuple[Caller, bytes]:
    # The signature is checked on the headers alone, so an unsigned caller of an authenticated
    # endpoint never gets a byte of its body read; a signed one gets at most MAX_BODY_BYTES.
    caller = guard.identify(
        ep, request.method, request.headers, _raw_path(request), client_address(request)
    )
    body = b"" if ep.method == "GET" else await read_body(request, MAX_BODY_BYTES)
    return caller, body


def _answer(
    ep: Endpoint,
    handler: Handler,
    guard: Guard,
    caller: Caller,
    request: Request,
    body: bytes,
    status: int,
) -> Response:
    # Synchronous on purpose: no await between the rate limit and the exchange call, so
    # requests on the one event loop never interleave inside the exchange.
    try:
        guard.charge(caller, ep, batch_size(body) if ep.per_item else 1)
        query = Query(request.query_params)
        ctx = Ctx(caller.user_id or "", query, request.path_params, body, caller.key_id)
        return json_response(handler(ctx), status)
    except REFUSALS as error:
        return refusal_response(error)
