"""The sandbox's seeded catalog: the series, events and markets a fresh local exchange starts with.

One job: from a seed, a size and ``now``, build realistic ``Series``, ``Event`` and ``Market`` wire
structs plus each market's latent fair value (YES probability in ticks of $0.0001). Pure: no I/O
here, no clock (``now`` is an argument), no global randomness (one ``random.Random(seed)``), so
the same arguments give the same catalog, byte for byte once encoded.

What is in it (templates in ``_catalog_data``): hourly crypto ladders (``KXBTCD``, ``KXETHD``,
``KXSOLD``: ``between`` ranges and ``greater`` thresholds), daily high temperatures
(``KXHIGHNY`` and seven more cities: six mutually exclusive ranges), Fed decisions
(``KXFEDDECISION``), CPI releases (``KXCPIYOY``), a state-by-state election (independent yes/no),
NBA games (``KXNBAGAME``: one market per team), the weekly #1 song (``KXTOPSONG``) and
cross-category combos on shard 1 (``KXMVECROSSCATEGORY``, ``deci_cent``, legs drawn from the
other markets).

Events run forward from ``now`` (the next hour, today, the next meeting ...): a market is
``active`` when ``open_time <= now < close_time`` and ``initialized`` before it opens. Sizing: each
series takes a share of the requested size in whole events, in date order, but lists no further
ahead than the real ones do; crypto then fills the room up to 80% (with more strikes per event
when the catalog is big, so most of it stays open); combos (one market per event, always open)
take the rest. The size lands on the request, except below the minimum catalog of about 70
markets (one event of each core series).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from functools import partial
from itertools import count
from typing import Final, NamedTuple

import msgspec

from kalshikit.errors import ValidationError
from kalshikit.models import Event, Market, MveSelectedLeg, PriceRange, Series, SettlementSource
from kalshikit.models.enums import PRICE_LEVEL_STRUCTURES
from kalshikit.sandbox import _catalog_data as data
from kalshikit.units import TICKS_PER_DOLLAR, PriceGrid, ticks_to_dollars

__all__ = ["Catalog", "build_catalog"]


@dataclass(frozen=True, slots=True)
class Catalog:
    """The seeded series, events and markets, with O(1) lookups. Treat it as read-only.

    ``fair_value`` maps every market ticker to its latent YES probability in ticks of $0.0001
    (1..9999); within a mutually exclusive event the values sum to exactly 10000.
    """

    series: list[Series]
    events: list[Event]
    markets: list[Market]
    fair_value: dict[str, int]
    _market_index: dict[str, Market] = field(init=False, repr=False, compare=False)
    _event_index: dict[str, Event] = field(init=False, repr=False, compare=False)
    _series_index: dict[str, Series] = field(init=False, repr=False, compare=False)
    _event_markets: dict[str, list[Market]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        event_markets: dict[str, list[Market]] = {}
        for market in self.markets:
            event_markets.setdefault(market.event_ticker, []).append(market)
        object.__setattr__(self, "_market_index", {m.ticker: m for m in self.markets})
        object.__setattr__(self, "_event_index", {e.event_ticker: e for e in self.events})
        object.__setattr__(self, "_series_index", {s.ticker: s for s in self.series})
        object.__setattr__(self, "_event_markets", event_markets)

    def market(self, ticker: str) -> Market | None:
        return self._market_index.get(ticker)

    def event(self, event_ticker: str) -> Event | None:
        return self._event_index.get(event_ticker)

    def series_of(self, ticker: str) -> Series | None:
        """The series of a market ticker, an event ticker or a series ticker; None if unknown."""
        market = self._market_index.get(ticker)
        event = self._event_index.get(market.event_ticker if market else ticker)
        return self._series_index.get(event.series_ticker if event else ticker)

    def markets_of_event(self, event_ticker: str) -> list[Market]:
        """The event's markets in catalog order (ascending strikes); empty if unknown."""
        return list(self._event_markets.get(event_ticker, ()))


