"""The wire's numbers and the integers kalshikit keeps: ticks of $0.0001 and centi-contracts.

``$`` price strings to ticks and back, ``fp`` count strings to centi-contracts and back (with the
memos the WebSocket hot path reads directly), legacy integer cents and centi-cents. Exact: no
``float`` anywhere. No I/O here.
"""

from __future__ import annotations

from typing import Final

from kalshikit.units._exact import PRICE_PLACES, SIZE_PLACES, parse_fixed, plain_digits, require_int

__all__ = [
    "CENTI_MEMO",
    "CENTI_PER_CONTRACT",
    "TICKS_MEMO",
    "TICKS_PER_CENT",
    "TICKS_PER_DOLLAR",
    "cached_dollars_to_ticks",
    "cached_fp_to_centi",
    "centi_to_fp",
    "centicents_to_ticks",
    "cents_to_ticks",
    "dollars_to_ticks",
    "fp_to_centi",
    "ticks_to_dollars",
]

TICKS_PER_DOLLAR: Final = 10_000
CENTI_PER_CONTRACT: Final = 100
TICKS_PER_CENT: Final = 100


def dollars_to_ticks(text: str) -> int:
    """A ``$`` string to ticks of $0.0001: ``"0.56"``, ``"0.5600"``, ``"0.560000"`` -> 5600.

    Refuses negatives, non-numbers and anything finer than a tick. No upper bound: ``Price``
    checks the [0, 1] range.
    """
    if type(text) is str:  # fast path for the wire's own 4-decimal form; the rest goes slowly
        whole, _, frac = text.partition(".")
        digits = whole + frac
        if len(frac) == PRICE_PLACES and plain_digits(digits):
            return int(digits)
    return parse_fixed(text, PRICE_PLACES, "a dollar price", signed=False)


def ticks_to_dollars(ticks: int) -> str:
    """Ticks to the wire's 4-decimal price string: 5600 -> ``"0.5600"``."""
    whole, frac = divmod(abs(ticks), TICKS_PER_DOLLAR)
    return f"{'-' if ticks < 0 else ''}{whole}.{frac:04d}"


def fp_to_centi(text: str) -> int:
    """An ``fp`` count to centi-contracts: ``"10.00"`` -> 1000, ``"-0.5"`` -> -50."""
    if type(text) is str:  # fast path for the wire's own 2-decimal form; the rest goes slowly
        whole, _, frac = text.partition(".")
        negative = whole.startswith("-")
        digits = (whole[1:] if negative else whole) + frac
        if len(frac) == SIZE_PLACES and plain_digits(digits):
            return -int(digits) if negative else int(digits)
    return parse_fixed(text, SIZE_PLACES, "a contract count", signed=True)


def centi_to_fp(centi: int) -> str:
    """Centi-contracts to the wire's 2-decimal count string: 1000 -> ``"10.00"``."""
    whole, frac = divmod(abs(centi), CENTI_PER_CONTRACT)
    return f"{'-' if centi < 0 else ''}{whole}.{frac:02d}"


# A stream repeats the same few thousand price and size strings; a memo turns the parse into one
# dict lookup. Bounded, so odd shapes cannot grow it without limit (every 4-dp price fits).
_MEMO_LIMIT: Final = 40_000
TICKS_MEMO: Final[dict[str, int]] = {}  # read directly by the stream's hot path
CENTI_MEMO: Final[dict[str, int]] = {}


def cached_dollars_to_ticks(text: str) -> int:
    """:func:`dollars_to_ticks`, memoized for the WebSocket hot path."""
    ticks = TICKS_MEMO.get(text)
    if ticks is None:
        ticks = dollars_to_ticks(text)
        if len(TICKS_MEMO) < _MEMO_LIMIT:
            TICKS_MEMO[text] = ticks
    return ticks


def cached_fp_to_centi(text: str) -> int:
    """:func:`fp_to_centi`, memoized for the WebSocket hot path."""
    centi = CENTI_MEMO.get(text)
    if centi is None:
        centi = fp_to_centi(text)
        if len(CENTI_MEMO) < _MEMO_LIMIT:
            CENTI_MEMO[text] = centi
    return centi


def cents_to_ticks(cents: int) -> int:
    """Legacy integer cents (a price of 56¢) to ticks (5600)."""
    return require_int(cents, "cents") * TICKS_PER_CENT


def centicents_to_ticks(cc: int) -> int:
    """Centi-cents (10000 = $1) to ticks: the same scale, named so call sites say what they mean."""
    return require_int(cc, "centi-cents")
