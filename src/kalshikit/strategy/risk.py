"""The risk guard: every order a strategy asks for passes here first, and it cannot be bypassed.

Pure: time comes in as ``now_ns``; what the strategy holds, has resting and sees comes in
through a :class:`RiskView` the runner keeps (``MemoryView`` is a plain one). Exact units only:
sizes in centi-contracts, prices in ticks of $0.0001, money in micro-dollars (1 tick x 1 centi
= 1 micro-dollar, so a price times a size needs no scaling).

Directions: an order that buys YES or sells NO moves the signed position up (+ is YES), one
that sells YES or buys NO moves it down. An order *reduces* when it points against the position
and, with the resting orders pointing the same way, cannot take it past zero. The exposure rules
(position, event, dollars, daily loss) let reducing orders through: cutting risk is never
refused. The size, rate and price-band rules and the halt apply to every order.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from kalshikit.errors import ValidationError
from kalshikit.http.orders_core import CheckedOrder, PricedIntent
from kalshikit.orderbook import OrderBook
from kalshikit.strategy.audit import AuditLog
from kalshikit.strategy.halt import CLEAR_HINT, Halt
from kalshikit.strategy.limits import RiskLimits
from kalshikit.strategy.view import (
    MemoryView,
    RestingOrder,
    RiskView,
    direction,
    worst_cost_micro,
)
from kalshikit.units import Action, Price, Side, wire_to_intent

__all__ = [
    "MemoryView",
    "Refusal",
    "RestingOrder",
    "RiskGuard",
    "RiskLimits",
    "RiskView",
    "direction",
    "worst_cost_micro",
]

MINUTE_NS = 60_000_000_000


class Refusal(NamedTuple):
    """Which rule refused, and why in the user's words."""

    rule: str
    reason: str


# --- words ----------------------------------------------------------------------------------------


def _number(value: int, places: int) -> str:
    text = f"{Decimal(value).scaleb(-places):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _cents(ticks: int) -> str:
    return _number(ticks, 2) + "¢"


def _contracts(centi: int) -> str:
    return _number(centi, 2)


def _dollars(micro: int) -> str:
    sign, amount = ("-" if micro < 0 else ""), Decimal(abs(micro)).scaleb(-6)
    shown = f"{amount:,.2f}" if amount == amount.quantize(Decimal("0.01")) else f"{amount:,f}"
    return f"{sign}${shown}"


# --- one order in context -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Ask:
    """The order being checked, with what every rule needs computed once."""

    ticker: str
    side: Side
    action: Action
    price: Price
    count: int
    direction: int
    position: int
    resting: Sequence[RestingOrder]
    reduces: bool

    @property
    def words(self) -> str:
        return f"{self.action} {self.side.upper()} at {_cents(self.price.ticks)}"

    @property
    def cost(self) -> int:
        return worst_cost_micro(self.side, self.action, self.price, self.count)


def _ask_of(intent: PricedIntent, view: RiskView) -> _Ask:
    action, price = wire_to_intent(intent.book_side, intent.yes_price, intent.side)
    way = direction(intent.side, action)
    position = view.position(intent.ticker)
    resting = view.resting(intent.ticker)
    same_way = sum(o.remaining for o in resting if direction(o.side, o.action) == way)
    count = intent.count.centi
    reduces = position * way < 0 and same_way + count <= abs(position)
    return _Ask(intent.ticker, intent.side, action, price, count, way, position, resting, reduces)


def _market_at_risk(ticker: str, view: RiskView) -> int:
    """What the position and the resting orders that add to it can lose, in micro-dollars."""
    position = view.position(ticker)
    adding = (
        worst_cost_micro(o.side, o.action, o.price, o.remaining)
        for o in view.resting(ticker)
        if position * direction(o.side, o.action) >= 0
    )
    return view.cost_micro(ticker) + sum(adding)


def _event_markets(ticker: str, view: RiskView) -> tuple[str, list[str]]:
    """The order's event (its own market when the view knows none) and that event's markets
    among those with a position or resting order, the order's market included."""
    event = view.event_of(ticker) or ticker
    known = {*view.positions(), *(o.ticker for o in view.resting(None)), ticker}
    return event, sorted(t for t in known if (view.event_of(t) or t) == event)


