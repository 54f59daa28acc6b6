"""`kalshi transfer shard|list|show` and `kalshi portfolio allocation|deposits|withdrawals`:
money between shards, the allocation that keeps them funded, and your funding history.

Kalshi checks collateral per shard (combo markets are on shard 1, the rest on 0), so an order
on a shard needs free cash there: `kalshi transfer shard 25 --from 0 --to 1` moves it at once.
`transfer` is a group (`shard`, `list`, `show`) rather than an action with subcommands: click
would read `list` as the amount. Writes take `--dry-run` and ask before sending on prod.
"""

from __future__ import annotations

from typing import Annotated

import typer

from kalshikit.cli._output import emit, emit_fields, emit_json, say
from kalshikit.cli._state import state
from kalshikit.cli.market_cmds import LimitOption, take
from kalshikit.cli.money_views import (
    FUNDING_COLUMNS,
    TRANSFER_COLUMNS,
    allocation_fields,
    funding_row,
    parse_allocation,
    transfer_line,
    transfer_row,
)
from kalshikit.cli.order_cmds import DryRunOption, YesOption, confirm_write, show_dry_run
from kalshikit.errors import ValidationError
from kalshikit.http.orders_core import DryRun
from kalshikit.http.resources.money import set_allocation_call

app = typer.Typer(help="Move money between shards; list your transfers.", no_args_is_help=True)

__all__ = ["allocation", "app", "deposits", "withdrawals"]


@app.command("shard")
def shard(
    ctx: typer.Context,
    amount: Annotated[str, typer.Argument(help="Dollars to move, such as 25 or 12.50.")],
    from_shard: Annotated[int, typer.Option("--from", help="The shard the money leaves.")] = 0,
    to_shard: Annotated[int, typer.Option("--to", help="The shard it goes to (combos: 1).")] = 1,
    transfer_id: Annotated[
        str | None, typer.Option("--client-id", help="Your UUID for it (else one is made).")
    ] = None,
    dry_run: DryRunOption = False,
    yes: YesOption = False,
) -> None:
    """Move free cash from one shard to another, at once and exactly once.

    Example: kalshi transfer shard 25 --from 0 --to 1
    """
    app_state = state(ctx)
    with app_state.client(authenticated=True) as client:

        def send(dry: bool) -> object:
            return client.transfers.shard(
                amount, from_shard=from_shard, to_shard=to_shard,
                client_transfer_id=transfer_id, dry_run=dry,
            )  # fmt: skip

        checked = send(True)  # every check before asking or sending
        if dry_run:
            assert isinstance(checked, DryRun)
            show_dry_run(checked)
            return
        confirm_write(app_state, f"move ${amount} from shard {from_shard} to {to_shard}", yes)
        answer = send(False)
    if app_state.json:
        emit_json(answer)
        return
    say(transfer_line(amount, from_shard, to_shard, getattr(answer, "transfer_id", "?")))


@app.command("list")
def list_transfers(ctx: typer.Context, limit: LimitOption = 50) -> None:
    """Your transfers between shards, newest first.

    Example: kalshi transfer list --limit 10
    """
    app_state = state(ctx)
    with app_state.client(authenticated=True) as client:
        found = take(client.transfers.list(), limit, "transfers", False)
    emit(
        app_state.json, found, None, TRANSFER_COLUMNS, map(transfer_row, found),
        optional=("created UTC",), empty="no transfers between shards yet",
    )  # fmt: skip


@app.command("show")
def show(
    ctx: typer.Context,
    transfer_id: Annotated[str, typer.Argument(help="The transfer's id (kalshi transfer list).")],
) -> None:
    """One transfer between shards.

    Example: kalshi transfer show 0f3c2a9e-5d1b-4c7e-9a2f-6b8d4e1c7a30
    """
    app_state = state(ctx)
    with app_state.client(authenticated=True) as client:
        found = client.transfers.get(transfer_id)
    if app_state.json:
        emit_json(found)
        return
    emit_fields(found.transfer_id, zip(TRANSFER_COLUMNS[1:], transfer_row(found)[1:], strict=True))


def allocation(
    ctx: typer.Context,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="SHARD=PERCENT to keep there; repeat it (total 100)."),
    ] = None,
    reserve: Annotated[
        str | None,
        typer.Option(help="What a rebalance leaves for resting orders: none, max or sum."),
    ] = None,
    off: Annotated[bool, typer.Option("--off", help="Stop automatic rebalancing.")] = False,
    dry_run: DryRunOption = False,
    yes: YesOption = False,
) -> None:
    """Show or set the target balance allocation: the share of your free cash the exchange
    keeps on each shard, rebalancing when it is set and after deposits and settlements.

    Example: kalshi portfolio allocation --set 0=50 --set 1=50
    """
    app_state = state(ctx)
    with app_state.client(authenticated=True) as client:
        if set_ or off:
            if set_ and off:
                raise ValidationError("give --set or --off, not both")
            try:
                percents = {} if off else parse_allocation(set_ or [])
            except ValueError as error:
                raise ValidationError(str(error)) from None
            call = set_allocation_call(percents, reserve)  # checks before anything is sent
            if dry_run:
                show_dry_run(DryRun.of(call.request, client.base_url))
                return
            confirm_write(app_state, "change the target balance allocation", yes)
            client.funding.set_allocation(percents, reservation=reserve)
        answer = client.funding.allocation()
    if app_state.json:
        emit_json(answer)
        return
    emit_fields(None, allocation_fields(answer))


def deposits(ctx: typer.Context, limit: LimitOption = 50) -> None:
    """Your deposits, newest first.

    Example: kalshi portfolio deposits
    """
    app_state = state(ctx)
    with app_state.client(authenticated=True) as client:
        found = take(client.funding.deposits(), limit, "deposits", False)
    emit(
        app_state.json, found, None, FUNDING_COLUMNS, map(funding_row, found),
        optional=("fee", "created UTC"), empty="no deposits yet",
    )  # fmt: skip


def withdrawals(ctx: typer.Context, limit: LimitOption = 50) -> None:
    """Your withdrawals, newest first.

    Example: kalshi portfolio withdrawals
    """
    app_state = state(ctx)
    with app_state.client(authenticated=True) as client:
        found = take(client.funding.withdrawals(), limit, "withdrawals", False)
    emit(
        app_state.json, found, None, FUNDING_COLUMNS, map(funding_row, found),
        optional=("fee", "created UTC"), empty="no withdrawals yet",
    )  # fmt: skip
