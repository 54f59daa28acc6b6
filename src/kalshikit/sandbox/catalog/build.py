"""The catalog itself: every family's events, sized to the request, assembled with O(1) lookups."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from kalshikit.errors import ValidationError
from kalshikit.models import Event, Market, Series
from kalshikit.sandbox.catalog import specs
from kalshikit.sandbox.catalog.combos import combos
from kalshikit.sandbox.catalog.crypto import crypto_events
from kalshikit.sandbox.catalog.culture import chart_events
from kalshikit.sandbox.catalog.drafts import (
    COMBO_SHARE,
    CRYPTO_HOURS,
    MIN_COMBOS,
    Anchor,
    Ctx,
    Drafted,
    Plan,
    series_struct,
    utc,
)
from kalshikit.sandbox.catalog.macro import cpi_events, fed_events
from kalshikit.sandbox.catalog.politics import election_events
from kalshikit.sandbox.catalog.sports import nba_events
from kalshikit.sandbox.catalog.weather import weather_events


@dataclass(frozen=True, slots=True)
class Catalog:
    """The seeded series, events and markets, with O(1) lookups. Treat it as read-only: only
    an exchange adds to it (``add``), and only to its own ``copy``.

    ``fair_value`` maps every market ticker to its latent YES probability in ticks of $0.0001
    (1..9999); within a mutually exclusive event the values sum to exactly 10000. ``anchors``
    holds, per scalar event (a price, a temperature, a rate split by strikes), the number its
    strikes split as drafted. The first ``built`` events are the ones ``build_catalog`` made
    (all of them when negative); the rest were listed later (``catalog.next_listing``).
    """

    series: list[Series]
    events: list[Event]
    markets: list[Market]
    fair_value: dict[str, int]
    seed: int = 0
    anchors: dict[str, Anchor] = field(default_factory=dict)
    built: int = -1
    _market_index: dict[str, Market] = field(init=False, repr=False, compare=False)
    _event_index: dict[str, Event] = field(init=False, repr=False, compare=False)
    _series_index: dict[str, Series] = field(init=False, repr=False, compare=False)
    _event_markets: dict[str, list[Market]] = field(init=False, repr=False, compare=False)
    _series_events: dict[str, list[Event]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_market_index", {})
        object.__setattr__(self, "_event_index", {})
        object.__setattr__(self, "_series_index", {s.ticker: s for s in self.series})
        object.__setattr__(self, "_event_markets", {})
        object.__setattr__(self, "_series_events", {})
        for event in self.events:
            self._index_event(event)
        for market in self.markets:
            self._index_market(market)

    def _index_event(self, event: Event) -> None:
        self._event_index[event.event_ticker] = event
        self._series_events.setdefault(event.series_ticker, []).append(event)

    def _index_market(self, market: Market) -> None:
        self._market_index[market.ticker] = market
        self._event_markets.setdefault(market.event_ticker, []).append(market)

    @property
    def built_events(self) -> list[Event]:
        """The events ``build_catalog`` made (not those listed later)."""
        return self.events if self.built < 0 else self.events[: self.built]

    def copy(self) -> Catalog:
        """A catalog of its own to ``add`` to (the lists and maps are new, the structs shared)."""
        built = len(self.events) if self.built < 0 else self.built
        return Catalog(
            list(self.series), list(self.events), list(self.markets), dict(self.fair_value),
            self.seed, dict(self.anchors), built,
        )  # fmt: skip

    def add(self, drafted: Drafted) -> None:
        """Append a newly listed event and its markets (on a ``copy``: others may share this)."""
        self.events.append(drafted.event)
        self._index_event(drafted.event)
        for market, fair in zip(drafted.markets, drafted.fair, strict=True):
            self.markets.append(market)
            self.fair_value[market.ticker] = fair
            self._index_market(market)
        if drafted.anchor is not None:
            self.anchors[drafted.event.event_ticker] = drafted.anchor

    def market(self, ticker: str) -> Market | None:
        return self._market_index.get(ticker)

    def event(self, event_ticker: str) -> Event | None:
        return self._event_index.get(event_ticker)

    def series_of(self, ticker: str) -> Series | None:
        """The series of a market ticker, an event ticker or a series ticker; None if unknown."""
        market = self._market_index.get(ticker)
        event = self._event_index.get(market.event_ticker if market else ticker)
        return self._series_index.get(event.series_ticker if event else ticker)

    def fee_terms(self, market: Market) -> tuple[str, float]:
        """The fee type and multiplier charged on ``market``: its series', unless its event
        overrides them."""
        series = self.series_of(market.ticker)
        event = self.event(market.event_ticker)
        fee_type = series.fee_type if series else "quadratic"
        multiplier = series.fee_multiplier if series else 1.0
        if event is not None and event.fee_type_override:
            fee_type = event.fee_type_override
        if event is not None and event.fee_multiplier_override is not None:
            multiplier = event.fee_multiplier_override
        return fee_type, multiplier

    def replace_event(self, event: Event) -> None:
        """Put a changed ``event`` where the one of its ticker was (on a ``copy``: others may
        share this). Its markets stay as they are."""
        old = self._event_index[event.event_ticker]
        self.events[self.events.index(old)] = event
        self._event_index[event.event_ticker] = event
        siblings = self._series_events[event.series_ticker]
        siblings[siblings.index(old)] = event

    def markets_of_event(self, event_ticker: str) -> list[Market]:
        """The event's markets in catalog order (ascending strikes); empty if unknown."""
        return list(self._event_markets.get(event_ticker, ()))

    def events_of_series(self, series_ticker: str) -> list[Event]:
        """The series' events in the order they were listed (date order); empty if unknown."""
        return list(self._series_events.get(series_ticker, ()))


