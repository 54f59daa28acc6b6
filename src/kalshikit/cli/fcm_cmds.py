"""`kalshi fcm ...`: the FCM member area: subtraders, their orders, fills and positions, their
daily caps and blocked categories, and position transfers between them.

Only an FCM member's key may use these (the exchange answers 403 to others; in the sandbox an
FCM comes from `kalshi sandbox keygen --fcm`, and a subtrader's own key from `kalshi sandbox
keygen --subtrader ID`). Every write takes --dry-run (the exact request, nothing sent) and asks
before it sends on prod (--yes to skip).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from kalshikit.cli._output import emit, emit_fields, emit_json, say
from kalshikit.cli._state import AppState, state
from kalshikit.cli.fcm_views import (
    FILL_COLUMNS,
    POSITION_COLUMNS,
    SUBTRADER_COLUMNS,
    cap_fields,
    fill_row,
    position_row,
    subtrader_row,
)
from kalshikit.cli.market_cmds import LimitOption, take
from kalshikit.cli.order_cmds import DryRunOption, YesOption, confirm_write, show_dry_run
from kalshikit.cli.order_views import ORDER_COLUMNS, order_row
from kalshikit.errors import ValidationError
from kalshikit.http.orders_core import DryRun
from kalshikit.http.resources import fcm as calls

if TYPE_CHECKING:
    from kalshikit.http.client import KalshiClient

app = typer.Typer(
    help="FCM members: subtraders, their orders, fills, positions, caps.", no_args_is_help=True
)
T = TypeVar("T")

SubtraderArgument = Annotated[
    str, typer.Argument(help="The subtrader's full id (kalshi fcm subtraders).")
]
TickerOption = Annotated[str | None, typer.Option("--ticker", help="One market.")]


def _write(
    app_state: AppState,
    request: Callable[[str], DryRun],
    summary: str,
    yes: bool,
    dry_run: bool,
    send: Callable[[KalshiClient], T],
) -> tuple[bool, T | None]:
    """(sent, the answer). ``request(base_url)`` (checked: built before this is called) is
    what a dry run prints; else confirm on prod and ``send``."""
    with app_state.client(authenticated=True) as client:
        if dry_run:
            show_dry_run(request(client.base_url))
            return False, None
        confirm_write(app_state, summary, yes)
        return True, send(client)


@app.command("subtraders")
def subtraders(ctx: typer.Context) -> None:
    """Your subtraders: id, the shards they are on, whether trading is blocked.

    Example: kalshi fcm subtraders
    """
    app_state = state(ctx)
    with app_state.client(authenticated=True) as client:
        found = client.fcm.subtraders()
    emit(
        app_state.json, found, None, SUBTRADER_COLUMNS, map(subtrader_row, found),
        shrink=(), empty="no subtraders",
    )  # fmt: skip


@app.command("create-subtrader")
def create_subtrader(
    ctx: typer.Context,
    suffix: Annotated[str, typer.Argument(help="1-16 letters or digits: the id's end.")],
    dry_run: DryRunOption = False,
    yes: YesOption = False,
) -> None:
    """Create a subtrader `{your id}_{suffix}`.

    Example: kalshi fcm create-subtrader alice
    """
    app_state = state(ctx)
    call = calls.create_subtrader_call(suffix)
    sent, made = _write(
        app_state, partial(DryRun.of, call.request), f"create subtrader {suffix}", yes, dry_run,
        lambda client: client.fcm.create_subtrader(suffix),
    )  # fmt: skip
    if not sent or made is None:
        return
    if app_state.json:
        emit_json(made)
        return
    say(f"created subtrader {made.subtrader_id}")


@app.command("orders")
def orders(
    ctx: typer.Context,
    subtrader: SubtraderArgument,
    ticker: TickerOption = None,
    status: Annotated[str | None, typer.Option(help="resting, canceled or executed.")] = None,
    limit: LimitOption = 50,
) -> None:
    """A subtrader's orders, newest first, as `kalshi order list` shows yours.

    Example: kalshi fcm orders FCMID_alice --status resting
    """
    app_state = state(ctx)
    with app_state.client(authenticated=True) as client:
        pager = client.fcm.orders(subtrader_id=subtrader, ticker=ticker, status=status)
        found = take(pager, limit, "orders", False)
    emit(
        app_state.json, found, None, ORDER_COLUMNS, map(order_row, found),
        optional=("client id", "placed UTC"), shrink=(), empty=f"no orders of {subtrader}",
    )  # fmt: skip


@app.command("fills")
def fills(ctx: typer.Context, limit: LimitOption = 50) -> None:
    """Your subtraders' fills, one per trade, newest first (maker and taker by suffix).

    Example: kalshi fcm fills --limit 20
    """
    app_state = state(ctx)
    with app_state.client(authenticated=True) as client:
        found = take(client.fcm.fills(), limit, "fills", False)
    emit(
        app_state.json, found, None, FILL_COLUMNS, map(fill_row, found),
        optional=("at UTC", "maker"), shrink=(), empty="no fills",
    )  # fmt: skip


@app.command("positions")
def positions(
    ctx: typer.Context,
    subtrader: SubtraderArgument,
    ticker: TickerOption = None,
    limit: LimitOption = 0,
) -> None:
    """A subtrader's open positions, as `kalshi portfolio positions` shows yours.

    Example: kalshi fcm positions FCMID_alice
    """
    app_state = state(ctx)
    with app_state.client(authenticated=True) as client:
        pager = client.fcm.positions(subtrader, ticker=ticker, count_filter=["position"])
        found = take(pager, limit, "positions", False)
    emit(
        app_state.json, found, None, POSITION_COLUMNS, map(position_row, found),
        empty=f"no open positions of {subtrader}",
    )  # fmt: skip


@app.command("daily-cap")
def daily_cap(
    ctx: typer.Context,
    subtrader: SubtraderArgument,
    set_to: Annotated[
        str | None, typer.Option("--set", help="Set the cap: dollars per New York day.")
    ] = None,
    remove: Annotated[bool, typer.Option("--remove", help="Remove the cap.")] = False,
    dry_run: DryRunOption = False,
    yes: YesOption = False,
) -> None:
    """Show a subtrader's event-contract daily cap and its use today; --set or --remove it.

    Example: kalshi fcm daily-cap FCMID_alice --set 250
    """
    app_state = state(ctx)
    if set_to is not None and remove:
        raise ValidationError("give --set or --remove, not both")
    if set_to is not None or remove:
        request = (
            calls.delete_daily_cap_request(subtrader)
            if remove
            else calls.set_daily_cap_request(subtrader, set_to or "")
        )
        what = "remove the daily cap" if remove else f"set the daily cap to ${set_to}"
        sent, _ = _write(
            app_state, partial(DryRun.of, request), f"{what} of {subtrader}", yes, dry_run,
            lambda client: (
                client.fcm.delete_daily_cap(subtrader)
                if remove
                else client.fcm.set_daily_cap(subtrader, set_to or "")
            ),
        )  # fmt: skip
        if not sent:
            return
        if remove:
            if app_state.json:
                emit_json({"subtrader_id": subtrader, "daily_cap": None})
            else:
                say(f"removed the daily cap of {subtrader}")
            return
    with app_state.client(authenticated=True) as client:
        cap = client.fcm.daily_cap(subtrader)
    if app_state.json:
        emit_json(cap)
        return
    emit_fields(None, cap_fields(cap))


@app.command("blocked-categories")
def blocked_categories(
    ctx: typer.Context,
    subtrader: SubtraderArgument,
    block: Annotated[str | None, typer.Option(help="Block this category.")] = None,
    unblock: Annotated[str | None, typer.Option(help="Unblock this category.")] = None,
    dry_run: DryRunOption = False,
    yes: YesOption = False,
) -> None:
    """The event categories a subtrader may not trade; --block or --unblock one.

    Example: kalshi fcm blocked-categories FCMID_alice --block Politics
    """
    app_state = state(ctx)
    if block is not None and unblock is not None:
        raise ValidationError("give --block or --unblock, not both")
    category = block if block is not None else unblock
    if category is None:
        with app_state.client(authenticated=True) as client:
            found = client.fcm.blocked_categories(subtrader)
    else:
        call = calls.block_call(subtrader, category, block is not None)
        verb = "block" if block is not None else "unblock"
        sent, changed = _write(
            app_state, partial(DryRun.of, call.request), f"{verb} {category} for {subtrader}",
            yes, dry_run,
            lambda client: client.fcm.block_category(
                subtrader, category, blocked=block is not None
            ),
        )  # fmt: skip
        if not sent or changed is None:
            return
        found = changed
    if app_state.json:
        emit_json(found)
        return
    say(", ".join(found) if found else f"no categories blocked for {subtrader}")


@app.command("transfer-position")
def transfer_position(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help="The subtrader giving up the position.")],
    target: Annotated[str, typer.Argument(help="The subtrader taking it (made if new).")],
    ticker: Annotated[str, typer.Argument(help="The market.")],
    side: Annotated[str, typer.Option(help="yes or no: the side moved.")],
    count: Annotated[int, typer.Option(help="Whole contracts to move.", min=1)],
    price: Annotated[
        int, typer.Option(help="YES price in whole cents (0-100) it is booked at.", min=0)
    ],
    dry_run: DryRunOption = False,
    yes: YesOption = False,
) -> None:
    """Move a position between two of your subtraders, booked at a YES price (no fee).

    Example: kalshi fcm transfer-position ID_a ID_err TICKER --side no --count 5 --price 70
    """
    app_state = state(ctx)
    if side.lower() not in ("yes", "no"):
        raise ValidationError(f"--side must be yes or no; got {side!r}")
    signed = count * 100 * (1 if side.lower() == "yes" else -1)
    call = calls.transfer_call(source, target, ticker, signed, price * 100)
    summary = f"move {count} {side.upper()} of {ticker} from {source} to {target} at {price}¢"
    sent, moved = _write(
        app_state, partial(DryRun.of, call.request), summary, yes, dry_run,
        lambda client: client.fcm.transfer_position(
            source, target, ticker, position_centicount=signed, price_centicents=price * 100
        ),
    )  # fmt: skip
    if not sent or moved is None:
        return
    if app_state.json:
        emit_json(moved)
        return
    transfer_id = moved.position_transfer_id
    say(f"moved {count} {side.upper()} of {ticker} to {target} (transfer {transfer_id})")
