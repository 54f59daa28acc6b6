"""Scanner rules: pure functions from market states to ranked signals. No I/O here.

Every rule takes :class:`~kalshikit.scanner.state.MarketState` objects and the time
(``now_ms``), and returns :class:`Signal` records sorted best first. All of them share one
definition of a tradeable quote, :func:`is_two_sided`: a 0/100, 0/0 or one-sided quote, or one
without size behind it, never signals (the earlier project's junk close races and arbitrages came
from such quotes). Prices are compared in ticks of $0.0001 and changes reported in probability
points (100 ticks = 1 point), never as a percentage of the price.

:func:`arbitrage` works on executable prices: it buys YES on every outcome of a mutually exclusive
event at the asks, or sells YES on every outcome at the bids (the same as buying NO on all),
walks the books for size and charges Kalshi's taker fee per leg (``_fees.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Context, Decimal
from typing import Final, Literal, NamedTuple

from kalshikit.fees import TAKER_RATE, taker_fee
from kalshikit.scanner.state import HOUR_MS, MINUTE_MS, SECOND_MS, Level, MarketState, Quote
from kalshikit.units import CENTI_PER_CONTRACT, TICKS_PER_DOLLAR

__all__ = [
    "ARBITRAGE",
    "ARB_LOT_CENTI",
    "BOOK_LEVELS",
    "CLOSE_RACE",
    "CLOSE_RACE_BAND_TICKS",
    "CLOSE_RACE_MAX_SPREAD_TICKS",
    "DEPTH_WINDOW_TICKS",
    "EXPIRING_SOON",
    "EXPIRING_WITHIN_MS",
    "HIGH_VOLUME",
    "HIGH_VOLUME_MIN_CENTI",
    "MIN_DEPTH_CENTI",
    "MOVER",
    "MOVER_MIN_TICKS",
    "NEW_MARKET",
    "NEW_MARKET_WITHIN_MS",
    "WIDE_SPREAD",
    "WIDE_SPREAD_MIN_TICKS",
    "Signal",
    "arbitrage",
    "close_races",
    "expiring_soon",
    "group_by_event",
    "high_volume",
    "is_two_sided",
    "movers",
    "new_markets",
    "wide_spreads",
]

MOVER: Final = "mover"
CLOSE_RACE: Final = "close_race"
WIDE_SPREAD: Final = "wide_spread"
HIGH_VOLUME: Final = "high_volume"
EXPIRING_SOON: Final = "expiring_soon"
ARBITRAGE: Final = "arbitrage"
NEW_MARKET: Final = "new_market"

# A move must exceed one point: on the cent grid a 1-tick-of-a-cent wiggle is noise (the earlier
# project kept |change| > 1 pt as well).
MOVER_MIN_TICKS: Final = 100
# Close race: mid within 10 points of 50% (0.40..0.60, as before), a spread of at most 5 cents
# (the earlier "liquid" profile) so the mid means something ...
CLOSE_RACE_BAND_TICKS: Final = 1_000
CLOSE_RACE_MAX_SPREAD_TICKS: Final = 500
# ... and at least 10 contracts within 2 cents of the touch on both sides: less than that is not
# a market a person can act on without moving it.
MIN_DEPTH_CENTI: Final = 10 * CENTI_PER_CONTRACT
DEPTH_WINDOW_TICKS: Final = 200
# Wide spread: 5 cents or more (as before), with MIN_DEPTH_CENTI at the best bid and the best ask
# so a 0/100 placeholder or a single stray contract cannot top the list.
WIDE_SPREAD_MIN_TICKS: Final = 500
# High volume: 10,000 contracts (as before), over 24 h by default.
HIGH_VOLUME_MIN_CENTI: Final = 10_000 * CENTI_PER_CONTRACT
# Expiring soon and new markets: one day, as before.
EXPIRING_WITHIN_MS: Final = 24 * HOUR_MS
NEW_MARKET_WITHIN_MS: Final = 24 * HOUR_MS
# Book depth read per side (close-race depth, arbitrage walks): 25 levels, the depth the earlier
# project fetched; beyond that prices are far from the touch.
BOOK_LEVELS: Final = 25
# Arbitrage sizes in whole contracts: fractional trading is enabled per market and no longer
# flagged on the Market, so a fractional size might not be placeable.
ARB_LOT_CENTI: Final = CENTI_PER_CONTRACT

_VWAP_CONTEXT: Final = Context(prec=28)  # independent of the caller's decimal context

Values = dict[str, str | Decimal]
Direction = Literal["buy_yes", "sell_yes"]


@dataclass(frozen=True, slots=True)
class Signal:
    """One finding. ``score`` only ranks signals of one kind; ``values`` holds the exact figures.

    ``ticker`` is the market (for arbitrage, the event); ``tickers`` every market involved.
    """

    kind: str
    ticker: str
    score: float
    reason: str
    values: Values = field(default_factory=dict)
    tickers: tuple[str, ...] = ()

    def to_json(self) -> dict[str, object]:
        """JSON-ready: Decimals as strings, nothing rounded."""
        return {
            "kind": self.kind,
            "ticker": self.ticker,
            "tickers": list(self.tickers),
            "score": self.score,
            "reason": self.reason,
            "values": {key: str(value) for key, value in self.values.items()},
        }


# --- the shared predicate -----------------------------------------------------------------------


def is_two_sided(state: MarketState) -> bool:
    """Both sides quoted with real size: 0 < bid < ask < $1 and both sizes > 0."""
    return _two_sided(state.top())


def _two_sided(quote: Quote) -> bool:
    return (
        0 < quote.bid < quote.ask < TICKS_PER_DOLLAR and quote.bid_size > 0 and quote.ask_size > 0
    )


def _live_quote(state: MarketState, now_ms: int) -> Quote | None:
    """The quote of an open market when it is two-sided, else None."""
    if not state.is_open(now_ms):
        return None
    quote = state.top()
    return quote if _two_sided(quote) else None


def _ranked(signals: Iterable[Signal]) -> list[Signal]:
    return sorted(signals, key=lambda signal: (-signal.score, signal.ticker))


# --- number formatting (exact) ------------------------------------------------------------------


def _dollars(ticks: int) -> Decimal:
    return Decimal(ticks).scaleb(-4)


def _points(ticks: int) -> Decimal:
    """Probability points (or cents of price): 100 ticks = 1."""
    return Decimal(ticks).scaleb(-2)


def _count(centi: int) -> Decimal:
    return Decimal(centi).scaleb(-2)


def _text(value: Decimal) -> str:
    """A Decimal without trailing zeros: 20.00 -> 20, 2.50 -> 2.5, 0.3000 -> 0.3."""
    text = format(value.normalize(), "f")
    return "0" if text == "-0" else text


def _money(value: Decimal) -> str:
    """Dollars with at least two decimals: $95.00, $0.000693."""
    cents = value.quantize(Decimal("0.01"))
    return f"${cents if cents == value else _text(value)}"


def _price(ticks: int) -> str:
    """A price as Kalshi writes it, in cents: 72¢, 72.5¢ (money stays in dollars)."""
    return f"{_text(_points(ticks))}¢"


def _duration(ms: int) -> str:
    """A span as people say it: 5m, 1h, 24h exactly; otherwise rounded to its largest unit."""
    for unit, name in ((HOUR_MS, "h"), (MINUTE_MS, "m"), (SECOND_MS, "s")):
        if ms % unit == 0:
            return f"{ms // unit}{name}"
    for unit, name in ((HOUR_MS, "h"), (MINUTE_MS, "m"), (SECOND_MS, "s")):
        if ms >= unit:
            return f"{round(ms / unit)}{name}"
    return f"{ms}ms"


# --- movers -------------------------------------------------------------------------------------


def movers(
    states: Iterable[MarketState],
    window_ms: int,
    now_ms: int,
    *,
    min_ticks: int = MOVER_MIN_TICKS,
) -> list[Signal]:
    """Largest absolute change of the last price over the window, in points.

    A market needs an open status, a two-sided quote and two prices in the window. When its
    history starts inside the window (a new market, a fresh session), the change is measured
    from that start and the signal says over how long.
    """
    found = []
    for state in states:
        move = state.price_move(window_ms, now_ms)  # the cheap test first
        if move is not None and abs(move[0]) > min_ticks and _live_quote(state, now_ms):
            found.append(_mover(state, move[0], move[1]))
    return _ranked(found)


def _mover(state: MarketState, change: int, window_ms: int) -> Signal:
    latest = state.history.latest()
    end = latest[1] if latest is not None else 0
    start, points = end - change, _points(change)
    sign = "+" if change > 0 else ""
    reason = (
        f"{state.ticker} moved {sign}{_text(points)} points in {_duration(window_ms)} "
        f"({_price(start)} -> {_price(end)})"
    )
    values: Values = {
        "change_points": points,
        "from": _dollars(start),
        "to": _dollars(end),
        "window_s": str(window_ms // SECOND_MS),
    }
    return Signal(MOVER, state.ticker, abs(float(points)), reason, values, (state.ticker,))


# --- close races, wide spreads ------------------------------------------------------------------


def close_races(
    states: Iterable[MarketState],
    now_ms: int,
    *,
    band_ticks: int = CLOSE_RACE_BAND_TICKS,
    max_spread_ticks: int = CLOSE_RACE_MAX_SPREAD_TICKS,
    min_depth_centi: int = MIN_DEPTH_CENTI,
    depth_window_ticks: int = DEPTH_WINDOW_TICKS,
) -> list[Signal]:
    """Two-sided markets whose mid is near 50%, with a tight spread and depth on both sides.

    Score ``1 - 2|mid - 0.5|``: 1 at an even race.
    """
    found = []
    for state in states:
        quote = _live_quote(state, now_ms)
        if quote is None:
            continue
        distance = abs(quote.bid + quote.ask - TICKS_PER_DOLLAR)  # 2|mid - 0.5| in ticks
        if distance > 2 * band_ticks or quote.ask - quote.bid > max_spread_ticks:
            continue
        depth = _depths(state, depth_window_ticks)
        if min(depth) >= min_depth_centi:
            found.append(_close_race(state, quote, depth, depth_window_ticks))
    return _ranked(found)


def _depths(state: MarketState, window_ticks: int) -> tuple[int, int]:
    return (
        state.depth_within("bid", window_ticks, BOOK_LEVELS),
        state.depth_within("ask", window_ticks, BOOK_LEVELS),
    )


def _close_race(
    state: MarketState, quote: Quote, depth: tuple[int, int], window_ticks: int
) -> Signal:
    distance = abs(quote.bid + quote.ask - TICKS_PER_DOLLAR)
    mid = Decimal((quote.bid + quote.ask) * 5).scaleb(-5)  # exact: half a tick is $0.00005
    spread = _points(quote.ask - quote.bid)
    reason = (
        f"{state.ticker} is a close race: mid {_text(mid * 100)}¢ (bid {_price(quote.bid)}, "
        f"ask {_price(quote.ask)}), spread {_text(spread)}¢, "
        f"{_text(_count(depth[0]))} bid and {_text(_count(depth[1]))} offered within "
        f"{_text(_points(window_ticks))}¢ of the touch"
    )
    values: Values = {
        "mid": mid,
        "bid": _dollars(quote.bid),
        "ask": _dollars(quote.ask),
        "spread_cents": spread,
        "bid_depth": _count(depth[0]),
        "ask_depth": _count(depth[1]),
    }
    score = 1 - distance / TICKS_PER_DOLLAR
    return Signal(CLOSE_RACE, state.ticker, score, reason, values, (state.ticker,))


def wide_spreads(
    states: Iterable[MarketState],
    now_ms: int,
    *,
    min_spread_ticks: int = WIDE_SPREAD_MIN_TICKS,
    min_depth_centi: int = MIN_DEPTH_CENTI,
) -> list[Signal]:
    """Two-sided markets with a spread of at least ``min_spread_ticks`` and real size on both
    sides (``min_depth_centi`` at the best bid and at the best ask); widest first."""
    found = []
    for state in states:
        quote = _live_quote(state, now_ms)
        if quote is None:
            continue
        spread = quote.ask - quote.bid
        if spread >= min_spread_ticks and min(quote.bid_size, quote.ask_size) >= min_depth_centi:
            found.append(_wide_spread(state, quote))
    return _ranked(found)


def _wide_spread(state: MarketState, quote: Quote) -> Signal:
    spread = _points(quote.ask - quote.bid)
    reason = (
        f"{state.ticker} has a {_text(spread)}¢ spread: {_text(_count(quote.bid_size))} bid at "
        f"{_price(quote.bid)}, {_text(_count(quote.ask_size))} offered at "
        f"{_price(quote.ask)}"
    )
    values: Values = {
        "spread_cents": spread,
        "bid": _dollars(quote.bid),
        "ask": _dollars(quote.ask),
        "bid_size": _count(quote.bid_size),
        "ask_size": _count(quote.ask_size),
    }
    return Signal(WIDE_SPREAD, state.ticker, float(spread), reason, values, (state.ticker,))


# --- volume, expiry, new markets ----------------------------------------------------------------


def high_volume(
    states: Iterable[MarketState],
    now_ms: int,
    *,
    min_volume_centi: int = HIGH_VOLUME_MIN_CENTI,
    last_24h: bool = True,
) -> list[Signal]:
    """Two-sided markets that traded at least ``min_volume_centi`` over 24 h (``volume_24h``,
    refreshed from REST) or, with ``last_24h=False``, over their life; busiest first."""
    found = []
    for state in states:
        volume = state.volume_24h if last_24h else state.volume
        if volume is not None and volume >= min_volume_centi and _live_quote(state, now_ms):
            found.append(_high_volume(state, volume, last_24h))
    return _ranked(found)


def _high_volume(state: MarketState, volume: int, last_24h: bool) -> Signal:
    count = _count(volume)
    span = "in 24h" if last_24h else "in total"
    reason = f"{state.ticker} traded {_text(count)} contracts {span}"
    values: Values = {"volume": count, "period": "24h" if last_24h else "lifetime"}
    return Signal(HIGH_VOLUME, state.ticker, float(count), reason, values, (state.ticker,))


def expiring_soon(
    states: Iterable[MarketState],
    now_ms: int,
    within_ms: int = EXPIRING_WITHIN_MS,
) -> list[Signal]:
    """Open two-sided markets that close within ``within_ms``; soonest first."""
    found = []
    for state in states:
        closes = state.close_time_ms
        if closes is None or closes - now_ms > within_ms:
            continue
        quote = _live_quote(state, now_ms)
        if quote is not None:
            found.append(_expiring(state, quote, closes - now_ms, within_ms))
    return _ranked(found)


def _expiring(state: MarketState, quote: Quote, left_ms: int, within_ms: int) -> Signal:
    minutes = left_ms // MINUTE_MS
    reason = (
        f"{state.ticker} closes in {minutes // 60}h {minutes % 60:02d}m, "
        f"quoted {_price(quote.bid)}/{_price(quote.ask)}"
    )
    values: Values = {
        "closes_in_s": str(left_ms // SECOND_MS),
        "bid": _dollars(quote.bid),
        "ask": _dollars(quote.ask),
    }
    score = 1 - left_ms / within_ms
    return Signal(EXPIRING_SOON, state.ticker, score, reason, values, (state.ticker,))


def new_markets(
    states: Iterable[MarketState],
    now_ms: int,
    *,
    within_ms: int = NEW_MARKET_WITHIN_MS,
    include_unpriced: bool = False,
) -> list[Signal]:
    """Open markets created (else opened) within ``within_ms``; newest first.

    Markets without a two-sided quote are left out unless ``include_unpriced``.
    """
    found = []
    for state in states:
        born = state.created_time_ms if state.created_time_ms is not None else state.open_time_ms
        if born is None or not now_ms - within_ms <= born <= now_ms or not state.is_open(now_ms):
            continue
        quote = state.top()
        if _two_sided(quote) or include_unpriced:
            found.append(_new_market(state, quote, now_ms - born, within_ms))
    return _ranked(found)


def _new_market(state: MarketState, quote: Quote, age_ms: int, within_ms: int) -> Signal:
    priced = _two_sided(quote)
    minutes = age_ms // MINUTE_MS
    shown = f"{_price(quote.bid)}/{_price(quote.ask)}"
    reason = (
        f"{state.ticker} is new: listed {minutes // 60}h {minutes % 60:02d}m ago, "
        f"quoted {shown if priced else '[NO QUOTES]'}"
    )
    values: Values = {"age_s": str(age_ms // SECOND_MS), "priced": "true" if priced else "false"}
    if priced:
        values.update(bid=_dollars(quote.bid), ask=_dollars(quote.ask))
    score = 1 - age_ms / within_ms
    return Signal(NEW_MARKET, state.ticker, score, reason, values, (state.ticker,))


# --- arbitrage ----------------------------------------------------------------------------------


class _Leg(NamedTuple):
    """One leg of a planned arbitrage: the fills taken and their notional and fee, in dollars."""

    ticker: str
    fills: list[Level]
    notional: Decimal
    fee: Decimal


class _Plan(NamedTuple):
    direction: Direction
    size: int  # centi-contracts per leg
    legs: list[_Leg]
    top_sum: int  # ticks: the sum of the legs' best prices


def group_by_event(states: Iterable[MarketState]) -> dict[str, list[MarketState]]:
    """States grouped by ``event_ticker``, in the order first seen."""
    groups: dict[str, list[MarketState]] = {}
    for state in states:
        groups.setdefault(state.event_ticker, []).append(state)
    return groups


def arbitrage(
    events: Mapping[str, Sequence[MarketState]],
    now_ms: int,
    *,
    max_levels: int = BOOK_LEVELS,
    lot_centi: int = ARB_LOT_CENTI,
) -> list[Signal]:
    """Mutually exclusive events whose outcomes can be bought (or sold) as a set at a profit
    after taker fees. ``events`` maps event ticker to all of its markets' states.

    Every leg must be open and two-sided and every state marked ``mutually_exclusive``. Buying
    YES on every outcome pays $1 only if exactly one outcome resolves YES, so ``events`` must hold
    the event's complete set of markets; selling YES on all (buying NO on all) needs only that at
    most one resolves YES. The size is the most, in whole lots, that keeps each extra contract
    profitable at the walked prices; the profit is exact after fees rounded per leg.
    """
    found = []
    for event_ticker, legs in events.items():
        if not _arbitrable(legs, now_ms):
            continue
        for direction in ("buy_yes", "sell_yes"):
            plan = _plan(legs, direction, max_levels, lot_centi)
            if plan is not None and _profit(plan) > 0:
                found.append(_arbitrage_signal(event_ticker, plan))
    return _ranked(found)


def _arbitrable(legs: Sequence[MarketState], now_ms: int) -> bool:
    return (
        len(legs) >= 2
        and len({leg.ticker for leg in legs}) == len(legs)
        and all(leg.mutually_exclusive and _live_quote(leg, now_ms) for leg in legs)
    )


def _edge(prices: Sequence[int], rates: Sequence[Decimal], direction: Direction) -> Decimal:
    """Profit of one more contract on every leg at these prices, before fee rounding (in $1e-8)."""
    pairs = zip(rates, prices, strict=True)
    fees = sum(rate * price * (TICKS_PER_DOLLAR - price) for rate, price in pairs)
    gross = TICKS_PER_DOLLAR - sum(prices)
    return Decimal(TICKS_PER_DOLLAR * (gross if direction == "buy_yes" else -gross)) - fees


def _joint_size(ladders: Sequence[list[Level]], rates: Sequence[Decimal], d: Direction) -> int:
    """Walk all legs together while one more contract on each is still profitable."""
    if not all(ladders):
        return 0
    index, left, total = [0] * len(ladders), [ladder[0].size for ladder in ladders], 0
    while _edge(_prices(ladders, index), rates, d) > 0:
        take = min(left)
        total += take
        for leg, ladder in enumerate(ladders):
            left[leg] -= take
            if left[leg] == 0:
                index[leg] += 1
                if index[leg] == len(ladder):
                    return total
                left[leg] = ladder[index[leg]].size
    return total


def _prices(ladders: Sequence[list[Level]], index: list[int]) -> list[int]:
    return [ladder[i].price for i, ladder in zip(index, ladders, strict=True)]


def _take(ladder: list[Level], count: int) -> list[Level]:
    fills, left = [], count
    for price, size in ladder:
        if not left:
            break
        fills.append(Level(price, min(size, left)))
        left -= fills[-1].size
    return fills


def _plan(
    legs: Sequence[MarketState], direction: Direction, max_levels: int, lot: int
) -> _Plan | None:
    side: Literal["bid", "ask"] = "ask" if direction == "buy_yes" else "bid"
    ladders = [leg.ladder(side, max_levels) for leg in legs]
    rates = [TAKER_RATE * leg.fee_multiplier for leg in legs]
    count = _joint_size(ladders, rates, direction) // lot * lot
    if count <= 0:
        return None
    planned = []
    for leg, ladder in zip(legs, ladders, strict=True):
        fills = _take(ladder, count)
        notional = Decimal(sum(price * size for price, size in fills)).scaleb(-6)
        planned.append(_Leg(leg.ticker, fills, notional, taker_fee(fills, leg.fee_multiplier)))
    return _Plan(direction, count, planned, sum(ladder[0].price for ladder in ladders))


def _profit(plan: _Plan) -> Decimal:
    payout = _count(plan.size)  # $1 per contract
    notional = sum((leg.notional for leg in plan.legs), Decimal(0))
    fees = sum((leg.fee for leg in plan.legs), Decimal(0))
    gross = payout - notional if plan.direction == "buy_yes" else notional - payout
    return gross - fees


def _arbitrage_signal(event_ticker: str, plan: _Plan) -> Signal:
    payout, n = _count(plan.size), len(plan.legs)
    notional = sum((leg.notional for leg in plan.legs), Decimal(0))
    fees = sum((leg.fee for leg in plan.legs), Decimal(0))
    # selling YES on every outcome is the same trade as buying NO on every outcome
    cost = notional + fees if plan.direction == "buy_yes" else n * payout - notional + fees
    profit = _profit(plan)
    values: Values = {
        "direction": plan.direction,
        "count": payout,
        "cost": cost,
        "fees": fees,
        "profit": profit,
        "price_sum": _dollars(plan.top_sum),
    }
    for leg in plan.legs:
        values[f"vwap:{leg.ticker}"] = _VWAP_CONTEXT.divide(leg.notional, payout).normalize()
    reason = (
        f"{event_ticker}: {_arbitrage_text(plan, cost, fees)}: profit {_money(profit)} after fees"
    )
    tickers = tuple(leg.ticker for leg in plan.legs)
    return Signal(ARBITRAGE, event_ticker, float(profit), reason, values, tickers)


def _arbitrage_text(plan: _Plan, cost: Decimal, fees: Decimal) -> str:
    payout, n, top = _count(plan.size), len(plan.legs), _price(plan.top_sum)
    each = f"{_text(payout)} contracts of each for {_money(cost)} incl. {_money(fees)} fees"
    if plan.direction == "buy_yes":
        return (
            f"buy YES on all {n} outcomes at the asks (sum {top}): {each}, "
            f"paying {_money(payout)} if exactly one resolves YES"
        )
    return (
        f"sell YES on all {n} outcomes at the bids (sum {top}), i.e. buy NO on all: {each}, "
        f"paying at least {_money((n - 1) * payout)}"
    )
