"""Wire units and the order-intent mapping: the one place prices, sizes and money are converted.

Every unit the Trade API speaks is parsed and formatted here, exactly (integers or ``Decimal``,
never ``float``), and nowhere else. No I/O here.

Wire units (kalshi-rest.md 4.2):

* ``$``  dollar strings with 2-6 decimals (``"0.5600"``): prices and money;
* ``fp`` fixed-point contract counts with 2 decimals (``"10.00"``), negative in deltas/positions;
* ``¢``  integer cents (legacy prices; still used for balances);
* ``c¢`` integer centi-cents (10000 = $1).

Inside kalshikit a price is an ``int`` number of ticks of $0.0001 (``0..10000``) and a size an
``int`` number of centi-contracts; ``Price`` and ``Contracts`` wrap them at the edges. Money is
``Decimal`` dollars. Users say yes/no + buy/sell + the price of the side they name;
``intent_to_wire`` turns that into the V2 book side and YES price (DESIGN.md table).
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Final, Literal, NamedTuple, NoReturn, Self, TypeAlias, cast

from kalshikit.errors import ValidationError

__all__ = [
    "ACTIONS",
    "BOOK_SIDES",
    "CENTI_MEMO",
    "CENTI_PER_CONTRACT",
    "SIDES",
    "TICKS_MEMO",
    "TICKS_PER_CENT",
    "TICKS_PER_DOLLAR",
    "Action",
    "BookSide",
    "Contracts",
    "Money",
    "Price",
    "PriceGrid",
    "Side",
    "TickRange",
    "cached_dollars_to_ticks",
    "cached_fp_to_centi",
    "centi_to_fp",
    "centicents_to_ticks",
    "cents_to_ticks",
    "dollars_to_ticks",
    "format_money",
    "fp_to_centi",
    "intent_to_wire",
    "money_from_centicents",
    "money_from_cents",
    "parse_action",
    "parse_book_side",
    "parse_money",
    "parse_side",
    "refuse_float",
    "ticks_to_dollars",
    "wire_to_intent",
]

TICKS_PER_DOLLAR: Final = 10_000
CENTI_PER_CONTRACT: Final = 100
TICKS_PER_CENT: Final = 100

Side = Literal["yes", "no"]
Action = Literal["buy", "sell"]
BookSide = Literal["bid", "ask"]
Money: TypeAlias = Decimal

SIDES: Final[tuple[Side, ...]] = ("yes", "no")
ACTIONS: Final[tuple[Action, ...]] = ("buy", "sell")
BOOK_SIDES: Final[tuple[BookSide, ...]] = ("bid", "ask")

_PRICE_PLACES: Final = 4  # ticks of $0.0001
_SIZE_PLACES: Final = 2  # centi-contracts
_MONEY_PLACES: Final = 6  # the wire's finest dollar amount
_MAX_DIGITS: Final = 30  # longer numbers are garbage, and int() on huge strings is slow


# --- exact number reading -------------------------------------------------------------------


def refuse_float(value: object, name: str, example: str) -> None:
    """Raise ValidationError if ``value`` is a float (floats cannot hold $0.56 exactly)."""
    if isinstance(value, float):
        raise ValidationError(
            f"{name} got the float {value!r}; floats are not exact - "
            f"pass a string or Decimal such as {example}"
        )


def _plain_digits(digits: str) -> bool:
    # int() would also take "_", spaces, signs and non-ASCII digits; the wire has none of them
    return digits.isdigit() and digits.isascii() and len(digits) <= _MAX_DIGITS


def _parse_fixed(text: str, places: int, what: str, *, signed: bool) -> int:
    """``text`` (plain decimal digits) as an integer count of 10**-places units, exactly."""
    if not isinstance(text, str):
        raise ValidationError(f"{what} must be a string such as '1.00', got {text!r}")
    negative = signed and text.startswith("-")
    whole, _, frac = (text[1:] if negative else text).partition(".")
    digits = whole + frac
    if not _plain_digits(digits):
        if not signed and text.startswith("-"):
            raise ValidationError(f"{what} must not be negative, got {text!r}")
        raise ValidationError(f"{what} must be a plain decimal number, got {text!r}")
    if frac[places:].strip("0"):
        raise ValidationError(f"{what} {text!r} has more than {places} decimal places")
    scale: int = 10**places
    units = int(whole or "0") * scale + int(frac[:places].ljust(places, "0"))
    return -units if negative else units


def _decimal_units(value: Decimal, places: int, what: str) -> int:
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


def _require_int(value: object, what: str) -> int:
    refuse_float(value, what, "'56'")
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"{what} must be an integer, got {value!r}")
    return value


# --- fast wire parsers and formatters (WebSocket hot path) -----------------------------------


def dollars_to_ticks(text: str) -> int:
    """A ``$`` string to ticks of $0.0001: ``"0.56"``, ``"0.5600"``, ``"0.560000"`` -> 5600.

    Refuses negatives, non-numbers and anything finer than a tick. No upper bound: ``Price``
    checks the [0, 1] range.
    """
    if type(text) is str:  # fast path for the wire's own 4-decimal form; the rest goes slowly
        whole, _, frac = text.partition(".")
        digits = whole + frac
        if len(frac) == _PRICE_PLACES and _plain_digits(digits):
            return int(digits)
    return _parse_fixed(text, _PRICE_PLACES, "a dollar price", signed=False)


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
        if len(frac) == _SIZE_PLACES and _plain_digits(digits):
            return -int(digits) if negative else int(digits)
    return _parse_fixed(text, _SIZE_PLACES, "a contract count", signed=True)


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
    return _require_int(cents, "cents") * TICKS_PER_CENT


def centicents_to_ticks(cc: int) -> int:
    """Centi-cents (10000 = $1) to ticks: the same scale, named so call sites say what they mean."""
    return _require_int(cc, "centi-cents")


# --- money (Decimal dollars) ------------------------------------------------------------------


def parse_money(text: str | int | Decimal) -> Decimal:
    """A dollar amount, exactly: ``"12.345600"`` or ``"-3.50"``, an int of whole dollars, a Decimal.

    Refuses floats and anything finer than $0.000001 (the wire's finest unit).
    """
    refuse_float(text, "parse_money", "'12.50'")
    if isinstance(text, str):
        _parse_fixed(text, _MONEY_PLACES, "a dollar amount", signed=True)
        return Decimal(text)
    if isinstance(text, Decimal):
        _decimal_units(text, _MONEY_PLACES, "a dollar amount")
        return text
    return Decimal(_require_int(text, "a dollar amount"))


def money_from_cents(cents: int) -> Decimal:
    """Integer cents (balances, settlement revenue) to dollars: 12345 -> Decimal('123.45')."""
    return Decimal(_require_int(cents, "cents")).scaleb(-2)


def money_from_centicents(cc: int) -> Decimal:
    """Integer centi-cents (10000 = $1) to dollars: 5600 -> Decimal('0.5600')."""
    return Decimal(_require_int(cc, "centi-cents")).scaleb(-4)


def format_money(value: Decimal, places: int = 4) -> str:
    """Dollars as a wire string with ``places`` decimals; refuses to round silently."""
    refuse_float(value, "format_money", "Decimal('12.50')")
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise ValidationError(f"format_money needs a Decimal, got {value!r}")
    if type(places) is not int or places < 0:
        raise ValidationError(f"format_money places must be an int >= 0, got {places!r}")
    units = _decimal_units(Decimal(value), places, "a dollar amount to format")
    scale: int = 10**places
    whole, frac = divmod(abs(units), scale)
    sign = "-" if units < 0 else ""
    return f"{sign}{whole}.{frac:0{places}d}" if places else f"{sign}{whole}"


# --- Price --------------------------------------------------------------------------------------


def _ticks_from_dollars(value: object) -> int:
    """Ticks of a user's dollar price (a Price, a string like '0.56' or '$0.56', a Decimal)."""
    if isinstance(value, Price):
        return value.ticks
    refuse_float(value, "Price", "'0.56'")
    if isinstance(value, str):
        ticks = _parse_fixed(value.strip().removeprefix("$"), _PRICE_PLACES, "a price", signed=True)
    elif isinstance(value, Decimal):
        ticks = _decimal_units(value, _PRICE_PLACES, "a price")
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


class _Exact:
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
        return isinstance(other, _Exact) and type(other) is type(self) and other._n == self._n

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


class Price(_Exact):
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
            ticks = _parse_fixed(value.strip(), 2, "a price in cents", signed=True)
        elif isinstance(value, Decimal):
            ticks = _decimal_units(value, 2, "a price in cents")
        else:
            ticks = _require_int(value, "a price in cents") * TICKS_PER_CENT
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
        return Decimal(self._n).scaleb(-_PRICE_PLACES)

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


# --- Contracts ----------------------------------------------------------------------------------


def _centi_from_count(value: object) -> int:
    """Centi-contracts of a user's count: 10 (contracts), '2.5', Decimal('0.01'), Contracts."""
    if isinstance(value, Contracts):
        return value.centi
    refuse_float(value, "Contracts", "'2.5' or Decimal('2.5')")
    if isinstance(value, str):
        return fp_to_centi(value.strip())
    if isinstance(value, Decimal):
        return _decimal_units(value, _SIZE_PLACES, "a contract count")
    return _require_int(value, "a contract count") * CENTI_PER_CONTRACT


class Contracts(_Exact):
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
        return Decimal(self._n).scaleb(-_SIZE_PLACES)

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


# --- the order-intent mapping ---------------------------------------------------------------


def _one_of(value: object, allowed: tuple[str, ...], name: str) -> str:
    if value not in allowed:
        choices = ", ".join(repr(choice) for choice in allowed)
        raise ValidationError(f"{name} must be one of {choices}; got {value!r}")
    return value


def parse_side(value: object) -> Side:
    return cast(Side, _one_of(value, SIDES, "side"))


def parse_action(value: object) -> Action:
    return cast(Action, _one_of(value, ACTIONS, "action"))


def parse_book_side(value: object) -> BookSide:
    return cast(BookSide, _one_of(value, BOOK_SIDES, "book side"))


def _require_price(price: object) -> Price:
    if not isinstance(price, Price):
        raise ValidationError(f"expected a Price such as Price('0.56'), got {price!r}")
    return price


def intent_to_wire(side: Side, action: Action, price: Price) -> tuple[BookSide, Price]:
    """What the user says (buy NO at $0.40) to the V2 order: (YES-book side, YES price).

    buy YES p -> bid p; sell YES p -> ask p; buy NO q -> ask 1-q; sell NO q -> bid 1-q.
    """
    side, action, price = parse_side(side), parse_action(action), _require_price(price)
    buys_yes = (side == "yes") == (action == "buy")  # selling NO is economically buying YES
    yes_price = price if side == "yes" else price.complement()
    return ("bid" if buys_yes else "ask"), yes_price


def wire_to_intent(book_side: BookSide, yes_price: Price, side: Side) -> tuple[Action, Price]:
    """A V2 (book side, YES price) seen from ``side``: ("ask", $0.60) as "no" -> ("buy", $0.40)."""
    book_side, side = parse_book_side(book_side), parse_side(side)
    yes_price = _require_price(yes_price)
    buys_yes = book_side == "bid"
    buys = buys_yes if side == "yes" else not buys_yes
    price = yes_price if side == "yes" else yes_price.complement()
    return ("buy" if buys else "sell"), price
