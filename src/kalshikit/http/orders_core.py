"""What an order is and how it is checked, without I/O: intent in, the V2 body out.

Users say yes/no + buy/sell + the price of the side they name, in whole cents or in dollars.
Everything that can be checked without the exchange is checked here, before any request is
built; the one check that needs the market (its tick grid) takes the grid as an argument:

    check_order(spec, now) -> CheckedOrder        every check but the grid's; client_order_id fixed
    create_request(checked, grid) -> CreateOrderV2Request

and the bodies of the other writes (amend, decrease, cancel) built the same way; cancels and
decreases carry the order's market so they reach the shard it rests on (``OrderTarget``).
Also the result types users see: OrderSpec, OrderResult, BatchItemResult and DryRun. Making
sure a create happens exactly once is ``exactly_once``'s job.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import KW_ONLY, dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Final, Literal, TypeVar
from urllib.parse import urlencode, urlsplit

import msgspec

from kalshikit.errors import ValidationError
from kalshikit.http import param_checks as check
from kalshikit.http._core import Call, PreparedRequest, prepare
from kalshikit.models import (
    AmendOrderAck,
    AmendOrderV2Request,
    BatchCancelItem,
    BatchCancelOrdersV2Request,
    BatchCancelOrdersV2RequestOrder,
    BatchCancelResponse,
    BatchCreateItem,
    CancelOrderAck,
    CreateOrderAck,
    CreateOrderV2Request,
    DecreaseOrderAck,
    DecreaseOrderV2Request,
    ErrorResponse,
    Order,
)
from kalshikit.units import (
    TICKS_PER_DOLLAR,
    Action,
    BookSide,
    Contracts,
    Price,
    PriceGrid,
    Side,
    intent_to_wire,
    parse_action,
    parse_side,
    refuse_float,
)

__all__ = [
    "BatchItemResult",
    "CheckedOrder",
    "DryRun",
    "OrderResult",
    "OrderSpec",
    "OrderTarget",
    "PricedIntent",
    "ResolvedBy",
    "amend_call",
    "batch_cancel_ids",
    "cancel_batch_call",
    "cancel_call",
    "check_on_grid",
    "check_order",
    "checked_batch",
    "create_request",
    "decrease_amounts",
    "decrease_call",
    "given_target",
    "optional_id",
    "order_count",
    "order_id_arg",
    "priced_intent",
]

T = TypeVar("T")
ResolvedBy = Literal["created", "lookup", "conflict"]
TimeInForce = Literal["good_till_canceled", "immediate_or_cancel", "fill_or_kill"]
SelfTradePrevention = Literal["taker_at_cross", "maker"]
CountLike = int | str | Decimal

TIME_IN_FORCE: Final = ("good_till_canceled", "immediate_or_cancel", "fill_or_kill")
SELF_TRADE_PREVENTION: Final = ("taker_at_cross", "maker")


# --- the types users see ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OrderSpec:
    """One order as intent, with the same fields as ``client.orders.create`` (batch creates)."""

    ticker: str
    _: KW_ONLY
    side: Side
    action: Action
    count: CountLike
    price_cents: int | None = None
    price_dollars: str | Decimal | None = None
    time_in_force: TimeInForce = "good_till_canceled"
    post_only: bool | None = None
    reduce_only: bool | None = None
    expiration: int | datetime | None = None
    self_trade_prevention: SelfTradePrevention = "taker_at_cross"
    order_group_id: str | None = None
    cancel_order_on_pause: bool | None = None
    client_order_id: str | None = None
    subaccount: int | None = None  # 0 (or None) is the primary account, 1-63 a subaccount


@dataclass(frozen=True, slots=True)
class OrderResult:
    """An order the exchange has. ``resolved_by`` says how we know: its answer ("created"), a
    lookup after an unknown outcome ("lookup"), or a lookup after a 409 duplicate ("conflict").
    The ack is slim; ``client.orders.get(result.order_id)`` reads the full order."""

    order_id: str
    client_order_id: str
    ack: CreateOrderAck
    request: CreateOrderV2Request
    resolved_by: ResolvedBy


@dataclass(frozen=True, slots=True)
class BatchItemResult:
    """One order of a batch create: placed (``order_id``) or refused (``error``)."""

    client_order_id: str
    request: CreateOrderV2Request
    order_id: str | None = None
    ack: BatchCreateItem | None = None
    error: ErrorResponse | None = None
    resolved_by: ResolvedBy | None = None

    @property
    def ok(self) -> bool:
        return self.order_id is not None


@dataclass(frozen=True, slots=True)
class DryRun:
    """Exactly what a write would send; nothing was sent. ``path`` is the signed URL path."""

    method: str
    url: str
    path: str
    body: dict[str, Any] | None

    @classmethod
    def of(cls, request: PreparedRequest, base_url: str) -> DryRun:
        url = base_url.rstrip("/") + request.path
        if request.params:
            url += "?" + urlencode(request.params)
        body = None if request.body is None else msgspec.json.decode(request.body)
        return cls(request.method, url, urlsplit(url).path, body)


# --- intent checks --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PricedIntent:
    """Ticker, direction, price and size after every check but the grid's."""

    ticker: str
    side: Side
    book_side: BookSide
    price: Price  # of the side the user named
    yes_price: Price
    count: Contracts
    price_text: str  # the argument as given, for messages


