"""`kalshi order ...`: place, cancel, amend, decrease, list and show orders.

Safety first: every input is checked before anything is sent (a bad flag is one line naming it,
exit 2); `--dry-run` prints the exact request and sends nothing; in prod every write shows what
it will do and asks, unless `--yes`, and refuses without a terminal.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from typing import Annotated, Any, cast

import typer

from kalshikit.cli._output import emit, emit_fields, emit_json, note, say
from kalshikit.cli._state import AppState, state
from kalshikit.cli.market_cmds import LimitOption, take
from kalshikit.cli.order_views import (
    ORDER_COLUMNS,
    amended_line,
    batch_canceled_line,
    canceled_line,
    cents_of,
    decreased_line,
    find_order,
    order_fields,
    order_row,
)
from kalshikit.config import Environment
from kalshikit.entry import (
    flag_action,
    flag_side,
    flagged,
    order_entry,
    parse_cents,
    parse_decimal,
    placed_line,
)
from kalshikit.errors import ValidationError
from kalshikit.http.client import KalshiClient
from kalshikit.http.orders_core import DryRun, OrderResult
from kalshikit.models import (
    AmendOrderAck,
    BatchCancelItem,
    CancelOrderAck,
    DecreaseOrderAck,
    Order,
)

app = typer.Typer(help="Place and manage orders.", no_args_is_help=True)

YesOption = Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation (prod).")]
DryRunOption = Annotated[bool, typer.Option("--dry-run", help="Show the request; send nothing.")]
SideOption = Annotated[
    str, typer.Option(help="yes or no (any case): the contract you name.", metavar="yes|no")
]
ActionOption = Annotated[str, typer.Option(help="buy or sell (any case).", metavar="buy|sell")]
OrderIdArgument = Annotated[
    str, typer.Argument(help="The order's id, or a unique start of it (as `order list` shows).")
]
# Cancels and decreases reach the shard of the market they name, else shard 0 (a combo market's
# order would be "not found"); without --ticker the order is read first to learn its market.
OrderTickerOption = Annotated[
    str | None, typer.Option("--ticker", help="The order's market (else it is looked up).")
]


def confirm_write(app_state: AppState, summary: str, yes: bool) -> None:
    """In prod, ask before any write unless --yes; without a terminal, refuse."""
    if app_state.environment is not Environment.PROD or yes:
        return
    if not sys.stdin.isatty():
        raise ValidationError(f"refusing a prod write without a terminal: {summary}; add --yes")
    if not typer.confirm(f"PRODUCTION: {summary}. Send it?", default=False):
        raise typer.Exit(1)


def _result_json(result: OrderResult) -> dict[str, Any]:
    return {
        "order_id": result.order_id,
        "client_order_id": result.client_order_id,
        "resolved_by": result.resolved_by,
        "ack": result.ack,
    }


def show_dry_run(outcome: DryRun) -> None:
    """What every write's --dry-run prints: a word on stderr, the exact request as JSON."""
    note(f"dry run: nothing sent; this is the {outcome.method} request it would send")
    emit_json({"dry_run": True, "method": outcome.method, "url": outcome.url, "body": outcome.body})


def _emit_write(app_state: AppState, outcome: object, line: Callable[[], str]) -> None:
    """A dry run prints the exact request; a write prints one line in words, or the
    exchange's answer as JSON with --json."""
    if isinstance(outcome, DryRun):
        show_dry_run(outcome)
        return
    if app_state.json:
        emit_json(_result_json(outcome) if isinstance(outcome, OrderResult) else outcome)
        return
    say(line())


SubaccountOption = Annotated[
    int | None, typer.Option(help="Act in this subaccount (0 is the primary, 1-63).")
]


