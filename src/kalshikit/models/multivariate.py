"""Multivariate event collections: the collections combo markets are made in, and the request
that creates (or looks up) one combo market from chosen legs. No I/O here.

Fields follow the SDK 3.34 models (``MultivariateEventCollection``, ``AssociatedEvent``,
``TickerPair``, ``CreateMarketInMultivariateEventCollectionRequest`` and ``...Response``,
``GetMultivariateEventCollection(s)Response``). The January 2026 recordings lack three fields
the SDK requires of a collection (``exchange_index`` is optional there too,
``price_level_structure`` and ``price_ranges`` are not): they are optional here, so both parse.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from kalshikit.models.base import WireModel
from kalshikit.models.market import Market, PriceRange

__all__ = [
    "COLLECTION_STATUSES",
    "AssociatedEvent",
    "CreateMarketInCollectionRequest",
    "CreateMarketInCollectionResponse",
    "MultivariateCollection",
    "MultivariateCollectionResponse",
    "MultivariateCollectionsPage",
    "TickerPair",
]

# the ``status`` filter of GET /multivariate_event_collections
COLLECTION_STATUSES: Final = ("unopened", "open", "closed")


class AssociatedEvent(WireModel, kw_only=True, frozen=True):
    """An event whose markets may be legs of the collection's combos, and its rules:
    ``size_min``/``size_max`` markets of it per combo (None: no limit)."""

    ticker: str
    is_yes_only: bool
    size_max: int | None = None
    size_min: int | None = None
    active_quoters: list[str]


class MultivariateCollection(WireModel, kw_only=True, frozen=True):
    """One multivariate event collection: the events it combines and how (``size_min`` to
    ``size_max`` legs; ``is_ordered``: whether the order of legs makes another market)."""

    collection_ticker: str
    series_ticker: str
    exchange_index: int | None = None
    title: str
    description: str
    open_date: datetime
    close_date: datetime
    associated_events: list[AssociatedEvent]
    associated_event_tickers: list[str]  # deprecated: associated_events
    is_ordered: bool
    is_single_market_per_event: bool  # deprecated: associated_events
    is_all_yes: bool  # deprecated: associated_events
    size_min: int
    size_max: int
    functional_description: str
    price_level_structure: str | None = None  # required by the SDK, absent in January
    price_ranges: list[PriceRange] | None = None  # required by the SDK, absent in January


class MultivariateCollectionResponse(WireModel, kw_only=True, frozen=True):
    """``GET /multivariate_event_collections/{collection_ticker}``."""

    multivariate_contract: MultivariateCollection


class MultivariateCollectionsPage(WireModel, kw_only=True, frozen=True):
    """``GET /multivariate_event_collections``: one page."""

    multivariate_contracts: list[MultivariateCollection]
    cursor: str | None = None


class TickerPair(WireModel, kw_only=True, frozen=True):
    """One chosen leg: a market of an associated event, and the side (``yes``/``no``) taken."""

    market_ticker: str
    event_ticker: str
    side: str


class CreateMarketInCollectionRequest(WireModel, kw_only=True, frozen=True, omit_defaults=True):
    """``POST /multivariate_event_collections/{collection_ticker}``'s body (an absent
    ``with_market_payload`` is left out, not sent as null)."""

    selected_markets: list[TickerPair]
    with_market_payload: bool | None = None


class CreateMarketInCollectionResponse(WireModel, kw_only=True, frozen=True):
    """The combo market the legs make (created now, or found: the same legs, the same
    market); ``market`` only when asked for with ``with_market_payload``."""

    event_ticker: str
    market_ticker: str
    market: Market | None = None
