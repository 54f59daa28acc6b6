"""Exchange-wide reads: status and schedule (``client.historical`` lives in ``historical``)."""

from __future__ import annotations

from datetime import datetime

from kalshikit.http._core import Call, prepare
from kalshikit.http.resources._base import AsyncResourceClient, ResourceClient
from kalshikit.http.resources.discovery import user_data_timestamp_call
from kalshikit.http.resources.historical import AsyncHistorical, Historical
from kalshikit.models import ExchangeStatus, Schedule, ScheduleResponse


def status_call() -> Call[ExchangeStatus, ExchangeStatus]:
    return Call(prepare("exchange.status"), ExchangeStatus, lambda r: r)


def schedule_call() -> Call[ScheduleResponse, Schedule]:
    return Call(prepare("exchange.schedule"), ScheduleResponse, lambda r: r.schedule)


class Exchange:
    """``client.exchange``: is the exchange open, and when."""

    def __init__(self, client: ResourceClient) -> None:
        self._client = client

    def status(self) -> ExchangeStatus:
        return self._client.call(status_call())

    def schedule(self) -> Schedule:
        return self._client.call(schedule_call())

    def user_data_timestamp(self) -> datetime:
        """When balance, orders, fills and positions were last brought up to date."""
        return self._client.call(user_data_timestamp_call())


class AsyncExchange:
    def __init__(self, client: AsyncResourceClient) -> None:
        self._client = client

    async def status(self) -> ExchangeStatus:
        return await self._client.call(status_call())

    async def schedule(self) -> Schedule:
        return await self._client.call(schedule_call())

    async def user_data_timestamp(self) -> datetime:
        return await self._client.call(user_data_timestamp_call())


__all__ = ["AsyncExchange", "AsyncHistorical", "Exchange", "Historical"]
