"""`kalshi history markets|trades|fills|candles|backfill`: the past, wherever it is kept.

Kalshi moves old records off its live endpoints behind ``/historical`` (the cutoff moves on);
these commands read a time range across that line, so nobody has to know where it is: trades
and fills come live and archived, merged (``client.historical.*_between``); candles come from
the archive for a market that moved there, else from the live endpoint. Tables follow
docs/architecture.md "CLI output"; ``--csv`` writes the same columns with the wire's own values
(dollar strings, contract counts, RFC3339 times) for a spreadsheet; ``--json`` the records.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any, TypeVar

import typer

from kalshikit.cli._output import emit, stderr
from kalshikit.cli._state import state
from kalshikit.cli.market_cmds import LimitOption, take
from kalshikit.models import Candlestick, Fill, HistoricalCandlestick, Market, Trade
from kalshikit.units import Price
from kalshikit.units.display import cents, contracts, money, order_words, quote, when

app = typer.Typer(help="Past markets, trades, fills and candles.", no_args_is_help=True)

T = TypeVar("T")
DAY = timedelta(days=1)

TickerOption = Annotated[str | None, typer.Option("--ticker", help="One market.")]
FromOption = Annotated[
    str | None,
    typer.Option(
        "--from",
        help="Start: YYYY-MM-DD, an ISO time (UTC if no zone) or unix seconds; "
        "default a day before --to.",
    ),
]
ToOption = Annotated[
    str | None, typer.Option("--to", help="End, in the same forms (default: now).")
]
CsvOption = Annotated[
    bool, typer.Option("--csv", help="Write CSV to stdout (wire field names and values).")
]


# --- arguments (no I/O) -------------------------------------------------------------------------


def parse_when(text: str, option: str) -> datetime:
    """A moment from the command line: unix seconds, a date (midnight UTC) or an ISO time."""
    value = text.strip()
    try:
        if value.isdigit():
            return datetime.fromtimestamp(int(value), UTC)
        moment = datetime.fromisoformat(value)
    except (ValueError, OverflowError):
        raise typer.BadParameter(
            f"{text!r} is not a date; use YYYY-MM-DD, an ISO time or unix seconds",
            param_hint=option,
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def time_range(
    start: str | None, end: str | None, default_span: timedelta
) -> tuple[datetime, datetime]:
    """``--from``/``--to`` as aware datetimes: ``--to`` defaults to now, ``--from`` to
    ``default_span`` before it."""
    high = parse_when(end, "--to") if end else datetime.now(UTC)
    low = parse_when(start, "--from") if start else high - default_span
    if low > high:
        raise typer.BadParameter("--from is after --to", param_hint="--from")
    return low, high


def _one_format(as_json: bool, as_csv: bool) -> None:
    if as_json and as_csv:
        raise typer.BadParameter("give --csv or --json, not both", param_hint="--csv")


def write_csv(columns: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """CSV on stdout: a header, then a line per record (absent values empty)."""
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(columns)
    for row in rows:
        out.writerow(["" if cell is None else _wire(cell) for cell in row])
    sys.stdout.flush()


def _wire(cell: object) -> object:
    return cell.isoformat() if isinstance(cell, datetime) else cell


def _show(
    as_json: bool,
    as_csv: bool,
    found: list[T],
    columns: Sequence[str],
    table_row: Callable[[T], list[object]],
    csv_row: tuple[Sequence[str], Callable[[T], list[object]]],
    *,
    optional: Sequence[str] = (),
    empty: str,
) -> None:
    """The records as a table (``columns``), CSV (``csv_row``: wire field names and values) or
    JSON; no records: ``empty`` in words on stderr (CSV: the header alone)."""
    if as_csv:
        write_csv(csv_row[0], map(csv_row[1], found))
        return
    emit(as_json, found, None, columns, map(table_row, found), optional=optional, empty=empty)


def _price(dollars: str | None) -> str:
    return cents(None if dollars is None else Price.from_dollars(dollars))


# --- history markets --------------------------------------------------------------------------


_MARKET_COLUMNS = ["ticker", "title", "result", "last", "volume", "settled UTC"]


def _market_row(m: Market) -> list[object]:
    return [
        m.ticker,
        m.yes_sub_title or m.title,
        m.result.upper() if m.result in ("yes", "no") else (m.result or None),
        quote(m.last_price),
        contracts(m.volume),
        when(m.settlement_ts or m.close_time),
    ]


_MARKET_CSV = [
    "ticker",
    "yes_sub_title",
    "result",
    "last_price_dollars",
    "volume_fp",
    "settlement_ts",
]


def _market_csv(m: Market) -> list[object]:
    return [
        m.ticker, m.yes_sub_title or m.title, m.result, m.last_price_dollars, m.volume_fp,
        m.settlement_ts or m.close_time,
    ]  # fmt: skip


def _settled_in(m: Market, low: datetime | None, high: datetime | None) -> bool:
    moment = m.settlement_ts or m.close_time
    return (low is None or moment >= low) and (high is None or moment <= high)


@app.command("markets")
def markets(
    ctx: typer.Context,
    series_ticker: Annotated[str | None, typer.Option("--series", help="Series ticker.")] = None,
    event_ticker: Annotated[str | None, typer.Option("--event", help="Event ticker.")] = None,
    ticker: TickerOption = None,
    start: Annotated[
        str | None,
        typer.Option("--from", help="Settled from then: YYYY-MM-DD, ISO time or unix seconds."),
    ] = None,
    end: Annotated[str | None, typer.Option("--to", help="Settled by then (same forms).")] = None,
    limit: LimitOption = 50,
    as_csv: CsvOption = False,
) -> None:
    """Archived markets (settled before the cutoff): result, last price, volume.

    Example: kalshi history markets --series KXHIGHNY --from 2026-11-01
    """
    app_state = state(ctx)
    _one_format(app_state.json, as_csv)
    low = parse_when(start, "--from") if start else None
    high = parse_when(end, "--to") if end else None
    with app_state.client() as client:
        pager = client.historical.markets(
            series_ticker=series_ticker, event_ticker=event_ticker, tickers=ticker
        )
        wanted = (m for m in pager if _settled_in(m, low, high))
        found = take(wanted, limit, "markets", show_progress=not (app_state.json or as_csv))
    _show(
        app_state.json, as_csv, found, _MARKET_COLUMNS, _market_row, (_MARKET_CSV, _market_csv),
        optional=("last", "result", "settled UTC"), empty="no archived markets match",
    )  # fmt: skip


# --- history trades ---------------------------------------------------------------------------


_TRADE_COLUMNS = ["time UTC", "ticker", "YES price", "contracts", "taker"]


def _trade_row(t: Trade) -> list[object]:
    return [
        when(t.created_time), t.ticker, cents(t.yes_price), contracts(t.count),
        (t.taker_outcome_side or t.taker_side or "").upper() or None,
    ]  # fmt: skip


_TRADE_CSV = ["created_time", "ticker", "yes_price_dollars", "count_fp", "taker_outcome_side"]


def _trade_csv(t: Trade) -> list[object]:
    return [
        t.created_time, t.ticker, t.yes_price_dollars, t.count_fp,
        t.taker_outcome_side or t.taker_side,
    ]  # fmt: skip


def _fetching(what: str, quiet: bool, read: Callable[[], list[T]]) -> list[T]:
    """``read()``, with a spinner on stderr for a person at the terminal."""
    if quiet:
        return read()
    with stderr.status(f"fetching {what}, live and archived…"):
        return read()


@app.command("trades")
def trades(
    ctx: typer.Context,
    ticker: TickerOption = None,
    start: FromOption = None,
    end: ToOption = None,
    as_csv: CsvOption = False,
) -> None:
    """Public trades from --from to --to, live and archived, oldest first.

    Example: kalshi history trades --ticker KXHIGHNY-26DEC03-B49.5 --from 2026-12-01
    """
    app_state = state(ctx)
    _one_format(app_state.json, as_csv)
    low, high = time_range(start, end, DAY)
    with app_state.client() as client:
        found = _fetching(
            "trades",
            app_state.json or as_csv,
            lambda: client.historical.trades_between(low, high, ticker=ticker),
        )
    _show(
        app_state.json, as_csv, found, _TRADE_COLUMNS, _trade_row, (_TRADE_CSV, _trade_csv),
        optional=("taker",), empty=_none_in("trades", ticker, low, high),
    )  # fmt: skip


def _none_in(what: str, ticker: str | None, low: datetime, high: datetime) -> str:
    where = f" in {ticker}" if ticker else ""
    return f"no {what}{where} from {when(low)} to {when(high)} UTC"


# --- history fills ----------------------------------------------------------------------------


_FILL_COLUMNS = ["time UTC", "ticker", "fill", "contracts", "role", "fee"]


def _fill_row(f: Fill) -> list[object]:
    words = order_words(f.book_side, f.yes_price, f.outcome_side or f.side or "")
    return [
        when(f.created_time), f.ticker, words, contracts(f.count),
        "taker" if f.is_taker else "maker", money(f.fee_cost),
    ]  # fmt: skip


_FILL_CSV = [
    "created_time", "ticker", "book_side", "outcome_side", "yes_price_dollars", "count_fp",
    "is_taker", "fee_cost",
]  # fmt: skip


def _fill_csv(f: Fill) -> list[object]:
    return [
        f.created_time, f.ticker, f.book_side, f.outcome_side, f.yes_price_dollars, f.count_fp,
        "true" if f.is_taker else "false", f.fee_cost,
    ]  # fmt: skip


@app.command("fills")
def fills(
    ctx: typer.Context,
    ticker: TickerOption = None,
    start: FromOption = None,
    end: ToOption = None,
    as_csv: CsvOption = False,
) -> None:
    """Your fills from --from to --to, live and archived, oldest first.

    Example: kalshi history fills --from 2026-11-01 --to 2026-12-01 --csv
    """
    app_state = state(ctx)
    _one_format(app_state.json, as_csv)
    low, high = time_range(start, end, DAY)
    with app_state.client(authenticated=True) as client:
        found = _fetching(
            "fills",
            app_state.json or as_csv,
            lambda: client.historical.fills_between(low, high, ticker=ticker),
        )
    _show(
        app_state.json, as_csv, found, _FILL_COLUMNS, _fill_row, (_FILL_CSV, _fill_csv),
        optional=("role", "fee"), empty=_none_in("fills", ticker, low, high),
    )  # fmt: skip


# --- history candles --------------------------------------------------------------------------


_CANDLE_COLUMNS = ["end UTC", "open", "high", "low", "close", "volume"]
Candle = tuple[int, str | None, str | None, str | None, str | None, str | None]


def candle_of(c: Candlestick | HistoricalCandlestick) -> Candle:
    """(end, open, high, low, close, volume) of a live or an archived candle: dollar strings
    of the traded price (None in a period without trades) and the contracts traded."""
    if isinstance(c, HistoricalCandlestick):
        p = c.price
        return (c.end_period_ts, p.open, p.high, p.low, p.close, c.volume)
    q = c.price
    return (
        c.end_period_ts, q.open_dollars, q.high_dollars, q.low_dollars, q.close_dollars,
        c.volume_fp,
    )  # fmt: skip


def _candle_row(c: Candle) -> list[object]:
    end = datetime.fromtimestamp(c[0], UTC)
    volume = None if c[5] is None else Decimal(c[5])
    return [when(end), *(_price(v) for v in c[1:5]), contracts(volume)]


_CANDLE_CSV = ["end_period_ts", "open", "high", "low", "close", "volume"]


def _candle_csv(c: Candle) -> list[object]:
    return list(c)


_PERIODS = {"1m": 1, "1h": 60, "1d": 1440}


@app.command("candles")
def candles(
    ctx: typer.Context,
    ticker: Annotated[str, typer.Option("--ticker", help="The market.")],
    start: FromOption = None,
    end: ToOption = None,
    period: Annotated[str, typer.Option(help="Candle length: 1m, 1h or 1d.")] = "1h",
    as_csv: CsvOption = False,
) -> None:
    """OHLC candles of one market's traded YES price, archived or live.

    Example: kalshi history candles --ticker KXHIGHNY-26DEC03-B49.5 --period 1h
    """
    from kalshikit.errors import NotFound

    app_state = state(ctx)
    _one_format(app_state.json, as_csv)
    if period not in _PERIODS:
        raise typer.BadParameter("use 1m, 1h or 1d", param_hint="--period")
    low, high = time_range(start, end, DAY)
    window: dict[str, Any] = {
        "start_ts": low, "end_ts": high, "period_interval": _PERIODS[period]
    }  # fmt: skip
    with app_state.client() as client:
        try:
            found: list[Any] = client.historical.candlesticks(ticker, **window)
        except NotFound:
            found = client.markets.candlesticks(ticker, **window)
    rows = [candle_of(c) for c in found]
    if app_state.json:
        emit(True, found, None, [], [])
        return
    shown = rows if as_csv else [r for r in rows if r[4] is not None]  # the table: traded ones
    _show(
        False, as_csv, shown, _CANDLE_COLUMNS, _candle_row, (_CANDLE_CSV, _candle_csv),
        empty=f"no trades in {ticker} from {when(low)} to {when(high)} UTC",
    )  # fmt: skip


# the backfill into a tape lives in its own module (pyarrow is imported only when it runs)
from kalshikit.cli.backfill_cmds import backfill  # noqa: E402

app.command("backfill")(backfill)
