"""The CLI's one number format and its table fitting, as pure functions."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from kalshikit.cli._output import GAP, fit_columns
from kalshikit.units import Contracts, Price, intent_to_wire
from kalshikit.units.display import cents, contracts, money, order_words, quote

prices = st.integers(1, 9999).map(lambda ticks: Price.parse(Decimal(ticks).scaleb(-4)))


def test_the_number_format() -> None:
    assert cents(Price.parse("0.72")) == "72¢"
    assert cents(Price.parse("0.725")) == "72.5¢"
    assert cents(Price.parse("0.001")) == "0.1¢"
    assert cents(None) == "—"
    assert quote(Price.parse("0")) == "—"  # no bid
    assert quote(Price.parse("1")) == "—"  # no ask
    assert money(Decimal("1234.565")) == "$1,234.57"
    assert money("-0.05") == "-$0.05"
    assert money(None) == "—"
    assert contracts(Contracts.parse("3")) == "3"
    assert contracts(Contracts.parse("2.50")) == "2.5"
    assert contracts(Decimal(1200)) == "1,200"


@given(prices)
def test_cents_reads_back_as_the_same_price(price: Price) -> None:
    shown = cents(price)
    assert shown.endswith("¢")
    assert Price.parse(Decimal(shown.removesuffix("¢")) / 100) == price


@given(st.sampled_from(["yes", "no"]), st.sampled_from(["buy", "sell"]), prices)
def test_an_order_reads_back_in_the_words_it_was_placed_in(
    side: str, action: str, price: Price
) -> None:
    book_side, yes_price = intent_to_wire(side, action, price)  # type: ignore[arg-type]
    assert order_words(book_side, yes_price, side) == f"{action} {side.upper()} at {cents(price)}"


names = st.lists(st.text("abcdefgh", min_size=1, max_size=6), min_size=1, max_size=8, unique=True)


@given(names, st.data(), st.integers(20, 200))
def test_fitted_tables_fit_and_never_lose_a_kept_column(
    columns: list[str], data: st.DataObject, width: int
) -> None:
    widths = data.draw(st.lists(st.integers(1, 40), min_size=len(columns), max_size=len(columns)))
    shrink = data.draw(st.sets(st.sampled_from(columns)))
    optional = data.draw(st.lists(st.sampled_from(columns), unique=True))
    shown = fit_columns(columns, widths, width, shrink, optional)
    kept = {columns[i] for i, _ in shown}
    must = {c for c in columns if c not in shrink and c not in optional}
    assert must <= kept  # ids and tickers are never dropped
    total = sum(limit if limit is not None else widths[i] for i, limit in shown)
    total += GAP * (len(shown) - 1)
    fixed_must = sum(w for c, w in zip(columns, widths, strict=True) if c in must)
    if fixed_must + GAP * (len(must) - 1) + 16 * len(shrink) <= width:
        assert total <= width
    assert [i for i, _ in shown] == sorted(i for i, _ in shown)  # order kept