def build_catalog(*, seed: int = 0, markets: int = 200, now: datetime) -> Catalog:
    """A realistic catalog of about ``markets`` markets whose times are consistent with ``now``.

    ``now`` must be timezone-aware (it is read in UTC). The same seed, size and ``now`` always
    give the same catalog.
    """
    if type(markets) is not int or markets < 1:
        raise ValidationError(f"markets must be a positive int, got {markets!r}")
    ctx = _Ctx(_utc(now), random.Random(seed))
    drafted: list[_Drafted] = []
    for plan in _listed_plans():
        drafted += _take(plan, ctx, plan.share * markets)
    # crypto fills the room left for it; combos, which are always open, round off the size
    room = markets * (1 - _COMBO_SHARE) - _size(drafted)
    for plan in _crypto_plans(room):
        drafted += _take(plan, ctx, plan.share * room)
    drafted += _combos(ctx, drafted, max(markets - _size(drafted), _MIN_COMBOS))
    return _assemble(ctx, drafted)


# --- building blocks ----------------------------------------------------------------------------

_EST: Final = timezone(timedelta(hours=-5), "EST")  # Kalshi states times in ET; EST keeps it fixed
_MONTHS: Final = "JANFEBMARAPRMAYJUNJULAUGSEPOCTNOVDEC"
_SECONDS_PER_YEAR: Final = 365.25 * 86_400
_MIN_COMBOS: Final = 3
_COMBO_SHARE: Final = 0.2
_CRYPTO_HOURS: Final = 54  # two open days of hourly events and six hours listed ahead
_ZERO_PRICE: Final = "0.0000"
_ZERO_SIZE: Final = "0.00"
_TUESDAY, _WEDNESDAY, _SATURDAY = 1, 2, 5


class _Ctx(NamedTuple):
    now: datetime
    rng: random.Random


class _Times(NamedTuple):
    created: datetime
    open: datetime
    close: datetime
    expected: datetime
    latest: datetime


class _Strike(NamedTuple):
    kind: str | None = None
    floor: float | None = None
    cap: float | None = None


class _Outcome(NamedTuple):
    """One market to be: ``label`` is its yes/no sub-title, ``phrase`` how sentences say it."""

    suffix: str
    label: str
    phrase: str
    probability: float = 0.0
    strike: _Strike = _Strike()
    grid: str = "linear_cent"


class _EventDraft(NamedTuple):
    """One event to be; ``words`` fill its series' text templates."""

    ticker: str
    times: _Times
    words: dict[str, str]
    outcomes: list[_Outcome]
    fairs: list[int]
    strike_date: datetime | None = None
    occurs: datetime | None = None


@dataclass(frozen=True, slots=True)
class _Drafted:
    event: Event
    markets: list[Market]
    fair: list[int]


class _Plan(NamedTuple):
    """A series' share of the size, and how many of its events to list at least and at most."""

    share: float
    events: Callable[[_Ctx], Iterator[_Drafted]]
    min_events: int = 0
    max_events: int = 1 << 30


def _price_ranges(structure: str) -> tuple[PriceRange, ...]:
    return tuple(
        PriceRange(start=ticks_to_dollars(a), end=ticks_to_dollars(b), step=ticks_to_dollars(s))
        for a, b, s in PriceGrid.for_structure(structure).ranges
    )


_RANGES: Final = {name: _price_ranges(name) for name in PRICE_LEVEL_STRUCTURES}


