"""Queue-position models (kalshikit.paper.queue), tested directly.

Asserted for every model (hypothesis): ``0 <= ahead <= new level size`` after any change;
``ahead`` never grows on a trade or a decrease; an increase never moves us; a trade of t takes t
off ``ahead``; RiskAverse moves on a pure cancel only as far as the level forces it
(``min(ahead, new size)``). PowerProb: with ``p = behind**n / (behind**n + ahead**n)`` the chance
a cancel was behind us, a larger n makes the larger side of the queue ever more likely, so when
more stands behind us than ahead (near the front) a larger n advances us no more, and when more
stands ahead (near the back) it advances us no less."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kalshikit.errors import ValidationError
from kalshikit.paper import PowerProb, QueueModel, RiskAverse, parse_queue_model

MODELS: list[QueueModel] = [RiskAverse(), PowerProb(1), PowerProb(2), PowerProb(3)]
sizes = st.integers(min_value=0, max_value=10_000_000)


@st.composite
def level_changes(draw: st.DrawFn) -> tuple[int, int, int]:
    old = draw(sizes)
    ahead = draw(st.integers(min_value=0, max_value=old))
    new = draw(sizes)
    return ahead, old, new


@settings(max_examples=300, deadline=None)
@given(change=level_changes(), model=st.sampled_from(MODELS))
def test_ahead_stays_inside_the_level_and_never_grows(
    change: tuple[int, int, int], model: QueueModel
) -> None:
    ahead, old, new = change
    after = model.on_level_change(ahead, old, new)
    assert 0 <= after <= new
    assert after <= ahead
    if new >= old:
        assert after == ahead  # growth joins behind us


@settings(max_examples=200, deadline=None)
@given(ahead=sizes, traded=sizes, model=st.sampled_from(MODELS))
def test_a_trade_at_our_price_takes_from_the_front(
    ahead: int, traded: int, model: QueueModel
) -> None:
    assert model.on_trade(ahead, traded) == max(ahead - traded, 0)


@settings(max_examples=200, deadline=None)
@given(change=level_changes())
def test_risk_averse_only_moves_when_the_level_is_smaller_than_ahead(
    change: tuple[int, int, int],
) -> None:
    ahead, old, new = change
    assert RiskAverse().on_level_change(ahead, old, new) == min(ahead, new)


@settings(max_examples=300, deadline=None)
@given(change=level_changes())
def test_a_larger_power_favours_the_larger_side_of_the_queue(change: tuple[int, int, int]) -> None:
    """x**n favours the larger part of the queue more as n grows (see the module docstring)."""
    ahead, old, new = change
    behind = old - ahead
    n2 = PowerProb(2).on_level_change(ahead, old, new)
    n3 = PowerProb(3).on_level_change(ahead, old, new)
    if behind > ahead:
        assert n3 >= n2  # the cancel is more likely behind us: we move less
    elif behind < ahead:
        assert n3 <= n2  # more likely in front: we move more


def test_power_prob_splits_a_cancel_by_the_queue_on_each_side() -> None:
    # 100 ahead, 300 behind, 200 canceled; n=1: p(behind) = 3/4, we advance 1/4 x 200 = 50
    assert PowerProb(1).on_level_change(100, 400, 200) == 50
    # n=2: p(behind) = 9/10: we advance 20
    assert PowerProb(2).on_level_change(100, 400, 200) == 80
    # at the back (nothing behind) every cancel was in front of us
    assert PowerProb(2).on_level_change(400, 400, 150) == 150


def test_power_prob_rounds_ahead_up() -> None:
    # n=1, 1 ahead, 2 behind, 1 canceled: expected advance 1/3: ahead 2/3 rounds up to 1
    assert PowerProb(1).on_level_change(1, 3, 2) == 1


def test_risk_averse_ignores_a_cancel_behind_us() -> None:
    assert RiskAverse().on_level_change(100, 1000, 700) == 100
    assert RiskAverse().on_level_change(900, 1000, 700) == 700


def test_parse_queue_model_names() -> None:
    assert parse_queue_model("risk_averse") == RiskAverse()
    assert parse_queue_model("power_prob:2") == PowerProb(2)
    assert parse_queue_model("power_prob:3").name == "power_prob:3"


@pytest.mark.parametrize("text", ["", "power_prob", "power_prob:9", "RiskAverse", None, 2])
def test_parse_queue_model_refuses_anything_else(text: object) -> None:
    with pytest.raises(ValidationError, match="risk_averse"):
        parse_queue_model(text)


@pytest.mark.parametrize("args", [(-1, 10, 5), (1, -10, 5), (1, 10, True), (1.0, 10, 5)])
def test_hostile_sizes_are_refused(args: tuple[object, object, object]) -> None:
    with pytest.raises(ValidationError, match="non-negative int"):
        PowerProb(2).on_level_change(*args)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="non-negative int"):
        RiskAverse().on_trade(-1, 5)


def test_power_must_be_a_small_whole_number() -> None:
    with pytest.raises(ValidationError, match="whole power"):
        PowerProb(0)
