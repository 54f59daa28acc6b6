"""`kalshi config show`: the effective settings and where each came from; never a secret."""

from __future__ import annotations

import typer

from kalshikit.cli._output import emit_json, emit_table
from kalshikit.cli._state import state

app = typer.Typer(help="Show the effective configuration.", no_args_is_help=True)


@app.command("show")
def show(ctx: typer.Context) -> None:
    """Environment, URLs, credentials (where they come from, never their value) and rate tier."""
    config = state(ctx).config()
    rows = config.describe()
    if state(ctx).json:
        emit_json({name: {"value": value, "source": source} for name, value, source in rows})
        return
    emit_table(
        f"kalshikit configuration ({config.environment.value})",
        ["setting", "value", "source"],
        rows,
    )