@dataclass(frozen=True, slots=True)
class CheckedOrder:
    """A create after every check but the grid's; ``client_order_id`` is fixed from here on."""

    intent: PricedIntent
    spec: OrderSpec
    client_order_id: str
    expiration: int | None


def priced_intent(
    ticker: object,
    side: object,
    action: object,
    count: object,
    price_cents: object,
    price_dollars: object,
) -> PricedIntent:
    """Checks the order's direction, price and size; the wire side and YES price follow."""
    name = _ticker(ticker)
    side, action = parse_side(side), parse_action(action)
    price, text = _named_price(price_cents, price_dollars)
    size = order_count(count)
    book_side, yes_price = intent_to_wire(side, action, price)
    return PricedIntent(name, side, book_side, price, yes_price, size, text)


def check_order(spec: OrderSpec, now: float) -> CheckedOrder:
    """Every check of ``spec`` that needs no market; ``now`` is unix seconds."""
    intent = priced_intent(
        spec.ticker, spec.side, spec.action, spec.count, spec.price_cents, spec.price_dollars
    )
    _one_of(spec.time_in_force, TIME_IN_FORCE, "time_in_force")
    _one_of(spec.self_trade_prevention, SELF_TRADE_PREVENTION, "self_trade_prevention")
    for flag in ("post_only", "reduce_only", "cancel_order_on_pause"):
        _flag(getattr(spec, flag), flag)
    if spec.reduce_only and spec.time_in_force != "immediate_or_cancel":
        raise ValidationError('reduce_only orders must use time_in_force="immediate_or_cancel"')
    optional_id(spec.order_group_id, "order_group_id")
    subaccount_arg(spec.subaccount)
    client_order_id = optional_id(spec.client_order_id, "client_order_id") or str(uuid.uuid4())
    expiration = _expiration(spec.expiration, spec.time_in_force, now)
    return CheckedOrder(intent, spec, client_order_id, expiration)


def create_request(checked: CheckedOrder, grid: PriceGrid) -> CreateOrderV2Request:
    """The V2 body of a checked order, once its price is on the market's grid."""
    intent, spec = checked.intent, checked.spec
    check_on_grid(intent, grid)
    return CreateOrderV2Request(
        ticker=intent.ticker,
        side=intent.book_side,
        count=intent.count.to_wire(),
        price=intent.yes_price.to_wire(),
        time_in_force=spec.time_in_force,
        self_trade_prevention_type=spec.self_trade_prevention,
        client_order_id=checked.client_order_id,
        expiration_time=checked.expiration,
        post_only=spec.post_only,
        cancel_order_on_pause=spec.cancel_order_on_pause,
        reduce_only=spec.reduce_only,
        order_group_id=spec.order_group_id,
        subaccount=spec.subaccount,
    )


