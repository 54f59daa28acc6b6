"""Compact pickling for the exchange's many small records (orders, fills, trades).

No I/O here. A slotted dataclass pickles by default as a dict of its fields, name by name; as
its class and a tuple of field values it writes and reads about five times faster and smaller,
which is most of a snapshot's cost. Every field of such a class must be an ``__init__``
parameter, in order (true of plain dataclasses).
"""

from __future__ import annotations

import dataclasses
from operator import attrgetter
from typing import Any

__all__ = ["Compact"]

_GETTERS: dict[type, attrgetter[Any]] = {}


class Compact:
    """Mixin for a dataclass: pickled as ``(class, field values)``."""

    __slots__ = ()

    def __reduce__(self) -> tuple[type, tuple[Any, ...]]:
        kind = type(self)
        getter = _GETTERS.get(kind)
        if getter is None:
            names = [field.name for field in dataclasses.fields(self)]  # type: ignore[arg-type]
            getter = _GETTERS[kind] = attrgetter(*names)
        return kind, getter(self)