@app.command("place")
def place(
    ctx: typer.Context,
    ticker: Annotated[str, typer.Option(help="Market ticker.")],
    side: SideOption,
    action: ActionOption,
    count: Annotated[str, typer.Option(help="Contracts (whole, or 0.01 steps).")],
    cents: Annotated[str | None, typer.Option(help="Price of your side in whole cents.")] = None,
    dollars: Annotated[str | None, typer.Option(help="Price of your side in dollars.")] = None,
    tif: Annotated[
        str,
        typer.Option(
            help="Good till canceled, immediate or cancel (the rest dies), fill or kill.",
            metavar="gtc|ioc|fok",
        ),
    ] = "gtc",
    post_only: Annotated[
        bool, typer.Option("--post-only", help="Refuse the order if it would take liquidity.")
    ] = False,
    reduce_only: Annotated[
        bool, typer.Option("--reduce-only", help="Only shrink a position, never open one.")
    ] = False,
    expires: Annotated[int | None, typer.Option(help="Unix seconds (gtc only).")] = None,
    client_order_id: Annotated[
        str | None, typer.Option("--client-order-id", help="Your id for it (else made for you).")
    ] = None,
    subaccount: SubaccountOption = None,
    dry_run: DryRunOption = False,
    yes: YesOption = False,
) -> None:
    """Place a limit order: say the side (yes/no), the action (buy/sell) and that side's price.

    Example: kalshi order place --ticker KXHIGHNY-26DEC03-B49.5 --side yes --action buy
    --count 3 --cents 24
    """
    app_state = state(ctx)
    entry = order_entry(
        ticker, side=side, action=action, count=count, cents_text=cents, dollars=dollars,
        tif=tif, post_only=post_only, reduce_only=reduce_only, expires=expires,
        client_order_id=client_order_id, subaccount=subaccount,
    )  # fmt: skip
    with app_state.order_client() as client:
        try:
            # every check (the market's tick grid included) before asking or sending
            checked = client.orders.create(ticker, **entry.intent, dry_run=True)
            if dry_run:
                outcome: object = checked
            else:
                confirm_write(app_state, entry.summary, yes)
                outcome = client.orders.create(ticker, **entry.intent)
        except ValidationError as error:
            raise flagged(error) from None
    _emit_write(
        app_state,
        outcome,
        lambda: placed_line(cast(OrderResult, outcome), entry.side, entry.action, count),
    )


@app.command("cancel")
def cancel(
    ctx: typer.Context,
    order_id: OrderIdArgument,
    ticker: OrderTickerOption = None,
    dry_run: DryRunOption = False,
    yes: YesOption = False,
) -> None:
    """Cancel one resting order.

    Example: kalshi order cancel 1a2b3c4d
    """
    app_state = state(ctx)
    with app_state.order_client() as client:
        order_id, ticker = _named_order(client, order_id, ticker)
        if not dry_run:
            confirm_write(app_state, f"cancel order {order_id}", yes)
        outcome = client.orders.cancel(order_id, market_ticker=ticker, dry_run=dry_run)
    _emit_write(app_state, outcome, partial(canceled_line, cast(CancelOrderAck, outcome), order_id))


def _named_order(client: KalshiClient, text: str, ticker: str | None) -> tuple[str, str | None]:
    """The whole id (and market) of the order a user named by its id or a unique prefix."""
    found = find_order(client, text)
    if found is None:
        return text, ticker
    return found.order_id, ticker or found.ticker


@app.command("cancel-all")
def cancel_all(
    ctx: typer.Context,
    ticker: Annotated[str | None, typer.Option(help="Only this market.")] = None,
    dry_run: DryRunOption = False,
    yes: YesOption = False,
) -> None:
    """Cancel every resting order (or every one in one market) and say how many.

    Example: kalshi order cancel-all --ticker KXHIGHNY-26DEC03-B49.5
    """
    app_state = state(ctx)
    where = f" in {ticker}" if ticker else ""
    if not dry_run:
        confirm_write(app_state, f"cancel all resting orders{where}", yes)
    with app_state.order_client() as client:
        # the orders themselves, not their ids: each carries its market, so the cancel
        # reaches the shard it rests on without a second look-up
        resting = list(client.orders.list(ticker=ticker, status="resting"))
        if not resting and not dry_run:
            if app_state.json:
                emit_json([])
            else:
                say(f"nothing to cancel: no resting orders{where}")
            return
        if ticker is None:
            outcome: object = client.orders.cancel_all(dry_run=dry_run)
            line = _all_canceled_line(client, resting)
        else:
            outcome = client.orders.cancel_batch(resting, dry_run=dry_run)
            line = partial(batch_canceled_line, cast(list[BatchCancelItem], outcome))
        # inside the client's block: the count of what was canceled reads the exchange again
        _emit_write(app_state, outcome if outcome is not None else [], line)


def _all_canceled_line(client: KalshiClient, before: list[Order]) -> Callable[[], str]:
    """The exchange's cancel-all answers 204 with no count: count what was resting before
    and is not now (an order placed meanwhile is canceled too, but not counted)."""

    def line() -> str:
        still = {o.order_id for o in client.orders.list(status="resting")}
        gone = sum(o.order_id not in still for o in before)
        text = f"canceled {gone} order{'s' if gone != 1 else ''}"
        return text + (f"; {len(still)} still resting" if still else "")

    return line


