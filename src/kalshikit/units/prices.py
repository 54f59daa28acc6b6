"""Prices and the price grids markets accept.

``Price``: a price between $0 and $1 in ticks of $0.0001. ``PriceGrid``: the prices one market
accepts, from its ``price_ranges`` (or its named ``price_level_structure``). No I/O here.
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Final, NamedTuple, TypeAlias

from kalshikit.errors import ValidationError
from kalshikit.units._exact import (
    PRICE_PLACES,
    ExactValue,
    decimal_units,
    parse_fixed,
    refuse_float,
    require_int,
)
from kalshikit.units.wire import TICKS_PER_CENT, TICKS_PER_DOLLAR, ticks_to_dollars

__all__ = ["Price", "PriceGrid", "RangeLike", "TickRange"]


# --- Price --------------------------------------------------------------------------------------


def _ticks_from_dollars(value: object) -> int:
    """Ticks of a user's dollar price (a Price, a string like '0.56' or '$0.56', a Decimal)."""
    if isinstance(value, Price):
        return value.ticks
    refuse_float(value, "Price", "'0.56'")
    if isinstance(value, str):
        ticks = parse_fixed(value.strip().removeprefix("$"), PRICE_PLACES, "a price", signed=True)
    elif isinstance(value, Decimal):
        ticks = decimal_units(value, PRICE_PLACES, "a price")
    elif isinstance(value, int):
        kind = type(value).__name__
        raise ValidationError(
            f"a dollar price must be a string or Decimal, got the {kind} {value!r}; "
            "pass '0.56' (dollars) or price_cents=56 / Price.from_cents(56) (cents)"
        )
    else:
        raise ValidationError(f"a price must be a dollar string such as '0.56', got {value!r}")
    return _check_price_range(ticks, value)


def _check_price_range(ticks: int, shown: object) -> int:
    if 0 <= ticks <= TICKS_PER_DOLLAR:
        return ticks
    hint = ""
    if TICKS_PER_DOLLAR < ticks <= 100 * TICKS_PER_DOLLAR:
        hint = " (cents? use price_cents= or Price.from_cents)"
    raise ValidationError(f"a price must be between $0 and $1, got {shown!s}{hint}")


class Price(ExactValue):
    """A price between $0 and $1 in ticks of $0.0001: immutable, hashable, totally ordered.

    ``Price("0.56")`` reads dollars; see also ``from_cents`` and ``from_ticks``. A Price equals
    only another Price (never a float or an int).
    """

    __slots__ = ()

    def __init__(self, dollars: Price | str | Decimal) -> None:
        object.__setattr__(self, "_n", _ticks_from_dollars(dollars))

    @classmethod
    def from_ticks(cls, ticks: int) -> Price:
        """The price of ``ticks`` ticks of $0.0001 (0..10000); the cheap constructor."""
        if type(ticks) is not int or not 0 <= ticks <= TICKS_PER_DOLLAR:
            raise ValidationError(f"price ticks must be an int in 0..10000, got {ticks!r}")
        return cls._of(ticks)

    @classmethod
    def from_dollars(cls, value: str | Decimal) -> Price:
        """``"0.56"``, ``Decimal("0.565")``; refuses floats, ints, out of [0, 1], sub-ticks."""
        return cls._of(_ticks_from_dollars(value))

    @classmethod
    def from_cents(cls, value: int | Decimal | str) -> Price:
        """56 -> $0.56, ``Decimal("56.5")`` -> $0.565; refuses floats and out of [0, 100]."""
        refuse_float(value, "Price.from_cents", "56 or Decimal('56.5')")
        if isinstance(value, str):
            ticks = parse_fixed(value.strip(), 2, "a price in cents", signed=True)
        elif isinstance(value, Decimal):
            ticks = decimal_units(value, 2, "a price in cents")
        else:
            ticks = require_int(value, "a price in cents") * TICKS_PER_CENT
        if not 0 <= ticks <= TICKS_PER_DOLLAR:
            raise ValidationError(f"a price in cents must be between 0 and 100, got {value}")
        return cls._of(ticks)

    @classmethod
    def parse(cls, value: Price | str | Decimal) -> Price:
        """A Price as is, or dollars read as by ``from_dollars``."""
        return value if isinstance(value, Price) else cls.from_dollars(value)

    @property
    def ticks(self) -> int:
        return self._n

    @property
    def dollars(self) -> Decimal:
        """Dollars with 4 decimals: Decimal('0.5600')."""
        return Decimal(self._n).scaleb(-PRICE_PLACES)

    @property
    def cents(self) -> Decimal:
        """Cents with 2 decimals: Decimal('56.00'), Decimal('56.50')."""
        return Decimal(self._n).scaleb(-2)

    def complement(self) -> Price:
        """1 - p: the NO price of a YES price, and back."""
        return Price._of(TICKS_PER_DOLLAR - self._n)

    def to_wire(self) -> str:
        return ticks_to_dollars(self._n)

    def _decimal(self) -> Decimal:
        return self.dollars

    def __str__(self) -> str:
        whole, frac = divmod(self._n, TICKS_PER_DOLLAR)
        return f"${whole}.{f'{frac:04d}'.rstrip('0').ljust(2, '0')}"


