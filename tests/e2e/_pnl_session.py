"""A randomized trading session played against a real sandbox (or a paper exchange fed by it),
for the P&L invariant: what the account's cash did must be what its positions say it earned.

A hypothesis-drawn ``Plan`` is a list of ``Step``s over 3-4 markets: buy or sell YES or NO at
a random price and size, either marketable (immediate-or-cancel into a market maker's ladder,
often across several levels, sometimes only in part) or resting inside the spread, where a
second user (the counterparty) fills part of it before it is canceled. Then every market is
determined with a drawn result (each kind the sandbox supports: yes and no) and settled.

Every market the session uses is fresh (taken once from a ``MarketPool``) and laddered by a
market maker the pool owns: YES bids 30-39¢ and YES asks 61-70¢, so a resting order at 40-60¢
(in the side's own cents) is alone at the top of the book, and only the counterparty's order
at the same price trades with it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Final, Literal

from _cli_kit import Box
from hypothesis import strategies as st

from kalshikit import KalshiClient
from kalshikit.auth import generate_private_key, private_key_to_pem, public_key_pem
from kalshikit.http.orders_core import OrderResult, OrderSpec
from kalshikit.ratelimit import Budget
from kalshikit.units import Contracts

__all__ = [
    "RESULTS",
    "UNPACED",
    "MarketPool",
    "Plan",
    "SessionOutcome",
    "Step",
    "Venue",
    "new_sandbox_user",
    "plans",
    "play",
]

Side = Literal["yes", "no"]
Action = Literal["buy", "sell"]
SIDES: Final[tuple[Side, ...]] = ("yes", "no")
ACTIONS: Final[tuple[Action, ...]] = ("buy", "sell")

RESULTS: Final = ("yes", "no")  # the results the sandbox's admin API determines
UNPACED: Final = Budget.custom(10**6, 10**6)  # the sandbox runs without limits: no client pacing
# the maker's ladder, in YES cents: bids 30-39, asks 61-70, five contracts a level
MAKER_BIDS: Final = range(30, 40)
MAKER_ASKS: Final = range(61, 71)
MAKER_LEVEL: Final = 5
# an order's limit in its own side's cents: a buy crosses from 61, a sell from 39 down
MARKETABLE_BUY: Final = (61, 75)
MARKETABLE_SELL: Final = (25, 39)
INSIDE: Final = (40, 60)  # strictly inside the maker's spread, for either side
FILL_WAIT_S: Final = 10.0


@dataclass(frozen=True, slots=True)
class Step:
    """One order of the plan. ``market`` indexes the session's markets; ``cents`` is the limit
    in ``side``'s own cents; sizes are centi-contracts. A resting step's counterparty fills
    ``counter_centi`` (less than ``centi``) of it, then the rest is canceled."""

    market: int
    side: Side
    action: Action
    cents: int
    centi: int
    resting: bool
    counter_centi: int = 0


@dataclass(frozen=True, slots=True)
class Plan:
    """A session: its orders, in order, and each market's result."""

    steps: tuple[Step, ...]
    results: tuple[str, ...]  # one per market, each in RESULTS

    @property
    def markets(self) -> int:
        return len(self.results)


@dataclass(frozen=True, slots=True)
class SessionOutcome:
    """What the session did, as the exchange tells it (dollars, exact)."""

    tickers: tuple[str, ...]
    cash_before: Decimal
    cash_after: Decimal
    deposits: Decimal  # none are made during a session
    realized: dict[str, Decimal]  # per market: the exchange's realized_pnl_dollars
    fees: dict[str, Decimal]  # per market: the exchange's fees_paid_dollars

    @property
    def cash_change(self) -> Decimal:
        return self.cash_after - self.cash_before - self.deposits


def _step(market_count: int) -> st.SearchStrategy[Step]:
    @st.composite
    def one(draw: st.DrawFn) -> Step:
        market = draw(st.integers(0, market_count - 1))
        side: Side = draw(st.sampled_from(SIDES))
        action: Action = draw(st.sampled_from(ACTIONS))
        resting = draw(st.booleans())
        if resting:
            centi = draw(st.integers(2, 800))
            cents = draw(st.integers(*INSIDE))
            counter = draw(st.integers(1, centi - 1))
            return Step(market, side, action, cents, centi, True, counter)
        low, high = MARKETABLE_BUY if action == "buy" else MARKETABLE_SELL
        return Step(market, side, action, draw(st.integers(low, high)),
                    draw(st.integers(1, 1200)), False)  # fmt: skip

    return one()


@st.composite
def _plan(draw: st.DrawFn) -> Plan:
    market_count = draw(st.integers(3, 4))
    drawn = draw(
        st.lists(_step(market_count), min_size=4, max_size=12).filter(
            lambda steps: len({step.resting for step in steps}) == 2  # some of each kind
        )
    )
    # every market trades, so each determination meets orders of the session
    steps = [replace(step, market=i) if i < market_count else step for i, step in enumerate(drawn)]
    results = draw(
        st.lists(st.sampled_from(RESULTS), min_size=market_count, max_size=market_count).filter(
            lambda picked: set(picked) == set(RESULTS)  # every kind in every session
        )
    )
    return Plan(tuple(steps), tuple(results))


def plans() -> st.SearchStrategy[Plan]:
    """Random sessions: 3-4 markets, 4-12 orders (marketable and resting ones in each), every
    result kind among the markets."""
    return _plan()


def new_sandbox_user(box: Box, balance_cents: int = 100_000_000) -> KalshiClient:
    """A fresh sandbox user, signed in, not paced by the client's limiter."""
    key = generate_private_key("ed25519")
    made = box.admin(
        "POST", "/users", {"public_key_pem": public_key_pem(key), "balance_cents": balance_cents}
    )
    return KalshiClient(
        "local", rest_url=box.url, api_key_id=made["api_key_id"],
        private_key_pem=private_key_to_pem(key), rate_tier=UNPACED,
    )  # fmt: skip


