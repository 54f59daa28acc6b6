"""`kalshi paper serve|start|stop|status|reset|accounts`: the paper exchange behind `--env paper`.

Registered on the `paper` group of ``paper_cmds`` (``register(app)``). Thin shells over
:mod:`kalshikit.paper.launch`; what they print is labelled PAPER, so a paper account is never
mistaken for a real one.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any

import typer

from kalshikit.cli._output import emit_fields, emit_json, emit_table, note
from kalshikit.cli._state import state
from kalshikit.config import APIConfig
from kalshikit.errors import ValidationError
from kalshikit.paper import launch
from kalshikit.paper.service import DEFAULT_CASH_MICRO
from kalshikit.units.display import money

__all__ = ["register", "source_config"]

DataDirOption = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Where the paper accounts live (default: user data dir)."),
]
PortOption = Annotated[
    int, typer.Option("--port", help="Port of the paper exchange.", min=1, max=65535)
]
SourceOption = Annotated[
    str | None,
    typer.Option(
        "--source",
        help="Where books and public reads come from: local (the sandbox), demo or prod "
        "(default: KALSHI_PAPER_SOURCE, else local). Orders never reach it.",
        metavar="local|demo|prod",
    ),
]
CashOption = Annotated[
    str, typer.Option("--cash", help="Starting cash of each new paper account, in dollars.")
]


def _data_dir(given: Path | None) -> Path:
    return (given or launch.default_data_dir()).expanduser().resolve()


def _cash_micro(text: str) -> int:
    try:
        amount = Decimal(text.strip().lstrip("$").replace(",", ""))
    except InvalidOperation:
        raise ValidationError(
            f"--cash must be dollars such as 10000 or 2500.50; got {text!r}"
        ) from None
    micro = amount * 1_000_000
    if not amount.is_finite() or amount < 0 or micro != micro.to_integral_value():
        raise ValidationError(f"--cash must be a non-negative dollar amount; got {text!r}")
    return int(micro)


def source_config(source: str) -> APIConfig:
    """The source's config (the local sandbox started when needed)."""
    from kalshikit.cli._clients import paper_source_config

    return paper_source_config(source)


def _report(ctx: typer.Context, facts: dict[str, Any]) -> None:
    if state(ctx).json:
        emit_json({"paper": True, **facts})
        return
    shown = [(k.replace("_", " "), "—" if v is None else v) for k, v in facts.items()]
    emit_fields(f"PAPER exchange {facts.get('state', '')}".strip(), shown)


def serve(
    port: PortOption = launch.DEFAULT_PORT,
    data_dir: DataDirOption = None,
    source: SourceOption = None,
    cash_micro: Annotated[
        int, typer.Option("--cash-micro", help="Starting cash in micro-dollars.", min=0)
    ] = DEFAULT_CASH_MICRO,
) -> None:
    """Run the paper exchange in the foreground until Ctrl-C.

    Example: kalshi paper serve --source local --port 8471
    """
    from kalshikit.paper.server import create_app
    from kalshikit.paper.server import serve as serve_app
    from kalshikit.paper.store import PaperStore

    chosen = source or APIConfig.resolve("paper").paper_source
    settings = launch.PaperSettings(port, _data_dir(data_dir), chosen, cash_micro)
    config = source_config(settings.source)
    store = PaperStore(settings.data_dir / launch.STORE_FILE)
    app = create_app(store, config, starting_cash_micro=settings.cash_micro)
    note(f"PAPER exchange on {settings.rest_url}, books from {config.rest_url}; Ctrl-C stops it")
    serve_app(app, settings.host, settings.port)


def start(
    ctx: typer.Context,
    port: PortOption = launch.DEFAULT_PORT,
    data_dir: DataDirOption = None,
    source: SourceOption = None,
    cash: CashOption = "10000",
) -> None:
    """Start the paper exchange in the background: `--env paper` talks to it.

    Example: kalshi paper start --source local --cash 10000
    """
    chosen = source or APIConfig.resolve("paper").paper_source
    settings = launch.PaperSettings(port, _data_dir(data_dir), chosen, _cash_micro(cash))
    if launch.is_running(settings):
        _report(ctx, launch.status(settings) | {"state": "already running"})
        return
    if chosen == "local":
        source_config("local")  # the sandbox first, so the server finds it running
    launch.default_key(settings.data_dir)
    launch.start_background(settings)
    _report(ctx, launch.status(settings) | {"state": "started"})


def stop(ctx: typer.Context, data_dir: DataDirOption = None) -> None:
    """Stop the paper exchange (its accounts stay in the data dir).

    Example: kalshi paper stop
    """
    settings = launch.remembered(_data_dir(data_dir))
    stopped = launch.stop_background(settings)
    _report(ctx, {"state": "stopped" if stopped else "not running", "url": settings.rest_url})


def status(ctx: typer.Context, data_dir: DataDirOption = None) -> None:
    """Is the paper exchange running, where, on which source, with how many accounts. Exits 1
    when it is not running.

    Example: kalshi paper status || kalshi paper start
    """
    settings = launch.remembered(_data_dir(data_dir))
    found = launch.status(settings)
    _report(ctx, found)
    if found["state"] != "running":
        raise typer.Exit(1)


def accounts(ctx: typer.Context, data_dir: DataDirOption = None) -> None:
    """Every paper account (named by its API key id): cash, collateral held, positions.

    Example: kalshi paper accounts --json
    """
    rows = launch.accounts(launch.remembered(_data_dir(data_dir)))
    if state(ctx).json:
        emit_json([{"paper": True, **row} for row in rows])
        return
    if not rows:
        note("no paper accounts yet")
        return
    table = [
        [r["account"], money(Decimal(r["cash_micro"]).scaleb(-6)),
         money(Decimal(r["held_micro"]).scaleb(-6)), r["positions"], r["resting"], r["fills"]]
        for r in rows
    ]  # fmt: skip
    columns = ["account", "cash", "held", "positions", "resting", "fills"]
    emit_table("PAPER accounts (not real money)", columns, table)


def reset(
    ctx: typer.Context,
    account: Annotated[
        str | None,
        typer.Option("--account", help="The API key id of one account (default: every one)."),
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Reset every account without asking.")] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Wipe one paper account (or all): its next request starts afresh with the starting cash.

    Example: kalshi paper reset --account paper-default
    """
    if account is None and not yes:
        typer.confirm("reset EVERY paper account?", abort=True, err=True)
    gone = launch.reset(launch.remembered(_data_dir(data_dir)), account)
    _report(ctx, {"state": "reset", "accounts_reset": gone, "account": account or "all"})


def register(app: typer.Typer) -> None:
    """Add these commands to the `paper` group."""
    for name, function in (
        ("serve", serve), ("start", start), ("stop", stop), ("status", status),
        ("accounts", accounts), ("reset", reset),
    ):  # fmt: skip
        app.command(name)(function)
