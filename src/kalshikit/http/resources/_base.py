"""What every resource shares: its client and how it builds lazy pagers. No I/O here."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from kalshikit.http._core import Call, prepare
from kalshikit.http._pager import AsyncPager, P, SyncPager

if TYPE_CHECKING:
    from kalshikit.http.client import AsyncKalshiClient, KalshiClient

T = TypeVar("T")


def page_call(
    name: str, model: type[P], params: dict[str, object], cursor: str | None
) -> Call[P, P]:
    """One page of a list endpoint (the cursor is left out on the first page)."""
    return Call(prepare(name, params={**params, "cursor": cursor}), model, lambda page: page)


class SyncResource:
    def __init__(self, client: KalshiClient) -> None:
        self._client = client

    def _pages(
        self,
        name: str,
        model: type[P],
        params: dict[str, object],
        items: Callable[[P], list[T]],
        max_pages: int | None,
    ) -> SyncPager[P, T]:
        page_call(name, model, params, None)  # bad arguments fail now, not on first iteration
        return SyncPager(
            lambda cursor: self._client.call(page_call(name, model, params, cursor)),
            items,
            max_pages,
        )


class AsyncResource:
    def __init__(self, client: AsyncKalshiClient) -> None:
        self._client = client

    def _pages(
        self,
        name: str,
        model: type[P],
        params: dict[str, object],
        items: Callable[[P], list[T]],
        max_pages: int | None,
    ) -> AsyncPager[P, T]:
        page_call(name, model, params, None)
        return AsyncPager(
            lambda cursor: self._client.call(page_call(name, model, params, cursor)),
            items,
            max_pages,
        )


__all__ = ["AsyncResource", "SyncResource", "page_call"]
