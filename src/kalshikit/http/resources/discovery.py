"""Discovery reads: search filters, incentive programs, milestones and structured targets
(``client.search``, ``client.incentive_programs``, ``client.milestones``,
``client.structured_targets``), and the request builders the event, series and exchange
resources share for their discovery reads.

Every method checks its arguments before anything is built (a ValidationError sends nothing).
List methods return lazy pagers over the largest page each endpoint allows.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import datetime
from typing import Final

from kalshikit.errors import ValidationError
from kalshikit.http import _pager
from kalshikit.http import param_checks as check
from kalshikit.http._core import Call, prepare
from kalshikit.http.resources._base import AsyncResource, SyncResource
from kalshikit.models import (
    INCENTIVE_STATUSES,
    INCENTIVE_TYPES,
    FiltersBySports,
    IncentiveProgram,
    IncentiveProgramsPage,
    Milestone,
    MilestoneResponse,
    MilestonesPage,
    StructuredTarget,
    StructuredTargetResponse,
    StructuredTargetsPage,
    TagsByCategories,
    UserDataTimestamp,
)

__all__ = [
    "AsyncIncentivePrograms",
    "AsyncMilestones",
    "AsyncSearch",
    "AsyncStructuredTargets",
    "IncentivePrograms",
    "Milestones",
    "Search",
    "StructuredTargets",
    "user_data_timestamp_call",
]

Timestamp = int | datetime | None

_MAX_TARGET_PAGE: Final = 2000


def user_data_timestamp_call() -> Call[UserDataTimestamp, datetime]:
    return Call(prepare("exchange.user_data_timestamp"), UserDataTimestamp, lambda r: r.as_of_time)


def _tags_call() -> Call[TagsByCategories, dict[str, list[str]]]:
    def unwrap(r: TagsByCategories) -> dict[str, list[str]]:
        return {category: tags or [] for category, tags in r.tags_by_categories.items()}

    return Call(prepare("search.tags_by_categories"), TagsByCategories, unwrap)


def _sport_filters_call() -> Call[FiltersBySports, FiltersBySports]:
    return Call(prepare("search.filters_by_sport"), FiltersBySports, lambda r: r)


def _one_of(value: str | None, name: str, allowed: Sequence[str]) -> str | None:
    if value is not None and value not in allowed:
        raise ValidationError(f"{name} must be one of {', '.join(allowed)}; got {value!r}")
    return value


def _incentive_params(
    status: str | None, incentive_type: str | None, description: str | None, page_size: int
) -> dict[str, object]:
    return {
        "status": _one_of(status, "status", INCENTIVE_STATUSES),
        "type": _one_of(incentive_type, "incentive_type", INCENTIVE_TYPES),
        "incentive_description": description,
        "limit": page_size,
    }


def _rfc3339(value: datetime | None, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise ValidationError(f"{name} must be an aware datetime (give it a timezone, e.g. UTC)")
    return value.isoformat().replace("+00:00", "Z")


def _milestone_params(
    minimum_start_date: datetime | None,
    category: str | None,
    competition: str | None,
    source_id: str | None,
    milestone_type: str | None,
    related_event_ticker: str | None,
    min_updated_ts: Timestamp,
    page_size: int,
) -> dict[str, object]:
    return {
        "limit": page_size,
        "minimum_start_date": _rfc3339(minimum_start_date, "minimum_start_date"),
        "category": category,
        "competition": competition,
        "source_id": source_id,
        "type": milestone_type,
        "related_event_ticker": related_event_ticker,
        "min_updated_ts": check.timestamp(min_updated_ts, "min_updated_ts"),
    }


def _milestone_call(milestone_id: str) -> Call[MilestoneResponse, Milestone]:
    req = prepare("milestones.get", path={"milestone_id": milestone_id})
    return Call(req, MilestoneResponse, lambda r: r.milestone)


def _target_params(
    ids: str | Sequence[str] | None,
    target_type: str | None,
    competition: str | None,
    page_size: int,
) -> dict[str, object]:
    return {
        "ids": check.tickers(ids, "ids", _MAX_TARGET_PAGE),
        "type": target_type,
        "competition": competition,
        "page_size": check.in_range(page_size, "page_size", 1, _MAX_TARGET_PAGE),
    }


def _target_call(target_id: str) -> Call[StructuredTargetResponse, StructuredTarget | None]:
    req = prepare("structured_targets.get", path={"structured_target_id": target_id})
    return Call(req, StructuredTargetResponse, lambda r: r.structured_target)


class Search(SyncResource):
    """``client.search``: the tags and sport filters Kalshi's search offers."""

    def tags_by_categories(self) -> dict[str, builtins.list[str]]:
        """Each series category and its tags (an empty list where Kalshi sends null)."""
        return self._client.call(_tags_call())

    def filters_by_sport(self) -> FiltersBySports:
        """Each sport's scopes and competitions, and the order sports are shown in."""
        return self._client.call(_sport_filters_call())


