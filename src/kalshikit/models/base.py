"""The shared base of every REST wire struct, and the current-or-January readers. No I/O here.

Every struct is keyword-only and frozen (each class repeats ``kw_only=True, frozen=True`` so mypy
sees it) and ignores fields it does not know (msgspec's default), so a field Kalshi adds tomorrow
is dropped instead of failing the decode. Field names are the wire names. The one exception:
January 2026 integer fields (cents, whole contracts) that a current field replaced are declared
under a unit-suffixed attribute (``_cents`` or ``_int``), the wire name kept through
``msgspec.field(name=...)``, so the plain name stays free for a typed property that reads the
current field first and falls back to the January one. Unit conversion itself is
:mod:`kalshikit.units`'s.
"""

from __future__ import annotations

import msgspec

from kalshikit.units import Contracts, Price

__all__ = ["WireModel", "contracts_of", "price_of", "to_wire_builtins"]


class WireModel(msgspec.Struct, kw_only=True, frozen=True):
    """Base for the REST wire structs: keyword-only, frozen, unknown fields ignored."""


def price_of(dollars: str | None, cents: int | None) -> Price | None:
    """The current ``*_dollars`` price, else the January cents, else None."""
    if dollars is not None:
        return Price.from_dollars(dollars)
    return None if cents is None else Price.from_cents(cents)


def contracts_of(fp: str | None, count: int | None) -> Contracts | None:
    """The current ``*_fp`` count, else the January integer count, else None."""
    if fp is not None:
        return Contracts.from_fp(fp)
    return None if count is None else Contracts.parse(count)


def to_wire_builtins(value: object) -> object:
    """Wire structs (or lists and dicts of them) as JSON-ready builtins, wire names kept and
    None-valued keys left out at every depth: the API omits empty optional fields, and a
    January-only attribute must never surface as ``null`` beside its current twin."""
    return _without_nulls(msgspec.to_builtins(value))


def _without_nulls(value: object) -> object:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value
