"""Run the sandbox app over real HTTP with uvicorn: in the foreground, or in a background thread.

:func:`serve` blocks (``kalshi sandbox serve`` uses it). :func:`running` is for notebooks and
tests: it starts a sandbox on a free loopback port in a daemon thread and yields its REST base
URL, then stops it::

    with running(activity=20) as sandbox:        # a fresh 200-market sandbox, books, traders
        client = KalshiClient(config=sandbox.config)   # signed in as a user made for you

The library never starts a sandbox by itself; this is the explicit way to get one in-process.
"""

from __future__ import annotations

import errno
import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

import uvicorn
from starlette.types import ASGIApp

from kalshikit.auth import generate_private_key, private_key_to_pem, public_key_pem
from kalshikit.config import APIConfig
from kalshikit.endpoints import REST_PREFIX
from kalshikit.errors import KalshiError
from kalshikit.sandbox.api import (
    DEFAULT_HEARTBEAT_S,
    DEFAULT_HEARTBEAT_TIMEOUT_S,
    create_app,
    uvicorn_ws_options,
)
from kalshikit.sandbox.catalog import build_catalog
from kalshikit.sandbox.exchange import Exchange, ExchangeWriter
from kalshikit.sandbox.gateway import uvicorn_http_options
from kalshikit.sandbox.sim import seed_liquidity, simulation_loop

__all__ = ["PortInUse", "SandboxURL", "bind_port", "default_exchange", "running", "serve"]

DEFAULT_HOST: Final = "127.0.0.1"
DEFAULT_PORT: Final = 8470
# uvicorn reports this when an app ends an answer early, which the sandbox does only on purpose
# (the drop-after-write fault); an error line per injected fault would read like a real failure.
_DELIBERATE_DROP: Final = "ASGI callable returned without completing response."


class _HideDeliberateDrops(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.msg != _DELIBERATE_DROP


def _quiet_deliberate_drops() -> None:
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _HideDeliberateDrops) for f in logger.filters):
        logger.addFilter(_HideDeliberateDrops())


def _wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


def default_exchange(*, seed: int = 0, markets: int = 200) -> Exchange:
    """A fresh exchange on the wall clock, with a seeded catalog that starts now."""
    catalog = build_catalog(seed=seed, markets=markets, now=datetime.now(UTC))
    return Exchange(catalog, clock=_wall_clock_ms, seed=seed)


def serve(
    app: ASGIApp,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    *,
    log_level: str = "info",
    heartbeat_s: float = DEFAULT_HEARTBEAT_S,
    sock: socket.socket | None = None,
) -> None:
    """Serve ``app`` until interrupted (Ctrl-C or SIGTERM stop it cleanly). WebSocket clients
    are pinged every ``heartbeat_s`` seconds. ``sock`` is a socket already bound with
    :func:`bind_port` (else one is bound here): a busy port then fails before anything runs."""
    config = uvicorn.Config(
        app, host=host, port=port, log_level=log_level, access_log=False,
        proxy_headers=False,  # the peer address is the socket's, never a header's (admin API)
        **uvicorn_http_options(), **uvicorn_ws_options(heartbeat_s),
    )  # fmt: skip
    _quiet_deliberate_drops()
    bound = sock or bind_port(host, port)
    try:
        uvicorn.Server(config).run(sockets=[bound])
    finally:
        bound.close()


def _url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}{REST_PREFIX}"


class PortInUse(KalshiError):
    """Something already listens on the port a sandbox was asked to serve on."""

    def __init__(self, host: str, port: int) -> None:
        super().__init__(
            f"port {port} on {host} is already in use; pass another --port, or stop what "
            f"listens there (a sandbox: `kalshi sandbox stop --data-dir ITS_DATA_DIR`)"
        )
        self.host = host
        self.port = port


