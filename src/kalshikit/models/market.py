"""Catalog wire structs: markets, events, series, tags, public trades, their envelopes. No I/O here.

Current fields (SDK 3.34) are declared as the wire names them. A current field that replaced a
January 2026 one is optional (``None`` when absent), and the January integer it replaced is declared
beside it under a unit-suffixed attribute, so both shapes decode into the same struct.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from kalshikit.models.base import WireModel, contracts_of, price_of
from kalshikit.units import Contracts, Price, PriceGrid

__all__ = [
    "Event",
    "EventResponse",
    "EventsPage",
    "Market",
    "MarketResponse",
    "MarketsPage",
    "MveSelectedLeg",
    "PriceRange",
    "Series",
    "SeriesList",
    "SeriesResponse",
    "SettlementSource",
    "TagsByCategories",
    "Trade",
    "TradesPage",
]


class PriceRange(WireModel, kw_only=True, frozen=True):
    """One band of a market's price grid: ``start`` to ``end`` in steps of ``step`` (dollars)."""

    start: str
    end: str
    step: str


class MveSelectedLeg(WireModel, kw_only=True, frozen=True):
    """One leg of a multivariate (combo) market."""

    event_ticker: str | None = None
    market_ticker: str | None = None
    side: str | None = None
    yes_settlement_value_dollars: str | None = None


class Market(WireModel, kw_only=True, frozen=True):
    """One market. Quotes are ``*_dollars`` strings and sizes ``*_fp`` strings; January bodies carry
    integer cents and counts instead (``yes_bid_cents`` ... ``open_interest_int``)."""

    ticker: str
    event_ticker: str
    market_type: str
    title: str | None = None
    subtitle: str | None = None
    yes_sub_title: str
    no_sub_title: str
    created_time: datetime
    updated_time: datetime | None = None
    open_time: datetime
    close_time: datetime
    expected_expiration_time: datetime | None = None
    expiration_time: datetime | None = None
    latest_expiration_time: datetime
    settlement_timer_seconds: int
    status: str
    yes_bid_dollars: str | None = None
    yes_bid_size_fp: str | None = None
    yes_ask_dollars: str | None = None
    yes_ask_size_fp: str | None = None
    no_bid_dollars: str | None = None
    no_ask_dollars: str | None = None
    last_price_dollars: str | None = None
    volume_fp: str | None = None
    volume_24h_fp: str | None = None
    result: str = ""
    can_close_early: bool
    open_interest_fp: str | None = None
    notional_value_dollars: str | None = None
    previous_yes_bid_dollars: str | None = None
    previous_yes_ask_dollars: str | None = None
    previous_price_dollars: str | None = None
    # Deprecated (January wire, not in SDK 3.34): value of the resting orders, in dollars.
    liquidity_dollars: str | None = None
    settlement_value_dollars: str | None = None
    settlement_ts: datetime | None = None
    settlement_bounds_type: str = ""
    settlement_floor_dollars: str | None = None
    expiration_value: str = ""
    occurrence_datetime: datetime | None = None
    fee_waiver_expiration_time: datetime | None = None
    early_close_condition: str | None = None
    strike_type: str | None = None
    floor_strike: float | None = None
    cap_strike: float | None = None
    functional_strike: str | None = None
    custom_strike: dict[str, Any] | None = None
    rules_primary: str = ""
    rules_secondary: str = ""
    mve_collection_ticker: str | None = None
    mve_selected_legs: list[MveSelectedLeg] | None = None
    primary_participant_key: str | None = None
    price_level_structure: str = ""
    price_ranges: list[PriceRange] = msgspec.field(default_factory=list)
    is_provisional: bool | None = None
    exchange_index: int | None = None
    # January 2026 integers, replaced by the *_dollars / *_fp fields above.
    yes_bid_cents: int | None = msgspec.field(default=None, name="yes_bid")
    yes_ask_cents: int | None = msgspec.field(default=None, name="yes_ask")
    no_bid_cents: int | None = msgspec.field(default=None, name="no_bid")
    no_ask_cents: int | None = msgspec.field(default=None, name="no_ask")
    last_price_cents: int | None = msgspec.field(default=None, name="last_price")
    volume_int: int | None = msgspec.field(default=None, name="volume")
    volume_24h_int: int | None = msgspec.field(default=None, name="volume_24h")
    open_interest_int: int | None = msgspec.field(default=None, name="open_interest")

    @property
    def yes_bid(self) -> Price | None:
        """Best YES bid: ``yes_bid_dollars``, else January's cents; None when neither came."""
        return price_of(self.yes_bid_dollars, self.yes_bid_cents)

    @property
    def yes_ask(self) -> Price | None:
        return price_of(self.yes_ask_dollars, self.yes_ask_cents)

    @property
    def no_bid(self) -> Price | None:
        return price_of(self.no_bid_dollars, self.no_bid_cents)

    @property
    def no_ask(self) -> Price | None:
        return price_of(self.no_ask_dollars, self.no_ask_cents)

    @property
    def last_price(self) -> Price | None:
        return price_of(self.last_price_dollars, self.last_price_cents)

    @property
    def volume(self) -> Contracts | None:
        """Contracts traded: ``volume_fp``, else January's integer; None when neither came."""
        return contracts_of(self.volume_fp, self.volume_int)

    @property
    def open_interest(self) -> Contracts | None:
        return contracts_of(self.open_interest_fp, self.open_interest_int)

    @property
    def grid(self) -> PriceGrid:
        """Valid order prices: from ``price_ranges``, else from ``price_level_structure``."""
        return PriceGrid.for_market(self.price_ranges, self.price_level_structure)


