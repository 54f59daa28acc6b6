"""`kalshi portfolio pnl`: realized and unrealized P&L to the cent, by market, event, series or
day; closed lots as Form 8949 rows; our figures against the exchange's. The work is in
``kalshikit.portfolio``; this module reads the options, calls it and shows the answer."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kalshikit.cli._output import emit_json, emit_table, note, say
from kalshikit.cli._state import AppState, state
from kalshikit.cli.history_cmds import parse_when
from kalshikit.cli.pnl_views import (
    RECON_COLUMNS,
    RISK_COLUMNS,
    SUMMARY_COLUMNS,
    pnl_document,
    recon_cells,
    risk_cells,
    summary_cells,
    totals_json,
    totals_lines,
    write_8949_csv,
    write_summary_csv,
)
from kalshikit.errors import KalshiError
from kalshikit.orderbook import OrderBook
from kalshikit.portfolio import (
    PnlBook,
    PnlTotals,
    ReconRow,
    SummaryRow,
    event_risks,
    form_8949_rows,
    reconcile,
    summarize,
)
from kalshikit.portfolio.fetch import (
    build_book,
    fetch_books,
    fetch_events,
    fetch_inputs,
    fetch_positions,
)
from kalshikit.portfolio.reports import BY_KEYS
from kalshikit.units.display import plural

if TYPE_CHECKING:
    from kalshikit.http.client import KalshiClient

__all__ = ["pnl", "pnl_chart"]

SinceOption = Annotated[
    str | None,
    typer.Option("--since", help="Count fills and settlements from this date (YYYY-MM-DD, "
                 "ISO time or unix seconds; default: the account's first fill)."),
]  # fmt: skip
UntilOption = Annotated[
    str | None, typer.Option("--until", help="Up to this date, same forms (default: now).")
]
ByOption = Annotated[
    str, typer.Option("--by", help="Group rows by market, event, series or day (UTC).")
]
CsvFile = Annotated[
    Path | None, typer.Option("--csv", help="Also write the rows to this CSV file.")
]
Form8949File = Annotated[
    Path | None,
    typer.Option("--form-8949", help="Write closed lots as IRS Form 8949 rows (CSV) to this file."),
]
ReconcileFlag = Annotated[
    bool,
    typer.Option("--reconcile", help="Compare each market with the exchange's realized P&L "
                 "and fees; every difference is shown."),
]  # fmt: skip


WatchFlag = Annotated[
    bool,
    typer.Option("--watch", help="Keep the totals current from the fill and position streams "
                 "(a line a second; Ctrl-C stops)."),
]  # fmt: skip
DurationOption = Annotated[
    str | None, typer.Option("--duration", help="With --watch: stop after this long (90s, 10m).")
]


def _books(client: KalshiClient, book: PnlBook) -> dict[str, OrderBook]:
    """Books of the markets still held; a market without one stays unmarked (shown as —)."""
    held = [t for t, ledger in book.markets.items() if ledger.position.size and not ledger.settled]
    books: dict[str, OrderBook] = {}
    for ticker in held:
        try:
            books.update(fetch_books(client, [ticker]))
        except KalshiError:
            continue
    return books


def _window(since: str | None, until: str | None) -> tuple[datetime | None, datetime]:
    low = parse_when(since, "--since") if since else None
    high = parse_when(until, "--until") if until else datetime.now(UTC)
    if low is not None and low > high:
        raise typer.BadParameter("--since is after --until", param_hint="--since")
    return low, high


def pnl(
    ctx: typer.Context,
    since: SinceOption = None,
    until: UntilOption = None,
    by: ByOption = "market",
    csv_file: CsvFile = None,
    form_8949: Form8949File = None,
    reconcile_with_exchange: ReconcileFlag = False,
    watch: WatchFlag = False,
    duration: DurationOption = None,
) -> None:
    """Realized and unrealized P&L to the cent, fees (maker and taker), and closed lots.

    Example: kalshi portfolio pnl --by series --reconcile
    """
    if by not in BY_KEYS:
        raise typer.BadParameter(f"use one of {', '.join(BY_KEYS)}", param_hint="--by")
    low, high = _window(since, until)
    app_state = state(ctx)
    if watch:
        _watch(app_state, low, duration)
        return
    with app_state.client(authenticated=True) as client:
        book = build_book(fetch_inputs(client, low, high))
        books = _books(client, book)
        risks = event_risks(book, fetch_events(client, book))
        positions = fetch_positions(client) if reconcile_with_exchange else None
    totals = book.totals(books)
    rows = summarize(book, by)
    recon = None if positions is None else reconcile(book, positions)
    if csv_file is not None:
        with csv_file.open("w", newline="", encoding="utf-8") as out:
            write_summary_csv(out, rows)
    if form_8949 is not None:
        with form_8949.open("w", newline="", encoding="utf-8") as out:
            write_8949_csv(out, form_8949_rows(book.closed_lots()))
    if app_state.json:
        emit_json(pnl_document(totals, rows, recon, risks))
        return
    _show(rows, by, totals, recon)
    if risks:
        emit_table("open risk by event", RISK_COLUMNS, map(risk_cells, risks))


def _show(rows: list[SummaryRow], by: str, totals: PnlTotals, recon: list[ReconRow] | None) -> None:
    if not rows:
        note("no fills or settlements in this period")
    else:
        columns = (by if by != "market" else "ticker", *SUMMARY_COLUMNS[1:])
        emit_table(None, columns, map(summary_cells, rows), optional=("position", "cost"))
    for line in totals_lines(totals):
        say(line)
    if recon is None:
        return
    differ = [row for row in recon if not row.matches]
    emit_table("against the exchange", RECON_COLUMNS, map(recon_cells, recon),
               optional=("exch. fees", "fees"))  # fmt: skip
    checked = plural(len(recon), "market")
    say(f"{checked} checked: {len(differ)} differ from the exchange" if differ
        else f"{checked} checked: all match the exchange")  # fmt: skip


def _watch(app_state: AppState, since: datetime | None, duration: str | None) -> None:
    """The totals, a line a second (JSON lines with --json), until --duration or Ctrl-C."""
    import asyncio

    from kalshikit.cli.record_cmds import seconds
    from kalshikit.cli.stream_cmds import stream_config
    from kalshikit.portfolio.watch import watch_pnl

    limit = seconds(duration, "--duration")
    config = stream_config(app_state)

    def show(totals: PnlTotals) -> None:
        if app_state.json:
            emit_json(totals_json(totals))  # one JSON line a second
        else:
            say(" · ".join(totals_lines(totals)))

    try:
        asyncio.run(watch_pnl(config, since, show, duration=limit))
    except KeyboardInterrupt:
        raise typer.Exit(130) from None


def pnl_chart(
    ctx: typer.Context,
    since: SinceOption = None,
    until: UntilOption = None,
    png_dir: Annotated[
        Path | None,
        typer.Option("--png-dir", help="Write equity.png and pnl_by_series.png in this folder."),
    ] = None,
) -> None:
    """The realized P&L curve (net of fees) with its drawdown, and P&L by series.

    Example: kalshi portfolio chart --png-dir charts/
    """
    from kalshikit.charts.runs import run_chart_files, run_chart_text
    from kalshikit.portfolio.fetch import realized_curve

    low, high = _window(since, until)
    app_state = state(ctx)
    if png_dir is not None and not png_dir.is_dir():
        raise typer.BadParameter(f"no folder {str(png_dir)!r}", param_hint="--png-dir")
    with app_state.client(authenticated=True) as client:
        book, curve = realized_curve(fetch_inputs(client, low, high))
    if not curve:
        note("no fills or settlements in this period: nothing to draw")
        return
    by_ticker = {row.key: Decimal(row.net) / 1_000_000 for row in summarize(book, "market")}
    if app_state.json:
        emit_json({"curve": [{"at": at, "net": str(net)} for at, net in curve],
                   "by_ticker": {t: str(v) for t, v in by_ticker.items()}})  # fmt: skip
        return
    title = "realized P&L, net of fees"
    say(run_chart_text(equity=curve, pnl_by_ticker=by_ticker, title=title))
    if png_dir is not None:
        for path in run_chart_files(png_dir, equity=curve, pnl_by_ticker=by_ticker, title=title):
            note(f"wrote {path}")
