"""What `kalshi order ...` shows: one human line per write, the orders table, and the lookup
that lets a user type the short id a table showed.

The write summaries read the exchange's slim acks (kalshi-rest.md 2.4): ``fill_count`` and
``remaining_count`` (contracts), ``average_fill_price`` (a YES price, dollars) and
``average_fee_paid`` (dollars per contract filled).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from decimal import Decimal
from typing import Final

from kalshikit.errors import ValidationError
from kalshikit.http.client import KalshiClient
from kalshikit.models import AmendOrderAck, BatchCancelItem, CancelOrderAck, DecreaseOrderAck, Order
from kalshikit.units import Contracts
from kalshikit.units.display import (
    ID_PREFIX,
    MISSING,
    contracts,
    instant,
    money,
    of_contracts,
    order_words,
    when,
)

ORDER_COLUMNS: Final = ["id", "ticker", "order", "filled", "status", "client id", "placed UTC"]
_SEARCHED: Final = 1000  # recent orders searched for a short id, after the resting ones
_FULL_ID: Final = 36  # a uuid: used as given, nothing to look up


def _count(text: str | int | None) -> Contracts | None:
    return None if text is None else Contracts.parse(str(text))


def canceled_line(ack: CancelOrderAck, order_id: str) -> str:
    reduced = _count(ack.reduced_by)
    verb = "was" if reduced is not None and reduced.count == 1 else "were"
    return f"canceled order {order_id[:ID_PREFIX]}: {of_contracts(reduced)} {verb} resting"


def batch_canceled_line(items: Iterable[BatchCancelItem]) -> str:
    done = [item for item in items if item.error is None]
    failed = [item for item in items if item.error is not None]
    line = f"canceled {len(done)} order{'s' if len(done) != 1 else ''}"
    if failed:
        reasons = "; ".join(
            f"{i.order_id[:ID_PREFIX]}: {i.error.message}" for i in failed if i.error
        )
        line += f"; {len(failed)} not canceled ({reasons})"
    return line


def amended_line(ack: AmendOrderAck, order_id: str, words: str) -> str:
    filled, resting = _count(ack.fill_count), _count(ack.remaining_count)
    return (
        f"amended order {order_id[:ID_PREFIX]}: now {words}; "
        f"filled {contracts(filled)}, resting {contracts(resting)}"
    )


def decreased_line(ack: DecreaseOrderAck, order_id: str) -> str:
    resting = _count(ack.remaining_count)
    return f"decreased order {order_id[:ID_PREFIX]}: {of_contracts(resting)} resting"


def order_row(o: Order) -> list[object]:
    """One line of `order list`: the short id, the market, the order in words, the fills."""
    side = o.outcome_side or o.side or ""
    filled = f"{contracts(o.fill_count)}/{contracts(o.initial_count)}"
    return [
        o.order_id[:ID_PREFIX], o.ticker, order_words(o.book_side, o.yes_price, side), filled,
        o.status, o.client_order_id, when(o.created_time),
    ]  # fmt: skip


def find_order(client: KalshiClient, text: str) -> Order | None:
    """The order a user named by its id or a unique prefix of it (as `order list` shows it).

    A whole id is used as given (None: nothing to look up). A prefix is searched among the
    resting orders, then the most recent ones; none or several matches is a clear error."""
    wanted = text.strip().lower()
    if len(wanted) >= _FULL_ID:
        return None
    if not wanted:
        raise ValidationError("give an order id (`kalshi order list` shows them)")
    resting = client.orders.list(status="resting")
    recent = itertools.islice(client.orders.list(), _SEARCHED)
    matches: dict[str, Order] = {}
    for order in itertools.chain(resting, recent):
        if order.order_id.lower().startswith(wanted):
            matches.setdefault(order.order_id, order)
    if len(matches) == 1:
        return next(iter(matches.values()))
    if not matches:
        raise ValidationError(
            f"no order of yours starts with {text!r} (searched resting orders and the "
            f"{_SEARCHED:,} most recent); `kalshi order list` shows them"
        )
    shown = ", ".join(sorted(matches)[:3])
    raise ValidationError(f"{text!r} matches {len(matches)} orders ({shown}, ...): give more of it")


def cents_of(price_cents: int | None, price_dollars: Decimal | None) -> str:
    if price_cents is not None:
        return f"{price_cents}¢"
    return MISSING if price_dollars is None else f"{(price_dollars * 100).normalize():f}¢"


def order_fields(o: Order) -> list[tuple[str, object]]:
    """`order show` as key/value lines."""
    side = o.outcome_side or o.side or ""
    fees = [f for f in (o.taker_fees_dollars, o.maker_fees_dollars) if f is not None]
    return [
        ("ticker", o.ticker),
        ("order", order_words(o.book_side, o.yes_price, side)),
        ("status", o.status),
        ("filled", f"{contracts(o.fill_count)} of {contracts(o.initial_count)}"),
        ("resting", contracts(o.remaining_count)),
        ("fees", money(sum(map(Decimal, fees), Decimal(0))) if fees else None),
        ("client id", o.client_order_id),
        ("placed", instant(o.created_time)),
        ("expires", instant(o.expiration_time)),
        ("updated", instant(o.last_update_time)),
    ]
