"""The P&L core's reports: marks at mid and bid, exposure and worst case per event (mutually
exclusive events netted), summaries by event, series and day, the money strings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kalshikit.errors import ValidationError
from kalshikit.orderbook import OrderBook
from kalshikit.portfolio import (
    PnlBook,
    PnlFill,
    PnlSettlement,
    dollars,
    event_risks,
    reconcile,
    summarize,
)

T0 = datetime(2026, 1, 10, 12, tzinfo=UTC)


def _fill(ticker: str, side: str, centi: int, ticks: int, fee: int = 0, n: int = 0) -> PnlFill:
    return PnlFill(ticker, T0 + timedelta(hours=n), side, centi, ticks, fee, n % 2 == 0, f"{n}")


def _book_of(ticker: str, yes_bid: int, no_bid: int) -> OrderBook:
    book = OrderBook(ticker)
    book.apply_snapshot_ticks([(yes_bid, 1000)], [(no_bid, 1000)])
    return book


def test_unrealized_at_mid_and_at_the_held_sides_bid() -> None:
    book = PnlBook()
    book.add_fill(_fill("KX-E-A", "bid", 300, 5000))  # 3 YES at 50c: cost $1.50
    book.add_fill(_fill("KX-E-B", "ask", 200, 7000, n=1))  # 2 NO at 30c: cost $0.60
    # A: YES bid 55c, NO bid 40c (YES ask 60c): mid 57.5c; B: YES bid 65c, NO bid 33c
    books = {"KX-E-A": _book_of("KX-E-A", 5500, 4000), "KX-E-B": _book_of("KX-E-B", 6500, 3300)}
    totals = book.totals(books)
    # mid: A 3 x 0.575 - 1.50 = 0.225; B NO mid = 1 - 0.66 = 0.34, 2 x 0.34 - 0.60 = 0.08
    assert totals.unrealized_mid == Decimal("0.305")
    # bid: A 3 x 0.55 - 1.50 = 0.15; B sells NO at its bid 33c: 0.66 - 0.60 = 0.06
    assert totals.unrealized_bid == Decimal("0.21")
    # a held market without a book is not marked: never a silent zero
    assert book.totals({"KX-E-A": books["KX-E-A"]}).unrealized_mid is None


def test_worst_case_nets_a_mutually_exclusive_event() -> None:
    book = PnlBook()
    book.add_fill(_fill("KX-E-A", "ask", 100, 7000))  # 1 NO on A at 30c
    book.add_fill(_fill("KX-E-B", "ask", 100, 7000, n=1))  # 1 NO on B at 30c
    [independent] = event_risks(book)
    assert (independent.exposure, independent.worst) == (600_000, -600_000)
    # only one of A, B can win: at least one NO pays $1, so the worst is 1.00 - 0.60
    [exclusive] = event_risks(book, mutually_exclusive={"KX-E"})
    assert (exclusive.event_ticker, exclusive.worst) == ("KX-E", 400_000)


def test_summaries_by_event_series_and_day() -> None:
    book = PnlBook()
    book.add_fill(_fill("KXA-E1-X", "bid", 100, 4000, fee=70_000))
    book.add_fill(_fill("KXA-E1-X", "ask", 100, 6000, fee=10_000, n=30))  # +$0.20 next day
    book.add_fill(_fill("KXA-E2-Y", "bid", 100, 5000, n=1))
    book.add_settlement(PnlSettlement("KXA-E2-Y", T0 + timedelta(days=3), "no", None, "KXA-E2"))
    by_event = {row.key: (row.realized, row.fees) for row in summarize(book, "event")}
    assert by_event == {"KXA-E1": (200_000, 80_000), "KXA-E2": (-500_000, 0)}
    [series] = summarize(book, "series")
    assert (series.key, series.realized, series.net) == ("KXA", -300_000, -380_000)
    days = {row.key: (row.realized, row.fees) for row in summarize(book, "day")}
    assert days == {
        "2026-01-10": (0, 70_000), "2026-01-11": (200_000, 10_000), "2026-01-13": (-500_000, 0),
    }  # fmt: skip
    with pytest.raises(ValidationError, match="--by must be one of"):
        summarize(book, "week")


@given(st.integers(-(10**12), 10**12))
def test_money_strings_are_exact(micro: int) -> None:
    text = dollars(micro)
    assert Decimal(text) * 1_000_000 == micro
    assert len(text.split(".")[1]) >= 4


def test_a_market_the_exchange_does_not_report_still_shows_its_difference() -> None:
    book = PnlBook()
    book.add_fill(_fill("KX-E-A", "bid", 100, 5000, fee=20_000))
    [row] = reconcile(book, [])
    assert row.to_json()["fees_diff"] == "0.0200"
    assert not row.matches
