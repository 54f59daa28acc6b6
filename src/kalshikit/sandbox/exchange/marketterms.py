"""A market's price grid and metadata, changed while the exchange runs
(``price_level_structure_updated`` and ``metadata_updated`` on ``market_lifecycle_v2``).

No I/O here. ``set_price_level_structure`` and ``set_market_metadata`` are writes like any other
(checked, then committed, so a store journals them and a replay makes the same change): the
market's orders are checked on the new grid from the next command on, ``GET /markets`` shows the
new terms, and listeners hear ``MarketTermsChanged``. A grid change is refused when a resting
order's price would be off the new grid (a finer grid never strands one). The changes are kept
as state (ticker -> changed ``Market`` fields), so a snapshot's restore applies them again.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any, Final

import msgspec

from kalshikit.errors import ValidationError
from kalshikit.models import PriceRange
from kalshikit.sandbox.catalog import Catalog
from kalshikit.sandbox.exchange.core import ExchangeCore
from kalshikit.sandbox.exchange.errors import bad_request
from kalshikit.sandbox.exchange.events import MarketTermsChanged
from kalshikit.sandbox.exchange.retention import Retention
from kalshikit.units import PriceGrid, ticks_to_dollars

__all__ = ["METADATA_FIELDS", "STRIKE_TYPES", "MarketTermsMixin"]

# what a metadata_updated message may carry (the AsyncAPI spec), in its order; custom_strike
# is not offered (the sandbox's markets have no custom strikes)
METADATA_FIELDS: Final = ("strike_type", "floor_strike", "cap_strike", "yes_sub_title")
# the strike types of the REST Market schema
STRIKE_TYPES: Final = frozenset(
    {"greater", "greater_or_equal", "less", "less_or_equal", "between", "functional", "custom",
     "structured"}
)  # fmt: skip


class MarketTermsMixin(ExchangeCore):
    """``set_price_level_structure`` and ``set_market_metadata``, kept across a restore."""

    def __init__(
        self,
        catalog: Catalog,
        *,
        clock: Callable[[], int],
        seed: int = 0,
        retention: Retention | None = None,
    ) -> None:
        super().__init__(catalog, clock=clock, seed=seed, retention=retention)
        # ticker -> the Market fields changed since the catalog was built, in the order set
        self._market_terms: dict[str, dict[str, Any]] = {}

    def set_price_level_structure(self, ticker: str, price_level_structure: str) -> None:
        """Put ``ticker`` on the grid of ``price_level_structure`` (``linear_cent``,
        ``deci_cent``, ``tapered_deci_cent``); refused if a resting order would be off it."""
        batch = self._begin()
        state = self._market_state(ticker)
        if state.market.mve_collection_ticker is not None:
            raise bad_request(
                "invalid_parameters", f"market {ticker} is a combo: combos have no price grid"
            )
        try:
            grid = PriceGrid.for_structure(price_level_structure)
        except ValidationError as error:
            raise bad_request("invalid_parameters", str(error)) from None
        stranded = sorted(
            {o.price for o in self._orders.values()
             if o.ticker == ticker and o.status == "resting" and not grid.allows_ticks(o.price)}
        )  # fmt: skip
        if stranded:
            prices = ", ".join(f"${ticks_to_dollars(p)}" for p in stranded[:5])
            raise bad_request(
                "invalid_parameters",
                f"resting orders on {ticker} at {prices} would be off the {price_level_structure} "
                f"grid ({grid.describe()}); cancel them first or choose a finer grid",
            )
        self._commit_point()
        ranges = [
            {"start": ticks_to_dollars(r.start), "end": ticks_to_dollars(r.end),
             "step": ticks_to_dollars(r.step)}
            for r in grid.ranges
        ]  # fmt: skip
        changes: dict[str, Any] = {
            "price_level_structure": price_level_structure, "price_ranges": ranges,
        }  # fmt: skip
        self._market_terms.setdefault(ticker, {}).update(changes)
        self._apply_market_terms(ticker, changes)
        if self._listeners:
            fields = tuple(changes.items())
            self._emit(
                MarketTermsChanged(ticker, "price_level_structure_updated", fields, batch.now)
            )
        self._finish(batch)

    def set_market_metadata(self, ticker: str, metadata: Mapping[str, object]) -> None:
        """Change some of ``ticker``'s metadata (``METADATA_FIELDS``); the fields not given
        stay as they are."""
        batch = self._begin()
        self._market_state(ticker)
        changes = _checked_metadata(metadata)
        self._commit_point()
        self._market_terms.setdefault(ticker, {}).update(changes)
        self._apply_market_terms(ticker, changes)
        if self._listeners:
            fields = tuple((k, changes[k]) for k in METADATA_FIELDS if k in changes)
            self._emit(MarketTermsChanged(ticker, "metadata_updated", fields, batch.now))
        self._finish(batch)

    def _apply_market_terms(self, ticker: str, changes: Mapping[str, Any]) -> None:
        state = self._markets.get(ticker)
        if state is None:
            return
        values = dict(changes)
        if "price_ranges" in values:
            values["price_ranges"] = [PriceRange(**r) for r in values["price_ranges"]]
        state.market = msgspec.structs.replace(state.market, **values)
        if "price_level_structure" in values:
            state.grid = state.market.grid

    def load_state_image(self, image: Mapping[str, object]) -> None:
        """Take the image over, then apply its markets' changed terms again (the catalog's
        parts are not in a snapshot)."""
        super().load_state_image(image)
        for ticker, changes in self._market_terms.items():
            self._apply_market_terms(ticker, changes)


def _checked_metadata(metadata: Mapping[str, object]) -> dict[str, Any]:
    unknown = sorted(set(metadata) - set(METADATA_FIELDS))
    if unknown:
        raise bad_request(
            "invalid_parameters",
            f"unknown metadata {unknown}: give some of {list(METADATA_FIELDS)}",
        )
    changes: dict[str, Any] = {k: v for k, v in metadata.items() if v is not None}
    if not changes:
        raise bad_request(
            "invalid_parameters", f"give at least one of {list(METADATA_FIELDS)} to change"
        )
    strike_type = changes.get("strike_type")
    if strike_type is not None and strike_type not in STRIKE_TYPES:
        raise bad_request(
            "invalid_parameters", f"strike_type must be one of {sorted(STRIKE_TYPES)}"
        )
    for key in ("floor_strike", "cap_strike"):
        value = changes.get(key)
        if value is not None and not _is_number(value):
            raise bad_request("invalid_parameters", f"{key} must be a finite number")
    title = changes.get("yes_sub_title")
    if title is not None and (not isinstance(title, str) or not title.strip()):
        raise bad_request("invalid_parameters", "yes_sub_title must be a non-empty string")
    floor, cap = changes.get("floor_strike"), changes.get("cap_strike")
    if isinstance(floor, int | float) and isinstance(cap, int | float) and floor > cap:
        raise bad_request("invalid_parameters", "floor_strike must not be above cap_strike")
    return {k: float(v) if k.endswith("_strike") else v for k, v in changes.items()}


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
