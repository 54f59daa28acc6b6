"""Checks on request parameters, run before a request is built. No I/O here."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from datetime import datetime
from typing import Final

from kalshikit.errors import ValidationError

MARKET_FILTER_STATUSES: Final = ("unopened", "open", "closed", "settled")
EVENT_FILTER_STATUSES: Final = MARKET_FILTER_STATUSES
# Users often pass the status a market object shows; the filter has its own vocabulary.
_OBJECT_TO_FILTER_STATUS: Final = {
    "active": "open",
    "initialized": "unopened",
    "finalized": "settled",
    "determined": "closed",
}
CANDLE_PERIODS: Final = (1, 60, 1440)


def filter_status(value: str | None, allowed: Sequence[str] = MARKET_FILTER_STATUSES) -> str | None:
    """A status for a list filter; the object vocabulary is mapped with a warning."""
    if value is None:
        return None
    text = value.strip().lower()
    if text in allowed:
        return text
    if text in _OBJECT_TO_FILTER_STATUS:
        mapped = _OBJECT_TO_FILTER_STATUS[text]
        warnings.warn(
            f"status {value!r} is a market's state, not a filter; using {mapped!r}",
            UserWarning,
            stacklevel=4,
        )
        return mapped
    raise ValidationError(f"status must be one of {', '.join(allowed)}; got {value!r}")


def timestamp(value: int | datetime | None, name: str) -> int | None:
    """Unix seconds from an int or an aware datetime; a naive datetime is ambiguous and refused."""
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValidationError(f"{name} is a naive datetime; give it a timezone (e.g. UTC)")
        return int(value.timestamp())
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"{name} must be unix seconds (int) or an aware datetime")
    return value


def tickers(values: str | Sequence[str] | None, name: str, most: int) -> list[str] | None:
    """A list of tickers (a single string is one ticker), at most ``most`` of them."""
    if values is None:
        return None
    items = [values] if isinstance(values, str) else list(values)
    if not items or len(items) > most or not all(isinstance(t, str) and t for t in items):
        raise ValidationError(f"{name} takes 1 to {most} non-empty tickers; got {len(items)}")
    return items


def in_range(value: int | None, name: str, low: int, high: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError(f"{name} must be a whole number from {low} to {high}; got {value!r}")
    return value


def candle_period(value: int) -> int:
    if value not in CANDLE_PERIODS:
        raise ValidationError(
            f"period_interval must be 1 (minute), 60 (hour) or 1440 (day); got {value!r}"
        )
    return value


def series_of(market_ticker: str) -> str:
    """The series ticker a market ticker starts with (``KXBTCD-26NOV30-T95000`` -> ``KXBTCD``)."""
    return market_ticker.split("-", 1)[0]
