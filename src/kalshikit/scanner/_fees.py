"""Kalshi's taker fee, client side, exactly. No I/O here.

The fee of one order's fills is ``ceil_to_cent(0.07 x multiplier x sum(count x P x (1 - P)))``
with ``P`` each fill's price in dollars and ``multiplier`` the series' ``fee_multiplier`` (or the
event's ``fee_multiplier_override``); rounding is up to the next cent, once per order over the
sum of its fills. That is the formula the sandbox charges (``kalshikit.sandbox._fees``; the maker
rate there, 0.0175, applies only to resting orders on ``quadratic_with_maker_fees`` series, so a
scanner sizing immediate trades needs only the taker side). A NO fill at ``q = 1 - P`` costs the
same fee as a YES fill at ``P``: the formula is symmetric.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_CEILING, Context, Decimal
from typing import Final

from kalshikit.units import TICKS_PER_DOLLAR

__all__ = ["TAKER_RATE", "exact_taker_fee", "taker_fee"]

TAKER_RATE: Final = Decimal("0.07")
_CENT: Final = Decimal("0.01")
# centi-contracts x ticks x ticks are units of 1e-2 x 1e-4 x 1e-4 = 1e-10 dollars
_UNIT_EXPONENT: Final = -10
# exact for any realistic size; independent of the caller's thread-local decimal context
_CONTEXT: Final = Context(prec=60)


def _units(fills: Iterable[tuple[int, int]]) -> int:
    return sum(size * price * (TICKS_PER_DOLLAR - price) for price, size in fills)


def exact_taker_fee(fills: Iterable[tuple[int, int]], multiplier: Decimal = Decimal(1)) -> Decimal:
    """The unrounded taker fee in dollars of (price ticks, centi-contracts) fills."""
    rate = _CONTEXT.multiply(TAKER_RATE, multiplier)
    return _CONTEXT.multiply(rate, Decimal(_units(fills))).scaleb(_UNIT_EXPONENT, _CONTEXT)


def taker_fee(fills: Iterable[tuple[int, int]], multiplier: Decimal = Decimal(1)) -> Decimal:
    """The taker fee in dollars of one order's (price ticks, centi-contracts) fills.

    >>> taker_fee([(5000, 10_000)])  # 100 contracts at $0.50: 0.07 x 100 x 0.25 = $1.75
    Decimal('1.75')
    >>> taker_fee([(100, 100)])  # 1 contract at $0.01: $0.000693 rounds up to a cent
    Decimal('0.01')
    """
    return exact_taker_fee(fills, multiplier).quantize(_CENT, ROUND_CEILING, _CONTEXT)
