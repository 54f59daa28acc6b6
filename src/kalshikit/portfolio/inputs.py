"""The P&L core's inputs: a fill and a settlement in exact integers, checked. No I/O here.

Built from the REST models (``Fill``, ``Settlement``) in both their current ``*_fp`` /
``*_dollars`` shape and January 2026's integers (through the models' own properties), or
directly. Units: prices in ticks of $0.0001, sizes in centi-contracts, money in micro-dollars
(ticks x centi), times as aware ``datetime``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from kalshikit.errors import ValidationError
from kalshikit.models import Fill, Settlement
from kalshikit.models.stream import FillMsg
from kalshikit.units import TICKS_PER_DOLLAR, parse_money

__all__ = [
    "RESULTS",
    "PnlFill",
    "PnlSettlement",
    "book_side_of",
    "fill_from_stream",
    "fill_from_wire",
    "micro_of",
    "settlement_at",
    "settlement_from_wire",
]

RESULTS = ("yes", "no", "void", "scalar")
MICRO_PER_DOLLAR = 1_000_000
MICRO_PER_CENT = 10_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _check_int(value: object, name: str, low: int, high: int | None, hint: str) -> None:
    if type(value) is not int or value < low or (high is not None and value > high):
        raise ValidationError(f"{name} must be {hint}; got {value!r}")


def _check_time(value: object, name: str) -> None:
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise ValidationError(f"{name} must be a timezone-aware datetime; got {value!r}")


@dataclass(frozen=True, slots=True)
class PnlFill:
    """One fill: ``book_side`` is the V2 side (``bid`` buys YES or sells NO, ``ask`` sells YES
    or buys NO), ``price`` the YES price in ticks, ``count`` centi-contracts, ``fee`` the
    micro-dollars this fill was charged."""

    ticker: str
    time: datetime
    book_side: str
    count: int
    price: int
    fee: int = 0
    is_taker: bool = True
    fill_id: str = ""
    order_id: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.ticker, str) or not self.ticker:
            raise ValidationError(f"a fill needs a market ticker; got {self.ticker!r}")
        _check_time(self.time, "a fill's time")
        if self.book_side not in ("bid", "ask"):
            raise ValidationError(f"book_side must be 'bid' or 'ask'; got {self.book_side!r}")
        _check_int(self.count, "a fill's count", 1, None, "positive centi-contracts (100 = 1)")
        _check_int(self.price, "a fill's price", 0, TICKS_PER_DOLLAR, "ticks from 0 to 10000")
        _check_int(self.fee, "a fill's fee", 0, None, "micro-dollars >= 0")
        if type(self.is_taker) is not bool:
            raise ValidationError(f"is_taker must be True or False; got {self.is_taker!r}")


@dataclass(frozen=True, slots=True)
class PnlSettlement:
    """One market's settlement. ``result`` is yes, no, void or scalar; ``value`` the YES
    payout in ticks per contract (used for scalar; yes pays 10000, no 0, void refunds cost).
    ``yes_count``/``no_count`` (centi), ``cost`` and ``revenue`` (micro) and ``fees`` are the
    exchange's own figures, used only for a market whose fills the book never saw."""

    ticker: str
    time: datetime
    result: str
    value: int | None = None
    event_ticker: str = ""
    yes_count: int = 0
    no_count: int = 0
    cost: int = 0
    revenue: int = 0
    fees: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.ticker, str) or not self.ticker:
            raise ValidationError(f"a settlement needs a market ticker; got {self.ticker!r}")
        _check_time(self.time, "a settlement's time")
        if self.result not in RESULTS:
            allowed = ", ".join(RESULTS)
            raise ValidationError(f"result must be one of {allowed}; got {self.result!r}")
        if self.result == "scalar" or self.value is not None:
            _check_int(self.value, "a scalar value", 0, TICKS_PER_DOLLAR, "ticks from 0 to 10000")
        for name in ("yes_count", "no_count", "cost", "revenue", "fees"):
            _check_int(getattr(self, name), f"a settlement's {name}", 0, None, "an int >= 0")

    @property
    def yes_value(self) -> int:
        """Ticks a YES contract pays (void is handled apart: it refunds cost)."""
        if self.result == "yes":
            return TICKS_PER_DOLLAR
        if self.result == "scalar" and self.value is not None:
            return self.value
        return 0


