"""The P&L core on the recorded January 2026 fills, settlements and positions (golden files):
the rows parse, and the figures are what the arithmetic below says."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import msgspec

from kalshikit.models import FillsPage, PositionsPage, SettlementsPage
from kalshikit.portfolio import dollars, form_8949_rows, reconcile, summarize
from kalshikit.portfolio.fetch import PnlInputs, build_book, oldest_first

T = TypeVar("T")


def _page(golden_dir: Path, name: str, model: type[T]) -> T:
    raw = msgspec.json.decode((golden_dir / f"{name}_response.json").read_bytes())
    return msgspec.convert(raw["response"], type=model)


def test_january_fills_and_settlement(golden_dir: Path) -> None:
    newest_first = _page(golden_dir, "portfolio_fills", FillsPage).fills
    fills = oldest_first([newest_first, newest_first[:2]])  # a fill seen twice counts once
    # oldest first, and inside one instant the listing's own order reversed
    assert [f.fill_id for f in fills] == [f.fill_id for f in reversed(newest_first)]
    settlements = _page(golden_dir, "portfolio_settlements", SettlementsPage).settlements
    book = build_book(PnlInputs(fills, settlements))
    rows = {row.key: row.to_json() for row in summarize(book)}
    # KXEXAMPLE-9C7BFD30C721: buy 32 YES at $0.60 -> +32 held, cost 32 x 0.60 = $19.20
    assert rows["KXEXAMPLE-9C7BFD30C721"]["position"] == "32.00"
    assert rows["KXEXAMPLE-9C7BFD30C721"]["cost"] == "19.2000"
    # KXEXAMPLE-063F905BBDB7: 5 at 0.49 + 1 at 0.48 + 34 at 0.48 = 2.45 + 0.48 + 16.32 = $19.25
    assert rows["KXEXAMPLE-063F905BBDB7"]["position"] == "40.00"
    assert rows["KXEXAMPLE-063F905BBDB7"]["cost"] == "19.2500"
    # KXEXAMPLE-6113C4FF0C14: 10 at 0.76 = $7.60; January fills carry no fee: $0 fees
    assert rows["KXEXAMPLE-6113C4FF0C14"]["cost"] == "7.6000"
    assert rows["KXEXAMPLE-6113C4FF0C14"]["realized"] == "0.0000"
    # KXEXAMPLE-CCBD3CFD2609 settled YES with none of its fills in the file: the settlement's
    # own figures count: revenue 0 cents - cost (4286 + 49195 cents = $534.81) = -$534.81,
    # and its fee_cost $0.73
    settled = rows["KXEXAMPLE-CCBD3CFD2609"]
    assert (settled["realized"], settled["fees"], settled["net"]) == (
        "-534.8100", "0.7300", "-535.5400",
    )  # fmt: skip
    totals = book.totals()
    assert (dollars(totals.realized), dollars(totals.fees)) == ("-534.8100", "0.7300")
    [row] = form_8949_rows(book.closed_lots())
    assert row.cells() == [
        "74 YES KXEXAMPLE-CCBD3CFD2609", "VARIOUS", "2026-01-10", "0.00", "534.81", "-534.81",
    ]  # fmt: skip


def test_january_reconciliation_shows_every_difference(golden_dir: Path) -> None:
    fills = _page(golden_dir, "portfolio_fills", FillsPage).fills
    positions = _page(golden_dir, "portfolio_positions", PositionsPage).market_positions
    book = build_book(PnlInputs(fills, []))
    recon = {row.ticker: row.to_json() for row in reconcile(book, positions)}
    assert len(recon) == len(positions) == 12
    # the five fills carry no fee; the exchange says $136.19 was paid in this market
    mine = recon["KXEXAMPLE-9C7BFD30C721"]
    assert (mine["fees"], mine["exchange_fees"], mine["fees_diff"]) == (
        "0.0000", "136.1900", "-136.1900",
    )  # fmt: skip
    assert mine["realized_diff"] == "0.0000"
    # a market with no fill in the file is still reported, its whole figure as the difference
    other = recon["KXEXAMPLE-D2949F291D03"]
    assert (other["fees"], other["fees_diff"]) == ("0.0000", "-476.9400")
