"""The sandbox's WebSocket endpoint (``/trade-api/ws/v2``): the socket side of the feeds.

Per connection: the upgrade must carry the three signed headers (``timestamp + "GET" +
"/trade-api/ws/v2"``, verified by the same :class:`Guard` as REST) or it is refused with HTTP 401
and the REST error body; then one reader task hands each client frame to the hub, and one writer
task sends the connection's queued frames in order (holding one back when a delay fault says
so). The connection ends when the client goes, when its queue overflows (error 25 is written,
then close 1013) or when a drop fault cuts it (no close frame, like a failed network).

Keep-alive is the server's job, below ASGI: :func:`uvicorn_ws_options` gives uvicorn a protocol
that pings every ``heartbeat_s`` seconds with the payload ``heartbeat`` (as Kalshi does) and
drops a client that has not answered a ping within ``heartbeat_timeout_s``.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Mapping
from typing import Any, Final

from starlette import websockets
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from kalshikit.auth import HEADER_KEY
from kalshikit.endpoints import WS_PATH
from kalshikit.sandbox.gateway import ApiError, Guard, refusal_response
from kalshikit.sandbox.ws import Close, Connection, FeedHub, encode_frame

__all__ = [
    "DEFAULT_HEARTBEAT_S",
    "DEFAULT_HEARTBEAT_TIMEOUT_S",
    "HEARTBEAT",
    "MAX_FRAME_BYTES",
    "WS_PATH",
    "uvicorn_ws_options",
    "ws_route",
]

HEARTBEAT: Final = b"heartbeat"
DEFAULT_HEARTBEAT_S: Final = 10.0
# Kalshi documents no timeout; two intervals lets one ping go unanswered on a busy client.
DEFAULT_HEARTBEAT_TIMEOUT_S: Final = 20.0
# The largest client frame read; a longer one closes the connection with 1009 (message too big).
# A command is small: this still takes a subscribe naming some 30,000 markets.
MAX_FRAME_BYTES: Final = 1024 * 1024
# Close code for a refused upgrade when the server cannot answer with an HTTP status.
_POLICY_VIOLATION: Final = 1008
# How a vanished client shows up: uvicorn's ClientDisconnected is an OSError, and Starlette
# >= 1.0 raises WebSocketDisconnected for a send that races the client's close.
_DISCONNECTS: Final = (
    WebSocketDisconnect,
    OSError,
    getattr(websockets, "WebSocketDisconnected", WebSocketDisconnect),
)


def ws_route(hub: FeedHub, guard: Guard) -> WebSocketRoute:
    """The endpoint at :data:`WS_PATH`, serving ``hub``'s feeds to users ``guard`` verifies."""

    async def endpoint(websocket: WebSocket) -> None:
        try:
            user_id = guard.authenticate("GET", websocket.headers, _raw_path(websocket.scope))
        except ApiError as error:
            await _refuse(websocket, error)
            return
        await websocket.accept()
        conn = hub.connect(user_id, websocket.headers.get(HEADER_KEY))
        try:
            await _serve(websocket, conn, hub)
        finally:
            hub.disconnect(conn)

    return WebSocketRoute(WS_PATH, endpoint)


def _raw_path(scope: Mapping[str, Any]) -> str:
    """The path as the client sent (and signed) it, without the query string."""
    raw = scope.get("raw_path")
    if isinstance(raw, bytes):
        return raw.split(b"?", 1)[0].decode("latin-1")
    return str(scope.get("root_path", "")) + str(scope["path"])


async def _refuse(websocket: WebSocket, error: ApiError) -> None:
    try:
        await websocket.send_denial_response(refusal_response(error))
    except RuntimeError:
        # a server without the denial extension can only close before accepting (HTTP 403)
        await websocket.close(_POLICY_VIOLATION, error.message)


async def _serve(websocket: WebSocket, conn: Connection, hub: FeedHub) -> None:
    """Read and write until one side stops; a doomed connection gets its grace, then goes."""
    tasks = {
        asyncio.create_task(_read(websocket, conn, hub)),
        asyncio.create_task(_write(websocket, conn, hub)),
        asyncio.create_task(_doom(conn)),
    }
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        results = await asyncio.gather(*tasks, return_exceptions=True)
    for result in results:
        # a vanished client ends the session; anything else is a bug worth a traceback
        if isinstance(result, Exception) and not _is_disconnect(result):
            raise result