# --- price grids --------------------------------------------------------------------------------


class TickRange(NamedTuple):
    """One of a market's ``price_ranges``, in ticks: valid prices are start, start+step, ... end."""

    start: int
    end: int
    step: int

    def describe(self) -> str:
        start, end, step = (Price.from_ticks(t) for t in self)
        return f"ticks of {step} between {start} and {end}"


_STRUCTURES: Final[dict[str, tuple[TickRange, ...]]] = {
    "linear_cent": (TickRange(0, 10_000, 100),),
    "deci_cent": (TickRange(0, 10_000, 10),),
    "tapered_deci_cent": (
        TickRange(0, 1_000, 10),
        TickRange(1_000, 9_000, 100),
        TickRange(9_000, 10_000, 10),
    ),
}

RangeLike: TypeAlias = Mapping[str, str] | tuple[str, str, str] | object


def _range_field(item: RangeLike, name: str, index: int) -> object:
    if isinstance(item, Mapping):
        return item.get(name)
    if isinstance(item, tuple | list):
        return item[index] if len(item) == 3 else None
    return getattr(item, name, None)


def _tick_range(item: RangeLike) -> TickRange:
    """One ``{start, end, step}`` item (mapping, 3-tuple or object with attributes) in ticks."""
    fields = [_range_field(item, name, i) for i, name in enumerate(("start", "end", "step"))]
    if any(field is None for field in fields):
        raise ValidationError(f"a price range needs start, end and step; got {item!r}")
    start, end, step = (_ticks_from_dollars(field) for field in fields)
    return TickRange(start, end, step)


def _checked(tick_range: TickRange) -> TickRange:
    start, end, step = tick_range
    if not (0 <= start <= end <= TICKS_PER_DOLLAR and step > 0):
        raise ValidationError(
            f"a price range needs 0 <= start <= end <= 1 and step > 0; got "
            f"start={ticks_to_dollars(start)} end={ticks_to_dollars(end)} "
            f"step={ticks_to_dollars(step)}"
        )
    return tick_range


