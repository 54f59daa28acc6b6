"""`kalshi account limits|progress|upgrade`: your API usage level, the rate limits it gives,
your progress toward the volume-based levels, and the request for the Advanced level (which
subaccounts need)."""

from __future__ import annotations

from decimal import Decimal

import typer

from kalshikit.cli._output import emit, emit_fields, emit_json, say
from kalshikit.cli._state import state
from kalshikit.cli.order_cmds import YesOption, confirm_write
from kalshikit.units.display import contracts

app = typer.Typer(help="Your API usage level: limits, progress, upgrade.", no_args_is_help=True)

_GOAL_COLUMNS = ["level", "earn at", "keep at"]


@app.command("limits")
def limits(ctx: typer.Context) -> None:
    """Your API usage tier and its read and write budgets (tokens a second, burst).

    Example: kalshi account limits
    """
    app_state = state(ctx)
    with app_state.client(authenticated=True) as client:
        found = client.account.limits()
    if app_state.json:
        emit_json(found)
        return
    emit_fields(
        None,
        [
            ("tier", found.usage_tier),
            ("read", f"{found.read.refill_rate}/s, burst {found.read.bucket_capacity}"),
            ("write", f"{found.write.refill_rate}/s, burst {found.write.bucket_capacity}"),
        ],
    )


@app.command("progress")
def progress(ctx: typer.Context) -> None:
    """Contracts you traded over the last 30 days, against each level's volume goals.

    Example: kalshi account progress
    """
    app_state = state(ctx)
    with app_state.client(authenticated=True) as client:
        found = client.account.volume_progress()
    if app_state.json:
        emit_json(found)
        return
    for each in found:
        say(f"traded over 30 days: {contracts(Decimal(each.trailing_30d_volume_fp))} contracts")
        rows = (
            [
                g.level,
                contracts(Decimal(g.earn_volume_goal_fp)),
                contracts(Decimal(g.keep_volume_goal_fp)),
            ]
            for g in each.goals
        )
        emit(False, each.goals, None, _GOAL_COLUMNS, rows, empty="no volume goals")


@app.command("upgrade")
def upgrade(ctx: typer.Context, yes: YesOption = False) -> None:
    """Ask for the permanent Advanced usage level: granted once at least 1 of your last 100
    orders came through the API.

    Example: kalshi account upgrade
    """
    app_state = state(ctx)
    confirm_write(app_state, "ask for the Advanced API usage level", yes)
    with app_state.client(authenticated=True) as client:
        client.account.upgrade_usage_level()
        tier = client.account.limits().usage_tier
    if app_state.json:
        emit_json({"usage_tier": tier})
        return
    say(f"granted: your API usage tier is now {tier}")
