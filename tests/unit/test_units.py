"""Units: exact wire parsing and formatting, Price, Contracts, price grids, the intent mapping."""

from __future__ import annotations

import copy
import json
import pickle
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from kalshikit.errors import ValidationError
from kalshikit.units import (
    Contracts,
    Price,
    PriceGrid,
    centi_to_fp,
    centicents_to_ticks,
    cents_to_ticks,
    dollars_to_ticks,
    format_money,
    fp_to_centi,
    intent_to_wire,
    money_from_centicents,
    money_from_cents,
    parse_money,
    refuse_float,
    ticks_to_dollars,
    wire_to_intent,
)

any_ticks = st.integers(min_value=0, max_value=10_000)
tradeable_ticks = st.integers(min_value=1, max_value=9_999)
any_centi = st.integers(min_value=-(10**9), max_value=10**9)
sides = st.sampled_from(["yes", "no"])
actions = st.sampled_from(["buy", "sell"])
structures = st.sampled_from(["linear_cent", "tapered_deci_cent", "deci_cent"])


# --- wire parsers and formatters --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "ticks"),
    [("0.56", 5600), ("0.5600", 5600), ("0.560000", 5600), ("0.0001", 1), ("1.0000", 10_000),
     ("0", 0), ("1", 10_000), ("0.565", 5650)],
)  # fmt: skip
def test_dollar_strings_of_2_to_6_decimals_read_as_ticks(text: str, ticks: int) -> None:
    assert dollars_to_ticks(text) == ticks


@pytest.mark.parametrize(
    "text", ["0.56001", "0.000050", "-0.56", "abc", "", ".", " 0.56", "0.5e1", "1_0", "+0.5", "٣"]
)
def test_dollars_to_ticks_refuses_sub_tick_negative_and_non_numeric(text: str) -> None:
    with pytest.raises(ValidationError):
        dollars_to_ticks(text)


@given(any_ticks)
def test_ticks_round_trip_through_the_wire_dollar_string(ticks: int) -> None:
    text = ticks_to_dollars(ticks)
    assert len(text.split(".")[1]) == 4
    assert dollars_to_ticks(text) == ticks


def test_ticks_to_dollars_is_the_four_decimal_wire_form() -> None:
    assert ticks_to_dollars(5600) == "0.5600"
    assert ticks_to_dollars(10_000) == "1.0000"
    assert ticks_to_dollars(5) == "0.0005"


@pytest.mark.parametrize(
    ("text", "centi"),
    [("10.00", 1000), ("0.5", 50), ("3", 300), ("0.01", 1), ("-5.00", -500), ("2.500", 250)],
)
def test_fp_counts_read_as_centi_contracts(text: str, centi: int) -> None:
    assert fp_to_centi(text) == centi


@pytest.mark.parametrize("text", ["0.001", "1.005", "ten", "", "-", "1,000.00", "1e2"])
def test_fp_to_centi_refuses_finer_than_a_hundredth_and_junk(text: str) -> None:
    with pytest.raises(ValidationError):
        fp_to_centi(text)


@given(any_centi)
def test_centi_round_trips_through_the_wire_fp_string(centi: int) -> None:
    text = centi_to_fp(centi)
    assert len(text.split(".")[1]) == 2
    assert fp_to_centi(text) == centi


def test_centi_to_fp_examples() -> None:
    assert centi_to_fp(1000) == "10.00"
    assert centi_to_fp(5) == "0.05"
    assert centi_to_fp(-250) == "-2.50"


def test_legacy_cents_and_centicents_become_ticks() -> None:
    assert cents_to_ticks(56) == 5600
    assert centicents_to_ticks(5600) == 5600
    with pytest.raises(ValidationError, match="float"):
        cents_to_ticks(56.0)  # type: ignore[arg-type]


# --- money --------------------------------------------------------------------------------------


def test_money_is_exact_decimal_dollars() -> None:
    assert parse_money("12.345678") == Decimal("12.345678")
    assert parse_money("-3.50") == Decimal("-3.5")
    assert parse_money(7) == Decimal(7)
    assert parse_money(Decimal("0.10")) == Decimal("0.1")
    assert money_from_cents(12345) == Decimal("123.45")
    assert money_from_centicents(5600) == Decimal("0.56")


