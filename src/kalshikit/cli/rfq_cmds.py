"""`kalshi rfq ...` (the requester's side) and `kalshi quote ...` (the quoter's): trading a size
off the book through requests for quote.

Writes check everything before anything is sent, ``--dry-run`` prints the exact request and
sends nothing, and in prod each one asks first (``--yes`` skips the question), as `kalshi order
place` does. Ids may be given by a unique start (tables show 8 characters).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import typer

from kalshikit.cli._output import emit, emit_json, say
from kalshikit.cli._state import AppState, state
from kalshikit.cli.order_cmds import (
    DryRunOption,
    YesOption,
    confirm_write,
    show_dry_run,
)
from kalshikit.cli.rfq_views import (
    QUOTE_COLUMNS,
    RFQ_COLUMNS,
    quote_rows,
    resolve_id,
    rfq_rows,
    side_words,
)
from kalshikit.entry import parse_cents
from kalshikit.errors import ValidationError
from kalshikit.http.client import KalshiClient
from kalshikit.http.resources.communications import preview
from kalshikit.units import Price

app = typer.Typer(help="Request quotes and trade on them.", no_args_is_help=True)
quote_app = typer.Typer(help="Quote on other users' RFQs.", no_args_is_help=True)

_UUID_LENGTH = 36
RfqArgument = Annotated[str, typer.Argument(help="The RFQ's id, or a unique start of it.")]
QuoteArgument = Annotated[str, typer.Argument(help="The quote's id, or a unique start of it.")]


def _rfq_id(client: KalshiClient, text: str, *, mine: bool) -> str:
    if len(text) == _UUID_LENGTH:
        return text
    page = client.communications.rfqs(user_filter="self" if mine else None, limit=100)
    return resolve_id(text, (r.id for r in page.rfqs), "RFQ")


def _my_quote(client: KalshiClient, text: str) -> tuple[str, str]:
    """(rfq id, quote id) of one of your quotes."""
    quotes = client.communications.quotes(user_filter="self", limit=500).quotes
    quote_id = resolve_id(text, (q.id for q in quotes), "quote")
    return next(q.rfq_id for q in quotes if q.id == quote_id), quote_id


def _write(
    app_state: AppState,
    client: KalshiClient,
    write: tuple[str, tuple[Any, ...]],
    summary: str,
    flags: tuple[bool, bool],
    send: Callable[[], object],
) -> object | None:
    """Check (by building the request), then preview (--dry-run) or ask (prod) and send."""
    dry_run, yes = flags
    planned = preview(client.base_url, write[0], *write[1])
    if dry_run:
        show_dry_run(planned)
        return None
    confirm_write(app_state, summary, yes)
    return send()


# --- the requester -------------------------------------------------------------------------


@app.command("create")
def create(
    ctx: typer.Context,
    ticker: Annotated[str, typer.Argument(help="The market to trade.")],
    contracts: Annotated[str | None, typer.Option(help="How many contracts.")] = None,
    target_cost: Annotated[
        str | None, typer.Option("--target-cost", help="Or: dollars to spend, e.g. 25.00.")
    ] = None,
    dry_run: DryRunOption = False,
    yes: YesOption = False,
) -> None:
    """Ask makers for quotes on a size of a market (they answer within seconds).

    Example: kalshi rfq create KXHIGHNY-26DEC03-B49.5 --contracts 10
    """
    app_state = state(ctx)
    args = (ticker, contracts, target_cost, False, None, None)
    size = f"{contracts} contracts" if contracts else f"${target_cost}"
    with app_state.client(authenticated=True) as client:
        made = _write(
            app_state,
            client,
            ("create_rfq", args),
            f"request quotes on {size} of {ticker}",
            (dry_run, yes),
            lambda: client.communications.create_rfq(ticker, contracts, target_cost=target_cost),
        )
    if made is None:
        return
    if app_state.json:
        emit_json(made)
        return
    say(f"requested quotes on {size} of {ticker} (rfq {getattr(made, 'id', '')})")


@app.command("list")
def list_rfqs(
    ctx: typer.Context,
    everyone: Annotated[
        bool, typer.Option("--all", help="Everyone's open RFQs, not yours.")
    ] = False,
    status: Annotated[str | None, typer.Option(help="open or closed.")] = None,
) -> None:
    """Your RFQs, newest first (with --all: every open RFQ you could quote on).

    Example: kalshi rfq list --status open
    """
    app_state = state(ctx)
    with app_state.client(authenticated=True) as client:
        page = client.communications.rfqs(
            user_filter=None if everyone else "self", status="open" if everyone else status
        )
    emit(app_state.json, page.rfqs, None, RFQ_COLUMNS, rfq_rows(page.rfqs), empty="no RFQs")


@app.command("quotes")
def quotes(ctx: typer.Context, rfq: RfqArgument) -> None:
    """The quotes on one of your RFQs, in your words (what you would buy, at what price).

    Example: kalshi rfq quotes 3f2a9c1e
    """
    app_state = state(ctx)
    with app_state.client(authenticated=True) as client:
        found = client.communications.quotes(rfq_id=_rfq_id(client, rfq, mine=True)).quotes
    emit(app_state.json, found, None, QUOTE_COLUMNS, quote_rows(found), empty="no quotes yet")


@app.command("accept")
def accept(
    ctx: typer.Context,
    rfq: RfqArgument,
    quote: QuoteArgument,
    side: Annotated[str, typer.Option(help="yes or no: the side you buy.", metavar="yes|no")],
    dry_run: DryRunOption = False,
    yes: YesOption = False,
) -> None:
    """Take one side of a quote on your RFQ; the maker then confirms and it trades.

    Example: kalshi rfq accept 3f2a9c1e 9b1d7e42 --side yes
    """
    app_state = state(ctx)
    side = side.strip().lower()
    with app_state.client(authenticated=True) as client:
        rfq_id = _rfq_id(client, rfq, mine=True)
        listed = client.communications.quotes(rfq_id=rfq_id).quotes
        quote_id = resolve_id(quote, (q.id for q in listed), "quote")
        chosen = next(q for q in listed if q.id == quote_id)
        if side not in ("yes", "no"):
            raise ValidationError(f"--side takes yes or no; got {side!r}")
        words = side_words(side, chosen.yes_bid_dollars if side == "yes" else chosen.no_bid_dollars)
        summary = f"{words}: {chosen.contracts_fp} of {chosen.market_ticker}"
        sent = _write(
            app_state,
            client,
            ("accept_rfq_quote", (rfq_id, quote_id, side)),
            summary,
            (dry_run, yes),
            lambda: client.communications.accept_rfq_quote(rfq_id, quote_id, side),
        )
    if sent is None and dry_run:
        return
    if app_state.json:
        emit_json({"rfq_id": rfq_id, "quote_id": quote_id, "accepted_side": side})
        return
    say(f"accepted {summary}; it trades once the maker confirms")


@app.command("confirm")
def confirm(
    ctx: typer.Context, quote: QuoteArgument, dry_run: DryRunOption = False, yes: YesOption = False
) -> None:
    """Confirm your quote that a requester accepted (the same as `kalshi quote confirm`).

    Example: kalshi rfq confirm 9b1d7e42
    """
    _confirm(ctx, quote, dry_run, yes)


@app.command("withdraw")
def withdraw(
    ctx: typer.Context, rfq: RfqArgument, dry_run: DryRunOption = False, yes: YesOption = False
) -> None:
    """Withdraw one of your RFQs: its quotes can no longer be accepted.

    Example: kalshi rfq withdraw 3f2a9c1e
    """
    app_state = state(ctx)
    with app_state.client(authenticated=True) as client:
        rfq_id = _rfq_id(client, rfq, mine=True)
        sent = _write(
            app_state,
            client,
            ("delete_rfq", (rfq_id,)),
            f"withdraw rfq {rfq_id}",
            (dry_run, yes),
            lambda: client.communications.delete_rfq(rfq_id),
        )
    if sent is None and dry_run:
        return
    if app_state.json:
        emit_json({"rfq_id": rfq_id, "deleted": True})
        return
    say(f"withdrew rfq {rfq_id}")


# --- the quoter ----------------------------------------------------------------------------


@quote_app.command("create")
def quote_create(
    ctx: typer.Context,
    rfq: RfqArgument,
    yes_cents: Annotated[
        str, typer.Option("--yes-cents", help="The requester buys YES at this (0: no).")
    ],
    no_cents: Annotated[
        str, typer.Option("--no-cents", help="The requester buys NO at this (0: no).")
    ],
    dry_run: DryRunOption = False,
    yes: YesOption = False,
) -> None:
    """Quote on an open RFQ: the prices at which the requester may buy YES or NO from you.

    Example: kalshi quote create 3f2a9c1e --yes-cents 62 --no-cents 40
    """
    app_state = state(ctx)
    prices = [_cents_or_none(yes_cents, "--yes-cents"), _cents_or_none(no_cents, "--no-cents")]
    yes_bid, no_bid = (Price.from_cents(p or 0).to_wire() for p in prices)
    with app_state.client(authenticated=True) as client:
        rfq_id = _rfq_id(client, rfq, mine=False)
        args = (rfq_id, yes_bid, no_bid, False, None, None)
        summary = f"quote YES {yes_cents}¢ / NO {no_cents}¢ on rfq {rfq_id}"
        made = _write(
            app_state,
            client,
            ("create_quote", args),
            summary,
            (dry_run, yes),
            lambda: client.communications.create_quote(rfq_id, yes_bid=yes_bid, no_bid=no_bid),
        )
    if made is None:
        return
    if app_state.json:
        emit_json(made)
        return
    say(f"quoted on rfq {rfq_id} (quote {getattr(made, 'id', '')})")


def _cents_or_none(text: str, flag: str) -> int | None:
    if text.strip() == "0":
        return None
    try:
        return parse_cents(text)
    except ValidationError as error:
        raise ValidationError(str(error).replace("--cents", flag)) from None


@quote_app.command("list")
def quote_list(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option(help="open, accepted, executed, ...")] = None,
) -> None:
    """Your quotes, newest first.

    Example: kalshi quote list --status accepted
    """
    app_state = state(ctx)
    with app_state.client(authenticated=True) as client:
        found = client.communications.quotes(user_filter="self", status=status).quotes
    emit(app_state.json, found, None, QUOTE_COLUMNS, quote_rows(found), empty="no quotes")


@quote_app.command("delete")
def quote_delete(
    ctx: typer.Context, quote: QuoteArgument, dry_run: DryRunOption = False, yes: YesOption = False
) -> None:
    """Withdraw your quote (possible until you confirmed it).

    Example: kalshi quote delete 9b1d7e42
    """
    app_state = state(ctx)
    with app_state.client(authenticated=True) as client:
        rfq_id, quote_id = _my_quote(client, quote)
        sent = _write(
            app_state,
            client,
            ("delete_rfq_quote", (rfq_id, quote_id)),
            f"withdraw quote {quote_id}",
            (dry_run, yes),
            lambda: client.communications.delete_rfq_quote(rfq_id, quote_id),
        )
    if sent is None and dry_run:
        return
    if app_state.json:
        emit_json({"quote_id": quote_id, "deleted": True})
        return
    say(f"withdrew quote {quote_id}")


@quote_app.command("confirm")
def quote_confirm(
    ctx: typer.Context, quote: QuoteArgument, dry_run: DryRunOption = False, yes: YesOption = False
) -> None:
    """Confirm your quote that a requester accepted: it trades after the execution timer.

    Example: kalshi quote confirm 9b1d7e42
    """
    _confirm(ctx, quote, dry_run, yes)


def _confirm(ctx: typer.Context, quote: str, dry_run: bool, yes: bool) -> None:
    app_state = state(ctx)
    with app_state.client(authenticated=True) as client:
        rfq_id, quote_id = _my_quote(client, quote)
        sent = _write(
            app_state,
            client,
            ("confirm_rfq_quote", (rfq_id, quote_id)),
            f"confirm quote {quote_id} (binding)",
            (dry_run, yes),
            lambda: client.communications.confirm_rfq_quote(rfq_id, quote_id),
        )
    if sent is None and dry_run:
        return
    if app_state.json:
        emit_json({"quote_id": quote_id, "confirmed": True})
        return
    say(f"confirmed quote {quote_id}; it trades when the execution timer runs out")
