"""Public discovery reads: event metadata, event candlesticks and forecast percentiles,
multivariate events, fee changes, search filters, incentive programs, milestones, structured
targets and the user-data timestamp. No I/O here; answers are ``kalshikit.models`` structs.

What Kalshi publishes around the catalog comes from the catalog (``catalog.discovery``: pure,
from the seed); what moves (a game under way, a program running, a forecast) is read here
against the exchange's clock and market state. Event candlesticks are the very candles each
market's own endpoint gives; forecasts are read from the same quotes and trades.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from typing import Final

import msgspec

from kalshikit.models import (
    INCENTIVE_STATUSES,
    INCENTIVE_TYPES,
    Event,
    EventCandlesticksResponse,
    EventFeeChange,
    EventMetadata,
    FiltersBySports,
    ForecastPercentilesPoint,
    IncentiveProgram,
    Market,
    Milestone,
    SeriesFeeChange,
    StructuredTarget,
    UserDataTimestamp,
)
from kalshikit.sandbox.catalog import (
    category_tags,
    competition_of,
    listed_incentives,
    listed_milestones,
    metadata_of,
    scheduled_fee_changes,
    sport_filters,
    team_targets,
)
from kalshikit.sandbox.exchange.candles import MAX_CANDLES, PERIODS, candlesticks
from kalshikit.sandbox.exchange.errors import bad_request, not_found
from kalshikit.sandbox.exchange.forecast import forecast_ends, forecast_point, strikes_of
from kalshikit.sandbox.exchange.market_data import MarketDataMixin
from kalshikit.sandbox.exchange.pages import check_limit, in_order
from kalshikit.sandbox.exchange.render import datetime_of, millis_of

__all__ = ["DiscoveryMixin"]

_MAX_PERCENTILES: Final = 10


class DiscoveryMixin(MarketDataMixin):
    """The discovery reads (all public but the forecast history, which Kalshi signs)."""

    def user_data_timestamp(self) -> UserDataTimestamp:
        """The sandbox's user data is never stale: it is as of now."""
        return UserDataTimestamp(as_of_time=datetime_of(self._clock()))

    def _known_event(self, event_ticker: str, series_ticker: str | None = None) -> Event:
        event = self.catalog.event(event_ticker)
        if event is None:
            raise not_found("event_not_found", f"no event with ticker {event_ticker!r}")
        if series_ticker is not None and event.series_ticker != series_ticker:
            message = f"event {event_ticker} is not in series {series_ticker}"
            raise not_found("not_found", message)
        return event

    def _live_markets_of(self, event: Event) -> list[Market]:
        """The event's markets the exchange still holds live (not moved to the archive)."""
        markets = self.catalog.markets_of_event(event.event_ticker)
        return [m for m in markets if m.ticker in self._markets]

    def event_metadata(self, event_ticker: str) -> EventMetadata:
        return metadata_of(self.catalog, self._known_event(event_ticker))

    # ------------------------------------------------------------------ candles and forecasts

    def event_candlesticks(
        self, series_ticker: str, event_ticker: str, *, start_ts: int, end_ts: int,
        period_minutes: int,
    ) -> EventCandlesticksResponse:  # fmt: skip
        """Each market's candles, in catalog order; a window that would give more than
        ``MAX_CANDLES`` in all is cut short, and ``adjusted_end_ts`` says where."""
        event = self._known_event(event_ticker, series_ticker)
        markets = self._live_markets_of(event)
        if start_ts > end_ts or period_minutes not in PERIODS:
            message = "start_ts must not be after end_ts; period_interval is 1, 60 or 1440"
            raise bad_request("invalid_parameters", message)
        period = period_minutes * 60
        first = -(-start_ts // period) * period
        count = (-(-end_ts // period) * period - first) // period + 1
        allowed = max(1, MAX_CANDLES // max(1, len(markets)))
        adjusted = first + (allowed - 1) * period if count > allowed else end_ts
        candles = [
            candlesticks(self._markets[m.ticker], start_ts, adjusted, period_minutes, False)
            for m in markets
        ]
        return EventCandlesticksResponse(
            market_tickers=[m.ticker for m in markets],
            market_candlesticks=candles,
            adjusted_end_ts=adjusted,
        )

    def forecast_history(
        self, series_ticker: str, event_ticker: str, *, percentiles: Sequence[int],
        start_ts: int, end_ts: int, period_minutes: int,
    ) -> list[ForecastPercentilesPoint]:  # fmt: skip
        """The event's number at each percentile (0-9999), at each period end."""
        event = self._known_event(event_ticker, series_ticker)
        if not percentiles or len(percentiles) > _MAX_PERCENTILES:
            raise bad_request("invalid_parameters", "give 1 to 10 percentiles")
        if any(not 0 <= p <= 9999 for p in percentiles):
            raise bad_request("invalid_parameters", "percentiles must be from 0 to 9999")
        ends = forecast_ends(start_ts, end_ts, period_minutes)
        markets = self._live_markets_of(event)
        strikes = strikes_of(markets, self._markets, event.mutually_exclusive)
        if not strikes:
            message = f"event {event_ticker} has no numeric outcome to forecast"
            raise bad_request("invalid_parameters", message)
        anchor = self.catalog.anchors.get(event.event_ticker)
        step = anchor.step if anchor is not None and anchor.step > 0 else 0.01
        decimals = max(0, -math.floor(math.log10(step) + 1e-9))
        label = next(m.yes_sub_title for m in markets if m.strike_type == "between")
        unit = ("$" if label.startswith("$") else "", next((u for u in "°%" if u in label), ""))
        points = [
            forecast_point(event_ticker, strikes, percentiles, end, period_minutes, decimals, unit)
            for end in ends
        ]
        return [p for p in points if p is not None]

    # ------------------------------------------------------------------ events and fees

    def multivariate_events(
        self, *, series_ticker: str | None = None, collection_ticker: str | None = None,
        with_nested_markets: bool = False, limit: int = 100, cursor: str | None = None,
    ) -> tuple[list[Event], str]:  # fmt: skip
        """Combo events (those ``GET /events`` leaves out), in catalog order."""
        check_limit(limit, 200)
        if series_ticker is not None and collection_ticker is not None:
            message = "series_ticker and collection_ticker cannot be used together"
            raise bad_request("invalid_parameters", message)

        def keep(event: Event) -> bool:
            collections = {
                m.mve_collection_ticker
                for m in self.catalog.markets_of_event(event.event_ticker)
                if m.mve_collection_ticker
            }
            return (
                bool(collections)
                and (series_ticker is None or event.series_ticker == series_ticker)
                and (collection_ticker is None or collection_ticker in collections)
            )

        page, next_cursor = in_order(self.catalog.events, "mve_events", cursor, limit, keep)
        return [self._nested(e, with_nested_markets)[0] for e in page], next_cursor

    def event_fee_changes(
        self, *, event_ticker: str | None = None, limit: int = 100, cursor: str | None = None
    ) -> tuple[list[EventFeeChange], str]:
        """No event fee override is scheduled in the sandbox: an empty, well-formed page."""
        check_limit(limit, 1000)
        changes: list[EventFeeChange] = []
        return in_order(changes, "event_fee_changes", cursor, limit, lambda c: True)

    def series_fee_changes(
        self, *, series_ticker: str | None = None, show_historical: bool = False
    ) -> list[SeriesFeeChange]:
        """Scheduled series fee changes still to come (and past ones with ``show_historical``)."""
        now = datetime_of(self._clock())
        return [
            c
            for c in scheduled_fee_changes(self.catalog)
            if (series_ticker is None or c.series_ticker == series_ticker)
            and (show_historical or c.scheduled_ts > now)
        ]

    # ------------------------------------------------------------------ search, incentives

    def tags_by_categories(self) -> dict[str, list[str]]:
        return category_tags(self.catalog)

    def filters_by_sport(self) -> FiltersBySports:
        return sport_filters(self.catalog)

    def incentive_programs(
        self, *, status: str | None = None, kind: str | None = None,
        description: str | None = None, limit: int = 100, cursor: str | None = None,
    ) -> tuple[list[IncentiveProgram], str]:  # fmt: skip
        check_limit(limit, 10_000)
        if status not in (None, *INCENTIVE_STATUSES):
            raise bad_request("invalid_parameters", f"status must be one of {INCENTIVE_STATUSES}")
        if kind not in (None, *INCENTIVE_TYPES):
            raise bad_request("invalid_parameters", f"type must be one of {INCENTIVE_TYPES}")
        now = datetime_of(self._clock())

        def state(program: IncentiveProgram) -> str:
            if program.paid_out:
                return "paid_out"
            if now < program.start_date:
                return "upcoming"
            return "active" if now < program.end_date else "closed"

        def keep(program: IncentiveProgram) -> bool:
            return (
                (status in (None, "all") or state(program) == status)
                and (kind in (None, "all") or program.incentive_type == kind)
                and (description is None or program.incentive_description == description)
            )

        programs = listed_incentives(self.catalog)
        return in_order(programs, "incentive_programs", cursor, limit, keep)

    # ------------------------------------------------------------------ milestones, targets

    def _live_milestone(self, milestone: Milestone, now_ms: int) -> Milestone:
        """A game as of now: created before tip-off, in progress after, closed once its event
        is decided (and updated as of that change). Races are as listed."""
        start_ms = millis_of(milestone.start_date)
        if now_ms < start_ms or milestone.type != "basketball_game":
            return milestone
        decided = self._event_status(milestone.primary_event_tickers[0]) in ("closed", "settled")
        details = {**milestone.details, "status": "closed" if decided else "inprogress"}
        updated = max(milestone.last_updated_ts, milestone.start_date)
        return _replace_milestone(milestone, details, updated)

    def _milestone_competitions(self, milestone: Milestone) -> set[str]:
        event = self.catalog.event(milestone.primary_event_tickers[0])
        found = competition_of(event.series_ticker) if event else None
        names = {found.competition} if found else set()
        league = milestone.details.get("league")
        return names | ({league} if isinstance(league, str) else set())

    def milestones(
        self, *, limit: int, minimum_start_date: datetime | None = None,
        category: str | None = None, competition: str | None = None,
        source_id: str | None = None, kind: str | None = None,
        related_event_ticker: str | None = None, min_updated_ts: int | None = None,
        cursor: str | None = None,
    ) -> tuple[list[Milestone], str]:  # fmt: skip
        check_limit(limit, 500)
        now = self._clock()
        live = [self._live_milestone(m, now) for m in listed_milestones(self.catalog)]

        def keep(m: Milestone) -> bool:
            return (
                (minimum_start_date is None or m.start_date >= minimum_start_date)
                and (category is None or m.category.lower() == category.lower())
                and (competition is None or competition in self._milestone_competitions(m))
                and (source_id is None or m.source_id == source_id)
                and (kind is None or m.type == kind)
                and (
                    related_event_ticker is None or related_event_ticker in m.related_event_tickers
                )
                and (
                    min_updated_ts is None or millis_of(m.last_updated_ts) // 1000 > min_updated_ts
                )
            )

        return in_order(live, "milestones", cursor, limit, keep)

    def milestone(self, milestone_id: str) -> Milestone:
        for found in listed_milestones(self.catalog):
            if found.id == milestone_id:
                return self._live_milestone(found, self._clock())
        raise not_found("milestone_not_found", f"no milestone with id {milestone_id!r}")

    def structured_targets(
        self, *, ids: Sequence[str] | None = None, kind: str | None = None,
        competition: str | None = None, page_size: int = 100, cursor: str | None = None,
    ) -> tuple[list[StructuredTarget], str]:  # fmt: skip
        if isinstance(page_size, bool) or not 1 <= page_size <= 2000:
            raise bad_request("invalid_parameters", "page_size must be from 1 to 2000")
        wanted = set(ids) if ids else None

        def keep(target: StructuredTarget) -> bool:
            details = target.details or {}
            return (
                (wanted is None or target.id in wanted)
                and (kind is None or target.type == kind)
                and (competition is None or competition == details.get("league"))
            )

        targets = team_targets(self.catalog)
        return in_order(targets, "structured_targets", cursor, page_size, keep)

    def structured_target(self, target_id: str) -> StructuredTarget:
        for found in team_targets(self.catalog):
            if found.id == target_id:
                return found
        raise not_found("not_found", f"no structured target with id {target_id!r}")


def _replace_milestone(
    milestone: Milestone, details: dict[str, object], updated: datetime
) -> Milestone:
    return msgspec.structs.replace(milestone, details=details, last_updated_ts=updated)