def _utc(now: datetime) -> datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValidationError(f"now must be timezone-aware, such as datetime.now(UTC); got {now!r}")
    return now.astimezone(UTC)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    """``day`` at ``hour:minute`` Eastern (standard) time, in UTC."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=_EST).astimezone(UTC)


def _est_day(moment: datetime) -> date:
    return moment.astimezone(_EST).date()


def _month(day: date) -> str:
    """``NOV``: the month as tickers spell it (no locale, unlike ``%b``)."""
    return _MONTHS[3 * day.month - 3 : 3 * day.month]


def _day_code(day: date) -> str:
    return f"{day.year % 100:02d}{_month(day)}{day.day:02d}"


def _month_code(day: date) -> str:
    return f"{day.year % 100:02d}{_month(day)}"


def _day_text(day: date) -> str:
    return f"{_month(day).title()} {day.day}, {day.year}"


def _month_text(day: date) -> str:
    return f"{_month(day).title()} {day.year}"


def _next_weekday(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def _floor_hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def _schedule(
    ctx: _Ctx, spec: data.SeriesSpec, close: datetime, opens: datetime | None = None
) -> _Times:
    """An event's times from its close and its series' schedule."""
    opens = close - spec.open_before if opens is None else opens
    # listed an hour before it opens, and never in the future even when it opens later
    created = min(opens, _floor_hour(ctx.now)) - timedelta(hours=1)
    return _Times(created, opens, close, close + spec.expected_after, close + spec.latest_after)


def _status(times: _Times, now: datetime) -> str:
    if now < times.open:
        return "initialized"
    return "active" if now < times.close else "closed"


def _phi(z: float) -> float:
    """The standard normal CDF."""
    return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))


def _ticks(probability: float) -> int:
    """A probability as a fair value in ticks, kept strictly inside (0, 1)."""
    return min(TICKS_PER_DOLLAR - 1, max(1, round(probability * TICKS_PER_DOLLAR)))


def _split_dollar(weights: list[float]) -> list[int]:
    """Weights as fair values (each >= 1 tick) that sum to exactly $1."""
    total = sum(weights)
    ticks = [max(1, round(w / total * TICKS_PER_DOLLAR)) for w in weights]
    # the largest outcome absorbs the rounding, so every small one keeps its shape
    largest = ticks.index(max(ticks))
    ticks[largest] += TICKS_PER_DOLLAR - sum(ticks)
    return ticks


def _num(value: float) -> str:
    """52.0 -> '52', 52.5 -> '52.5', 2.7 -> '2.7': how strikes read in tickers and labels."""
    return format(value, ".10g")


# --- wire structs ---------------------------------------------------------------------------------


def _sources(spec: data.SeriesSpec) -> list[SettlementSource]:
    return [SettlementSource(name=name, url=url) for name, url in spec.sources]


def _series(spec: data.SeriesSpec, updated: datetime) -> Series:
    return Series(
        ticker=spec.ticker,
        frequency=spec.frequency,
        title=spec.title,
        category=spec.category,
        categories=[spec.category],
        tags=list(spec.tags),
        settlement_sources=_sources(spec),
        contract_url=spec.contract_url,
        contract_terms_url=spec.contract_terms_url,
        fee_type=spec.fee_type,
        fee_multiplier=spec.fee_multiplier,
        additional_prohibitions=list(spec.prohibitions),
        last_updated_ts=updated,
        exchange_index=spec.exchange_index,
    )


def _event(spec: data.SeriesSpec, draft: _EventDraft) -> Event:
    return Event(
        event_ticker=draft.ticker,
        series_ticker=spec.ticker,
        title=spec.event_title.format(**draft.words),
        sub_title=spec.event_sub_title.format(**draft.words),
        collateral_return_type=spec.collateral,
        mutually_exclusive=spec.collateral == "MECNET",
        category=spec.category,
        strike_date=draft.strike_date,
        strike_period=spec.strike_period,
        settlement_sources=_sources(spec),
        last_updated_ts=draft.times.created,
        exchange_index=spec.exchange_index,
    )


def _frame(ctx: _Ctx, spec: data.SeriesSpec, draft: _EventDraft) -> Market:
    """What every market of one event shares; ``_market`` replaces what is each market's own.

    Books start empty: quotes and sizes are zero until the exchange fills them in.
    """
    zero, none, times = _ZERO_PRICE, _ZERO_SIZE, draft.times
    return Market(
        ticker=draft.ticker,
        event_ticker=draft.ticker,
        market_type="binary",
        subtitle="",
        yes_sub_title="",
        no_sub_title="",
        created_time=times.created,
        updated_time=times.created,
        open_time=times.open,
        close_time=times.close,
        expected_expiration_time=times.expected,
        expiration_time=times.latest,
        latest_expiration_time=times.latest,
        settlement_timer_seconds=spec.settlement_timer_seconds,
        status=_status(times, ctx.now),
        yes_bid_dollars=zero,
        yes_bid_size_fp=none,
        yes_ask_dollars=zero,
        yes_ask_size_fp=none,
        no_bid_dollars=zero,
        no_ask_dollars=zero,
        last_price_dollars=zero,
        volume_fp=none,
        volume_24h_fp=none,
        can_close_early=spec.can_close_early,
        early_close_condition=spec.early_close_condition,
        open_interest_fp=none,
        notional_value_dollars="1.0000",
        previous_yes_bid_dollars=zero,
        previous_yes_ask_dollars=zero,
        previous_price_dollars=zero,
        settlement_bounds_type="default",
        occurrence_datetime=draft.occurs,
        rules_secondary=spec.rules_secondary,
        exchange_index=spec.exchange_index,
    )


def _market(
    frame: Market, spec: data.SeriesSpec, outcome: _Outcome, words: dict[str, str]
) -> Market:
    return msgspec.structs.replace(
        frame,
        ticker=f"{frame.event_ticker}-{outcome.suffix}",
        title=spec.market_title.format(phrase=outcome.phrase, **words),
        yes_sub_title=outcome.label,
        no_sub_title=outcome.label,
        rules_primary=spec.rules_primary.format(phrase=outcome.phrase, **words),
        strike_type=outcome.strike.kind,
        floor_strike=outcome.strike.floor,
        cap_strike=outcome.strike.cap,
        price_level_structure=outcome.grid,
        price_ranges=list(_RANGES[outcome.grid]),
    )


def _drafted(ctx: _Ctx, spec: data.SeriesSpec, draft: _EventDraft) -> _Drafted:
    frame = _frame(ctx, spec, draft)
    markets = [_market(frame, spec, outcome, draft.words) for outcome in draft.outcomes]
    return _Drafted(_event(spec, draft), markets, draft.fairs)


# --- sizing and assembly --------------------------------------------------------------------------


def _listed_plans() -> tuple[_Plan, ...]:
    """Each series' share of the size and how many events it lists at most (how far ahead)."""
    first_city, *other_cities = data.CITIES
    return (
        _Plan(0.025, partial(_weather_events, city=first_city), min_events=1, max_events=3),
        *(_Plan(0.014, partial(_weather_events, city=c), max_events=3) for c in other_cities),
        _Plan(0.02, _fed_events, min_events=1, max_events=8),
        # two CPI events at least: the next release's is open, the one after is not yet
        _Plan(0.03, _cpi_events, min_events=2, max_events=4),
        _Plan(0.04, _election_events, min_events=1, max_events=2),
        _Plan(0.05, _nba_events, min_events=1, max_events=40),
        _Plan(0.03, _chart_events, min_events=1, max_events=3),
    )


