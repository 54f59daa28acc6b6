"""An event's fee override, set or cleared while the exchange runs (``event_fee_update``).

No I/O here. ``set_event_fees`` is a write like any other (checked, then committed, so a store
journals it and a replay sets the same terms): the event's markets charge the new terms from
the next fill on, ``GET /events`` shows them, and listeners hear ``EventFeeChanged``. The
exchange writes the changed event into a catalog of its own (the one it was built from may be
shared) and keeps the overrides as state, so a snapshot's restore applies them again.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Final

import msgspec

from kalshikit.fees import FeeSchedule
from kalshikit.sandbox.exchange.core import ExchangeCore
from kalshikit.sandbox.exchange.errors import bad_request, not_found
from kalshikit.sandbox.exchange.events import EventFeeChanged

__all__ = ["FEE_TYPES", "FeeTermsMixin"]

# the fee types an event may be switched to (the AsyncAPI spec's event_fee_update enum)
FEE_TYPES: Final = frozenset(
    {"quadratic", "quadratic_with_maker_fees", "quadratic_with_combo_maker_fees", "flat"}
)


class FeeTermsMixin(ExchangeCore):
    """``set_event_fees``: an event's fee override, and keeping it across a restore."""

    def set_event_fees(
        self, event_ticker: str, fee_type: str | None, multiplier: float | None
    ) -> None:
        """Override the fee type and multiplier of ``event_ticker``'s markets; both None clears
        the override (the series' terms apply again)."""
        batch = self._begin()
        if self.catalog.event(event_ticker) is None:
            raise not_found("event_not_found", f"no event with ticker {event_ticker!r}")
        if (fee_type is None) != (multiplier is None):
            raise bad_request(
                "invalid_parameters", "give both fee_type and multiplier, or neither to clear"
            )
        if fee_type is not None and fee_type not in FEE_TYPES:
            raise bad_request("invalid_parameters", f"fee_type must be one of {sorted(FEE_TYPES)}")
        if multiplier is not None and not _is_multiplier(multiplier):
            raise bad_request("invalid_parameters", "multiplier must be a number from 0 to 10")
        self._commit_point()
        self._fee_overrides[event_ticker] = (fee_type, multiplier)
        self._apply_fee_terms(event_ticker, fee_type, multiplier)
        if self._listeners:
            self._emit(EventFeeChanged(event_ticker, fee_type, multiplier, batch.now))
        self._finish(batch)

    def _apply_fee_terms(
        self, event_ticker: str, fee_type: str | None, multiplier: float | None
    ) -> None:
        event = self.catalog.event(event_ticker)
        if event is None:
            return
        if not self._catalog_owned:
            self.catalog, self._catalog_owned = self.catalog.copy(), True
        changed = msgspec.structs.replace(
            event, fee_type_override=fee_type, fee_multiplier_override=multiplier
        )
        self.catalog.replace_event(changed)
        for market in self.catalog.markets_of_event(event_ticker):
            state = self._markets.get(market.ticker)
            if state is not None:
                state.fees = FeeSchedule.for_series(*self.catalog.fee_terms(market))

    def load_state_image(self, image: Mapping[str, object]) -> None:
        """Take the image over, then charge its events' fee overrides again (the catalog's
        parts are not in a snapshot)."""
        super().load_state_image(image)
        for event_ticker, (fee_type, multiplier) in self._fee_overrides.items():
            self._apply_fee_terms(event_ticker, fee_type, multiplier)


def _is_multiplier(value: object) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and 0 <= value <= 10
    )
