"""The risk guard refuses exactly what each limit says and nothing else.

Every rule is checked against its arithmetic written out here again, independently of the guard,
on random orders and random accounts (positions, resting orders, books, P&L). Units: prices in
ticks of $0.0001, sizes in centi-contracts, so a price times a size is micro-dollars.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kalshikit.errors import ValidationError
from kalshikit.http.orders_core import OrderSpec, PricedIntent, check_order, priced_intent
from kalshikit.orderbook import OrderBook
from kalshikit.strategy.audit import AuditLog, read_audit
from kalshikit.strategy.halt import Halt
from kalshikit.strategy.risk import MemoryView, RestingOrder, RiskGuard, RiskLimits
from kalshikit.units import Price

NOW = 1_796_300_000_000_000_000  # 2026-12-03, in unix nanoseconds
SECOND = 1_000_000_000
EVENT = "KXEVENT-26DEC03"
TICKERS = (f"{EVENT}-A", f"{EVENT}-B", "KXOTHER-26DEC03-C")  # two markets of one event, one alone
UP = {("yes", "buy"): 1, ("no", "sell"): 1, ("yes", "sell"): -1, ("no", "buy"): -1}


@pytest.fixture(scope="module")
def halt(tmp_path_factory: pytest.TempPathFactory) -> Halt:
    return Halt(tmp_path_factory.mktemp("halt") / "halt-local.json")


@dataclass
class Order:
    ticker: str
    side: str
    action: str
    ticks: int
    centi: int

    def intent(self) -> PricedIntent:
        dollars = f"0.{self.ticks:04d}"
        return priced_intent(
            self.ticker, self.side, self.action, Decimal(self.centi).scaleb(-2), None, dollars
        )


def pays(side: str, action: str, ticks: int, centi: int) -> int:
    """Micro-dollars an order pays: a buy its price, a sale the other side's (1 - price)."""
    return (ticks if action == "buy" else 10_000 - ticks) * centi


orders = st.builds(
    Order,
    st.sampled_from(TICKERS),
    st.sampled_from(["yes", "no"]),
    st.sampled_from(["buy", "sell"]),
    st.integers(1, 9_999),
    st.integers(1, 5_000),
)
resting_orders = st.builds(
    RestingOrder,
    st.sampled_from(TICKERS),
    st.sampled_from(["yes", "no"]),
    st.sampled_from(["buy", "sell"]),
    st.integers(1, 9_999).map(Price.from_ticks),
    st.integers(1, 3_000),
)
levels = st.lists(st.tuples(st.integers(1, 9_999), st.integers(1, 1_000)), max_size=3)


@st.composite
def books(draw: st.DrawFn) -> dict[str, OrderBook]:
    found = {}
    for ticker in draw(st.lists(st.sampled_from(TICKERS), unique=True, min_size=2)):
        book = OrderBook(ticker)
        yes, no = dict(draw(levels)), dict(draw(levels))
        book.apply_snapshot_ticks(list(yes.items()), list(no.items()))
        found[ticker] = book
    return found


views = st.builds(
    MemoryView,
    held=st.dictionaries(st.sampled_from(TICKERS), st.integers(-5_000, 5_000)),
    costs=st.dictionaries(st.sampled_from(TICKERS), st.integers(0, 50_000_000)),
    orders=st.lists(resting_orders, max_size=5),
    events=st.just({TICKERS[0]: EVENT, TICKERS[1]: EVENT}),
    books=books(),
    pnl_micro=st.integers(-500_000_000, 500_000_000),
).map(lambda view: consistent(view))


def consistent(view: MemoryView) -> MemoryView:
    """A position's cost only where there is a position, as on the exchange."""
    view.costs = {t: cost for t, cost in view.costs.items() if view.held.get(t)}
    return view


def guard_with(halt: Halt, **user_limits: object) -> RiskGuard:
    return RiskGuard(RiskLimits.parse(user_limits), halt=halt)


# --- the arithmetic, independently ----------------------------------------------------------------


def same_way_resting(order: Order, view: MemoryView) -> int:
    way = UP[order.side, order.action]
    return sum(
        o.remaining for o in view.orders if o.ticker == order.ticker and UP[o.side, o.action] == way
    )


def reduces(order: Order, view: MemoryView) -> bool:
    held = view.held.get(order.ticker, 0)
    opposite = held * UP[order.side, order.action] < 0
    return opposite and same_way_resting(order, view) + order.centi <= abs(held)