def _crypto_plans(room: float) -> tuple[_Plan, ...]:
    """Each asset's share of the room; past two days of hourly events (all a market lists ahead)
    a bigger catalog lists more strikes per event, not more hours, so most of it stays open."""
    plans = []
    for asset, share in ((data.BITCOIN, 0.45), (data.ETHER, 0.35), (data.SOLANA, 0.20)):
        per_event = asset.buckets + asset.thresholds
        density = max(1, math.ceil(share * room / (_CRYPTO_HOURS * per_event)))
        events = partial(_crypto_events, asset=asset, density=density)
        plans.append(_Plan(share, events, int(asset is data.BITCOIN), _CRYPTO_HOURS))
    return tuple(plans)


def _size(drafted: list[_Drafted]) -> int:
    return sum(len(d.markets) for d in drafted)


def _take(plan: _Plan, ctx: _Ctx, budget: float) -> list[_Drafted]:
    """The plan's events in date order until ``budget`` markets are filled."""
    taken: list[_Drafted] = []
    size = 0
    for drafted in plan.events(ctx):
        enough = len(taken) >= plan.min_events
        # take an event unless it would overshoot the budget by more than half of itself
        if len(taken) >= plan.max_events or (enough and size + len(drafted.markets) / 2 > budget):
            break
        taken.append(drafted)
        size += len(drafted.markets)
    return taken


def _assemble(ctx: _Ctx, drafted: list[_Drafted]) -> Catalog:
    specs = [data.BITCOIN.series, data.ETHER.series, data.SOLANA.series]
    specs += [city.series for city in data.CITIES]
    specs += [data.FED, data.CPI, data.PRESIDENT_STATES, data.NBA, data.TOP_SONG, data.COMBOS]
    midnight = ctx.now.replace(hour=0, minute=0, second=0, microsecond=0)
    series = [_series(s, midnight - timedelta(days=ctx.rng.randint(1, 90))) for s in specs]
    fair = {m.ticker: f for d in drafted for m, f in zip(d.markets, d.fair, strict=True)}
    markets = [market for d in drafted for market in d.markets]
    return Catalog(series, [d.event for d in drafted], markets, fair)


