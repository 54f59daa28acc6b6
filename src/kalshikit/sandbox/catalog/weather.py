"""Weather: each city's daily high, six mutually exclusive ranges (KXHIGHNY, ...)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from itertools import count

from kalshikit.sandbox.catalog import specs
from kalshikit.sandbox.catalog.drafts import (
    Ctx,
    Drafted,
    Scale,
    anchor,
    at,
    day_code,
    day_text,
    draft_markets,
    est_day,
    exclusive,
    ranges,
    schedule,
)


def weather_events(ctx: Ctx, city: specs.City) -> Iterator[Drafted]:
    today = est_day(ctx.now)
    for days_ahead in count():
        day = today + timedelta(days=days_ahead)
        close = _close_of(day)
        if close > ctx.now:
            yield _weather_event(ctx, city, day, close, days_ahead)


def next_weather_event(ctx: Ctx, city: specs.City, last_day: date) -> Drafted:
    """The day after ``last_day`` (or the first day still to close, after a pause)."""
    day = max(last_day + timedelta(days=1), est_day(ctx.now))
    while _close_of(day) <= ctx.now:
        day += timedelta(days=1)
    return _weather_event(ctx, city, day, _close_of(day), (day - est_day(ctx.now)).days)


def _close_of(day: date) -> datetime:
    return at(day + timedelta(days=1), 0) - timedelta(minutes=1)  # 11:59pm


def _weather_event(
    ctx: Ctx, city: specs.City, day: date, close: datetime, days_ahead: int
) -> Drafted:
    # the coldest days fall around January 20th
    season = math.cos(2 * math.pi * (day.timetuple().tm_yday - 20) / 365.25)
    mean = city.mean_high - city.seasonal_swing * season + ctx.rng.gauss(0.0, 3.0)
    spread = min(2.5 + 0.8 * days_ahead, 6.0)  # forecasts blur with distance
    outcomes = ranges(Scale(1, "°", 2, 4), round(mean) - 4, mean, spread)
    times = schedule(ctx, city.series, close)
    ticker = f"{city.series.ticker}-{day_code(day)}"
    draft = exclusive(ticker, times, {"on": day_text(day)}, outcomes)
    # whole degrees; once the day is over its high is known to within the station's reading
    where = anchor(ticker, ctx, mean, spread, 0.5, 1.0)
    return draft_markets(ctx, city.series, draft._replace(strike_date=at(day, 0), anchor=where))
