"""The socket under KalshiWebSocket: opening it with a signed handshake, and what counts as fatal.

The client only needs ``send``, ``recv`` (through ``async for``) and ``close``; anything with
those can stand in (a replay of a capture, a benchmark's frame list).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Protocol

import websockets
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidHandshake, InvalidStatus, InvalidURI

from kalshikit.errors import (
    APIConnectionError,
    APIStatusError,
    error_for_status,
    parse_error_body,
)

__all__ = ["Connector", "Transport", "open_websocket", "permanent_failure"]


class Transport(Protocol):
    """The part of a websockets connection the client uses."""

    async def send(self, message: str) -> None: ...

    async def close(self) -> None: ...

    def __aiter__(self) -> AsyncIterator[str | bytes]: ...


Connector = Callable[[str, dict[str, str]], Awaitable[Transport]]


def open_websocket(dead_after_s: float, open_timeout_s: float = 10.0) -> Connector:
    """A connector over the websockets library.

    Its keepalive pings every ``dead_after_s / 3`` and closes the socket when no pong comes
    within ``2 * dead_after_s / 3``: past that much silence the link is dead. The server's own
    ``heartbeat`` pings are answered by the library.
    """

    async def opener(url: str, headers: dict[str, str]) -> Transport:
        socket = await connect(
            url,
            additional_headers=headers,
            open_timeout=open_timeout_s,
            ping_interval=dead_after_s / 3,
            ping_timeout=2 * dead_after_s / 3,
            max_size=None,  # a snapshot of a deep book can be large; the server bounds it
            max_queue=None,  # our reader never lets frames wait; backpressure is the server's
            compression=None,
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
