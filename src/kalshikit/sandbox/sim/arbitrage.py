"""A simulated arbitrageur: takes a mispricing that pays after fees as soon as quotes show one.

No I/O, no clock, no randomness. Two kinds of gap, on executable prices (walking the books):

* a mutually exclusive event whose YES asks sum below $1 (buy YES on every outcome: exactly one
  pays $1) or whose YES bids sum above $1 (sell YES on every outcome: at most one costs $1). This
  is the definition ``kalshi scan arbitrage`` uses (``kalshikit.scanner.rules.arbitrage``): the
  same per-contract edge walk, whole contracts, each leg's taker fee rounded up to the cent;
* a ladder out of order: a market whose YES set is inside another's (``above 100,000`` inside
  ``above 99,500``) bid above the bigger one's ask. Buy the bigger at its ask, sell the smaller
  at its bid: the pair pays at least $1 back on a cost below $1.

A gap pays when the fills it takes make money after Kalshi's taker fee on every leg
(``kalshikit.fees``); anything thinner is left, as a real arbitrageur would leave it. The
simulator tells it which markets' quotes changed (``touched``) and gives it the first turn, so a
gap lives until the next write at most.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final, Literal, NamedTuple

from kalshikit.fees import cents_ceil_micro, fee_units
from kalshikit.sandbox.engine import MatchingEngine
from kalshikit.units import CENTI_PER_CONTRACT, TICKS_PER_DOLLAR

__all__ = [
    "BOOK_LEVELS",
    "LOT_CENTI",
    "Arbitrageur",
    "Order",
    "Plan",
    "plan_exclusive",
    "plan_ladder",
]

Side = Literal["bid", "ask"]
# as ``kalshikit.scanner.rules`` walks books (BOOK_LEVELS, ARB_LOT_CENTI; a test keeps them
# equal): importing the scanner here would load the whole client into the sandbox
BOOK_LEVELS: Final = 25
LOT_CENTI: Final = CENTI_PER_CONTRACT  # whole contracts
_UNITS_PER_TICK_CENTI: Final = 10**14  # fee units (1e-20 $) in one tick times one centi-contract
_CAP_CENTI: Final = 5_000 * 100  # the most one arbitrage takes per leg


class Leg(NamedTuple):
    """One market of a basket: which side of its book we take (``ask``: buy YES, ``bid``: sell
    YES), its levels best first and its taker fee coefficient (``FeeSchedule.taker``)."""

    ticker: str
    take: Side
    levels: list[tuple[int, int]]
    coefficient: int


class Order(NamedTuple):
    ticker: str
    side: Side  # the side of our IOC: bid to buy YES, ask to sell YES
    price: int  # the worst level it takes
    size: int  # centi-contracts


class Plan(NamedTuple):
    orders: list[Order]
    size: int  # centi-contracts per leg
    profit: int  # micro-dollars after every leg's fee


def plan_exclusive(legs: Sequence[Leg]) -> Plan | None:
    """Buy YES on every outcome (legs take ``ask``) or sell it on every one (``bid``)."""
    payout = TICKS_PER_DOLLAR if legs[0].take == "ask" else -TICKS_PER_DOLLAR
    return _plan(legs, payout)


def plan_ladder(bigger: Leg, smaller: Leg) -> Plan | None:
    """Buy YES of the bigger set at its asks, sell YES of the smaller at its bids."""
    return _plan([bigger, smaller], 0)


def _plan(legs: Sequence[Leg], payout: int) -> Plan | None:
    """The most profitable of walking the books while one more contract still pays, and of the
    top levels alone (what a scanner reading quotes, not books, sees)."""
    if not all(leg.levels for leg in legs):
        return None
    best: Plan | None = None
    for levels in (BOOK_LEVELS, 1):
        size = min(_joint_size(legs, payout, levels), _CAP_CENTI) // LOT_CENTI * LOT_CENTI
        if size <= 0:
            continue
        plan = _priced(legs, payout, size)
        if plan.profit > 0 and (best is None or plan.profit > best.profit):
            best = plan
    return best


def _edge(legs: Sequence[Leg], payout: int, prices: Sequence[int]) -> int:
    """What one more centi-contract of each leg makes at these prices, fees unrounded (1e-20 $)."""
    gross, fees = payout, 0
    for leg, price in zip(legs, prices, strict=True):
        gross += price if leg.take == "bid" else -price
        fees += fee_units(leg.coefficient, 1, price)
    return gross * _UNITS_PER_TICK_CENTI - fees


def _joint_size(legs: Sequence[Leg], payout: int, max_levels: int) -> int:
    """Walk every leg's book together while one more contract on each still pays."""
    index = [0] * len(legs)
    left = [leg.levels[0][1] for leg in legs]
    total = 0
    while _edge(legs, payout, [leg.levels[i][0] for leg, i in zip(legs, index, strict=True)]) > 0:
        take = min(left)
        total += take
        for n, leg in enumerate(legs):
            left[n] -= take
            if left[n] == 0:
                index[n] += 1
                if index[n] >= min(len(leg.levels), max_levels):
                    return total
                left[n] = leg.levels[index[n]][1]
    return total


