"""Invariants of the paper engine under random feeds and orders (hypothesis).

For any sequence of snapshots, deltas, trades, orders and cancels from two accounts, then a
settlement:
* money is conserved: final cash = start - what each fill bought (a bid buys YES at P, an ask
  NO at 1 - P) - fees + $1 for every contract of the winning side bought (netting a YES against
  a NO pays $1 at once, so this holds whatever the order of fills);
* before settlement each position equals its fills (bids minus asks), free cash and held
  collateral never go below zero, and no order fills more than its count;
* the same inputs give the same outputs, bit for bit;
* the paper position nets a fill exactly as the sandbox's position does.
"""

from __future__ import annotations

import contextlib
from decimal import Decimal
from typing import Any

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from kalshikit.errors import ValidationError
from kalshikit.http.orders_core import OrderSpec
from kalshikit.paper import PaperEngine
from kalshikit.paper.accounts import PaperPosition
from kalshikit.sandbox.exchange.accounts import Position
from kalshikit.units import TICKS_PER_DOLLAR, fp_to_centi

T = "KXTEST-26JAN01-T50"
ACCOUNTS = ("a", "b")
START = 50_000_000

cents = st.integers(min_value=30, max_value=70)
centi = st.integers(min_value=1, max_value=800)
levels = st.lists(st.tuples(cents.map(lambda c: c * 100), centi), max_size=4)

ops = st.one_of(
    st.tuples(st.just("snapshot"), levels, levels),
    st.tuples(st.just("delta"), st.sampled_from(["yes", "no"]), cents,
              st.integers(min_value=-600, max_value=600).filter(bool)),
    st.tuples(st.just("trade"), cents, centi, st.sampled_from(["yes", "no"])),
    st.tuples(st.just("order"), st.sampled_from(ACCOUNTS), st.sampled_from(["yes", "no"]),
              st.sampled_from(["buy", "sell"]), st.integers(min_value=1, max_value=8), cents,
              st.sampled_from(["good_till_canceled", "immediate_or_cancel"])),
    st.tuples(st.just("cancel"), st.sampled_from(ACCOUNTS), st.integers(0, 5)),
)  # fmt: skip


def run(script: list[tuple[Any, ...]], result: str) -> PaperEngine:
    engine = PaperEngine()
    for name in ACCOUNTS:
        engine.open_account(name, cash_micro=START)
    now = 0
    for op in script:
        now += 1_000
        with contextlib.suppress(ValidationError):  # refused: the invariants hold all the same
            apply(engine, now, op)
        check_live(engine)
    engine.on_lifecycle(now + 1, T, "determined", result=result)
    return engine


def apply(engine: PaperEngine, now: int, op: tuple[Any, ...]) -> None:
    kind = op[0]
    if kind == "snapshot":
        engine.on_snapshot(now, T, yes=op[1], no=op[2])
    elif kind == "delta":
        engine.on_delta(now, T, side=op[1], price=op[2] * 100, delta=op[3])
    elif kind == "trade":
        engine.on_trade(now, T, yes_price=op[1] * 100, count=op[2], taker_side=op[3])
    elif kind == "order":
        _, account, side, action, count, price, tif = op
        spec = OrderSpec(T, side=side, action=action, count=count, price_cents=price,
                         time_in_force=tif)  # fmt: skip
        engine.submit(now, account, spec)
    else:
        resting = engine.orders(op[1], status="resting")
        if resting:
            engine.cancel(now, op[1], resting[op[2] % len(resting)].order_id)


def _centi(fp: str | None) -> int:
    return fp_to_centi(fp or "0.00")


def _micro(dollars: str | None) -> int:
    return int(Decimal(dollars or "0") * 1_000_000)


def check_live(engine: PaperEngine) -> None:
    for name in ACCOUNTS:
        assert engine.cash_micro(name) >= 0
        assert engine.held_micro(name) >= 0
        fills = engine.fills(name)
        net = sum(_centi(f.count_fp) * (1 if f.book_side == "bid" else -1) for f in fills)
        assert net == sum(_centi(p.position_fp) for p in engine.positions(name))
        for order in engine.orders(name):
            filled = sum(_centi(f.count_fp) for f in fills if f.order_id == order.order_id)
            assert filled == _centi(order.fill_count_fp) <= _centi(order.initial_count_fp)


@settings(max_examples=100, deadline=None)
@given(script=st.lists(ops, max_size=30), result=st.sampled_from(["yes", "no"]))
def test_money_is_conserved_through_settlement(script: list[tuple[Any, ...]], result: str) -> None:
    engine = run(script, result)
    for name in ACCOUNTS:
        paid = fees = won = 0
        for fill in engine.fills(name):
            size, price = _centi(fill.count_fp), _micro(fill.yes_price_dollars) // 100
            bought_yes = fill.book_side == "bid"
            paid += size * (price if bought_yes else TICKS_PER_DOLLAR - price)
            fees += _micro(fill.fee_cost)
            if bought_yes == (result == "yes"):
                won += size * TICKS_PER_DOLLAR
        assert engine.held_micro(name) == 0
        assert engine.cash_micro(name) == START - paid - fees + won


@settings(max_examples=40, deadline=None)
@given(script=st.lists(ops, max_size=25))
def test_the_same_inputs_give_the_same_outputs(script: list[tuple[Any, ...]]) -> None:
    first, second = run(script, "yes"), run(script, "yes")
    for name in ACCOUNTS:
        for read in ("fills", "orders", "positions", "settlements"):
            assert msgspec.json.encode(getattr(first, read)(name)) == msgspec.json.encode(
                getattr(second, read)(name)
            )
    assert msgspec.json.encode(first.drain()) == msgspec.json.encode(second.drain())


fills = st.lists(
    st.tuples(st.sampled_from(["bid", "ask"]), st.integers(1, 9_999), st.integers(1, 5_000)),
    max_size=20,
)


@settings(max_examples=100, deadline=None)
@given(fills=fills, yes_won=st.booleans())
def test_a_paper_position_nets_exactly_as_the_sandbox_does(
    fills: list[tuple[str, int, int]], yes_won: bool
) -> None:
    paper, sandbox = PaperPosition(T), Position(T, "KXTEST-26JAN01")
    for side, price, size in fills:
        assert paper.apply_fill(side, price, size, 0) == sandbox.apply_fill(side, price, size, 0)
        assert (paper.size, paper.cost, paper.realized) == (
            sandbox.size, sandbox.cost, sandbox.realized,
        )  # fmt: skip
    value = TICKS_PER_DOLLAR if yes_won else 0
    assert paper.settle(value, 0) == sandbox.settle(yes_won, 0)
    assert paper.realized == sandbox.realized
