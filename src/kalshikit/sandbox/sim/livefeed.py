"""Live data, published once a minute from the latent values the markets settle on: each NBA
game's score and clock, and each city's temperature readings on its market day.

No I/O, no clock (times are arguments). Like the index ticks (``indexfeed``) this is a derived
feed, not state: the readings go to the exchange with ``Exchange.publish_live``, nothing is
journaled, and the same seed and steps publish the same numbers (the reads move the latent values
with the simulator's own ``random.Random``, in step order).

* A game (``Game``: the home team's expected final margin) shows, ``s`` of the way from tip-off
  to its end, the score difference ``margin - margin_at_tipoff * (1 - s)`` and ``s`` of its total
  (a pace drawn per game from the seed); neither team's points ever go down. When the result is
  drawn the final score is the settled margin rounded, never a tie, so its winner is the team
  whose market settles YES.
* A weather day (``Scalar``: the forecast of its high) reads, at each minute of the day, the
  forecast less a diurnal swing (warmest at 3pm) less 1.5 of the forecast's remaining spread, in
  whole °F (as the climate report gives it). Each reading is a floor for the settlement (the
  high is never below what was seen: ``LatentModel.observed``), so the running high only rises;
  when the result is drawn the day's high (the settled number, rounded half up: it lies in the
  winning range) is published at the day's last minute.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from kalshikit.models import Market
from kalshikit.sandbox.catalog import GAME_SERIES, Catalog, weather_cities
from kalshikit.sandbox.exchange import GameLive, WeatherObservation, millis_of
from kalshikit.sandbox.sim.latent import LatentModel

__all__ = ["MINUTE_MS", "LivePublisher", "daily_high"]

MINUTE_MS: Final = 60_000
_HOUR_MS: Final = 3_600_000
_DIURNAL_F: Final = 14.0  # the day's swing from the dawn low to the 3pm high
_PEAK_HOUR: Final = 15
_SPREAD_MARGIN: Final = 1.5  # readings stay this many forecast deviations under the forecast
_QUARTER_S: Final = 720


def daily_high(number: float) -> int:
    """The whole degrees a settled number is reported as (half up, as its ranges read it)."""
    return math.floor(number + 0.5)


@dataclass(slots=True)
class _Game:
    away: Market
    home: Market
    tipoff_ms: int
    end_ms: int
    pace: int
    margin_at_tipoff: float | None = None
    home_points: int = 0
    away_points: int = 0
    scored_ms: int | None = None
    last_margin: float = 0.0


Publish = Callable[[GameLive | WeatherObservation], None]


class LivePublisher:
    """Publishes the games' and weather days' live data up to the time asked for."""

    def __init__(
        self,
        latent: LatentModel,
        catalog: Callable[[], Catalog],
        result: Callable[[str], str],
        publish: Publish,
    ) -> None:
        self._latent, self._result, self._publish = latent, result, publish
        self._catalog_now = catalog  # the exchange's catalog grows as series roll
        self._minute: int | None = None
        self._games: dict[str, _Game] = {}
        self._read: dict[str, int] = {}  # weather event -> the last minute published
        self._done: set[str] = set()  # events whose final is out

    @property
    def _catalog(self) -> Catalog:
        return self._catalog_now()

    def catch_up(self, now_ms: int) -> None:
        """Publish what changed by ``now_ms``: once a minute, and every final as soon as drawn."""
        minute = now_ms // MINUTE_MS
        if minute == self._minute and not self._latent.has_finals():
            return
        self._minute = minute
        for event in self._catalog.events_of_series(GAME_SERIES):
            if event.event_ticker not in self._done:
                self._game(event.event_ticker, now_ms)
        for city in weather_cities():
            for event in self._catalog.events_of_series(city.series_ticker):
                if event.event_ticker not in self._done:
                    self._day(city.series_ticker, event.event_ticker, now_ms)
        self._latent.drop_finals()  # the rest are events without live data

    # ------------------------------------------------------------------ games

    def _game_of(self, event_ticker: str) -> _Game | None:
        game = self._games.get(event_ticker)
        if game is None:
            markets = self._catalog.markets_of_event(event_ticker)
            if len(markets) != 2 or markets[0].occurrence_datetime is None:
                return None
            away, home = markets
            tipoff = millis_of(markets[0].occurrence_datetime)
            expected = away.expected_expiration_time or away.close_time
            end = max(millis_of(expected), tipoff + _HOUR_MS)
            pace = random.Random(f"{self._catalog.seed}:{event_ticker}").randint(196, 244)
            game = self._games[event_ticker] = _Game(away, home, tipoff, end, pace)
        return game

    def _game(self, event_ticker: str, now_ms: int) -> None:
        game = self._game_of(event_ticker)
        if game is None or now_ms < game.tipoff_ms:
            return
        final = self._latent.take_final(event_ticker)
        home, away = self._result(game.home.ticker), self._result(game.away.ticker)
        if final is not None or "yes" in (home, away):
            margin = game.last_margin if final is None else final
            home_won = home == "yes" if "yes" in (home, away) else margin > 0
            self._final(event_ticker, game, margin, home_won, now_ms)
            return
        if now_ms >= game.end_ms:
            return  # over, not decided yet
        expected = self._latent.margin(event_ticker, now_ms)
        if expected is None:
            return
        played = (now_ms - game.tipoff_ms) / (game.end_ms - game.tipoff_ms)
        if game.margin_at_tipoff is None:
            game.margin_at_tipoff = expected
        game.last_margin = expected
        lead = expected - game.margin_at_tipoff * (1 - played)
        total = game.pace * played
        self._score(game, round((total + lead) / 2), round((total - lead) / 2), now_ms)
        self._publish(GameLive(event_ticker, now_ms, _details(game, played, now_ms, "")))

    def _final(
        self, event_ticker: str, game: _Game, margin: float, home_won: bool, now_ms: int
    ) -> None:
        lead = max(1, round(abs(margin))) * (1 if home_won else -1)
        home = (game.pace + lead + 1) // 2
        away = home - lead
        lift = max(game.home_points - home, game.away_points - away, 0)
        self._score(game, home + lift, away + lift, now_ms)
        winner = "home" if home_won else "away"
        self._publish(GameLive(event_ticker, now_ms, _details(game, 1.0, now_ms, winner)))
        self._done.add(event_ticker)
        self._games.pop(event_ticker, None)

    @staticmethod
    def _score(game: _Game, home: int, away: int, now_ms: int) -> None:
        home, away = max(home, game.home_points), max(away, game.away_points)
        if (home, away) != (game.home_points, game.away_points):
            game.scored_ms = now_ms
        game.home_points, game.away_points = home, away

    # ------------------------------------------------------------------ weather days

    def _day(self, series_ticker: str, event_ticker: str, now_ms: int) -> None:
        event = self._catalog.event(event_ticker)
        markets = self._catalog.markets_of_event(event_ticker)
        if event is None or event.strike_date is None or not markets:
            return
        start = millis_of(event.strike_date)
        close = millis_of(markets[0].close_time)
        last_minute = close - close % MINUTE_MS
        if now_ms < start:
            return
        final = self._latent.take_final(event_ticker)
        if final is not None:
            self._reading(series_ticker, event_ticker, last_minute, daily_high(final))
            self._done.add(event_ticker)
            self._read.pop(event_ticker, None)
            return
        at = min(now_ms - now_ms % MINUTE_MS, last_minute)
        if at <= self._read.get(event_ticker, start - 1):
            return
        seen = self._latent.observe(event_ticker, at)
        if seen is None:
            return
        forecast, spread = seen
        hour = (at - start) / _HOUR_MS
        swing = _DIURNAL_F * (1 - math.cos(2 * math.pi * (hour - _PEAK_HOUR) / 24)) / 2
        reading = daily_high(forecast - swing - _SPREAD_MARGIN * spread)
        self._latent.observed(event_ticker, reading)
        self._reading(series_ticker, event_ticker, at, reading)

    def _reading(self, series_ticker: str, event_ticker: str, at_ms: int, value: int) -> None:
        self._read[event_ticker] = at_ms
        self._publish(WeatherObservation(series_ticker, event_ticker, at_ms, float(value)))


def _details(game: _Game, played: float, now_ms: int, winner: str) -> dict[str, object]:
    """The recorded ``basketball_game`` keys (2026-01): four 12-minute quarters."""
    quarters = min(max(played, 0.0), 1.0) * 4
    period = min(4, int(quarters) + 1)
    left = round(_QUARTER_S * (period - quarters)) if winner == "" else 0
    over = winner != ""
    return {
        "away_points": game.away_points,
        "home_points": game.home_points,
        "last_event_created_ts": None,
        "last_event_is_timeout": False,
        "last_updated_ts": now_ms // 1000,
        "period": period,
        "period_remaining_time": f"{left // 60}:{left % 60:02d}",
        "period_type": "quarter",
        "possession": None if over else ("home" if (now_ms // MINUTE_MS) % 2 else "away"),
        "score_last_updated_ts": None if game.scored_ms is None else game.scored_ms // 1000,
        "status": "closed" if over else "inprogress",
        "widget_status": "final" if over else "live",
        "winner": winner,
    }
