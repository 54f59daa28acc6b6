"""`kalshi doctor`: run the checklist of kalshikit.doctor and show it; formatting only.

Exit 0 when nothing failed (warnings allowed), 1 otherwise. ``--json`` prints one JSON list of
``{check, status, detail, fix}``. With ``--env local`` at the default URL the sandbox is started
when nothing answers and its default user's key is used when none is configured, as for every
other command.
"""

from __future__ import annotations

from collections.abc import Sequence

import typer
from rich.text import Text

from kalshikit.cli._clients import (
    ensure_local_sandbox,
    is_default_local,
    with_default_sandbox_key,
)
from kalshikit.cli._output import emit_json, stdout
from kalshikit.cli._state import AppState, state
from kalshikit.config import APIConfig
from kalshikit.doctor import Check, exit_code, run_doctor, summary

STYLES = {"ok": "green", "warn": "yellow", "fail": "bold red", "skipped": "dim"}
_STATUS_WIDTH = 7
_NAME_WIDTH = 11


def format_check(check: Check) -> list[str]:
    """Plain lines for one check: status, name and detail; then the fix, indented under them."""
    head = f"{check.status:<{_STATUS_WIDTH}} {check.check:<{_NAME_WIDTH}} {check.detail}"
    if not check.fix or check.status in ("ok", "skipped"):
        return [head]
    indent = " " * (_STATUS_WIDTH + _NAME_WIDTH + 2)
    return [head, f"{indent}fix: {check.fix}"]


def render(checks: Sequence[Check]) -> list[Text]:
    """The lines for a terminal: each status in its colour (details are never read as markup)."""
    lines: list[Text] = []
    for check in checks:
        first, *rest = format_check(check)
        status = first[:_STATUS_WIDTH]
        lines.append(Text.assemble((status, STYLES[check.status]), first[_STATUS_WIDTH:]))
        lines.extend(Text(line, style="cyan") for line in rest)
    return lines


def config_for(app: AppState) -> APIConfig:
    """The config to check, after the CLI's local convention (start the sandbox, default key)."""
    config = app.config()
    if not is_default_local(config):
        return config
    config = ensure_local_sandbox(config)
    return config if config.has_credentials else with_default_sandbox_key(config)


def doctor(ctx: typer.Context) -> None:
    """Check settings, key, network, clock, a signed read, the WebSocket and the tier.

    Example: kalshi doctor --env demo
    """
    app = state(ctx)
    checks = run_doctor(lambda: config_for(app))
    if app.json:
        emit_json([check.as_dict() for check in checks])
    else:
        for line in render(checks):
            stdout.print(line, highlight=False)
        stdout.print(Text(summary(checks), style="bold"), highlight=False)
    raise typer.Exit(exit_code(checks))
