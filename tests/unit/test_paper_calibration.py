"""The calibration's scoring, a pure core: over any trials the confusion counts add up, the
agreement is their diagonal share, errors are non-negative, percentiles are values seen, and
fills after the hold do not count."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from kalshikit.paper.calibration import (
    CalibrationReport,
    PaperSide,
    Trial,
    percentile,
    summarize,
)

HOLD_NS = 5_000_000_000
maybe_ns = st.none() | st.integers(0, 2 * HOLD_NS)
maybe_centi = st.none() | st.integers(0, 10**7)


@st.composite
def trials(draw: st.DrawFn) -> Trial:
    placed = draw(st.integers(0, 10**12))
    real_fill, paper_fill = draw(maybe_ns), draw(maybe_ns)
    return Trial(
        client_order_id=f"c-{placed}", ticker="KX-1", side=draw(st.sampled_from(["bid", "ask"])),
        price=draw(st.integers(100, 9900)), count_centi=100, placed_ns=placed,
        real_order_id=f"r-{placed}", real_queue_centi=draw(maybe_centi),
        real_first_fill_ns=None if real_fill is None else placed + real_fill,
        paper={"m": PaperSide("p", f"c-{placed}", draw(maybe_centi),
                              None if paper_fill is None else placed + paper_fill)},
    )  # fmt: skip


@given(st.lists(trials(), max_size=40))
def test_the_scores_are_consistent_over_any_trials(found: list[Trial]) -> None:
    score = summarize("m", found, HOLD_NS)
    cells = (score.both_filled, score.real_only, score.paper_only, score.neither)
    assert sum(cells) == score.orders == len(found)
    if found:
        assert score.agreement == (score.both_filled + score.neither) / len(found)
    else:
        assert score.agreement is None
    for value in (score.fill_time_error_median_ms, score.fill_time_error_p90_ms,
                  score.queue_error_median_centi, score.queue_error_p90_centi):  # fmt: skip
        assert value is None or value >= 0
    assert (score.fill_time_error_median_ms is None) == (score.both_filled == 0)
    report = CalibrationReport("local", ["KX-1"], 5.0, 0, False, len(found), 0, 1.0, [score])
    shown = json.loads(report.to_json())
    assert shown["models"][0]["orders"] == len(found)
    assert report.table().splitlines()[0].startswith("model")


def test_a_fill_after_the_hold_is_no_fill() -> None:
    late = Trial("c", "KX-1", "bid", 5000, 100, 0, "r", 0, HOLD_NS + 1,
                 {"m": PaperSide("p", "c", 0, HOLD_NS)})  # fmt: skip
    score = summarize("m", [late], HOLD_NS)
    assert (score.both_filled, score.real_only, score.paper_only, score.neither) == (0, 0, 1, 0)


@given(st.lists(st.integers(-(10**9), 10**9), min_size=1), st.sampled_from([0.1, 0.5, 0.9, 1.0]))
def test_a_percentile_is_one_of_the_values_in_order(values: list[int], share: float) -> None:
    found = percentile(values, share)
    assert found in values
    assert percentile(values, 0.5) <= percentile(values, 0.9)  # type: ignore[operator]
    assert percentile([], share) is None