@app.command("amend")
def amend(
    ctx: typer.Context,
    order_id: OrderIdArgument,
    ticker: Annotated[str, typer.Option(help="The order's market.")],
    side: SideOption,
    action: ActionOption,
    count: Annotated[str, typer.Option(help="New total size (filled + remaining).")],
    cents: Annotated[str | None, typer.Option(help="New price in whole cents.")] = None,
    dollars: Annotated[str | None, typer.Option(help="New price in dollars.")] = None,
    dry_run: DryRunOption = False,
    yes: YesOption = False,
) -> None:
    """Change an order's price or size (a new price or a larger size loses queue priority).

    Example: kalshi order amend 1a2b3c4d --ticker T --side yes --action buy --count 5 --cents 41
    """
    app_state = state(ctx)
    price_cents, price_dollars = parse_cents(cents), parse_decimal(dollars, "--dollars")
    size = parse_decimal(count, "--count")
    named_side, named_action = flag_side(side), flag_action(action)
    words = f"{named_action} {count} {named_side.upper()} at {cents_of(price_cents, price_dollars)}"
    with app_state.order_client() as client:
        order_id, _ = _named_order(client, order_id, ticker)
        if not dry_run:
            confirm_write(app_state, f"amend {order_id} to {words}", yes)
        try:
            outcome = client.orders.amend(
                order_id,
                ticker=ticker,
                side=named_side,
                action=named_action,
                count=size if size is not None else Decimal(0),
                price_cents=price_cents,
                price_dollars=price_dollars,
                dry_run=dry_run,
            )
        except ValidationError as error:
            raise flagged(error) from None
    _emit_write(
        app_state, outcome, partial(amended_line, cast(AmendOrderAck, outcome), order_id, words)
    )


@app.command("decrease")
def decrease(
    ctx: typer.Context,
    order_id: OrderIdArgument,
    by: Annotated[str | None, typer.Option("--by", help="Contracts to take off.")] = None,
    to: Annotated[str | None, typer.Option("--to", help="Contracts to leave resting.")] = None,
    ticker: OrderTickerOption = None,
    dry_run: DryRunOption = False,
    yes: YesOption = False,
) -> None:
    """Make a resting order smaller, keeping its place in the queue.

    Example: kalshi order decrease 1a2b3c4d --to 2
    """
    app_state = state(ctx)
    if (by is None) == (to is None):
        raise ValidationError("give exactly one of --by and --to")
    reduce_by, reduce_to = parse_decimal(by, "--by"), parse_decimal(to, "--to")
    with app_state.order_client() as client:
        order_id, ticker = _named_order(client, order_id, ticker)
        if not dry_run:
            change = f"by {by}" if by else f"to {to}"
            confirm_write(app_state, f"decrease {order_id} {change}", yes)
        try:
            outcome = client.orders.decrease(
                order_id, reduce_by=reduce_by, reduce_to=reduce_to, market_ticker=ticker,
                dry_run=dry_run,
            )  # fmt: skip
        except ValidationError as error:
            raise flagged(error) from None
    _emit_write(
        app_state, outcome, lambda: decreased_line(cast(DecreaseOrderAck, outcome), order_id)
    )


@app.command("list")
def list_orders(
    ctx: typer.Context,
    status: Annotated[
        str | None, typer.Option(help="resting, canceled or executed (default: all).")
    ] = None,
    ticker: Annotated[str | None, typer.Option(help="One market.")] = None,
    limit: LimitOption = 50,
) -> None:
    """Your orders, newest first; the short id in the first column is enough to name one.

    Example: kalshi order list --status resting
    """
    app_state = state(ctx)
    with app_state.order_client() as client:
        found = take(client.orders.list(ticker=ticker, status=status), limit, "orders", False)
    emit(
        app_state.json, found, None, ORDER_COLUMNS, map(order_row, found),
        optional=("client id", "placed UTC"), shrink=(),
        empty=f"no {status + ' ' if status else ''}orders{f' in {ticker}' if ticker else ''}",
    )  # fmt: skip


@app.command("show")
def show(ctx: typer.Context, order_id: OrderIdArgument) -> None:
    """One order, every field.

    Example: kalshi order show 1a2b3c4d
    """
    app_state = state(ctx)
    with app_state.order_client() as client:
        found = find_order(client, order_id) or client.orders.get(order_id)
    if app_state.json:
        emit_json(found)
        return
    emit_fields(f"order {found.order_id}", order_fields(found))