def subaccount_arg(value: object) -> int | None:
    """A subaccount number (0 primary, 1-63), or None for the endpoint's default."""
    if value is not None and (
        isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 63
    ):
        raise ValidationError(f"subaccount must be a number from 0 to 63; got {value!r}")
    return value


def check_on_grid(intent: PricedIntent, grid: PriceGrid) -> None:
    """Refuse a price off the market's grid, saying so in the user's terms (their side)."""
    if grid.allows(intent.yes_price):
        return
    below, above = grid.neighbours(intent.yes_price)
    if intent.side == "no":  # the grid holds YES prices; show the NO prices around the one given
        below, above = (p.complement() if p else None for p in (above, below))
    nearest = " and ".join(str(p) for p in (below, above) if p is not None) or "none"
    raise ValidationError(
        f"{intent.price_text} is not on {intent.ticker}'s price grid ({grid.describe()}, "
        f"in YES prices); the nearest valid {intent.side.upper()} prices are {nearest}"
    )


def order_count(value: object, name: str = "count", *, allow_zero: bool = False) -> Contracts:
    """A size in whole contracts or steps of 0.01, more than 0 (or 0 with ``allow_zero``)."""
    refuse_float(value, name, "'2.5' or Decimal('2.5')")
    if isinstance(value, bool) or not isinstance(value, int | str | Decimal | Contracts):
        raise ValidationError(f"{name} must be an int, a string or a Decimal; got {value!r}")
    try:
        size = Contracts.parse(value)
    except ValidationError as exc:
        raise ValidationError(f"{name}: {exc} (sizes go in steps of 0.01)") from None
    if size.centi < 0 or (size.centi == 0 and not allow_zero):
        least = "0" if allow_zero else "0.01"
        raise ValidationError(f"{name} must be at least {least}; got {value!r}")
    return size


def _ticker(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"ticker must be a market ticker such as 'KXBTCD-...'; got {value!r}")
    return value


def _named_price(price_cents: object, price_dollars: object) -> tuple[Price, str]:
    if (price_cents is None) == (price_dollars is None):
        raise ValidationError(
            'give exactly one of price_cents (whole cents 1-99) and price_dollars (e.g. "0.56")'
        )
    if price_cents is not None:
        return _price_from_cents(price_cents), f"price_cents={price_cents}"
    return _price_from_dollars(price_dollars), f"price_dollars={str(price_dollars)!r}"


def _price_from_cents(value: object) -> Price:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(_cents_hint(value))
    if not 1 <= value <= 99:
        raise ValidationError(f"price_cents takes whole cents 1-99; got {value}")
    return Price.from_cents(value)


def _cents_hint(value: object) -> str:
    """What a non-integer price_cents probably meant (``0.5``: half a cent, or 50 cents)."""
    base = "price_cents takes whole cents 1-99"
    amount = _as_decimal(value)
    if amount is None or not 0 < amount < 100:
        return f"{base}; got {value!r}"
    if amount == amount.to_integral_value():
        return f"{base} as an int; got {value!r}, pass price_cents={int(amount)}"
    words = "half a cent" if amount == Decimal("0.5") else f"{_plain(amount)} cents"
    hint = f'{base}; for {words} pass price_dollars="{_plain(amount.scaleb(-2))}"'
    hint += " where the market allows it"
    if amount < 1:
        hint += f"; did you mean {_as_dollars_hint(amount)}?"
    return hint


def _as_dollars_hint(amount: Decimal) -> str:
    """``0.5`` -> 'price_cents=50 or price_dollars="0.50"'; ``0.565`` -> the dollars only."""
    cents = amount.scaleb(2)
    dollars = f"{amount:.2f}" if cents == cents.to_integral_value() else _plain(amount)
    if cents == cents.to_integral_value():
        return f'price_cents={int(cents)} or price_dollars="{dollars}"'
    return f'price_dollars="{dollars}"'


