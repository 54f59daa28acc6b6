"""`kalshi subaccounts list|create|transfer|transfers|netting`: the numbered accounts inside
yours (0 is the primary, 1-63 the others), each with its own cash, positions and orders.

Money moves between them in dollars on one shard (`--shard`, 0 unless a combo needs 1), with a
`client_transfer_id` fixed before sending, so a retry never moves it twice. Writes take
`--dry-run` and ask before sending on prod.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated

import typer

from kalshikit.cli._output import emit, emit_json, say
from kalshikit.cli._state import state
from kalshikit.cli.order_cmds import DryRunOption, YesOption, confirm_write, show_dry_run
from kalshikit.errors import ValidationError
from kalshikit.http.orders_core import DryRun
from kalshikit.http.resources.subaccounts import create_call, transfer_body, transfer_request
from kalshikit.models import SubaccountBalancesResponse, SubaccountNettingResponse
from kalshikit.units.display import money, when

app = typer.Typer(help="Subaccounts: list, create, move cash, netting.", no_args_is_help=True)

_BALANCE_COLUMNS = ["subaccount", "shard", "free cash", "netting"]
_TRANSFER_COLUMNS = ["id", "from", "to", "amount", "shard", "when UTC"]


def _name(number: int) -> str:
    return "primary (0)" if number == 0 else str(number)


def _cents(amount: str) -> int:
    """Dollars as the user typed them (25, 12.50) to whole cents; refused otherwise."""
    try:
        cents = Decimal(amount.removeprefix("$")) * 100
    except InvalidOperation:
        raise ValidationError(
            f"amount must be dollars such as 25 or 12.50; got {amount!r}"
        ) from None
    if cents <= 0 or cents != cents.to_integral_value():
        raise ValidationError(f"amount must be positive dollars and whole cents; got {amount!r}")
    return int(cents)


def _balance_rows(
    balances: SubaccountBalancesResponse, netting: SubaccountNettingResponse
) -> list[list[object]]:
    on = {c.subaccount_number: c.enabled for c in netting.netting_configs}
    return [
        [
            _name(b.subaccount_number),
            b.exchange_index,
            money(b.balance),
            "on" if on.get(b.subaccount_number, True) else "off",
        ]
        for b in balances.subaccount_balances
    ]


@app.command("list")
def list_subaccounts(ctx: typer.Context) -> None:
    """Each subaccount's free cash on each shard, and its netting setting.

    Example: kalshi subaccounts list
    """
    app_state = state(ctx)
    with app_state.client(authenticated=True) as client:
        balances, netting = client.subaccounts.balances(), client.subaccounts.netting()
    value = {"balances": balances, "netting": netting}
    rows = _balance_rows(balances, netting)
    emit(app_state.json, value, None, _BALANCE_COLUMNS, rows, empty="no subaccounts")


@app.command("create")
def create(
    ctx: typer.Context,
    dry_run: DryRunOption = False,
    yes: YesOption = False,
) -> None:
    """A new, empty subaccount (needs the Advanced API usage level or higher).

    Example: kalshi subaccounts create
    """
    app_state = state(ctx)
    with app_state.client(authenticated=True) as client:
        if dry_run:
            show_dry_run(DryRun.of(create_call(None).request, client.base_url))
            return
        confirm_write(app_state, "create a subaccount", yes)
        number = client.subaccounts.create()
    if app_state.json:
        emit_json({"subaccount_number": number})
        return
    say(f"created subaccount {number}; fund it with: kalshi subaccounts transfer 25 --to {number}")


@app.command("transfer")
def transfer(
    ctx: typer.Context,
    amount: Annotated[str, typer.Argument(help="Dollars to move, such as 25 or 12.50.")],
    from_number: Annotated[int, typer.Option("--from", help="The subaccount it leaves.")] = 0,
    to_number: Annotated[int, typer.Option("--to", help="The subaccount it goes to.")] = 1,
    shard: Annotated[int, typer.Option(help="The shard the cash is on (combos: 1).")] = 0,
    client_id: Annotated[
        str | None, typer.Option("--client-id", help="Your UUID for it (else one is made).")
    ] = None,
    dry_run: DryRunOption = False,
    yes: YesOption = False,
) -> None:
    """Move free cash from one of your subaccounts to another, exactly once.

    Example: kalshi subaccounts transfer 25 --from 0 --to 1
    """
    app_state = state(ctx)
    body = transfer_body(from_number, to_number, _cents(amount), shard, client_id)
    summary = f"move {money(amount)} from subaccount {from_number} to {to_number} (shard {shard})"
    with app_state.client(authenticated=True) as client:
        if dry_run:
            show_dry_run(DryRun.of(transfer_request(body), client.base_url))
            return
        confirm_write(app_state, summary, yes)
        sent = client.subaccounts.transfer(
            from_number, to_number, body.amount_cents, exchange_index=shard,
            client_transfer_id=body.client_transfer_id,
        )  # fmt: skip
    if app_state.json:
        emit_json({"client_transfer_id": sent, "amount_cents": body.amount_cents})
        return
    say(f"moved {money(amount)} from subaccount {from_number} to {to_number} on shard {shard}")


@app.command("transfers")
def transfers(ctx: typer.Context) -> None:
    """Transfers between your subaccounts, newest first.

    Example: kalshi subaccounts transfers
    """
    app_state = state(ctx)
    with app_state.client(authenticated=True) as client:
        answer = client.subaccounts.transfers()
    rows = (
        [
            t.transfer_id[:8],
            _name(t.from_subaccount),
            _name(t.to_subaccount),
            money(Decimal(t.amount_cents).scaleb(-2)),
            t.exchange_index,
            when(datetime.fromtimestamp(t.created_ts, UTC)),
        ]
        for t in answer.transfers
    )
    emit(app_state.json, answer, None, _TRANSFER_COLUMNS, rows, empty="no transfers yet")


@app.command("netting")
def netting(
    ctx: typer.Context,
    number: Annotated[int, typer.Argument(help="The subaccount (0 is the primary).")],
    on: Annotated[bool, typer.Option("--on/--off", help="Turn its netting on or off.")],
    yes: YesOption = False,
) -> None:
    """Turn netting on or off for one subaccount.

    Example: kalshi subaccounts netting 1 --off
    """
    app_state = state(ctx)
    confirm_write(app_state, f"turn netting {'on' if on else 'off'} for subaccount {number}", yes)
    with app_state.client(authenticated=True) as client:
        client.subaccounts.set_netting(number, on)
    if app_state.json:
        emit_json({"subaccount_number": number, "enabled": on})
        return
    say(f"netting is {'on' if on else 'off'} for subaccount {_name(number)}")