@pytest.mark.parametrize("value", ["0.1234567", "1e3", "abc", Decimal("0.0000001"), True])
def test_parse_money_refuses_what_is_not_an_exact_dollar_amount(value: Any) -> None:
    with pytest.raises(ValidationError):
        parse_money(value)


def test_format_money_writes_the_wire_form_and_never_rounds() -> None:
    assert format_money(Decimal("1.5")) == "1.5000"
    assert format_money(Decimal("-0.25"), 2) == "-0.25"
    assert format_money(Decimal("12.345678"), 6) == "12.345678"
    with pytest.raises(ValidationError, match="more than 4 decimal places"):
        format_money(Decimal("0.12345"))


# --- floats are refused everywhere ----------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "advice"),
    [
        (lambda: Price.from_dollars(0.56), "'0.56'"),  # type: ignore[arg-type]
        (lambda: Price.parse(0.56), "'0.56'"),  # type: ignore[arg-type]
        (lambda: Price(0.56), "'0.56'"),  # type: ignore[arg-type]
        (lambda: Price.from_cents(56.0), "56 or Decimal('56.5')"),  # type: ignore[arg-type]
        (lambda: Contracts.parse(2.5), "'2.5' or Decimal('2.5')"),  # type: ignore[arg-type]
        (lambda: Contracts(1.0), "'2.5' or Decimal('2.5')"),  # type: ignore[arg-type]
        (lambda: parse_money(1.5), "'12.50'"),  # type: ignore[arg-type]
        (lambda: format_money(1.5), "Decimal('12.50')"),  # type: ignore[arg-type]
        (lambda: money_from_cents(1.0), "'56'"),  # type: ignore[arg-type]
    ],
)
def test_floats_are_refused_with_what_to_pass_instead(call: Any, advice: str) -> None:
    with pytest.raises(ValidationError) as caught:
        call()
    message = str(caught.value)
    assert "float" in message
    assert "not exact" in message
    assert advice in message


def test_refuse_float_message_names_the_argument_and_an_example() -> None:
    with pytest.raises(ValidationError) as caught:
        refuse_float(0.1, "count", "'2'")
    assert str(caught.value) == (
        "count got the float 0.1; floats are not exact - pass a string or Decimal such as '2'"
    )
    refuse_float(Decimal("0.1"), "count", "'2'")  # anything else passes


# --- Price ------------------------------------------------------------------------------------


def test_price_reads_dollars_cents_and_ticks() -> None:
    assert Price.from_dollars("0.56").ticks == 5600
    assert Price.from_dollars("0.560000") == Price.from_cents(56)
    assert Price.from_dollars(Decimal("0.565")).ticks == 5650
    assert Price.from_cents(Decimal("56.5")) == Price.from_dollars("0.565")
    assert Price.from_cents("56") == Price.from_ticks(5600)
    assert Price.parse("$0.56") == Price("0.56")


def test_price_parse_returns_a_price_as_is() -> None:
    price = Price("0.42")
    assert Price.parse(price) is price


def test_price_views() -> None:
    price = Price("0.565")
    assert price.dollars == Decimal("0.5650")
    assert str(price.dollars) == "0.5650"
    assert price.cents == Decimal("56.5")
    assert price.to_wire() == "0.5650"
    assert price.complement() == Price("0.435")


@pytest.mark.parametrize(
    ("price", "short"),
    [("0.56", "$0.56"), ("0.565", "$0.565"), ("0.0001", "$0.0001"), ("1", "$1.00"), ("0", "$0.00")],
)
def test_price_str_is_short_with_at_least_two_decimals(price: str, short: str) -> None:
    assert str(Price(price)) == short
    assert f"{Price(price)}" == short


def test_price_repr_and_format_spec() -> None:
    price = Price("0.56")
    assert repr(price) == "Price('0.5600')"
    assert eval(repr(price)) == price
    assert f"{price:.2f}" == "0.56"


def test_price_equals_only_prices() -> None:
    price = Price("0.56")
    assert price == Price.from_ticks(5600)
    assert price != 0.56
    assert price != Decimal("0.56")
    assert price != 5600
    assert price != "0.56"
    assert len({price, Price("0.5600"), Price("0.560000")}) == 1


