"""A loopback HTTP proxy that holds chosen order creates, then delivers them: the network that
hands the exchange a request after the client gave up on it.

Each request from the client is forwarded on a fresh upstream connection (``Connection: close``,
so an answer is simply everything until EOF). A create or batch create POST takes the next hold
armed with ``hold_next``: the proxy keeps it that many seconds, then forwards it whether or not
the client is still waiting; the answer goes back to the client if it is still there. Everything
else passes at once. Bounded: loopback only, holds of at most ``MAX_HOLD_S``, and every upstream
exchange gives up after ``UPSTREAM_TIMEOUT_S``.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Final
from urllib.parse import urlsplit

MAX_HOLD_S: Final = 10.0
UPSTREAM_TIMEOUT_S: Final = 20.0
HELD_PATHS: Final = ("/portfolio/events/orders", "/portfolio/events/orders/batched")


@dataclass(frozen=True)
class Delivery:
    """A held request as it finally reached the exchange, and the status it got."""

    path: str
    held_s: float
    status: int


@dataclass
class DelayingProxy:
    upstream_host: str
    upstream_port: int
    prefix: str  # the REST path prefix, e.g. /trade-api/v2 (signed, so forwarded unchanged)
    holds: deque[float] = field(default_factory=deque)
    delivered: list[Delivery] = field(default_factory=list)
    _held: set[asyncio.Task[bytes]] = field(default_factory=set)
    _loop: asyncio.AbstractEventLoop | None = None
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.prefix}"

    def hold_next(self, seconds: float, count: int = 1) -> None:
        """Hold each of the next ``count`` creates (single or batch) ``seconds`` long."""
        if not 0 < seconds <= MAX_HOLD_S:
            raise ValueError(f"a hold is between 0 and {MAX_HOLD_S} s")
        self.holds.extend([seconds] * count)

    def wait_delivered(self) -> list[Delivery]:
        """Block until every held request has reached the exchange; what each got."""
        assert self._loop is not None
        future = asyncio.run_coroutine_threadsafe(self._drain(), self._loop)
        future.result(timeout=MAX_HOLD_S + UPSTREAM_TIMEOUT_S)
        return list(self.delivered)

    async def _drain(self) -> None:
        while self._held:
            await asyncio.gather(*self._held, return_exceptions=True)

    # --- serving

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                body = await reader.readexactly(_content_length(head))
                answer = await self._pass(head, body)
                writer.write(answer)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass  # the client hung up (a timed-out request does): its held request goes on
        finally:
            writer.close()

    async def _pass(self, head: bytes, body: bytes) -> bytes:
        method, path = head.split(b" ", 2)[:2]
        route = path.decode().split("?", 1)[0].removeprefix(self.prefix)
        if method != b"POST" or route not in HELD_PATHS or not self.holds:
            return await self._forward(head, body)
        hold = self.holds.popleft()
        task = asyncio.create_task(self._deliver_late(route, hold, head, body))
        self._held.add(task)
        task.add_done_callback(self._held.discard)
        return await asyncio.shield(task)  # the client leaving must not stop the delivery

    async def _deliver_late(self, route: str, hold: float, head: bytes, body: bytes) -> bytes:
        await asyncio.sleep(hold)
        answer = await self._forward(head, body)
        self.delivered.append(Delivery(route, hold, int(answer.split(b" ", 2)[1])))
        return answer

    async def _forward(self, head: bytes, body: bytes) -> bytes:
        async with asyncio.timeout(UPSTREAM_TIMEOUT_S):
            reader, writer = await asyncio.open_connection(self.upstream_host, self.upstream_port)
            try:
                writer.write(_closing(head) + body)
                await writer.drain()
                return await reader.read()
            finally:
                writer.close()


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return 0


def _closing(head: bytes) -> bytes:
    """The request head asking the upstream to close after answering (one request each)."""
    lines = [
        line
        for line in head.rstrip(b"\r\n").split(b"\r\n")
        if line.partition(b":")[0].strip().lower() != b"connection"
    ]
    return b"\r\n".join([*lines, b"Connection: close"]) + b"\r\n\r\n"


@contextmanager
def delaying_proxy(upstream_url: str) -> Iterator[DelayingProxy]:
    """A proxy in front of ``upstream_url`` (a sandbox REST base URL), on a free loopback port,
    served from its own thread; stopped (held requests dropped) on exit."""
    parts = urlsplit(upstream_url)
    if parts.hostname not in ("127.0.0.1", "localhost") or parts.port is None:
        raise ValueError(f"the proxy fronts a loopback sandbox only, not {upstream_url}")
    proxy = DelayingProxy(parts.hostname, parts.port, parts.path.rstrip("/"))
    loop = asyncio.new_event_loop()
    proxy._loop = loop
    server = loop.run_until_complete(asyncio.start_server(proxy._client, "127.0.0.1", 0))
    proxy.port = server.sockets[0].getsockname()[1]
    thread = threading.Thread(target=loop.run_forever, name="delaying-proxy", daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        asyncio.run_coroutine_threadsafe(_stop(server), loop).result(timeout=5)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=5)
        loop.close()


async def _stop(server: asyncio.Server) -> None:
    server.close()
    tasks = asyncio.all_tasks() - {asyncio.current_task()}
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