def _is_disconnect(error: BaseException) -> bool:
    return isinstance(error, _DISCONNECTS)


async def _read(websocket: WebSocket, conn: Connection, hub: FeedHub) -> None:
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        payload = message.get("text")
        if payload is None:
            payload = message.get("bytes") or b""
        hub.handle(conn, payload)


async def _write(websocket: WebSocket, conn: Connection, hub: FeedHub) -> None:
    while True:
        frame = await conn.next()
        if isinstance(frame, Close):
            await websocket.close(frame.code, frame.reason)
            return
        delay = hub.faults.take_delay(conn.id)
        if delay:
            await asyncio.sleep(delay)
        await websocket.send_text(encode_frame(*frame).decode())


async def _doom(conn: Connection) -> None:
    """Returns once the connection must go: at once for a drop, after a grace to flush the
    terminal error for an overflow (a client that still reads gets it; one that does not
    cannot hold the socket open)."""
    await conn.doomed.wait()
    await asyncio.sleep(conn.grace_s)


# --- keep-alive -------------------------------------------------------------------------------


def uvicorn_ws_options(
    heartbeat_s: float = DEFAULT_HEARTBEAT_S,
    heartbeat_timeout_s: float = DEFAULT_HEARTBEAT_TIMEOUT_S,
    send_buffer_bytes: int | None = None,
) -> dict[str, Any]:
    """``uvicorn.Config`` keywords for Kalshi's keep-alive (pings carrying ``heartbeat``) and a
    cap of :data:`MAX_FRAME_BYTES` on client frames (uvicorn's default is 16 MiB).

    ``send_buffer_bytes`` caps each WebSocket's kernel send buffer (default: the OS's, which on
    Linux grows to megabytes): with a small one a client that stops reading backs up into its
    bounded frame queue, and so meets error 25, after kilobytes rather than megabytes.
    """
    options: dict[str, Any] = {
        "ws_ping_interval": heartbeat_s,
        "ws_ping_timeout": heartbeat_timeout_s,
        "ws_max_size": MAX_FRAME_BYTES,
    }
    protocol = _heartbeat_protocol(send_buffer_bytes)
    if protocol is not None:
        options["ws"] = protocol
    return options


def _heartbeat_protocol(send_buffer_bytes: int | None) -> type[asyncio.Protocol] | None:
    """uvicorn's websockets protocol with Kalshi's ping payload (None on a uvicorn without it:
    pings then carry uvicorn's own payload)."""
    with contextlib.suppress(ImportError):
        from uvicorn.protocols.websockets.websockets_sansio_impl import (
            WebSocketsSansIOProtocol,
        )

        class HeartbeatProtocol(WebSocketsSansIOProtocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                super().connection_made(transport)
                sock = transport.get_extra_info("socket")
                if send_buffer_bytes is not None and sock is not None:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, send_buffer_bytes)

            async def send(self, message: Any) -> None:
                await super().send(message)
                # A refused upgrade (HTTP 401) is a finished handshake too; without this
                # uvicorn logs "returned without completing handshake" for every refusal.
                if message["type"] == "websocket.http.response.body" and not message.get(
                    "more_body", False
                ):
                    self.handshake_complete = True

            def send_keepalive_ping(self) -> None:
                # uvicorn's own ping, with a fixed payload: a pong is matched against it
                self.ping_timer = None
                if self.close_sent or self.transport.is_closing():
                    return
                self.pending_ping_payload = HEARTBEAT
                self.ping_sent_at = self.loop.time()
                self.conn.send_ping(HEARTBEAT)
                self.transport.write(b"".join(self.conn.data_to_send()))
                if self.ping_timeout is None:
                    self.schedule_ping()
                else:
                    timeout = self.loop.call_later(self.ping_timeout, self.keepalive_timeout)
                    self.pong_timer = timeout

        return HeartbeatProtocol
    return None
