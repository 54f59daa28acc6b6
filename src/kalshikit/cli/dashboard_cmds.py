"""`kalshi dashboard`: the live dashboard in the browser, served from this machine.

It says where the page is on stdout (the address carries this session's token: the page
needs it) (one JSON line with ``--json``) and what it is connected to
on stderr, opens the page when there is a terminal (``--no-open`` does not), and serves until
Ctrl-C or ``--duration``. Loopback only unless ``--host`` says otherwise, with a warning.
"""

from __future__ import annotations

import asyncio
import sys
import webbrowser
from typing import Annotated

import typer

from kalshikit.cli._output import emit_json, note, say
from kalshikit.cli._state import state
from kalshikit.cli.record_cmds import seconds
from kalshikit.cli.scan_cmds import known_filter
from kalshikit.cli.stream_cmds import stream_config
from kalshikit.dashboard.server import DEFAULT_PORT, Options, is_loopback, serve
from kalshikit.errors import ValidationError


def dashboard(
    ctx: typer.Context,
    port: Annotated[
        int, typer.Option(min=0, max=65535, help="Port to serve on (0: any free one).")
    ] = DEFAULT_PORT,
    host: Annotated[
        str, typer.Option(help="Address to listen on (anything but loopback: other machines).")
    ] = "127.0.0.1",
    ticker: Annotated[
        str | None, typer.Option("--ticker", help="The market the page opens first.")
    ] = None,
    series: Annotated[str | None, typer.Option(help="Market watch: one series.")] = None,
    category: Annotated[str | None, typer.Option(help="Market watch: one category.")] = None,
    event: Annotated[str | None, typer.Option(help="Market watch: one event.")] = None,
    open_page: Annotated[
        bool, typer.Option("--open/--no-open", help="Open the page in a browser (a terminal).")
    ] = True,
    duration: Annotated[
        str | None, typer.Option(help="Stop after this long (90s, 10m); default: Ctrl-C.")
    ] = None,
) -> None:
    """A live dashboard in the browser: market watch, live ladder, chart, trades, your orders,
    positions and P&L, and an order ticket with the CLI's checks.

    Example: kalshi dashboard --series KXHIGHNY --ticker KXHIGHNY-26DEC03-B49.5
    """
    app = state(ctx)
    limit = seconds(duration, "--duration")
    if not host.strip():
        raise ValidationError("--host is empty; use 127.0.0.1 (this machine only)")
    config = stream_config(app)
    with app.client() as client:  # a filter that matches nothing is a mistake, said first
        category = known_filter(client, series, category, event)
    options = Options(host=host, port=port, series=series, category=category, event=event,
                      ticker=ticker)  # fmt: skip
    if not is_loopback(host):
        note(f"warning: serving on {host}: whoever has the address printed below can see your "
             "account and trade from it")  # fmt: skip
    note(f"connecting to {config.environment.value} at {config.rest_url} ...")

    def ready(url: str) -> None:
        if app.json:
            emit_json({"url": url, "env": config.environment.value})
        else:
            say(f"dashboard ({config.environment.value}): {url}")
            note("Ctrl-C stops it")
        sys.stdout.flush()
        if open_page and sys.stdout.isatty():
            webbrowser.open(url)

    try:
        asyncio.run(serve(config, options, ready, duration=limit))
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
