"""The paper exchange as an HTTP server: the Starlette app, and ways to run it.

``create_app(store, source)`` is the app: private REST and WebSocket channels from a
``PaperService``, public reads from the source (``server_rest``, ``server_ws``), and a small
loopback admin API for ``kalshi paper status|accounts|reset`` while it runs. ``serve`` blocks
(``kalshi paper serve``); ``running`` starts one in a thread for notebooks and tests::

    with running(source_config, data_dir) as paper:        # source: the sandbox, demo or prod
        client = KalshiClient(config=paper.config("my-key"))

Starlette and uvicorn are the ``sandbox`` extra: only these server modules import them.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from kalshikit.config import APIConfig
from kalshikit.endpoints import REST_PREFIX, WS_PATH
from kalshikit.paper.launch import ADMIN_PREFIX, STORE_FILE, account_config
from kalshikit.paper.server_rest import PaperRest, learn_fees
from kalshikit.paper.server_ws import PaperSocket
from kalshikit.paper.service import DEFAULT_CASH_MICRO, PaperService, account_row
from kalshikit.paper.store import PaperStore

__all__ = ["RunningPaper", "create_app", "running", "serve"]


def _admin_routes(service: PaperService) -> list[Route]:
    """Status, accounts and reset for the CLI while the server holds the state in memory."""

    async def status(_: Request) -> Response:
        return JSONResponse({
            "source": service.source.environment.value, "source_url": service.source.rest_url,
            "accounts": len(service.account_names()), "following": sorted(service._followed),
        })  # fmt: skip

    async def accounts(_: Request) -> Response:
        return JSONResponse([account_row(service.engine, name) for name in service.account_names()])

    async def reset(request: Request) -> Response:
        body = await request.json() if (await request.body()).strip() else {}
        return JSONResponse({"reset": service.reset(body.get("account"))})

    return [
        Route(f"{ADMIN_PREFIX}/status", status),
        Route(f"{ADMIN_PREFIX}/accounts", accounts),
        Route(f"{ADMIN_PREFIX}/reset", reset, methods=["POST"]),
    ]


def create_app(
    store: PaperStore, source: APIConfig, *, starting_cash_micro: int = DEFAULT_CASH_MICRO
) -> Starlette:
    """The paper exchange over ``store`` (restored now), reading books from ``source``."""
    service = PaperService(store, source, starting_cash_micro=starting_cash_micro)
    client = httpx.AsyncClient(base_url=source.rest_url.rstrip("/") + "/", timeout=source.timeout)
    rest = PaperRest(service, client)

    async def stream(websocket: WebSocket) -> None:
        await PaperSocket(websocket, service).run()

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        resting = sorted(service.resting_tickers())
        if resting:  # restored resting orders trade on the live books again, at their fees
            with contextlib.suppress(Exception):
                await learn_fees(service, client, resting)
                await service.follow(resting)
        try:
            yield
        finally:
            await client.aclose()
            await service.close()

    routes = [*_admin_routes(service), WebSocketRoute(WS_PATH, stream), *rest.routes()]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.service = service
    return app


def serve(app: Starlette, host: str, port: int, *, sock: socket.socket | None = None) -> None:
    """Serve until interrupted (Ctrl-C or SIGTERM stop it cleanly)."""
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False)
    uvicorn.Server(config).run(sockets=[sock] if sock is not None else None)


@dataclass(frozen=True)
class RunningPaper:
    """A paper server running in this process: its REST URL and a config per paper account."""

    url: str
    app: Starlette

    def config(self, api_key_id: str) -> APIConfig:
        """Env paper at this server, as the account ``api_key_id`` (a throwaway key signs:
        the paper server names accounts by key id and does not check signatures)."""
        return account_config(self.url, api_key_id)


@contextlib.contextmanager
def running(
    source: APIConfig, data_dir: Path, *, port: int = 0,
    starting_cash_micro: int = DEFAULT_CASH_MICRO, startup_timeout: float = 10.0,
) -> Iterator[RunningPaper]:  # fmt: skip
    """A paper server on a loopback port (``0``: a free one) in a daemon thread, its accounts
    in ``data_dir``; stopped (and its store closed) on exit."""
    store = PaperStore(data_dir / STORE_FILE)
    app = create_app(store, source, starting_cash_micro=starting_cash_micro)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    config = uvicorn.Config(app, log_level="warning", log_config=None, access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + startup_timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the paper server did not start (see the log above)")
            time.sleep(0.005)
        yield RunningPaper(f"http://127.0.0.1:{sock.getsockname()[1]}{REST_PREFIX}", app)
    finally:
        server.should_exit = True
        thread.join(timeout=startup_timeout)
        sock.close()