def event_markets(order: Order) -> list[str]:
    return list(TICKERS[:2]) if order.ticker in TICKERS[:2] else [order.ticker]


def at_risk(ticker: str, view: MemoryView) -> int:
    held = view.held.get(ticker, 0)
    resting = sum(
        pays(o.side, o.action, o.price.ticks, o.remaining)
        for o in view.orders
        if o.ticker == ticker and not held * UP[o.side, o.action] < 0
    )
    return view.costs.get(ticker, 0) + resting


def far_touch(order: Order, book: OrderBook | None) -> int | None:
    if book is None:
        return None
    yes_bids = [p.ticks for p, _ in book.yes_bids]
    no_bids = [p.ticks for p, _ in book.no_bids]
    own, other = (yes_bids, no_bids) if order.side == "yes" else (no_bids, yes_bids)
    if order.action == "buy":
        return 10_000 - max(other) if other else None
    return max(own) if own else None


# --- each rule ------------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(order=orders, view=views, limit=st.integers(1, 6_000))
def test_order_size(halt: Halt, order: Order, view: MemoryView, limit: int) -> None:
    guard = guard_with(halt, max_order_contracts=Decimal(limit).scaleb(-2))
    refusal = guard.check(NOW, order.intent(), view)
    assert (refusal is not None) == (order.centi > limit)
    if refusal:
        assert refusal.rule == "max_order"
        assert "over the order limit" in refusal.reason


@settings(max_examples=200, deadline=None)
@given(order=orders, view=views, limit=st.integers(1, 12_000))
def test_position(halt: Halt, order: Order, view: MemoryView, limit: int) -> None:
    guard = guard_with(halt, max_position_contracts=Decimal(limit).scaleb(-2))
    after = view.held.get(order.ticker, 0) + UP[order.side, order.action] * (
        same_way_resting(order, view) + order.centi
    )
    expected = not reduces(order, view) and abs(after) > limit
    refusal = guard.check(NOW, order.intent(), view)
    assert (refusal is not None) == expected
    assert refusal is None or refusal.rule == "max_position"


@settings(max_examples=200, deadline=None)
@given(order=orders, view=views, limit=st.integers(1, 40_000))
def test_event_contracts(halt: Halt, order: Order, view: MemoryView, limit: int) -> None:
    guard = guard_with(halt, max_event_contracts=Decimal(limit).scaleb(-2))
    total = order.centi + sum(
        abs(view.held.get(t, 0)) + sum(o.remaining for o in view.orders if o.ticker == t)
        for t in event_markets(order)
    )
    expected = not reduces(order, view) and total > limit
    refusal = guard.check(NOW, order.intent(), view)
    assert (refusal is not None) == expected
    assert refusal is None or refusal.rule == "max_event"


@settings(max_examples=200, deadline=None)
@given(order=orders, view=views, limit=st.integers(1, 200_000_000))
def test_market_dollars(halt: Halt, order: Order, view: MemoryView, limit: int) -> None:
    guard = guard_with(halt, max_market_dollars=Decimal(limit).scaleb(-6))
    total = at_risk(order.ticker, view) + pays(order.side, order.action, order.ticks, order.centi)
    expected = not reduces(order, view) and total > limit
    refusal = guard.check(NOW, order.intent(), view)
    assert (refusal is not None) == expected
    assert refusal is None or refusal.rule == "max_market_dollars"


@settings(max_examples=200, deadline=None)
@given(order=orders, view=views, limit=st.integers(1, 300_000_000))
def test_event_dollars(halt: Halt, order: Order, view: MemoryView, limit: int) -> None:
    guard = guard_with(halt, max_event_dollars=Decimal(limit).scaleb(-6))
    total = sum(at_risk(t, view) for t in event_markets(order))
    total += pays(order.side, order.action, order.ticks, order.centi)
    expected = not reduces(order, view) and total > limit
    refusal = guard.check(NOW, order.intent(), view)
    assert (refusal is not None) == expected
    assert refusal is None or refusal.rule == "max_event_dollars"


@settings(max_examples=200, deadline=None)
@given(order=orders, view=views, band=st.integers(1, 2_000))
def test_price_band(halt: Halt, order: Order, view: MemoryView, band: int) -> None:
    guard = guard_with(halt, price_band_cents=Decimal(band).scaleb(-2))
    touch = far_touch(order, view.books.get(order.ticker))
    if touch is None:
        expected = True  # no book or no far side: a set band cannot be checked, so refuse
    else:
        through = order.ticks - touch if order.action == "buy" else touch - order.ticks
        expected = through > band
    refusal = guard.check(NOW, order.intent(), view)
    assert (refusal is not None) == expected
    assert refusal is None or refusal.rule == "price_band"


