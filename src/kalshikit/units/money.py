"""Money: ``Decimal`` dollars, read and written exactly. No I/O here."""

from __future__ import annotations

from decimal import Decimal
from typing import TypeAlias

from kalshikit.errors import ValidationError
from kalshikit.units._exact import (
    MONEY_PLACES,
    decimal_units,
    parse_fixed,
    refuse_float,
    require_int,
)

__all__ = ["Money", "format_money", "money_from_centicents", "money_from_cents", "parse_money"]

Money: TypeAlias = Decimal


def parse_money(text: str | int | Decimal) -> Decimal:
    """A dollar amount, exactly: ``"12.345600"`` or ``"-3.50"``, an int of whole dollars, a Decimal.

    Refuses floats and anything finer than $0.000001 (the wire's finest unit).
    """
    refuse_float(text, "parse_money", "'12.50'")
    if isinstance(text, str):
        parse_fixed(text, MONEY_PLACES, "a dollar amount", signed=True)
        return Decimal(text)
    if isinstance(text, Decimal):
        decimal_units(text, MONEY_PLACES, "a dollar amount")
        return text
    return Decimal(require_int(text, "a dollar amount"))


def money_from_cents(cents: int) -> Decimal:
    """Integer cents (balances, settlement revenue) to dollars: 12345 -> Decimal('123.45')."""
    return Decimal(require_int(cents, "cents")).scaleb(-2)


def money_from_centicents(cc: int) -> Decimal:
    """Integer centi-cents (10000 = $1) to dollars: 5600 -> Decimal('0.5600')."""
    return Decimal(require_int(cc, "centi-cents")).scaleb(-4)


def format_money(value: Decimal, places: int = 4) -> str:
    """Dollars as a wire string with ``places`` decimals; refuses to round silently."""
    refuse_float(value, "format_money", "Decimal('12.50')")
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise ValidationError(f"format_money needs a Decimal, got {value!r}")
    if type(places) is not int or places < 0:
        raise ValidationError(f"format_money places must be an int >= 0, got {places!r}")
    units = decimal_units(Decimal(value), places, "a dollar amount to format")
    scale: int = 10**places
    whole, frac = divmod(abs(units), scale)
    sign = "-" if units < 0 else ""
    return f"{sign}{whole}.{frac:0{places}d}" if places else f"{sign}{whole}"
