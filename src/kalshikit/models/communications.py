"""Communications: RFQs, quotes and block-trade proposals. No I/O here.

Fields follow the SDK 3.34 models (``RFQ``, its legs being ``market.MveSelectedLeg``, ``Quote``,
``BlockTradeProposal``, ``CreateRFQRequest`` and ``...Response``, ``CreateQuoteRequest`` and
``...Response``, ``AcceptQuoteRequest``, ``ProposeBlockTradeRequest`` and ``...Response``,
``AcceptBlockTradeProposalRequest``, ``GetRFQsResponse``, ``GetRFQResponse``, ``GetQuotesResponse``,
``GetQuoteResponse``, ``GetBlockTradeProposalsResponse``, ``GetCommunicationsIDResponse``).
Prices are dollar strings, sizes fixed-point contract strings; block trades alone speak
centi-cents (``price_centi_cents``, a YES price in $0.0001) and centi-contracts (``centicount``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from kalshikit.models.base import WireModel
from kalshikit.models.market import MveSelectedLeg

__all__ = [
    "QUOTE_SIDES",
    "AcceptBlockTradeRequest",
    "AcceptQuoteRequest",
    "BlockTradeProposal",
    "BlockTradeProposalsResponse",
    "CommunicationsIdResponse",
    "CreateQuoteRequest",
    "CreateQuoteResponse",
    "CreateRfqRequest",
    "CreateRfqResponse",
    "ProposeBlockTradeRequest",
    "ProposeBlockTradeResponse",
    "Quote",
    "QuoteResponse",
    "QuotesResponse",
    "Rfq",
    "RfqResponse",
    "RfqsResponse",
]

QUOTE_SIDES: Final = ("yes", "no")  # AcceptQuoteRequest.accepted_side


class Rfq(WireModel, kw_only=True, frozen=True):
    """A request for quote: a market and a size (contracts, or a target cost in dollars)."""

    id: str
    creator_id: str
    market_ticker: str
    contracts_fp: str
    target_cost_dollars: str | None = None
    target_cost_excludes_fees: bool | None = None
    status: str
    created_ts: datetime
    mve_collection_ticker: str | None = None
    mve_selected_legs: list[MveSelectedLeg] | None = None
    rest_remainder: bool | None = None
    cancellation_reason: str | None = None
    creator_user_id: str | None = None
    creator_subaccount: int | None = None
    cancelled_ts: datetime | None = None
    updated_ts: datetime | None = None


class Quote(WireModel, kw_only=True, frozen=True):
    """A quote on an RFQ: the YES and NO prices a maker offers for the RFQ's size."""

    id: str
    rfq_id: str
    creator_id: str
    rfq_creator_id: str
    market_ticker: str
    contracts_fp: str
    yes_bid_dollars: str
    no_bid_dollars: str
    created_ts: datetime
    updated_ts: datetime
    status: str
    accepted_side: str | None = None
    accepted_ts: datetime | None = None
    confirmed_ts: datetime | None = None
    executed_ts: datetime | None = None
    cancelled_ts: datetime | None = None
    rest_remainder: bool | None = None
    post_only: bool | None = None
    cancellation_reason: str | None = None
    creator_user_id: str | None = None
    rfq_creator_user_id: str | None = None
    rfq_target_cost_dollars: str | None = None
    target_cost_excludes_fees: bool | None = None
    rfq_creator_order_id: str | None = None
    creator_order_id: str | None = None
    creator_subaccount: int | None = None
    rfq_creator_subaccount: int | None = None
    yes_contracts_fp: str | None = None
    no_contracts_fp: str | None = None


class BlockTradeProposal(WireModel, kw_only=True, frozen=True):
    """A block trade two users agree on off the book: it executes once both accepted."""

    id: str
    proposer_user_id: str
    buyer_user_id: str
    buyer_subtrader_id: str | None = None
    seller_user_id: str
    seller_subtrader_id: str | None = None
    market_ticker: str
    price_centi_cents: int
    centicount: int
    maker_side: str
    expiration_ts: datetime
    status: str
    created_ts: datetime
    updated_ts: datetime
    buyer_accepted: bool
    seller_accepted: bool
    buyer_accepted_ts: datetime | None = None
    seller_accepted_ts: datetime | None = None
    executed_ts: datetime | None = None
    buyer_order_id: str | None = None
    seller_order_id: str | None = None


class CreateRfqRequest(WireModel, kw_only=True, frozen=True, omit_defaults=True):
    """``POST /communications/rfqs``'s body."""

    market_ticker: str
    contracts: int | None = None
    contracts_fp: str | None = None
    target_cost_centi_cents: int | None = None  # DEPRECATED (SDK): use target_cost_dollars
    target_cost_dollars: str | None = None
    target_cost_excludes_fees: bool | None = None
    obscure_creator_id: bool | None = None
    rest_remainder: bool
    replace_existing: bool | None = None
    subtrader_id: str | None = None
    subaccount: int | None = None


class CreateRfqResponse(WireModel, kw_only=True, frozen=True):
    id: str


class CreateQuoteRequest(WireModel, kw_only=True, frozen=True, omit_defaults=True):
    """``POST /communications/quotes``'s body: the YES and NO prices, in dollars."""

    rfq_id: str
    yes_bid: str
    no_bid: str
    rest_remainder: bool
    post_only: bool | None = None
    subaccount: int | None = None


class CreateQuoteResponse(WireModel, kw_only=True, frozen=True):
    id: str


class AcceptQuoteRequest(WireModel, kw_only=True, frozen=True):
    """The side of the quote the RFQ's creator takes (``yes`` or ``no``)."""

    accepted_side: str


class ProposeBlockTradeRequest(WireModel, kw_only=True, frozen=True, omit_defaults=True):
    """``POST /communications/block-trade-proposals``'s body."""

    buyer_user_id: str
    buyer_subtrader_id: str | None = None
    buyer_subaccount: int | None = None
    seller_user_id: str
    seller_subtrader_id: str | None = None
    seller_subaccount: int | None = None
    market_ticker: str
    price_centi_cents: int
    centicount: int
    maker_side: str
    expiration_ts: datetime


class ProposeBlockTradeResponse(WireModel, kw_only=True, frozen=True):
    block_trade_proposal_id: str


class AcceptBlockTradeRequest(WireModel, kw_only=True, frozen=True, omit_defaults=True):
    """The (optional) body of accepting a block trade proposal."""

    subtrader_id: str | None = None
    subaccount: int | None = None


class RfqsResponse(WireModel, kw_only=True, frozen=True):
    rfqs: list[Rfq]
    cursor: str | None = None


class RfqResponse(WireModel, kw_only=True, frozen=True):
    rfq: Rfq


class QuotesResponse(WireModel, kw_only=True, frozen=True):
    quotes: list[Quote]
    cursor: str | None = None


class QuoteResponse(WireModel, kw_only=True, frozen=True):
    quote: Quote


class BlockTradeProposalsResponse(WireModel, kw_only=True, frozen=True):
    block_trade_proposals: list[BlockTradeProposal]
    cursor: str | None = None


class CommunicationsIdResponse(WireModel, kw_only=True, frozen=True):
    communications_id: str
