"""Contracts: a signed number of contracts in steps of 0.01, kept as centi-contracts.

No I/O here.
"""

from __future__ import annotations

from decimal import Decimal

from kalshikit.errors import ValidationError
from kalshikit.units._exact import SIZE_PLACES, ExactValue, decimal_units, refuse_float, require_int
from kalshikit.units.wire import CENTI_PER_CONTRACT, centi_to_fp, fp_to_centi

__all__ = ["Contracts"]


def _centi_from_count(value: object) -> int:
    """Centi-contracts of a user's count: 10 (contracts), '2.5', Decimal('0.01'), Contracts."""
    if isinstance(value, Contracts):
        return value.centi
    refuse_float(value, "Contracts", "'2.5' or Decimal('2.5')")
    if isinstance(value, str):
        return fp_to_centi(value.strip())
    if isinstance(value, Decimal):
        return decimal_units(value, SIZE_PLACES, "a contract count")
    return require_int(value, "a contract count") * CENTI_PER_CONTRACT


class Contracts(ExactValue):
    """A signed number of contracts in steps of 0.01: immutable, hashable, ordered, addable.

    ``Contracts(10)`` is ten contracts; ``Contracts("2.5")`` two and a half. Positions may be
    negative; orders check for a positive count separately.
    """

    __slots__ = ()

    def __init__(self, count: int | str | Decimal | Contracts) -> None:
        object.__setattr__(self, "_n", _centi_from_count(count))

    @classmethod
    def from_centi(cls, centi: int) -> Contracts:
        """``centi`` hundredths of a contract; the cheap constructor."""
        if type(centi) is not int:
            raise ValidationError(f"centi-contracts must be an int, got {centi!r}")
        return cls._of(centi)

    @classmethod
    def from_fp(cls, text: str) -> Contracts:
        """A wire ``fp`` string: ``"10.00"``."""
        return cls._of(fp_to_centi(text))

    @classmethod
    def parse(cls, value: int | str | Decimal | Contracts) -> Contracts:
        """10 -> 10 contracts, ``"2.5"``, ``Decimal("0.01")``; refuses floats, bools, sub-0.01."""
        return value if isinstance(value, Contracts) else cls._of(_centi_from_count(value))

    @property
    def centi(self) -> int:
        return self._n

    @property
    def count(self) -> Decimal:
        """The count with 2 decimals: Decimal('2.50')."""
        return Decimal(self._n).scaleb(-SIZE_PLACES)

    def to_wire(self) -> str:
        return centi_to_fp(self._n)

    def _decimal(self) -> Decimal:
        return self.count

    def __str__(self) -> str:
        whole, frac = divmod(self._n, CENTI_PER_CONTRACT)
        return self.to_wire() if frac else str(whole)

    def __bool__(self) -> bool:
        return self._n != 0

    def __add__(self, other: Contracts) -> Contracts:
        return Contracts._of(self._n + other._n) if isinstance(other, Contracts) else NotImplemented

    def __radd__(self, other: int) -> Contracts:
        # only so that sum() of Contracts works: sum starts from the int 0
        return self if type(other) is int and other == 0 else NotImplemented

    def __sub__(self, other: Contracts) -> Contracts:
        return Contracts._of(self._n - other._n) if isinstance(other, Contracts) else NotImplemented

    def __neg__(self) -> Contracts:
        return Contracts._of(-self._n)

    def __abs__(self) -> Contracts:
        return Contracts._of(abs(self._n))
