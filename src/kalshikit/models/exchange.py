"""Exchange-wide wire structs: status, trading schedule, historical cutoff. No I/O here."""

from __future__ import annotations

from datetime import datetime

from kalshikit.models.base import WireModel

__all__ = [
    "DailySchedule",
    "ExchangeIndexStatus",
    "ExchangeStatus",
    "HistoricalCutoff",
    "MaintenanceWindow",
    "Schedule",
    "ScheduleResponse",
    "WeeklySchedule",
]


class ExchangeIndexStatus(WireModel, kw_only=True, frozen=True):
    """The flags of one shard (``exchange_index``)."""

    exchange_index: int
    description: str
    exchange_active: bool
    trading_active: bool
    intra_exchange_transfers_active: bool


class ExchangeStatus(WireModel, kw_only=True, frozen=True):
    """``GET /exchange/status`` (also the body of its 500/503/504); top-level flags: shard 0."""

    exchange_active: bool
    trading_active: bool
    intra_exchange_transfers_active: bool | None = None
    exchange_estimated_resume_time: datetime | None = None
    exchange_index_statuses: list[ExchangeIndexStatus] | None = None


class DailySchedule(WireModel, kw_only=True, frozen=True):
    """One open interval of a weekday, as "HH:MM" strings in US Eastern time."""

    open_time: str
    close_time: str


class WeeklySchedule(WireModel, kw_only=True, frozen=True):
    """Standard trading hours in force from ``start_time`` to ``end_time``."""

    start_time: datetime
    end_time: datetime
    monday: list[DailySchedule]
    tuesday: list[DailySchedule]
    wednesday: list[DailySchedule]
    thursday: list[DailySchedule]
    friday: list[DailySchedule]
    saturday: list[DailySchedule]
    sunday: list[DailySchedule]


class MaintenanceWindow(WireModel, kw_only=True, frozen=True):
    start_datetime: datetime
    end_datetime: datetime


class Schedule(WireModel, kw_only=True, frozen=True):
    standard_hours: list[WeeklySchedule]
    maintenance_windows: list[MaintenanceWindow]


class ScheduleResponse(WireModel, kw_only=True, frozen=True):
    """``GET /exchange/schedule``."""

    schedule: Schedule


class HistoricalCutoff(WireModel, kw_only=True, frozen=True):
    """``GET /historical/cutoff``: records older than these live only under ``/historical``."""

    market_settled_ts: datetime
    trades_created_ts: datetime
    orders_updated_ts: datetime
    market_positions_last_updated_ts: datetime | None = None
