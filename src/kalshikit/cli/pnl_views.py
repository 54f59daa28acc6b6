"""What `kalshi portfolio pnl` shows: the JSON document, the table rows, the totals line and
the CSV files. Pure rendering: no I/O beyond the writer it is handed."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from decimal import Decimal
from typing import TextIO

from kalshikit.portfolio import (
    EventRisk,
    Form8949Row,
    PnlTotals,
    ReconRow,
    SummaryRow,
    dollars,
)
from kalshikit.portfolio.reports import FORM_8949_COLUMNS
from kalshikit.units.display import contracts, money

__all__ = [
    "RECON_COLUMNS",
    "RISK_COLUMNS",
    "SUMMARY_COLUMNS",
    "pnl_document",
    "recon_cells",
    "risk_cells",
    "summary_cells",
    "totals_lines",
    "write_8949_csv",
    "write_summary_csv",
]

SUMMARY_COLUMNS = ("key", "position", "cost", "realized", "fees", "net")
RISK_COLUMNS = ("event", "exposure", "worst case")
RECON_COLUMNS = ("ticker", "realized", "exchange", "diff", "fees", "exch. fees", "fees diff")


def _maybe(amount: Decimal | None) -> str | None:
    return None if amount is None else dollars(amount)


def totals_json(totals: PnlTotals) -> dict[str, object]:
    return {
        "realized": dollars(totals.realized), "fees": dollars(totals.fees),
        "net": dollars(totals.net), "maker_fees": dollars(totals.maker_fees),
        "taker_fees": dollars(totals.taker_fees),
        "unrealized_mid": _maybe(totals.unrealized_mid),
        "unrealized_bid": _maybe(totals.unrealized_bid),
    }  # fmt: skip


def pnl_document(
    totals: PnlTotals,
    rows: Sequence[SummaryRow],
    recon: Sequence[ReconRow] | None,
    risks: Sequence[EventRisk] = (),
) -> dict[str, object]:
    """The one `--json` document: totals, rows, the open risk per event and (with
    --reconcile) reconciliation."""
    document: dict[str, object] = {
        "totals": totals_json(totals),
        "rows": [row.to_json() for row in rows],
        "events": [
            {"event_ticker": r.event_ticker, "exposure": dollars(r.exposure),
             "worst_case": dollars(r.worst)}
            for r in risks
        ],
    }  # fmt: skip
    if recon is not None:
        document["reconciliation"] = [row.to_json() for row in recon]
    return document


def _dollars_of(micro: int) -> Decimal:
    return Decimal(micro).scaleb(-6)


def summary_cells(row: SummaryRow) -> list[object]:
    held = None
    if row.position is not None:
        side = "YES" if row.position > 0 else "NO"
        held = "0" if not row.position else f"{contracts(abs(Decimal(row.position)) / 100)} {side}"
    return [
        row.key, held, None if row.cost is None else money(_dollars_of(row.cost)),
        money(_dollars_of(row.realized)), money(_dollars_of(row.fees)),
        money(_dollars_of(row.net)),
    ]  # fmt: skip


def risk_cells(risk: EventRisk) -> list[object]:
    return [risk.event_ticker, money(_dollars_of(risk.exposure)), money(_dollars_of(risk.worst))]


def recon_cells(row: ReconRow) -> list[object]:
    # exact to the micro-dollar: a difference smaller than a cent must still show
    return [
        row.ticker, dollars(row.realized), dollars(row.exchange_realized),
        dollars(row.realized - row.exchange_realized), dollars(row.fees),
        dollars(row.exchange_fees), dollars(row.fees - row.exchange_fees),
    ]  # fmt: skip


def totals_lines(totals: PnlTotals) -> list[str]:
    """The totals in words, each line well inside 80 columns."""
    lines = [
        f"realized {money(_dollars_of(totals.realized))}, fees {money(_dollars_of(totals.fees))}"
        f", net {money(_dollars_of(totals.net))}",
        f"fees as maker {money(_dollars_of(totals.maker_fees))}, "
        f"as taker {money(_dollars_of(totals.taker_fees))}",
    ]
    if totals.unrealized_mid is not None or totals.unrealized_bid is not None:
        lines.append(
            f"unrealized at mid {money(totals.unrealized_mid)}, "
            f"at the bid {money(totals.unrealized_bid)}"
        )
    return lines


def write_summary_csv(out: TextIO, rows: Sequence[SummaryRow]) -> None:
    writer = csv.writer(out)
    writer.writerow(["key", "realized", "fees", "net", "position", "cost"])
    for row in rows:
        data = row.to_json()
        writer.writerow([data[name] or "" for name in ("key", "realized", "fees", "net")]
                        + [data["position"] or "", data["cost"] or ""])  # fmt: skip


def write_8949_csv(out: TextIO, rows: Sequence[Form8949Row]) -> None:
    writer = csv.writer(out)
    writer.writerow(FORM_8949_COLUMNS)
    for row in rows:
        writer.writerow(row.cells())
