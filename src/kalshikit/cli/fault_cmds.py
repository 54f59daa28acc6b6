"""`kalshi sandbox fault ...`: make the sandbox misbehave on purpose, to test a bot's recovery.

Each command arms one fault through the sandbox's loopback-only admin API; `list` shows what is
armed and `clear` disarms everything. They work only against a sandbox (the `local` environment).
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlsplit

import httpx
import typer

from kalshikit.cli._clients import ensure_local_sandbox, is_default_local
from kalshikit.cli._output import emit_fields, emit_json, say
from kalshikit.cli._state import state
from kalshikit.config import Environment
from kalshikit.errors import APIConnectionError, ValidationError

app = typer.Typer(help="Inject faults into the local sandbox.", no_args_is_help=True)
CountOption = Annotated[int, typer.Option(help="How many times.", min=1)]


def _admin_url(ctx: typer.Context) -> str:
    config = state(ctx).config()
    if config.environment is not Environment.LOCAL:
        raise ValidationError("faults exist only in the sandbox: use --env local")
    if is_default_local(config):  # the default data dir's sandbox, wherever it listens
        config = ensure_local_sandbox(config)
    parts = urlsplit(config.rest_url)
    return f"{parts.scheme}://{parts.netloc}/sandbox/admin"


def _call(ctx: typer.Context, method: str, body: dict[str, Any] | None = None) -> Any:
    url = _admin_url(ctx) + "/faults"
    try:
        answer = httpx.request(method, url, json=body, timeout=10)
    except httpx.TransportError as exc:
        raise APIConnectionError(f"no sandbox answers at {url}: {exc}") from exc
    if answer.is_error:
        raise ValidationError(f"the sandbox refused the fault: {answer.text.strip()}")
    return answer.json() if answer.content else {}


def _arm(ctx: typer.Context, body: dict[str, Any], what: str) -> None:
    shown = _call(ctx, "POST", {k: v for k, v in body.items() if v is not None})
    if state(ctx).json:
        emit_json(shown)
    else:
        say(f"armed: {what}")


@app.command("status")
def status(
    ctx: typer.Context,
    code: Annotated[int, typer.Option("--code", help="HTTP status, e.g. 429 or 503.")] = 503,
    count: CountOption = 1,
    retry_after: Annotated[str | None, typer.Option(help="Retry-After header value.")] = None,
) -> None:
    """Answer the next N REST calls with an error status (they do nothing).

    Example: kalshi sandbox fault status --code 429 --count 3
    """
    body = {"kind": "status", "status": code, "count": count, "retry_after": retry_after}
    _arm(ctx, body, f"the next {count} REST calls answer {code}")


@app.command("drop-after-write")
def drop_after_write(ctx: typer.Context, count: CountOption = 1) -> None:
    """Let the next N writes act, then drop the connection before answering.

    Example: kalshi sandbox fault drop-after-write
    """
    _arm(
        ctx, {"kind": "drop_after_write", "count": count}, f"the next {count} writes act, then drop"
    )


@app.command("ws-drop")
def ws_drop(
    ctx: typer.Context,
    connection: Annotated[
        int | None, typer.Option(help="One connection id (default: all).")
    ] = None,
    user: Annotated[str | None, typer.Option(help="Only this user's connections.")] = None,
) -> None:
    """Cut WebSocket connections now, without a close frame.

    Example: kalshi sandbox fault ws-drop
    """
    body = {"kind": "ws_drop", "connection_id": connection, "user_id": user}
    _arm(ctx, body, "WebSocket connections dropped")


@app.command("ws-skip-seq")
def ws_skip_seq(
    ctx: typer.Context,
    count: CountOption = 1,
    sid: Annotated[int | None, typer.Option(help="Only this subscription.")] = None,
) -> None:
    """Skip one sequence number on each of the next N sequenced frames.

    Example: kalshi sandbox fault ws-skip-seq --count 2
    """
    _arm(ctx, {"kind": "ws_skip_seq", "count": count, "sid": sid}, f"{count} seq gap(s) ahead")


@app.command("ws-delay")
def ws_delay(
    ctx: typer.Context,
    ms: Annotated[int, typer.Option("--ms", help="Delay per frame, milliseconds.", min=1)],
    count: CountOption = 1,
) -> None:
    """Hold each of the next N WebSocket frames back.

    Example: kalshi sandbox fault ws-delay --ms 500 --count 10
    """
    body = {"kind": "ws_delay", "delay_ms": ms, "count": count}
    _arm(ctx, body, f"the next {count} frames wait {ms} ms")


@app.command("list")
def list_faults(ctx: typer.Context) -> None:
    """What is armed.

    Example: kalshi sandbox fault list
    """
    armed = _call(ctx, "GET")
    if state(ctx).json:
        emit_json(armed)
        return
    pending = {k: v for k, v in armed.items() if k.endswith("_count") and v}
    if not pending:
        say("nothing armed")
        return
    emit_fields(None, [(k.removesuffix("_count").replace("_", " "), v) for k, v in pending.items()])


@app.command("clear")
def clear(ctx: typer.Context) -> None:
    """Disarm every fault.

    Example: kalshi sandbox fault clear
    """
    cleared = _call(ctx, "DELETE")
    if state(ctx).json:
        emit_json(cleared)
    else:
        say("every fault disarmed")