# --- crypto: hourly ladders of ranges and thresholds ----------------------------------------------


def _crypto_events(ctx: _Ctx, asset: data.CryptoAsset, density: int) -> Iterator[_Drafted]:
    spot = round(ctx.rng.uniform(asset.spot_low, asset.spot_high), 2)
    first_close = _floor_hour(ctx.now) + timedelta(hours=1)
    for hours in count():
        yield _crypto_event(ctx, asset, spot, first_close + timedelta(hours=hours), density)


def _crypto_event(
    ctx: _Ctx, asset: data.CryptoAsset, spot: float, close: datetime, density: int
) -> _Drafted:
    local = close.astimezone(_EST)
    hour = f"{(local.hour - 1) % 12 + 1}{'am' if local.hour < 12 else 'pm'}"
    years = max((close - ctx.now).total_seconds(), 60.0) / _SECONDS_PER_YEAR
    spread = spot * asset.annual_volatility * math.sqrt(years)  # the price's sd at the close
    outcomes = [
        _crypto_range(asset, low, spot, spread) for low in _ladder(asset, spot, density, True)
    ]
    outcomes += [_crypto_threshold(k, spot, spread) for k in _ladder(asset, spot, density, False)]
    ticker = f"{asset.series.ticker}-{_day_code(local.date())}{local.hour:02d}"
    words = {"when": f"{hour} EST on {_day_text(local.date())}"}
    fairs = [_ticks(outcome.probability) for outcome in outcomes]
    draft = _EventDraft(ticker, _schedule(ctx, asset.series, close), words, outcomes, fairs, close)
    return _drafted(ctx, asset.series, draft)


def _ladder(asset: data.CryptoAsset, spot: float, density: int, ranges: bool) -> list[int]:
    """Range floors (or thresholds) centred on the spot price, ``density`` times the usual count."""
    step, steps = (
        (asset.bucket_width, asset.buckets) if ranges else (asset.threshold_step, asset.thresholds)
    )
    steps *= density
    first = round(spot / step) * step - steps // 2 * step
    return [first + i * step for i in range(steps)]


def _crypto_range(asset: data.CryptoAsset, low: int, spot: float, spread: float) -> _Outcome:
    high = low + asset.bucket_width
    cap = round(high - 0.01, 2)
    probability = _phi((high - spot) / spread) - _phi((low - spot) / spread)
    phrase = f"between ${low:,.2f} and ${cap:,.2f}"
    strike = _Strike("between", float(low), cap)
    suffix = f"B{low + asset.bucket_width // 2}"
    return _Outcome(suffix, f"${low:,} to {cap:,.2f}", phrase, probability, strike)


def _crypto_threshold(strike: int, spot: float, spread: float) -> _Outcome:
    probability = 1.0 - _phi((strike - spot) / spread)
    above = _Strike("greater", floor=float(strike))
    return _Outcome(
        f"T{strike}",
        f"Above ${strike:,}",
        f"above ${strike:,.2f}",
        probability,
        above,
        _crypto_grid(probability),
    )


def _crypto_grid(probability: float) -> str:
    # a threshold deep in or out of the money trades within 10c of $0 or $1 all its life, where
    # the tapered grid's 0.1c ticks matter; ranges and the rest keep whole cents
    return "linear_cent" if 0.03 <= probability <= 0.97 else "tapered_deci_cent"


# --- ranges of a reported number: weather highs and CPI -----------------------------------------


class _Scale(NamedTuple):
    """How a number is reported: in units of 1/``per_one`` (1 °F, 0.1 %), ranges ``width`` wide."""

    per_one: int
    symbol: str
    width: int
    inner: int

    def show(self, units: int) -> str:
        return f"{_num(units / self.per_one)}{self.symbol}"


def _ranges(scale: _Scale, start: int, mean: float, sd: float) -> list[_Outcome]:
    """A low tail, ``scale.inner`` ranges from ``start`` (in units) and a high tail."""
    top = start + scale.inner * scale.width
    edges = range(start, top + 1, scale.width)
    # values are reported in whole units, so unit u takes everything in [u - 0.5, u + 0.5)
    below = [_phi((edge - 0.5 - mean) / sd) for edge in edges]
    low, high = f"{scale.show(start - 1)} or below", f"{scale.show(top)} or above"
    low_cap, high_floor = start / scale.per_one, (top - 1) / scale.per_one
    return [
        _Outcome(f"T{_num(low_cap)}", low, low, below[0], _Strike("less", cap=low_cap)),
        *(_inner_range(scale, edge, below[i + 1] - below[i]) for i, edge in enumerate(edges[:-1])),
        _Outcome(f"T{_num(high_floor)}", high, high, 1 - below[-1], _Strike("greater", high_floor)),
    ]


