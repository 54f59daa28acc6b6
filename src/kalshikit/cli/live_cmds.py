"""`kalshi live TICKER`: a market's or event's live data as a key/value view: a game's score,
period and clock (by its milestone), or a weather day's temperature so far (by its event)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from kalshikit.cli._output import emit_fields, emit_json, note
from kalshikit.cli._state import state
from kalshikit.errors import NotFound
from kalshikit.models import Event, EventLiveData, LiveData, Milestone
from kalshikit.units.display import MISSING, instant


def live(
    ctx: typer.Context,
    ticker: Annotated[str, typer.Argument(help="A market or event ticker.")],
) -> None:
    """A game's score and clock, or a city's temperature so far today (with `kalshi --json`,
    the exchange's answer as it came).

    Example: kalshi live KXNBAGAME-26DEC03DENGSW
    """
    state_ = state(ctx)
    with state_.client() as client:
        try:
            event_ticker = client.markets.get(ticker).event_ticker
        except NotFound:
            event_ticker = ticker
        event = client.events.get(event_ticker, with_nested_markets=True)
        games = list(client.milestones.list(related_event_ticker=event_ticker, max_pages=1))
        found: LiveData | EventLiveData | None
        try:
            if games:
                found = client.live_data.milestone(games[0].id)
            else:
                found = client.live_data.event(event_ticker)
        except NotFound:
            found = None
    if state_.json:
        emit_json(found)
        return
    if found is None:
        note(f"no live data for {event_ticker}")
        return
    if isinstance(found, LiveData):
        emit_fields(games[0].title, game_fields(event, games[0], found))
    elif not (found.details.get("timeseries") or []):
        note(f"no readings yet for {event_ticker}")
    else:
        emit_fields(event.title, weather_fields(event, found))


def _number(value: object) -> int | float | None:
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def _moment(seconds: object) -> str:
    stamp = _number(seconds)
    return MISSING if stamp is None else instant(datetime.fromtimestamp(stamp, UTC))


def _teams(event: Event, milestone: Milestone) -> tuple[str, str]:
    """Away and home team names: the event's two markets, else the milestone's "A at H"."""
    markets = event.markets or []
    if len(markets) == 2:
        return markets[0].yes_sub_title or "away", markets[1].yes_sub_title or "home"
    away, _, home = milestone.title.partition(" at ")
    return away or "away", home or "home"


def game_fields(event: Event, milestone: Milestone, live: LiveData) -> list[tuple[str, object]]:
    d: dict[str, Any] = live.details
    away, home = _teams(event, milestone)
    period, clock = _number(d.get("period")), d.get("period_remaining_time")
    started = bool(period) and d.get("status") != "scheduled"
    winner = {"home": home, "away": away}.get(str(d.get("winner") or ""))
    return [
        ("event", event.event_ticker),
        ("status", d.get("status") or None),
        (away, _number(d.get("away_points"))),
        (home, _number(d.get("home_points"))),
        ("period", f"Q{period} {clock or ''}".strip() if started else None),
        ("winner", winner),
        ("start", instant(milestone.start_date)),
        ("updated", _moment(d.get("last_updated_ts"))),
    ]


def _degrees(value: float | None) -> str | None:
    return None if value is None else f"{value:g}°F"


def weather_fields(event: Event, live: EventLiveData) -> list[tuple[str, object]]:
    d: dict[str, Any] = live.details
    points: Sequence[dict[str, Any]] = d.get("timeseries") or []
    values = [float(p["v"]) for p in points if _number(p.get("v")) is not None]
    last = points[-1] if points else {}
    last_t = _number(last.get("t"))
    return [
        ("event", event.event_ticker),
        ("city", d.get("city") or None),
        ("now", _degrees(values[-1]) if values else None),
        ("high so far", _degrees(max(values)) if values else None),
        ("readings", len(values)),
        ("updated", _moment(None if last_t is None else last_t / 1000)),
    ]
