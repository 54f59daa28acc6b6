"""`kalshi history backfill`: a series' settled markets, trades and candles into a tape.

The work is ``kalshikit.tape.backfill`` (imported when the command runs: pyarrow is heavy and
only the ``data`` extra has it). Here: the arguments, a progress bar with an ETA on stderr, and
the summary (a line in words, or ``--json``). A rerun resumes where an interrupted one stopped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kalshikit.cli._output import emit_json, note, say, stderr
from kalshikit.cli._state import state

if TYPE_CHECKING:
    from kalshikit.tape.backfill import BackfillProgress, BackfillSummary

__all__ = ["backfill"]

_CANDLES = ("1m", "1h", "1d", "none")
ONE_DAY = timedelta(days=1)


def _day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is not a date; use YYYY-MM-DD, such as 2026-11-01", param_hint=option
        ) from None


def window(start: str, end: str) -> tuple[datetime, datetime]:
    """``--from`` and ``--to`` as the UTC window they mean: both days included."""
    from kalshikit.tape.backfill import end_of_day

    low, high = _day(start, "--from"), _day(end, "--to")
    if low > high:
        raise typer.BadParameter(
            f"--from {low} is after --to {high}; swap them", param_hint="--from"
        )
    return datetime(low.year, low.month, low.day, tzinfo=UTC), end_of_day(high)


@contextmanager
def _bar(show: bool) -> Iterator[Callable[[BackfillProgress], None] | None]:
    """A rich progress bar on stderr (markets done of all, rows, requests, elapsed, ETA)."""
    if not show:
        yield None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = (
        TextColumn("markets"), BarColumn(bar_width=20), MofNCompleteColumn(),
        TextColumn("{task.fields[rows]:,} rows {task.fields[requests]:,} req"),
        TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
    )  # fmt: skip
    with Progress(*columns, console=stderr, transient=True) as bar:
        task = bar.add_task("backfill", total=None, rows=0, requests=0)

        def update(p: BackfillProgress) -> None:
            bar.update(task, total=p.total, completed=p.done, rows=p.rows, requests=p.requests)

        yield update


def _words(summary: BackfillSummary) -> list[str]:
    """The summary in short lines (a terminal of 80 columns shows each whole)."""
    skipped = f", {summary.skipped} already done" if summary.skipped else ""
    settled = summary.rows - summary.trades - summary.candle_rows
    return [
        f"{summary.series}: {summary.fetched} of {summary.markets} markets fetched{skipped}",
        f"{summary.rows:,} rows: {summary.trades:,} trades, {summary.candle_rows:,} candles, "
        f"{settled:,} settlements",
        f"{summary.requests:,} requests, {summary.rate_limited} rate-limited, "
        f"{summary.elapsed_s:.1f} s",
        f"tape: {summary.root}",
    ]


def backfill(
    ctx: typer.Context,
    series: Annotated[str, typer.Option("--series", help="The series ticker, such as KXHIGHNY.")],
    start: Annotated[str, typer.Option("--from", help="First settlement day, YYYY-MM-DD (UTC).")],
    end: Annotated[str, typer.Option("--to", help="Last settlement day, YYYY-MM-DD (included).")],
    out: Annotated[Path, typer.Option("--out", help="The tape's folder (made if missing).")] = Path(
        "tape"
    ),
    candles: Annotated[
        str, typer.Option("--candles", help="Candle length: 1m (else 1h), 1h, 1d or none.")
    ] = "1m",
) -> None:
    """Backfill a series' markets settled from --from to --to: trades, candles, settlements.

    Example: kalshi history backfill --series KXHIGHNY --from 2026-11-01 --to 2026-11-30
    """
    if candles not in _CANDLES:
        raise typer.BadParameter(f"use one of {', '.join(_CANDLES)}", param_hint="--candles")
    low, high = window(start, end)
    if out.exists() and not out.is_dir():
        raise typer.BadParameter(f"{out} is a file; give a folder", param_hint="--out")
    from kalshikit.tape.backfill import backfill as run

    app_state = state(ctx)
    with app_state.client() as client, _bar(stderr.is_terminal) as progress:
        summary = run(
            client, out, series=series, start=low, end=high, candles=candles, progress=progress
        )
    if app_state.json:
        emit_json(summary.as_dict())
        return
    if not summary.markets:  # an empty result is a line on stderr (docs/architecture.md)
        note(
            f"no {series} markets settled from {low.date()} to {high.date() - ONE_DAY}; "
            f"is the series right? see: kalshi markets list --series {series}"
        )
        return
    for line in _words(summary):
        say(line)
