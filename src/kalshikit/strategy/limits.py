"""Risk limits: what a user writes (contracts, dollars, cents, in TOML or a mapping) read into
exact units (centi-contracts, micro-dollars, ticks of $0.0001). ``None`` means no limit.

Numbers may be integers or decimal strings (``max_market_dollars = "250.50"``); a float is
refused, as everywhere in kalshikit, because 0.1 is not exact.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Final

from kalshikit.errors import ValidationError

__all__ = ["MICRO_PER_DOLLAR", "RiskLimits"]

MICRO_PER_DOLLAR: Final = 1_000_000
_HINT: Final = "an integer or a decimal string"


def _exact(value: object, name: str, places: int) -> int:
    """``value`` (int, decimal string or Decimal) times 10**places, exactly and positive."""
    if isinstance(value, bool) or not isinstance(value, int | str | Decimal):
        shown = f"{value!r} ({type(value).__name__})"
        raise ValidationError(f'{name} takes {_HINT} such as 10 or "2.5"; got {shown}')
    try:
        number = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        raise ValidationError(f'{name} takes {_HINT} such as 10 or "2.5"; got {value!r}') from None
    scaled = number.scaleb(places)
    if not number.is_finite() or scaled != scaled.to_integral_value():
        raise ValidationError(f"{name} allows at most {places} decimals; got {value!r}")
    if scaled <= 0:
        raise ValidationError(f"{name} must be positive (leave it out for no limit); got {value!r}")
    return int(scaled)


@dataclass(frozen=True, slots=True)
class RiskLimits:
    """Limits in exact units; build them with :meth:`parse` or :meth:`from_file` from user units.

    - ``max_order_centi``: one order's size;
    - ``max_position_centi``: |position + resting orders of the same direction + the order| in
      one market;
    - ``max_event_centi``: the sum of |position| + resting over the markets of one event, plus
      the order;
    - ``max_market_micro`` / ``max_event_micro``: dollars at risk (what the position cost, plus
      what resting orders that add to it and the order would pay);
    - ``price_band_ticks``: how far through the far touch of the book an order may be priced;
    - ``max_orders_per_minute``: orders allowed in any sliding 60 s;
    - ``max_daily_loss_micro``: once the day's P&L is below minus this, only orders that reduce
      a position are allowed.
    """

    max_order_centi: int | None = None
    max_position_centi: int | None = None
    max_event_centi: int | None = None
    max_market_micro: int | None = None
    max_event_micro: int | None = None
    price_band_ticks: int | None = None
    max_orders_per_minute: int | None = None
    max_daily_loss_micro: int | None = None

    @classmethod
    def parse(cls, mapping: Mapping[str, object]) -> RiskLimits:
        """From user units: the keys of :data:`USER_KEYS`; unknown keys are refused."""
        if not isinstance(mapping, Mapping):
            raise ValidationError(f"risk limits are a table of names and numbers; got {mapping!r}")
        unknown = sorted(str(key) for key in mapping if key not in USER_KEYS)
        if unknown:
            known = ", ".join(USER_KEYS)
            raise ValidationError(
                f"unknown risk limit {', '.join(unknown)}; the limits are {known}"
            )
        values: dict[str, int] = {}
        for key, value in mapping.items():
            if value is not None:
                field_name, places = USER_KEYS[key]
                values[field_name] = _exact(value, key, places)
        return cls(**values)

    @classmethod
    def from_file(cls, path: Path | str) -> RiskLimits:
        """A TOML file of limits, at the top level or under a ``[risk]`` table."""
        try:
            with open(path, "rb") as handle:
                document = tomllib.load(handle)
        except OSError as error:
            raise ValidationError(f"cannot read the risk limits {path}: {error.strerror}") from None
        except tomllib.TOMLDecodeError as error:
            raise ValidationError(f"the risk limits {path} are not valid TOML: {error}") from None
        table = document.get("risk", document)
        try:
            return cls.parse(table)
        except ValidationError as error:
            raise ValidationError(f"{path}: {error}") from None

    def describe(self) -> dict[str, str | None]:
        """The limits back in user units (strings), for logs and reports."""
        shown: dict[str, str | None] = {}
        for key, (field_name, places) in USER_KEYS.items():
            value = getattr(self, field_name)
            shown[key] = None if value is None else str(Decimal(value).scaleb(-places).normalize())
        return shown


# user key -> (field, decimal places of the exact unit): contracts to centi-contracts (1/100),
# dollars to micro-dollars, cents to ticks (a tick of $0.0001 is 1/100 of a cent)
USER_KEYS: Final[dict[str, tuple[str, int]]] = {
    "max_order_contracts": ("max_order_centi", 2),
    "max_position_contracts": ("max_position_centi", 2),
    "max_event_contracts": ("max_event_centi", 2),
    "max_market_dollars": ("max_market_micro", 6),
    "max_event_dollars": ("max_event_micro", 6),
    "price_band_cents": ("price_band_ticks", 2),
    "max_orders_per_minute": ("max_orders_per_minute", 0),
    "max_daily_loss_dollars": ("max_daily_loss_micro", 6),
}
assert {name for name, _ in USER_KEYS.values()} == {f.name for f in fields(RiskLimits)}
