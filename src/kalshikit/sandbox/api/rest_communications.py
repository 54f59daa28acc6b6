"""The sandbox's communications handlers (a mixin of ``RestHandlers``): RFQs, quotes and block
trades, the 18 operations of the SDK's CommunicationsApi.

Translation only: query parameters and bodies are checked and handed to the exchange (writes
through the writer, which journals them); the four unscoped quote routes the SDK marks
DEPRECATED answer exactly as their RFQ-scoped twins.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from kalshikit.endpoints import ENDPOINTS
from kalshikit.models import (
    AcceptQuoteRequest,
    BlockTradeProposal,
    BlockTradeProposalsResponse,
    CommunicationsIdResponse,
    CreateQuoteRequest,
    CreateQuoteResponse,
    CreateRfqRequest,
    CreateRfqResponse,
    ProposeBlockTradeRequest,
    ProposeBlockTradeResponse,
    Quote,
    QuoteResponse,
    QuotesResponse,
    Rfq,
    RfqResponse,
    RfqsResponse,
)
from kalshikit.sandbox.api._handler_kit import HandlerCtx
from kalshikit.sandbox.exchange import comms_id
from kalshikit.sandbox.gateway import Query, bad_request, decode_body

if TYPE_CHECKING:
    from kalshikit.sandbox.exchange import Exchange, ExchangeWriter

__all__ = ["CommunicationsHandlers"]


class _BodyCtx(HandlerCtx, Protocol):
    @property
    def body(self) -> bytes: ...


def _self_filter(q: Query, name: str) -> bool:
    """``user_filter``-style parameters take only ``self``."""
    value = q.choice(name, ("self",))
    return value == "self"


def _since(q: Query, name: str) -> int | None:
    return q.integer(name, 0)


def _seconds(when: datetime) -> int:
    return int(when.timestamp())


def _rfq_filter(q: Query, viewer: str) -> Callable[[Rfq], bool]:
    ticker, event = q.text("market_ticker"), q.text("event_ticker")
    status = q.choice("status", ("open", "closed"))
    creator = q.text("creator_user_id")
    mine = _self_filter(q, "user_filter")
    own_id = comms_id(viewer)

    def keep(r: Rfq) -> bool:
        return (
            (ticker is None or r.market_ticker == ticker)
            and (event is None or r.market_ticker.startswith(event + "-"))
            and (status is None or r.status == status)
            and (creator is None or r.creator_user_id == creator)
            and (not mine or r.creator_id == own_id)
        )

    return keep


def _quote_filter(q: Query, viewer: str) -> Callable[[Quote], bool]:
    rfq_id, status = q.text("rfq_id"), q.text("status")
    maker, taker = q.text("quote_creator_user_id"), q.text("rfq_creator_user_id")
    mine, on_mine = _self_filter(q, "user_filter"), _self_filter(q, "rfq_user_filter")
    low, high = _since(q, "min_ts"), _since(q, "max_ts")
    own_id = comms_id(viewer)

    def keep(v: Quote) -> bool:
        made = _seconds(v.created_ts)
        return (
            (rfq_id is None or v.rfq_id == rfq_id)
            and (status is None or v.status == status)
            and (maker is None or v.creator_user_id == maker)
            and (taker is None or v.rfq_creator_user_id == taker)
            and (not mine or v.creator_id == own_id)
            and (not on_mine or v.rfq_creator_id == own_id)
            and (low is None or made >= low)
            and (high is None or made <= high)
        )

    return keep


class CommunicationsHandlers:
    """Handlers named after their endpoints (``communications.rfqs`` -> ``communications_rfqs``)."""

    ex: Exchange
    writer: ExchangeWriter

    def communications_communications_id(self, c: HandlerCtx) -> object:
        self.ex.balance(c.user)  # a known user (404 otherwise)
        return CommunicationsIdResponse(communications_id=comms_id(c.user))

    # --- RFQs

    def communications_rfqs(self, c: HandlerCtx) -> object:
        q = c.query
        limit = q.limit(100, ENDPOINTS["communications.rfqs"].max_limit)
        keep = _rfq_filter(q, c.user)
        page, cursor = self.ex.rfq_list(c.user, keep, q.text("cursor"), limit)
        return RfqsResponse(rfqs=page, cursor=cursor)

    def communications_create_rfq(self, c: _BodyCtx) -> object:
        req = decode_body(c.body, CreateRfqRequest)
        return CreateRfqResponse(id=self.writer.create_rfq(c.user, req))

    def communications_rfq(self, c: HandlerCtx) -> object:
        return RfqResponse(rfq=self.ex.rfq_view(c.user, c.path["rfq_id"]))

    def communications_delete_rfq(self, c: HandlerCtx) -> object:
        self.writer.delete_rfq(c.user, c.path["rfq_id"])
        return None

    # --- quotes

    def communications_quotes(self, c: HandlerCtx) -> object:
        q = c.query
        limit = q.limit(500, ENDPOINTS["communications.quotes"].max_limit)
        keep = _quote_filter(q, c.user)
        page, cursor = self.ex.quote_list(c.user, keep, q.text("cursor"), limit)
        return QuotesResponse(quotes=page, cursor=cursor)

    def communications_create_quote(self, c: _BodyCtx) -> object:
        req = decode_body(c.body, CreateQuoteRequest)
        return CreateQuoteResponse(id=self.writer.create_quote(c.user, req))

    def communications_quote(self, c: HandlerCtx) -> object:
        return QuoteResponse(quote=self.ex.quote_view(c.user, c.path["quote_id"]))

    def communications_rfq_quote(self, c: HandlerCtx) -> object:
        path = c.path
        return QuoteResponse(quote=self.ex.quote_view(c.user, path["quote_id"], path["rfq_id"]))

    def communications_delete_quote(self, c: HandlerCtx) -> object:
        self.writer.delete_quote(c.user, c.path["quote_id"], c.path.get("rfq_id"))
        return None

    communications_delete_rfq_quote = communications_delete_quote

    def communications_accept_quote(self, c: _BodyCtx) -> object:
        side = decode_body(c.body, AcceptQuoteRequest).accepted_side
        if side not in ("yes", "no"):
            raise bad_request("accepted_side must be 'yes' or 'no'", "accepted_side")
        self.writer.accept_quote(c.user, c.path["quote_id"], side, c.path.get("rfq_id"))
        return None

    communications_accept_rfq_quote = communications_accept_quote

    def communications_confirm_quote(self, c: HandlerCtx) -> object:
        self.writer.confirm_quote(c.user, c.path["quote_id"], c.path.get("rfq_id"))
        return None

    communications_confirm_rfq_quote = communications_confirm_quote

    # --- block trades

    def communications_block_trades(self, c: HandlerCtx) -> object:
        q = c.query
        limit = q.limit(100, ENDPOINTS["communications.block_trades"].max_limit)
        ticker, status = q.text("market_ticker"), q.text("status")

        def keep(b: BlockTradeProposal) -> bool:
            return (ticker is None or b.market_ticker == ticker) and (
                status is None or b.status == status
            )

        page, cursor = self.ex.block_list(c.user, keep, q.text("cursor"), limit)
        return BlockTradeProposalsResponse(block_trade_proposals=page, cursor=cursor)

    def communications_propose_block_trade(self, c: _BodyCtx) -> object:
        req = decode_body(c.body, ProposeBlockTradeRequest)
        made = self.writer.propose_block_trade(c.user, req)
        return ProposeBlockTradeResponse(block_trade_proposal_id=made)

    def communications_accept_block_trade(self, c: HandlerCtx) -> object:
        self.writer.accept_block_trade(c.user, c.path["block_trade_proposal_id"])
        return None
