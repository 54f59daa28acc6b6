"""What Kalshi publishes around its catalog, derived from the sandbox's: event metadata, search
tags and sport filters, scheduled fee changes, incentive programs, milestones (the games events
turn on) and structured targets (the teams games name).

Pure: everything is a function of the catalog as it is (its seed, series and events), so it is
the same on every run from the same seed, and an event listed later (``roll``) gets its
milestone too. Ids are UUIDs derived from the seed and what they name (``uuid5``), as stable as
the tickers. Kalshi's milestone types are sports games, tournaments and races (SDK 3.34
``Milestone.type``): of the sandbox's series the NBA games (``basketball_game``, whose teams are
the structured targets, ``basketball_team`` as Kalshi types teams) and the election
(``political_race``, category Elections; its ``details`` are left empty: no recorded race shows
their keys) are such. Weather days have none: Kalshi keys weather observations by event.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Final, NamedTuple

from kalshikit.models import (
    Event,
    EventMetadata,
    FiltersBySports,
    IncentiveProgram,
    MarketMetadata,
    Milestone,
    ScopeList,
    SeriesFeeChange,
    SportFilterDetails,
    StructuredTarget,
)
from kalshikit.sandbox.catalog import specs
from kalshikit.sandbox.catalog.build import Catalog

__all__ = [
    "ALL_SPORTS",
    "Competition",
    "category_tags",
    "competition_of",
    "game_milestones",
    "listed_incentives",
    "listed_milestones",
    "metadata_of",
    "scheduled_fee_changes",
    "sport_filters",
    "team_targets",
]

ALL_SPORTS: Final = "All sports"
_IMAGES: Final = "https://kalshi-public-docs.s3.amazonaws.com/series-images-webp/"
# one colour per market of an event, in order (Kalshi's charts cycle through a palette)
_PALETTE: Final = ("#0B7A75", "#D1495B", "#EDAE49", "#00798C", "#30638E", "#AA00FF", "#5C946E")
_NAMESPACE: Final = uuid.UUID("6f1c7c8e-6a4b-4d55-9a53-2f0e9d6c1b10")
_LEAGUE: Final = "NBA"


class Competition(NamedTuple):
    """Where a series sits in Kalshi's sport filters."""

    sport: str
    competition: str
    scope: str


# the sandbox's sports series, named as Kalshi's filters name them (filters_by_sport, 2026-01)
_COMPETITIONS: Final = {specs.NBA.ticker: Competition("Basketball", "Pro Basketball (M)", "Games")}


def _id(catalog: Catalog, *parts: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, ":".join([str(catalog.seed), *parts])))


def competition_of(series_ticker: str) -> Competition | None:
    return _COMPETITIONS.get(series_ticker)


# --- event metadata and search ------------------------------------------------------------------


def metadata_of(catalog: Catalog, event: Event) -> EventMetadata:
    """The event's image, one colour per market, its settlement sources and competition."""
    markets = catalog.markets_of_event(event.event_ticker)
    details = [
        MarketMetadata(market_ticker=m.ticker, image_url="", color_code=_PALETTE[i % 7])
        for i, m in enumerate(markets)
    ]
    found = competition_of(event.series_ticker)
    return EventMetadata(
        image_url=f"{_IMAGES}{event.series_ticker}.webp",
        featured_image_url="",
        market_details=details,
        settlement_sources=list(event.settlement_sources or ()),
        competition=found.competition if found else None,
        competition_scope=found.scope if found else None,
    )


def category_tags(catalog: Catalog) -> dict[str, list[str]]:
    """Each series category and the tags its series carry, in catalog order."""
    found: dict[str, list[str]] = {}
    for series in catalog.series:
        for category in series.categories or [series.category]:
            tags = found.setdefault(category, [])
            tags.extend(t for t in series.tags or () if t not in tags)
    return found


def sport_filters(catalog: Catalog) -> FiltersBySports:
    """Each sport with listed series, its competitions and their scopes; "All sports" first."""
    sports: dict[str, dict[str, list[str]]] = {}
    for series in catalog.series:
        found = competition_of(series.ticker)
        if found is not None and catalog.events_of_series(series.ticker):
            scopes = sports.setdefault(found.sport, {}).setdefault(found.competition, [])
            if found.scope not in scopes:
                scopes.append(found.scope)
    filters = {
        sport: SportFilterDetails(
            scopes=_union(competitions.values()),
            competitions={name: ScopeList(scopes=s) for name, s in competitions.items()},
        )
        for sport, competitions in sports.items()
    }
    every = _union(f.scopes for f in filters.values())
    filters = {ALL_SPORTS: SportFilterDetails(scopes=every, competitions={}), **filters}
    return FiltersBySports(filters_by_sports=filters, sport_ordering=list(filters))


def _union(lists: Iterable[Iterable[str]]) -> list[str]:
    out: list[str] = []
    for items in lists:
        out.extend(i for i in items if i not in out)
    return out


# --- fees and incentives ------------------------------------------------------------------------


