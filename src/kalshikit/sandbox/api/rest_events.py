"""The sandbox's discovery handlers (a mixin of ``RestHandlers``): event metadata, event
candlesticks and forecast percentiles, multivariate events, fee changes, search, incentive
programs, milestones and structured targets, and the user-data timestamp.

Each reads the query the way the real API takes it (defaults and maxima from ``ENDPOINTS`` and
the SDK: ``limit`` is required on ``/milestones``, ``/structured_targets`` pages by
``page_size``, ``/incentive_programs`` answers ``next_cursor``) and returns wire structs.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from kalshikit.endpoints import ENDPOINTS
from kalshikit.sandbox.api._handler_kit import CANDLE_PERIODS, HandlerCtx, candle_window
from kalshikit.sandbox.gateway import Query, bad_request

if TYPE_CHECKING:
    from kalshikit.sandbox.exchange import Exchange

__all__ = ["DiscoveryHandlers"]


def _percentiles(q: Query) -> list[int]:
    raw = q.csv("percentiles", 10)
    if raw is None:
        raise bad_request("percentiles is required (1 to 10 values, 0-9999)", "percentiles")
    if not all(p.isdigit() and int(p) <= 9999 for p in raw):
        raise bad_request("percentiles must be whole numbers from 0 to 9999", "percentiles")
    return [int(p) for p in raw]


def _rfc3339(q: Query, name: str) -> datetime | None:
    raw = q.text(name)
    if raw is None:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise bad_request(f"{name} must be an RFC3339 timestamp, got {raw!r}", name) from None
    if value.tzinfo is None:
        raise bad_request(f"{name} must carry a time zone (e.g. Z)", name)
    return value


class DiscoveryHandlers:
    """Handlers named after their endpoints (``events.metadata`` -> ``events_metadata``)."""

    ex: Exchange

    def exchange_user_data_timestamp(self, c: HandlerCtx) -> object:
        return self.ex.user_data_timestamp()

    def events_metadata(self, c: HandlerCtx) -> object:
        return self.ex.event_metadata(c.path["event_ticker"])

    def events_candlesticks(self, c: HandlerCtx) -> object:
        start, end, period = candle_window(c.query)
        return self.ex.event_candlesticks(
            c.path["series_ticker"], c.path["ticker"], start_ts=start, end_ts=end,
            period_minutes=period,
        )  # fmt: skip

    def events_forecast_percentiles(self, c: HandlerCtx) -> object:
        percentiles = _percentiles(c.query)
        start, end, period = candle_window(c.query, (0, *CANDLE_PERIODS))
        history = self.ex.forecast_history(
            c.path["series_ticker"], c.path["ticker"], percentiles=percentiles,
            start_ts=start, end_ts=end, period_minutes=period,
        )  # fmt: skip
        return {"forecast_history": history}

    def events_multivariate(self, c: HandlerCtx) -> object:
        q = c.query
        events, cursor = self.ex.multivariate_events(
            series_ticker=q.text("series_ticker"),
            collection_ticker=q.text("collection_ticker"),
            with_nested_markets=bool(q.boolean("with_nested_markets")),
            limit=q.limit(100, ENDPOINTS["events.multivariate"].max_limit),
            cursor=q.text("cursor"),
        )
        return {"events": events, "cursor": cursor}

    def events_fee_changes(self, c: HandlerCtx) -> object:
        q = c.query
        changes, cursor = self.ex.event_fee_changes(
            event_ticker=q.text("event_ticker"),
            limit=q.limit(100, ENDPOINTS["events.fee_changes"].max_limit),
            cursor=q.text("cursor"),
        )
        return {"event_fee_changes": changes, "cursor": cursor}

    def series_fee_changes(self, c: HandlerCtx) -> object:
        changes = self.ex.series_fee_changes(
            series_ticker=c.query.text("series_ticker"),
            show_historical=bool(c.query.boolean("show_historical")),
        )
        return {"series_fee_change_arr": changes}

    def search_tags_by_categories(self, c: HandlerCtx) -> object:
        return {"tags_by_categories": self.ex.tags_by_categories()}

    def search_filters_by_sport(self, c: HandlerCtx) -> object:
        return self.ex.filters_by_sport()

    def incentive_programs_list(self, c: HandlerCtx) -> object:
        q = c.query
        programs, cursor = self.ex.incentive_programs(
            status=q.text("status"),
            kind=q.text("type"),
            description=q.text("incentive_description"),
            limit=q.limit(100, ENDPOINTS["incentive_programs.list"].max_limit),
            cursor=q.text("cursor"),
        )
        return {"incentive_programs": programs, "next_cursor": cursor or None}

    def milestones_list(self, c: HandlerCtx) -> object:
        q = c.query
        limit = q.required_integer("limit", 1, ENDPOINTS["milestones.list"].max_limit)
        milestones, cursor = self.ex.milestones(
            limit=limit,
            minimum_start_date=_rfc3339(q, "minimum_start_date"),
            category=q.text("category"),
            competition=q.text("competition"),
            source_id=q.text("source_id"),
            kind=q.text("type"),
            related_event_ticker=q.text("related_event_ticker"),
            min_updated_ts=q.integer("min_updated_ts", 0),
            cursor=q.text("cursor"),
        )
        return {"milestones": milestones, "cursor": cursor}

    def milestones_get(self, c: HandlerCtx) -> object:
        return {"milestone": self.ex.milestone(c.path["milestone_id"])}

    def structured_targets_list(self, c: HandlerCtx) -> object:
        q = c.query
        targets, cursor = self.ex.structured_targets(
            ids=q.csv("ids", 2000),
            kind=q.text("type"),
            competition=q.text("competition"),
            page_size=q.integer("page_size", 1, 2000) or 100,
            cursor=q.text("cursor"),
        )
        return {"structured_targets": targets, "cursor": cursor}

    def structured_targets_get(self, c: HandlerCtx) -> object:
        return {"structured_target": self.ex.structured_target(c.path["structured_target_id"])}
