"""An order in the user's words, checked before anything is sent: the one set of checks, and of
messages, behind `kalshi order place` and the dashboard's order ticket.

A person types a side (yes/no), an action (buy/sell), a count and a price in cents or dollars;
:func:`order_entry` checks each and gives the keyword arguments of ``orders.create`` and the
summary a prod write asks about. Messages name the CLI's flags (``--cents``), which the
dashboard's fields are named after, so a refusal reads the same in the terminal and on the page.
:func:`placed_line` is the one line a write prints afterwards. Pure: no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from kalshikit.errors import ValidationError
from kalshikit.http.orders_core import OrderResult
from kalshikit.units import Action, Contracts, Price, Side, intent_to_wire, parse_action, parse_side
from kalshikit.units.display import ID_PREFIX, MISSING, cents, contracts, money

__all__ = ["TIF", "Entry", "average_price", "flag_action", "flag_side", "flagged", "order_entry",
           "parse_cents", "parse_decimal", "placed_line", "worst_case"]  # fmt: skip

TIF: Final = {"gtc": "good_till_canceled", "ioc": "immediate_or_cancel", "fok": "fill_or_kill"}
FLAG_NAMES: Final = {
    "price_cents": "--cents",
    "price_dollars": "--dollars",
    "count": "--count",
    "reduce_by": "--by",
    "reduce_to": "--to",
    "expiration": "--expires",
}
# an argument's name where the library's messages put it: first, or after "of" / "and"
_ARGUMENT: Final = re.compile(rf"(?:^|(?<=of )|(?<=and ))(?:{'|'.join(FLAG_NAMES)})\b")
_DECIMAL_REPR: Final = re.compile(r"Decimal\('([^']*)'\)")


def flagged(error: ValidationError) -> ValidationError:
    """The library's message in the CLI's words: its argument names (which lead the message,
    or follow "of"/"and") become the flags, and Decimal('2') is written 2."""
    text = _DECIMAL_REPR.sub(r"\1", str(error))
    text = _ARGUMENT.sub(lambda found: FLAG_NAMES[found.group(0)], text)
    return ValidationError(text)


def parse_cents(text: str | None) -> int | None:
    """``--cents``: whole cents 1-99, with a hint when a dollar figure was typed."""
    if text is None:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValidationError(f"--cents takes whole cents 1-99; got {text!r}") from None
    if value != value.to_integral_value() or not 1 <= value <= 99:
        hint = ""
        if 0 < value < 1:
            hint = f"; did you mean --cents {int(value * 100)} or --dollars {value:.2f}?"
        raise ValidationError(f"--cents takes whole cents 1-99; got {text}{hint}")
    return int(value)


def parse_decimal(text: str | None, flag: str) -> Decimal | None:
    if text is None:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValidationError(f"{flag} takes a number such as 0.45; got {text!r}") from None


def worst_case(action: str, count: Decimal, price: Price) -> Decimal:
    """The most this order can cost: the price paid, or for a sale that opens a position the
    collateral of the other side (1 - price); before fees."""
    per_contract = price.dollars if action == "buy" else 1 - price.dollars
    return (count * per_contract).quantize(Decimal("0.01"))


def flag_side(text: str) -> Side:
    """``--side`` in the user's words: yes or no, in any case."""
    try:
        return parse_side(text.strip().lower())
    except ValidationError:
        raise ValidationError(f"--side takes yes or no; got {text!r}") from None


def flag_action(text: str) -> Action:
    """``--action`` in the user's words: buy or sell, in any case."""
    try:
        return parse_action(text.strip().lower())
    except ValidationError:
        raise ValidationError(f"--action takes buy or sell; got {text!r}") from None


@dataclass(frozen=True, slots=True)
class Entry:
    """A checked order: what to send (``intent``, the keyword arguments of ``orders.create``
    after the ticker) and how to say it (``summary``: what a prod write asks about)."""

    ticker: str
    side: Side
    action: Action
    count: str
    price: Price
    intent: dict[str, Any]
    summary: str


def order_entry(
    ticker: str, *, side: str, action: str, count: str, cents_text: str | None = None,
    dollars: str | None = None, tif: str = "gtc", post_only: bool = False,
    reduce_only: bool = False, expires: int | None = None, client_order_id: str | None = None,
    subaccount: int | None = None,
) -> Entry:  # fmt: skip
    """Every check a person's order gets before the client's own (the market's tick grid is
    the client's ``dry_run``); raises :class:`ValidationError` in the CLI's words."""
    parse_decimal(count, "--count")
    price_cents = parse_cents(cents_text)
    price_dollars = parse_decimal(dollars, "--dollars")
    tif = tif.strip().lower()
    if tif not in TIF:
        raise ValidationError(f"--tif takes gtc, ioc or fok; got {tif!r}")
    if (price_cents is None) == (price_dollars is None):
        raise ValidationError("give exactly one of --cents and --dollars")
    price = Price.from_cents(price_cents) if price_cents is not None else Price.parse(price_dollars)  # type: ignore[arg-type]
    named_side, named_action = flag_side(side), flag_action(action)
    intent_to_wire(named_side, named_action, price)
    summary = (
        f"{named_action} {count} {named_side.upper()} of {ticker} at {cents(price)} "
        f"(worst case ${worst_case(named_action, Decimal(count), price)} before fees)"
    )
    intent: dict[str, Any] = {
        "side": named_side,
        "action": named_action,
        "count": count,
        "price_cents": price_cents,
        "price_dollars": price_dollars,
        "time_in_force": TIF[tif],
        "post_only": post_only or None,
        "reduce_only": reduce_only or None,
        "expiration": expires,
        "client_order_id": client_order_id,
        "subaccount": subaccount,
    }
    return Entry(ticker, named_side, named_action, count, price, intent, summary)


def _count(text: str | int | None) -> Contracts | None:
    return None if text is None else Contracts.parse(str(text))


def average_price(yes_average: str | None, side: Side) -> str:
    """The average fill price of the user's side, to a tenth of a cent (it may lie between
    ticks when several levels filled)."""
    if yes_average is None:
        return MISSING
    yes = Decimal(yes_average)
    own = yes if side == "yes" else 1 - yes
    return f"{(own * 100).quantize(Decimal('0.1')).normalize():f}¢"


def placed_line(result: OrderResult, side: Side, action: str, count: str) -> str:
    """``buy YES: filled 3 of 3 at 72¢, fee $0.05; resting 0 (order 1a2b3c4d)``."""
    ack = result.ack
    filled, resting = _count(ack.fill_count), _count(ack.remaining_count)
    wanted = Contracts.parse(count)
    parts = [f"{action} {side.upper()}: filled {contracts(filled)} of {contracts(wanted)}"]
    if filled:
        fee = None
        if ack.average_fee_paid is not None:
            fee = Decimal(ack.average_fee_paid) * filled.count
        parts.append(f" at {average_price(ack.average_fill_price, side)}, fee {money(fee)}")
    parts.append(f"; resting {contracts(resting)}")
    if filled is not None and resting is not None and filled + resting != wanted:
        parts.append(f", canceled {contracts(wanted - filled - resting)} (not fillable now)")
    parts.append(f" (order {result.order_id[:ID_PREFIX]})")
    return "".join(parts)