def _as_decimal(value: object) -> Decimal | None:
    try:
        amount = Decimal(str(value)) if isinstance(value, float | str | Decimal) else None
    except InvalidOperation:
        return None
    return amount if amount is not None and amount.is_finite() else None


def _plain(amount: Decimal) -> str:
    return format(amount.normalize(), "f")


def _price_from_dollars(value: object) -> Price:
    refuse_float(value, "price_dollars", "'0.56'")
    try:
        price = Price.from_dollars(value)  # type: ignore[arg-type]  # checked inside
    except ValidationError as exc:
        raise ValidationError(f"price_dollars: {exc}") from None
    if not 0 < price.ticks < TICKS_PER_DOLLAR:
        raise ValidationError(f"price_dollars must be strictly between 0 and 1; got {value!r}")
    return price


def _one_of(value: object, allowed: tuple[str, ...], name: str) -> None:
    if value not in allowed:
        raise ValidationError(
            f"{name} must be one of {', '.join(map(repr, allowed))}; got {value!r}"
        )


def _flag(value: object, name: str) -> None:
    if value is not None and not isinstance(value, bool):
        raise ValidationError(f"{name} must be True, False or None; got {value!r}")


def optional_id(value: object, name: str) -> str | None:
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise ValidationError(f"{name} must be a non-empty string; got {value!r}")
    return value


def _expiration(value: int | datetime | None, time_in_force: str, now: float) -> int | None:
    seconds = check.timestamp(value, "expiration")
    if seconds is None:
        return None
    if time_in_force != "good_till_canceled":
        raise ValidationError('expiration is only allowed with time_in_force="good_till_canceled"')
    if seconds <= now:
        raise ValidationError(f"expiration {seconds} is not in the future (now is {int(now)})")
    return seconds


# --- the other write requests -----------------------------------------------------------------


def _same(answer: T) -> T:
    return answer


def amend_call(
    order_id: str,
    intent: PricedIntent,
    expiration: int | datetime | None,
    client_order_id: str | None,
    updated_client_order_id: str | None,
    now: float,
    subaccount: int | None = None,
) -> Call[AmendOrderAck, AmendOrderAck]:
    """``count`` is the new total size; ``expiration`` 0 clears it, None keeps it."""
    body = AmendOrderV2Request(
        ticker=intent.ticker,
        side=intent.book_side,
        price=intent.yes_price.to_wire(),
        count=intent.count.to_wire(),
        client_order_id=optional_id(client_order_id, "client_order_id"),
        updated_client_order_id=optional_id(updated_client_order_id, "updated_client_order_id"),
        expiration_time=_amend_expiration(expiration, now),
    )
    params = {"subaccount": subaccount_arg(subaccount)}
    req = prepare("orders.amend", path={"order_id": order_id}, params=params, body=body)
    return Call(req, AmendOrderAck, _same)


def _amend_expiration(value: int | datetime | None, now: float) -> int | None:
    seconds = check.timestamp(value, "expiration")
    if seconds is not None and seconds != 0 and seconds <= now:
        raise ValidationError(f"expiration {seconds} is not in the future (0 clears it)")
    return seconds


@dataclass(frozen=True, slots=True)
class OrderTarget:
    """The order a cancel or decrease is for, and what routes it to its shard: Kalshi sends
    these to the shard of ``market_ticker``, else to ``exchange_index``, else to shard 0
    (kalshi-rest.md 5.5), so an order on another shard is "not found" without its ticker."""

    order_id: str
    market_ticker: str | None = None
    exchange_index: int | None = None
    subaccount: int | None = None  # the account that holds it (the endpoints default to 0)

    @classmethod
    def of(cls, order: Order) -> OrderTarget:
        return cls(order.order_id, order.ticker, order.exchange_index, order.subaccount_number)


def order_id_arg(value: object, name: str = "order_id") -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{name} must be an order id (a non-empty string); got {value!r}")
    return value


