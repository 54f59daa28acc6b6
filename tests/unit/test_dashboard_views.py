"""The dashboard's picture, pure: the ladder (levels, depth bars, own orders on the right side),
trades in the taker's words, the environment's banner, and the order form's hostile input
(that a refused form sends nothing is shown end to end, in test_dashboard_browser.py)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kalshikit.config import APIConfig
from kalshikit.dashboard.desk import read_form
from kalshikit.dashboard.views import (
    Resting,
    TradeRow,
    banner,
    direction,
    ladder,
    orders,
    portfolio,
    trades,
)
from kalshikit.errors import ValidationError
from kalshikit.orderbook import OrderBook
from kalshikit.portfolio.pnl import PnlBook


def book_of(yes: dict[int, int], no: dict[int, int], ticker: str = "KX-A") -> OrderBook:
    book = OrderBook(ticker)
    book.apply_snapshot_ticks(yes.items(), no.items())
    return book


def test_the_ladder_is_best_first_with_bars_and_the_clis_numbers() -> None:
    book = book_of({4_000: 1_000, 4_200: 500}, {5_500: 2_000, 6_000: 700})
    shown = ladder(book, [])
    assert [(row["price"], row["size"]) for row in shown["yes"]] == [
        ("0.4200", "5.00"), ("0.4000", "10.00")
    ]  # fmt: skip
    assert [(row["price_text"], row["size_text"]) for row in shown["no"]] == [
        ("60¢", "7"), ("55¢", "20")
    ]  # fmt: skip
    assert [row["bar"] for row in shown["yes"] + shown["no"]] == [0.25, 0.5, 0.35, 1.0]
    assert shown["quotes"] == {"yes_bid": "42¢", "yes_ask": "40¢", "spread": "—"}  # crossed
    assert shown["exact"] is True


def test_own_orders_are_marked_where_they_rest() -> None:
    book = book_of({4_000: 1_000}, {5_500: 2_000})
    mine = [
        Resting("a", "KX-A", "bid", "yes", 4_000, 300),  # buy YES at 40¢: the YES ladder
        Resting("b", "KX-A", "ask", "no", 4_500, 200),  # buy NO at 55¢ (an ask at 45¢)
        Resting("c", "KX-A", "ask", "no", 4_500, 50),
        Resting("d", "KX-B", "bid", "yes", 4_000, 900),  # another market: not here
    ]
    shown = ladder(book, mine)
    assert shown["yes"][0]["mine"] == "3"
    assert shown["no"][0]["mine"] == "2.5"
    listed = orders(mine, "KX-A")
    assert [row["words"] for row in listed] == ["buy NO at 55¢", "buy NO at 55¢", "buy YES at 40¢"]
    assert {row["left_text"] for row in listed} == {"3", "2", "0.5"}


def test_own_orders_the_book_does_not_hold_get_a_level_of_their_own() -> None:
    # a paper account's orders rest in the paper engine, not in the source's book
    book = book_of({4_000: 1_000, 3_000: 100}, {})
    shown = ladder(book, [Resting("p", "KX-A", "bid", "yes", 3_500, 300)], depth=2)
    assert [(row["price"], row["size"], row["mine"]) for row in shown["yes"]] == [
        ("0.4000", "10.00", None), ("0.3500", "0.00", "3")
    ]  # fmt: skip
    deep = ladder(book, [Resting("p", "KX-A", "bid", "yes", 100, 300)], depth=2)
    assert [row["price"] for row in deep["yes"]] == ["0.4000", "0.3000"]  # beyond the depth


def test_no_book_yet_is_an_empty_ladder_not_an_error() -> None:
    shown = ladder(None, [])
    assert (shown["yes"], shown["no"], shown["exact"]) == ([], [], False)
    assert set(shown["quotes"].values()) == {"—"}


levels = st.dictionaries(st.integers(1, 9_999), st.integers(1, 10**8), max_size=30)


@given(yes=levels, no=levels, depth=st.integers(0, 12))
def test_the_ladder_is_the_books_best_levels_exactly(
    yes: dict[int, int], no: dict[int, int], depth: int
) -> None:
    shown = ladder(book_of(yes, no), [], depth)
    for side, given_levels in (("yes", yes), ("no", no)):
        best = sorted(given_levels.items(), reverse=True)[:depth]
        expected = [(f"{Decimal(p) / 10_000:.4f}", f"{Decimal(c) / 100:.2f}") for p, c in best]
        assert [(row["price"], row["size"]) for row in shown[side]] == expected
        assert all(0 < row["bar"] <= 1 for row in shown[side])
    bars = [row["bar"] for side in ("yes", "no") for row in shown[side]]
    assert not bars or max(bars) == 1


def test_direction_reads_either_the_v2_fields_or_a_legacy_word() -> None:
    assert direction("bid", None) == ("bid", "yes")
    assert direction(None, "no") == ("ask", "no")
    assert direction(None, None, True) == ("bid", "yes")
    assert direction("sideways", "maybe") is None


def test_trades_are_newest_first_at_the_price_the_taker_paid() -> None:
    rows = [TradeRow(1, 6_000, 300, "yes"), TradeRow(2, 6_000, 150, "no")]
    shown = trades(rows)
    assert [(t["taker"], t["price_text"], t["count_text"]) for t in shown] == [
        ("NO", "40¢", "1.5"), ("YES", "60¢", "3")
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("env", "name", "tone"),
    [("local", "SANDBOX", "sandbox"), ("paper", "PAPER", "paper"), ("demo", "DEMO", "demo"),
     ("prod", "PRODUCTION", "prod")],
)  # fmt: skip
def test_every_environment_is_labelled_unmistakably(env: str, name: str, tone: str) -> None:
    shown = banner(APIConfig.resolve(env, environ={}, dotenv_path=False))
    assert (shown["name"], shown["tone"]) == (name, tone)
    assert ("REAL MONEY" in shown["words"]) == (env == "prod")


def test_an_account_without_fills_shows_zero_pnl_and_no_positions() -> None:
    shown = portfolio(PnlBook(), {})
    assert shown["positions"] == []
    assert shown["totals"]["net_text"] == "$0.00"
    assert portfolio(None, {})["ready"] is False


forms = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)
fields = st.fixed_dictionaries(
    {},
    optional={
        name: forms
        for name in ("ticker", "side", "action", "count", "cents", "tif", "post_only", "confirm")
    },
)


@given(form=fields | forms)
def test_a_hostile_form_is_refused_with_one_line_or_read_as_text(form: Any) -> None:
    try:
        text, flags = read_form(form)
    except ValidationError as error:
        said = str(error)
    else:
        said = ""
    if said:
        assert "\n" not in said
        return
    assert all(value is None or isinstance(value, str) for value in text.values())
    assert all(isinstance(value, bool) for value in flags.values())
    assert None not in (text["ticker"], text["side"], text["action"], text["count"])
