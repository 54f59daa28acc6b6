"""The dashboard's web app (Starlette): the page, its static files, a WebSocket that pushes the
live state, and the order ticket's two writes.

A page that can trade must be reachable by its owner only. The server listens on loopback by
default and answers only requests whose ``Host`` is its own (a DNS-rebinding site's is not).
The page itself needs the session's token, which only the address ``kalshi dashboard`` printed
carries (as Jupyter does), so another user of the machine cannot open it; every read of
account data and every write needs the same token (a header on writes, a query parameter on
the WebSocket, whose ``Origin`` must be the page's own). Another site can neither read the
page to learn it nor send a header without CORS, which this app never grants.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import time
from importlib import resources
from typing import Any, Final

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket, WebSocketDisconnect

from kalshikit.dashboard.desk import Desk
from kalshikit.dashboard.hub import Hub
from kalshikit.errors import KalshiError, NotFound
from kalshikit.scanner.scanner import KINDS, WINDOWS

__all__ = ["TOKEN_HEADER", "create_app"]

_log = logging.getLogger("kalshikit.dashboard")
TOKEN_HEADER: Final = "X-Dashboard-Token"
_PUSH_EVERY_S: Final = 0.1  # at most ten pictures a second per page: a busy book coalesces
_STATIC: Final = resources.files("kalshikit.dashboard") / "static"
_NO_TOKEN: Final = (
    "<!doctype html><title>kalshikit dashboard</title><p>Open the address that "
    "<code>kalshi dashboard</code> printed: it carries this session's token.</p>"
)


def create_app(hub: Hub, desk: Desk, token: str, hosts: list[str]) -> Starlette:
    """The app for ``hub``; ``hosts`` are the names this server answers to (with ports)."""
    page = (_STATIC / "index.html").read_text("utf-8").replace("{{TOKEN}}", token)

    async def index(request: Request) -> Response:
        if not _token_ok(request.query_params.get("token"), token):
            return HTMLResponse(_NO_TOKEN, 403)
        return HTMLResponse(page, headers={"Cache-Control": "no-store", "Referrer-Policy":
                                           "no-referrer"})  # fmt: skip

    async def state(request: Request) -> Response:
        if not _token_ok(request.headers.get(TOKEN_HEADER), token):
            return _forbidden()
        ticker = request.query_params.get("ticker") or None
        if ticker is not None and not hub.known(ticker):
            return JSONResponse({"error": f"no market {ticker} in the market watch"}, 404)
        return JSONResponse(hub.page(ticker, _kind(request.query_params.get("kind"))))

    async def place(request: Request) -> Response:
        if not _token_ok(request.headers.get(TOKEN_HEADER), token):
            return _forbidden()
        status, body = await desk.place(await _json(request))
        return JSONResponse(body, status)

    async def cancel(request: Request) -> Response:
        if not _token_ok(request.headers.get(TOKEN_HEADER), token):
            return _forbidden()
        form = await _json(request)
        form = form if isinstance(form, dict) else {}
        ticker = form.get("ticker") if isinstance(form.get("ticker"), str) else None
        status, body = await desk.cancel(
            request.path_params["order_id"], ticker, form.get("confirm") is True
        )
        return JSONResponse(body, status)

    async def stream(socket: WebSocket) -> None:
        if not _token_ok(socket.query_params.get("token"), token) or not _same_origin(socket):
            await socket.close(code=1008)
            return
        await socket.accept()
        await _Page(hub, socket).run()

    routes = [
        Route("/", index),
        Route("/api/state", state),
        Route("/api/orders", place, methods=["POST"]),
        Route("/api/orders/{order_id}/cancel", cancel, methods=["POST"]),
        WebSocketRoute("/ws", stream),
        Mount("/static", StaticFiles(directory=str(_STATIC)), name="static"),
    ]
    middleware = [Middleware(TrustedHostMiddleware, allowed_hosts=hosts)]
    return Starlette(routes=routes, middleware=middleware)


def _token_ok(given: str | None, token: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), token.encode())


def _forbidden() -> Response:
    return JSONResponse({"error": "this needs the token of the page the dashboard served; "
                                  "reload the page"}, 403)  # fmt: skip


def _same_origin(socket: WebSocket) -> bool:
    """A browser names the page that opened the socket; it must be ours (a script or test that
    sends no Origin still needs the token)."""
    origin = socket.headers.get("origin")
    return origin is None or origin.split("://", 1)[-1] == socket.headers.get("host")


async def _json(request: Request) -> Any:
    try:
        return json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        return None


def _kind(text: str | None) -> str:
    return text if text in KINDS else "volume"


class _Page:
    """One open page: what it looks at (set by its messages) and the pictures pushed to it."""

    def __init__(self, hub: Hub, socket: WebSocket) -> None:
        self.hub, self.socket = hub, socket
        self.ticker: str | None = None
        self.kind, self.window = "volume", "1h"  # a watch list: the busiest markets first
        self.error: str | None = None
        self.wake = hub.changed()

    async def run(self) -> None:
        listener = asyncio.create_task(self._listen())
        try:
            while not listener.done():
                await self._send()
                sent = time.monotonic()
                woken = asyncio.ensure_future(self.wake.wait())
                # a page that leaves a quiet exchange is let go now, not at the next change
                await asyncio.wait({listener, woken}, return_when=asyncio.FIRST_COMPLETED)
                woken.cancel()
                self.wake.clear()
                # a change after a quiet spell goes at once; a busy book, ten pictures a second
                await asyncio.sleep(max(0.0, _PUSH_EVERY_S - (time.monotonic() - sent)))
        except (WebSocketDisconnect, RuntimeError, OSError):  # the page left mid-send
            pass
        except Exception:  # a bug of ours: said, and this page reconnects
            _log.exception("a dashboard page failed")
        finally:
            self.hub.forget(self.wake)
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect):
                await listener

    async def _send(self) -> None:
        picture = self.hub.page(self.ticker, self.kind, self.window)
        picture["error"] = self.error
        await self.socket.send_text(json.dumps(picture))

    async def _listen(self) -> None:
        """The page's choices: ``{"watch": TICKER}``, ``{"kind": KIND, "window": W}``."""
        with contextlib.suppress(WebSocketDisconnect):
            while True:
                try:
                    said = json.loads(await self.socket.receive_text())
                except ValueError:
                    continue
                if isinstance(said, dict):
                    await self._heard(said)
                self.wake.set()

    async def _heard(self, said: dict[str, Any]) -> None:
        if said.get("kind") in KINDS:
            self.kind = said["kind"]
        if said.get("window") in WINDOWS:
            self.window = said["window"]
        ticker = said.get("watch")
        if isinstance(ticker, str) and ticker:
            try:
                await self.hub.follow(ticker)
            except NotFound:
                self.error = f"no market {ticker}; pick one from the market watch"
                return
            except KalshiError as error:
                self.error = f"cannot open {ticker}: {error}"
                return
            except Exception as error:  # the page's word must not end its connection
                _log.exception("opening %s failed", ticker)
                self.error = f"cannot open {ticker}: {error!r}"
                return
            self.ticker, self.error = ticker, None
