"""The official SDK (kalshi-python-sync 3.34.0) drives all 18 operations of its
CommunicationsApi against the sandbox (RFQs, quotes, the RFQ-scoped and the deprecated quote
routes, block-trade proposals), and every answer validates in the SDK's own pydantic models."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from _cli_kit import Box

from kalshikit.auth import generate_private_key, private_key_to_pem, public_key_pem
from kalshikit.sandbox.server import running

sdk = pytest.importorskip(
    "kalshi_python_sync", reason="the official SDK is installed by `make test`"
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def box() -> Iterator[Box]:
    with running(limits_enabled=False, liquidity=False) as url:
        yield Box(url)


def signed_in(box: Box) -> tuple[Any, str]:
    """An SDK client signed in as a fresh user, and that user's id."""
    key = generate_private_key("rsa")
    made = box.admin("POST", "/users", {"public_key_pem": public_key_pem(key)})
    config = sdk.Configuration(host=box.url)
    config.api_key_id = made["api_key_id"]
    config.private_key_pem = private_key_to_pem(key)
    return sdk.KalshiClient(config), str(made["user_id"])


def quoted(box: Box, requester: Any, maker: Any) -> tuple[str, str]:
    """An open RFQ of ``requester`` on a cent market and ``maker``'s quote on it."""
    rfq = requester.create_rfq(market_ticker=box.ticker(), contracts_fp="5", rest_remainder=False)
    assert isinstance(rfq, sdk.CreateRFQResponse)
    quote = maker.create_quote(rfq_id=rfq.id, yes_bid="0.60", no_bid="0.35", rest_remainder=False)
    assert isinstance(quote, sdk.CreateQuoteResponse)
    return rfq.id, quote.id


def test_rfq_reads_validate(box: Box) -> None:
    (requester, _), (maker, _) = signed_in(box), signed_in(box)
    ident = requester.get_communications_id()
    assert isinstance(ident, sdk.GetCommunicationsIDResponse)
    rfq_id, quote_id = quoted(box, requester, maker)
    one = requester.get_rfq(rfq_id)
    assert isinstance(one, sdk.GetRFQResponse)
    assert one.rfq.creator_id == ident.communications_id
    assert one.rfq.contracts_fp == "5.00"
    assert one.rfq.status == "open"
    listed = maker.get_rfqs(status="open", limit=100)
    assert isinstance(listed, sdk.GetRFQsResponse)
    assert rfq_id in {r.id for r in listed.rfqs}
    mine = requester.get_rfqs(user_filter=sdk.UserFilter.UserFilterSelf)
    assert [r.id for r in mine.rfqs] == [rfq_id]
    quotes = requester.get_quotes(rfq_id=rfq_id)
    assert isinstance(quotes, sdk.GetQuotesResponse)
    assert [q.id for q in quotes.quotes] == [quote_id]
    for got in (requester.get_quote(quote_id), maker.get_rfq_quote(rfq_id, quote_id)):
        assert isinstance(got, sdk.GetQuoteResponse)
        assert got.quote.yes_bid_dollars == "0.6000"
        assert got.quote.status == "open"


def test_scoped_accept_and_confirm(box: Box) -> None:
    (requester, _), (maker, _) = signed_in(box), signed_in(box)
    rfq_id, quote_id = quoted(box, requester, maker)
    assert requester.accept_rfq_quote(rfq_id, quote_id, accepted_side="yes") is None
    assert requester.get_rfq_quote(rfq_id, quote_id).quote.status == "accepted"
    assert maker.confirm_rfq_quote(rfq_id, quote_id) is None
    assert maker.get_rfq_quote(rfq_id, quote_id).quote.status == "confirmed"


def test_deprecated_accept_confirm_and_deletes(box: Box) -> None:
    (requester, _), (maker, _) = signed_in(box), signed_in(box)
    rfq_id, quote_id = quoted(box, requester, maker)
    assert requester.accept_quote(quote_id, accepted_side="no") is None
    assert maker.confirm_quote(quote_id) is None
    assert maker.get_quote(quote_id).quote.accepted_side == "no"
    rfq_id, quote_id = quoted(box, requester, maker)
    assert maker.delete_quote(quote_id) is None
    assert requester.get_quote(quote_id).quote.status == "cancelled"
    again = maker.create_quote(rfq_id=rfq_id, yes_bid="0.55", no_bid="0", rest_remainder=False)
    assert maker.delete_rfq_quote(rfq_id, again.id) is None
    assert requester.delete_rfq(rfq_id) is None
    assert requester.get_rfq(rfq_id).rfq.status == "closed"


def test_block_trade_proposals(box: Box) -> None:
    (buyer, buyer_id), (seller, seller_id) = signed_in(box), signed_in(box)
    made = buyer.propose_block_trade(
        buyer_user_id=buyer_id, seller_user_id=seller_id, market_ticker=box.ticker(),
        price_centi_cents=4000, centicount=300, maker_side="no",
        expiration_ts=datetime.now(UTC) + timedelta(minutes=5),
    )  # fmt: skip
    assert isinstance(made, sdk.ProposeBlockTradeResponse)
    listed = seller.get_block_trade_proposals(limit=10)
    assert isinstance(listed, sdk.GetBlockTradeProposalsResponse)
    (proposal,) = listed.block_trade_proposals
    assert proposal.buyer_accepted
    assert not proposal.seller_accepted
    assert proposal.seller_user_id == seller_id
    assert proposal.buyer_user_id == ""
    assert seller.accept_block_trade_proposal(made.block_trade_proposal_id) is None
    (done,) = buyer.get_block_trade_proposals().block_trade_proposals
    assert done.status == "executed"
    assert done.buyer_order_id


def test_refusals_are_the_sdks_exceptions(box: Box) -> None:
    (requester, _), (maker, _) = signed_in(box), signed_in(box)
    with pytest.raises(sdk.NotFoundException):
        requester.get_rfq("no-such-rfq")
    rfq_id, quote_id = quoted(box, requester, maker)
    with pytest.raises(sdk.BadRequestException):
        maker.accept_rfq_quote(rfq_id, quote_id, accepted_side="yes")  # not the requester
    with pytest.raises(sdk.BadRequestException):
        requester.create_quote(rfq_id=rfq_id, yes_bid="0.5", no_bid="0.4", rest_remainder=False)