@settings(max_examples=200, deadline=None)
@given(order=orders, view=views, limit=st.integers(1, 400_000_000))
def test_daily_loss(halt: Halt, order: Order, view: MemoryView, limit: int) -> None:
    guard = guard_with(halt, max_daily_loss_dollars=Decimal(limit).scaleb(-6))
    expected = view.pnl_micro < -limit and not reduces(order, view)
    refusal = guard.check(NOW, order.intent(), view)
    assert (refusal is not None) == expected
    assert refusal is None or refusal.rule == "max_daily_loss"


@settings(max_examples=100, deadline=None)
@given(
    gaps=st.lists(st.integers(0, 30 * SECOND), min_size=1, max_size=40),
    limit=st.integers(1, 6),
)
def test_the_rate_limit_counts_a_sliding_minute(halt: Halt, gaps: list[int], limit: int) -> None:
    guard = guard_with(halt, max_orders_per_minute=limit)
    order, view, now = Order(TICKERS[0], "yes", "buy", 5_000, 100), MemoryView(), NOW
    allowed: list[int] = []
    for gap in gaps:
        now += gap
        expected = len([t for t in allowed if t > now - 60 * SECOND]) < limit
        refusal = guard.check(now, order.intent(), view)
        assert (refusal is None) == expected
        if refusal is None:
            allowed.append(now)
        else:
            assert refusal.rule == "rate"


# --- examples a user would write ------------------------------------------------------------------


def test_the_band_says_it_in_the_users_words(halt: Halt) -> None:
    book = OrderBook(TICKERS[0])
    book.apply_snapshot_ticks([(7_000, 500)], [(2_500, 500)])  # YES bid 70¢, YES ask 75¢
    view = MemoryView(books={TICKERS[0]: book})
    guard = guard_with(halt, price_band_cents=10)
    refusal = guard.check(NOW, Order(TICKERS[0], "yes", "buy", 9_500, 100).intent(), view)
    assert refusal is not None
    assert refusal.reason == "buy YES at 95¢ is 20¢ through the best ask 75¢ (price band 10¢)"
    assert guard.check(NOW, Order(TICKERS[0], "yes", "buy", 8_500, 100).intent(), view) is None
    no_sale = guard.check(NOW, Order(TICKERS[0], "no", "sell", 1_000, 100).intent(), view)
    assert no_sale is not None  # best NO bid 25¢: selling NO at 10¢ is 15¢ through it
    assert "15¢ through the best NO bid 25¢" in no_sale.reason
    empty = guard.check(NOW, Order(TICKERS[1], "yes", "buy", 5_000, 100).intent(), view)
    assert empty is not None
    assert "no book" in empty.reason


def test_orders_that_reduce_pass_the_daily_loss_rule(halt: Halt) -> None:
    view = MemoryView(held={TICKERS[0]: 1_000}, pnl_micro=-150_000_000)  # 10 YES, down $150
    guard = guard_with(halt, max_daily_loss_dollars=100)

    def refused(side: str, action: str, centi: int) -> bool:
        return (
            guard.check(NOW, Order(TICKERS[0], side, action, 4_000, centi).intent(), view)
            is not None
        )

    assert not refused("yes", "sell", 500)
    assert not refused("no", "buy", 1_000)  # buying NO nets against YES: down to zero
    assert refused("yes", "sell", 1_500)  # would flip to 5 NO: adds risk
    assert refused("yes", "buy", 100)
    view.orders.append(RestingOrder(TICKERS[0], "yes", "sell", Price.from_ticks(4_000), 800))
    assert refused("yes", "sell", 500)  # with the resting 8 it could sell 13 of 10
    refusal = guard.check(NOW, Order(TICKERS[0], "yes", "buy", 4_000, 100).intent(), view)
    assert refusal is not None
    assert "today's loss of $150.00 (limit $100.00)" in refusal.reason


