"""The pictures of a run (a backtest, a live run, a portfolio): what the runner's report and
`kalshi portfolio chart` call with plain series. Files only; the drawing is charts/png.py and
charts/terminal.py.

The runner hands over the equity samples it took (aware times, Decimal dollars) and the P&L it
booked per market; nothing here reads an account or a tape, so any source of those series
(the backtest's Tally, the P&L core, a CSV) draws the same charts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from kalshikit.charts.png import equity_png, pnl_by_series_png
from kalshikit.charts.series import equity_points, pnl_by_series
from kalshikit.charts.terminal import equity_chart, pnl_bars
from kalshikit.errors import ValidationError

__all__ = ["run_chart_files", "run_chart_text"]


def run_chart_files(
    folder: str | Path,
    *,
    equity: Iterable[tuple[datetime, Decimal]],
    pnl_by_ticker: Mapping[str, Decimal],
    title: str,
) -> list[Path]:
    """``equity.png`` (equity and drawdown) and, when any market has P&L, ``pnl_by_series.png``
    in ``folder`` (which must exist); the paths written, in that order."""
    where = Path(folder)
    if not where.is_dir():
        raise ValidationError(f"no folder {str(where)!r} to write the run's charts in")
    written = [equity_png(equity_points(equity), where / "equity.png", title=f"{title}: equity")]
    rows = pnl_by_series(pnl_by_ticker)
    if rows:
        written.append(
            pnl_by_series_png(rows, where / "pnl_by_series.png", title=f"{title}: P&L by series")
        )
    return written


def run_chart_text(
    *,
    equity: Iterable[tuple[datetime, Decimal]],
    pnl_by_ticker: Mapping[str, Decimal],
    title: str,
    width: int = 80,
) -> str:
    """The same two pictures for a terminal: the equity curve over its drawdown, then a bar per
    series (omitted when no market has P&L)."""
    parts = [equity_chart(equity_points(equity), title=title, width=width)]
    rows = pnl_by_series(pnl_by_ticker)
    if rows:
        parts.append(pnl_bars(rows, width=width))
    return "\n\n".join(parts)
