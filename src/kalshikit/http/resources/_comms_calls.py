"""The requests of ``client.communications``, built and checked without I/O (shared by the sync
and async resources). A ValidationError here sends nothing."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from kalshikit.errors import ValidationError
from kalshikit.http._core import Call, PreparedRequest, prepare
from kalshikit.http.param_checks import in_range, timestamp
from kalshikit.models import (
    QUOTE_SIDES,
    AcceptQuoteRequest,
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
from kalshikit.units import Contracts, Price

__all__ = [
    "accept_request",
    "block_request",
    "block_trades_call",
    "communications_id_call",
    "confirm_request",
    "create_quote_call",
    "create_rfq_call",
    "delete_quote_request",
    "ident",
    "propose_call",
    "quote_call",
    "quotes_call",
    "rfq_call",
    "rfqs_call",
    "side_of",
]

PriceLike = Price | str | Decimal
CountLike = int | str | Decimal | Contracts


def ident(value: str, name: str) -> str:
    """An id passed back unchanged: a non-empty string."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{name} must be a non-empty string; got {value!r}")
    return value


def side_of(side: str) -> str:
    if side not in QUOTE_SIDES:
        raise ValidationError(f"side must be 'yes' or 'no'; got {side!r}")
    return side


def _flag(value: bool | None, name: str) -> bool | None:
    if value is not None and not isinstance(value, bool):
        raise ValidationError(f"{name} must be True or False; got {value!r}")
    return value


def create_rfq_call(
    market_ticker: str,
    contracts: CountLike | None,
    target_cost: PriceLike | None,
    rest_remainder: bool,
    replace_existing: bool | None,
    subaccount: int | None,
) -> Call[CreateRfqResponse, CreateRfqResponse]:
    ident(market_ticker, "market_ticker")
    if (contracts is None) == (target_cost is None):
        raise ValidationError("give contracts or target_cost (dollars), exactly one of them")
    size = None if contracts is None else Contracts.parse(contracts)
    if size is not None and size.centi <= 0:
        raise ValidationError(f"contracts must be positive; got {contracts!r}")
    cost = None
    if target_cost is not None:
        cost = Decimal(str(target_cost.dollars if isinstance(target_cost, Price) else target_cost))
        if cost <= 0:
            raise ValidationError(f"target_cost must be a positive dollar amount; got {cost}")
    in_range(subaccount, "subaccount", 0, 63)
    body = CreateRfqRequest(
        market_ticker=market_ticker,
        contracts_fp=None if size is None else size.to_wire(),
        target_cost_dollars=None if cost is None else f"{cost:.4f}",
        rest_remainder=bool(_flag(rest_remainder, "rest_remainder")),
        replace_existing=_flag(replace_existing, "replace_existing"),
        subaccount=subaccount,
    )
    return Call(prepare("communications.create_rfq", body=body), CreateRfqResponse, lambda r: r)


def rfq_call(rfq_id: str) -> Call[RfqResponse, Rfq]:
    req = prepare("communications.rfq", path={"rfq_id": ident(rfq_id, "rfq_id")})
    return Call(req, RfqResponse, lambda r: r.rfq)


def _bid(value: PriceLike, name: str) -> str:
    return Price.parse(value).to_wire()


def create_quote_call(
    rfq_id: str,
    yes_bid: PriceLike,
    no_bid: PriceLike,
    rest_remainder: bool,
    post_only: bool | None,
    subaccount: int | None,
) -> Call[CreateQuoteResponse, CreateQuoteResponse]:
    yes, no = _bid(yes_bid, "yes_bid"), _bid(no_bid, "no_bid")
    if Price(yes).ticks == 0 and Price(no).ticks == 0:
        raise ValidationError("a quote needs a yes_bid or a no_bid above 0 (0 declines a side)")
    in_range(subaccount, "subaccount", 0, 63)
    body = CreateQuoteRequest(
        rfq_id=ident(rfq_id, "rfq_id"),
        yes_bid=yes,
        no_bid=no,
        rest_remainder=bool(_flag(rest_remainder, "rest_remainder")),
        post_only=_flag(post_only, "post_only"),
        subaccount=subaccount,
    )
    req = prepare("communications.create_quote", body=body)
    return Call(req, CreateQuoteResponse, lambda r: r)


