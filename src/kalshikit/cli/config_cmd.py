"""`kalshi config show`: the effective settings and where each came from; never a secret."""

from __future__ import annotations

import typer

from kalshikit.cli._clients import following_local_sandbox, is_default_local
from kalshikit.cli._output import emit_json, emit_table, note
from kalshikit.cli._state import state
from kalshikit.config import APIConfig
from kalshikit.ratelimit import BucketSpec, is_auto, resolve_budget

app = typer.Typer(help="Show the effective configuration.", no_args_is_help=True)


@app.command("show")
def show(ctx: typer.Context) -> None:
    """Environment, URLs, credentials (where they come from, never their value) and rate tier.

    Example: kalshi config show --env demo
    """
    config = state(ctx).config()
    managed = is_default_local(config)
    if managed:  # the URL every local command will use, without starting the sandbox
        config = following_local_sandbox(config)
    rows = [row for row in config.describe() if row[0] != "rate_tier"] + rate_rows(config)
    if state(ctx).json:
        emit_json({name: {"value": value, "source": source} for name, value, source in rows})
        return
    emit_table(
        f"kalshikit configuration ({config.environment.value})",
        ["setting", "value", "source"],
        rows,
    )
    if managed and not config.has_credentials:
        note(
            "no key set: commands that need one use the sandbox's default user "
            "(`kalshi sandbox keygen` makes your own)"
        )


def rate_rows(config: APIConfig) -> list[tuple[str, str, str]]:
    """The tier the client will pace to and its two budgets (an unknown tier: exit 2)."""
    source = config.sources.get("rate_tier", "argument")
    auto = is_auto(config.rate_tier)
    budget = resolve_budget(None if auto else config.rate_tier)
    tier = f"auto (read from the exchange on first use; {budget.name} until then)"
    return [
        ("rate_tier", tier if auto else budget.name, source),
        ("read_budget", _budget_text(budget.read), source),
        ("write_budget", _budget_text(budget.write), source),
    ]


def _budget_text(spec: BucketSpec) -> str:
    return f"{spec.rate:g} tokens/s, bucket of {spec.capacity:g}"
