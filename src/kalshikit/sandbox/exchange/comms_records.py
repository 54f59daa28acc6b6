"""The records of the communications area (RFQs, quotes, block-trade proposals), their timing
and how each renders as a wire struct. No I/O here.

Units as everywhere in the exchange: prices in ticks of $0.0001, sizes in centi-contracts, money
in micro-dollars, times in epoch ms; ``user_id`` fields hold account keys (``user#3`` for a
subaccount). A quote's ``yes_bid`` is the YES price the RFQ's creator pays when taking the
``yes`` side, its ``no_bid`` the NO price of the ``no`` side (docs.kalshi.com "Request for
Quote": "yes_bid (price per YES contract) and no_bid (price per NO contract)"; a target-cost
RFQ is sized as target cost / that price).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from kalshikit.models import BlockTradeProposal, MveSelectedLeg, Quote, Rfq
from kalshikit.sandbox.exchange.account_keys import split_key
from kalshikit.sandbox.exchange.render import datetime_of, money
from kalshikit.units import TICKS_PER_DOLLAR, centi_to_fp, ticks_to_dollars

__all__ = [
    "HIDDEN_ID",
    "BlockRecord",
    "QuoteRecord",
    "RfqRecord",
    "RfqTiming",
    "comms_id",
    "render_block",
    "render_quote",
    "render_rfq",
]

# the SDK's shared placeholder for an obscured creator: SHA-256 of the empty input
HIDDEN_ID: Final = hashlib.sha256(b"").hexdigest()


@dataclass(frozen=True, slots=True)
class RfqTiming:
    """The sandbox's RFQ clocks (Kalshi publishes none for REST; the FIX guide gives a maker
    30 s to confirm). ``execution_ms``: from confirm to the trade, short so a sandbox user sees
    it (3 s); set ``Exchange.rfq_timing`` before serving to change them."""

    execution_ms: int = 3_000
    confirm_ms: int = 30_000
    rfq_life_ms: int = 30 * 60_000
    max_open_rfqs: int = 100


def comms_id(account_key: str) -> str:
    """A user's public communications id: pseudonymous, stable, the same for subaccounts."""
    return hashlib.sha256(f"kalshikit-comms:{split_key(account_key)[0]}".encode()).hexdigest()[:32]


@dataclass(slots=True)
class RfqRecord:
    rfq_id: str
    user_id: str
    ticker: str
    event_ticker: str
    size: int  # centi-contracts; 0 for a target-cost RFQ
    target_cost: int | None  # micro-dollars
    rest_remainder: bool
    obscure: bool
    created_ms: int
    expires_ms: int
    status: str = "open"
    updated_ms: int = 0
    cancelled_ms: int | None = None
    cancellation_reason: str | None = None
    mve_collection: str | None = None  # a combo market's collection and legs
    mve_legs: list[MveSelectedLeg] | None = None


@dataclass(slots=True)
class QuoteRecord:
    quote_id: str
    rfq_id: str
    user_id: str
    rfq_user_id: str
    ticker: str
    yes_bid: int
    no_bid: int
    rest_remainder: bool
    post_only: bool | None
    created_ms: int
    status: str = "open"
    updated_ms: int = 0
    accepted_side: str | None = None
    size: int = 0  # centi-contracts accepted
    accepted_ms: int | None = None
    confirmed_ms: int | None = None
    executed_ms: int | None = None
    cancelled_ms: int | None = None
    cancellation_reason: str | None = None
    creator_order_id: str | None = None
    rfq_creator_order_id: str | None = None

    def side_size(self, side: str, rfq: RfqRecord) -> int:
        """Centi-contracts of ``side``: the RFQ's size, or its target cost at the side's price
        rounded down to whole contracts."""
        if rfq.target_cost is None:
            return rfq.size
        price = self.yes_bid if side == "yes" else self.no_bid
        return 0 if price == 0 else rfq.target_cost // price // 100 * 100

    def yes_price(self) -> int:
        """The YES price of the accepted trade (a NO at q is YES at 1 - q)."""
        return self.yes_bid if self.accepted_side == "yes" else TICKS_PER_DOLLAR - self.no_bid


@dataclass(slots=True)
class BlockRecord:
    proposal_id: str
    proposer: str
    buyer: str
    seller: str
    ticker: str
    price: int
    size: int
    maker_side: str
    expires_ms: int
    created_ms: int
    status: str = "pending"
    updated_ms: int = 0
    buyer_accepted_ms: int | None = None
    seller_accepted_ms: int | None = None
    executed_ms: int | None = None
    buyer_order_id: str | None = None
    seller_order_id: str | None = None


def _dt(ms: int | None) -> datetime | None:
    return None if ms is None else datetime_of(ms)