class MarketPool:
    """Fresh linear-cent markets of one sandbox, each handed out once, laddered by its maker."""

    def __init__(self, box: Box) -> None:
        self.box = box
        self.maker = new_sandbox_user(box)
        # open long enough: an hourly market closing mid-session would refuse the plan's orders
        later = datetime.now(UTC) + timedelta(minutes=15)
        markets = [
            m
            for m in box.markets()
            if m["price_level_structure"] == "linear_cent"
            and not m.get("exchange_index")
            and datetime.fromisoformat(m["close_time"]) > later
        ]
        # every other event charges maker fees too, so resting fills pay them (and round) in
        # some sessions and not in others
        events = sorted({m["event_ticker"] for m in markets})
        for event in events[::2]:
            terms = {"fee_type_override": "quadratic_with_maker_fees", "fee_multiplier_override": 1}
            box.admin("PUT", f"/events/{event}/fees", terms)
        self._left: Iterator[str] = iter([m["ticker"] for m in markets])

    def take(self, count: int) -> tuple[str, ...]:
        tickers = []
        for _ in range(count):
            ticker = next(self._left, None)
            assert ticker is not None, "the sandbox ran out of fresh markets: give it more"
            self._ladder(ticker)
            tickers.append(ticker)
        return tuple(tickers)

    def _ladder(self, ticker: str) -> None:
        ladder: tuple[tuple[Action, range], ...] = (("buy", MAKER_BIDS), ("sell", MAKER_ASKS))
        orders = [
            OrderSpec(ticker, side="yes", action=action, count=MAKER_LEVEL, price_cents=cents)
            for action, prices in ladder
            for cents in prices
        ]
        placed = self.maker.orders.create_batch(orders)
        assert isinstance(placed, list)
        assert all(item.error is None for item in placed), placed

    def close(self) -> None:
        self.maker.close()


@dataclass
class Venue:
    """Where the session trades: ``trader`` is the account under test (a sandbox user or a paper
    account), ``counterparty`` a sandbox user, ``box`` the sandbox whose admin API determines
    and settles (paper settles when the source's lifecycle reaches its feed)."""

    box: Box
    trader: KalshiClient
    counterparty: KalshiClient


def play(plan: Plan, venue: Venue, tickers: tuple[str, ...]) -> SessionOutcome:
    """Play ``plan`` on ``tickers`` (fresh, laddered), determine and settle every market."""
    assert len(tickers) == plan.markets
    trader = venue.trader
    before = trader.portfolio.balance().balance
    for step in plan.steps:
        _place(step, venue, tickers[step.market])
    assert list(trader.orders.list(status="resting")) == [], "every order ends filled or canceled"
    holding = {p.ticker for p in trader.portfolio.positions() if p.position and p.position.centi}
    for ticker, result in zip(tickers, plan.results, strict=True):
        venue.box.admin("POST", f"/markets/{ticker}/determine", {"result": result})
        venue.box.admin("POST", f"/markets/{ticker}/settle")
    _until(lambda: holding <= {s.ticker for s in trader.portfolio.settlements()}, "settlement")
    after = trader.portfolio.balance().balance
    positions = list(trader.portfolio.positions(settlement_status="all"))
    mine = [p for p in positions if p.ticker in tickers]
    assert all(not p.position for p in mine), "settled markets hold nothing"
    return SessionOutcome(
        tickers, before, after, Decimal(0),
        {p.ticker: Decimal(p.realized_pnl_dollars) for p in mine},
        {p.ticker: Decimal(p.fees_paid_dollars) for p in mine},
    )  # fmt: skip


def _place(step: Step, venue: Venue, ticker: str) -> None:
    count = Contracts.from_centi(step.centi).to_wire()
    if not step.resting:
        venue.trader.orders.create(
            ticker, side=step.side, action=step.action, count=count, price_cents=step.cents,
            time_in_force="immediate_or_cancel",
        )  # fmt: skip
        return
    mine = venue.trader.orders.create(
        ticker, side=step.side, action=step.action, count=count, price_cents=step.cents
    )
    assert isinstance(mine, OrderResult)
    assert mine.ack.fill_count in (None, "0.00"), "a resting step's price is inside the spread"
    # the same side's opposite action at the same price: the other side of the book
    other: Action = "sell" if step.action == "buy" else "buy"
    theirs = venue.counterparty.orders.create(
        ticker, side=step.side, action=other,
        count=Contracts.from_centi(step.counter_centi).to_wire(), price_cents=step.cents,
    )  # fmt: skip
    assert isinstance(theirs, OrderResult)
    wanted = Contracts.from_centi(step.counter_centi)
    _until(lambda: _filled(venue.trader, mine.order_id) >= wanted, "the counterparty's fill")
    assert _filled(venue.trader, mine.order_id) == wanted, "only the counterparty trades there"
    if theirs.ack.remaining_count not in (None, "0.00"):
        venue.counterparty.orders.cancel(theirs.order_id, market_ticker=ticker)
    venue.trader.orders.cancel(mine.order_id, market_ticker=ticker)


def _filled(client: KalshiClient, order_id: str) -> Contracts:
    return Contracts.from_fp(client.orders.get(order_id).fill_count_fp or "0.00")


def _until(done: Callable[[], bool], what: str) -> None:
    """Poll until ``done``: at once on the sandbox; paper hears the source over its feed."""
    deadline = time.monotonic() + FILL_WAIT_S
    while not done():
        assert time.monotonic() < deadline, f"waited {FILL_WAIT_S:.0f} s for {what}"
        time.sleep(0.02)