def _inner_range(scale: _Scale, first: int, probability: float) -> _Outcome:
    last = first + scale.width - 1
    label = phrase = scale.show(first)
    if last != first:
        label = f"{scale.show(first)} to {scale.show(last)}"
        phrase = f"between {scale.show(first)} and {scale.show(last)}"
    strike = _Strike("between", first / scale.per_one, last / scale.per_one)
    return _Outcome(
        f"B{_num((first + last) / (2 * scale.per_one))}", label, phrase, probability, strike
    )


def _exclusive(
    ticker: str, times: _Times, words: dict[str, str], outcomes: list[_Outcome]
) -> _EventDraft:
    """A mutually exclusive event: its fair values split $1 by the outcomes' probabilities."""
    fairs = _split_dollar([outcome.probability for outcome in outcomes])
    return _EventDraft(ticker, times, words, outcomes, fairs)


def _weather_events(ctx: _Ctx, city: data.City) -> Iterator[_Drafted]:
    today = _est_day(ctx.now)
    for days_ahead in count():
        day = today + timedelta(days=days_ahead)
        close = _at(day + timedelta(days=1), 0) - timedelta(minutes=1)  # 11:59pm
        if close > ctx.now:
            yield _weather_event(ctx, city, day, close, days_ahead)


def _weather_event(
    ctx: _Ctx, city: data.City, day: date, close: datetime, days_ahead: int
) -> _Drafted:
    # the coldest days fall around January 20th
    season = math.cos(2 * math.pi * (day.timetuple().tm_yday - 20) / 365.25)
    mean = city.mean_high - city.seasonal_swing * season + ctx.rng.gauss(0.0, 3.0)
    spread = min(2.5 + 0.8 * days_ahead, 6.0)  # forecasts blur with distance
    outcomes = _ranges(_Scale(1, "°", 2, 4), round(mean) - 4, mean, spread)
    times = _schedule(ctx, city.series, close)
    draft = _exclusive(
        f"{city.series.ticker}-{_day_code(day)}", times, {"on": _day_text(day)}, outcomes
    )
    return _drafted(ctx, city.series, draft._replace(strike_date=_at(day, 0)))


def _cpi_events(ctx: _Ctx) -> Iterator[_Drafted]:
    trend = ctx.rng.uniform(2.3, 3.3)
    month = _add_months(ctx.now.date().replace(day=1), -3)
    previous_release = _cpi_release(month)
    while True:
        month = _add_months(month, 1)
        release = _cpi_release(month)
        if release - timedelta(minutes=5) > ctx.now:
            yield _cpi_event(ctx, month, previous_release, release, trend)
        previous_release = release


def _add_months(first_of_month: date, months: int) -> date:
    index = first_of_month.year * 12 + first_of_month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _cpi_release(month: date) -> datetime:
    """8:30am on the 12th of the next month, or the Monday after when that is a weekend."""
    day = _add_months(month, 1).replace(day=12)
    return _at(day if day.weekday() < 5 else _next_weekday(day, 0), 8, 30)


def _cpi_event(
    ctx: _Ctx, month: date, opens: datetime, release: datetime, trend: float
) -> _Drafted:
    tenths = 10 * (trend + ctx.rng.gauss(0.0, 0.15))
    outcomes = _ranges(_Scale(10, "%", 1, 5), round(tenths) - 2, tenths, 1.5)
    # each month's market opens when the previous month's figure comes out
    times = _schedule(ctx, data.CPI, release - timedelta(minutes=5), opens)
    ticker = f"{data.CPI.ticker}-{_month_code(month)}"
    draft = _exclusive(ticker, times, {"period": _month_text(month)}, outcomes)
    return _drafted(ctx, data.CPI, draft)


# --- outcomes by name: Fed decisions, the election, NBA games, the #1 song ----------------------


