"""The matching engine's checks that change nothing: ``refusal``, ``amend_refusal``, ``forget``.

The exchange asks them before it commits to a command (the store logs it there), so they must
agree exactly with what ``submit`` and ``amend`` then do, and leave the books alone.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from kalshikit.sandbox.engine.book import RestingOrder
from kalshikit.sandbox.engine.matching import BookSide, MatchingEngine, OrderRequest, Rejected

TICKER = "T"
OWNERS = ("a", "b", "c")
resting = st.tuples(
    st.sampled_from(OWNERS), st.sampled_from(("bid", "ask")), st.integers(40, 60),
    st.integers(1, 500),
)  # fmt: skip


def order(
    order_id: str, owner: str, side: BookSide, price: int, size: int, **kw: Any
) -> OrderRequest:
    return OrderRequest(order_id=order_id, owner=owner, side=side, price=price, size=size, **kw)


incoming = st.builds(
    OrderRequest,
    order_id=st.just("new"),
    owner=st.sampled_from(OWNERS),
    side=st.sampled_from(("bid", "ask", "both")),
    price=st.integers(-1, 10_001),
    size=st.integers(-1, 1500),
    time_in_force=st.sampled_from(("good_till_canceled", "immediate_or_cancel", "fill_or_kill")),
    post_only=st.booleans(),
    self_trade_prevention=st.sampled_from(("taker_at_cross", "maker")),
)


def book(orders: list[tuple[str, str, int, int]]) -> MatchingEngine:
    """Resting orders placed so that none trades (bids below 50, asks from 50 up)."""
    engine = MatchingEngine()
    engine.add_market(TICKER)
    for n, (owner, side, price, size) in enumerate(orders):
        price = min(price, 49) if side == "bid" else max(price, 50)
        req = order(f"r{n}", owner, side, price, size, post_only=True)  # type: ignore[arg-type]
        engine.submit(TICKER, req, 0)
    return engine


def picture(engine: MatchingEngine) -> object:
    return engine.levels(TICKER, "bid"), engine.levels(TICKER, "ask"), list(engine.resting_orders())


@given(orders=st.lists(resting, max_size=12), req=incoming)
def test_refusal_says_exactly_what_submit_rejects(
    orders: list[tuple[str, str, int, int]], req: OrderRequest
) -> None:
    engine = book(orders)
    before = picture(engine)
    refusal = engine.refusal(TICKER, req, 0)
    assert picture(engine) == before
    events = engine.submit(TICKER, req, 0)
    rejected = isinstance(events[-1], Rejected)
    assert rejected == (refusal is not None)
    if refusal is not None:
        assert isinstance(events[-1], Rejected)
        assert events[-1].code == refusal[0]
        assert picture(engine) == before


@given(orders=st.lists(resting, min_size=1, max_size=12), price=st.integers(-1, 10_001),
       size=st.integers(-1, 600), which=st.integers(0, 11))  # fmt: skip
def test_amend_refusal_says_exactly_what_amend_rejects(
    orders: list[tuple[str, str, int, int]], price: int, size: int, which: int
) -> None:
    engine = book(orders)
    order_id = f"r{which % len(orders)}"
    before = picture(engine)
    refusal = engine.amend_refusal(order_id, price=price, size=size)
    assert picture(engine) == before
    events = engine.amend(order_id, price=price, size=size, now_ms=0)
    assert (bool(events) and isinstance(events[-1], Rejected)) == (refusal is not None)


def test_forget_lets_go_of_done_ids_only() -> None:
    engine = book([("a", "bid", 45, 10)])
    engine.submit(TICKER, order("done", "b", "ask", 45, 10), 0)  # trades it all away
    engine.submit(TICKER, order("live", "b", "bid", 40, 10), 0)
    engine.forget(["done", "live"])
    again = engine.submit(TICKER, order("done", "c", "bid", 41, 1), 0)
    assert not isinstance(again[-1], Rejected)  # a forgotten id is not held against anyone
    reused = engine.submit(TICKER, order("live", "c", "bid", 41, 1), 0)
    assert isinstance(reused[-1], Rejected)
    assert reused[-1].code == "duplicate_order_id"


def test_a_resting_order_built_from_a_request_sets_every_field() -> None:
    """from_request fills the slots by hand (speed): it must set each one, as __init__ would."""
    req = order("o1", "alice", "ask", 4200, 300, post_only=True, client_order_id="c1")
    built = RestingOrder.from_request(req, TICKER)
    expected = RestingOrder(
        order_id="o1", owner="alice", side="ask", price=4200, remaining=300, initial=300,
        filled=0, seq=0, client_order_id="c1", expiration_ms=None, order_group_id=None,
        ticker=TICKER, self_trade_prevention="taker_at_cross", post_only=True,
    )  # fmt: skip
    for field in dataclasses.fields(RestingOrder):
        assert getattr(built, field.name) == getattr(expected, field.name), field.name
