"""``client.communications``: RFQs, quotes and block trades (SDK 3.34 CommunicationsApi).

The requester's flow: ``create_rfq``, wait for quotes (``quotes(rfq_id=...)`` or the
``communications`` WebSocket channel), ``accept_rfq_quote`` one side of the best, and once the
quoter confirmed (``confirm_rfq_quote``) the trade executes after the exchange's execution timer;
fills and positions then show as for any order. A quote's ``yes_bid`` is what the requester pays
for YES, its ``no_bid`` what the requester pays for NO. The four unscoped quote operations
(``quote``, ``delete_quote``, ``accept_quote``, ``confirm_quote``) are the SDK's DEPRECATED ones.
Prices take dollars (``"0.72"``) or a ``Price``; sizes contracts. Bad arguments raise
ValidationError and send nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from kalshikit.http._core import PreparedRequest, prepare
from kalshikit.http.orders_core import DryRun
from kalshikit.http.resources import _comms_calls as c
from kalshikit.http.resources._base import AsyncResourceClient, ResourceClient
from kalshikit.http.resources._comms_calls import CountLike, PriceLike
from kalshikit.models import (
    BlockTradeProposalsResponse,
    CommunicationsIdResponse,
    CreateQuoteResponse,
    CreateRfqResponse,
    ProposeBlockTradeResponse,
    Quote,
    QuotesResponse,
    Rfq,
    RfqsResponse,
)

__all__ = ["AsyncCommunications", "Communications", "preview"]

# the writes a command line previews (``--dry-run``): their requests, built and checked as the
# methods below build them
_WRITES: dict[str, Callable[..., PreparedRequest]] = {
    "create_rfq": lambda *a: c.create_rfq_call(*a).request,
    "delete_rfq": lambda rfq_id: prepare(
        "communications.delete_rfq", path={"rfq_id": c.ident(rfq_id, "rfq_id")}
    ),
    "create_quote": lambda *a: c.create_quote_call(*a).request,
    "delete_rfq_quote": lambda rfq_id, quote_id: c.delete_quote_request(quote_id, rfq_id),
    "accept_rfq_quote": lambda rfq_id, quote_id, side: c.accept_request(quote_id, side, rfq_id),
    "confirm_rfq_quote": lambda rfq_id, quote_id: c.confirm_request(quote_id, rfq_id),
}


def preview(base_url: str, operation: str, *args: Any) -> DryRun:
    """Exactly what ``operation`` (a write above, e.g. ``"create_rfq"``) would send with the
    positional ``args`` of its request builder; nothing is sent."""
    return DryRun.of(_WRITES[operation](*args), base_url)


class Communications:
    """``client.communications`` on the sync client (signed calls)."""

    def __init__(self, client: ResourceClient) -> None:
        self._client = client

    def communications_id(self) -> CommunicationsIdResponse:
        """Your public communications id (how RFQs and quotes name you)."""
        return self._client.call(c.communications_id_call({}))

    def rfqs(
        self,
        *,
        market_ticker: str | None = None,
        event_ticker: str | None = None,
        status: str | None = None,
        creator_user_id: str | None = None,
        user_filter: str | None = None,
        subaccount: int | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> RfqsResponse:
        """One page of RFQs (``user_filter="self"``: yours only; ``status="open"``)."""
        return self._client.call(c.rfqs_call(locals()))

    def create_rfq(
        self,
        market_ticker: str,
        contracts: CountLike | None = None,
        *,
        target_cost: PriceLike | None = None,
        rest_remainder: bool = False,
        replace_existing: bool | None = None,
        subaccount: int | None = None,
    ) -> CreateRfqResponse:
        """Ask for quotes on ``contracts`` (or a ``target_cost`` in $) of a market."""
        return self._client.call(
            c.create_rfq_call(
                market_ticker, contracts, target_cost, rest_remainder, replace_existing, subaccount
            )
        )

    def rfq(self, rfq_id: str) -> Rfq:
        """One RFQ by id."""
        return self._client.call(c.rfq_call(rfq_id))

    def delete_rfq(self, rfq_id: str) -> None:
        """Close one of your RFQs: its quotes can no longer be accepted (204)."""
        self._client.send(
            prepare("communications.delete_rfq", path={"rfq_id": c.ident(rfq_id, "rfq_id")})
        )

    def quotes(
        self,
        *,
        rfq_id: str | None = None,
        status: str | None = None,
        user_filter: str | None = None,
        quote_creator_user_id: str | None = None,
        rfq_creator_user_id: str | None = None,
        rfq_user_filter: str | None = None,
        min_ts: int | None = None,
        max_ts: int | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> QuotesResponse:
        """One page of quotes you made or on your RFQs (e.g. ``rfq_id=...``)."""
        return self._client.call(c.quotes_call(locals()))

    def create_quote(
        self,
        rfq_id: str,
        *,
        yes_bid: PriceLike,
        no_bid: PriceLike,
        rest_remainder: bool = False,
        post_only: bool | None = None,
        subaccount: int | None = None,
    ) -> CreateQuoteResponse:
        """Quote: the requester may buy YES at ``yes_bid`` or NO at ``no_bid`` (0: no)."""
        return self._client.call(
            c.create_quote_call(rfq_id, yes_bid, no_bid, rest_remainder, post_only, subaccount)
        )

    def quote(self, quote_id: str) -> Quote:
        """DEPRECATED (SDK): one quote by id; use ``rfq_quote``."""
        return self._client.call(c.quote_call(quote_id, None))

    def delete_quote(self, quote_id: str) -> None:
        """DEPRECATED (SDK): withdraw a quote; use ``delete_rfq_quote``."""
        self._client.send(c.delete_quote_request(quote_id, None))

    def accept_quote(self, quote_id: str, side: str) -> None:
        """DEPRECATED (SDK): accept one side of a quote; use ``accept_rfq_quote``."""
        self._client.send(c.accept_request(quote_id, side, None))

    def confirm_quote(self, quote_id: str) -> None:
        """DEPRECATED (SDK): confirm an accepted quote; use ``confirm_rfq_quote``."""
        self._client.send(c.confirm_request(quote_id, None))

    def rfq_quote(self, rfq_id: str, quote_id: str) -> Quote:
        """One quote on one RFQ."""
        return self._client.call(c.quote_call(quote_id, rfq_id))

    def delete_rfq_quote(self, rfq_id: str, quote_id: str) -> None:
        """Withdraw your quote: it can no longer be accepted (204)."""
        self._client.send(c.delete_quote_request(quote_id, rfq_id))

    def accept_rfq_quote(self, rfq_id: str, quote_id: str, side: str) -> None:
        """Take ``side`` of a quote on your RFQ (``yes``: buy YES at yes_bid)."""
        self._client.send(c.accept_request(quote_id, side, rfq_id))

    def confirm_rfq_quote(self, rfq_id: str, quote_id: str) -> None:
        """Confirm your accepted quote: it executes after the execution timer."""
        self._client.send(c.confirm_request(quote_id, rfq_id))

    def block_trades(
        self,
        *,
        market_ticker: str | None = None,
        status: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> BlockTradeProposalsResponse:
        """One page of the block trade proposals you are a party to."""
        return self._client.call(c.block_trades_call(locals()))

    def propose_block_trade(
        self,
        market_ticker: str,
        *,
        buyer_user_id: str,
        seller_user_id: str,
        price: PriceLike,
        contracts: CountLike,
        maker_side: str,
        expiration: datetime,
    ) -> ProposeBlockTradeResponse:
        """Propose a block trade: the buyer buys YES at ``price`` from the seller."""
        return self._client.call(
            c.propose_call(
                market_ticker,
                buyer_user_id,
                seller_user_id,
                price,
                contracts,
                maker_side,
                expiration,
            )
        )

    def accept_block_trade(self, proposal_id: str) -> None:
        """Accept a block trade proposal as its buyer or seller (204)."""
        self._client.send(c.block_request(proposal_id))


class AsyncCommunications:
    """``client.communications`` on the async client (signed calls)."""

    def __init__(self, client: AsyncResourceClient) -> None:
        self._client = client

    async def communications_id(self) -> CommunicationsIdResponse:
        return await self._client.call(c.communications_id_call({}))

    async def rfqs(
        self,
        *,
        market_ticker: str | None = None,
        event_ticker: str | None = None,
        status: str | None = None,
        creator_user_id: str | None = None,
        user_filter: str | None = None,
        subaccount: int | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> RfqsResponse:
        return await self._client.call(c.rfqs_call(locals()))

    async def create_rfq(
        self,
        market_ticker: str,
        contracts: CountLike | None = None,
        *,
        target_cost: PriceLike | None = None,
        rest_remainder: bool = False,
        replace_existing: bool | None = None,
        subaccount: int | None = None,
    ) -> CreateRfqResponse:
        return await self._client.call(
            c.create_rfq_call(
                market_ticker, contracts, target_cost, rest_remainder, replace_existing, subaccount
            )
        )

    async def rfq(self, rfq_id: str) -> Rfq:
        return await self._client.call(c.rfq_call(rfq_id))

    async def delete_rfq(self, rfq_id: str) -> None:
        await self._client.send(
            prepare("communications.delete_rfq", path={"rfq_id": c.ident(rfq_id, "rfq_id")})
        )

    async def quotes(
        self,
        *,
        rfq_id: str | None = None,
        status: str | None = None,
        user_filter: str | None = None,
        quote_creator_user_id: str | None = None,
        rfq_creator_user_id: str | None = None,
        rfq_user_filter: str | None = None,
        min_ts: int | None = None,
        max_ts: int | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> QuotesResponse:
        return await self._client.call(c.quotes_call(locals()))

    async def create_quote(
        self,
        rfq_id: str,
        *,
        yes_bid: PriceLike,
        no_bid: PriceLike,
        rest_remainder: bool = False,
        post_only: bool | None = None,
        subaccount: int | None = None,
    ) -> CreateQuoteResponse:
        return await self._client.call(
            c.create_quote_call(rfq_id, yes_bid, no_bid, rest_remainder, post_only, subaccount)
        )

    async def quote(self, quote_id: str) -> Quote:
        return await self._client.call(c.quote_call(quote_id, None))

    async def delete_quote(self, quote_id: str) -> None:
        await self._client.send(c.delete_quote_request(quote_id, None))

    async def accept_quote(self, quote_id: str, side: str) -> None:
        await self._client.send(c.accept_request(quote_id, side, None))

    async def confirm_quote(self, quote_id: str) -> None:
        await self._client.send(c.confirm_request(quote_id, None))

    async def rfq_quote(self, rfq_id: str, quote_id: str) -> Quote:
        return await self._client.call(c.quote_call(quote_id, rfq_id))

    async def delete_rfq_quote(self, rfq_id: str, quote_id: str) -> None:
        await self._client.send(c.delete_quote_request(quote_id, rfq_id))

    async def accept_rfq_quote(self, rfq_id: str, quote_id: str, side: str) -> None:
        await self._client.send(c.accept_request(quote_id, side, rfq_id))

    async def confirm_rfq_quote(self, rfq_id: str, quote_id: str) -> None:
        await self._client.send(c.confirm_request(quote_id, rfq_id))

    async def block_trades(
        self,
        *,
        market_ticker: str | None = None,
        status: str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> BlockTradeProposalsResponse:
        return await self._client.call(c.block_trades_call(locals()))

    async def propose_block_trade(
        self,
        market_ticker: str,
        *,
        buyer_user_id: str,
        seller_user_id: str,
        price: PriceLike,
        contracts: CountLike,
        maker_side: str,
        expiration: datetime,
    ) -> ProposeBlockTradeResponse:
        return await self._client.call(
            c.propose_call(
                market_ticker,
                buyer_user_id,
                seller_user_id,
                price,
                contracts,
                maker_side,
                expiration,
            )
        )

    async def accept_block_trade(self, proposal_id: str) -> None:
        await self._client.send(c.block_request(proposal_id))