def given_target(
    order_id: object, market_ticker: object, exchange_index: object, subaccount: object = None
) -> OrderTarget | None:
    """The target the caller's arguments name; None when only the order id was given (then
    its market must be looked up first)."""
    checked_id = order_id_arg(order_id)
    ticker = optional_id(market_ticker, "market_ticker")
    if exchange_index is not None and (
        isinstance(exchange_index, bool)
        or not isinstance(exchange_index, int)
        or exchange_index < -1
    ):
        raise ValidationError(
            f"exchange_index must be a shard number (-1: route by ticker); got {exchange_index!r}"
        )
    number = subaccount_arg(subaccount)
    if ticker is None and exchange_index is None:
        return None
    return OrderTarget(checked_id, ticker, exchange_index, number)


def decrease_amounts(
    reduce_by: CountLike | None, reduce_to: CountLike | None
) -> tuple[str | None, str | None]:
    """(reduce_by, reduce_to) as wire strings, exactly one of them set."""
    if (reduce_by is None) == (reduce_to is None):
        raise ValidationError(
            "give exactly one of reduce_by (contracts to take off) and reduce_to (to leave)"
        )
    if reduce_by is not None:
        return order_count(reduce_by, "reduce_by").to_wire(), None
    return None, order_count(reduce_to, "reduce_to", allow_zero=True).to_wire()


def decrease_call(
    target: OrderTarget, amounts: tuple[str | None, str | None]
) -> Call[DecreaseOrderAck, DecreaseOrderAck]:
    by, to = amounts
    body = DecreaseOrderV2Request(
        reduce_by=by,
        reduce_to=to,
        market_ticker=target.market_ticker,
        exchange_index=target.exchange_index,
    )
    params = {"subaccount": target.subaccount}
    req = prepare("orders.decrease", path={"order_id": target.order_id}, params=params, body=body)
    return Call(req, DecreaseOrderAck, _same)


def cancel_call(target: OrderTarget) -> Call[CancelOrderAck, CancelOrderAck]:
    params = {
        "market_ticker": target.market_ticker,
        "exchange_index": target.exchange_index,
        "subaccount": target.subaccount,
    }
    req = prepare("orders.cancel", path={"order_id": target.order_id}, params=params)
    return Call(req, CancelOrderAck, _same)


def batch_cancel_ids(orders: object) -> list[str | Order]:
    """One or more distinct orders (ids, or ``Order`` objects that carry their market)."""
    items = [orders] if isinstance(orders, str | Order) else orders
    if not isinstance(items, Sequence) or not items:
        raise ValidationError(f"give one or more orders (ids or Order objects); got {orders!r}")
    ids = [item.order_id if isinstance(item, Order) else item for item in items]
    if not all(isinstance(i, str) and i for i in ids) or len(set(ids)) != len(ids):
        raise ValidationError(f"cancel_batch takes one or more distinct order ids; got {orders!r}")
    return list(items)


def cancel_batch_call(
    targets: Sequence[OrderTarget],
) -> Call[BatchCancelResponse, list[BatchCancelItem]]:
    orders = [
        BatchCancelOrdersV2RequestOrder(
            order_id=t.order_id,
            market_ticker=t.market_ticker,
            exchange_index=t.exchange_index,
            subaccount=t.subaccount,
        )
        for t in targets
    ]
    req = prepare("orders.cancel_batch", body=BatchCancelOrdersV2Request(orders=orders))
    return Call(req, BatchCancelResponse, lambda r: r.orders)


def checked_batch(orders: Sequence[OrderSpec], now: float) -> list[CheckedOrder]:
    """Every order of a batch checked (grids aside) before anything is sent."""
    if not orders or not all(isinstance(o, OrderSpec) for o in orders):
        raise ValidationError("create_batch takes a non-empty sequence of OrderSpec")
    checked = [check_order(spec, now) for spec in orders]
    ids = [c.client_order_id for c in checked]
    if len(set(ids)) != len(ids):
        raise ValidationError("each order of a batch needs its own client_order_id")
    return checked
