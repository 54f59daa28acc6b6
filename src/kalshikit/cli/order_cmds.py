"""`kalshi order ...`: place, cancel, amend, decrease, list and show orders.

Safety first: every input is checked before anything is sent (a bad flag is one line naming it,
exit 2); `--dry-run` prints the exact request and sends nothing; in prod every write shows what
it will do and asks, unless `--yes`, and refuses without a terminal.
"""

from __future__ import annotations

import sys
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

import typer

from kalshikit.cli._output import emit, emit_json, note
from kalshikit.cli._state import AppState, state
from kalshikit.cli.market_cmds import LimitOption, take
from kalshikit.config import Environment
from kalshikit.errors import ValidationError
from kalshikit.http.orders_core import DryRun, OrderResult
from kalshikit.models import Order
from kalshikit.units import Action, Price, Side, intent_to_wire, parse_action, parse_side

app = typer.Typer(help="Place and manage orders.", no_args_is_help=True)

TIF = {"gtc": "good_till_canceled", "ioc": "immediate_or_cancel", "fok": "fill_or_kill"}
FLAG_NAMES = {"price_cents": "--cents", "price_dollars": "--dollars", "count": "--count"}
YesOption = Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation (prod).")]
DryRunOption = Annotated[bool, typer.Option("--dry-run", help="Show the request; send nothing.")]
# Cancels and decreases reach the shard of the market they name, else shard 0 (a combo market's
# order would be "not found"); without --ticker the order is read first to learn its market.
OrderTickerOption = Annotated[
    str | None, typer.Option("--ticker", help="The order's market (else it is looked up).")
]


def flagged(error: ValidationError) -> ValidationError:
    """The library's message with its argument names replaced by the CLI's flags."""
    text = str(error)
    for argument, flag in FLAG_NAMES.items():
        text = text.replace(argument, flag)
    return ValidationError(text)