class SettlementSource(WireModel, kw_only=True, frozen=True):
    name: str | None = None
    url: str | None = None


class Event(WireModel, kw_only=True, frozen=True):
    """One event (the SDK's ``EventData``): a group of markets on one question."""

    event_ticker: str
    series_ticker: str
    sub_title: str
    title: str
    collateral_return_type: str = ""
    mutually_exclusive: bool
    category: str | None = None
    strike_date: datetime | None = None
    strike_period: str | None = None
    markets: list[Market] | None = None
    product_metadata: dict[str, Any] | None = None
    settlement_sources: list[SettlementSource] | None = None
    last_updated_ts: datetime | None = None
    fee_type_override: str | None = None
    fee_multiplier_override: float | None = None
    exchange_index: int | None = None


class Series(WireModel, kw_only=True, frozen=True):
    """One series: the template events are made from (fees, rules, sources)."""

    ticker: str
    frequency: str
    title: str
    category: str
    categories: list[str] = msgspec.field(default_factory=list)
    tags: list[str] | None = None
    settlement_sources: list[SettlementSource] | None = None
    contract_url: str
    contract_terms_url: str
    product_metadata: dict[str, Any] | None = None
    fee_type: str
    fee_multiplier: float
    additional_prohibitions: list[str] | None = None
    volume_fp: str | None = None
    last_updated_ts: datetime | None = None
    exchange_index: int | None = None


class MarketsPage(WireModel, kw_only=True, frozen=True):
    """``GET /markets`` and ``GET /historical/markets``; an empty cursor is the last page."""

    markets: list[Market]
    cursor: str = ""


class MarketResponse(WireModel, kw_only=True, frozen=True):
    """``GET /markets/{ticker}`` and ``GET /historical/markets/{ticker}``."""

    market: Market


class EventsPage(WireModel, kw_only=True, frozen=True):
    """``GET /events`` (and ``/events/multivariate``); milestones are kept raw."""

    events: list[Event]
    milestones: list[dict[str, Any]] | None = None
    cursor: str = ""


class EventResponse(WireModel, kw_only=True, frozen=True):
    """``GET /events/{event_ticker}``; the top-level ``markets`` is deprecated but still sent."""

    event: Event
    markets: list[Market] = msgspec.field(default_factory=list)


class SeriesList(WireModel, kw_only=True, frozen=True):
    """``GET /series`` (not paginated)."""

    series: list[Series]


class SeriesResponse(WireModel, kw_only=True, frozen=True):
    """``GET /series/{series_ticker}``."""

    series: Series


class TagsByCategories(WireModel, kw_only=True, frozen=True):
    """``GET /search/tags_by_categories``: category -> tags (null for a category without tags)."""

    tags_by_categories: dict[str, list[str] | None]


class Trade(WireModel, kw_only=True, frozen=True):
    """One public trade. ``taker_outcome_side``/``taker_book_side`` replaced ``taker_side``."""

    trade_id: str
    ticker: str
    count_fp: str | None = None
    yes_price_dollars: str | None = None
    no_price_dollars: str | None = None
    taker_side: str | None = None
    taker_outcome_side: str = ""
    taker_book_side: str = ""
    created_time: datetime
    is_block_trade: bool = False
    # January 2026 integers, replaced by count_fp / *_price_dollars.
    count_int: int | None = msgspec.field(default=None, name="count")
    yes_price_cents: int | None = msgspec.field(default=None, name="yes_price")
    no_price_cents: int | None = msgspec.field(default=None, name="no_price")

    @property
    def count(self) -> Contracts | None:
        return contracts_of(self.count_fp, self.count_int)

    @property
    def yes_price(self) -> Price | None:
        return price_of(self.yes_price_dollars, self.yes_price_cents)


class TradesPage(WireModel, kw_only=True, frozen=True):
    """``GET /markets/trades`` and ``GET /historical/trades``."""

    trades: list[Trade]
    cursor: str = ""