def _priced(legs: Sequence[Leg], payout: int, size: int) -> Plan:
    """The orders that take ``size`` on every leg, and the profit after rounded fees."""
    orders, profit = [], payout * size
    for leg in legs:
        fills = _fills(leg.levels, size)
        notional = sum(price * taken for price, taken in fills)
        profit += notional if leg.take == "bid" else -notional
        units = sum(fee_units(leg.coefficient, taken, price) for price, taken in fills)
        profit -= cents_ceil_micro(units)
        side: Side = "ask" if leg.take == "bid" else "bid"
        orders.append(Order(leg.ticker, side, fills[-1][0], size))
    return Plan(orders, size, profit)


def _fills(levels: list[tuple[int, int]], size: int) -> list[tuple[int, int]]:
    fills, left = [], size
    for price, available in levels:
        if left == 0:
            break
        taken = min(available, left)
        fills.append((price, taken))
        left -= taken
    return fills


# ---------------------------------------------------------------------- the agent


class Arbitrageur:
    """Watches mutually exclusive events and ladders; takes what pays after fees.

    ``fee_of(ticker)`` is the market's taker fee coefficient; ``tradeable(ticker)`` whether it
    takes orders now (a basket with a closed leg is no arbitrage).
    """

    def __init__(
        self,
        engine: MatchingEngine,
        fee_of: Callable[[str], int],
        tradeable: Callable[[str], bool],
    ) -> None:
        self._engine = engine
        self._fee_of = fee_of
        self._tradeable = tradeable
        self._exclusive: dict[str, list[str]] = {}
        self._ladders: dict[str, list[str]] = {}  # event -> markets, biggest set first
        self._watched: dict[str, str] = {}  # market -> event
        self._dirty: dict[str, None] = {}

    def watch_exclusive(self, event_ticker: str, tickers: list[str]) -> None:
        if len(tickers) >= 2:
            self._exclusive[event_ticker] = tickers
            self._watched.update(dict.fromkeys(tickers, event_ticker))
            self._dirty[event_ticker] = None

    def watch_ladder(self, event_ticker: str, tickers: list[str]) -> None:
        """``tickers`` ordered from the biggest YES set to the smallest (``above 99,500``
        before ``above 100,000``)."""
        if len(tickers) >= 2:
            self._ladders[event_ticker] = tickers
            self._watched.update(dict.fromkeys(tickers, event_ticker))
            self._dirty[event_ticker] = None

    def forget(self, event_ticker: str) -> None:
        for ticker in self._exclusive.pop(event_ticker, []) + self._ladders.pop(event_ticker, []):
            self._watched.pop(ticker, None)
        self._dirty.pop(event_ticker, None)

    def touched(self, ticker: str) -> None:
        """A market's best quotes changed: look at its event again."""
        event_ticker = self._watched.get(ticker)
        if event_ticker is not None:
            self._dirty[event_ticker] = None

    @property
    def pending(self) -> bool:
        return bool(self._dirty)

    def next_plan(self) -> Plan | None:
        """The first gap that pays among the events whose quotes changed (each looked at once)."""
        while self._dirty:
            event_ticker = next(iter(self._dirty))
            del self._dirty[event_ticker]
            plan = self._look(event_ticker)
            if plan is not None:
                return plan
        return None

    def _look(self, event_ticker: str) -> Plan | None:
        tickers = self._exclusive.get(event_ticker)
        if tickers is not None:
            return self._exclusive_gap(tickers)
        tickers = self._ladders.get(event_ticker)
        return None if tickers is None else self._ladder_gap(tickers)

    def _exclusive_gap(self, tickers: list[str]) -> Plan | None:
        if not all(self._tradeable(t) for t in tickers):
            return None
        engine = self._engine
        asks = [engine.best_ask(t) for t in tickers]
        if None not in asks and sum(a for a in asks if a is not None) < TICKS_PER_DOLLAR:
            return plan_exclusive([self._leg(t, "ask") for t in tickers])
        bids = [engine.best_bid(t) for t in tickers]
        if None not in bids and sum(b for b in bids if b is not None) > TICKS_PER_DOLLAR:
            return plan_exclusive([self._leg(t, "bid") for t in tickers])
        return None

    def _ladder_gap(self, tickers: list[str]) -> Plan | None:
        """The pair with the widest gap: a smaller set's bid over a bigger set's lowest ask."""
        engine = self._engine
        cheapest: tuple[int, str] | None = None  # the lowest ask among the bigger sets so far
        widest: tuple[int, str, str] | None = None
        for ticker in tickers:
            if not self._tradeable(ticker):
                continue
            bid = engine.best_bid(ticker)
            if cheapest is not None and bid is not None and bid > cheapest[0]:
                gap = bid - cheapest[0]
                if widest is None or gap > widest[0]:
                    widest = (gap, cheapest[1], ticker)
            ask = engine.best_ask(ticker)
            if ask is not None and (cheapest is None or ask < cheapest[0]):
                cheapest = (ask, ticker)
        if widest is None:
            return None
        return plan_ladder(self._leg(widest[1], "ask"), self._leg(widest[2], "bid"))

    def _leg(self, ticker: str, take: Side) -> Leg:
        levels = self._engine.levels(ticker, take)[:BOOK_LEVELS]
        return Leg(ticker, take, levels, self._fee_of(ticker))
