"""`kalshi markets|events|series ...`: market data reads, as tables or JSON."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from typing import Annotated, TypeVar

import typer

from kalshikit.cli._output import emit, emit_json, emit_table, note, stderr
from kalshikit.cli._state import state
from kalshikit.models import Event, Market, OrderbookLevels

T = TypeVar("T")

markets = typer.Typer(help="Markets: list, get, order book.", no_args_is_help=True)
events = typer.Typer(help="Events: groups of related markets.", no_args_is_help=True)
series = typer.Typer(help="Series: templates that events are made from.", no_args_is_help=True)

LimitOption = Annotated[int, typer.Option("--limit", help="Show at most N (0 = all).", min=0)]


def take(items: Iterable[T], limit: int, what: str, show_progress: bool) -> list[T]:
    """The first ``limit`` items (all when 0); says so when more remain."""
    iterator: Iterator[T] = iter(items)
    wanted = None if limit == 0 else limit
    if show_progress:
        with stderr.status(f"fetching {what}…"):
            chosen = list(itertools.islice(iterator, wanted))
    else:
        chosen = list(itertools.islice(iterator, wanted))
    if wanted is not None and next(iterator, None) is not None:
        note(f"showing the first {limit} {what}; more match (use --limit N, or --limit 0 for all)")
    return chosen


def _price(value: object) -> str | None:
    return None if value is None else str(value)


def _market_row(m: Market) -> list[object]:
    return [
        m.ticker,
        m.title or m.yes_sub_title,
        m.status,
        _price(m.yes_bid),
        _price(m.yes_ask),
        _price(m.last_price),
        m.volume,
        m.close_time.strftime("%Y-%m-%d %H:%M") if m.close_time else None,
    ]


_MARKET_COLUMNS = ["ticker", "title", "status", "yes bid", "yes ask", "last", "volume", "closes"]


@markets.command("list")
def markets_list(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option(help="unopened, open, closed or settled")] = None,
    series_ticker: Annotated[str | None, typer.Option("--series", help="Series ticker")] = None,
    event_ticker: Annotated[str | None, typer.Option("--event", help="Event ticker")] = None,
    limit: LimitOption = 50,
) -> None:
    """List markets, newest pages fetched lazily."""
    app = state(ctx)
    with app.client() as client:
        pager = client.markets.list(
            status=status, series_ticker=series_ticker, event_ticker=event_ticker
        )
        found = take(pager, limit, "markets", show_progress=not app.json)
    emit(app.json, found, None, _MARKET_COLUMNS, (_market_row(m) for m in found))


@markets.command("get")
def markets_get(ctx: typer.Context, ticker: str) -> None:
    """One market, every field."""
    app = state(ctx)
    with app.client() as client:
        market = client.markets.get(ticker)
    emit(app.json, market, market.ticker, ["field", "value"], _market_fields(market))


def _market_fields(m: Market) -> list[tuple[str, object]]:
    return [
        ("title", m.title),
        ("event", m.event_ticker),
        ("status", m.status),
        ("yes bid / ask", f"{_price(m.yes_bid) or '-'} / {_price(m.yes_ask) or '-'}"),
        ("no bid / ask", f"{_price(m.no_bid) or '-'} / {_price(m.no_ask) or '-'}"),
        ("last price", _price(m.last_price)),
        ("volume", m.volume),
        ("open interest", m.open_interest),
        ("tick grid", m.price_level_structure),
        ("opens", m.open_time),
        ("closes", m.close_time),
        ("result", m.result or None),
        ("rules", m.rules_primary),
    ]


def book_json(ticker: str, book: OrderbookLevels) -> dict[str, object]:
    """The order book as `kalshi markets book --json` prints it (and `stream book` must match)."""
    return {
        "ticker": ticker,
        "yes_dollars": [list(level) for level in book.yes],
        "no_dollars": [list(level) for level in book.no],
    }


@markets.command("book")
def markets_book(
    ctx: typer.Context,
    ticker: str,
    depth: Annotated[int, typer.Option(help="Levels per side (0 = all).", min=0, max=100)] = 10,
) -> None:
    """The order book: YES bids and NO bids, best first (a NO bid at q is a YES ask at 1-q)."""
    app = state(ctx)
    with app.client() as client:
        book = client.markets.orderbook(ticker, depth=depth)
    if app.json:
        emit_json(book_json(ticker, book))
        return
    yes, no = list(reversed(book.yes)), list(reversed(book.no))
    rows = itertools.zip_longest(yes, no, fillvalue=(None, None))
    emit_table(
        f"{ticker} order book",
        ["YES bid", "size", "NO bid", "size"],
        ([y[0], y[1], n[0], n[1]] for y, n in rows),
    )
    if not yes and not no:
        note("the book is empty")


def _event_row(e: Event) -> list[object]:
    markets = None if e.markets is None else len(e.markets)
    return [e.event_ticker, e.title, e.series_ticker, e.mutually_exclusive, markets]


@events.command("list")
def events_list(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option(help="unopened, open, closed or settled")] = None,
    series_ticker: Annotated[str | None, typer.Option("--series", help="Series ticker")] = None,
    limit: LimitOption = 50,
) -> None:
    """List events."""
    app = state(ctx)
    with app.client() as client:
        pager = client.events.list(
            status=status, series_ticker=series_ticker, with_nested_markets=True
        )
        found = take(pager, limit, "events", show_progress=not app.json)
    emit(
        app.json,
        found,
        None,
        ["event", "title", "series", "exclusive", "markets"],
        map(_event_row, found),
    )


@events.command("get")
def events_get(ctx: typer.Context, event_ticker: str) -> None:
    """One event with its markets."""
    app = state(ctx)
    with app.client() as client:
        event = client.events.get(event_ticker)
    emit(
        app.json, event, event.title, _MARKET_COLUMNS, (_market_row(m) for m in event.markets or [])
    )


@series.command("list")
def series_list(
    ctx: typer.Context,
    category: Annotated[str | None, typer.Option(help="Category (case-sensitive)")] = None,
    limit: LimitOption = 0,
) -> None:
    """List series (not paginated by the exchange)."""
    app = state(ctx)
    with app.client() as client:
        found = take(client.series.list(category=category), limit, "series", False)
    rows = ([s.ticker, s.title, s.category, s.frequency] for s in found)
    emit(app.json, found, None, ["series", "title", "category", "frequency"], rows)


@series.command("get")
def series_get(ctx: typer.Context, series_ticker: str) -> None:
    """One series."""
    app = state(ctx)
    with app.client() as client:
        found = client.series.get(series_ticker)
    if app.json:
        emit_json(found)
        return
    rows = [
        ("title", found.title),
        ("category", found.category),
        ("frequency", found.frequency),
        ("fee type", found.fee_type),
        ("contract terms", found.contract_terms_url),
    ]
    emit_table(found.ticker, ["field", "value"], rows)