def _fed_events(ctx: _Ctx) -> Iterator[_Drafted]:
    meeting = _next_weekday(_est_day(ctx.now) + timedelta(days=ctx.rng.randint(1, 42)), _WEDNESDAY)
    while True:
        yield _fed_event(ctx, meeting)
        meeting += timedelta(weeks=ctx.rng.choice((6, 7)))  # eight meetings a year


def _fed_event(ctx: _Ctx, meeting: date) -> _Drafted:
    # a Dirichlet draw around the base odds: every meeting priced a little differently
    weights = [ctx.rng.gammavariate(max(20 * o.weight, 0.5), 1.0) for o in data.FED_OUTCOMES]
    outcomes = [
        _Outcome(o.suffix, o.label, o.phrase, w)
        for o, w in zip(data.FED_OUTCOMES, weights, strict=True)
    ]
    close = _at(meeting, 13, 59)  # the statement comes out at 2pm
    ticker = f"{data.FED.ticker}-{_month_code(meeting)}"
    words = {"on": _day_text(meeting), "period": _month_text(meeting)}
    draft = _exclusive(ticker, _schedule(ctx, data.FED, close), words, outcomes)
    return _drafted(ctx, data.FED, draft._replace(strike_date=close))


def _election_events(ctx: _Ctx) -> Iterator[_Drafted]:
    year = ctx.now.year + (-ctx.now.year) % 4
    while True:
        day = _next_weekday(date(year, 11, 2), _TUESDAY)  # the Tuesday after the first Monday
        if _at(day, 6) > ctx.now:
            yield _election_event(ctx, year, day)
        year += 4


def _election_event(ctx: _Ctx, year: int, day: date) -> _Drafted:
    spec = data.PRESIDENT_STATES
    leans = [
        min(0.98, max(0.02, s.democratic_lean + ctx.rng.gauss(0.0, 0.06))) for s in data.STATES
    ]
    outcomes = [
        _Outcome(s.code, s.name, s.name, lean) for s, lean in zip(data.STATES, leans, strict=True)
    ]
    times = _schedule(ctx, spec, _at(day + timedelta(days=64), 10))
    fairs = [_ticks(lean) for lean in leans]  # independent states: no sum to keep
    draft = _EventDraft(
        f"{spec.ticker}-{year % 100:02d}", times, {"year": str(year)}, outcomes, fairs, _at(day, 0)
    )
    return _drafted(ctx, spec, draft)


class _Game(NamedTuple):
    day: date
    away: tuple[str, str]
    home: tuple[str, str]
    tipoff: datetime


def _nba_events(ctx: _Ctx) -> Iterator[_Drafted]:
    day = _est_day(ctx.now)
    while True:
        for game in _nba_slate(ctx, day):
            if game.tipoff > ctx.now:
                yield _nba_event(ctx, game)
        day += timedelta(days=1)


def _nba_slate(ctx: _Ctx, day: date) -> list[_Game]:
    """A night of 4 to 10 games; no team plays twice."""
    games = ctx.rng.randint(4, 10)
    teams = ctx.rng.sample(data.NBA_TEAMS, 2 * games)
    starts = [ctx.rng.choice(((19, 0), (19, 30), (20, 0), (22, 0), (22, 30))) for _ in range(games)]
    slate = [_Game(day, teams[2 * i], teams[2 * i + 1], _at(day, *starts[i])) for i in range(games)]
    return sorted(slate, key=lambda game: game.tipoff)


def _nba_event(ctx: _Ctx, game: _Game) -> _Drafted:
    (away_code, away), (home_code, home) = game.away, game.home
    home_wins = min(0.9, max(0.1, ctx.rng.gauss(0.58, 0.14)))  # home court is worth a little
    outcomes = [
        _Outcome(away_code, away, away, 1 - home_wins),
        _Outcome(home_code, home, home, home_wins),
    ]
    ticker = f"{data.NBA.ticker}-{_day_code(game.day)}{away_code}{home_code}"
    times = _schedule(ctx, data.NBA, game.tipoff + timedelta(days=14))
    words = {"away": away, "home": home, "on": _day_text(game.day)}
    draft = _exclusive(ticker, times, words, outcomes)
    return _drafted(ctx, data.NBA, draft._replace(strike_date=game.tipoff, occurs=game.tipoff))


