"""`kalshi paper ...`: paper trading (docs/paper.md).

Each command is a thin shell over :mod:`kalshikit.paper`: it parses the options, shows progress
on stderr and prints the result as a table, or as JSON with ``--json``.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Final

import typer

from kalshikit.cli._output import emit_json, note, say
from kalshikit.cli._state import AppState, state
from kalshikit.errors import ValidationError

app = typer.Typer(
    help="Paper trading: the paper exchange behind --env paper; calibrate the queue models.",
    no_args_is_help=True,
)

_SOURCES: Final = ("local", "demo", "prod")


def _add_server_commands() -> None:
    """serve, start, stop, status, reset, accounts: the paper exchange (paper_server_cmds)."""
    from kalshikit.cli import paper_server_cmds

    paper_server_cmds.register(app)


_add_server_commands()


@app.command("calibrate")
def calibrate_cmd(
    ctx: typer.Context,
    source: Annotated[
        str,
        typer.Option(
            "--source",
            help="Where real orders go: local (the sandbox: fills and queues compared), demo "
            "or prod (your key; tiny post-only orders far from the touch that never trade: "
            "queue positions only).",
            metavar="local|demo|prod",
        ),
    ] = "local",
    orders: Annotated[int, typer.Option("--orders", help="How many orders to place.")] = 200,
    markets: Annotated[int, typer.Option("--markets", help="How many markets to use.")] = 8,
    hold: Annotated[
        str, typer.Option("--hold", help="How long each order rests before it is canceled.")
    ] = "5s",
    seed: Annotated[int, typer.Option("--seed", help="Seed of the order mix.")] = 0,
    yes: Annotated[
        bool, typer.Option("--yes", help="With --source prod: do not ask for confirmation.")
    ] = False,
) -> None:
    """Measure paper trading against the exchange: real post-only orders and their paper
    twins (one per queue model: risk_averse, power_prob:2, power_prob:3) are placed together;
    the true queue position right after placement and the first fill within the hold are
    compared. Shows, per model, the fill/no-fill agreement (goal: 90%), the fill-time error and
    the queue-position error.

    Example: kalshi paper calibrate --orders 200 --markets 8 --hold 5s
    """
    from kalshikit.cli.record_cmds import seconds
    from kalshikit.cli.stream_cmds import stream_config
    from kalshikit.paper.calibrate import calibrate

    if source not in _SOURCES:
        raise ValidationError(f"--source must be local, demo or prod; got {source!r}")
    if orders < 1 or markets < 1:
        raise ValidationError(
            f"--orders and --markets take a positive number; got {orders}, {markets}"
        )
    hold_s = seconds(hold, "--hold")
    assert hold_s is not None
    app_state = state(ctx)
    source_state = AppState(env=source, json=app_state.json, rate_tier=app_state.rate_tier)
    far = source != "local"
    if far:
        _confirm(source_state, orders, yes)
    config = stream_config(source_state)
    what = "far from the touch, queues only" if far else "at or near the touch"
    note(f"calibrating against {config.rest_url}: {orders} orders {what}, hold {hold}")
    report = asyncio.run(
        calibrate(
            config,
            orders=orders,
            markets=markets,
            hold_s=hold_s,
            seed=seed,
            progress=note,
            far_from_touch=far,
        )
    )
    if app_state.json:
        emit_json(report.as_dict())
    else:
        say(report.table())


def _confirm(source_state: AppState, orders: int, yes: bool) -> None:
    from kalshikit.cli.order_cmds import confirm_write

    confirm_write(
        source_state,
        f"place and cancel {orders} post-only orders of 1 contract far from the touch",
        yes,
    )
