"""The shared rate-limit data and the pure token bucket (time is passed in)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kalshikit.errors import ValidationError
from kalshikit.ratelimit import (
    ENDPOINT_COSTS,
    BucketSpec,
    CostTooHigh,
    RateTier,
    TokenBucket,
    budget_for,
)


def test_published_budgets() -> None:
    basic = budget_for("basic")
    assert (basic.read.rate, basic.write.rate) == (200, 100)
    assert (basic.read.capacity, basic.write.capacity) == (200, 200)
    assert budget_for(RateTier.PRIME).write.rate == 4000
    with pytest.raises(ValidationError, match="unknown rate tier 'gold'"):
        budget_for("gold")


def test_endpoint_costs_per_item_for_batches() -> None:
    assert ENDPOINT_COSTS.cost("markets.list") == 10
    assert ENDPOINT_COSTS.cost("orders.create") == 10
    assert ENDPOINT_COSTS.cost("orders.cancel") == 2
    assert ENDPOINT_COSTS.cost("orders.cancel_batch", items=7) == 14
    assert ENDPOINT_COSTS.cost("orders.create_batch", items=3) == 30


def test_basic_allows_ten_creates_per_second_and_a_burst_of_twenty() -> None:
    bucket = TokenBucket(budget_for("basic").write)
    taken = sum(bucket.try_take(10, now=0.0) == 0.0 for _ in range(25))
    assert taken == 20  # two seconds of write budget
    assert bucket.try_take(10, now=0.0) == pytest.approx(0.1)
    assert bucket.try_take(10, now=0.1) == 0.0


def test_wait_is_exact_and_takes_nothing() -> None:
    bucket = TokenBucket(BucketSpec(rate=10, capacity=10))
    assert bucket.try_take(10, now=5.0) == 0.0
    assert bucket.try_take(4, now=5.0) == pytest.approx(0.4)
    assert bucket.try_take(4, now=5.2) == pytest.approx(0.2)
    assert bucket.try_take(4, now=5.4) == 0.0


def test_drain_forces_everyone_to_wait() -> None:
    bucket = TokenBucket(BucketSpec(rate=100, capacity=100))
    bucket.drain(now=1.0)
    assert bucket.try_take(50, now=1.0) == pytest.approx(0.5)


def test_cost_above_capacity_is_an_error_not_a_hang() -> None:
    bucket = TokenBucket(BucketSpec(rate=1, capacity=5))
    with pytest.raises(CostTooHigh, match="never fits"):
        bucket.try_take(6, now=0.0)


@given(
    costs=st.lists(st.integers(1, 20), min_size=1, max_size=60),
    gaps=st.lists(st.floats(0, 0.5), min_size=60, max_size=60),
)
def test_never_spends_more_than_capacity_plus_refill(costs: list[int], gaps: list[float]) -> None:
    spec = BucketSpec(rate=40, capacity=20)
    bucket = TokenBucket(spec)
    now, spent = 0.0, 0
    for cost, gap in zip(costs, gaps, strict=False):
        now += gap
        if bucket.try_take(cost, now) == 0.0:
            spent += cost
    assert spent <= spec.capacity + spec.rate * now + 1e-9
