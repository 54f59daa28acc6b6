"""Discovery wire structs: event metadata and forecasts, fee changes, search filters, incentive
programs, milestones, structured targets and the user-data timestamp. No I/O here.

Fields follow the SDK 3.34 models (``GetEventMetadataResponse``, ``ForecastPercentilesPoint``,
``SeriesFeeChange``, ``IncentiveProgram``, ``Milestone``, ``StructuredTarget`` ...). Where a
January 2026 recording lacks a field the SDK requires (an incentive program's ``market_id`` and
``incentive_description``) it is optional here, and January's integer ``target_size`` is kept as
``target_size_int`` beside the current ``target_size_fp``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

import msgspec

from kalshikit.models.base import WireModel, contracts_of
from kalshikit.models.market import SettlementSource
from kalshikit.units import Contracts

__all__ = [
    "INCENTIVE_STATUSES",
    "INCENTIVE_TYPES",
    "EventFeeChange",
    "EventFeeChangesPage",
    "EventMetadata",
    "FiltersBySports",
    "ForecastHistoryResponse",
    "ForecastPercentilesPoint",
    "IncentiveProgram",
    "IncentiveProgramsPage",
    "MarketMetadata",
    "Milestone",
    "MilestoneResponse",
    "MilestonesPage",
    "PercentilePoint",
    "ScopeList",
    "SeriesFeeChange",
    "SeriesFeeChangesResponse",
    "SportFilterDetails",
    "StructuredTarget",
    "StructuredTargetResponse",
    "StructuredTargetsPage",
    "UserDataTimestamp",
]

# the filters of GET /incentive_programs ("all" is the default of both)
INCENTIVE_STATUSES: Final = ("all", "active", "upcoming", "closed", "paid_out")
INCENTIVE_TYPES: Final = (
    "all",
    "liquidity",
    "volume",
    "margin_maker_volume",
    "margin_taker_volume",
)


class UserDataTimestamp(WireModel, kw_only=True, frozen=True):
    """``GET /exchange/user_data_timestamp``: when balance, orders, fills and positions were
    last brought up to date."""

    as_of_time: datetime


class MarketMetadata(WireModel, kw_only=True, frozen=True):
    market_ticker: str
    image_url: str
    color_code: str


class EventMetadata(WireModel, kw_only=True, frozen=True):
    """``GET /events/{event_ticker}/metadata``."""

    image_url: str
    featured_image_url: str | None = None
    market_details: list[MarketMetadata]
    settlement_sources: list[SettlementSource]
    competition: str | None = None
    competition_scope: str | None = None


class PercentilePoint(WireModel, kw_only=True, frozen=True):
    """The event's number at one percentile (0-9999) of its forecast distribution."""

    percentile: int
    raw_numerical_forecast: float
    numerical_forecast: float
    formatted_forecast: str


class ForecastPercentilesPoint(WireModel, kw_only=True, frozen=True):
    event_ticker: str
    end_period_ts: int
    period_interval: int
    percentile_points: list[PercentilePoint]


class ForecastHistoryResponse(WireModel, kw_only=True, frozen=True):
    """``GET /series/{s}/events/{ticker}/forecast_percentile_history``."""

    forecast_history: list[ForecastPercentilesPoint]


class EventFeeChange(WireModel, kw_only=True, frozen=True):
    """A scheduled event fee override; null overrides clear it (back to the series' fees)."""

    id: str
    event_ticker: str
    series_ticker: str
    fee_type_override: str | None = None
    fee_multiplier_override: float | None = None
    scheduled_ts: datetime


class EventFeeChangesPage(WireModel, kw_only=True, frozen=True):
    """``GET /events/fee_changes``."""

    event_fee_changes: list[EventFeeChange]
    cursor: str = ""


class SeriesFeeChange(WireModel, kw_only=True, frozen=True):
    id: str
    series_ticker: str
    fee_type: str
    fee_multiplier: float
    scheduled_ts: datetime


class SeriesFeeChangesResponse(WireModel, kw_only=True, frozen=True):
    """``GET /series/fee_changes`` (not paginated)."""

    series_fee_change_arr: list[SeriesFeeChange]


class ScopeList(WireModel, kw_only=True, frozen=True):
    scopes: list[str]


class SportFilterDetails(WireModel, kw_only=True, frozen=True):
    scopes: list[str]
    competitions: dict[str, ScopeList]


class FiltersBySports(WireModel, kw_only=True, frozen=True):
    """``GET /search/filters_by_sport``; January recordings had no ``sport_ordering``."""

    filters_by_sports: dict[str, SportFilterDetails]
    sport_ordering: list[str] = msgspec.field(default_factory=list)


class IncentiveProgram(WireModel, kw_only=True, frozen=True):
    """A reward program on one market; rewards in centi-cents (1/10000 of a dollar)."""

    id: str
    market_id: str | None = None
    market_ticker: str
    incentive_type: str
    incentive_description: str | None = None
    start_date: datetime
    end_date: datetime
    period_reward: int
    paid_out: bool
    discount_factor_bps: int | None = None
    target_size_fp: str | None = None
    max_reward_per_account: int | None = None
    # January 2026 integer, replaced by target_size_fp.
    target_size_int: int | None = msgspec.field(default=None, name="target_size")

    @property
    def target_size(self) -> Contracts | None:
        return contracts_of(self.target_size_fp, self.target_size_int)


class IncentiveProgramsPage(WireModel, kw_only=True, frozen=True):
    """``GET /incentive_programs``: its cursor is ``next_cursor``."""

    incentive_programs: list[IncentiveProgram]
    next_cursor: str | None = None

    @property
    def cursor(self) -> str | None:
        return self.next_cursor


class Milestone(WireModel, kw_only=True, frozen=True):
    """A real-world happening (a game, a race) and the events that turn on it; ``details``
    varies by ``type`` (a game's ``home_team_id``/``away_team_id`` are structured targets)."""

    id: str
    category: str
    type: str
    start_date: datetime
    end_date: datetime | None = None
    related_event_tickers: list[str]
    title: str
    notification_message: str
    source_id: str | None = None
    source_ids: dict[str, str] | None = None
    details: dict[str, Any]
    primary_event_tickers: list[str]
    last_updated_ts: datetime


class MilestonesPage(WireModel, kw_only=True, frozen=True):
    """``GET /milestones``."""

    milestones: list[Milestone]
    cursor: str | None = None


class MilestoneResponse(WireModel, kw_only=True, frozen=True):
    """``GET /milestones/{milestone_id}``."""

    milestone: Milestone


class StructuredTarget(WireModel, kw_only=True, frozen=True):
    """A team, player or other participant markets can name; ``details`` varies by ``type``."""

    id: str | None = None
    name: str | None = None
    type: str | None = None
    details: dict[str, Any] | None = None
    source_id: str | None = None
    source_ids: dict[str, str] | None = None
    last_updated_ts: datetime | None = None


class StructuredTargetsPage(WireModel, kw_only=True, frozen=True):
    """``GET /structured_targets``."""

    structured_targets: list[StructuredTarget] | None = None
    cursor: str | None = None


class StructuredTargetResponse(WireModel, kw_only=True, frozen=True):
    """``GET /structured_targets/{structured_target_id}``."""

    structured_target: StructuredTarget | None = None