def micro_of(dollars: str | Decimal | None) -> int:
    """Exact dollars (a wire string) to micro-dollars; None is 0."""
    if dollars is None:
        return 0
    amount = parse_money(dollars) * MICRO_PER_DOLLAR
    if amount != amount.to_integral_value():
        raise ValidationError(f"money finer than $0.000001 is not a charge: {dollars!r}")
    return int(amount)


def book_side_of(side: str, action: str) -> str:
    """January's purchased side + action to the V2 book side (``intent_to_wire``'s table)."""
    table = {("yes", "buy"): "bid", ("yes", "sell"): "ask", ("no", "buy"): "ask"}
    if side not in ("yes", "no") or action not in ("buy", "sell"):
        raise ValidationError(
            f"a fill needs side yes/no and action buy/sell; got {side!r} {action!r}"
        )
    return table.get((side, action), "bid")


def _fill_time(fill: Fill) -> datetime:
    if fill.created_time is not None:
        return fill.created_time
    if fill.ts is not None:
        return datetime.fromtimestamp(fill.ts, UTC)
    return _EPOCH


def fill_from_wire(fill: Fill) -> PnlFill:
    """A REST ``Fill`` (either shape) as the core's input."""
    count, price = fill.count, fill.yes_price
    if count is None or price is None:
        raise ValidationError(f"fill {fill.fill_id} has no count or price")
    side = fill.book_side or book_side_of(fill.outcome_side or fill.side or "", fill.action or "")
    return PnlFill(
        ticker=fill.market_ticker or fill.ticker, time=_fill_time(fill), book_side=side,
        count=count.centi, price=price.ticks, fee=micro_of(fill.fee_cost),
        is_taker=fill.is_taker, fill_id=fill.fill_id, order_id=fill.order_id,
    )  # fmt: skip


def fill_from_stream(fill: FillMsg, time: datetime) -> PnlFill:
    """A ``fill`` stream message (or a paper engine's) as the core's input, at ``time``."""
    count, price = fill.count, fill.yes_price
    if count is None or price is None:
        raise ValidationError(f"fill {fill.trade_id} has no count or price")
    side = fill.book_side or book_side_of(fill.purchased_side or fill.side or "", fill.action or "")
    return PnlFill(
        ticker=fill.market_ticker, time=time, book_side=side, count=count.centi,
        price=price.ticks, fee=micro_of(fill.fee_cost), is_taker=bool(fill.is_taker),
        fill_id=fill.trade_id or "", order_id=fill.order_id or "",
    )  # fmt: skip


def settlement_at(ticker: str, time: datetime, value: int | None) -> PnlSettlement:
    """A market determined at ``value`` ticks a YES contract (a tape's lifecycle row): $1 is
    yes, $0 no, anything between scalar, none void."""
    if value is None:
        return PnlSettlement(ticker, time, "void")
    result = {TICKS_PER_DOLLAR: "yes", 0: "no"}.get(value, "scalar")
    return PnlSettlement(ticker, time, result, value=value)


def _count(fp: str | None, integer: int | None) -> int:
    from kalshikit.models.base import contracts_of

    found = contracts_of(fp, integer)
    return 0 if found is None else found.centi


def _cost(dollars: str | None, cents: int | None) -> int:
    return micro_of(dollars) if dollars is not None else (cents or 0) * MICRO_PER_CENT


def settlement_from_wire(settlement: Settlement) -> PnlSettlement:
    """A REST ``Settlement`` (either shape); ``value`` is in cents on the wire."""
    value = None if settlement.value is None else settlement.value * 100
    result = settlement.market_result
    if result == "scalar" and value is None:
        raise ValidationError(f"scalar settlement of {settlement.ticker} has no value")
    return PnlSettlement(
        ticker=settlement.ticker, time=settlement.settled_time, result=result,
        value=value if result == "scalar" else None, event_ticker=settlement.event_ticker,
        yes_count=_count(settlement.yes_count_fp, settlement.yes_count_int),
        no_count=_count(settlement.no_count_fp, settlement.no_count_int),
        cost=_cost(settlement.yes_total_cost_dollars, settlement.yes_total_cost_cents)
        + _cost(settlement.no_total_cost_dollars, settlement.no_total_cost_cents),
        revenue=settlement.revenue * MICRO_PER_CENT, fees=micro_of(settlement.fee_cost),
    )  # fmt: skip