def parse_cents(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValidationError(f"--cents takes whole cents 1-99; got {text!r}") from None
    if value != value.to_integral_value() or not 1 <= value <= 99:
        hint = ""
        if 0 < value < 1:
            hint = f"; did you mean --cents {int(value * 100)} or --dollars {value:.2f}?"
        raise ValidationError(f"--cents takes whole cents 1-99; got {text}{hint}")
    return int(value)


def parse_decimal(text: str | None, flag: str) -> Decimal | None:
    if text is None:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValidationError(f"{flag} takes a number such as 0.45; got {text!r}") from None


def worst_case(action: str, count: Decimal, price: Price) -> Decimal:
    """The most this order can cost: the price paid, or for a sale that opens a position the
    collateral of the other side (1 - price); before fees."""
    per_contract = price.dollars if action == "buy" else 1 - price.dollars
    return (count * per_contract).quantize(Decimal("0.01"))


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


def _emit_write(app_state: AppState, outcome: object, what: str) -> None:
    if isinstance(outcome, DryRun):
        emit_json(
            {"dry_run": True, "method": outcome.method, "url": outcome.url, "body": outcome.body}
        )
        return
    shown = _result_json(outcome) if isinstance(outcome, OrderResult) else outcome
    if app_state.json:
        emit_json(shown)
        return
    note(what)
    emit_json(shown)


def flag_side(text: str) -> Side:
    """``--side`` in the user's words: yes or no, in any case."""
    try:
        return parse_side(text.strip().lower())
    except ValidationError:
        raise ValidationError(f"--side takes yes or no; got {text!r}") from None


def flag_action(text: str) -> Action:
    """``--action`` in the user's words: buy or sell, in any case."""
    try:
        return parse_action(text.strip().lower())
    except ValidationError:
        raise ValidationError(f"--action takes buy or sell; got {text!r}") from None


@app.command("place")
def place(
    ctx: typer.Context,
    ticker: Annotated[str, typer.Option(help="Market ticker.")],
    side: Annotated[str, typer.Option(help="yes or no: the contract you name.")],
    action: Annotated[str, typer.Option(help="buy or sell.")],
    count: Annotated[str, typer.Option(help="Contracts (whole, or 0.01 steps).")],
    cents: Annotated[str | None, typer.Option(help="Price of your side in whole cents.")] = None,
    dollars: Annotated[str | None, typer.Option(help="Price of your side in dollars.")] = None,
    tif: Annotated[str, typer.Option(help="gtc, ioc or fok.")] = "gtc",
    post_only: Annotated[bool, typer.Option("--post-only")] = False,
    reduce_only: Annotated[bool, typer.Option("--reduce-only")] = False,
    expires: Annotated[int | None, typer.Option(help="Unix seconds (gtc only).")] = None,
    client_order_id: Annotated[str | None, typer.Option("--client-order-id")] = None,
    dry_run: DryRunOption = False,
    yes: YesOption = False,
) -> None:
    """Place a limit order: say the side (yes/no), the action (buy/sell) and that side's price."""
    app_state = state(ctx)
    parse_decimal(count, "--count")
    price_cents = parse_cents(cents)
    price_dollars = parse_decimal(dollars, "--dollars")
    if tif not in TIF:
        raise ValidationError(f"--tif takes gtc, ioc or fok; got {tif!r}")
    if (price_cents is None) == (price_dollars is None):
        raise ValidationError("give exactly one of --cents and --dollars")
    price = Price.from_cents(price_cents) if price_cents is not None else Price.parse(price_dollars)  # type: ignore[arg-type]
    side, action = flag_side(side), flag_action(action)
    intent_to_wire(side, action, price)
    summary = (
        f"{action} {count} {side.upper()} of {ticker} at {price} "
        f"(worst case ${worst_case(action, Decimal(count), price)} before fees)"
    )
    intent: dict[str, Any] = {
        "side": side,
        "action": action,
        "count": count,
        "price_cents": price_cents,
        "price_dollars": price_dollars,
        "time_in_force": TIF[tif],
        "post_only": post_only or None,
        "reduce_only": reduce_only or None,
        "expiration": expires,
        "client_order_id": client_order_id,
    }
    with app_state.order_client() as client:
        try:
            # every check (the market's tick grid included) before asking or sending
            checked = client.orders.create(ticker, **intent, dry_run=True)
            if dry_run:
                outcome: object = checked
            else:
                confirm_write(app_state, summary, yes)
                outcome = client.orders.create(ticker, **intent)
        except ValidationError as error:
            raise flagged(error) from None
    _emit_write(app_state, outcome, f"placed: {summary}")


@app.command("cancel")
def cancel(
    ctx: typer.Context,
    order_id: str,
    ticker: OrderTickerOption = None,
    dry_run: DryRunOption = False,
    yes: YesOption = False,
) -> None:
    """Cancel one resting order."""
    app_state = state(ctx)
    if not dry_run:
        confirm_write(app_state, f"cancel order {order_id}", yes)
    with app_state.order_client() as client:
        outcome = client.orders.cancel(order_id, market_ticker=ticker, dry_run=dry_run)
        _emit_write(app_state, outcome, "canceled")


@app.command("cancel-all")
def cancel_all(
    ctx: typer.Context,
    ticker: Annotated[str | None, typer.Option(help="Only this market.")] = None,
    dry_run: DryRunOption = False,
    yes: YesOption = False,
) -> None:
    """Cancel every resting order (or every one in one market)."""
    app_state = state(ctx)
    if not dry_run:
        confirm_write(
            app_state, f"cancel all resting orders{f' in {ticker}' if ticker else ''}", yes
        )
    with app_state.order_client() as client:
        if ticker is None:
            outcome: object = client.orders.cancel_all(dry_run=dry_run)
        else:
            # the orders themselves, not their ids: each carries its market, so the cancel
            # reaches the shard it rests on without a second look-up
            resting = list(client.orders.list(ticker=ticker, status="resting"))
            if not resting:
                _emit_write(app_state, [], "nothing to cancel")
                return
            outcome = client.orders.cancel_batch(resting, dry_run=dry_run)
        _emit_write(app_state, outcome if outcome is not None else {}, "canceled")


@app.command("amend")
def amend(
    ctx: typer.Context,
    order_id: str,
    ticker: Annotated[str, typer.Option(help="The order's market.")],
    side: Annotated[str, typer.Option(help="yes or no, as placed.")],
    action: Annotated[str, typer.Option(help="buy or sell, as placed.")],
    count: Annotated[str, typer.Option(help="New total size (filled + remaining).")],
    cents: Annotated[str | None, typer.Option(help="New price in whole cents.")] = None,
    dollars: Annotated[str | None, typer.Option(help="New price in dollars.")] = None,
    dry_run: DryRunOption = False,
    yes: YesOption = False,
) -> None:
    """Change an order's price or size (a new price or a larger size loses queue priority)."""
    app_state = state(ctx)
    price_cents, price_dollars = parse_cents(cents), parse_decimal(dollars, "--dollars")
    size = parse_decimal(count, "--count")
    if not dry_run:
        confirm_write(app_state, f"amend {order_id} to {count} at {cents or dollars}", yes)
    with app_state.order_client() as client:
        try:
            outcome = client.orders.amend(
                order_id,
                ticker=ticker,
                side=flag_side(side),
                action=flag_action(action),
                count=size if size is not None else Decimal(0),
                price_cents=price_cents,
                price_dollars=price_dollars,
                dry_run=dry_run,
            )
        except ValidationError as error:
            raise flagged(error) from None
    _emit_write(app_state, outcome, "amended")


@app.command("decrease")
def decrease(
    ctx: typer.Context,
    order_id: str,
    by: Annotated[str | None, typer.Option("--by", help="Contracts to take off.")] = None,
    to: Annotated[str | None, typer.Option("--to", help="Contracts to leave resting.")] = None,
    ticker: OrderTickerOption = None,
    dry_run: DryRunOption = False,
    yes: YesOption = False,
) -> None:
    """Make a resting order smaller, keeping its place in the queue."""
    app_state = state(ctx)
    if (by is None) == (to is None):
        raise ValidationError("give exactly one of --by and --to")
    reduce_by, reduce_to = parse_decimal(by, "--by"), parse_decimal(to, "--to")
    if not dry_run:
        confirm_write(
            app_state, f"decrease {order_id} {'by ' + str(by) if by else 'to ' + str(to)}", yes
        )
    with app_state.order_client() as client:
        outcome = client.orders.decrease(
            order_id, reduce_by=reduce_by, reduce_to=reduce_to, market_ticker=ticker,
            dry_run=dry_run,
        )  # fmt: skip
    _emit_write(app_state, outcome, "decreased")


def _order_row(o: Order) -> list[object]:
    return [
        o.order_id,
        o.client_order_id,
        o.ticker,
        o.outcome_side or o.side,
        o.book_side,
        o.yes_price,
        o.remaining_count,
        o.fill_count,
        o.status,
    ]


@app.command("list")
def list_orders(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option(help="resting, canceled or executed")] = None,
    ticker: Annotated[str | None, typer.Option(help="One market.")] = None,
    limit: LimitOption = 50,
) -> None:
    """Your orders, newest first."""
    app_state = state(ctx)
    with app_state.order_client() as client:
        found = take(client.orders.list(ticker=ticker, status=status), limit, "orders", False)
    columns = ["order", "client id", "ticker", "outcome", "book", "YES price", "left", "filled"]
    emit(
        app_state.json,
        found,
        None,
        [*columns, "status"],
        map(_order_row, found),
        shrink=("order", "client id"),
    )


@app.command("show")
def show(ctx: typer.Context, order_id: str) -> None:
    """One order, every field."""
    app_state = state(ctx)
    with app_state.order_client() as client:
        found = client.orders.get(order_id)
    emit_json(found)
