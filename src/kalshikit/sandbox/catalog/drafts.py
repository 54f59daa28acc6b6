"""The pieces every family of the seeded catalog is drafted from: times, outcomes, strikes,
events to be, and the wire structs (Series, Event, Market) made from them. Pure.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Final, NamedTuple

import msgspec

from kalshikit.errors import ValidationError
from kalshikit.models import Event, Market, PriceRange, Series, SettlementSource
from kalshikit.models.enums import PRICE_LEVEL_STRUCTURES
from kalshikit.sandbox.catalog import specs
from kalshikit.units import TICKS_PER_DOLLAR, PriceGrid, ticks_to_dollars

# --- building blocks ----------------------------------------------------------------------------

EST: Final = timezone(timedelta(hours=-5), "EST")  # Kalshi states times in ET; EST keeps it fixed
_MONTHS: Final = "JANFEBMARAPRMAYJUNJULAUGSEPOCTNOVDEC"
SECONDS_PER_YEAR: Final = 365.25 * 86_400
MIN_COMBOS: Final = 3
COMBO_SHARE: Final = 0.2
CRYPTO_HOURS: Final = 54  # two open days of hourly events and six hours listed ahead
_ZERO_PRICE: Final = "0.0000"
_ZERO_SIZE: Final = "0.00"
TUESDAY, WEDNESDAY, SATURDAY = 1, 2, 5


class Ctx(NamedTuple):
    now: datetime
    rng: random.Random


class Times(NamedTuple):
    created: datetime
    open: datetime
    close: datetime
    expected: datetime
    latest: datetime


class Strike(NamedTuple):
    kind: str | None = None
    floor: float | None = None
    cap: float | None = None


class Outcome(NamedTuple):
    """One market to be: ``label`` is its yes/no sub-title, ``phrase`` how sentences say it."""

    suffix: str
    label: str
    phrase: str
    probability: float = 0.0
    strike: Strike = Strike()
    grid: str = "linear_cent"


class Anchor(NamedTuple):
    """The number the strikes of a scalar event split (a price, a temperature, a rate), as the
    draft saw it at ``at_ms``: ``center`` its forecast, ``spread`` the forecast's standard
    deviation, ``floor`` the deviation still left at the close (how exactly it gets reported),
    ``step`` the resolution it is reported in. Events on one path share an ``underlying``
    (every hourly event of one crypto asset reads the same index); others name their own event.
    Not on the wire: the simulator moves the number and prices every strike from it."""

    underlying: str
    center: float
    spread: float
    floor: float
    step: float
    at_ms: int


class EventDraft(NamedTuple):
    """One event to be; ``words`` fill its series' text templates."""

    ticker: str
    times: Times
    words: dict[str, str]
    outcomes: list[Outcome]
    fairs: list[int]
    strike_date: datetime | None = None
    occurs: datetime | None = None
    anchor: Anchor | None = None


@dataclass(frozen=True, slots=True)
class Drafted:
    event: Event
    markets: list[Market]
    fair: list[int]
    anchor: Anchor | None = None


class Plan(NamedTuple):
    """A series' share of the size, and how many of its events to list at least and at most."""

    share: float
    events: Callable[[Ctx], Iterator[Drafted]]
    min_events: int = 0
    max_events: int = 1 << 30


def _price_ranges(structure: str) -> tuple[PriceRange, ...]:
    return tuple(
        PriceRange(start=ticks_to_dollars(a), end=ticks_to_dollars(b), step=ticks_to_dollars(s))
        for a, b, s in PriceGrid.for_structure(structure).ranges
    )


_RANGES: Final = {name: _price_ranges(name) for name in PRICE_LEVEL_STRUCTURES}


