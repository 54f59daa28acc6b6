"""Sports: NBA games, one market per team (KXNBAGAME)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import NamedTuple

from kalshikit.sandbox.catalog import specs
from kalshikit.sandbox.catalog.drafts import (
    Ctx,
    Drafted,
    Outcome,
    at,
    day_code,
    day_text,
    draft_markets,
    est_day,
    exclusive,
    schedule,
)


class _Game(NamedTuple):
    day: date
    away: tuple[str, str]
    home: tuple[str, str]
    tipoff: datetime


def nba_events(ctx: Ctx) -> Iterator[Drafted]:
    day = est_day(ctx.now)
    while True:
        for game in _nba_slate(ctx, day):
            if game.tipoff > ctx.now:
                yield _nba_event(ctx, game)
        day += timedelta(days=1)


def next_nba_slate(ctx: Ctx, last_day: date) -> list[Drafted]:
    """The games of the night after ``last_day`` (the first night with games still to come)."""
    day = max(last_day + timedelta(days=1), est_day(ctx.now))
    while not (games := [g for g in _nba_slate(ctx, day) if g.tipoff > ctx.now]):
        day += timedelta(days=1)
    return [_nba_event(ctx, game) for game in games]


def _nba_slate(ctx: Ctx, day: date) -> list[_Game]:
    """A night of 4 to 10 games; no team plays twice."""
    games = ctx.rng.randint(4, 10)
    teams = ctx.rng.sample(specs.NBA_TEAMS, 2 * games)
    starts = [ctx.rng.choice(((19, 0), (19, 30), (20, 0), (22, 0), (22, 30))) for _ in range(games)]
    slate = [_Game(day, teams[2 * i], teams[2 * i + 1], at(day, *starts[i])) for i in range(games)]
    return sorted(slate, key=lambda game: game.tipoff)


def _nba_event(ctx: Ctx, game: _Game) -> Drafted:
    (away_code, away), (home_code, home) = game.away, game.home
    home_wins = min(0.9, max(0.1, ctx.rng.gauss(0.58, 0.14)))  # home court is worth a little
    outcomes = [
        Outcome(away_code, away, away, 1 - home_wins),
        Outcome(home_code, home, home, home_wins),
    ]
    ticker = f"{specs.NBA.ticker}-{day_code(game.day)}{away_code}{home_code}"
    times = schedule(ctx, specs.NBA, game.tipoff + timedelta(days=14))
    words = {"away": away, "home": home, "on": day_text(game.day)}
    draft = exclusive(ticker, times, words, outcomes)
    return draft_markets(
        ctx, specs.NBA, draft._replace(strike_date=game.tipoff, occurs=game.tipoff)
    )
