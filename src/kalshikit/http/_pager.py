"""Lazy cursor pagination for the sync and async clients. No I/O here: pages come from a callback.

There is no silent page cap: iteration ends only when the exchange returns an empty cursor. A
caller may opt in to ``max_pages``; when that stops iteration while a cursor remains, a
``PageLimitWarning`` says so, because a truncated list that looks complete is how scanners and
reports quietly lie.
"""

from __future__ import annotations

import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Generic, Protocol, TypeVar

T = TypeVar("T")
P = TypeVar("P", bound="Page")


class Page(Protocol):
    """Any list envelope with a cursor (empty or missing on the last page)."""

    @property
    def cursor(self) -> str | None: ...


class PageLimitWarning(UserWarning):
    """Iteration stopped at ``max_pages`` while the exchange still had more data."""


def _next_cursor(page: Page, pages_seen: int, max_pages: int | None) -> str | None:
    cursor = page.cursor or None
    if cursor and max_pages is not None and pages_seen >= max_pages:
        warnings.warn(
            f"stopped after max_pages={max_pages} while more data remains (cursor {cursor[:12]}…);"
            " raise max_pages or leave it unset to read everything",
            PageLimitWarning,
            stacklevel=4,
        )
        return None
    return cursor


class SyncPager(Generic[P, T]):
    """Iterate items across pages, fetching each page only when it is needed."""

    def __init__(
        self,
        fetch: Callable[[str | None], P],
        items: Callable[[P], list[T]],
        max_pages: int | None = None,
    ) -> None:
        self._fetch, self._items, self._max_pages = fetch, items, max_pages

    def pages(self) -> Iterator[P]:
        cursor: str | None = None
        seen = 0
        while True:
            page = self._fetch(cursor)
            seen += 1
            yield page
            cursor = _next_cursor(page, seen, self._max_pages)
            if cursor is None:
                return

    def __iter__(self) -> Iterator[T]:
        for page in self.pages():
            yield from self._items(page)

    def to_list(self) -> list[T]:
        return list(self)


class AsyncPager(Generic[P, T]):
    """The async twin of SyncPager: ``async for item in pager``."""

    def __init__(
        self,
        fetch: Callable[[str | None], Awaitable[P]],
        items: Callable[[P], list[T]],
        max_pages: int | None = None,
    ) -> None:
        self._fetch, self._items, self._max_pages = fetch, items, max_pages

    async def pages(self) -> AsyncIterator[P]:
        cursor: str | None = None
        seen = 0
        while True:
            page = await self._fetch(cursor)
            seen += 1
            yield page
            cursor = _next_cursor(page, seen, self._max_pages)
            if cursor is None:
                return

    async def __aiter__(self) -> AsyncIterator[T]:
        async for page in self.pages():
            for item in self._items(page):
                yield item

    async def to_list(self) -> list[T]:
        return [item async for item in self]
