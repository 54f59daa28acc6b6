"""The P&L core against the exchange's own netting rules (kalshikit.netting), FIFO lots,
settlements of every kind, fees, Form 8949 rows, and hostile input."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kalshikit.errors import ValidationError
from kalshikit.netting import net_fill
from kalshikit.portfolio import (
    PnlBook,
    PnlFill,
    PnlSettlement,
    dollars,
    form_8949_rows,
    summarize,
)

T0 = datetime(2026, 1, 10, tzinfo=UTC)


@dataclass
class Netted:
    size: int = 0
    cost: int = 0
    realized: int = 0
    traded: int = 0
    volume: int = 0


fills_drawn = st.lists(
    st.tuples(
        st.sampled_from(("bid", "ask")),
        st.integers(1, 9999),
        st.integers(1, 2000),
        st.integers(0, 5000),
        st.booleans(),
    ),
    min_size=1,
    max_size=30,
)


def _book(drawn: list[tuple[str, int, int, int, bool]]) -> PnlBook:
    book = PnlBook()
    for i, (side, price, count, fee, taker) in enumerate(drawn):
        when = T0 + timedelta(minutes=i)
        book.add_fill(PnlFill("KX-A-B", when, side, count, price, fee, taker, f"f{i}"))
    return book


@settings(max_examples=150, deadline=None)
@given(fills_drawn)
def test_book_nets_as_the_exchange_does(drawn: list[tuple[str, int, int, int, bool]]) -> None:
    expected = Netted()
    for side, price, count, _, _ in drawn:
        net_fill(expected, side, price, count)
    ledger = _book(drawn).markets["KX-A-B"]
    assert ledger.realized == expected.realized
    assert ledger.position.size == expected.size
    assert ledger.position.cost == expected.cost


@settings(max_examples=150, deadline=None)
@given(fills_drawn)
def test_lots_sum_to_the_position_and_close_first_in_first_out(
    drawn: list[tuple[str, int, int, int, bool]],
) -> None:
    book = _book(drawn)
    ledger = book.markets["KX-A-B"]
    held = sum(lot.count for lot in ledger.lots)
    assert held == abs(ledger.position.size)
    assert sum(lot.gain for lot in ledger.closed) == ledger.realized
    # FIFO: within each run of one held side, closes consume lots in acquisition order
    for earlier, later in zip(ledger.closed, ledger.closed[1:], strict=False):
        if earlier.side == later.side and earlier.sold == later.sold:
            assert earlier.acquired is not None
            assert later.acquired is not None
            assert earlier.acquired <= later.acquired
    if ledger.lots:
        assert all(lot.side == ("yes" if ledger.position.size > 0 else "no") for lot in ledger.lots)


@settings(max_examples=100, deadline=None)
@given(fills_drawn)
def test_fees_add_up_and_split_maker_taker(drawn: list[tuple[str, int, int, int, bool]]) -> None:
    totals = _book(drawn).totals()
    assert totals.fees == sum(fee for *_, fee, _ in drawn)
    assert totals.maker_fees + totals.taker_fees == totals.fees
    assert totals.taker_fees == sum(fee for *_, fee, taker in drawn if taker)
    assert totals.net == totals.realized - totals.fees


@settings(max_examples=100, deadline=None)
@given(fills_drawn, st.sampled_from(("yes", "no", "void", "scalar")), st.integers(0, 10000))
def test_settlement_closes_everything_and_8949_sums_to_realized(
    drawn: list[tuple[str, int, int, int, bool]], result: str, value: int
) -> None:
    book = _book(drawn)
    ledger = book.markets["KX-A-B"]
    size, cost, before = ledger.position.size, ledger.position.cost, ledger.realized
    when = T0 + timedelta(days=1)
    book.add_settlement(
        PnlSettlement("KX-A-B", when, result, value if result == "scalar" else None, "KX-A")
    )
    yes_pays = {"yes": 10000, "no": 0, "scalar": value}.get(result, 0)
    payout = (
        cost if result == "void" else (yes_pays * size if size > 0 else (10000 - yes_pays) * -size)
    )
    assert ledger.realized == before + payout - cost
    assert ledger.position.size == ledger.position.cost == 0
    assert not ledger.lots
    rows = form_8949_rows(book.closed_lots())
    assert sum(row.gain for row in rows) == book.totals().realized
    assert sum(row.realized for row in summarize(book, "day")) == book.totals().realized


def test_a_no_buy_while_holding_yes_closes_yes_fifo() -> None:
    book = PnlBook()
    # buy 2 YES at 40c, then 1 YES at 60c: cost $1.40 for 3
    book.add_fill(PnlFill("KX-A-B", T0, "bid", 200, 4000, 0, True, "a"))
    book.add_fill(PnlFill("KX-A-B", T0 + timedelta(hours=1), "bid", 100, 6000, 0, True, "b"))
    # buy 2.5 NO at 45c = ask at YES 55c: closes 2.5 YES at 55c (proceeds $1.375)
    later = T0 + timedelta(hours=2)
    book.add_fill(PnlFill("KX-A-B", later, "ask", 250, 5500, 0, True, "c"))
    ledger = book.markets["KX-A-B"]
    # released pro rata: 1.40 x 2.5 / 3 = $1.166666 (floor), realized 1.375 - 1.166666
    assert ledger.realized == 1_375_000 - 1_166_666
    first, second = ledger.closed
    assert (first.count, first.acquired, second.count) == (200, T0, 50)
    assert second.acquired == T0 + timedelta(hours=1)
    assert first.proceeds + second.proceeds == 1_375_000
    assert ledger.position.size == 50
    assert ledger.position.cost == 1_400_000 - 1_166_666
    assert dollars(ledger.realized) == "0.208334"


def test_a_repeated_fill_id_counts_once() -> None:
    book = PnlBook()
    fill = PnlFill("KX-A-B", T0, "bid", 100, 5000, 700, True, "same")
    assert book.add_fill(fill)
    assert not book.add_fill(fill)
    assert book.totals().fees == 700


@pytest.mark.parametrize(
    "change",
    [
        {"count": -100}, {"count": 0}, {"price": 10001}, {"price": -1}, {"fee": -1},
        {"book_side": "buy"}, {"time": T0.replace(tzinfo=None)}, {"ticker": ""},
        {"count": 1.5}, {"price": "0.5"},
    ],
)  # fmt: skip
def test_hostile_fills_are_refused(change: dict[str, object]) -> None:
    fields: dict[str, object] = {"ticker": "KX-A-B", "time": T0, "book_side": "bid",
                                 "count": 100, "price": 5000}  # fmt: skip
    with pytest.raises(ValidationError):
        PnlFill(**(fields | change))  # type: ignore[arg-type]


def test_hostile_settlements_are_refused() -> None:
    with pytest.raises(ValidationError, match="result must be one of"):
        PnlSettlement("KX-A-B", T0, "maybe")
    with pytest.raises(ValidationError, match="scalar value"):
        PnlSettlement("KX-A-B", T0, "scalar", 12000)
    with pytest.raises(ValidationError, match="add_fill needs a PnlFill"):
        PnlBook().add_fill("KX-A-B bid 1 at 50c")  # type: ignore[arg-type]


def test_a_fill_after_settlement_is_refused_and_nothing_changes() -> None:
    book = PnlBook()
    book.add_fill(PnlFill("KX-A-B", T0, "bid", 100, 5000, 0, True, "a"))
    book.add_settlement(PnlSettlement("KX-A-B", T0 + timedelta(days=1), "yes"))
    before = book.totals()
    with pytest.raises(ValidationError, match="after its settlement"):
        book.add_fill(PnlFill("KX-A-B", T0 + timedelta(days=2), "bid", 100, 5000, 9, True, "b"))
    assert book.totals() == before