# --- the guard ------------------------------------------------------------------------------------

Rule = Callable[["RiskGuard", int, _Ask, RiskView], Refusal | None]


class RiskGuard:
    """Checks every order against the halt and the limits, and writes each verdict to the audit
    log. Keeps one piece of state: the times of the orders it allowed in the last minute."""

    def __init__(self, limits: RiskLimits, *, halt: Halt, audit: AuditLog | None = None) -> None:
        if not isinstance(limits, RiskLimits):
            raise ValidationError(
                f"limits are RiskLimits (RiskLimits.parse({{...}})); got {limits!r}"
            )
        self.limits = limits
        self.halt = halt
        self.audit = audit
        self._allowed_ns: deque[int] = deque()

    def check(
        self, now_ns: int, order: PricedIntent | CheckedOrder, view: RiskView
    ) -> Refusal | None:
        """None when the order may be sent; else the first rule that refuses it, and why."""
        if type(now_ns) is not int:
            raise ValidationError(f"now_ns is an int of unix nanoseconds; got {now_ns!r}")
        if not isinstance(order, PricedIntent | CheckedOrder):
            raise ValidationError(
                "check takes a PricedIntent or a CheckedOrder (from check_order(spec, now)); "
                f"got {order!r}"
            )
        intent = order.intent if isinstance(order, CheckedOrder) else order
        ask = _ask_of(intent, view)
        refusal = self._halted()
        for rule in () if refusal else _RULES:
            refusal = rule(self, now_ns, ask, view)
            if refusal:
                break
        if refusal is None:
            self._allowed_ns.append(now_ns)
        self._record(now_ns, ask, refusal)
        return refusal

    def _halted(self) -> Refusal | None:
        reason = self.halt.reason
        if reason is None:
            return None
        hint = "" if CLEAR_HINT in reason else f"; {CLEAR_HINT}"
        return Refusal("halt", f"trading is halted: {reason}{hint}")

    def _record(self, now_ns: int, ask: _Ask, refusal: Refusal | None) -> None:
        if self.audit is None:
            return
        fields: dict[str, object] = {
            "ticker": ask.ticker,
            "side": ask.side,
            "action": ask.action,
            "price_ticks": ask.price.ticks,
            "count_centi": ask.count,
            "position_centi": ask.position,
        }
        if refusal is None:
            self.audit.write("intent", {**fields, "allowed": True}, at_ns=now_ns)
        else:
            fields.update(rule=refusal.rule, reason=refusal.reason)
            self.audit.write("refusal", fields, at_ns=now_ns)

    def orders_in_last_minute(self, now_ns: int) -> int:
        """Allowed orders in (now - 60 s, now]; older ones are forgotten."""
        while self._allowed_ns and self._allowed_ns[0] <= now_ns - MINUTE_NS:
            self._allowed_ns.popleft()
        return len(self._allowed_ns)


# --- the rules, in the order they are checked -----------------------------------------------------


def _order_size(guard: RiskGuard, now_ns: int, ask: _Ask, view: RiskView) -> Refusal | None:
    limit = guard.limits.max_order_centi
    if limit is None or ask.count <= limit:
        return None
    return Refusal(
        "max_order",
        f"{ask.words} for {_contracts(ask.count)} contracts is over the order limit of "
        f"{_contracts(limit)} contracts",
    )


def _rate(guard: RiskGuard, now_ns: int, ask: _Ask, view: RiskView) -> Refusal | None:
    limit = guard.limits.max_orders_per_minute
    if limit is None:
        return None
    sent = guard.orders_in_last_minute(now_ns)
    if sent < limit:
        return None
    return Refusal(
        "rate",
        f"{ask.words} would be order {sent + 1} in the last minute; the limit is {limit} "
        "orders per minute",
    )


def _far_touch(ask: _Ask, book: OrderBook) -> int | None:
    """The best price to trade against: the ask of the named side for a buy, its bid for a
    sale."""
    if ask.side == "yes":
        found = book.best_yes_ask if ask.action == "buy" else book.best_yes_bid
    else:
        found = book.best_no_ask if ask.action == "buy" else book.best_no_bid
    return None if found is None else found.ticks