def test_a_halted_guard_refuses_everything_and_says_why(tmp_path: Path) -> None:
    halt = Halt(tmp_path / "halt.json")
    guard = RiskGuard(RiskLimits(), halt=halt)
    spec = OrderSpec(TICKERS[0], side="yes", action="buy", count=1, price_cents=40)
    assert guard.check(NOW, check_order(spec, NOW / SECOND), MemoryView()) is None
    halt.engage("feed looks wrong", "ana")
    for side, action in UP:
        order = Order(TICKERS[0], side, action, 4_000, 100)
        refusal = guard.check(NOW + SECOND, order.intent(), MemoryView(held={TICKERS[0]: 500}))
        assert refusal is not None
        assert refusal.rule == "halt"
        assert "feed looks wrong" in refusal.reason
        assert "kalshi kill --clear" in refusal.reason
    halt.clear()
    assert guard.check(NOW + 2 * SECOND, check_order(spec, NOW / SECOND), MemoryView()) is None


def test_refusals_and_allowed_intents_are_audited(tmp_path: Path) -> None:
    halt = Halt(tmp_path / "halt.json")
    with AuditLog(tmp_path / "audit.jsonl", "demo") as audit:
        guard = RiskGuard(RiskLimits.parse({"max_order_contracts": 5}), halt=halt, audit=audit)
        guard.check(NOW, Order(TICKERS[0], "no", "buy", 4_000, 300).intent(), MemoryView())
        guard.check(NOW + 1, Order(TICKERS[0], "no", "buy", 4_000, 900).intent(), MemoryView())
        halt.engage("stop", "ops")
        guard.check(NOW + 2, Order(TICKERS[0], "no", "buy", 4_000, 100).intent(), MemoryView())
    allowed, refused, halted = read_audit(tmp_path / "audit.jsonl")
    assert allowed["kind"] == "intent"
    assert allowed["env"] == "demo"
    assert allowed["at"].startswith("2026-12-03T")
    assert (allowed["side"], allowed["action"], allowed["count_centi"]) == ("no", "buy", 300)
    assert refused["kind"] == "refusal"
    assert refused["rule"] == "max_order"
    assert (
        refused["reason"] == "buy NO at 40¢ for 9 contracts is over the order limit of 5 contracts"
    )
    assert (halted["kind"], halted["rule"]) == ("refusal", "halt")


# --- the limits themselves ------------------------------------------------------------------------


def test_limits_read_from_toml(tmp_path: Path) -> None:
    path = tmp_path / "limits.toml"
    path.write_text(
        '[risk]\nmax_order_contracts = 10\nmax_position_contracts = "2.5"\n'
        'max_market_dollars = "250.50"\nprice_band_cents = 5\nmax_orders_per_minute = 30\n'
        "max_daily_loss_dollars = 100\n"
    )
    limits = RiskLimits.from_file(path)
    assert limits.max_order_centi == 1_000
    assert limits.max_position_centi == 250
    assert limits.max_market_micro == 250_500_000
    assert limits.price_band_ticks == 500
    assert limits.max_orders_per_minute == 30
    assert limits.max_daily_loss_micro == 100_000_000
    assert limits.max_event_centi is None


@pytest.mark.parametrize(
    ("table", "says"),
    [
        ({"max_order_contracts": 2.5}, "max_order_contracts takes an integer or a decimal string"),
        ({"max_order_contract": 2}, "unknown risk limit max_order_contract; the limits are"),
        ({"max_market_dollars": "-5"}, "max_market_dollars must be positive"),
        ({"max_market_dollars": "0.0000001"}, "max_market_dollars allows at most 6 decimals"),
        ({"max_orders_per_minute": "1.5"}, "max_orders_per_minute allows at most 0 decimals"),
        ({"price_band_cents": "ten"}, "price_band_cents takes an integer or a decimal string"),
        ({"max_order_contracts": True}, "max_order_contracts takes"),
    ],
)
def test_bad_limits_are_refused_clearly(table: dict[str, object], says: str) -> None:
    with pytest.raises(ValidationError, match=says.replace("(", r"\(")):
        RiskLimits.parse(table)


def test_a_bad_limits_file_names_itself(tmp_path: Path) -> None:
    path = tmp_path / "limits.toml"
    path.write_text("max_order_contracts = = 3\n")
    with pytest.raises(ValidationError, match="not valid TOML"):
        RiskLimits.from_file(path)
    path.write_text("max_order_contracts = 0\n")
    with pytest.raises(ValidationError, match=f"{path}: max_order_contracts must be positive"):
        RiskLimits.from_file(path)
    with pytest.raises(ValidationError, match="cannot read the risk limits"):
        RiskLimits.from_file(tmp_path / "missing.toml")
