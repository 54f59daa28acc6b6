"""The WebSocket event payloads: lifecycle, communications and command replies. No I/O here.

The ``msg`` structs of ``market_lifecycle_v2`` / ``multivariate_market_lifecycle``,
``event_lifecycle``, ``event_fee_update``, the ``communications`` channel (RFQs and quotes), and
of the ``subscribed`` and ``error`` replies (kalshi-websocket.md sections 2-3, the AsyncAPI spec).
Strikes and fee multipliers are JSON numbers on the wire and ``Decimal`` here, exactly. See
:mod:`kalshikit.models._stream_msgs` for the data payloads and the record naming.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Final

import msgspec

from kalshikit.models._stream_msgs import Units, money_of
from kalshikit.models.base import contracts_of, price_of
from kalshikit.models.market import MveSelectedLeg, PriceRange
from kalshikit.units import Contracts, Price

__all__ = [
    "EVENT_RECORD_UNITS",
    "ErrorMsg",
    "EventFeeUpdateMsg",
    "EventLifecycleMsg",
    "LifecycleMetadata",
    "MarketLifecycleMsg",
    "QuoteExecutedMsg",
    "QuoteMsg",
    "RfqMsg",
    "SubscribedMsg",
]


# --- lifecycle -----------------------------------------------------------------------------------


class LifecycleMetadata(msgspec.Struct, kw_only=True):
    """``additional_metadata`` of a ``created`` lifecycle message. Strikes are exact numbers."""

    name: str | None = None
    title: str | None = None
    yes_sub_title: str | None = None
    no_sub_title: str | None = None
    rules_primary: str | None = None
    rules_secondary: str | None = None
    can_close_early: bool | None = None
    event_ticker: str | None = None
    expected_expiration_ts: int | None = None
    strike_type: str | None = None
    floor_strike: Decimal | None = None
    cap_strike: Decimal | None = None
    custom_strike: dict[str, Any] | None = None


class MarketLifecycleMsg(msgspec.Struct, kw_only=True):
    """``market_lifecycle_v2`` and ``multivariate_market_lifecycle``: one market event.

    Which optional fields are present depends on ``event_type`` (kalshi-websocket.md 3.7);
    times are Unix seconds. ``price_ranges`` is the market's authoritative tick grid.
    """

    market_ticker: str
    event_type: str
    exchange_index: int | None = None
    open_ts: int | None = None
    close_ts: int | None = None
    result: str | None = None
    determination_ts: int | None = None
    settlement_value: str | None = None
    settled_ts: int | None = None
    is_deactivated: bool | None = None
    price_level_structure: str | None = None
    price_ranges: list[PriceRange] | None = None
    strike_type: str | None = None
    floor_strike: Decimal | None = None
    cap_strike: Decimal | None = None
    custom_strike: dict[str, Any] | None = None
    yes_sub_title: str | None = None
    additional_metadata: LifecycleMetadata | None = None

    @property
    def settlement_price(self) -> Price | None:
        """The determined settlement value (``settlement_value``) as a price."""
        return price_of(self.settlement_value, None)


class EventLifecycleMsg(msgspec.Struct, kw_only=True, gc=False):
    """``event_lifecycle``: an event was created. ``strike_date`` is Unix seconds."""

    event_ticker: str
    exchange_index: int | None = None
    title: str | None = None
    subtitle: str | None = None
    collateral_return_type: str | None = None
    series_ticker: str | None = None
    strike_date: int | None = None
    strike_period: str | None = None


class EventFeeUpdateMsg(msgspec.Struct, kw_only=True, gc=False):
    """``event_fee_update``: an event's fee override was set, or cleared (both null)."""

    event_ticker: str
    fee_type_override: str | None = None
    fee_multiplier_override: Decimal | None = None


# --- communications (RFQs and quotes) ------------------------------------------------------------


