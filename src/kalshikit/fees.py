"""Kalshi's trading fees, exactly: the one formula the sandbox charges and the scanner sizes by.

No I/O here. Fee of one fill = ceil to the cent of ``rate x multiplier x contracts x P x (1 - P)``
with ``P`` the fill price in dollars; the taker rate is 0.07, the maker rate 0.0175 (charged only
on series whose fee type is ``quadratic_with_maker_fees``). Fees accumulate per order: the exact
(unrounded) fee of all of an order's fills is kept, and each fill charges ``ceil(accumulated) -
already charged``, so an order filled in pieces pays what one equivalent fill would.

Exact fees are integers in units of 1e-20 dollars: with sizes in centi-contracts and prices in
ticks, ``rate x multiplier x 1e10 x centi x ticks x (10000 - ticks)`` is a whole number of units.
Money leaves this module in micro-dollars, always a whole number of cents, or (``taker_fee``,
for the client side) in Decimal dollars. A NO fill at ``q = 1 - P`` costs the same fee as a YES
fill at ``P``: the formula is symmetric.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Final, Protocol

from kalshikit.units import TICKS_PER_DOLLAR

__all__ = [
    "MAKER_RATE",
    "MICRO_PER_CENT",
    "TAKER_RATE",
    "FeeAccrual",
    "FeeSchedule",
    "cents_ceil_micro",
    "charge_fill_fee",
    "exact_taker_fee",
    "fee_bound",
    "fee_units",
    "taker_fee",
]

MICRO_PER_CENT: Final = 10_000
_UNITS_PER_CENT: Final = 10**18
_COEF_SCALE: Final = Decimal(10**10)
TAKER_RATE: Final = Decimal("0.07")
MAKER_RATE: Final = Decimal("0.0175")
_MAKER_FEE_TYPES: Final = frozenset({"quadratic_with_maker_fees"})
_HALF: Final = TICKS_PER_DOLLAR // 2


def _coefficient(rate: Decimal, multiplier: float | Decimal) -> int:
    # str() gives the float's shortest repr (0.5, 1.25), which is what the series means
    exact = rate * Decimal(str(multiplier)) * _COEF_SCALE
    return math.ceil(exact)  # never undercharge when a multiplier has more digits than we keep


@dataclass(frozen=True, slots=True)
class FeeSchedule:
    """Fee coefficients of one market, in 1e-20 $ per (centi-contract x tick x tick)."""

    taker: int
    maker: int

    @classmethod
    def for_series(cls, fee_type: str, multiplier: float | Decimal) -> FeeSchedule:
        """The schedule of a series (or of an event that overrides its series' fees).

        ``quadratic``, ``flat`` and ``quadratic_with_combo_maker_fees`` charge takers only here.
        """
        taker = _coefficient(TAKER_RATE, multiplier)
        maker = _coefficient(MAKER_RATE, multiplier) if fee_type in _MAKER_FEE_TYPES else 0
        return cls(taker, maker)


def fee_units(coefficient: int, size: int, price: int) -> int:
    """The exact fee of ``size`` centi-contracts at ``price`` ticks, in 1e-20 $."""
    return coefficient * size * price * (TICKS_PER_DOLLAR - price)


def cents_ceil_micro(units: int) -> int:
    """An exact fee rounded up to the cent, in micro-dollars."""
    return -(-units // _UNITS_PER_CENT) * MICRO_PER_CENT


class FeeAccrual(Protocol):
    """What an order keeps of its fees: the exact (unrounded) fees of its fills in 1e-20 $ and
    what has been charged, in micro-dollars, for taker and maker fills apart."""

    taker_accrued: int
    taker_fees: int
    maker_accrued: int
    maker_fees: int


def charge_fill_fee(order: FeeAccrual, coefficient: int, size: int, price: int, taker: bool) -> int:
    """Accrue one fill's exact fee on ``order``; returns what to charge now (micro-dollars): the
    order pays ``ceil(all its fills' exact fee) - already charged``, so pieces cost what one
    equivalent fill would."""
    if coefficient == 0:
        return 0
    if taker:
        order.taker_accrued += fee_units(coefficient, size, price)
        due = cents_ceil_micro(order.taker_accrued) - order.taker_fees
        order.taker_fees += due
        return due
    order.maker_accrued += fee_units(coefficient, size, price)
    due = cents_ceil_micro(order.maker_accrued) - order.maker_fees
    order.maker_fees += due
    return due


def fee_bound(
    coefficient: int, size: int, price: int, side: str, accrued: int, charged: int
) -> int:
    """The most an order of ``size`` at limit ``price`` can still be charged as taker (micro $).

    A bid fills at or below its limit and an ask at or above it; ``P x (1 - P)`` peaks at $0.50,
    so the worst price is the reachable one nearest $0.50.
    """
    worst = min(price, _HALF) if side == "bid" else max(price, _HALF)
    return cents_ceil_micro(accrued + fee_units(coefficient, size, worst)) - charged


_DOLLAR_EXPONENT: Final = -20  # fee units are 1e-20 dollars
_MICRO_EXPONENT: Final = -6


def _taker_units(fills: Iterable[tuple[int, int]], multiplier: float | Decimal) -> int:
    taker = FeeSchedule.for_series("quadratic", multiplier).taker
    return sum(fee_units(taker, size, price) for price, size in fills)


def exact_taker_fee(
    fills: Iterable[tuple[int, int]], multiplier: float | Decimal = Decimal(1)
) -> Decimal:
    """The unrounded taker fee in dollars of one order's (price ticks, centi-contracts) fills."""
    return Decimal(_taker_units(fills, multiplier)).scaleb(_DOLLAR_EXPONENT)


def taker_fee(
    fills: Iterable[tuple[int, int]], multiplier: float | Decimal = Decimal(1)
) -> Decimal:
    """The taker fee in dollars of one order's (price ticks, centi-contracts) fills: rounded up
    to the cent once, over the sum of its fills, as the exchange charges it.

    >>> taker_fee([(5000, 10_000)])  # 100 contracts at $0.50: 0.07 x 100 x 0.25 = $1.75
    Decimal('1.75')
    >>> taker_fee([(100, 100)])  # 1 contract at $0.01: $0.000693 rounds up to a cent
    Decimal('0.01')
    """
    micro = cents_ceil_micro(_taker_units(fills, multiplier))
    return Decimal(micro).scaleb(_MICRO_EXPONENT).quantize(Decimal("0.01"))
