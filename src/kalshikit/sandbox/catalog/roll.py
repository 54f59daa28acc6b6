"""Recurring series roll: the next events of an hourly, daily, weekly or monthly series, drafted
the way ``build_catalog`` drafts the first ones, so a long-running sandbox keeps listing them as
the real exchange does (it lists the next hour, day or game night ahead as old ones close).

Pure: ``next_listing(catalog, series, now, reference)`` depends only on the catalog as it is
(its seed and the series' last event), ``now`` and ``reference``; each listing draws from its own
``random.Random`` seeded by the catalog's seed, the series and the period it follows, so a
replay of the same listings drafts the same events, byte for byte. New tickers follow the
series' own pattern with the new date or hour (``KXBTCD-26OCT2218``, ``KXHIGHNY-26OCT22``,
``KXNBAGAME-26OCT22BOSNYK``).

``reference`` is where the underlying number stands now (the crypto index): the new ladder is
centred on it. Without one, the last event's anchor is used.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime
from typing import Final, NamedTuple

import msgspec

from kalshikit.errors import ValidationError
from kalshikit.models import Event
from kalshikit.sandbox.catalog import specs
from kalshikit.sandbox.catalog.build import Catalog
from kalshikit.sandbox.catalog.crypto import next_crypto_event
from kalshikit.sandbox.catalog.culture import next_chart_event
from kalshikit.sandbox.catalog.drafts import Ctx, Drafted, est_day, utc
from kalshikit.sandbox.catalog.macro import next_cpi_event, next_fed_event
from kalshikit.sandbox.catalog.sports import next_nba_slate
from kalshikit.sandbox.catalog.weather import next_weather_event

__all__ = ["ROLLING_SERIES", "next_listing", "period_of"]

_MONTHS: Final = "JANFEBMARAPRMAYJUNJULAUGSEPOCTNOVDEC"


class _Roll(NamedTuple):
    """How one series rolls: the period an event belongs to, and the next period's events."""

    period: Callable[[Event], str]
    draft: Callable[[Catalog, Event, Ctx, float | None], list[Drafted]]


def _strike_day(event: Event) -> date:
    if event.strike_date is None:
        raise ValidationError(f"event {event.event_ticker} has no strike date to roll from")
    return est_day(event.strike_date)


def _hour(event: Event) -> str:
    if event.strike_date is None:
        raise ValidationError(f"event {event.event_ticker} has no strike date to roll from")
    return utc(event.strike_date).isoformat()


def _day(event: Event) -> str:
    return _strike_day(event).isoformat()


def _month(event: Event) -> str:
    """``KXCPIYOY-26OCT`` -> ``2026-10``: monthly events are named by their month."""
    code = event.event_ticker.rpartition("-")[2]
    month = _MONTHS.find(code[2:5]) // 3 + 1
    return f"{2000 + int(code[:2])}-{month:02d}"


def _crypto(asset: specs.CryptoAsset) -> _Roll:
    def draft(catalog: Catalog, last: Event, ctx: Ctx, reference: float | None) -> list[Drafted]:
        anchor = catalog.anchors.get(last.event_ticker)
        spot = reference if reference is not None else anchor.center if anchor else None
        if spot is None or last.strike_date is None:
            raise ValidationError(f"no price to centre the next {asset.series.ticker} ladder on")
        markets = len(catalog.markets_of_event(last.event_ticker))
        return [next_crypto_event(ctx, asset, utc(last.strike_date), spot, markets)]

    return _Roll(_hour, draft)


def _weather(city: specs.City) -> _Roll:
    def draft(catalog: Catalog, last: Event, ctx: Ctx, reference: float | None) -> list[Drafted]:
        return [next_weather_event(ctx, city, _strike_day(last))]

    return _Roll(_day, draft)


def _nba(catalog: Catalog, last: Event, ctx: Ctx, reference: float | None) -> list[Drafted]:
    return next_nba_slate(ctx, _strike_day(last))


def _chart(catalog: Catalog, last: Event, ctx: Ctx, reference: float | None) -> list[Drafted]:
    return [next_chart_event(ctx, _strike_day(last))]


def _fed(catalog: Catalog, last: Event, ctx: Ctx, reference: float | None) -> list[Drafted]:
    return [next_fed_event(ctx, _strike_day(last))]


def _cpi(catalog: Catalog, last: Event, ctx: Ctx, reference: float | None) -> list[Drafted]:
    year, month = _month(last).split("-")
    anchor = catalog.anchors.get(last.event_ticker)
    trend = reference if reference is not None else anchor.center if anchor else 2.8
    return [next_cpi_event(ctx, date(int(year), int(month), 1), trend)]


_ROLLS: Final[dict[str, _Roll]] = {
    **{asset.series.ticker: _crypto(asset) for asset in (specs.BITCOIN, specs.ETHER, specs.SOLANA)},
    **{city.series.ticker: _weather(city) for city in specs.CITIES},
    specs.NBA.ticker: _Roll(_day, _nba),
    specs.TOP_SONG.ticker: _Roll(_day, _chart),
    specs.FED.ticker: _Roll(_day, _fed),
    specs.CPI.ticker: _Roll(_month, _cpi),
}

ROLLING_SERIES: Final = frozenset(_ROLLS)


def period_of(event: Event) -> str:
    """The period (hour, day, game night, month) a rolling series' event belongs to: a series
    keeps as many periods listed ahead as it was built with."""
    roll = _ROLLS.get(event.series_ticker)
    if roll is None:
        raise ValidationError(f"series {event.series_ticker} does not roll")
    return roll.period(event)


def next_listing(
    catalog: Catalog, series_ticker: str, now: datetime, reference: float | None = None
) -> list[Drafted]:
    """The events of ``series_ticker``'s next period after its last listed one (or the first
    period still to come, when the sandbox was stopped a while), created at ``now``.

    Raises ``ValidationError`` for a series that does not roll or has no event to follow.
    """
    roll = _ROLLS.get(series_ticker)
    listed = catalog.events_of_series(series_ticker)
    if roll is None or not listed:
        raise ValidationError(f"series {series_ticker} does not roll: it lists no further events")
    last = listed[-1]
    moment = utc(now).replace(microsecond=0)
    rng = random.Random(f"{catalog.seed}:{series_ticker}:{roll.period(last)}")
    drafted = roll.draft(catalog, last, Ctx(moment, rng), reference)
    return [_created_at(d, moment) for d in drafted]


def _created_at(drafted: Drafted, moment: datetime) -> Drafted:
    """Stamped as created when it was listed (the drafts date creation back to the hour)."""
    event = msgspec.structs.replace(drafted.event, last_updated_ts=moment)
    markets = [
        msgspec.structs.replace(m, created_time=moment, updated_time=moment)
        for m in drafted.markets
    ]
    return Drafted(event, markets, drafted.fair, drafted.anchor)
