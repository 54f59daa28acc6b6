"""Macro: CPI releases (KXCPIYOY, ranges of a reported number) and Fed decisions
(KXFEDDECISION, outcomes by name).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

from kalshikit.sandbox.catalog import specs
from kalshikit.sandbox.catalog.drafts import (
    WEDNESDAY,
    Ctx,
    Drafted,
    Outcome,
    Scale,
    anchor,
    at,
    day_text,
    draft_markets,
    est_day,
    exclusive,
    month_code,
    month_text,
    next_weekday,
    ranges,
    schedule,
)


def cpi_events(ctx: Ctx) -> Iterator[Drafted]:
    trend = ctx.rng.uniform(2.3, 3.3)
    month = add_months(ctx.now.date().replace(day=1), -3)
    previous_release = _cpi_release(month)
    while True:
        month = add_months(month, 1)
        release = _cpi_release(month)
        if release - timedelta(minutes=5) > ctx.now:
            yield _cpi_event(ctx, month, previous_release, release, trend)
        previous_release = release


def next_cpi_event(ctx: Ctx, last_month: date, trend: float) -> Drafted:
    """The month after ``last_month`` (or the first release still to come, after a pause)."""
    month = add_months(last_month, 1)
    while _cpi_release(month) - timedelta(minutes=5) <= ctx.now:
        month = add_months(month, 1)
    release = _cpi_release(month)
    return _cpi_event(ctx, month, _cpi_release(add_months(month, -1)), release, trend)


def add_months(first_of_month: date, months: int) -> date:
    index = first_of_month.year * 12 + first_of_month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _cpi_release(month: date) -> datetime:
    """8:30am on the 12th of the next month, or the Monday after when that is a weekend."""
    day = add_months(month, 1).replace(day=12)
    return at(day if day.weekday() < 5 else next_weekday(day, 0), 8, 30)


def _cpi_event(ctx: Ctx, month: date, opens: datetime, release: datetime, trend: float) -> Drafted:
    tenths = 10 * (trend + ctx.rng.gauss(0.0, 0.15))
    outcomes = ranges(Scale(10, "%", 1, 5), round(tenths) - 2, tenths, 1.5)
    # each month's market opens when the previous month's figure comes out
    times = schedule(ctx, specs.CPI, release - timedelta(minutes=5), opens)
    ticker = f"{specs.CPI.ticker}-{month_code(month)}"
    draft = exclusive(ticker, times, {"period": month_text(month)}, outcomes)
    # in percent, to one decimal, exactly as first published
    where = anchor(ticker, ctx, tenths / 10, 0.15, 0.0, 0.1)
    return draft_markets(ctx, specs.CPI, draft._replace(anchor=where))


def fed_events(ctx: Ctx) -> Iterator[Drafted]:
    meeting = next_weekday(est_day(ctx.now) + timedelta(days=ctx.rng.randint(1, 42)), WEDNESDAY)
    while True:
        yield _fed_event(ctx, meeting)
        meeting += timedelta(weeks=ctx.rng.choice((6, 7)))  # eight meetings a year


def next_fed_event(ctx: Ctx, last_meeting: date) -> Drafted:
    """The meeting six or seven weeks after ``last_meeting`` (the first still to come)."""
    meeting = last_meeting + timedelta(weeks=ctx.rng.choice((6, 7)))
    while at(meeting, 13, 59) <= ctx.now:
        meeting += timedelta(weeks=ctx.rng.choice((6, 7)))
    return _fed_event(ctx, meeting)


def _fed_event(ctx: Ctx, meeting: date) -> Drafted:
    # a Dirichlet draw around the base odds: every meeting priced a little differently
    weights = [ctx.rng.gammavariate(max(20 * o.weight, 0.5), 1.0) for o in specs.FED_OUTCOMES]
    outcomes = [
        Outcome(o.suffix, o.label, o.phrase, w)
        for o, w in zip(specs.FED_OUTCOMES, weights, strict=True)
    ]
    close = at(meeting, 13, 59)  # the statement comes out at 2pm
    ticker = f"{specs.FED.ticker}-{month_code(meeting)}"
    words = {"on": day_text(meeting), "period": month_text(meeting)}
    draft = exclusive(ticker, schedule(ctx, specs.FED, close), words, outcomes)
    return draft_markets(ctx, specs.FED, draft._replace(strike_date=close))
