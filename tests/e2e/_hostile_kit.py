"""Helpers for the hostile-input tests: error bodies, raw sockets, bodies that never end.

Everything here talks to a real sandbox (in-process over ASGI, or a uvicorn one on a socket);
nothing is mocked.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import httpx

from kalshikit.endpoints import REST_PREFIX
from kalshikit.sandbox.api.app import ADMIN_PREFIX

CHUNK = 64 * 1024
# How long a raw-socket test waits for an answer before calling the server stuck. Not a timing
# assertion: a correct server answers at once, a broken one waits for bytes that never come.
STUCK_S = 10.0


def error_of(response: httpx.Response, status: int) -> dict[str, Any]:
    """The ``{"error": {"code", "message", ...}}`` body of a refusal with ``status``."""
    assert response.status_code == status, (response.status_code, response.text[:300])
    error = response.json()["error"]
    assert isinstance(error, dict), response.text
    assert error["code"], response.text
    assert error["message"], response.text
    return error


def order_body(ticker: str, /, **overrides: Any) -> dict[str, Any]:
    """A valid V2 create body (a resting YES bid at 0.40 for 2 contracts), with overrides."""
    body: dict[str, Any] = {
        "ticker": ticker,
        "side": "bid",
        "count": "2.00",
        "price": "0.4000",
        "time_in_force": "good_till_canceled",
        "self_trade_prevention_type": "taker_at_cross",
    }
    return body | overrides


def admin_url(rest_url: str) -> str:
    return rest_url.replace(REST_PREFIX, ADMIN_PREFIX)


def host_and_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    assert parts.hostname is not None
    assert parts.port is not None
    return parts.hostname, parts.port


def own_address() -> str | None:
    """This machine's address on its default route (not loopback), or None if it has none.
    Connecting a UDP socket sends nothing: it only picks the outgoing interface."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("192.0.2.1", 9))
        address = str(probe.getsockname()[0])
    except OSError:
        return None
    finally:
        probe.close()
    return None if ipaddress.ip_address(address).is_loopback else address


def raw_request(url: str, head: bytes) -> bytes:
    """Send ``head`` on a fresh socket and read until the server closes the connection. A server
    still waiting for more (a body, the end of the headers) fails the test."""
    with socket.create_connection(host_and_port(url), timeout=STUCK_S) as sock:
        with contextlib.suppress(ConnectionError):  # the server may close while we still send
            sock.sendall(head)
        return read_until_closed(sock)


def read_until_closed(sock: socket.socket) -> bytes:
    received = b""
    try:
        while chunk := sock.recv(CHUNK):
            received += chunk
    except ConnectionResetError:
        pass  # closed with our bytes still unread on its side: what it sent came first
    except TimeoutError:
        raise AssertionError(f"the server kept waiting; it sent {received[:200]!r}") from None
    return received


def status_of(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


class Flood:
    """A request body of ``total`` bytes, streamed in 64 KiB chunks, that counts how many bytes
    the server pulled: the proof that it stopped reading."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.pulled = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        chunk = b"x" * CHUNK
        while self.pulled < self.total:
            self.pulled += CHUNK
            yield chunk
