"""Exchange-wide reads: status, schedule and the historical cutoff."""

from __future__ import annotations

from kalshikit.http._core import Call, prepare
from kalshikit.http.resources._base import AsyncResourceClient, ResourceClient
from kalshikit.models import ExchangeStatus, HistoricalCutoff, Schedule, ScheduleResponse


def status_call() -> Call[ExchangeStatus, ExchangeStatus]:
    return Call(prepare("exchange.status"), ExchangeStatus, lambda r: r)


def schedule_call() -> Call[ScheduleResponse, Schedule]:
    return Call(prepare("exchange.schedule"), ScheduleResponse, lambda r: r.schedule)


def cutoff_call() -> Call[HistoricalCutoff, HistoricalCutoff]:
    return Call(prepare("historical.cutoff"), HistoricalCutoff, lambda r: r)


class Exchange:
    """``client.exchange``: is the exchange open, and when."""

    def __init__(self, client: ResourceClient) -> None:
        self._client = client

    def status(self) -> ExchangeStatus:
        return self._client.call(status_call())

    def schedule(self) -> Schedule:
        return self._client.call(schedule_call())


class AsyncExchange:
    def __init__(self, client: AsyncResourceClient) -> None:
        self._client = client

    async def status(self) -> ExchangeStatus:
        return await self._client.call(status_call())

    async def schedule(self) -> Schedule:
        return await self._client.call(schedule_call())


class Historical:
    """``client.historical``: where the live data ends and the archive begins."""

    def __init__(self, client: ResourceClient) -> None:
        self._client = client

    def cutoff(self) -> HistoricalCutoff:
        return self._client.call(cutoff_call())


class AsyncHistorical:
    def __init__(self, client: AsyncResourceClient) -> None:
        self._client = client

    async def cutoff(self) -> HistoricalCutoff:
        return await self._client.call(cutoff_call())
