"""`kalshi combos ...`: multivariate collections, and the combo market chosen legs make."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Final

import typer

from kalshikit.cli._output import emit, emit_fields, emit_json, say
from kalshikit.cli._state import state
from kalshikit.errors import ValidationError
from kalshikit.units.display import instant, plural, quote, when

app = typer.Typer(help="Combos: multivariate collections and their markets.", no_args_is_help=True)

# how far the exchange's clock may be behind ours (its created_time is in whole seconds)
_SKEW: Final = timedelta(seconds=2)
_COLUMNS = ["collection", "legs", "events", "closes (UTC)", "series", "title"]


def parse_leg(text: str) -> tuple[str, str]:
    """``KXNBAGAME-26NOV02BOSNYK-BOS:yes`` -> (ticker, side); the error names the flag."""
    ticker, _, side = text.rpartition(":")
    side = side.lower()
    if not ticker or side not in ("yes", "no"):
        raise ValidationError(f"--leg takes TICKER:yes or TICKER:no; got {text!r}")
    return ticker, side


@app.command("list")
def list_collections(
    ctx: typer.Context,
    status: Annotated[
        str | None, typer.Option(help="Only collections that are unopened, open or closed.")
    ] = None,
    event: Annotated[
        str | None, typer.Option(help="Only collections whose legs may come from this event.")
    ] = None,
    series: Annotated[str | None, typer.Option(help="Only collections of this series.")] = None,
    limit: Annotated[int, typer.Option(help="Show at most this many collections.", min=1)] = 100,
) -> None:
    """Multivariate collections: the events each combines and how many legs a combo takes.

    Example: kalshi combos list --status open
    """
    state_ = state(ctx)
    with state_.client() as client:
        pager = client.multivariate.collections(
            status=status, associated_event_ticker=event, series_ticker=series
        )
        found = []
        for collection in pager:
            found.append(collection)
            if len(found) >= limit:
                break
    rows = (
        [
            c.collection_ticker,
            f"{c.size_min}-{c.size_max}" if c.size_max else f"{c.size_min}+",
            len(c.associated_events),
            when(c.close_date),
            c.series_ticker,
            c.title,
        ]
        for c in found
    )
    emit(
        state_.json, found, None, _COLUMNS, rows,
        optional=("series", "closes (UTC)"), empty="no collections match",
    )  # fmt: skip


@app.command("show")
def show(
    ctx: typer.Context,
    collection: Annotated[
        str, typer.Argument(help="The collection's ticker (kalshi combos list).")
    ],
) -> None:
    """One collection: its rules, then the events whose markets may be its legs.

    Example: kalshi combos show KXMVECROSSCATEGORY-SHARD1-R
    """
    state_ = state(ctx)
    with state_.client() as client:
        found = client.multivariate.collection(collection)
    if state_.json:
        emit_json(found)
        return
    legs = f"{found.size_min} to {found.size_max}" if found.size_max else f"{found.size_min}+"
    emit_fields(
        found.title,
        [
            ("collection", found.collection_ticker),
            ("series", found.series_ticker),
            ("exchange", found.exchange_index),
            ("legs", legs),
            ("ordered", "yes" if found.is_ordered else "no"),
            ("opens", instant(found.open_date)),
            ("closes", instant(found.close_date)),
            ("rule", found.functional_description),
        ],
    )
    rows = (
        [e.ticker, "yes" if e.is_yes_only else "either", e.size_max]
        for e in found.associated_events
    )
    emit(False, None, None, ["event", "sides", "most legs"], rows, empty="no events associated")


@app.command("create")
def create(
    ctx: typer.Context,
    collection: Annotated[
        str, typer.Argument(help="The collection's ticker (kalshi combos list).")
    ],
    leg: Annotated[
        list[str],
        typer.Option(help="A leg as TICKER:yes or TICKER:no; repeat it for each leg."),
    ],
    show_market: Annotated[
        bool, typer.Option("--show-market", help="Also show the market: status, quotes, close.")
    ] = False,
) -> None:
    """Create the combo market of the legs, or find it if those legs made one already.

    Example: kalshi combos create KXMVECROSSCATEGORY-SHARD1-R --leg KXHIGHNY-26NOV02-T53:yes
    --leg KXFEDDECISION-26NOV-C26:no
    """
    state_ = state(ctx)
    legs = [parse_leg(text) for text in leg]
    asked = datetime.now(UTC) - _SKEW
    with state_.client(authenticated=True) as client:
        answer = client.multivariate.create_market(collection, legs, with_market=True)
    if state_.json:
        emit_json(answer)
        return
    # the answer does not say whether the market is new: one created by this call was
    # created after it was sent (give or take the clocks' skew)
    market = answer.market
    created = market is not None and market.created_time >= asked
    verb = "created combo" if created else "found existing combo"
    say(f"{verb} {answer.market_ticker} with {plural(len(legs), 'leg')}")
    if market is not None and show_market:
        emit_fields(
            None,
            [
                ("event", market.event_ticker),
                ("status", market.status),
                ("yes bid", quote(market.yes_bid)),
                ("yes ask", quote(market.yes_ask)),
                ("closes", instant(market.close_time)),
                ("exchange", market.exchange_index),
            ],
        )