def utc(now: datetime) -> datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValidationError(f"now must be timezone-aware, such as datetime.now(UTC); got {now!r}")
    return now.astimezone(UTC)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """``day`` at ``hour:minute`` Eastern (standard) time, in UTC."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=EST).astimezone(UTC)


def est_day(moment: datetime) -> date:
    return moment.astimezone(EST).date()


def _month(day: date) -> str:
    """``NOV``: the month as tickers spell it (no locale, unlike ``%b``)."""
    return _MONTHS[3 * day.month - 3 : 3 * day.month]


def day_code(day: date) -> str:
    return f"{day.year % 100:02d}{_month(day)}{day.day:02d}"


def month_code(day: date) -> str:
    return f"{day.year % 100:02d}{_month(day)}"


def day_text(day: date) -> str:
    return f"{_month(day).title()} {day.day}, {day.year}"


def month_text(day: date) -> str:
    return f"{_month(day).title()} {day.year}"


def next_weekday(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def floor_hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def schedule(
    ctx: Ctx, spec: specs.SeriesSpec, close: datetime, opens: datetime | None = None
) -> Times:
    """An event's times from its close and its series' schedule."""
    opens = close - spec.open_before if opens is None else opens
    # listed an hour before it opens, and never in the future even when it opens later
    created = min(opens, floor_hour(ctx.now)) - timedelta(hours=1)
    return Times(created, opens, close, close + spec.expected_after, close + spec.latest_after)


def _status(times: Times, now: datetime) -> str:
    if now < times.open:
        return "initialized"
    return "active" if now < times.close else "closed"


def phi(z: float) -> float:
    """The standard normal CDF."""
    return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))


def ticks(probability: float) -> int:
    """A probability as a fair value in ticks, kept strictly inside (0, 1)."""
    return min(TICKS_PER_DOLLAR - 1, max(1, round(probability * TICKS_PER_DOLLAR)))


def split_dollar(weights: list[float]) -> list[int]:
    """Weights as fair values (each >= 1 tick) that sum to exactly $1."""
    total = sum(weights)
    ticks = [max(1, round(w / total * TICKS_PER_DOLLAR)) for w in weights]
    # the largest outcome absorbs the rounding, so every small one keeps its shape
    largest = ticks.index(max(ticks))
    ticks[largest] += TICKS_PER_DOLLAR - sum(ticks)
    return ticks


def num(value: float) -> str:
    """52.0 -> '52', 52.5 -> '52.5', 2.7 -> '2.7': how strikes read in tickers and labels."""
    return format(value, ".10g")


# --- wire structs ---------------------------------------------------------------------------------


def _sources(spec: specs.SeriesSpec) -> list[SettlementSource]:
    return [SettlementSource(name=name, url=url) for name, url in spec.sources]


def series_struct(spec: specs.SeriesSpec, updated: datetime) -> Series:
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


def _event(spec: specs.SeriesSpec, draft: EventDraft) -> Event:
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


def _frame(ctx: Ctx, spec: specs.SeriesSpec, draft: EventDraft) -> Market:
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
    frame: Market, spec: specs.SeriesSpec, outcome: Outcome, words: dict[str, str]
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


def draft_markets(ctx: Ctx, spec: specs.SeriesSpec, draft: EventDraft) -> Drafted:
    frame = _frame(ctx, spec, draft)
    markets = [_market(frame, spec, outcome, draft.words) for outcome in draft.outcomes]
    return Drafted(_event(spec, draft), markets, draft.fairs, draft.anchor)


def anchor(
    underlying: str, ctx: Ctx, center: float, spread: float, floor: float, step: float
) -> Anchor:
    """An ``Anchor`` drafted at ``ctx.now``."""
    at_ms = round(ctx.now.timestamp() * 1000)
    return Anchor(underlying, center, spread, floor, step, at_ms)


# --- ranges of a reported number: weather highs and CPI -----------------------------------------


class Scale(NamedTuple):
    """How a number is reported: in units of 1/``per_one`` (1 °F, 0.1 %), ranges ``width`` wide."""

    per_one: int
    symbol: str
    width: int
    inner: int

    def show(self, units: int) -> str:
        return f"{num(units / self.per_one)}{self.symbol}"


def ranges(scale: Scale, start: int, mean: float, sd: float) -> list[Outcome]:
    """A low tail, ``scale.inner`` ranges from ``start`` (in units) and a high tail."""
    top = start + scale.inner * scale.width
    edges = range(start, top + 1, scale.width)
    # values are reported in whole units, so unit u takes everything in [u - 0.5, u + 0.5)
    below = [phi((edge - 0.5 - mean) / sd) for edge in edges]
    low, high = f"{scale.show(start - 1)} or below", f"{scale.show(top)} or above"
    low_cap, high_floor = start / scale.per_one, (top - 1) / scale.per_one
    return [
        Outcome(f"T{num(low_cap)}", low, low, below[0], Strike("less", cap=low_cap)),
        *(_inner_range(scale, edge, below[i + 1] - below[i]) for i, edge in enumerate(edges[:-1])),
        Outcome(f"T{num(high_floor)}", high, high, 1 - below[-1], Strike("greater", high_floor)),
    ]


def _inner_range(scale: Scale, first: int, probability: float) -> Outcome:
    last = first + scale.width - 1
    label = phrase = scale.show(first)
    if last != first:
        label = f"{scale.show(first)} to {scale.show(last)}"
        phrase = f"between {scale.show(first)} and {scale.show(last)}"
    strike = Strike("between", first / scale.per_one, last / scale.per_one)
    return Outcome(
        f"B{num((first + last) / (2 * scale.per_one))}", label, phrase, probability, strike
    )


def exclusive(
    ticker: str, times: Times, words: dict[str, str], outcomes: list[Outcome]
) -> EventDraft:
    """A mutually exclusive event: its fair values split $1 by the outcomes' probabilities."""
    fairs = split_dollar([outcome.probability for outcome in outcomes])
    return EventDraft(ticker, times, words, outcomes, fairs)