def test_prices_are_totally_ordered_among_themselves_only() -> None:
    low, high = Price("0.10"), Price("0.90")
    assert low < high
    assert low <= low
    assert high > low
    assert high >= high
    assert sorted([high, low]) == [low, high]
    with pytest.raises(TypeError):
        _ = low < 0.5  # type: ignore[operator]


def test_price_is_immutable_and_survives_pickle_and_copy() -> None:
    price = Price("0.56")
    with pytest.raises(AttributeError):
        price.ticks = 1  # type: ignore[misc]
    with pytest.raises(AttributeError):
        price._n = 1
    assert pickle.loads(pickle.dumps(price)) == price
    assert copy.deepcopy(price) == price


def test_price_from_dollars_refuses_ints_pointing_at_cents() -> None:
    with pytest.raises(ValidationError, match=r"pass '0\.56'.*price_cents=56"):
        Price.from_dollars(56)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        Price.from_dollars(True)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["1.01", "56", "-0.01", Decimal("-0.5"), Decimal("1.5")])
def test_price_refuses_values_outside_zero_to_one(value: Any) -> None:
    with pytest.raises(ValidationError, match="between"):
        Price.from_dollars(value)


@pytest.mark.parametrize("value", ["0.56001", Decimal("0.56001"), Decimal("NaN"), "abc", None])
def test_price_refuses_sub_tick_and_non_numbers(value: Any) -> None:
    with pytest.raises(ValidationError):
        Price.from_dollars(value)


@pytest.mark.parametrize("value", [101, -1, Decimal("56.555"), "abc", True])
def test_price_from_cents_refuses_out_of_range_and_sub_tick(value: Any) -> None:
    with pytest.raises(ValidationError):
        Price.from_cents(value)


@pytest.mark.parametrize("ticks", [-1, 10_001, True, 5600.0])
def test_price_from_ticks_refuses_what_is_not_a_tick_count(ticks: Any) -> None:
    with pytest.raises(ValidationError):
        Price.from_ticks(ticks)


@given(any_ticks)
def test_price_round_trips_through_its_wire_form_and_str(ticks: int) -> None:
    price = Price.from_ticks(ticks)
    assert Price.from_dollars(price.to_wire()) == price
    assert Price.parse(str(price)) == price
    assert Price.from_cents(price.cents) == price


@given(any_ticks)
def test_complement_is_an_involution_that_sums_to_a_dollar(ticks: int) -> None:
    price = Price.from_ticks(ticks)
    assert price.complement().complement() == price
    assert price.dollars + price.complement().dollars == 1


# --- Contracts ------------------------------------------------------------------------------


def test_contracts_read_counts_of_every_kind() -> None:
    assert Contracts.parse(10).centi == 1000
    assert Contracts.parse("2.5").centi == 250
    assert Contracts.parse(Decimal("0.01")).centi == 1
    assert Contracts.from_fp("10.00") == Contracts(10)
    assert Contracts.from_fp("-3.50").count == Decimal("-3.5")
    assert Contracts.from_centi(250) == Contracts("2.50")


def test_contracts_show_whole_counts_without_decimals() -> None:
    assert str(Contracts(10)) == "10"
    assert str(Contracts("2.5")) == "2.50"
    assert str(Contracts("-2.5")) == "-2.50"
    assert f"{Contracts(3)} contracts" == "3 contracts"
    assert f"{Contracts('2.5'):.1f}" == "2.5"
    assert repr(Contracts(10)) == "Contracts('10.00')"
    assert Contracts(10).to_wire() == "10.00"


def test_contracts_arithmetic_order_and_truth() -> None:
    assert Contracts(10) + Contracts("2.5") == Contracts("12.5")
    assert Contracts(1) - Contracts(3) == Contracts(-2)
    assert -Contracts(2) == Contracts(-2)
    assert abs(Contracts(-2)) == Contracts(2)
    assert sum([Contracts(1), Contracts("0.5")]) == Contracts("1.5")
    assert Contracts(1) < Contracts(2)
    assert not Contracts(0)
    assert Contracts("0.01")
    assert Contracts(1) != 1
    assert Contracts(1) != Price("0.0100")


@pytest.mark.parametrize("value", ["0.001", Decimal("0.005"), True, None, "two"])
def test_contracts_refuse_sub_hundredths_bools_and_junk(value: Any) -> None:
    with pytest.raises(ValidationError):
        Contracts.parse(value)