class PriceGrid:
    """The prices one market accepts, from its ``price_ranges``; immutable and shared.

    Each range holds start, start+step, ... up to end, both ends included, so consecutive
    ranges that share an endpoint both allow it. ``allows`` covers $0 and $1 when they sit on
    the grid; ``ticks``, ``neighbours`` and ``check_order_price`` deal in tradeable prices only
    (strictly between $0 and $1).
    """

    __slots__ = ("_on_grid", "_ranges", "_tradeable")

    def __init__(self, ranges: Sequence[TickRange]) -> None:
        if not ranges:
            raise ValidationError("a price grid needs at least one price range")
        self._ranges = tuple(sorted(_checked(TickRange(*r)) for r in ranges))
        points: set[int] = set()
        for start, end, step in self._ranges:
            points.update(range(start, end + 1, step))
        self._on_grid = frozenset(points)
        self._tradeable = tuple(sorted(t for t in points if 0 < t < TICKS_PER_DOLLAR))

    @classmethod
    def from_ranges(cls, ranges: Iterable[RangeLike]) -> PriceGrid:
        """From a market's ``price_ranges``: ``[{"start": "0.0000", "end": "1.0000", ...}]``."""
        if isinstance(ranges, str | bytes | Mapping):
            raise ValidationError(f"price_ranges must be a list of ranges, got {ranges!r}")
        return _shared_grid(tuple(_tick_range(item) for item in ranges))

    @classmethod
    def for_structure(cls, name: str) -> PriceGrid:
        """The grid of a named ``price_level_structure`` (kalshi-rest.md 4.3)."""
        if name not in _STRUCTURES:
            known = ", ".join(sorted(_STRUCTURES))
            raise ValidationError(
                f"unknown price_level_structure {name!r}: known ones are {known}; "
                f"for others build the grid from the market's price_ranges"
            )
        return _shared_grid(_STRUCTURES[name])

    @classmethod
    def for_market(
        cls, price_ranges: Iterable[RangeLike] | None, price_level_structure: str | None
    ) -> PriceGrid:
        """The grid of a market: its ``price_ranges`` (authoritative), else its structure name."""
        ranges = list(price_ranges or ())
        if ranges:
            return cls.from_ranges(ranges)
        if price_level_structure:
            return cls.for_structure(price_level_structure)
        raise ValidationError("the market has neither price_ranges nor price_level_structure")

    @property
    def ranges(self) -> tuple[TickRange, ...]:
        return self._ranges

    def allows(self, price: Price) -> bool:
        return price.ticks in self._on_grid

    def allows_ticks(self, ticks: int) -> bool:
        return ticks in self._on_grid

    def ticks(self) -> Iterator[int]:
        """Every tradeable price on the grid, in ticks, ascending."""
        return iter(self._tradeable)

    def neighbours(self, price: Price) -> tuple[Price | None, Price | None]:
        """The nearest tradeable prices strictly below and strictly above ``price``."""
        tradeable, ticks = self._tradeable, price.ticks
        below = bisect.bisect_left(tradeable, ticks)
        above = bisect.bisect_right(tradeable, ticks)
        return (
            Price.from_ticks(tradeable[below - 1]) if below > 0 else None,
            Price.from_ticks(tradeable[above]) if above < len(tradeable) else None,
        )

    def step_at(self, price: Price) -> Price:
        """The tick size at ``price``; at a shared endpoint, the step of the range it starts."""
        for start, end, step in reversed(self._ranges):
            if start <= price.ticks <= end:
                return Price.from_ticks(step)
        raise ValidationError(f"{price} is outside this market's price grid ({self.describe()})")

    def check_order_price(self, price: Price) -> None:
        """Refuse a price that is not tradeable: not strictly between $0 and $1, or off the grid."""
        if 0 < price.ticks < TICKS_PER_DOLLAR and price.ticks in self._on_grid:
            return
        if price.ticks in (0, TICKS_PER_DOLLAR):
            problem = f"{price} is not a tradeable price: it must be strictly between $0 and $1"
        else:
            problem = f"{price} is not on this market's price grid ({self.describe()})"
        raise ValidationError(f"{problem}; {self._nearest_text(price)}")

    def describe(self) -> str:
        """``ticks of $0.01 between $0.10 and $0.90; ...``"""
        return "; ".join(tick_range.describe() for tick_range in self._ranges)

    def _nearest_text(self, price: Price) -> str:
        found = [str(p) for p in self.neighbours(price) if p is not None]
        if not found:
            return "this market has no tradeable prices"
        if len(found) == 1:
            return f"the nearest valid price is {found[0]}"
        return f"the nearest valid prices are {found[0]} and {found[1]}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PriceGrid) and other._ranges == self._ranges

    def __hash__(self) -> int:
        return hash(self._ranges)

    def __repr__(self) -> str:
        return f"PriceGrid({self.describe()})"


@functools.lru_cache(maxsize=256)
def _shared_grid(ranges: tuple[TickRange, ...]) -> PriceGrid:
    # thousands of markets share a handful of grids; build each once
    return PriceGrid(ranges)
