"""Listing new events while the exchange runs: a recurring series' next hour, day or game night.

No I/O here. ``list_events`` is a write like any other (checked, then committed, so a store
journals it and a replay lists the same events): the catalog's ``next_listing`` drafts the events
from the catalog as it stands, the clock and the ``reference`` given, all of which a replay has.
The exchange lists into a copy of its catalog (the one it was built from may be shared), and
keeps each listing's arguments so that a snapshot, which leaves the catalog out, can be restored
by drafting the same events again.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from kalshikit.errors import ValidationError
from kalshikit.sandbox.catalog import Drafted, next_listing
from kalshikit.sandbox.exchange.core import ExchangeCore
from kalshikit.sandbox.exchange.errors import bad_request, conflict
from kalshikit.sandbox.exchange.events import EventListed
from kalshikit.sandbox.exchange.lifecycle import TRADEABLE, MarketState
from kalshikit.sandbox.exchange.render import datetime_of

__all__ = ["RollMixin"]


class RollMixin(ExchangeCore):
    """``list_events``: the next period of a recurring series, listed now."""

    def list_events(self, series_ticker: str, reference: float | None = None) -> list[str]:
        """List the next events of ``series_ticker`` (its next hour, day, game night, week or
        month; the first still to come after a pause) and return their market tickers.

        ``reference`` is where the number the series is about stands now (a crypto index): the
        new ladder is centred on it; without one, on the last event's. Each new event is
        announced (``EventListed``), then each market (``created``, and ``activated`` when it
        opens at once). Refused (400) for a series that does not roll.
        """
        batch = self._begin()
        if reference is not None and not _is_price(reference):
            raise bad_request(
                "invalid_parameters", f"reference must be a positive number, not {reference!r}"
            )
        drafted = self._draft_listing(series_ticker, batch.now, reference)
        self._commit_point()
        listed = self._take_listing(drafted)
        self._listings.append((series_ticker, batch.now, reference))
        if self._listeners:
            for each in drafted:
                self._emit(EventListed(each.event, batch.now))
        for state in listed:
            self._lifecycle(state, "created", batch.now)
            if state.status == TRADEABLE:
                self._lifecycle(state, "activated", batch.now, is_deactivated=False)
        self._finish(batch)
        return [state.ticker for state in listed]

    def _draft_listing(
        self, series_ticker: str, now_ms: int, reference: float | None
    ) -> list[Drafted]:
        try:
            drafted = next_listing(self.catalog, series_ticker, datetime_of(now_ms), reference)
        except ValidationError as error:
            raise bad_request("invalid_parameters", str(error)) from None
        for each in drafted:
            if self.catalog.event(each.event.event_ticker) is not None:
                raise conflict("event_exists", f"event {each.event.event_ticker} is listed already")
        return drafted

    def _take_listing(self, drafted: list[Drafted]) -> list[MarketState]:
        """Add the drafted events to the catalog (a copy of our own) and their markets."""
        if not self._catalog_owned:
            self.catalog, self._catalog_owned = self.catalog.copy(), True
        for each in drafted:
            self.catalog.add(each)
            for market in each.markets:
                self._add_market(market)
        return [self._markets[m.ticker] for each in drafted for m in each.markets]

    def load_state_image(self, image: Mapping[str, object]) -> None:
        """List again what the image's exchange had listed (its markets' state is in the
        image, their catalog part is not), then take the image over."""
        listings = image.get("_listings", [])
        assert isinstance(listings, list)
        for series_ticker, now_ms, reference in listings:
            self._take_listing(self._draft_listing(series_ticker, now_ms, reference))
        super().load_state_image(image)


def _is_price(value: object) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value > 0
    )