# --- price grids ----------------------------------------------------------------------------


def test_golden_style_price_ranges_parse() -> None:
    grid = PriceGrid.from_ranges([{"start": "0.0000", "end": "1.0000", "step": "0.0010"}])
    assert grid == PriceGrid.for_structure("deci_cent")
    assert grid.allows(Price("0.555"))
    assert len(list(grid.ticks())) == 999


def test_recorded_markets_price_ranges_parse(golden_dir: Path) -> None:
    body = json.loads((golden_dir / "markets_list_response.json").read_text())["response"]
    for market in body["markets"]:
        grid = PriceGrid.from_ranges(market["price_ranges"])
        assert grid == PriceGrid.for_structure(market["price_level_structure"])


def test_ranges_may_be_tuples_or_objects_with_attributes() -> None:
    class Range:
        start, end, step = "0.0000", "1.0000", "0.0100"

    linear = PriceGrid.for_structure("linear_cent")
    assert PriceGrid.from_ranges([("0.0000", "1.0000", "0.0100")]) == linear
    assert PriceGrid.from_ranges([Range()]) == linear


@pytest.mark.parametrize(
    "ranges",
    [
        [],
        [{"start": "0.0000", "end": "1.0000"}],
        [{"start": "0.5000", "end": "0.1000", "step": "0.0100"}],
        [{"start": "0.0000", "end": "1.0000", "step": "0.0000"}],
        [{"start": "0.0000", "end": "2.0000", "step": "0.0100"}],
        [{"start": "0.0000", "end": "1.0000", "step": "0.00005"}],
        {"start": "0.0000", "end": "1.0000", "step": "0.0100"},
    ],
)
def test_bad_price_ranges_are_refused(ranges: Any) -> None:
    with pytest.raises(ValidationError):
        PriceGrid.from_ranges(ranges)


def test_unknown_structure_names_the_known_ones() -> None:
    with pytest.raises(ValidationError, match="linear_cent") as caught:
        PriceGrid.for_structure("banded_centi_cent")
    assert "price_ranges" in str(caught.value)


def test_linear_cent_refuses_sub_cent_prices_that_deci_cent_allows() -> None:
    price = Price("0.555")
    assert not PriceGrid.for_structure("linear_cent").allows(price)
    assert PriceGrid.for_structure("deci_cent").allows(price)


def test_tapered_deci_cent_has_fine_ticks_only_at_the_edges() -> None:
    grid = PriceGrid.for_structure("tapered_deci_cent")
    assert grid.allows(Price("0.005"))
    assert grid.allows(Price("0.955"))
    assert not grid.allows(Price("0.505"))
    assert grid.allows(Price("0.10"))
    assert grid.allows(Price("0.90"))
    assert grid.step_at(Price("0.05")) == Price("0.001")
    assert grid.step_at(Price("0.50")) == Price("0.01")
    assert grid.step_at(Price("0.10")) == Price("0.01")  # a shared endpoint takes the next step


def test_check_order_price_names_the_price_the_grid_and_the_nearest_prices() -> None:
    grid = PriceGrid.for_structure("linear_cent")
    with pytest.raises(ValidationError) as caught:
        grid.check_order_price(Price("0.555"))
    message = str(caught.value)
    assert "$0.555" in message
    assert "ticks of $0.01 between $0.00 and $1.00" in message
    assert "$0.55 and $0.56" in message
    grid.check_order_price(Price("0.55"))


@pytest.mark.parametrize(("price", "nearest"), [("0", "$0.01"), ("1", "$0.99")])
def test_zero_and_one_are_not_order_prices(price: str, nearest: str) -> None:
    grid = PriceGrid.for_structure("linear_cent")
    assert grid.allows(Price(price))  # on the grid, but not tradeable
    with pytest.raises(ValidationError, match="strictly between") as caught:
        grid.check_order_price(Price(price))
    assert nearest in str(caught.value)


@pytest.mark.parametrize("dollars", ["-0.01", "1.01", "1.5"])
def test_negative_and_above_one_never_become_order_prices(dollars: str) -> None:
    with pytest.raises(ValidationError):
        PriceGrid.for_structure("deci_cent").check_order_price(Price(dollars))