def _chart_events(ctx: _Ctx) -> Iterator[_Drafted]:
    chart = _next_weekday(_est_day(ctx.now), _SATURDAY)
    while True:
        close = _at(chart - timedelta(days=4), 12)  # the chart is revealed the Tuesday before
        if close > ctx.now:
            yield _chart_event(ctx, chart, close)
        chart += timedelta(weeks=1)


def _chart_event(ctx: _Ctx, chart: date, close: datetime) -> _Drafted:
    songs = ctx.rng.sample(data.SONGS, 6)
    outcomes = [
        _Outcome(s.code, s.title, f"{s.title} by {s.artist}", ctx.rng.gammavariate(1.0, 1.0))
        for s in songs
    ]
    ticker = f"{data.TOP_SONG.ticker}-{_day_code(chart)}"
    draft = _exclusive(
        ticker, _schedule(ctx, data.TOP_SONG, close), {"on": _day_text(chart)}, outcomes
    )
    return _drafted(ctx, data.TOP_SONG, draft._replace(strike_date=_at(chart, 0)))


# --- combos: one multivariate market per event, legs from the markets above -------------------


class _Leg(NamedTuple):
    market: Market
    side: str
    probability: float


def _combos(ctx: _Ctx, drafted: list[_Drafted], wanted: int) -> list[_Drafted]:
    pool = [d for d in drafted if d.markets[0].status == "active"]
    used: set[str] = set()
    return [_combo(ctx, pool, used) for _ in range(wanted)] if len(pool) >= 2 else []


def _combo(ctx: _Ctx, pool: list[_Drafted], used: set[str]) -> _Drafted:
    chosen = ctx.rng.sample(pool, min(len(pool), ctx.rng.randint(2, 4)))  # one leg per event
    legs = [_pick_leg(ctx.rng, drafted) for drafted in chosen]
    label = ",".join(f"{leg.side} {leg.market.yes_sub_title}" for leg in legs)
    outcome = _Outcome(
        _fresh_hex(ctx.rng, used), label, label, strike=_Strike("custom"), grid="deci_cent"
    )
    # created on request a little while ago (after its legs opened); lives as its longest leg
    asked = ctx.now.replace(second=0, microsecond=0) - timedelta(minutes=ctx.rng.randint(1, 600))
    opened = max(asked, *(leg.market.open_time for leg in legs))
    close = max(leg.market.close_time for leg in legs)
    expected = max(leg.market.expected_expiration_time or close for leg in legs)
    fair = _ticks(math.prod(leg.probability for leg in legs))
    ticker = f"{data.COMBOS.ticker}-S{ctx.now.year}{_fresh_hex(ctx.rng, used)}"
    draft = _EventDraft(
        ticker, _Times(opened, opened, close, expected, close), {}, [outcome], [fair]
    )
    drafted = _drafted(ctx, data.COMBOS, draft)
    return _Drafted(drafted.event, [_with_legs(drafted.markets[0], legs)], drafted.fair)


def _pick_leg(rng: random.Random, drafted: _Drafted) -> _Leg:
    index = rng.randrange(len(drafted.markets))
    yes = drafted.fair[index] / TICKS_PER_DOLLAR
    side = "yes" if rng.random() < 0.75 else "no"
    return _Leg(drafted.markets[index], side, yes if side == "yes" else 1.0 - yes)


def _fresh_hex(rng: random.Random, used: set[str]) -> str:
    """11 hex digits, as in real combo tickers, never handed out twice."""
    while (token := f"{rng.getrandbits(44):011X}") in used:
        pass
    used.add(token)
    return token


def _with_legs(market: Market, legs: list[_Leg]) -> Market:
    selected = [
        MveSelectedLeg(
            event_ticker=leg.market.event_ticker, market_ticker=leg.market.ticker, side=leg.side
        )
        for leg in legs
    ]
    # the shape the recorded combos carry in custom_strike
    strike = {
        "Associated Events": ",".join(leg.market.event_ticker for leg in legs),
        "Associated Market Sides": ",".join(leg.side for leg in legs),
        "Associated Markets": ",".join(leg.market.ticker for leg in legs),
        "Multivariate Event Ticker": data.COMBO_COLLECTION,
    }
    return msgspec.structs.replace(
        market,
        mve_collection_ticker=data.COMBO_COLLECTION,
        mve_selected_legs=selected,
        custom_strike=strike,
    )
