"""The strategy API's pure parts: parameters and files in, the report's arithmetic, and the
context's order path (a bad order raises and sends nothing; a refusal sends nothing and says
why; an allowed order reaches the broker once, with a fixed client order id)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kalshikit.errors import ValidationError
from kalshikit.http.orders_core import CheckedOrder
from kalshikit.orderbook import OrderBook
from kalshikit.strategy.broker import Resting
from kalshikit.strategy.context import Context
from kalshikit.strategy.loader import load_strategy, parse_params, strategy_class
from kalshikit.strategy.report import Tally, mark_micro


@given(st.integers(-(10**12), 10**12))
def test_integer_parameters_come_back_as_ints(value: int) -> None:
    assert parse_params([f"n={value}"]) == {"n": value}


@given(st.decimals(allow_nan=False, allow_infinity=False, places=4, min_value=-10**6,
                   max_value=10**6))  # fmt: skip
def test_decimal_parameters_are_exact_never_floats(value: Decimal) -> None:
    text = f"{value:f}" if "." in f"{value:f}" else f"{value:f}.0"
    parsed = parse_params([f"edge={text}"])["edge"]
    assert isinstance(parsed, Decimal)
    assert parsed == value


def test_booleans_and_text_parameters() -> None:
    assert parse_params(["live=true", "quiet=False", "side=yes"]) == {
        "live": True, "quiet": False, "side": "yes",
    }  # fmt: skip


@pytest.mark.parametrize("item", ["spread", "=2", "2x=1", "a b=1"])
def test_a_parameter_without_a_name_and_value_is_refused(item: str) -> None:
    with pytest.raises(ValidationError, match="name=value"):
        parse_params([item])


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "strat.py"
    path.write_text("from kalshikit.strategy import Strategy\n" + body)
    return path


def test_the_one_strategy_of_a_file_is_found_and_gets_its_parameters(tmp_path: Path) -> None:
    path = write(tmp_path, "class A(Strategy):\n    def __init__(self, k=1):\n"
                           "        super().__init__(k=k)\n        self.k = k\n")  # fmt: skip
    strategy = load_strategy(path, {"k": 5})
    assert type(strategy).__name__ == "A"
    assert strategy.params == {"k": 5}


def test_files_with_no_or_several_strategies_say_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="no Strategy subclass"):
        strategy_class(write(tmp_path, "x = 1\n"))
    several = write(tmp_path, "class A(Strategy): pass\nclass B(Strategy): pass\n")
    with pytest.raises(ValidationError, match="several: A, B; name one with --strategy"):
        strategy_class(several)
    assert strategy_class(several, "B").__name__ == "B"
    with pytest.raises(ValidationError, match="defines no strategy 'C'"):
        strategy_class(several, "C")
    fussy = write(tmp_path, "class A(Strategy):\n    def __init__(self, k=1):\n"
                            "        super().__init__(k=k)\n")  # fmt: skip
    with pytest.raises(ValidationError, match="does not take these parameters"):
        load_strategy(fussy, {"nope": 1})
    with pytest.raises(ValidationError, match="not a Python file"):
        strategy_class(tmp_path / "missing.py")


@given(st.lists(st.integers(-(10**9), 10**9), min_size=1, max_size=40))
def test_the_drawdown_is_the_largest_fall_from_a_peak(equities: list[int]) -> None:
    tally = Tally(start_equity_micro=equities[0])
    for value in equities:
        tally.equity(value, 0)
    worst = max(max(equities[: i + 1]) - equities[i] for i in range(len(equities)))
    assert tally.drawdown_micro == worst
    report = tally.report(sent=0, sent_centi=0, refusals=0, seconds=1.0)
    assert report.pnl == Decimal(equities[-1] - equities[0]) / 1_000_000
    assert report.fill_ratio is None


def test_the_report_counts_fills_fees_and_the_fill_ratio() -> None:
    tally = Tally(start_equity_micro=1_000_000_000)
    tally.fill("KX-1", 300, 20_000, maker=True)
    tally.fill("KX-2", 100, 10_000, maker=False)
    report = tally.report(sent=3, sent_centi=800, refusals=1, seconds=2.0)
    assert (report.fills, report.contracts_filled, report.fees) == (2, Decimal(4), Decimal("0.03"))
    assert (report.fill_ratio, report.maker_share) == (0.5, 0.75)
    assert report.to_json()["fees"] == "0.03"


def test_positions_are_marked_at_the_mid_and_no_at_its_complement() -> None:
    book = OrderBook("KX-1")
    book.apply_snapshot_ticks([(4_000, 100)], [(5_000, 100)])  # YES 40¢ bid, 50¢ ask: mid 45¢
    assert mark_micro(300, book) == 300 * 4_500
    assert mark_micro(-300, book) == 300 * 5_500
    assert mark_micro(0, None) == 0
    assert mark_micro(100, OrderBook("KX-2")) is None  # no quote to mark at


class Recorder:
    """A broker that only remembers what reached it."""

    def __init__(self) -> None:
        self.sent: list[CheckedOrder] = []

    def submit(self, now_ns: int, order: CheckedOrder) -> None:
        self.sent.append(order)

    def cancel(self, now_ns: int, order_id: str) -> None: ...

    def cancel_all(self, now_ns: int, ticker: str | None) -> None: ...

    def position(self, ticker: str) -> int:
        return 0

    def positions(self) -> dict[str, int]:
        return {}

    def cash_micro(self) -> int:
        return 0

    def total_cash_micro(self) -> int:
        return 0

    def cost_micro(self, ticker: str) -> int:
        return 0

    def resting(self, ticker: str | None) -> Sequence[Resting]:
        return []


def context(broker: Recorder, refuse: str | None = None) -> Context:
    ids = iter(range(1, 100))
    return Context(env="tape", broker=broker, books={}, clock=lambda: 1_796_300_000 * 10**9,
                   params={}, guard=lambda now, order, ctx: refuse,
                   new_id=lambda: f"id-{next(ids)}")  # fmt: skip


def test_a_bad_order_raises_and_sends_nothing() -> None:
    broker = Recorder()
    ctx = context(broker)
    with pytest.raises(ValidationError):
        ctx.buy("KX-1", "yes", 1, price_cents=150)
    with pytest.raises(ValidationError):
        ctx.buy("KX-1", "maybe", 1, price_cents=50)
    assert broker.sent == []
    assert ctx.sent == 0


def test_a_refused_order_sends_nothing_and_says_why() -> None:
    broker = Recorder()
    ctx = context(broker, refuse="max_order: too big")
    ticket = ctx.buy("KX-1", "yes", 1, price_cents=50)
    assert (ticket.sent, ticket.refused) == (False, "max_order: too big")
    assert broker.sent == []
    assert ctx.refusals == [(1_796_300_000 * 10**9, "max_order: too big")]


def test_an_allowed_order_reaches_the_broker_once_with_its_id() -> None:
    broker = Recorder()
    ctx = context(broker)
    ticket = ctx.sell("KX-1", "no", 2, price_cents=30)  # selling NO at 30¢ is a YES bid at 70¢
    (sent,) = broker.sent
    assert (ticket.client_order_id, sent.client_order_id) == ("id-1", "id-1")
    assert (sent.intent.book_side, sent.intent.yes_price.ticks) == ("bid", 7_000)
    assert (ctx.sent, ctx.sent_centi) == (1, 200)