class AsyncSearch(AsyncResource):
    async def tags_by_categories(self) -> dict[str, builtins.list[str]]:
        return await self._client.call(_tags_call())

    async def filters_by_sport(self) -> FiltersBySports:
        return await self._client.call(_sport_filters_call())


class IncentivePrograms(SyncResource):
    """``client.incentive_programs``: reward programs on markets (rewards in centi-cents)."""

    def list(
        self,
        *,
        status: str | None = None,
        incentive_type: str | None = None,
        incentive_description: str | None = None,
        page_size: int = 10_000,
        max_pages: int | None = None,
    ) -> _pager.SyncPager[IncentiveProgramsPage, IncentiveProgram]:
        """Programs that match (``status``: all, active, upcoming, closed, paid_out)."""
        params = _incentive_params(status, incentive_type, incentive_description, page_size)
        return self._pages(
            "incentive_programs.list",
            IncentiveProgramsPage,
            params,
            lambda page: page.incentive_programs,
            max_pages,
        )


class AsyncIncentivePrograms(AsyncResource):
    def list(
        self,
        *,
        status: str | None = None,
        incentive_type: str | None = None,
        incentive_description: str | None = None,
        page_size: int = 10_000,
        max_pages: int | None = None,
    ) -> _pager.AsyncPager[IncentiveProgramsPage, IncentiveProgram]:
        params = _incentive_params(status, incentive_type, incentive_description, page_size)
        return self._pages(
            "incentive_programs.list",
            IncentiveProgramsPage,
            params,
            lambda page: page.incentive_programs,
            max_pages,
        )


class Milestones(SyncResource):
    """``client.milestones``: the games and races events turn on, and the events they link."""

    def list(
        self,
        *,
        minimum_start_date: datetime | None = None,
        category: str | None = None,
        competition: str | None = None,
        source_id: str | None = None,
        milestone_type: str | None = None,
        related_event_ticker: str | None = None,
        min_updated_ts: Timestamp = None,
        page_size: int = 500,
        max_pages: int | None = None,
    ) -> _pager.SyncPager[MilestonesPage, Milestone]:
        params = _milestone_params(
            minimum_start_date,
            category,
            competition,
            source_id,
            milestone_type,
            related_event_ticker,
            min_updated_ts,
            page_size,
        )
        return self._pages(
            "milestones.list", MilestonesPage, params, lambda page: page.milestones, max_pages
        )

    def get(self, milestone_id: str) -> Milestone:
        return self._client.call(_milestone_call(milestone_id))


class AsyncMilestones(AsyncResource):
    def list(
        self,
        *,
        minimum_start_date: datetime | None = None,
        category: str | None = None,
        competition: str | None = None,
        source_id: str | None = None,
        milestone_type: str | None = None,
        related_event_ticker: str | None = None,
        min_updated_ts: Timestamp = None,
        page_size: int = 500,
        max_pages: int | None = None,
    ) -> _pager.AsyncPager[MilestonesPage, Milestone]:
        params = _milestone_params(
            minimum_start_date,
            category,
            competition,
            source_id,
            milestone_type,
            related_event_ticker,
            min_updated_ts,
            page_size,
        )
        return self._pages(
            "milestones.list", MilestonesPage, params, lambda page: page.milestones, max_pages
        )

    async def get(self, milestone_id: str) -> Milestone:
        return await self._client.call(_milestone_call(milestone_id))


class StructuredTargets(SyncResource):
    """``client.structured_targets``: the teams and players milestones and markets name."""

    def list(
        self,
        *,
        ids: str | Sequence[str] | None = None,
        target_type: str | None = None,
        competition: str | None = None,
        page_size: int = _MAX_TARGET_PAGE,
        max_pages: int | None = None,
    ) -> _pager.SyncPager[StructuredTargetsPage, StructuredTarget]:
        params = _target_params(ids, target_type, competition, page_size)
        return self._pages(
            "structured_targets.list",
            StructuredTargetsPage,
            params,
            lambda page: page.structured_targets or [],
            max_pages,
        )

    def get(self, structured_target_id: str) -> StructuredTarget | None:
        return self._client.call(_target_call(structured_target_id))


class AsyncStructuredTargets(AsyncResource):
    def list(
        self,
        *,
        ids: str | Sequence[str] | None = None,
        target_type: str | None = None,
        competition: str | None = None,
        page_size: int = _MAX_TARGET_PAGE,
        max_pages: int | None = None,
    ) -> _pager.AsyncPager[StructuredTargetsPage, StructuredTarget]:
        params = _target_params(ids, target_type, competition, page_size)
        return self._pages(
            "structured_targets.list",
            StructuredTargetsPage,
            params,
            lambda page: page.structured_targets or [],
            max_pages,
        )

    async def get(self, structured_target_id: str) -> StructuredTarget | None:
        return await self._client.call(_target_call(structured_target_id))
