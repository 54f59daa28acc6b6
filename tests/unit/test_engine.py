"""The sandbox matching engine: each rule on its own, then invariants on random sequences.

The engine is pure, so every test feeds it calls and reads back the events and the book.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from kalshikit.sandbox.engine.matching import (
    Accepted,
    Amended,
    BookChanged,
    BookSide,
    Canceled,
    Event,
    Fill,
    MatchingEngine,
    OrderRequest,
    Rejected,
    Rested,
)

M = "MKT-A"


def order(
    order_id: str, owner: str, side: BookSide, price: int, size: int, **kw: Any
) -> OrderRequest:
    return OrderRequest(order_id=order_id, owner=owner, side=side, price=price, size=size, **kw)


@pytest.fixture
def engine() -> MatchingEngine:
    eng = MatchingEngine()
    eng.add_market(M)
    return eng


def place(
    eng: MatchingEngine, order_id: str, owner: str, side: BookSide, price: int, size: int, **kw: Any
) -> list[Event]:
    return eng.submit(M, order(order_id, owner, side, price, size, **kw), 0)


def fills(events: list[Event]) -> list[Fill]:
    return [e for e in events if isinstance(e, Fill)]


def kinds(events: list[Event]) -> list[str]:
    return [type(e).__name__ for e in events]


def rejection_code(events: list[Event]) -> str:
    (rejected,) = [e for e in events if isinstance(e, Rejected)]
    return rejected.code


# ------------------------------------------------------------------ resting and priority


def test_a_passive_order_rests_and_shows_in_the_levels(engine: MatchingEngine) -> None:
    events = place(engine, "b1", "alice", "bid", 4500, 300, client_order_id="c1")
    assert events == [
        Accepted("b1", M),
        Rested("b1", M, 300),
        BookChanged(M, "bid", 4500, 300, 300, "c1", "alice"),
    ]
    assert engine.levels(M, "bid") == [(4500, 300)]
    assert engine.best_bid(M) == 4500
    assert engine.best_ask(M) is None


def test_levels_are_listed_best_first_on_both_sides(engine: MatchingEngine) -> None:
    for i, price in enumerate([4000, 4200, 4100]):
        place(engine, f"b{i}", "alice", "bid", price, 100)
        place(engine, f"a{i}", "alice", "ask", 10000 - price, 100 + i)
    assert engine.levels(M, "bid") == [(4200, 100), (4100, 100), (4000, 100)]
    assert engine.levels(M, "ask") == [(5800, 101), (5900, 102), (6000, 100)]


def test_better_price_fills_first_even_when_it_came_later(engine: MatchingEngine) -> None:
    place(engine, "a1", "alice", "ask", 5100, 100)
    place(engine, "a2", "bob", "ask", 5000, 100)
    got = fills(place(engine, "t", "carol", "bid", 5100, 150))
    assert [(f.maker_order_id, f.price, f.size) for f in got] == [
        ("a2", 5000, 100),
        ("a1", 5100, 50),
    ]


def test_within_a_price_the_earlier_order_fills_first(engine: MatchingEngine) -> None:
    place(engine, "a1", "alice", "ask", 5000, 100)
    place(engine, "a2", "bob", "ask", 5000, 100)
    got = fills(place(engine, "t", "carol", "bid", 5000, 150))
    assert [(f.maker_order_id, f.size) for f in got] == [("a1", 100), ("a2", 50)]
    assert engine.get_order("a2") is not None
    assert engine.get_order("a1") is None


def test_fills_happen_at_the_maker_price(engine: MatchingEngine) -> None:
    place(engine, "b1", "alice", "bid", 6000, 100)
    (fill,) = fills(place(engine, "t", "bob", "ask", 4000, 100))
    assert fill.price == 6000
    assert (fill.maker_side, fill.taker_side) == ("bid", "ask")


def test_a_partial_fill_reports_fill_then_delta_then_rests_the_rest(engine: MatchingEngine) -> None:
    place(engine, "a1", "alice", "ask", 5000, 100, client_order_id="ca")
    events = place(engine, "t", "bob", "bid", 5000, 250, client_order_id="cb")
    assert events == [
        Accepted("t", M),
        Fill(M, "T1", 5000, 100, "a1", "alice", "ask", "t", "bob", "bid", 0, 150),
        BookChanged(M, "ask", 5000, -100, 0, "ca", "alice"),
        Rested("t", M, 150),
        BookChanged(M, "bid", 5000, 150, 150, "cb", "bob"),
    ]
    assert engine.levels(M, "ask") == []
    resting = engine.get_order("t")
    assert resting is not None
    assert (resting.filled, resting.remaining, resting.initial) == (100, 150, 250)


def test_trade_ids_count_up_per_engine(engine: MatchingEngine) -> None:
    place(engine, "a1", "alice", "ask", 5000, 100)
    place(engine, "a2", "alice", "ask", 5000, 100)
    got = fills(place(engine, "t", "bob", "bid", 5000, 200))
    assert [f.trade_id for f in got] == ["T1", "T2"]


# ------------------------------------------------------------------ time in force and flags


def test_ioc_fills_what_crosses_and_cancels_the_rest(engine: MatchingEngine) -> None:
    place(engine, "a1", "alice", "ask", 5000, 100)
    events = place(engine, "t", "bob", "bid", 5000, 300, time_in_force="immediate_or_cancel")
    assert kinds(events) == ["Accepted", "Fill", "BookChanged", "Canceled"]
    assert events[-1] == Canceled("t", M, 200, "ioc_remainder", 0)
    assert engine.levels(M, "bid") == []
    assert engine.get_order("t") is None


def test_ioc_that_crosses_nothing_is_canceled_whole(engine: MatchingEngine) -> None:
    events = place(engine, "t", "bob", "bid", 5000, 300, time_in_force="immediate_or_cancel")
    assert events == [Accepted("t", M), Canceled("t", M, 300, "ioc_remainder", 0)]


def test_fok_without_enough_size_is_rejected_and_changes_nothing(engine: MatchingEngine) -> None:
    place(engine, "a1", "alice", "ask", 5000, 100)
    place(engine, "a2", "alice", "ask", 5200, 100)
    events = place(engine, "t", "bob", "bid", 5100, 150, time_in_force="fill_or_kill")
    assert rejection_code(events) == "fill_or_kill_insufficient"
    assert len(events) == 1
    assert engine.levels(M, "ask") == [(5000, 100), (5200, 100)]
    # the id was not used: it may be sent again
    again = place(engine, "t", "bob", "bid", 5200, 150, time_in_force="fill_or_kill")
    assert sum(f.size for f in fills(again)) == 150


def test_fok_with_enough_size_fills_entirely(engine: MatchingEngine) -> None:
    place(engine, "a1", "alice", "ask", 5000, 100)
    place(engine, "a2", "carol", "ask", 5100, 100)
    events = place(engine, "t", "bob", "bid", 5100, 200, time_in_force="fill_or_kill")
    assert kinds(events) == ["Accepted", "Fill", "BookChanged", "Fill", "BookChanged"]
    assert engine.levels(M, "ask") == []


def test_fok_counts_no_size_past_an_own_order_under_taker_at_cross(engine: MatchingEngine) -> None:
    place(engine, "own", "bob", "ask", 5000, 100)
    place(engine, "a2", "alice", "ask", 5000, 100)
    events = place(engine, "t", "bob", "bid", 5000, 100, time_in_force="fill_or_kill")
    assert rejection_code(events) == "fill_or_kill_insufficient"


def test_fok_under_maker_stp_skips_own_size_and_cancels_own_orders(engine: MatchingEngine) -> None:
    place(engine, "own", "bob", "ask", 5000, 100)
    place(engine, "a2", "alice", "ask", 5000, 100)
    short = place(
        engine,
        "t1",
        "bob",
        "bid",
        5000,
        150,
        time_in_force="fill_or_kill",
        self_trade_prevention="maker",
    )
    assert rejection_code(short) == "fill_or_kill_insufficient"
    assert engine.get_order("own") is not None
    events = place(
        engine,
        "t2",
        "bob",
        "bid",
        5000,
        100,
        time_in_force="fill_or_kill",
        self_trade_prevention="maker",
    )
    assert Canceled("own", M, 100, "self_trade", 0) in events
    assert [f.maker_order_id for f in fills(events)] == ["a2"]


def test_post_only_that_would_cross_is_rejected(engine: MatchingEngine) -> None:
    place(engine, "a1", "alice", "ask", 5000, 100)
    events = place(engine, "p", "bob", "bid", 5000, 100, post_only=True)
    assert rejection_code(events) == "post_only_cross"
    assert engine.levels(M, "bid") == []
    assert kinds(place(engine, "p2", "bob", "bid", 4900, 100, post_only=True)) == [
        "Accepted",
        "Rested",
        "BookChanged",
    ]


def test_reduce_only_needs_immediate_or_cancel(engine: MatchingEngine) -> None:
    for tif in ("good_till_canceled", "fill_or_kill"):
        events = place(engine, "r", "bob", "bid", 5000, 100, reduce_only=True, time_in_force=tif)
        assert rejection_code(events) == "reduce_only_requires_ioc"
    events = place(
        engine, "r", "bob", "bid", 5000, 100, reduce_only=True, time_in_force="immediate_or_cancel"
    )
    assert events[0] == Accepted("r", M)


@pytest.mark.parametrize(
    ("kw", "code"),
    [
        ({"price": 0}, "invalid_price"),
        ({"price": 10000}, "invalid_price"),
        ({"size": 0}, "invalid_size"),
        ({"size": -5}, "invalid_size"),
        ({"expiration_ms": 50, "time_in_force": "immediate_or_cancel"}, "expiration_with_ioc"),
        ({"expiration_ms": 50, "time_in_force": "fill_or_kill"}, "expiration_with_ioc"),
        ({"expiration_ms": 10}, "expired"),
        ({"expiration_ms": 9}, "expired"),
    ],
)
def test_invalid_orders_are_rejected_without_change(
    engine: MatchingEngine, kw: dict[str, Any], code: str
) -> None:
    fields: dict[str, Any] = {"price": 5000, "size": 100} | kw
    req = OrderRequest(order_id="x", owner="bob", side="bid", **fields)
    events = engine.submit(M, req, 10)
    assert rejection_code(events) == code
    assert engine.levels(M, "bid") == []
    assert engine.get_order("x") is None


def test_an_order_id_can_never_be_reused(engine: MatchingEngine) -> None:
    place(engine, "a1", "alice", "ask", 5000, 100)
    assert rejection_code(place(engine, "a1", "alice", "ask", 5100, 100)) == "duplicate_order_id"
    place(engine, "t", "bob", "bid", 5000, 100)  # a1 is now filled and gone
    assert rejection_code(place(engine, "a1", "alice", "ask", 5100, 100)) == "duplicate_order_id"
    assert rejection_code(place(engine, "t", "bob", "ask", 5100, 100)) == "duplicate_order_id"


def test_an_unknown_market_is_rejected(engine: MatchingEngine) -> None:
    events = engine.submit("NOPE", order("x", "bob", "bid", 5000, 100), 0)
    assert rejection_code(events) == "unknown_market"
    with pytest.raises(KeyError, match="NOPE"):
        engine.levels("NOPE", "bid")


# ------------------------------------------------------------------ self-trade prevention


def test_taker_at_cross_keeps_earlier_fills_and_cancels_the_incoming_rest(
    engine: MatchingEngine,
) -> None:
    place(engine, "a1", "alice", "ask", 5000, 100)
    place(engine, "own", "bob", "ask", 5000, 100)
    place(engine, "a3", "alice", "ask", 5000, 100)
    events = place(engine, "t", "bob", "bid", 5000, 300)
    assert [f.maker_order_id for f in fills(events)] == ["a1"]
    assert events[-1] == Canceled("t", M, 200, "self_trade", 0)
    assert engine.get_order("own") is not None
    assert engine.get_order("t") is None
    assert engine.levels(M, "ask") == [(5000, 200)]
    assert engine.levels(M, "bid") == []


def test_maker_stp_cancels_the_resting_order_and_keeps_matching(engine: MatchingEngine) -> None:
    place(engine, "a1", "alice", "ask", 5000, 100)
    place(engine, "own", "bob", "ask", 5000, 100, client_order_id="mine")
    place(engine, "a3", "alice", "ask", 5100, 100)
    events = place(engine, "t", "bob", "bid", 5100, 300, self_trade_prevention="maker")
    assert kinds(events) == [
        "Accepted",
        "Fill",
        "BookChanged",
        "Canceled",
        "BookChanged",
        "Fill",
        "BookChanged",
        "Rested",
        "BookChanged",
    ]
    assert events[3:5] == [
        Canceled("own", M, 100, "self_trade", 0),
        BookChanged(M, "ask", 5000, -100, 0, "mine", "bob"),
    ]
    assert engine.get_order("own") is None
    assert engine.levels(M, "bid") == [(5100, 100)]


# ------------------------------------------------------------------ expiration


def test_expire_cancels_only_orders_that_are_due(engine: MatchingEngine) -> None:
    engine.submit(M, order("e1", "alice", "bid", 4000, 100, expiration_ms=100), 0)
    engine.submit(M, order("e2", "alice", "bid", 4000, 50, expiration_ms=200), 0)
    engine.submit(M, order("keep", "alice", "bid", 4000, 10), 0)
    assert engine.expire(99) == []
    assert engine.expire(100) == [
        Canceled("e1", M, 100, "expired", 0),
        BookChanged(M, "bid", 4000, -100, 60, None, "alice"),
    ]
    assert engine.levels(M, "bid") == [(4000, 60)]
    assert [e.order_id for e in engine.expire(10**9) if isinstance(e, Canceled)] == ["e2"]


def test_submit_never_trades_with_an_order_past_its_expiration(engine: MatchingEngine) -> None:
    engine.submit(M, order("e1", "alice", "ask", 5000, 100, expiration_ms=100), 0)
    events = engine.submit(M, order("t", "bob", "bid", 5000, 100), 150)
    assert events[0] == Canceled("e1", M, 100, "expired", 0)
    assert fills(events) == []
    assert engine.levels(M, "bid") == [(5000, 100)]


def test_a_canceled_order_leaves_no_stale_expiry(engine: MatchingEngine) -> None:
    engine.submit(M, order("e1", "alice", "ask", 5000, 100, expiration_ms=100), 0)
    engine.cancel("e1")
    assert engine.expire(1000) == []


# ------------------------------------------------------------------ cancel, decrease


def test_cancel_reports_the_size_taken_off(engine: MatchingEngine) -> None:
    place(engine, "b1", "alice", "bid", 4000, 100)
    place(engine, "b2", "alice", "bid", 4000, 70)
    assert engine.cancel("b1") == [
        Canceled("b1", M, 100, "user", 0),
        BookChanged(M, "bid", 4000, -100, 70, None, "alice"),
    ]
    assert engine.cancel("b1") == []
    assert engine.cancel("never") == []
    assert engine.cancel("b2", reason="group")[0] == Canceled("b2", M, 70, "group", 0)
    assert engine.levels(M, "bid") == []


def test_decrease_keeps_queue_priority(engine: MatchingEngine) -> None:
    place(engine, "b1", "alice", "bid", 4000, 100)
    place(engine, "b2", "bob", "bid", 4000, 100)
    assert engine.decrease("b1", reduce_by=60) == [
        Canceled("b1", M, 60, "decrease", 40),
        BookChanged(M, "bid", 4000, -60, 140, None, "alice"),
    ]
    assert engine.queue_position("b2") == 40
    got = fills(place(engine, "t", "carol", "ask", 4000, 50))
    assert [(f.maker_order_id, f.size) for f in got] == [("b1", 40), ("b2", 10)]


def test_decrease_to_a_size_and_to_zero(engine: MatchingEngine) -> None:
    place(engine, "b1", "alice", "bid", 4000, 100)
    assert engine.decrease("b1", reduce_to=30)[0] == Canceled("b1", M, 70, "decrease", 30)
    assert engine.decrease("b1", reduce_to=0)[0] == Canceled("b1", M, 30, "decrease", 0)
    assert engine.get_order("b1") is None
    assert engine.levels(M, "bid") == []


def test_decrease_by_more_than_rests_cancels_the_order(engine: MatchingEngine) -> None:
    place(engine, "b1", "alice", "bid", 4000, 100)
    assert engine.decrease("b1", reduce_by=500)[0] == Canceled("b1", M, 100, "decrease", 0)


def test_decrease_refuses_bad_arguments(engine: MatchingEngine) -> None:
    place(engine, "b1", "alice", "bid", 4000, 100)
    with pytest.raises(ValueError, match="exactly one"):
        engine.decrease("b1")
    with pytest.raises(ValueError, match="exactly one"):
        engine.decrease("b1", reduce_by=1, reduce_to=1)
    assert rejection_code(engine.decrease("b1", reduce_to=100)) == "invalid_size"
    assert rejection_code(engine.decrease("b1", reduce_to=-1)) == "invalid_size"
    assert rejection_code(engine.decrease("b1", reduce_by=0)) == "invalid_size"
    assert engine.decrease("unknown", reduce_by=1) == []
    assert engine.levels(M, "bid") == [(4000, 100)]


# ------------------------------------------------------------------ amend


def test_amend_down_at_the_same_price_keeps_priority(engine: MatchingEngine) -> None:
    place(engine, "b1", "alice", "bid", 4000, 100)
    place(engine, "b2", "bob", "bid", 4000, 100)
    events = engine.amend("b1", price=4000, size=40, now_ms=1)
    assert events == [
        Amended("b1", M, 4000, 4000, 100, 40, False),
        BookChanged(M, "bid", 4000, -60, 140, None, "alice"),
    ]
    assert engine.queue_position("b1") == 0
    assert engine.queue_position("b2") == 40


def test_amend_up_loses_priority(engine: MatchingEngine) -> None:
    place(engine, "b1", "alice", "bid", 4000, 100)
    place(engine, "b2", "bob", "bid", 4000, 100)
    events = engine.amend("b1", price=4000, size=150, now_ms=1)
    assert kinds(events) == ["Amended", "BookChanged", "Rested", "BookChanged"]
    assert events[1] == BookChanged(M, "bid", 4000, -100, 100, None, "alice")
    assert events[3] == BookChanged(M, "bid", 4000, 150, 250, None, "alice")
    assert engine.queue_position("b1") == 100
    assert engine.queue_position("b2") == 0


def test_amend_to_a_new_price_requeues_and_may_trade(engine: MatchingEngine) -> None:
    place(engine, "a1", "alice", "ask", 5000, 100)
    place(engine, "b1", "bob", "bid", 4000, 300)
    events = engine.amend("b1", price=5100, size=300, now_ms=1)
    assert events[0] == Amended("b1", M, 4000, 5100, 300, 300, True)
    (fill,) = fills(events)
    assert (fill.price, fill.size, fill.taker_order_id) == (5000, 100, "b1")
    assert engine.levels(M, "bid") == [(5100, 200)]
    resting = engine.get_order("b1")
    assert resting is not None
    assert (resting.price, resting.remaining, resting.filled, resting.initial) == (
        5100,
        200,
        100,
        300,
    )


def test_amend_size_is_the_new_total_including_fills(engine: MatchingEngine) -> None:
    place(engine, "b1", "bob", "bid", 5000, 300)
    place(engine, "a1", "alice", "ask", 5000, 100)  # fills 100 of b1
    events = engine.amend("b1", price=5000, size=250, now_ms=1)
    assert events[0] == Amended("b1", M, 5000, 5000, 200, 150, False)
    assert rejection_code(engine.amend("b1", price=5000, size=100, now_ms=1)) == "invalid_size"
    assert rejection_code(engine.amend("b1", price=0, size=250, now_ms=1)) == "invalid_price"
    assert engine.amend("unknown", price=5000, size=100, now_ms=1) == []


def test_amend_of_a_post_only_order_across_the_book_is_rejected(engine: MatchingEngine) -> None:
    place(engine, "a1", "alice", "ask", 5000, 100)
    place(engine, "b1", "bob", "bid", 4000, 100, post_only=True)
    assert rejection_code(engine.amend("b1", price=5000, size=100, now_ms=1)) == "post_only_cross"
    assert engine.levels(M, "bid") == [(4000, 100)]


def test_amend_that_reaches_an_own_order_stops_by_the_order_s_stp(engine: MatchingEngine) -> None:
    place(engine, "own", "bob", "ask", 5000, 100)
    place(engine, "b1", "bob", "bid", 4000, 100)
    events = engine.amend("b1", price=5000, size=100, now_ms=1)
    assert events[-1] == Canceled("b1", M, 100, "self_trade", 0)
    assert engine.get_order("b1") is None
    assert engine.levels(M, "ask") == [(5000, 100)]


# ------------------------------------------------------------------ reads and markets


def test_queue_position_counts_size_ahead_at_the_same_price(engine: MatchingEngine) -> None:
    place(engine, "b1", "alice", "bid", 4000, 100)
    place(engine, "b2", "bob", "bid", 4000, 30)
    place(engine, "b3", "carol", "bid", 4000, 5)
    place(engine, "better", "carol", "bid", 4100, 500)
    assert [engine.queue_position(i) for i in ("b1", "b2", "b3", "better")] == [0, 100, 130, 0]
    with pytest.raises(KeyError):
        engine.queue_position("unknown")


def test_orders_of_lists_an_owner_s_resting_orders(engine: MatchingEngine) -> None:
    place(engine, "b1", "alice", "bid", 4000, 100)
    place(engine, "b2", "bob", "bid", 4000, 100)
    place(engine, "a1", "alice", "ask", 6000, 100)
    assert [o.order_id for o in engine.orders_of("alice")] == ["b1", "a1"]
    assert list(engine.orders_of("nobody")) == []


def test_remove_market_cancels_everything(engine: MatchingEngine) -> None:
    place(engine, "b1", "alice", "bid", 4000, 100)
    place(engine, "a1", "bob", "ask", 6000, 100)
    events = engine.remove_market(M)
    assert [(e.order_id, e.reason) for e in events if isinstance(e, Canceled)] == [
        ("b1", "market_closed"),
        ("a1", "market_closed"),
    ]
    assert engine.get_order("b1") is None
    assert list(engine.orders_of("alice")) == []
    assert not engine.has_market(M)
    assert engine.remove_market(M) == []


def test_markets_are_independent(engine: MatchingEngine) -> None:
    engine.add_market("MKT-B")
    place(engine, "a1", "alice", "ask", 5000, 100)
    events = engine.submit("MKT-B", order("t", "bob", "bid", 6000, 100), 0)
    assert fills(events) == []
    assert engine.levels("MKT-B", "bid") == [(6000, 100)]


def test_book_changes_replay_to_exactly_the_levels(engine: MatchingEngine) -> None:
    log: list[Event] = []
    log += place(engine, "a1", "alice", "ask", 5000, 100)
    log += place(engine, "a2", "bob", "ask", 5100, 100)
    log += place(engine, "b1", "carol", "bid", 4900, 100)
    log += place(engine, "t", "dave", "bid", 5100, 150)
    log += engine.decrease("a2", reduce_by=10)
    log += engine.amend("b1", price=4950, size=120, now_ms=0)
    log += engine.cancel("a2")
    book = replay_book_changes(log)
    for side in ("bid", "ask"):
        assert sorted(book[(M, side)].items()) == sorted(engine.levels(M, side))


Replayed = dict[tuple[str, str], dict[int, int]]  # (ticker, side) -> price -> size


def replay_book_changes(events: list[Event]) -> Replayed:
    """Apply every BookChanged to an empty book."""
    book: Replayed = defaultdict(dict)
    for event in events:
        if isinstance(event, BookChanged):
            apply_book_change(book, event)
    return book


def apply_book_change(book: Replayed, event: BookChanged) -> None:
    """One delta, checking that ``new_size`` agrees with the running size."""
    level = book[(event.ticker, event.side)]
    size = level.get(event.price, 0) + event.size_delta
    assert event.size_delta != 0
    assert size == event.new_size >= 0
    if size:
        level[event.price] = size
    else:
        del level[event.price]


# ------------------------------------------------------------------ random sequences

MARKETS = ("MKT-A", "MKT-B")
OWNERS = ("o1", "o2", "o3")
PRICES = st.integers(4995, 5005)
SIZES = st.integers(1, 120)
DEPTH_ORDER = st.tuples(
    st.sampled_from(MARKETS),
    st.sampled_from(OWNERS),
    st.sampled_from(("bid", "ask")),
    st.integers(0, 3),
    SIZES,
)


class EngineMachine(RuleBasedStateMachine):
    """Random submits, cancels, decreases, amends and expiries, checked against a ledger."""

    def __init__(self) -> None:
        super().__init__()
        self.engine = MatchingEngine()
        for ticker in MARKETS:
            self.engine.add_market(ticker)
        self.now = 0
        self.count = 0
        self.ids: list[str] = []
        self.side_of: dict[str, str] = {}
        self.added: dict[str, int] = {}  # initial size plus every amend's change of remaining
        self.filled: dict[str, int] = defaultdict(int)
        self.canceled: dict[str, int] = defaultdict(int)
        self.canceled_since_amend: dict[str, int] = defaultdict(int)
        self.book: Replayed = defaultdict(dict)  # every BookChanged so far, replayed

    # -------------------------------------------------------------- rules

    @rule(
        ticker=st.sampled_from(MARKETS),
        owner=st.sampled_from(OWNERS),
        side=st.sampled_from(("bid", "ask")),
        behind=st.integers(-2, 4),
        size=SIZES,
        tif=st.sampled_from(("good_till_canceled",) * 4 + ("immediate_or_cancel", "fill_or_kill")),
        post_only=st.sampled_from((False, False, True)),
        stp=st.sampled_from(("taker_at_cross", "maker")),
        lifetime=st.none() | st.integers(1, 30),
    )
    def submit(
        self, ticker: str, owner: str, side: BookSide, behind: int, size: int, tif: Any,
        post_only: bool, stp: Any, lifetime: int | None,
    ) -> None:  # fmt: skip
        """Mostly passive orders a few ticks behind the middle, so the books build depth."""
        price = 5000 - behind if side == "bid" else 5000 + behind
        expiration = (
            None if lifetime is None or tif != "good_till_canceled" else self.now + lifetime
        )
        req = order(
            self.new_id(),
            owner,
            side,
            price,
            size,
            time_in_force=tif,
            post_only=post_only,
            self_trade_prevention=stp,
            expiration_ms=expiration,
        )
        self.place(ticker, req)

    @rule(
        ticker=st.sampled_from(MARKETS),
        owner=st.sampled_from(OWNERS),
        side=st.sampled_from(("bid", "ask")),
        through=st.integers(0, 4),
        size=st.integers(100, 600),
        tif=st.sampled_from(("good_till_canceled", "immediate_or_cancel", "fill_or_kill")),
        stp=st.sampled_from(("taker_at_cross", "maker")),
    )
    def sweep(
        self, ticker: str, owner: str, side: BookSide, through: int, size: int, tif: Any, stp: Any
    ) -> None:
        """A large order priced through several levels, so fills touch many makers."""
        price = 5000 + through if side == "bid" else 5000 - through
        req = order(
            self.new_id(), owner, side, price, size, time_in_force=tif, self_trade_prevention=stp
        )
        self.place(ticker, req)

    @initialize(orders=st.lists(DEPTH_ORDER, min_size=4, max_size=24))
    def seed_books(self, orders: list[tuple[str, str, BookSide, int, int]]) -> None:
        """Start from books a few levels deep, so sweeps touch many makers from the start."""
        self.add_depth(orders)

    @rule(orders=st.lists(DEPTH_ORDER, min_size=1, max_size=6))
    def add_depth(self, orders: list[tuple[str, str, BookSide, int, int]]) -> None:
        """Several passive GTC orders at once, a tick or more behind the middle."""
        for ticker, owner, side, behind, size in orders:
            price = 5000 - 1 - behind if side == "bid" else 5000 + 1 + behind
            self.place(ticker, order(self.new_id(), owner, side, price, size))

    def new_id(self) -> str:
        self.count += 1
        return f"o{self.count}"

    def place(self, ticker: str, req: OrderRequest) -> None:
        before = self.crossing_snapshot(ticker, req.side, req.price)
        levels_before = self.all_levels()
        events = self.engine.submit(ticker, req, self.now)
        if any(isinstance(e, Accepted) for e in events):
            self.ids.append(req.order_id)
            self.side_of[req.order_id] = req.side
            self.added[req.order_id] = req.size
        elif len(events) == 1:
            assert isinstance(events[0], Rejected)
            assert self.all_levels() == levels_before  # a rejection changes nothing
        if req.time_in_force == "fill_or_kill" and any(isinstance(e, Accepted) for e in events):
            assert sum(e.size for e in fills(events)) == req.size  # all of it, at once
        self.check_priority(events, before, req.order_id, req.side)
        self.assert_nothing_overdue()

    def assert_nothing_overdue(self) -> None:
        for o in self.engine.resting_orders():
            assert o.expiration_ms is None or o.expiration_ms > self.now

    def all_levels(self) -> list[list[tuple[int, int]]]:
        return [self.engine.levels(t, s) for t in MARKETS for s in ("bid", "ask")]

    @precondition(lambda self: self.ids)
    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        self.record(self.engine.cancel(data.draw(st.sampled_from(self.ids))))

    @precondition(lambda self: self.ids)
    @rule(data=st.data(), by=st.integers(1, 200), to_target=st.booleans())
    def decrease(self, data: st.DataObject, by: int, to_target: bool) -> None:
        order_id = data.draw(st.sampled_from(self.ids))
        if to_target:
            self.record(self.engine.decrease(order_id, reduce_to=by - 1))
        else:
            self.record(self.engine.decrease(order_id, reduce_by=by))

    @precondition(lambda self: self.ids)
    @rule(data=st.data(), price=PRICES, size=SIZES)
    def amend(self, data: st.DataObject, price: int, size: int) -> None:
        order_id = data.draw(st.sampled_from(self.ids))
        resting = self.engine.get_order(order_id)
        before: dict[str, tuple[int, int, str]] = {}
        if resting is not None:
            before = self.crossing_snapshot(resting.ticker, resting.side, price)
        events = self.engine.amend(order_id, price=price, size=size, now_ms=self.now)
        self.check_priority(events, before, order_id, self.side_of[order_id])

    @rule(step=st.integers(1, 20))
    def advance_clock(self, step: int) -> None:
        self.now += step  # due orders now expire inside the next submit or amend

    @rule()
    def expire(self) -> None:
        events = self.engine.expire(self.now)
        assert all(isinstance(e, Canceled | BookChanged) for e in events)
        self.record(events)
        self.assert_nothing_overdue()

    # -------------------------------------------------------------- bookkeeping

    def record(self, events: list[Event]) -> None:
        """Post events to the ledger and apply the book changes to the replayed book."""
        for event in events:
            if isinstance(event, Fill):
                assert event.size > 0
                assert event.maker_side != event.taker_side
                assert event.maker_owner != event.taker_owner
                self.filled[event.maker_order_id] += event.size
                self.filled[event.taker_order_id] += event.size
            elif isinstance(event, Canceled):
                assert event.reduced_by > 0
                self.canceled[event.order_id] += event.reduced_by
                self.canceled_since_amend[event.order_id] += event.reduced_by
            elif isinstance(event, Amended):
                self.added[event.order_id] += event.new_remaining - event.old_remaining
                self.canceled_since_amend[event.order_id] = 0  # an amend resets ``initial``
            elif isinstance(event, BookChanged):
                apply_book_change(self.book, event)

    def crossing_snapshot(
        self, ticker: str, side: str, price: int
    ) -> dict[str, tuple[int, int, str]]:
        """Opposite resting orders that ``price`` crosses and that have not expired by now."""
        return {
            o.order_id: (o.price, o.seq, o.owner)
            for o in self.engine.resting_orders()
            if o.ticker == ticker
            and o.side != side
            and (o.price <= price if side == "bid" else o.price >= price)
            and (o.expiration_ms is None or o.expiration_ms > self.now)
        }

    def check_priority(
        self, events: list[Event], before: dict[str, tuple[int, int, str]], taker: str, side: str
    ) -> None:
        """Makers are touched best price first, then by seq, each used up before the next."""
        self.record(events)
        if not before:
            return
        sign = 1 if side == "bid" else -1
        queue = sorted(before, key=lambda i: (sign * before[i][0], before[i][1]))
        touched: list[str] = []
        for event in events:
            if isinstance(event, Fill):
                maker = event.maker_order_id
            elif isinstance(event, Canceled) and event.reason == "self_trade":
                maker = event.order_id
            else:
                continue
            if maker != taker and maker not in touched:
                touched.append(maker)
        assert touched == queue[: len(touched)]
        for maker in touched[:-1]:
            assert self.engine.get_order(maker) is None
        for event in events:
            if isinstance(event, Fill):
                assert event.price == before[event.maker_order_id][0]

    # -------------------------------------------------------------- invariants

    @invariant()
    def every_order_conserves_its_size(self) -> None:
        for order_id in self.ids:
            resting = self.engine.get_order(order_id)
            remaining = resting.remaining if resting else 0
            assert (
                self.added[order_id] == self.filled[order_id] + remaining + self.canceled[order_id]
            )
            if resting is not None:
                assert resting.filled == self.filled[order_id]
                assert resting.remaining > 0
                assert resting.canceled == self.canceled_since_amend[order_id]
        by_side: dict[str, int] = defaultdict(int)
        for order_id, size in self.filled.items():
            by_side[self.side_of[order_id]] += size
        assert by_side["bid"] == by_side["ask"]

    @invariant()
    def books_are_uncrossed_and_match_their_orders(self) -> None:
        for ticker in MARKETS:
            bid, ask = self.engine.best_bid(ticker), self.engine.best_ask(ticker)
            assert bid is None or ask is None or bid < ask
            for side in ("bid", "ask"):
                levels = self.engine.levels(ticker, side)
                assert all(size > 0 for _, size in levels)
                prices = [price for price, _ in levels]
                assert prices == sorted(prices, reverse=side == "bid")
                summed: dict[int, int] = defaultdict(int)
                for o in self.engine.resting_orders():
                    if o.ticker == ticker and o.side == side:
                        summed[o.price] += o.remaining
                assert dict(levels) == summed
                assert self.book[(ticker, side)] == summed


TestEngineMachine = EngineMachine.TestCase
TestEngineMachine.settings = settings(
    max_examples=100,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
