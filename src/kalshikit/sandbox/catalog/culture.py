"""Culture: the weekly #1 song (KXTOPSONG)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

from kalshikit.sandbox.catalog import specs
from kalshikit.sandbox.catalog.drafts import (
    SATURDAY,
    Ctx,
    Drafted,
    Outcome,
    at,
    day_code,
    day_text,
    draft_markets,
    est_day,
    exclusive,
    next_weekday,
    schedule,
)


def chart_events(ctx: Ctx) -> Iterator[Drafted]:
    chart = next_weekday(est_day(ctx.now), SATURDAY)
    while True:
        close = at(chart - timedelta(days=4), 12)  # the chart is revealed the Tuesday before
        if close > ctx.now:
            yield _chart_event(ctx, chart, close)
        chart += timedelta(weeks=1)


def next_chart_event(ctx: Ctx, last_chart: date) -> Drafted:
    """The week after ``last_chart`` (or the first chart still to be revealed)."""
    chart = last_chart + timedelta(weeks=1)
    while at(chart - timedelta(days=4), 12) <= ctx.now:
        chart += timedelta(weeks=1)
    return _chart_event(ctx, chart, at(chart - timedelta(days=4), 12))


def _chart_event(ctx: Ctx, chart: date, close: datetime) -> Drafted:
    songs = ctx.rng.sample(specs.SONGS, 6)
    outcomes = [
        Outcome(s.code, s.title, f"{s.title} by {s.artist}", ctx.rng.gammavariate(1.0, 1.0))
        for s in songs
    ]
    ticker = f"{specs.TOP_SONG.ticker}-{day_code(chart)}"
    draft = exclusive(
        ticker, schedule(ctx, specs.TOP_SONG, close), {"on": day_text(chart)}, outcomes
    )
    return draft_markets(ctx, specs.TOP_SONG, draft._replace(strike_date=at(chart, 0)))
