"""One way to write every number a person sees, in the CLI and on the dashboard
(docs/architecture.md, "CLI output").

Prices are cents, as Kalshi's own site writes them: ``72¢``, ``72.5¢`` on a sub-penny grid.
Money is dollars to the cent: ``$1,234.56``, ``-$0.05``. Sizes are contracts, with a fraction
only when there is one: ``3``, ``2.5``. Anything unknown or absent (an empty side of a book, a
field the exchange did not send) is ``—``, never ``$0.00`` or ``0``. Order words are the user's:
``buy YES at 72¢``. Pure functions, no I/O.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

from kalshikit.units import Contracts, Price
from kalshikit.units.intent import parse_book_side, parse_side, wire_to_intent

MISSING: Final = "—"
ID_PREFIX: Final = 8  # order ids are shown like git's short hashes; a unique prefix is accepted


def cents(price: Price | None) -> str:
    """``72¢``, ``72.5¢``, ``0.1¢``; ``—`` for no price."""
    if price is None:
        return MISSING
    value = price.cents.normalize()
    return f"{value:f}¢"


def quote(price: Price | None) -> str:
    """A market's best bid or ask: the exchange sends 0¢ for no bid and 100¢ for no ask."""
    if price is None or price.ticks in (0, Price.from_cents(100).ticks):
        return MISSING
    return cents(price)


def plural(count: int, noun: str) -> str:
    """``1 market``, ``3 markets``."""
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


def money(value: Decimal | str | None) -> str:
    """Dollars to the cent, half up as a statement rounds: ``$1,234.56``, ``-$0.05``."""
    if value is None or value == "":
        return MISSING
    amount = Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"-${-amount:,.2f}" if amount < 0 else f"${amount:,.2f}"


def money_cents(value: int | None) -> str:
    """An integer count of cents (balances, payouts) as dollars."""
    return MISSING if value is None else money(Decimal(value).scaleb(-2))


def contracts(value: Contracts | Decimal | int | None) -> str:
    """``3``, ``2.5``, ``1,200``; ``—`` when unknown."""
    if value is None:
        return MISSING
    count = value.count if isinstance(value, Contracts) else Decimal(value)
    if count == count.to_integral_value():
        return f"{count:,.0f}"
    return f"{count.normalize():,f}"


def when(moment: datetime | None) -> str:
    """``Dec 04 04:59`` in UTC (the table's header says UTC)."""
    if moment is None:
        return MISSING
    return moment.astimezone(UTC).strftime("%b %d %H:%M")


def instant(moment: datetime | None) -> str:
    """``2026-12-03 07:40:37 UTC``: a moment in full, for key/value views."""
    if moment is None:
        return MISSING
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def of_contracts(value: Contracts | Decimal | int | None) -> str:
    """``1 contract``, ``2.5 contracts``; ``— contracts`` when unknown."""
    shown = contracts(value)
    return f"{shown} contract" if shown == "1" else f"{shown} contracts"


def order_words(book_side: str, yes_price: Price | None, outcome_side: str) -> str:
    """``buy YES at 72¢`` from the V2 wire's book side, YES price and outcome side."""
    try:
        side = parse_side(outcome_side)
        book = parse_book_side(book_side)
    except ValueError:
        return MISSING
    if yes_price is None:
        action = "buy" if (book == "bid") == (side == "yes") else "sell"
        return f"{action} {side.upper()}"
    action, price = wire_to_intent(book, yes_price, side)
    return f"{action} {side.upper()} at {cents(price)}"