def build_catalog(*, seed: int = 0, markets: int = 200, now: datetime) -> Catalog:
    """A realistic catalog of about ``markets`` markets whose times are consistent with ``now``.

    ``now`` must be timezone-aware (it is read in UTC). The same seed, size and ``now`` always
    give the same catalog.
    """
    if type(markets) is not int or markets < 1:
        raise ValidationError(f"markets must be a positive int, got {markets!r}")
    ctx = Ctx(utc(now), random.Random(seed))
    drafted: list[Drafted] = []
    for plan in _listed_plans():
        drafted += _take(plan, ctx, plan.share * markets)
    # crypto fills the room left for it; combos, which are always open, round off the size
    room = markets * (1 - COMBO_SHARE) - _size(drafted)
    for plan in _crypto_plans(room):
        drafted += _take(plan, ctx, plan.share * room)
    drafted += combos(ctx, drafted, max(markets - _size(drafted), MIN_COMBOS))
    return _assemble(ctx, drafted, seed)


# --- sizing and assembly --------------------------------------------------------------------------


def _listed_plans() -> tuple[Plan, ...]:
    """Each series' share of the size and how many events it lists at most (how far ahead)."""
    first_city, *other_cities = specs.CITIES
    return (
        Plan(0.025, partial(weather_events, city=first_city), min_events=1, max_events=3),
        *(Plan(0.014, partial(weather_events, city=c), max_events=3) for c in other_cities),
        Plan(0.02, fed_events, min_events=1, max_events=8),
        # two CPI events at least: the next release's is open, the one after is not yet
        Plan(0.03, cpi_events, min_events=2, max_events=4),
        Plan(0.04, election_events, min_events=1, max_events=2),
        Plan(0.05, nba_events, min_events=1, max_events=40),
        Plan(0.03, chart_events, min_events=1, max_events=3),
    )


def _crypto_plans(room: float) -> tuple[Plan, ...]:
    """Each asset's share of the room; past two days of hourly events (all a market lists ahead)
    a bigger catalog lists more strikes per event, not more hours, so most of it stays open."""
    plans = []
    for asset, share in ((specs.BITCOIN, 0.45), (specs.ETHER, 0.35), (specs.SOLANA, 0.20)):
        per_event = asset.buckets + asset.thresholds
        density = max(1, math.ceil(share * room / (CRYPTO_HOURS * per_event)))
        events = partial(crypto_events, asset=asset, density=density)
        plans.append(Plan(share, events, int(asset is specs.BITCOIN), CRYPTO_HOURS))
    return tuple(plans)


def _size(drafted: list[Drafted]) -> int:
    return sum(len(d.markets) for d in drafted)


def _take(plan: Plan, ctx: Ctx, budget: float) -> list[Drafted]:
    """The plan's events in date order until ``budget`` markets are filled."""
    taken: list[Drafted] = []
    size = 0
    for drafted in plan.events(ctx):
        enough = len(taken) >= plan.min_events
        # take an event unless it would overshoot the budget by more than half of itself
        if len(taken) >= plan.max_events or (enough and size + len(drafted.markets) / 2 > budget):
            break
        taken.append(drafted)
        size += len(drafted.markets)
    return taken


def _assemble(ctx: Ctx, drafted: list[Drafted], seed: int) -> Catalog:
    made = [specs.BITCOIN.series, specs.ETHER.series, specs.SOLANA.series]
    made += [city.series for city in specs.CITIES]
    made += [specs.FED, specs.CPI, specs.PRESIDENT_STATES, specs.NBA, specs.TOP_SONG, specs.COMBOS]
    midnight = ctx.now.replace(hour=0, minute=0, second=0, microsecond=0)
    series = [series_struct(s, midnight - timedelta(days=ctx.rng.randint(1, 90))) for s in made]
    fair = {m.ticker: f for d in drafted for m, f in zip(d.markets, d.fair, strict=True)}
    markets = [market for d in drafted for market in d.markets]
    anchors = {d.event.event_ticker: d.anchor for d in drafted if d.anchor is not None}
    return Catalog(series, [d.event for d in drafted], markets, fair, seed, anchors)