class RfqMsg(msgspec.Struct, kw_only=True):
    """``rfq_created`` / ``rfq_deleted`` (``deleted_ts`` in place of ``created_ts``; RFC3339)."""

    id: str
    market_ticker: str
    creator_id: str | None = None
    event_ticker: str | None = None
    contracts_fp: str | None = None
    target_cost_dollars: str | None = None
    created_ts: str | None = None
    deleted_ts: str | None = None
    mve_collection_ticker: str | None = None
    mve_selected_legs: list[MveSelectedLeg] | None = None

    @property
    def contracts(self) -> Contracts | None:
        return contracts_of(self.contracts_fp, None)

    @property
    def target_cost(self) -> Decimal | None:
        return money_of(self.target_cost_dollars)


class QuoteMsg(msgspec.Struct, kw_only=True, gc=False):
    """``quote_created`` / ``quote_accepted`` (the latter adds ``accepted_side`` and
    ``contracts_accepted_fp``). ``subaccount`` is only ever your own."""

    quote_id: str
    rfq_id: str
    market_ticker: str
    quote_creator_id: str | None = None
    rfq_creator_id: str | None = None
    event_ticker: str | None = None
    yes_bid_dollars: str | None = None
    no_bid_dollars: str | None = None
    yes_contracts_offered_fp: str | None = None
    no_contracts_offered_fp: str | None = None
    rfq_target_cost_dollars: str | None = None
    accepted_side: str | None = None
    contracts_accepted_fp: str | None = None
    created_ts: str | None = None
    subaccount: int | None = None

    @property
    def yes_bid(self) -> Price | None:
        return price_of(self.yes_bid_dollars, None)

    @property
    def no_bid(self) -> Price | None:
        return price_of(self.no_bid_dollars, None)

    @property
    def yes_contracts_offered(self) -> Contracts | None:
        return contracts_of(self.yes_contracts_offered_fp, None)

    @property
    def no_contracts_offered(self) -> Contracts | None:
        return contracts_of(self.no_contracts_offered_fp, None)

    @property
    def contracts_accepted(self) -> Contracts | None:
        return contracts_of(self.contracts_accepted_fp, None)

    @property
    def rfq_target_cost(self) -> Decimal | None:
        return money_of(self.rfq_target_cost_dollars)


class QuoteExecutedMsg(msgspec.Struct, kw_only=True, gc=False):
    """``quote_executed``: your order from a quote; join ``order_id`` to fills."""

    quote_id: str
    rfq_id: str
    market_ticker: str
    quote_creator_id: str | None = None
    rfq_creator_id: str | None = None
    order_id: str | None = None
    client_order_id: str | None = None
    executed_ts: str | None = None
    subaccount: int | None = None


# --- command replies -----------------------------------------------------------------------------


class SubscribedMsg(msgspec.Struct, kw_only=True, gc=False):
    """The ``msg`` of a ``subscribed`` reply: one channel and its new sid."""

    channel: str
    sid: int


class ErrorMsg(msgspec.Struct, kw_only=True, gc=False):
    """The ``msg`` of an ``error`` frame: the code (kalshi-websocket.md 2) and its text."""

    code: int
    msg: str = ""
    market_ticker: str | None = None
    market_tickers: list[str] | None = None
    market_id: str | None = None


# payload -> (record key, property giving the exact value, wire keys it replaces)
EVENT_RECORD_UNITS: Final[Units] = {
    MarketLifecycleMsg: (("settlement_value_dollars", "settlement_price", ("settlement_value",)),),
    RfqMsg: (
        ("contracts", "contracts", ("contracts_fp",)),
        ("target_cost_dollars", "target_cost", ("target_cost_dollars",)),
    ),
    QuoteMsg: (
        ("yes_bid_dollars", "yes_bid", ("yes_bid_dollars",)),
        ("no_bid_dollars", "no_bid", ("no_bid_dollars",)),
        ("yes_contracts_offered", "yes_contracts_offered", ("yes_contracts_offered_fp",)),
        ("no_contracts_offered", "no_contracts_offered", ("no_contracts_offered_fp",)),
        ("contracts_accepted", "contracts_accepted", ("contracts_accepted_fp",)),
        ("rfq_target_cost_dollars", "rfq_target_cost", ("rfq_target_cost_dollars",)),
    ),
}
