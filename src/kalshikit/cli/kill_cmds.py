"""`kalshi kill`: the kill switch. Halts every strategy of the environment and cancels every
resting order; `--status` shows the halt, `--clear` lifts it.

The kill itself never asks for confirmation, in prod too: it is the safety action, and a
prompt would slow it down exactly when it is needed. Clearing a prod halt does ask (`--yes`
skips), since it lets strategies trade again. The halt is engaged *before* the cancel, so a
strategy cannot place a new order in between, and it stays on if the cancel fails.
"""

from __future__ import annotations

import getpass
import socket
from typing import Annotated, Any

import typer

from kalshikit.cli._output import emit_json, note, say
from kalshikit.cli._state import AppState, state
from kalshikit.cli.order_cmds import confirm_write
from kalshikit.errors import ValidationError
from kalshikit.strategy.audit import AuditLog, default_audit_path
from kalshikit.strategy.halt import Halt, HaltState, default_halt_path

CLEAR_HINT = "clear with `kalshi kill --clear`"


def kill(
    ctx: typer.Context,
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why, in words (kept with the halt).")
    ] = None,
    status: Annotated[
        bool, typer.Option("--status", help="Only show whether the environment is halted.")
    ] = False,
    clear: Annotated[
        bool, typer.Option("--clear", help="Lift the halt so strategies may trade again.")
    ] = False,
    yes: Annotated[
        bool, typer.Option("--yes", help="With --clear in prod: do not ask for confirmation.")
    ] = False,
) -> None:
    """Halt every strategy of the environment and cancel all resting orders.

    Example: kalshi kill --reason "feed looks wrong"  (then: kalshi kill --status)
    """
    app_state = state(ctx)
    if status and clear:
        raise ValidationError("choose one of --status and --clear")
    if reason is not None and (status or clear):
        raise ValidationError("--reason goes with the kill itself, not with --status or --clear")
    env = app_state.environment.value
    halt = Halt(default_halt_path(env))
    if status:
        _show_status(app_state, env, halt.state)
    elif clear:
        _clear(app_state, env, halt, yes)
    else:
        _kill(app_state, env, halt, "kalshi kill" if reason is None else reason)


def _who() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (containers)
        user = "unknown"
    return f"{user}@{socket.gethostname()} (kalshi kill)"


def _state_json(env: str, found: HaltState | None) -> dict[str, Any]:
    if found is None:
        return {"env": env, "halted": False}
    return {"env": env, "halted": True, "reason": found.reason, "at": found.at, "by": found.by}


def _show_status(app_state: AppState, env: str, found: HaltState | None) -> None:
    if app_state.json:
        emit_json(_state_json(env, found))
    elif found is None:
        say(f"not halted ({env})")
    else:
        say(f"halted {env} since {found.at} by {found.by}: {found.reason}; {CLEAR_HINT}")


def _clear(app_state: AppState, env: str, halt: Halt, yes: bool) -> None:
    found = halt.state
    if found is None:
        if app_state.json:
            emit_json({"env": env, "halted": False, "cleared": False})
        else:
            say(f"not halted ({env}): nothing to clear")
        return
    confirm_write(app_state, f"clear the halt of {env} ({found.reason})", yes)
    halt.clear()
    with AuditLog(default_audit_path(env), env) as audit:
        audit.write("clear", {"by": _who(), "was": found.reason})
    if app_state.json:
        emit_json({"env": env, "halted": False, "cleared": True})
    else:
        say(f"cleared the halt of {env}: strategies may trade again")


def _kill(app_state: AppState, env: str, halt: Halt, reason: str) -> None:
    engaged = halt.engage(reason, _who())
    try:
        canceled, still = _cancel_everything(app_state)
    except Exception:
        note(f"halted {env}, but canceling the resting orders failed; {CLEAR_HINT}")
        raise
    with AuditLog(default_audit_path(env), env) as audit:
        audit.write("halt", {"reason": reason, "by": engaged.by, "canceled": canceled})
    if app_state.json:
        emit_json({**_state_json(env, engaged), "canceled": canceled, "still_resting": still})
        return
    plural = "" if canceled == 1 else "s"
    left = f"; {still} still resting" if still else ""
    say(f"halted {env}: canceled {canceled} order{plural}{left}; {CLEAR_HINT}")


def _cancel_everything(app_state: AppState) -> tuple[int, int]:
    """V2 cancel-all; (orders canceled, orders still resting). The exchange answers 204 with
    no count, so count what rested before and does not now."""
    with app_state.order_client() as client:
        before = {order.order_id for order in client.orders.list(status="resting")}
        client.orders.cancel_all()
        after = {order.order_id for order in client.orders.list(status="resting")}
    return len(before - after), len(after)