def _listed_at(catalog: Catalog) -> datetime:
    """When the catalog was drafted, near enough: its newest market's creation (an hour mark)."""
    built = {e.event_ticker for e in catalog.built_events}
    times = [m.created_time for m in catalog.markets if m.event_ticker in built]
    return max(times, default=datetime(2026, 1, 1, tzinfo=UTC))


def scheduled_fee_changes(catalog: Catalog) -> list[SeriesFeeChange]:
    """One scheduled change: the weekly chart series moves to maker fees at the start of the
    month after the catalog was drafted (midnight US Eastern, 05:00 UTC)."""
    series = next((s for s in catalog.series if s.ticker == specs.TOP_SONG.ticker), None)
    if series is None:
        return []
    drafted = _listed_at(catalog).astimezone(UTC)
    month = drafted.replace(day=28, hour=5, minute=0, second=0, microsecond=0) + timedelta(days=4)
    change = SeriesFeeChange(
        id=_id(catalog, "fee", series.ticker),
        series_ticker=series.ticker,
        fee_type="quadratic_with_maker_fees",
        fee_multiplier=series.fee_multiplier,
        scheduled_ts=month.replace(day=1),
    )
    return [change]


def listed_incentives(catalog: Catalog) -> list[IncentiveProgram]:
    """Liquidity programs on each city's first listed day, volume programs on the first NBA
    night's first game: each runs while its market is open."""
    firsts: list[tuple[Event, str]] = []
    for city in specs.CITIES:
        events = catalog.events_of_series(city.series.ticker)
        firsts += [(events[0], "liquidity")] if events else []
    games = catalog.events_of_series(specs.NBA.ticker)
    firsts += [(games[0], "volume")] if games else []
    programs = []
    for event, kind in firsts:
        for market in catalog.markets_of_event(event.event_ticker):
            liquidity = kind == "liquidity"
            programs.append(
                IncentiveProgram(
                    id=_id(catalog, "incentive", kind, market.ticker),
                    market_id=_id(catalog, "market", market.ticker),
                    market_ticker=market.ticker,
                    incentive_type=kind,
                    incentive_description=f"{kind.capitalize()} incentive on {market.ticker}",
                    start_date=market.open_time,
                    end_date=market.close_time,
                    period_reward=200_000 if liquidity else 500_000,
                    paid_out=False,
                    discount_factor_bps=5000 if liquidity else None,
                    target_size_fp="300.00" if liquidity else None,
                    max_reward_per_account=None if liquidity else 100_000,
                )
            )
    return programs


# --- milestones and structured targets ----------------------------------------------------------


def team_targets(catalog: Catalog) -> list[StructuredTarget]:
    """Every NBA team, ordered by id (as Kalshi lists them)."""
    series = next((s for s in catalog.series if s.ticker == specs.NBA.ticker), None)
    updated = series.last_updated_ts if series else None
    teams = [
        StructuredTarget(
            id=_team_id(catalog, code),
            name=name,
            type="basketball_team",
            details={"abbreviation": code, "league": _LEAGUE, "market": name},
            last_updated_ts=updated,
        )
        for code, name in specs.NBA_TEAMS
    ]
    return sorted(teams, key=lambda t: t.id or "")


def _team_id(catalog: Catalog, code: str) -> str:
    return _id(catalog, "basketball_team", code)


def game_milestones(catalog: Catalog) -> list[Milestone]:
    """One ``basketball_game`` milestone per NBA event, in listing order; ``details.status`` is
    "created" here (the exchange says when a game is under way or over)."""
    milestones = []
    for event in catalog.events_of_series(specs.NBA.ticker):
        away, home = catalog.markets_of_event(event.event_ticker)[:2]
        start = event.strike_date or away.occurrence_datetime or away.close_time
        details = {
            "away_team_id": _team_id(catalog, away.ticker.rpartition("-")[2]),
            "home_team_id": _team_id(catalog, home.ticker.rpartition("-")[2]),
            "league": _LEAGUE,
            "status": "created",
        }
        milestones.append(
            Milestone(
                id=_id(catalog, "milestone", event.event_ticker),
                category="Sports",
                type="basketball_game",
                start_date=start,
                related_event_tickers=[event.event_ticker],
                title=f"{away.yes_sub_title} at {home.yes_sub_title}",
                notification_message="Who will emerge victorious?",
                details=details,
                primary_event_tickers=[event.event_ticker],
                last_updated_ts=event.last_updated_ts or away.created_time,
            )
        )
    return milestones


def race_milestones(catalog: Catalog) -> list[Milestone]:
    """One ``political_race`` milestone per election event, in listing order."""
    return [
        Milestone(
            id=_id(catalog, "milestone", event.event_ticker),
            category="Elections",
            type="political_race",
            start_date=event.strike_date or _listed_at(catalog),
            related_event_tickers=[event.event_ticker],
            title=event.sub_title or event.title,
            notification_message=event.title,
            details={},
            primary_event_tickers=[event.event_ticker],
            last_updated_ts=event.last_updated_ts or _listed_at(catalog),
        )
        for event in catalog.events_of_series(specs.PRESIDENT_STATES.ticker)
    ]


def listed_milestones(catalog: Catalog) -> list[Milestone]:
    """Every milestone: the games, then the races."""
    return game_milestones(catalog) + race_milestones(catalog)
