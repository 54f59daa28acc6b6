"""`kalshi markets|events|series ...`: market data reads, as tables or JSON."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterable, Iterator
from typing import Annotated, TypeVar

import typer

from kalshikit.cli._output import emit, emit_fields, emit_json, emit_table, note, stderr
from kalshikit.cli._state import state
from kalshikit.models import Event, Market, OrderbookLevels
from kalshikit.units import Contracts, Price
from kalshikit.units.display import cents, contracts, quote, when

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
        shown = what if limit != 1 or what == "series" else what.removesuffix("s")
        note(f"showing the first {limit} {shown}; more match (use --limit N, or --limit 0 for all)")
    return chosen


def _market_row(m: Market) -> list[object]:
    return [
        m.ticker,
        m.yes_sub_title or m.title,
        m.status,
        quote(m.yes_bid),
        quote(m.yes_ask),
        quote(m.last_price),
        contracts(m.volume),
        when(m.close_time),
    ]


_MARKET_COLUMNS = ["ticker", "title", "status", "YES bid", "ask", "last", "volume", "closes UTC"]
# what gives way on a narrow terminal, least useful first; the ticker never does
_MARKET_OPTIONAL = ("last", "status", "volume", "closes UTC")


@markets.command("list")
def markets_list(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option(help="unopened, open, closed or settled")] = None,
    series_ticker: Annotated[str | None, typer.Option("--series", help="Series ticker")] = None,
    event_ticker: Annotated[str | None, typer.Option("--event", help="Event ticker")] = None,
    limit: LimitOption = 50,
) -> None:
    """List markets, newest pages fetched lazily.

    Example: kalshi markets list --status open --series KXHIGHNY
    """
    app = state(ctx)
    with app.client() as client:
        pager = client.markets.list(
            status=status, series_ticker=series_ticker, event_ticker=event_ticker
        )
        found = take(pager, limit, "markets", show_progress=not app.json)
    emit(
        app.json, found, None, _MARKET_COLUMNS, map(_market_row, found),
        optional=_MARKET_OPTIONAL, empty="no markets match",
    )  # fmt: skip


@markets.command("get")
def markets_get(ctx: typer.Context, ticker: str) -> None:
    """One market, every field.

    Example: kalshi markets get KXHIGHNY-26DEC03-B49.5
    """
    app = state(ctx)
    with app.client() as client:
        market = client.markets.get(ticker)
    if app.json:
        emit_json(market)
        return
    emit_fields(market.title or market.ticker, market_fields(market))


def market_fields(m: Market) -> list[tuple[str, object]]:
    """`markets get` as key/value lines: what a trader reads first, the rules last."""
    return [
        ("ticker", m.ticker),
        ("event", m.event_ticker),
        ("status", m.status),
        ("YES", f"bid {quote(m.yes_bid)}  ask {quote(m.yes_ask)}"),
        ("NO", f"bid {quote(m.no_bid)}  ask {quote(m.no_ask)}"),
        ("last", quote(m.last_price)),
        ("volume", contracts(m.volume)),
        ("open interest", contracts(m.open_interest)),
        ("tick grid", m.price_level_structure),
        ("opens", f"{when(m.open_time)} UTC"),
        ("closes", f"{when(m.close_time)} UTC"),
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
    """The order book: YES bids and NO bids, best first (a NO bid at q is a YES ask at 1-q).

    Example: kalshi markets book KXHIGHNY-26DEC03-B49.5 --depth 5
    """
    app = state(ctx)
    with app.client() as client:
        book = client.markets.orderbook(ticker, depth=depth)
    if app.json:
        emit_json(book_json(ticker, book))
        return
    yes, no = list(reversed(book.yes)), list(reversed(book.no))
    if not yes and not no:
        note(f"{ticker}: the book is empty (no bids on either side)")
        return
    rows = itertools.zip_longest(yes, no, fillvalue=(None, None))
    emit_table(
        f"{ticker}  bids, best first (a NO bid at q is a YES ask at 100-q)",
        ["YES bid", "contracts", "NO bid", "contracts"],
        ([_level_price(y[0]), _level_size(y[1]), _level_price(n[0]), _level_size(n[1])]
         for y, n in rows),
    )  # fmt: skip


def _level_price(text: str | None) -> str:
    return cents(None if text is None else Price.parse(text))


def _level_size(text: str | None) -> str:
    return contracts(None if text is None else Contracts.parse(text))


def _event_row(e: Event) -> list[object]:
    markets = None if e.markets is None else len(e.markets)
    exclusive = "yes" if e.mutually_exclusive else "no"
    return [e.event_ticker, e.title, e.series_ticker, exclusive, markets]


@events.command("list")
def events_list(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option(help="unopened, open, closed or settled")] = None,
    series_ticker: Annotated[str | None, typer.Option("--series", help="Series ticker")] = None,
    limit: LimitOption = 50,
) -> None:
    """List events.

    Example: kalshi events list --status open --limit 10
    """
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
        optional=("series", "exclusive"),
        empty="no events match",
    )


@events.command("get")
def events_get(ctx: typer.Context, event_ticker: str) -> None:
    """One event with its markets.

    Example: kalshi events get KXHIGHNY-26DEC03
    """
    app = state(ctx)
    with app.client() as client:
        event = client.events.get(event_ticker)
    emit(
        app.json, event, event.title, _MARKET_COLUMNS, map(_market_row, event.markets or []),
        optional=_MARKET_OPTIONAL, empty=f"{event.event_ticker} has no markets",
    )  # fmt: skip


@series.command("list")
def series_list(
    ctx: typer.Context,
    category: Annotated[str | None, typer.Option(help="Category (case-sensitive)")] = None,
    limit: LimitOption = 0,
) -> None:
    """List series (not paginated by the exchange).

    Example: kalshi series list --category Crypto
    """
    app = state(ctx)
    with app.client() as client:
        found = take(client.series.list(category=category), limit, "series", False)
    rows = ([s.ticker, s.title, s.category, s.frequency] for s in found)
    emit(
        app.json, found, None, ["series", "title", "category", "frequency"], rows,
        optional=("frequency",), empty="no series match",
    )  # fmt: skip


@series.command("get")
def series_get(ctx: typer.Context, series_ticker: str) -> None:
    """One series.

    Example: kalshi series get KXBTCD
    """
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
    emit_fields(found.title or found.ticker, [("series", found.ticker), *rows])


@events.command("metadata")
def events_metadata(ctx: typer.Context, event_ticker: str) -> None:
    """An event's image, competition, settlement sources and each market's chart colour.

    Example: kalshi events metadata KXHIGHNY-26DEC03
    """
    from kalshikit.cli.event_views import metadata_fields

    app = state(ctx)
    with app.client() as client:
        meta = client.events.metadata(event_ticker)
    if app.json:
        emit_json(meta)
        return
    emit_fields(event_ticker, metadata_fields(event_ticker, meta))


@events.command("candles")
def events_candles(
    ctx: typer.Context,
    event_ticker: str,
    period: Annotated[str, typer.Option(help="Candle length: 1m, 1h or 1d.")] = "1h",
    hours: Annotated[
        int, typer.Option(help="How far back the window reaches, in hours.", min=1)
    ] = 24,
) -> None:
    """Every market of an event over the last hours, from one request: the traded YES price's
    open, high, low and close, and the contracts traded (--json: every candle).

    Example: kalshi events candles KXHIGHNY-26DEC03 --period 1h --hours 24
    """
    from kalshikit.cli.event_views import CANDLE_COLUMNS, CANDLE_OPTIONAL, PERIODS, candle_rows

    if period not in PERIODS:
        raise typer.BadParameter("use 1m, 1h or 1d", param_hint="--period")
    app = state(ctx)
    end = int(time.time())
    start = end - hours * 3600
    with app.client() as client:
        found = client.events.candlesticks(
            event_ticker, start_ts=start, end_ts=end, period_interval=PERIODS[period]
        )
        outcomes = {} if app.json else _outcomes(client.events.get(event_ticker))
    title = f"{event_ticker}  {period} candles, last {hours}h (traded YES price; quotes now)"
    emit(
        app.json, found, title, CANDLE_COLUMNS, candle_rows(found, outcomes),
        shrink=("outcome",), optional=CANDLE_OPTIONAL, empty=f"{event_ticker} has no markets",
    )  # fmt: skip


def _outcomes(event: Event) -> dict[str, str]:
    return {m.ticker: m.yes_sub_title or m.title or "" for m in event.markets or []}


@series.command("fee-changes")
def series_fee_changes(
    ctx: typer.Context,
    series_ticker: Annotated[str | None, typer.Option("--series", help="Series ticker")] = None,
    past: Annotated[bool, typer.Option("--past", help="Include changes already made.")] = False,
) -> None:
    """Scheduled changes to series' fees (the fee type from a date on).

    Example: kalshi series fee-changes --past
    """
    from kalshikit.cli.event_views import FEE_COLUMNS, fee_row

    app = state(ctx)
    with app.client() as client:
        found = client.series.fee_changes(series_ticker=series_ticker, show_historical=past)
    emit(
        app.json, found, None, FEE_COLUMNS, map(fee_row, found),
        empty="no fee changes scheduled",
    )  # fmt: skip