def _price_band(guard: RiskGuard, now_ns: int, ask: _Ask, view: RiskView) -> Refusal | None:
    band = guard.limits.price_band_ticks
    if band is None:
        return None
    book = view.book(ask.ticker)
    touch_name = f"{'' if ask.side == 'yes' else 'NO '}{'ask' if ask.action == 'buy' else 'bid'}"
    touch = None if book is None else _far_touch(ask, book)
    if touch is None:
        missing = f"no book for {ask.ticker}" if book is None else f"no best {touch_name}"
        return Refusal(
            "price_band",
            f"{ask.words}: {missing}, so the price band ({_cents(band)}) cannot be checked",
        )
    through = ask.price.ticks - touch if ask.action == "buy" else touch - ask.price.ticks
    if through <= band:
        return None
    return Refusal(
        "price_band",
        f"{ask.words} is {_cents(through)} through the best {touch_name} {_cents(touch)} "
        f"(price band {_cents(band)})",
    )


def _position(guard: RiskGuard, now_ns: int, ask: _Ask, view: RiskView) -> Refusal | None:
    limit = guard.limits.max_position_centi
    if limit is None or ask.reduces:
        return None
    same_way = sum(o.remaining for o in ask.resting if direction(o.side, o.action) == ask.direction)
    after = ask.position + ask.direction * (same_way + ask.count)
    if abs(after) <= limit:
        return None
    held = f"{_contracts(abs(after))} {'YES' if after > 0 else 'NO'}"
    return Refusal(
        "max_position",
        f"{ask.words} for {_contracts(ask.count)} could make the position in {ask.ticker} "
        f"{held} (with resting orders), over the limit of {_contracts(limit)} contracts",
    )


def _event_contracts(guard: RiskGuard, now_ns: int, ask: _Ask, view: RiskView) -> Refusal | None:
    limit = guard.limits.max_event_centi
    if limit is None or ask.reduces:
        return None
    event, markets = _event_markets(ask.ticker, view)
    held = sum(abs(view.position(t)) + sum(o.remaining for o in view.resting(t)) for t in markets)
    total = held + ask.count
    if total <= limit:
        return None
    return Refusal(
        "max_event",
        f"{ask.words} for {_contracts(ask.count)} would make {_contracts(total)} contracts held "
        f"or resting in {event}, over the limit of {_contracts(limit)}",
    )


def _market_dollars(guard: RiskGuard, now_ns: int, ask: _Ask, view: RiskView) -> Refusal | None:
    limit = guard.limits.max_market_micro
    if limit is None or ask.reduces:
        return None
    total = _market_at_risk(ask.ticker, view) + ask.cost
    if total <= limit:
        return None
    return Refusal(
        "max_market_dollars",
        f"{ask.words} for {_contracts(ask.count)} would put {_dollars(total)} at risk in "
        f"{ask.ticker}, over the limit of {_dollars(limit)}",
    )


def _event_dollars(guard: RiskGuard, now_ns: int, ask: _Ask, view: RiskView) -> Refusal | None:
    limit = guard.limits.max_event_micro
    if limit is None or ask.reduces:
        return None
    event, markets = _event_markets(ask.ticker, view)
    total = sum(_market_at_risk(t, view) for t in markets) + ask.cost
    if total <= limit:
        return None
    return Refusal(
        "max_event_dollars",
        f"{ask.words} for {_contracts(ask.count)} would put {_dollars(total)} at risk in "
        f"{event}, over the limit of {_dollars(limit)}",
    )


def _daily_loss(guard: RiskGuard, now_ns: int, ask: _Ask, view: RiskView) -> Refusal | None:
    limit = guard.limits.max_daily_loss_micro
    if limit is None or ask.reduces:
        return None
    pnl = view.day_pnl_micro()
    if pnl >= -limit:
        return None
    return Refusal(
        "max_daily_loss",
        f"{ask.words} adds risk after today's loss of {_dollars(-pnl)} (limit "
        f"{_dollars(limit)}); only orders that reduce a position are allowed",
    )


_RULES: tuple[Rule, ...] = (
    _order_size,
    _rate,
    _price_band,
    _position,
    _event_contracts,
    _market_dollars,
    _event_dollars,
    _daily_loss,
)
