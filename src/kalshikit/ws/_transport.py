"""The socket under KalshiWebSocket: opening it with a signed handshake, and what counts as fatal.

The client only needs ``send``, ``recv`` (through ``async for``) and ``close``; anything with
those can stand in (a replay of a capture, a benchmark's frame list).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Final, NamedTuple, Protocol

import websockets
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidHandshake, InvalidStatus, InvalidURI

from kalshikit.errors import (
    APIConnectionError,
    APIStatusError,
    error_for_status,
    parse_error_body,
)

__all__ = [
    "DEFAULT_MAX_FRAME_BYTES",
    "CloseReason",
    "Connector",
    "Transport",
    "close_reason",
    "open_websocket",
    "permanent_failure",
]


class Transport(Protocol):
    """The part of a websockets connection the client uses."""

    async def send(self, message: str) -> None: ...

    async def close(self) -> None: ...

    def __aiter__(self) -> AsyncIterator[str | bytes]: ...


Connector = Callable[[str, dict[str, str]], Awaitable[Transport]]


# The largest frame a client reads before it drops the connection. The biggest real frame is a
# full book snapshot: 2 sides x 10,000 ticks x ~20 bytes, about 0.4 MB; 16 MiB leaves room
# for much more, yet a broken or hostile server cannot make the client buffer gigabytes.
DEFAULT_MAX_FRAME_BYTES: Final = 16 * 1024 * 1024
WIRE_LOG: Final = logging.getLogger("kalshikit.ws.wire")
TOO_BIG: Final = 1009  # the close code for a message over the size limit (RFC 6455)
TRY_LATER: Final = 1013  # the sandbox's close code after error 25 (subscription buffer overflow)


def open_websocket(
    dead_after_s: float,
    open_timeout_s: float = 10.0,
    max_frame_bytes: int | None = DEFAULT_MAX_FRAME_BYTES,
) -> Connector:
    """A connector over the websockets library.

    Its keepalive pings every ``dead_after_s / 3`` and closes the socket when no pong comes
    within ``2 * dead_after_s / 3``: past that much silence the link is dead. The server's own
    ``heartbeat`` pings are answered by the library. A frame over ``max_frame_bytes`` closes
    the connection (code 1009) before it is buffered; the client then reconnects.
    """

    async def opener(url: str, headers: dict[str, str]) -> Transport:
        socket = await connect(
            url,
            additional_headers=headers,
            open_timeout=open_timeout_s,
            ping_interval=dead_after_s / 3,
            ping_timeout=2 * dead_after_s / 3,
            max_size=max_frame_bytes,
            max_queue=None,  # our reader never lets frames wait; backpressure is the server's
            compression=None,
            logger=WIRE_LOG,  # its DEBUG lines carry the signed headers: redacted there
        )
        return socket

    return opener


def permanent_failure(error: BaseException) -> APIStatusError | None:
    """The error to raise instead of retrying: a refused handshake (401, 403, 404 ...).

    429 and 5xx pass (they may heal); so do network errors.
    """
    if isinstance(error, InvalidStatus):
        status = error.response.status_code
        if 400 <= status < 500 and status != 429:
            return error_for_status(status)(
                status=status,
                body=parse_error_body(bytes(error.response.body or b"")),
                request=None,
            )
    return None


def connection_error(url: str, error: BaseException) -> APIConnectionError:
    """A retryable failure as the error the user sees when the client gives up."""
    if isinstance(error, InvalidURI):
        return APIConnectionError(f"{url} is not a WebSocket URL: {error}")
    what = (
        "timed out"
        if isinstance(error, asyncio.TimeoutError)
        else str(error) or type(error).__name__
    )
    return APIConnectionError(f"could not open {url}: {what}")


RETRYABLE: tuple[type[BaseException], ...] = (
    OSError,
    asyncio.TimeoutError,
    InvalidHandshake,
    websockets.exceptions.ConnectionClosed,
)


class CloseReason(NamedTuple):
    """Why a connection ended: words a user can act on, and whether we were too slow."""

    detail: str
    slow_consumer: bool = False


def close_reason(error: BaseException | None) -> CloseReason:
    """Why a connection ended, from the close frames the two sides sent."""
    if not isinstance(error, websockets.exceptions.ConnectionClosed):
        return CloseReason(f"the connection closed: {error}" if error else "the connection closed")
    sent, received = error.sent, error.rcvd
    if sent is not None and sent.code == TOO_BIG:
        return CloseReason(
            f"a frame over the size limit arrived ({sent.reason or 'message too big'}); the "
            "client closed the connection (raise max_frame_bytes if the server is right)"
        )
    if received is not None and (received.code == TRY_LATER or "overflow" in received.reason):
        return CloseReason(
            "the server cut the connection because the stream was read too slowly "
            f"({received.code} {received.reason}); keep callbacks short, read streams faster",
            slow_consumer=True,
        )
    if received is not None:
        return CloseReason(f"the server closed the connection ({received.code} {received.reason})")
    return CloseReason("the connection closed without a close frame")
