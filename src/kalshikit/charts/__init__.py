"""Charts: a market's price and volume, an account's equity and drawdown, P&L by series
(docs/charts.md).

The series (``series``) and the terminal charts (``terminal``) are pure and need nothing; the
PNG files (``png``, ``runs``) need the ``charts`` extra: ``pip install 'kalshikit[charts]'``,
imported only when a PNG is drawn.
"""

from __future__ import annotations

from kalshikit.charts.png import equity_png, pnl_by_series_png, price_png
from kalshikit.charts.runs import run_chart_files, run_chart_text
from kalshikit.charts.series import (
    EquityPoint,
    PricePoint,
    drawdowns,
    equity_points,
    max_drawdown,
    pnl_by_series,
    price_points,
)
from kalshikit.charts.terminal import equity_chart, line_chart, pnl_bars, price_chart

__all__ = [
    "EquityPoint",
    "PricePoint",
    "drawdowns",
    "equity_chart",
    "equity_png",
    "equity_points",
    "line_chart",
    "max_drawdown",
    "pnl_bars",
    "pnl_by_series",
    "pnl_by_series_png",
    "price_chart",
    "price_png",
    "price_points",
    "run_chart_files",
    "run_chart_text",
]
