"""Portfolio P&L: the pure core (``inputs``, ``lots``, ``pnl``, ``reports``) and its I/O
shell (``fetch``). See docs/pnl.md."""

from __future__ import annotations

from kalshikit.portfolio.inputs import (
    PnlFill,
    PnlSettlement,
    fill_from_wire,
    settlement_from_wire,
)
from kalshikit.portfolio.lots import ClosedLot, OpenLot
from kalshikit.portfolio.pnl import PnlBook, PnlTotals
from kalshikit.portfolio.reports import (
    EventRisk,
    Form8949Row,
    ReconRow,
    SummaryRow,
    dollars,
    event_risks,
    form_8949_rows,
    reconcile,
    summarize,
)

__all__ = [
    "ClosedLot",
    "EventRisk",
    "Form8949Row",
    "OpenLot",
    "PnlBook",
    "PnlFill",
    "PnlSettlement",
    "PnlTotals",
    "ReconRow",
    "SummaryRow",
    "dollars",
    "event_risks",
    "fill_from_wire",
    "form_8949_rows",
    "reconcile",
    "settlement_from_wire",
    "summarize",
]
