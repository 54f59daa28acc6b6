"""``client.account``: the API tier, endpoint costs and usage level, and bringing the rate limiter
up to date.

``refresh_rate_limits`` is how the limiter learns the exchange's own numbers (opt in: clients do
it on their first request only with ``rate_tier="auto"``). The answer is kept on the limiter,
which every client of the same key shares, so it is read once per process and key.
"""

from __future__ import annotations

import logging

from kalshikit.http._core import Call, prepare
from kalshikit.http.resources._base import AsyncResourceClient, ResourceClient
from kalshikit.models import AccountLimits, EndpointCosts, VolumeProgress, VolumeProgressResponse
from kalshikit.ratelimit import Budget
from kalshikit.ratelimit.limiter import RateLimiter, budget_from_limits, costs_from_wire

__all__ = ["Account", "AsyncAccount"]

log = logging.getLogger("kalshikit.ratelimit")


def limits_call() -> Call[AccountLimits, AccountLimits]:
    return Call(prepare("account.limits"), AccountLimits, lambda r: r)


def costs_call() -> Call[EndpointCosts, EndpointCosts]:
    return Call(prepare("account.endpoint_costs"), EndpointCosts, lambda r: r)


def volume_progress_call() -> Call[VolumeProgressResponse, list[VolumeProgress]]:
    req = prepare("account.volume_progress")
    return Call(req, VolumeProgressResponse, lambda r: r.volume_progress)


def adopt_limits(limiter: RateLimiter, limits: AccountLimits) -> Budget:
    limiter.set_budget(budget_from_limits(limits), detected=True)
    log.info("rate tier read from the exchange: %r", limiter)
    return limiter.budget


class Account:
    """``client.account`` on the sync client."""

    def __init__(self, client: ResourceClient) -> None:
        self._client = client

    def limits(self) -> AccountLimits:
        """Your API usage tier and its read/write buckets (needs a key)."""
        return self._client.call(limits_call())

    def endpoint_costs(self) -> EndpointCosts:
        """The endpoints whose token cost differs from the default (public)."""
        return self._client.call(costs_call())

    def volume_progress(self) -> list[VolumeProgress]:
        """Your trailing-30-day traded volume against the volume-based usage levels' goals."""
        return self._client.call(volume_progress_call())

    def upgrade_usage_level(self) -> None:
        """Ask for the permanent Advanced usage level (granted when at least 1 of your last 100
        orders came through the API; else 403). ``limits`` shows the tier after it."""
        self._client.send(prepare("account.upgrade_usage_level"))

    def refresh_rate_limits(self, *, costs: bool = True) -> Budget:
        """Pace this key's limiter to the tier the exchange reports (and its current costs)."""
        limiter = self._client.rate_limiter
        if costs:
            limiter.set_costs(costs_from_wire(self.endpoint_costs()))
        return adopt_limits(limiter, self.limits())


class AsyncAccount:
    """``client.account`` on the async client."""

    def __init__(self, client: AsyncResourceClient) -> None:
        self._client = client

    async def limits(self) -> AccountLimits:
        return await self._client.call(limits_call())

    async def endpoint_costs(self) -> EndpointCosts:
        return await self._client.call(costs_call())

    async def volume_progress(self) -> list[VolumeProgress]:
        return await self._client.call(volume_progress_call())

    async def upgrade_usage_level(self) -> None:
        await self._client.send(prepare("account.upgrade_usage_level"))

    async def refresh_rate_limits(self, *, costs: bool = True) -> Budget:
        limiter = self._client.rate_limiter
        if costs:
            limiter.set_costs(costs_from_wire(await self.endpoint_costs()))
        return adopt_limits(limiter, await self.limits())