def test_grid_for_market_prefers_price_ranges() -> None:
    ranges = [{"start": "0.0000", "end": "1.0000", "step": "0.0010"}]
    assert PriceGrid.for_market(ranges, "linear_cent") == PriceGrid.for_structure("deci_cent")
    assert PriceGrid.for_market(None, "linear_cent") == PriceGrid.for_structure("linear_cent")
    with pytest.raises(ValidationError):
        PriceGrid.for_market([], None)


@given(structures)
def test_every_tick_a_grid_yields_is_allowed_and_tradeable(name: str) -> None:
    grid = PriceGrid.for_structure(name)
    ticks = list(grid.ticks())
    assert ticks == sorted(set(ticks))
    for tick in ticks:
        assert 0 < tick < 10_000
        assert grid.allows(Price.from_ticks(tick))
        grid.check_order_price(Price.from_ticks(tick))


@given(structures, tradeable_ticks)
def test_neighbours_of_an_off_grid_price_are_on_it_and_bracket_it(name: str, ticks: int) -> None:
    grid = PriceGrid.for_structure(name)
    price = Price.from_ticks(ticks)
    assume(not grid.allows(price))
    below, above = grid.neighbours(price)
    tradeable = list(grid.ticks())
    # $0 and $1 are not tradeable, so below the first tick there is nothing to offer
    assert (below is None) == (ticks < tradeable[0])
    assert (above is None) == (ticks > tradeable[-1])
    for neighbour in (below, above):
        assert neighbour is None or grid.allows(neighbour)
    assert below is None or below < price
    assert above is None or price < above
    if below is not None and above is not None:
        assert above.ticks - below.ticks == grid.step_at(price).ticks


def test_neighbours_of_an_on_grid_price_are_the_adjacent_ticks() -> None:
    grid = PriceGrid.for_structure("linear_cent")
    assert grid.neighbours(Price("0.50")) == (Price("0.49"), Price("0.51"))
    assert grid.neighbours(Price("0.01")) == (None, Price("0.02"))


# --- the order-intent mapping ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("side", "action", "price", "book_side", "yes_price"),
    [
        ("yes", "buy", "0.60", "bid", "0.60"),
        ("yes", "sell", "0.60", "ask", "0.60"),
        ("no", "buy", "0.40", "ask", "0.60"),
        ("no", "sell", "0.40", "bid", "0.60"),
    ],
)
def test_the_design_intent_table_both_ways(
    side: Any, action: Any, price: str, book_side: Any, yes_price: str
) -> None:
    assert intent_to_wire(side, action, Price(price)) == (book_side, Price(yes_price))
    assert wire_to_intent(book_side, Price(yes_price), side) == (action, Price(price))


def test_an_ask_seen_from_the_no_side_is_a_buy() -> None:
    assert wire_to_intent("ask", Price("0.60"), "no") == ("buy", Price("0.40"))


@given(sides, actions, any_ticks)
def test_intent_survives_the_round_trip_through_the_wire(side: Any, action: Any, t: int) -> None:
    price = Price.from_ticks(t)
    book_side, yes_price = intent_to_wire(side, action, price)
    assert wire_to_intent(book_side, yes_price, side) == (action, price)


@pytest.mark.parametrize(
    ("call", "allowed"),
    [
        (lambda: intent_to_wire("YES", "buy", Price("0.5")), "'yes', 'no'"),  # type: ignore[arg-type]
        (lambda: intent_to_wire("yes", "bid", Price("0.5")), "'buy', 'sell'"),  # type: ignore[arg-type]
        (lambda: wire_to_intent("buy", Price("0.5"), "yes"), "'bid', 'ask'"),  # type: ignore[arg-type]
        (lambda: wire_to_intent("bid", Price("0.5"), "maybe"), "'yes', 'no'"),  # type: ignore[arg-type]
    ],
)
def test_bad_sides_and_actions_list_the_allowed_values(call: Any, allowed: str) -> None:
    with pytest.raises(ValidationError, match=allowed):
        call()


def test_intent_mapping_wants_a_price_not_a_string() -> None:
    with pytest.raises(ValidationError, match="Price"):
        intent_to_wire("yes", "buy", "0.5")  # type: ignore[arg-type]
