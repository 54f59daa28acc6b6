"""The paper engine's rules, one by one (kalshikit.paper.engine), on a pure engine: no I/O.

Books: YES bids by YES ticks and NO bids by NO ticks, sizes in centi-contracts (100 = 1).
A NO bid at 55c is a YES ask at 45c.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from kalshikit.errors import ValidationError
from kalshikit.fees import FeeSchedule, cents_ceil_micro, fee_units, taker_fee
from kalshikit.http.orders_core import OrderSpec, check_order
from kalshikit.models.stream import FillMsg, PositionMsg, UserOrderMsg
from kalshikit.paper import OrderRefused, PaperEngine, PowerProb, RiskAverse

T = "KXTEST-26JAN01-T50"
DOLLARS = 1_000_000  # micro-dollars
START = 1_000 * DOLLARS


def buy_yes(count: int, cents: int, **kw: object) -> OrderSpec:
    return OrderSpec(T, side="yes", action="buy", count=count, price_cents=cents, **kw)  # type: ignore[arg-type]


def sell_yes(count: int, cents: int, **kw: object) -> OrderSpec:
    return OrderSpec(T, side="yes", action="sell", count=count, price_cents=cents, **kw)  # type: ignore[arg-type]


def buy_no(count: int, cents: int, **kw: object) -> OrderSpec:
    return OrderSpec(T, side="no", action="buy", count=count, price_cents=cents, **kw)  # type: ignore[arg-type]


def engine(**kw: object) -> PaperEngine:
    e = PaperEngine(**kw)  # type: ignore[arg-type]
    e.open_account("a", cash_micro=START)
    # YES bids 40c x10, 39c x5; YES asks 45c x3 and 46c x7 (NO bids 55c, 54c)
    e.on_snapshot(1, T, yes=[(4000, 1000), (3900, 500)], no=[(5500, 300), (5400, 700)])
    return e


def fill_sizes(e: PaperEngine, account: str = "a") -> list[tuple[str | None, str | None, bool]]:
    return [(f.yes_price_dollars, f.count_fp, f.is_taker) for f in reversed(e.fills(account))]


def state(e: PaperEngine, account: str = "a") -> tuple[object, ...]:
    return (
        e.cash_micro(account), e.held_micro(account), e.orders(account), e.fills(account),
        e.positions(account),
    )  # fmt: skip


# --- taking ---------------------------------------------------------------------------------


def test_a_marketable_order_walks_the_levels_at_each_levels_price() -> None:
    e = engine()
    ack = e.submit(2, "a", buy_yes(8, 46))
    assert (ack.fill_count, ack.remaining_count) == ("8.00", "0.00")
    assert fill_sizes(e) == [("0.4500", "3.00", True), ("0.4600", "5.00", True)]
    fee = cents_ceil_micro(
        fee_units(FeeSchedule.for_series("quadratic", 1).taker, 300, 4500)
        + fee_units(FeeSchedule.for_series("quadratic", 1).taker, 500, 4600)
    )
    assert e.cash_micro("a") == START - (3 * 450_000 + 5 * 460_000) - fee
    assert e.positions("a")[0].position_fp == "8.00"


def test_an_order_already_checked_trades_as_its_spec_does() -> None:
    by_spec, by_checked = engine(), engine()
    spec = buy_yes(8, 46, client_order_id="c-1")
    by_spec.submit(2, "a", spec)
    by_checked.submit(2, "a", check_order(spec, 0))
    assert state(by_checked) == state(by_spec)


def test_fees_equal_fees_py_for_the_same_fills() -> None:
    e = engine()
    e.submit(2, "a", buy_yes(8, 46))
    charged = sum(Decimal(f.fee_cost or "0") for f in e.fills("a"))
    assert charged == taker_fee([(4500, 300), (4600, 500)])
    assert Decimal(e.positions("a")[0].fees_paid_dollars) == charged


def test_the_rest_of_a_gtc_order_rests_and_holds_collateral() -> None:
    e = engine()
    ack = e.submit(2, "a", buy_yes(12, 46))
    assert (ack.fill_count, ack.remaining_count) == ("10.00", "2.00")
    assert e.held_micro("a") == 2 * 460_000
    assert e.queue_position("a", ack.order_id) == 0  # nobody bids 46c at the source
    assert [o.status for o in e.orders("a")] == ["resting"]


def test_ioc_cancels_the_rest() -> None:
    e = engine()
    e.submit(2, "a", buy_yes(12, 46, time_in_force="immediate_or_cancel"))
    order = e.orders("a")[0]
    assert (order.status, order.fill_count_fp, order.remaining_count_fp) == (
        "canceled", "10.00", "0.00",
    )  # fmt: skip
    assert e.held_micro("a") == 0


def test_fok_fills_all_or_is_refused_with_nothing_changed() -> None:
    e = engine()
    before = state(e)
    with pytest.raises(OrderRefused, match="fill_or_kill") as refused:
        e.submit(2, "a", buy_yes(11, 46, time_in_force="fill_or_kill"))
    assert refused.value.code == "fill_or_kill_insufficient"
    assert state(e) == before
    assert e.drain() == []
    e.submit(3, "a", buy_yes(10, 46, time_in_force="fill_or_kill"))
    assert e.orders("a")[0].status == "executed"


def test_post_only_that_would_cross_is_refused() -> None:
    e = engine()
    with pytest.raises(OrderRefused, match="post_only") as refused:
        e.submit(2, "a", buy_yes(1, 45, post_only=True))
    assert refused.value.code == "post_only_cross"
    e.submit(3, "a", buy_yes(1, 44, post_only=True))
    assert e.orders("a")[0].status == "resting"


def test_consumed_depth_is_not_taken_twice_until_the_source_catches_up() -> None:
    e = engine()
    e.submit(2, "a", buy_yes(3, 45, time_in_force="immediate_or_cancel"))
    e.submit(3, "a", buy_yes(3, 45, time_in_force="immediate_or_cancel"))
    assert [o.fill_count_fp for o in e.orders("a")] == ["0.00", "3.00"]
    e.on_delta(4, T, side="no", price=5500, delta=-300)  # the source shows our take
    e.on_delta(5, T, side="no", price=5500, delta=200)  # new size arrives
    e.submit(6, "a", buy_yes(3, 45, time_in_force="immediate_or_cancel"))
    assert e.orders("a")[0].fill_count_fp == "2.00"


def test_a_snapshot_forgets_consumed_depth() -> None:
    e = engine()
    e.submit(2, "a", buy_yes(3, 45, time_in_force="immediate_or_cancel"))
    e.on_snapshot(3, T, yes=[], no=[(5500, 300)])
    e.submit(4, "a", buy_yes(3, 45, time_in_force="immediate_or_cancel"))
    assert e.orders("a")[0].fill_count_fp == "3.00"


# --- resting: queue and maker fills -----------------------------------------------------------


def test_trades_at_our_price_advance_the_queue_then_fill_us_as_maker() -> None:
    e = engine()
    ack = e.submit(2, "a", buy_yes(5, 40))
    assert e.queue_position("a", ack.order_id) == 1000
    e.on_trade(3, T, yes_price=4000, count=600, taker_side="no")
    e.on_delta(3, T, side="yes", price=4000, delta=-600)  # the trade, not a cancel
    assert e.queue_position("a", ack.order_id) == 400
    assert e.fills("a") == []
    e.on_trade(4, T, yes_price=4000, count=500, taker_side="no")
    assert fill_sizes(e) == [("0.4000", "1.00", False)]
    assert e.queue_position("a", ack.order_id) == 0
    assert e.fills("a")[0].fee_cost == "0.0000"  # quadratic: no maker fees


def test_a_cancel_does_not_advance_risk_averse_but_the_level_caps_ahead() -> None:
    e = engine(queue_model=RiskAverse())
    ack = e.submit(2, "a", buy_yes(5, 40))
    e.on_delta(3, T, side="yes", price=4000, delta=-300)
    assert e.queue_position("a", ack.order_id) == 700  # we were at the back: capped
    e.on_delta(4, T, side="yes", price=4000, delta=500)
    assert e.queue_position("a", ack.order_id) == 700  # growth joins behind us


def test_power_prob_moves_us_on_a_cancel() -> None:
    e = engine(queue_model=PowerProb(2))
    ack = e.submit(2, "a", buy_yes(5, 40))  # ahead 1000, nothing behind
    e.on_delta(3, T, side="yes", price=4000, delta=400)  # 400 join behind us
    e.on_delta(4, T, side="yes", price=4000, delta=-200)
    # p(behind) = 400**2 / (400**2 + 1000**2) = 4/29: we advance 25/29 x 200, ahead rounded up
    assert e.queue_position("a", ack.order_id) == 828


def test_a_trade_through_our_price_fills_us_at_our_price() -> None:
    e = engine()
    e.submit(2, "a", buy_yes(5, 40))
    e.on_trade(3, T, yes_price=3900, count=300, taker_side="no")
    assert fill_sizes(e) == [("0.4000", "3.00", False)]


def test_the_opposite_side_crossing_our_price_fills_us_as_maker_once() -> None:
    e = engine()
    e.submit(2, "a", buy_yes(5, 40))
    e.on_delta(3, T, side="no", price=6000, delta=200)  # a YES ask at 40c
    assert fill_sizes(e) == [("0.4000", "2.00", False)]
    e.on_delta(4, T, side="yes", price=3900, delta=100)  # an unrelated change
    assert len(e.fills("a")) == 1  # the crossing depth is not taken again


def test_maker_fees_only_where_the_schedule_has_them() -> None:
    schedule = FeeSchedule.for_series("quadratic_with_maker_fees", 1)
    e = engine(fees=lambda ticker: schedule)
    e.submit(2, "a", buy_yes(5, 40))
    e.on_trade(3, T, yes_price=3900, count=300, taker_side="no")
    # 0.0175 x 3 x 0.40 x 0.60 = $0.0126, up to the cent
    assert e.fills("a")[0].fee_cost == "0.0200"
    assert cents_ceil_micro(fee_units(schedule.maker, 300, 4000)) == 20_000


# --- accounts ---------------------------------------------------------------------------------


def test_yes_and_no_net_as_kalshi_does() -> None:
    e = engine()
    e.submit(2, "a", buy_yes(5, 46))  # 3 at 45c, 2 at 46c: cost $2.27
    e.submit(3, "a", sell_yes(3, 40))  # closes 3 YES against the 40c bid
    position = e.positions("a")[0]
    assert position.position_fp == "2.00"
    # 3/5 of the cost released ($1.362, floored to the micro-dollar) against $1.20 received
    assert position.realized_pnl_dollars == "-0.1620"
    e.submit(4, "a", buy_no(4, 60))  # a YES ask at 40c: closes 2 YES, opens 2 NO
    position = e.positions("a")[0]
    assert position.position_fp == "-2.00"
    assert position.market_exposure_dollars == "1.2000"  # 2 NO at 60c


def test_an_order_beyond_the_balance_is_refused_and_nothing_changes() -> None:
    e = engine()
    e.open_account("poor", cash_micro=DOLLARS)
    before = state(e, "poor")
    with pytest.raises(OrderRefused, match="insufficient_balance"):
        e.submit(2, "poor", buy_yes(5, 44))
    assert state(e, "poor") == before
    assert e.drain() == []


def test_reduce_only_is_cut_to_the_position_and_refused_without_one() -> None:
    e = engine()
    ioc = "immediate_or_cancel"
    with pytest.raises(OrderRefused, match="reduce_only"):
        e.submit(2, "a", sell_yes(1, 40, reduce_only=True, time_in_force=ioc))
    e.submit(3, "a", buy_yes(2, 45))
    e.submit(4, "a", sell_yes(8, 40, reduce_only=True, time_in_force=ioc))
    assert e.orders("a")[0].initial_count_fp == "2.00"
    assert e.positions("a")[0].position_fp == "0.00"


def test_many_accounts_on_one_feed_stay_isolated() -> None:
    e = engine()
    e.open_account("b", cash_micro=START)
    e.submit(2, "a", buy_yes(3, 45))
    e.submit(3, "b", buy_yes(3, 45))
    assert fill_sizes(e, "a") == fill_sizes(e, "b") == [("0.4500", "3.00", True)]
    e.submit(4, "b", buy_yes(1, 40))
    e.on_trade(5, T, yes_price=3900, count=100, taker_side="no")
    assert len(e.fills("a")) == 1
    assert len(e.fills("b")) == 2


@pytest.mark.parametrize(
    ("result", "value", "cash_back"),
    [("yes", None, 5 * DOLLARS), ("no", None, 0), ("scalar", 3000, 1_500_000),
     ("void", None, 2_250_000)],
)  # fmt: skip
def test_settlement_of_each_result_kind(result: str, value: int | None, cash_back: int) -> None:
    e = PaperEngine(fees=lambda ticker: FeeSchedule(0, 0))
    e.open_account("a", cash_micro=START)
    e.on_snapshot(1, T, yes=[], no=[(5500, 500)])
    e.submit(2, "a", buy_yes(5, 45))  # cost $2.25
    e.submit(3, "a", buy_yes(1, 30))  # resting: canceled at settlement
    e.on_lifecycle(4, T, "determined", result=result, settlement_value=value)
    assert e.cash_micro("a") == START - 2_250_000 + cash_back
    assert e.held_micro("a") == 0
    assert e.orders("a", status="resting") == []
    (settlement,) = e.settlements("a")
    assert (settlement.market_result, settlement.yes_count_fp) == (result, "5.00")
    assert settlement.revenue == cash_back // 10_000
    e.on_lifecycle(5, T, "settled", result=result, settlement_value=value)
    assert len(e.settlements("a")) == 1  # settles once
    with pytest.raises(OrderRefused, match="market_closed"):
        e.submit(6, "a", buy_yes(1, 45))


def test_entry_latency_and_expiration_are_honoured_by_advance() -> None:
    e = engine(entry_latency_ns=1_000)
    ack = e.submit(2, "a", buy_yes(1, 45))
    assert e.fills("a") == []
    assert e.queue_position("a", ack.order_id) is None
    e.advance(1_002)
    assert len(e.fills("a")) == 1
    second = 2_000 * 10**9
    e.submit(second, "a", buy_yes(1, 30, expiration=2_010))
    e.advance(second + 9 * 10**9)
    assert e.orders("a", status="resting") != []
    e.advance(second + 10 * 10**9)
    assert e.orders("a", status="resting") == []


def test_cancel_decrease_and_cancel_all() -> None:
    e = engine()
    first = e.submit(2, "a", buy_yes(5, 40)).order_id
    e.submit(3, "a", buy_yes(5, 39))
    assert e.decrease(4, "a", first, reduce_by=200).remaining_count == "3.00"
    assert e.held_micro("a") == 3 * 400_000 + 5 * 390_000
    assert e.cancel(5, "a", first).reduced_by == "3.00"
    assert e.cancel_all(6, "a", ticker=T) == 1
    assert e.held_micro("a") == 0
    assert e.cash_micro("a") == START
    with pytest.raises(OrderRefused, match="only resting orders"):
        e.cancel(7, "a", first)


def test_events_are_the_private_stream_messages_in_order() -> None:
    e = engine()
    e.submit(2, "a", buy_yes(1, 45))
    kinds = [type(msg) for _, account, msg in e.drain() if account == "a"]
    assert kinds == [UserOrderMsg, FillMsg, UserOrderMsg, PositionMsg]
    assert e.drain() == []


# --- hostile input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda e: e.on_snapshot(5, T, yes=[(4000, -1)], no=[]),
        lambda e: e.on_snapshot(5, T, yes=[(0, 100)], no=[]),
        lambda e: e.on_snapshot(5, T, yes=[], no=[(10_000, 100)]),
        lambda e: e.on_delta(5, T, side="yes", price=4000, delta=-5000),
        lambda e: e.on_delta(5, T, side="maybe", price=4000, delta=1),
        lambda e: e.on_trade(5, T, yes_price=4000, count=-1, taker_side="no"),
        lambda e: e.on_trade(5, T, yes_price=12_000, count=1, taker_side="no"),
        lambda e: e.on_trade(0, T, yes_price=4000, count=1, taker_side="no"),
        lambda e: e.submit(0, "a", buy_yes(1, 45)),
        lambda e: e.submit(5, "a", buy_yes(-1, 45)),
        lambda e: e.submit(5, "a", buy_yes(1, 100)),
        lambda e: e.submit(5, "nobody", buy_yes(1, 45)),
        lambda e: e.decrease(5, "a", "paper-1", reduce_by=-3),
        lambda e: e.on_lifecycle(5, T, "determined", result="maybe"),
        lambda e: e.on_lifecycle(5, T, "determined", result="scalar", settlement_value=20_000),
    ],
)
def test_hostile_input_is_a_clear_error_and_changes_nothing(call: object) -> None:
    e = engine()
    e.submit(3, "a", buy_yes(1, 40))
    e.drain()
    before = (state(e), e.best_prices(T))
    with pytest.raises(ValidationError):
        call(e)  # type: ignore[operator]
    assert (state(e), e.best_prices(T)) == before
    assert e.drain() == []


def test_a_resting_buy_no_queues_on_the_no_side_and_fills_on_yes_buyers() -> None:
    e = engine()
    ack = e.submit(2, "a", buy_no(2, 54))  # a YES ask at 46c, behind the 54c NO bids
    assert e.queue_position("a", ack.order_id) == 700
    e.on_trade(3, T, yes_price=4600, count=900, taker_side="yes")  # YES buyers lift 46c
    assert fill_sizes(e) == [("0.4600", "2.00", False)]
    assert e.positions("a")[0].position_fp == "-2.00"


def test_a_snapshot_that_crosses_a_resting_order_fills_it_as_maker() -> None:
    e = engine()
    e.submit(2, "a", buy_yes(5, 40))
    e.on_snapshot(3, T, yes=[(3900, 100)], no=[(6100, 250)])  # a YES ask at 39c x 2.5
    assert fill_sizes(e) == [("0.4000", "2.50", False)]


def test_after_its_latency_a_post_only_that_would_cross_is_canceled() -> None:
    e = engine(entry_latency_ns=100)
    e.submit(2, "a", buy_yes(1, 44, post_only=True))
    e.on_delta(50, T, side="no", price=5600, delta=100)  # a YES ask at 44c arrives first
    e.advance(102)
    assert e.orders("a")[0].status == "canceled"
    assert e.fills("a") == []
    assert e.held_micro("a") == 0


@pytest.mark.parametrize(("value", "result"), [(10_000, "yes"), (0, "no"), (2500, "scalar")])
def test_a_settlement_value_alone_settles_as_the_lifecycle_channel_sends_it(
    value: int, result: str
) -> None:
    e = PaperEngine(fees=lambda ticker: FeeSchedule(0, 0))
    e.open_account("a", cash_micro=START)
    e.on_snapshot(1, T, yes=[], no=[(5500, 400)])
    e.submit(2, "a", buy_yes(4, 45))
    e.on_lifecycle(3, T, "determined", settlement_value=value)
    assert e.settlements("a")[0].market_result == result
    assert e.cash_micro("a") == START - 4 * 450_000 + 4 * value * 100


def test_determined_without_a_result_closes_the_market() -> None:
    e = engine()
    e.submit(2, "a", buy_yes(1, 40))
    e.on_lifecycle(3, T, "determined")
    assert e.resting_orders("a") == []
    assert e.settlements("a") == []
    with pytest.raises(OrderRefused, match="market_closed"):
        e.submit(4, "a", buy_yes(1, 40))


def test_the_strategy_runners_reads() -> None:
    e = engine()
    e.submit(2, "a", buy_yes(2, 45))
    e.submit(3, "a", buy_yes(1, 40))
    assert e.position_size("a", T) == 200
    assert e.position_sizes("a") == {T: 200}
    (resting,) = e.resting_orders("a", T)
    assert (resting.side, resting.price, resting.remaining) == ("bid", 4000, 100)