def _scoped(name: str, quote_id: str, rfq_id: str | None) -> tuple[str, dict[str, str]]:
    """The RFQ-scoped operation when ``rfq_id`` is given, else the deprecated unscoped one."""
    path = {"quote_id": ident(quote_id, "quote_id")}
    if rfq_id is None:
        return f"communications.{name}", path
    path["rfq_id"] = ident(rfq_id, "rfq_id")
    return f"communications.{name.replace('quote', 'rfq_quote')}", path


def quote_call(quote_id: str, rfq_id: str | None) -> Call[QuoteResponse, Quote]:
    name, path = _scoped("quote", quote_id, rfq_id)
    return Call(prepare(name, path=path), QuoteResponse, lambda r: r.quote)


def delete_quote_request(quote_id: str, rfq_id: str | None) -> PreparedRequest:
    name, path = _scoped("delete_quote", quote_id, rfq_id)
    return prepare(name, path=path)


def accept_request(quote_id: str, side: str, rfq_id: str | None) -> PreparedRequest:
    name, path = _scoped("accept_quote", quote_id, rfq_id)
    return prepare(name, path=path, body=AcceptQuoteRequest(accepted_side=side_of(side)))


def confirm_request(quote_id: str, rfq_id: str | None) -> PreparedRequest:
    name, path = _scoped("confirm_quote", quote_id, rfq_id)
    return prepare(name, path=path, body={})


def propose_call(
    market_ticker: str,
    buyer_user_id: str,
    seller_user_id: str,
    price: PriceLike,
    contracts: CountLike,
    maker_side: str,
    expiration: datetime,
) -> Call[ProposeBlockTradeResponse, ProposeBlockTradeResponse]:
    size = Contracts.parse(contracts)
    ticks = Price.parse(price).ticks
    if size.centi <= 0 or not 0 < ticks < 10_000:
        raise ValidationError("a block trade needs a positive size and a price between 0 and $1")
    if not isinstance(expiration, datetime) or expiration.tzinfo is None:
        raise ValidationError("expiration must be a timezone-aware datetime")
    timestamp(expiration, "expiration")
    body = ProposeBlockTradeRequest(
        buyer_user_id=ident(buyer_user_id, "buyer_user_id"),
        seller_user_id=ident(seller_user_id, "seller_user_id"),
        market_ticker=ident(market_ticker, "market_ticker"),
        price_centi_cents=ticks,  # a centi-cent is one tick of $0.0001
        centicount=size.centi,
        maker_side=side_of(maker_side),
        expiration_ts=expiration,
    )
    req = prepare("communications.propose_block_trade", body=body)
    return Call(req, ProposeBlockTradeResponse, lambda r: r)


def block_request(proposal_id: str) -> PreparedRequest:
    path = {"block_trade_proposal_id": ident(proposal_id, "proposal_id")}
    return prepare("communications.accept_block_trade", path=path, body={})


def _params(args: dict[str, object]) -> dict[str, object]:
    """A list query from a method's own arguments (its ``locals()``: the parameters are the
    query's names, so the two cannot drift apart)."""
    return {k: v for k, v in args.items() if k != "self"}


def communications_id_call(
    args: dict[str, object],
) -> Call[CommunicationsIdResponse, CommunicationsIdResponse]:
    req = prepare("communications.communications_id", params=_params(args))
    return Call(req, CommunicationsIdResponse, lambda r: r)


def rfqs_call(args: dict[str, object]) -> Call[RfqsResponse, RfqsResponse]:
    return Call(prepare("communications.rfqs", params=_params(args)), RfqsResponse, lambda r: r)


def quotes_call(args: dict[str, object]) -> Call[QuotesResponse, QuotesResponse]:
    req = prepare("communications.quotes", params=_params(args))
    return Call(req, QuotesResponse, lambda r: r)


def block_trades_call(
    args: dict[str, object],
) -> Call[BlockTradeProposalsResponse, BlockTradeProposalsResponse]:
    req = prepare("communications.block_trades", params=_params(args))
    return Call(req, BlockTradeProposalsResponse, lambda r: r)
