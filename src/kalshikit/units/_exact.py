"""Exactness, which every unit here builds on: numbers read without ``float``, and the value type.

Package-private (the public names are re-exported by :mod:`kalshikit.units`): decimal strings and
``Decimal``s read as integer counts of 10**-places units, refusing anything finer, never through
a float; and :class:`ExactValue`, the immutable one-int base of ``Price`` and ``Contracts``.
No I/O here.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final, NoReturn, Self, cast

from kalshikit.errors import ValidationError

__all__ = [
    "MONEY_PLACES",
    "PRICE_PLACES",
    "SIZE_PLACES",
    "ExactValue",
    "decimal_units",
    "parse_fixed",
    "plain_digits",
    "refuse_float",
    "require_int",
]

PRICE_PLACES: Final = 4  # ticks of $0.0001
SIZE_PLACES: Final = 2  # centi-contracts
MONEY_PLACES: Final = 6  # the wire's finest dollar amount
_MAX_DIGITS: Final = 30  # longer numbers are garbage, and int() on huge strings is slow


def refuse_float(value: object, name: str, example: str) -> None:
    """Raise ValidationError if ``value`` is a float (floats cannot hold $0.56 exactly)."""
    if isinstance(value, float):
        raise ValidationError(
            f"{name} got the float {value!r}; floats are not exact - "
            f"pass a string or Decimal such as {example}"
        )


def plain_digits(digits: str) -> bool:
    # int() would also take "_", spaces, signs and non-ASCII digits; the wire has none of them
    return digits.isdigit() and digits.isascii() and len(digits) <= _MAX_DIGITS


def parse_fixed(text: str, places: int, what: str, *, signed: bool) -> int:
    """``text`` (plain decimal digits) as an integer count of 10**-places units, exactly."""
    if not isinstance(text, str):
        raise ValidationError(f"{what} must be a string such as '1.00', got {text!r}")
    negative = signed and text.startswith("-")
    whole, _, frac = (text[1:] if negative else text).partition(".")
    digits = whole + frac
    if not plain_digits(digits):
        if not signed and text.startswith("-"):
            raise ValidationError(f"{what} must not be negative, got {text!r}")
        raise ValidationError(f"{what} must be a plain decimal number, got {text!r}")
    if frac[places:].strip("0"):
        raise ValidationError(f"{what} {text!r} has more than {places} decimal places")
    scale: int = 10**places
    units = int(whole or "0") * scale + int(frac[:places].ljust(places, "0"))
    return -units if negative else units


def decimal_units(value: Decimal, places: int, what: str) -> int:
    """A finite Decimal as an integer count of 10**-places units; refuses anything finer."""
    if not value.is_finite():
        raise ValidationError(f"{what} must be a finite number, got {value!r}")
    if value.adjusted() > 18:
        raise ValidationError(f"{what} is far too large: {value}")
    sign, digit_tuple, exponent = value.as_tuple()
    units = int("".join(map(str, digit_tuple)))
    shift = cast(int, exponent) + places
    if shift >= 0:
        multiplier: int = 10**shift
        return (-units if sign else units) * multiplier
    # a non-zero coefficient never divides by a power of ten longer than itself: cap the divisor
    divisor: int = 10 ** min(-shift, len(digit_tuple) + 1)
    units, rest = divmod(units, divisor)
    if rest:
        raise ValidationError(f"{what} {value} has more than {places} decimal places")
    return -units if sign else units


def require_int(value: object, what: str) -> int:
    refuse_float(value, what, "'56'")
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"{what} must be an integer, got {value!r}")
    return value


# --- the value type -----------------------------------------------------------------------------


class ExactValue:
    """What Price and Contracts share: one int, immutable, equal and ordered only within a kind."""

    __slots__ = ("_n",)
    _n: int

    @classmethod
    def _of(cls, n: int) -> Self:
        instance = object.__new__(cls)
        object.__setattr__(instance, "_n", n)
        return instance

    def to_wire(self) -> str:
        raise NotImplementedError

    def _decimal(self) -> Decimal:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.to_wire()!r})"

    def __format__(self, spec: str) -> str:
        # f"{price}" reads "$0.56"; f"{price:.2f}" formats the exact Decimal
        return format(self._decimal(), spec) if spec else str(self)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ExactValue) and type(other) is type(self) and other._n == self._n

    def __hash__(self) -> int:
        return hash(self._n)

    def __lt__(self, other: Self) -> bool:
        return self._n < other._n if type(other) is type(self) else NotImplemented

    def __le__(self, other: Self) -> bool:
        return self._n <= other._n if type(other) is type(self) else NotImplemented

    def __gt__(self, other: Self) -> bool:
        return self._n > other._n if type(other) is type(self) else NotImplemented

    def __ge__(self, other: Self) -> bool:
        return self._n >= other._n if type(other) is type(self) else NotImplemented

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __reduce__(self) -> tuple[type[Self], tuple[str]]:
        return (type(self), (self.to_wire(),))
