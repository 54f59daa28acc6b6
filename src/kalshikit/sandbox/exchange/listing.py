"""A listing the exchange pages over whose old entries can leave memory: trades, fills, orders.

No I/O here. Entries are appended in time order and each keeps the number it was appended
under, so a cursor (a number, see ``_pages``) taken before old entries were dropped still
points at the same place afterwards. Dropping is either the oldest ``count`` (time-ordered
records) or any entries a predicate rejects (orders, where an old one may still rest).
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterator, Sequence
from typing import Generic, TypeVar, overload

__all__ = ["Listing"]

T = TypeVar("T")


class Listing(Sequence[T], Generic[T]):
    """Append-only but for dropping; ``numbers[i]`` is the append number of ``self[i]``."""

    __slots__ = ("_items", "_next", "numbers")

    def __init__(self) -> None:
        self._items: list[T] = []
        # 8 bytes an entry: cheaper than a second list of int objects
        self.numbers = array("q")
        self._next = 0

    @property
    def appended(self) -> int:
        """How many entries were ever appended (the next one's number)."""
        return self._next

    def append(self, item: T) -> None:
        self._items.append(item)
        self.numbers.append(self._next)
        self._next += 1

    def drop_oldest(self, count: int) -> list[T]:
        """Drop the first ``count`` entries; returns them."""
        dropped = self._items[:count]
        del self._items[:count], self.numbers[:count]
        return dropped

    def drop_unless(self, keep: Callable[[int, T], bool]) -> list[T]:
        """Drop every entry for which ``keep(index, entry)`` is false; returns them."""
        kept, numbers, dropped = [], array("q"), []
        for index, (number, item) in enumerate(zip(self.numbers, self._items, strict=True)):
            if keep(index, item):
                kept.append(item)
                numbers.append(number)
            else:
                dropped.append(item)
        if dropped:
            self._items, self.numbers = kept, numbers
        return dropped

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> list[T]: ...
    def __getitem__(self, index: int | slice) -> T | list[T]:
        return self._items[index]

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[T]:
        return iter(self._items)

    def __reversed__(self) -> Iterator[T]:
        return reversed(self._items)
