"""Serve the dashboard: the hub (one stream for every page), the app, uvicorn, one event loop.

``serve`` binds first (a busy port is one clear error before anything is read), then seeds the
hub, then answers; ``on_ready(url)`` says where the page is once it can be opened. It runs until
``duration`` seconds pass, or raises KeyboardInterrupt after Ctrl-C (which uvicorn takes).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

import uvicorn

from kalshikit.config import APIConfig
from kalshikit.dashboard.app import create_app
from kalshikit.dashboard.desk import Desk
from kalshikit.dashboard.hub import Hub
from kalshikit.errors import ValidationError

__all__ = ["DEFAULT_PORT", "Options", "is_loopback", "serve"]

DEFAULT_PORT: Final = 8765
_LOOPBACK_NAMES: Final = ("localhost",)


@dataclass(frozen=True)
class Options:
    """Where the page is served and what its market watch covers."""

    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    series: str | None = None
    category: str | None = None
    event: str | None = None
    ticker: str | None = None  # the market the page opens first
    token: str = field(default_factory=lambda: secrets.token_urlsafe(24))


def is_loopback(host: str) -> bool:
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def bind(host: str, port: int) -> socket.socket:
    """The listening socket, or a one-line error naming the fix."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as error:
        sock.close()
        raise ValidationError(
            f"cannot listen on {host}:{port} ({error.strerror}); pick another --port"
        ) from None
    sock.listen(128)
    sock.setblocking(False)
    return sock


def page_url(options: Options, port: int) -> str:
    host = f"[{options.host}]" if ":" in options.host else options.host
    first = f"#{options.ticker}" if options.ticker else ""
    return f"http://{host}:{port}/?token={options.token}{first}"


def _hosts(options: Options, port: int) -> list[str]:
    names = {options.host, "127.0.0.1", "localhost", "[::1]"}
    if ":" in options.host:
        names.add(f"[{options.host}]")
    return sorted({f"{name}:{port}" for name in names} | names)


async def serve(
    config: APIConfig, options: Options, on_ready: Callable[[str], None],
    duration: float | None = None,
) -> None:  # fmt: skip
    sock = bind(options.host, options.port)
    port = sock.getsockname()[1]
    try:
        async with Hub(config, series=options.series, category=options.category,
                       event=options.event) as hub:  # fmt: skip
            app = create_app(hub, Desk(hub.client, config.environment), options.token,
                             _hosts(options, port))  # fmt: skip
            server = uvicorn.Server(uvicorn.Config(
                app, log_level="warning", log_config=None, access_log=False, lifespan="off",
                ws_ping_interval=20,
            ))  # fmt: skip
            task = asyncio.create_task(server.serve(sockets=[sock]))
            # uvicorn sets a flag, not an event, once it answers
            while not server.started and not task.done():  # noqa: ASYNC110
                await asyncio.sleep(0.02)
            if task.done():
                await task  # it could not start: say why
            on_ready(page_url(options, port))
            try:
                await asyncio.wait_for(asyncio.shield(task), duration)
                interrupted = True  # uvicorn stopped by itself: it took the Ctrl-C (or SIGTERM)
            except TimeoutError:
                interrupted = False
            finally:
                server.should_exit = True
                with contextlib.suppress(asyncio.CancelledError):
                    await task
    finally:
        sock.close()
    if interrupted:
        raise KeyboardInterrupt
