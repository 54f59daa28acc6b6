"""Politics: a state-by-state presidential election, independent yes/no markets."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

from kalshikit.sandbox.catalog import specs
from kalshikit.sandbox.catalog.drafts import (
    TUESDAY,
    Ctx,
    Drafted,
    EventDraft,
    Outcome,
    at,
    draft_markets,
    next_weekday,
    schedule,
    ticks,
)


def election_events(ctx: Ctx) -> Iterator[Drafted]:
    year = ctx.now.year + (-ctx.now.year) % 4
    while True:
        day = next_weekday(date(year, 11, 2), TUESDAY)  # the Tuesday after the first Monday
        if at(day, 6) > ctx.now:
            yield _election_event(ctx, year, day)
        year += 4


def _election_event(ctx: Ctx, year: int, day: date) -> Drafted:
    spec = specs.PRESIDENT_STATES
    leans = [
        min(0.98, max(0.02, s.democratic_lean + ctx.rng.gauss(0.0, 0.06))) for s in specs.STATES
    ]
    outcomes = [
        Outcome(s.code, s.name, s.name, lean) for s, lean in zip(specs.STATES, leans, strict=True)
    ]
    times = schedule(ctx, spec, at(day + timedelta(days=64), 10))
    fairs = [ticks(lean) for lean in leans]  # independent states: no sum to keep
    draft = EventDraft(
        f"{spec.ticker}-{year % 100:02d}", times, {"year": str(year)}, outcomes, fairs, at(day, 0)
    )
    return draft_markets(ctx, spec, draft)