def render_rfq(rfq: RfqRecord, viewer: str | None) -> Rfq:
    """The RFQ as ``viewer`` (an account key; None: the public) sees it."""
    mine = viewer is not None and split_key(viewer)[0] == split_key(rfq.user_id)[0]
    creator = HIDDEN_ID if rfq.obscure and not mine else comms_id(rfq.user_id)
    cost = None if rfq.target_cost is None else money(rfq.target_cost)
    return Rfq(
        id=rfq.rfq_id,
        creator_id=creator,
        market_ticker=rfq.ticker,
        contracts_fp=centi_to_fp(rfq.size),
        target_cost_dollars=cost,
        status=rfq.status,
        created_ts=datetime_of(rfq.created_ms),
        mve_collection_ticker=rfq.mve_collection,
        mve_selected_legs=rfq.mve_legs,
        rest_remainder=rfq.rest_remainder,
        cancellation_reason=rfq.cancellation_reason,
        creator_user_id=split_key(rfq.user_id)[0] if mine else None,
        creator_subaccount=split_key(rfq.user_id)[1] if mine else None,
        cancelled_ts=_dt(rfq.cancelled_ms),
        updated_ts=datetime_of(rfq.updated_ms or rfq.created_ms),
    )


def render_quote(quote: QuoteRecord, rfq: RfqRecord, viewer: str | None) -> Quote:
    """The quote as ``viewer`` sees it: private fields only to its own party (None: both)."""
    maker = viewer is None or split_key(viewer)[0] == split_key(quote.user_id)[0]
    taker = viewer is None or split_key(viewer)[0] == split_key(quote.rfq_user_id)[0]
    hidden = rfq.obscure and not taker
    cost = None if rfq.target_cost is None else money(rfq.target_cost)
    return Quote(
        id=quote.quote_id,
        rfq_id=quote.rfq_id,
        creator_id=comms_id(quote.user_id),
        rfq_creator_id=HIDDEN_ID if hidden else comms_id(quote.rfq_user_id),
        market_ticker=quote.ticker,
        contracts_fp=centi_to_fp(quote.size or rfq.size),
        yes_bid_dollars=ticks_to_dollars(quote.yes_bid),
        no_bid_dollars=ticks_to_dollars(quote.no_bid),
        created_ts=datetime_of(quote.created_ms),
        updated_ts=datetime_of(quote.updated_ms or quote.created_ms),
        status=quote.status,
        accepted_side=quote.accepted_side,
        accepted_ts=_dt(quote.accepted_ms),
        confirmed_ts=_dt(quote.confirmed_ms),
        executed_ts=_dt(quote.executed_ms),
        cancelled_ts=_dt(quote.cancelled_ms),
        rest_remainder=quote.rest_remainder,
        post_only=quote.post_only if maker else None,
        cancellation_reason=quote.cancellation_reason,
        creator_user_id=quote.user_id if maker else None,
        rfq_creator_user_id=quote.rfq_user_id if taker else None,
        rfq_target_cost_dollars=cost,
        creator_order_id=quote.creator_order_id if maker else None,
        rfq_creator_order_id=quote.rfq_creator_order_id if taker else None,
        creator_subaccount=split_key(quote.user_id)[1] if maker else None,
        rfq_creator_subaccount=split_key(quote.rfq_user_id)[1] if taker else None,
        yes_contracts_fp=centi_to_fp(quote.side_size("yes", rfq)),
        no_contracts_fp=centi_to_fp(quote.side_size("no", rfq)),
    )


def render_block(block: BlockRecord, viewer: str) -> BlockTradeProposal:
    """A proposal as one of its parties sees it: the other party's ids stay empty."""
    me = split_key(viewer)[0]
    buyer, seller = split_key(block.buyer)[0], split_key(block.seller)[0]
    return BlockTradeProposal(
        id=block.proposal_id,
        proposer_user_id=split_key(block.proposer)[0],
        buyer_user_id=buyer if me == buyer else "",
        seller_user_id=seller if me == seller else "",
        market_ticker=block.ticker,
        price_centi_cents=block.price,
        centicount=block.size,
        maker_side=block.maker_side,
        expiration_ts=datetime_of(block.expires_ms),
        status=block.status,
        created_ts=datetime_of(block.created_ms),
        updated_ts=datetime_of(block.updated_ms or block.created_ms),
        buyer_accepted=block.buyer_accepted_ms is not None,
        seller_accepted=block.seller_accepted_ms is not None,
        buyer_accepted_ts=_dt(block.buyer_accepted_ms),
        seller_accepted_ts=_dt(block.seller_accepted_ms),
        executed_ts=_dt(block.executed_ms),
        buyer_order_id=block.buyer_order_id if me == buyer else None,
        seller_order_id=block.seller_order_id if me == seller else None,
    )
