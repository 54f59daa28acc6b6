"""The ``communications`` channel's messages (AsyncAPI ``rfqCreatedPayload`` ...
``quoteExecutedPayload``), built from the exchange's ``CommsUpdated``. No I/O here.

Who hears what (the spec): RFQ events go to every subscriber; quote events only to the quote's
creator and the RFQ's creator, each with only its own subaccount and, on ``quote_executed``, its
own order id. ``rfq_created`` carries an empty ``creator_id`` ("currently empty for rfq_created
events"); an obscured RFQ names its creator by the shared placeholder elsewhere too.
"""

from __future__ import annotations

from datetime import datetime

from kalshikit.models import Quote, Rfq
from kalshikit.sandbox.exchange import CommsUpdated, datetime_of, millis_of, owner_of
from kalshikit.sandbox.ws.commands import Msg

__all__ = ["comms_messages"]

_QUOTE_KINDS = ("quote_created", "quote_accepted", "quote_executed")


def _rfc(ms: int) -> str:
    """RFC 3339 in UTC, milliseconds only when there are some (as the other frames)."""
    text = datetime_of(ms).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{text}.{ms % 1000:03d}Z" if ms % 1000 else f"{text}Z"


def _ts(when: datetime) -> str:
    return _rfc(millis_of(when))


def _rfq_msg(event: CommsUpdated) -> Msg:
    rfq: Rfq = event.rfq
    msg: Msg = {
        "id": rfq.id,
        "creator_id": "" if event.kind == "rfq_created" else rfq.creator_id,
        "market_ticker": rfq.market_ticker,
        "event_ticker": event.event_ticker,
        "contracts_fp": rfq.contracts_fp,
    }
    if rfq.target_cost_dollars is not None:
        msg["target_cost_dollars"] = rfq.target_cost_dollars
    if event.kind == "rfq_created":
        msg["created_ts"] = _ts(rfq.created_ts)
        if rfq.mve_collection_ticker is not None:  # a combo: its collection and legs
            msg["mve_collection_ticker"] = rfq.mve_collection_ticker
            msg["mve_selected_legs"] = rfq.mve_selected_legs
    else:
        msg["deleted_ts"] = _rfc(event.ts_ms)
    return msg


def _quote_msg(event: CommsUpdated, quote: Quote, maker: bool) -> Msg:
    """The quote message as one party (the maker, or the RFQ's creator) sees it."""
    own_sub = quote.creator_subaccount if maker else quote.rfq_creator_subaccount
    msg: Msg = {
        "quote_id": quote.id,
        "rfq_id": quote.rfq_id,
        "quote_creator_id": quote.creator_id,
        "rfq_creator_id": quote.rfq_creator_id,
        "market_ticker": quote.market_ticker,
    }
    if event.kind == "quote_executed":
        order = quote.creator_order_id if maker else quote.rfq_creator_order_id
        msg.update(order_id=order or "", client_order_id="", executed_ts=_rfc(event.ts_ms))
    else:
        msg.update(
            event_ticker=event.event_ticker,
            yes_bid_dollars=quote.yes_bid_dollars,
            no_bid_dollars=quote.no_bid_dollars,
            yes_contracts_offered_fp=quote.yes_contracts_fp,
            no_contracts_offered_fp=quote.no_contracts_fp,
        )
        if quote.rfq_target_cost_dollars is not None:
            msg["rfq_target_cost_dollars"] = quote.rfq_target_cost_dollars
        if event.kind == "quote_created":
            msg["created_ts"] = _ts(quote.created_ts)
        else:
            msg.update(accepted_side=quote.accepted_side, contracts_accepted_fp=quote.contracts_fp)
    if own_sub:  # "present only when your side of this quote used a subaccount"
        msg["subaccount"] = own_sub
    return msg


def comms_messages(event: CommsUpdated) -> list[tuple[str | None, Msg]]:
    """(the user who gets it, or None for every subscriber; the message) per message."""
    quote = event.quote
    if event.kind not in _QUOTE_KINDS or quote is None:
        return [(None, _rfq_msg(event))]
    maker = owner_of(quote.creator_user_id or "")
    taker = owner_of(quote.rfq_creator_user_id or "")
    return [(maker, _quote_msg(event, quote, True)), (taker, _quote_msg(event, quote, False))]
