"""Multivariate event collections, and combo markets created from the legs a user chose.

No I/O here. The sandbox has one collection, the cross-category combos on shard 1
(``KXMVECROSSCATEGORY-SHARD1-R``): every event of another series with a market still trading
is associated with it, one market of each per combo, 2 to 4 legs, either side, in any order.

``create_combo`` is a write like any other (checked, then committed, so a store journals it and
a replay lists the same market): the legs are checked against the collection's rules first
(a refusal changes nothing), then the same legs in any order find the combo they made before
(the catalog's own combos included), else a new combo market is drafted from them
(``catalog.combo_from_legs``: its tickers are a hash of the legs), listed and announced
(``EventListed``, then the market ``created`` and ``activated``). The exchange keeps each
creation's arguments, so a snapshot's restore drafts the same markets again.

A created combo is determined by its legs: when a leg is determined the other way from the side
chosen, the combo resolves NO at once; when every leg went the chosen way, YES.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Final, Literal

from kalshikit.models import AssociatedEvent, Event, Market, MultivariateCollection, PriceRange
from kalshikit.sandbox.catalog import (
    COMBO_COLLECTION,
    COMBO_LEGS,
    COMBO_SERIES,
    Catalog,
    Drafted,
    combo_from_legs,
    combo_key,
)
from kalshikit.sandbox.exchange.admin import AdminMixin
from kalshikit.sandbox.exchange.errors import bad_request, conflict, not_found
from kalshikit.sandbox.exchange.events import EventListed
from kalshikit.sandbox.exchange.feeterms import FeeTermsMixin
from kalshikit.sandbox.exchange.lifecycle import TRADEABLE
from kalshikit.sandbox.exchange.market_data import MarketDataMixin
from kalshikit.sandbox.exchange.pages import check_limit, in_order
from kalshikit.sandbox.exchange.render import datetime_of
from kalshikit.sandbox.exchange.retention import Retention
from kalshikit.units import PriceGrid, ticks_to_dollars

__all__ = ["COLLECTION_STATUSES", "CombosMixin", "LegChoice"]

LegChoice = tuple[str, str, str]  # (event ticker, market ticker, side)
COLLECTION_STATUSES: Final = ("unopened", "open", "closed")
_STRUCTURE: Final = "deci_cent"  # every combo's grid
_FUNCTION: Final = (
    "The resulting market will only resolve to YES if every associated market resolves to YES."
)
_LIVE: Final = ("initialized", TRADEABLE)
_UNDECIDED: Final = (*_LIVE, "closed")


def _ranges() -> list[PriceRange]:
    grid = PriceGrid.for_structure(_STRUCTURE)
    return [
        PriceRange(start=ticks_to_dollars(a), end=ticks_to_dollars(b), step=ticks_to_dollars(s))
        for a, b, s in grid.ranges
    ]


class CombosMixin(AdminMixin, FeeTermsMixin, MarketDataMixin):
    """Collections (reads), ``create_combo`` (a write) and created combos' determination."""

    def __init__(
        self,
        catalog: Catalog,
        *,
        clock: Callable[[], int],
        seed: int = 0,
        retention: Retention | None = None,
    ) -> None:
        super().__init__(catalog, clock=clock, seed=seed, retention=retention)
        # [collection, [[event, market, side]...], time, market ticker] of each combo created
        # since the catalog was built, in order: a restore drafts the same markets from these
        self._combos_created: list[list[object]] = []

    # ------------------------------------------------------------------ reads

    def collections(
        self, *, status: str | None = None, associated_event_ticker: str | None = None,
        series_ticker: str | None = None, limit: int = 100, cursor: str | None = None,
    ) -> tuple[list[MultivariateCollection], str]:  # fmt: skip
        """``GET /multivariate_event_collections``: the collections that match, in order."""
        check_limit(limit, 200)
        if status is not None and status not in COLLECTION_STATUSES:
            allowed = ", ".join(COLLECTION_STATUSES)
            raise bad_request("invalid_parameters", f"status must be one of {allowed}")
        rendered = [self._collection()]

        def keep(c: MultivariateCollection) -> bool:
            return (
                (status is None or self._collection_status(c) == status)
                and (series_ticker is None or c.series_ticker == series_ticker)
                and (
                    associated_event_ticker is None
                    or associated_event_ticker in c.associated_event_tickers
                )
            )

        return in_order(rendered, "mve_collections", cursor, limit, keep)

    def collection(self, collection_ticker: str) -> MultivariateCollection:
        """``GET /multivariate_event_collections/{collection_ticker}``."""
        if collection_ticker != COMBO_COLLECTION:
            raise not_found("not_found", f"no multivariate event collection {collection_ticker!r}")
        return self._collection()

    def find_combo(
        self, collection_ticker: str, legs: Sequence[LegChoice]
    ) -> tuple[str, str] | None:
        """(event, market) of the combo these legs made already; None if there is none yet.
        Refuses legs the collection does not take, as ``create_combo`` does."""
        chosen = self._chosen(collection_ticker, legs)
        return self._existing(chosen)

    def _associated(self) -> list[Event]:
        """Other series' events with a market still trading (or about to), in catalog order."""
        return [
            event
            for event in self.catalog.events
            if event.series_ticker != COMBO_SERIES.ticker
            and any(
                self._markets[m.ticker].status in _LIVE
                for m in self.catalog.markets_of_event(event.event_ticker)
            )
        ]

    def _collection(self) -> MultivariateCollection:
        events = self._associated()
        series = self.catalog.series_of(COMBO_SERIES.ticker)
        now = datetime_of(self._clock())
        opened = series.last_updated_ts if series and series.last_updated_ts else now
        closes = [
            m.close_time for e in events for m in self.catalog.markets_of_event(e.event_ticker)
        ]
        low, high = COMBO_LEGS
        return MultivariateCollection(
            collection_ticker=COMBO_COLLECTION,
            series_ticker=COMBO_SERIES.ticker,
            exchange_index=COMBO_SERIES.exchange_index,
            title=COMBO_SERIES.title,
            description="Choose 2 to 4 markets of different events.",
            open_date=opened,
            close_date=max(closes, default=now),
            associated_events=[
                AssociatedEvent(
                    ticker=e.event_ticker, is_yes_only=False, size_max=1, active_quoters=[]
                )
                for e in events
            ],
            associated_event_tickers=[e.event_ticker for e in events],
            is_ordered=False,
            is_single_market_per_event=True,
            is_all_yes=False,
            size_min=low,
            size_max=high,
            functional_description=_FUNCTION,
            price_level_structure=_STRUCTURE,
            price_ranges=_ranges(),
        )

    def _collection_status(self, c: MultivariateCollection) -> str:
        now = datetime_of(self._clock())
        return "unopened" if now < c.open_date else "closed" if now >= c.close_date else "open"

    # ------------------------------------------------------------------ the write

    def create_combo(
        self, collection_ticker: str, legs: Sequence[LegChoice]
    ) -> tuple[str, str, bool]:
        """The combo market of ``legs`` in ``collection_ticker``: (event, market, created).
        The same legs again find the same market (created False) and change nothing."""
        batch = self._begin()
        chosen = self._chosen(collection_ticker, legs)
        found = self._existing(chosen)
        drafted = None
        if found is None:
            drafted = combo_from_legs(chosen, self.catalog.fair_value, datetime_of(batch.now))
            taken = drafted.markets[0].ticker
            if self.catalog.market(taken) or self.catalog.event(drafted.event.event_ticker):
                raise conflict("market_exists", f"combo ticker {taken} is taken by other legs")
        self._commit_point()
        if found is not None or drafted is None:
            self._finish(batch)
            event_ticker, market_ticker = found or ("", "")
            return event_ticker, market_ticker, False
        market = self._take_combo(drafted)
        self._combos_created.append(
            [collection_ticker, [list(leg) for leg in legs], batch.now, market.ticker]
        )
        if self._listeners:
            self._emit(EventListed(drafted.event, batch.now))
        state = self._markets[market.ticker]
        self._lifecycle(state, "created", batch.now)
        if state.status == TRADEABLE:
            self._lifecycle(state, "activated", batch.now, is_deactivated=False)
        self._finish(batch)
        return market.event_ticker, market.ticker, True

    def _chosen(
        self, collection_ticker: str, legs: Sequence[LegChoice]
    ) -> list[tuple[Market, str]]:
        """Each leg's market and side, once every rule of the collection is checked."""
        if collection_ticker != COMBO_COLLECTION:
            raise bad_request(
                "invalid_parameters", f"no multivariate event collection {collection_ticker!r}"
            )
        low, high = COMBO_LEGS
        if not low <= len(legs) <= high:
            raise bad_request(
                "invalid_parameters",
                f"collection {collection_ticker} takes {low} to {high} markets; got {len(legs)}",
            )
        associated = {e.event_ticker for e in self._associated()}
        chosen: list[tuple[Market, str]] = []
        events: set[str] = set()
        for event_ticker, market_ticker, side in legs:
            if side not in ("yes", "no"):
                raise bad_request("invalid_parameters", f"side must be yes or no, not {side!r}")
            state = self._markets.get(market_ticker)
            if state is None:
                raise bad_request("invalid_parameters", f"no market {market_ticker!r}")
            if state.market.event_ticker != event_ticker:
                raise bad_request(
                    "invalid_parameters",
                    f"market {market_ticker} is in event {state.market.event_ticker}, "
                    f"not {event_ticker}",
                )
            if event_ticker not in associated or state.status != TRADEABLE:
                raise bad_request(
                    "invalid_parameters",
                    f"market {market_ticker} is not open in collection {collection_ticker}",
                )
            if event_ticker in events:
                raise bad_request(
                    "invalid_parameters",
                    f"collection {collection_ticker} takes one market of event {event_ticker}",
                )
            events.add(event_ticker)
            chosen.append((state.market, side))
        return chosen

    def _existing(self, chosen: Sequence[tuple[Market, str]]) -> tuple[str, str] | None:
        key = combo_key([(m.ticker, side) for m, side in chosen])
        for event in self.catalog.events_of_series(COMBO_SERIES.ticker):
            for market in self.catalog.markets_of_event(event.event_ticker):
                legs = market.mve_selected_legs or []
                made = [(leg.market_ticker or "", leg.side or "") for leg in legs]
                if market.mve_collection_ticker == COMBO_COLLECTION and combo_key(made) == key:
                    return market.event_ticker, market.ticker
        return None

    def _take_combo(self, drafted: Drafted) -> Market:
        """Add the drafted combo to the catalog (a copy of our own) and its market."""
        if not self._catalog_owned:
            self.catalog, self._catalog_owned = self.catalog.copy(), True
        self.catalog.add(drafted)
        for market in drafted.markets:
            self._add_market(market)
        return drafted.markets[0]

    # ------------------------------------------------------------------ determination

    def determine(self, ticker: str, result: Literal["yes", "no"]) -> None:
        """Set the result; a created combo that this decides is determined with it."""
        super().determine(ticker, result)
        for created in list(self._combos_created):
            combo = str(created[3])
            legs = created[1]
            assert isinstance(legs, list)
            if any(leg[1] == ticker for leg in legs):
                self._determine_combo(combo, [(str(leg[1]), str(leg[2])) for leg in legs])

    def _determine_combo(self, combo: str, legs: list[tuple[str, str]]) -> None:
        state = self._markets.get(combo)
        if state is None or state.status not in _UNDECIDED:
            return
        wanted = [(self._markets[market].result, side) for market, side in legs]
        if any(got in ("yes", "no") and got != side for got, side in wanted):
            super().determine(combo, "no")
        elif all(got == side for got, side in wanted):
            super().determine(combo, "yes")

    # ------------------------------------------------------------------ restoring

    def load_state_image(self, image: Mapping[str, object]) -> None:
        """List the image's created combos again (their catalog part is not in it) once the
        rest is restored, then take their markets' state over."""
        created = image.get("_combos_created", [])
        markets = image["_markets"]
        assert isinstance(created, list)
        assert isinstance(markets, dict)
        mine = {str(c[3]) for c in created}
        rest = {t: v for t, v in markets.items() if t not in mine}
        super().load_state_image({**image, "_markets": rest})
        for _, legs, now_ms, ticker in created:
            chosen = [(self._markets[m].market, side) for _, m, side in legs]
            drafted = combo_from_legs(chosen, self.catalog.fair_value, datetime_of(now_ms))
            self._take_combo(drafted)
            self._markets[ticker].restore_fields(markets[ticker])
            event_ticker = drafted.event.event_ticker
            if event_ticker in self._fee_overrides:  # set on it after it was created
                self._apply_fee_terms(event_ticker, *self._fee_overrides[event_ticker])
        self._combos_created = created
