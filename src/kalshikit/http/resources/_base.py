"""What every resource shares: what it needs from its client, and its lazy pagers. No I/O here.

A resource never names the client classes: it takes any object with the parts it uses
(:class:`ResourceClient`, :class:`AsyncResourceClient`). ``KalshiClient`` and
``AsyncKalshiClient`` have them, and mypy checks that where each client makes its resources;
so the clients import the resources, and nothing here imports the clients.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from kalshikit.http._core import Call, PreparedRequest, RetryPolicy, prepare
from kalshikit.http._pager import AsyncPager, P, SyncPager

if TYPE_CHECKING:
    from kalshikit.config import APIConfig
    from kalshikit.journal import OrderJournal
    from kalshikit.ratelimit.limiter import RateLimiter
    from kalshikit.units import PriceGrid

T = TypeVar("T")


class ClientSettings(Protocol):
    """What a resource reads from its client, sync or async: the exchange it talks to, how it
    retries and paces requests, where creates are journaled, and the tick grids read so far."""

    @property
    def config(self) -> APIConfig: ...

    @property
    def base_url(self) -> str: ...

    @property
    def retry_policy(self) -> RetryPolicy: ...

    @property
    def rate_limiter(self) -> RateLimiter: ...

    @property
    def journal(self) -> OrderJournal | None: ...

    @property
    def price_grids(self) -> dict[str, PriceGrid]: ...


class ResourceClient(ClientSettings, Protocol):
    """What a resource of the sync client needs from it (``KalshiClient`` is one)."""

    def call(self, call: Call[Any, T]) -> T: ...

    def send(self, req: PreparedRequest) -> bytes: ...


class AsyncResourceClient(ClientSettings, Protocol):
    """What a resource of the async client needs from it (``AsyncKalshiClient`` is one)."""

    async def call(self, call: Call[Any, T]) -> T: ...

    async def send(self, req: PreparedRequest) -> bytes: ...


def page_call(
    name: str, model: type[P], params: dict[str, object], cursor: str | None
) -> Call[P, P]:
    """One page of a list endpoint (the cursor is left out on the first page)."""
    return Call(prepare(name, params={**params, "cursor": cursor}), model, lambda page: page)


class SyncResource:
    def __init__(self, client: ResourceClient) -> None:
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
    def __init__(self, client: AsyncResourceClient) -> None:
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


__all__ = [
    "AsyncResource",
    "AsyncResourceClient",
    "ClientSettings",
    "ResourceClient",
    "SyncResource",
    "page_call",
]