def bind_port(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port``, not yet listening (uvicorn listens once the app is
    ready, so nothing connects to a half-started server). Raises :class:`PortInUse`."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio turns Nagle off (TCP_NODELAY) only on sockets that say
    # so, and with Nagle on, every answer waits ~40 ms for the delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            raise PortInUse(host, port) from None
        raise
    return sock


def _wait_until_started(server: uvicorn.Server, thread: threading.Thread, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the sandbox server stopped while starting (see the log above)")
        if time.monotonic() > deadline:
            raise TimeoutError(f"the sandbox server did not start within {timeout:g}s")
        time.sleep(0.005)


NOTEBOOK_BALANCE_CENTS: Final = 1_000_000  # $10,000, as the CLI's default sandbox user


class SandboxURL(str):
    """A running sandbox's REST URL; ``config`` signs in as the user made for the caller."""

    config: APIConfig

    def __new__(cls, url: str, config: APIConfig) -> SandboxURL:
        made = super().__new__(cls, url)
        made.config = config
        return made


@dataclass(frozen=True)
class _NotebookUser:
    api_key_id: str
    private_key_pem: str

    @classmethod
    def make(cls, writer: ExchangeWriter, balance_cents: int) -> _NotebookUser:
        key = generate_private_key("ed25519")
        user_id = writer.create_user(balance_cents=balance_cents)
        key_id = writer.add_api_key(user_id, public_key_pem(key))
        return cls(key_id, private_key_to_pem(key))

    def config(self, url: str) -> APIConfig:
        return APIConfig.resolve(
            "local",
            rest_url=url,
            api_key_id=self.api_key_id,
            private_key_pem=self.private_key_pem,
            environ={},  # the notebook's sandbox user, whatever the shell exports
            dotenv_path=False,
        )


def _unsigned(url: str) -> APIConfig:
    return APIConfig.resolve("local", rest_url=url, environ={}, dotenv_path=False)


@contextmanager
def running(
    exchange: Exchange | None = None,
    *,
    app: ASGIApp | None = None,
    activity: float = 0.0,
    liquidity: bool | None = None,
    balance_cents: int = NOTEBOOK_BALANCE_CENTS,
    host: str = DEFAULT_HOST,
    port: int = 0,
    log_level: str = "warning",
    startup_timeout: float = 10.0,
    heartbeat_s: float = DEFAULT_HEARTBEAT_S,
    heartbeat_timeout_s: float = DEFAULT_HEARTBEAT_TIMEOUT_S,
    ws_send_buffer_bytes: int | None = None,
    **app_options: Any,
) -> Iterator[SandboxURL]:
    """Run a sandbox in a background thread; yield its REST base URL (``.../trade-api/v2``), a
    ``str`` whose ``.config`` signs in as a user made for the caller (``balance_cents``)::

        with running(activity=20) as sandbox:
            client = KalshiClient(config=sandbox.config)
            stream = KalshiStream(config=sandbox.config)

    Serves ``app`` if given (then ``.config`` is unsigned), else ``create_app(exchange,
    **app_options)``. Without an ``exchange``, a fresh :func:`default_exchange` with the house's
    opening books, as ``kalshi sandbox start`` gives (``liquidity`` says otherwise either way).
    ``activity`` simulated writes a second run beside it. ``port=0`` picks a free port. Logging
    is left as the caller configured it. WebSocket clients are pinged every ``heartbeat_s``
    seconds and dropped when a ping goes unanswered for ``heartbeat_timeout_s``;
    ``ws_send_buffer_bytes`` caps each one's kernel send buffer.
    """
    user: _NotebookUser | None = None
    if app is None:
        fresh = exchange is None
        exchange = exchange or default_exchange()
        # a store's writer journals every write: the house, the simulation and the notebook
        # user go through it too, so a restart replays them
        writer: ExchangeWriter = app_options.get("store_writer") or exchange
        if liquidity if liquidity is not None else fresh:
            seed_liquidity(writer, exchange.catalog)
        loop = simulation_loop(exchange, writer, seed=0, activity=activity, clock=_wall_clock_ms)
        if loop is not None:
            app_options["background"] = [*app_options.get("background", ()), loop]
        user = _NotebookUser.make(writer, balance_cents)
        app = create_app(exchange, **app_options)
    sock = bind_port(host, port)
    config = uvicorn.Config(
        app, log_level=log_level, log_config=None, access_log=False,
        proxy_headers=False,  # the peer address is the socket's, never a header's (admin API)
        **uvicorn_http_options(),
        **uvicorn_ws_options(heartbeat_s, heartbeat_timeout_s, ws_send_buffer_bytes),
    )  # fmt: skip
    server = uvicorn.Server(config)
    _quiet_deliberate_drops()
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="kalshikit-sandbox", daemon=True
    )
    thread.start()
    try:
        _wait_until_started(server, thread, startup_timeout)
        url = _url(host, sock.getsockname()[1])
        yield SandboxURL(url, user.config(url) if user else _unsigned(url))
    finally:
        server.should_exit = True
        thread.join(timeout=startup_timeout)
        sock.close()
