"""When the simulator lists a recurring series' next events: as old ones stop trading.

No I/O, no clock. The catalog was built with some periods of each recurring series listed ahead
(two hours of a crypto ladder, a day of weather, a night of games ...); the real exchange keeps
listing as time passes, so the simulator keeps the same number of periods live: when an event
stops trading (its close, or its early end: a game that is over) and fewer periods are left than
the catalog started with, the next period is listed (``Exchange.list_events``, journaled).
"""

from __future__ import annotations

from collections.abc import Iterable

from kalshikit.models import Event, Market
from kalshikit.sandbox.catalog import ROLLING_SERIES, Catalog, period_of
from kalshikit.sandbox.exchange import millis_of

__all__ = ["SeriesRolls", "stop_ms"]


def stop_ms(markets: Iterable[Market]) -> int:
    """When an event stops trading: its first close or expected end (a game ends early)."""
    return min(
        min(millis_of(m.close_time), millis_of(m.expected_expiration_time or m.close_time))
        for m in markets
    )


class SeriesRolls:
    """How many periods each recurring series keeps live, and which it has live now."""

    def __init__(self, catalog: Catalog) -> None:
        periods: dict[str, set[str]] = {}
        for event in catalog.built_events:
            if event.series_ticker in ROLLING_SERIES:
                periods.setdefault(event.series_ticker, set()).add(period_of(event))
        self._target = {series: len(found) for series, found in periods.items()}
        self._live: dict[str, dict[str, int]] = {}  # series -> period -> its last stop

    @property
    def series(self) -> list[str]:
        """The recurring series this catalog has (in a fixed order)."""
        return sorted(self._target)

    def track(self, event: Event, markets: list[Market]) -> int | None:
        """Note a listed event; returns when it stops trading (None: not a rolling series)."""
        if event.series_ticker not in self._target or not markets:
            return None
        stops = stop_ms(markets)
        live = self._live.setdefault(event.series_ticker, {})
        period = period_of(event)
        live[period] = max(live.get(period, stops), stops)
        return stops

    def short(self, series: str, now_ms: int) -> bool:
        """Whether ``series`` has fewer periods still trading than it started with."""
        live = self._live.get(series, {})
        for period in [p for p, stops in live.items() if stops <= now_ms]:
            del live[period]
        return len(live) < self._target.get(series, 0)
