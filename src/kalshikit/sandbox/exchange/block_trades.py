"""Block-trade proposals (``/communications/block-trade-proposals``): two users agree on a
trade off the book. No I/O here.

The proposer names a buyer (buys YES) and a seller (sells YES, that is buys NO) at one YES price
in centi-cents (= ticks of $0.0001) for ``centicount`` centi-contracts; ``maker_side`` says
which party is the maker for fees (``yes``: the buyer, ``no``: the seller; the SDK leaves the
vocabulary open). The proposer must be one of the two and its own side counts as accepted; the
trade executes when the other party accepts, if both can pay on the market's shard, before
``expiration_ts`` (a timer on command time then marks it expired).
"""

from __future__ import annotations

from collections.abc import Callable

from kalshikit.models import BlockTradeProposal, ProposeBlockTradeRequest
from kalshikit.sandbox.engine import BookSide
from kalshikit.sandbox.exchange.comms_exec import Leg
from kalshikit.sandbox.exchange.comms_records import BlockRecord, render_block
from kalshikit.sandbox.exchange.communications import CommunicationsMixin
from kalshikit.sandbox.exchange.errors import bad_request, not_found
from kalshikit.sandbox.exchange.pages import in_order
from kalshikit.sandbox.exchange.render import millis_of

__all__ = ["BlockTradesMixin"]

_BAD = "invalid_parameters"


class BlockTradesMixin(CommunicationsMixin):
    """Proposing, listing and accepting block trades."""

    def block_list(
        self,
        viewer: str,
        keep: Callable[[BlockTradeProposal], bool],
        cursor: str | None,
        limit: int,
    ) -> tuple[list[BlockTradeProposal], str]:
        """A page of the proposals ``viewer`` is a party to that ``keep`` takes, newest first."""
        owner = self._owner(viewer)
        mine = (
            b
            for b in reversed(self._blocks.values())
            if owner in (self._owner(b.buyer), self._owner(b.seller))
        )
        views = [render_block(b, viewer) for b in mine]
        return in_order(views, "block_trades", cursor, limit, keep)

    def propose_block_trade(self, user: str, req: ProposeBlockTradeRequest) -> str:
        now = self._begin().now
        self._account(user)
        buyer = self.subaccount_key(self._party(req.buyer_user_id), req.buyer_subaccount)
        seller = self.subaccount_key(self._party(req.seller_user_id), req.seller_subaccount)
        if req.buyer_subtrader_id is not None or req.seller_subtrader_id is not None:
            raise bad_request(_BAD, "the sandbox has no FCM subtraders: leave the ids out")
        if self._owner(buyer) == self._owner(seller):
            raise bad_request(_BAD, "the buyer and the seller must be two different users")
        if self._owner(user) not in (self._owner(buyer), self._owner(seller)):
            raise bad_request(_BAD, "propose block trades you are the buyer or seller of")
        state = self._live_market(req.market_ticker)
        self._check_tradeable(state)
        price, size, expires = self._terms(req, now)
        self._commit_point()
        block = BlockRecord(
            self._new_id(), user, buyer, seller, state.ticker, price, size, req.maker_side,
            expires, now, updated_ms=now,
        )  # fmt: skip
        if self._owner(user) == self._owner(buyer):
            block.buyer_accepted_ms = now
        else:
            block.seller_accepted_ms = now
        self._blocks[block.proposal_id] = block
        self._timer(expires, "block_expire", block.proposal_id)
        return block.proposal_id

    def accept_block_trade(self, user: str, proposal_id: str) -> None:
        """Accept as the buyer or the seller; when both have, the trade executes now."""
        now = self._begin().now
        block = self._blocks.get(proposal_id) if isinstance(proposal_id, str) else None
        owner = self._owner(user)
        if block is None or owner not in (self._owner(block.buyer), self._owner(block.seller)):
            raise not_found("proposal_not_found", f"no block trade proposal {proposal_id!r}")
        if block.status != "pending" or block.expires_ms <= now:
            raise bad_request("proposal_closed", f"proposal {proposal_id} is not pending")
        as_buyer = owner == self._owner(block.buyer)
        if (block.buyer_accepted_ms if as_buyer else block.seller_accepted_ms) is not None:
            raise bad_request("already_accepted", "you have already accepted this proposal")
        self._check_tradeable(self._markets[block.ticker])
        for key, side, taker, _ in self._legs(block):
            if not self._covered(key, block.ticker, side, block.price, block.size, taker):
                raise bad_request("insufficient_balance", "a party lacks free cash on this shard")
        self._commit_point()
        if as_buyer:
            block.buyer_accepted_ms = now
        else:
            block.seller_accepted_ms = now
        self._execute_block(block, now)

    def _execute_block(self, block: BlockRecord, now: int) -> None:
        block.buyer_order_id, block.seller_order_id = self._new_id(), self._new_id()
        self._trade_legs(block.ticker, block.price, block.size, self._legs(block), now)
        block.status, block.executed_ms, block.updated_ms = "executed", now, now

    @staticmethod
    def _legs(block: BlockRecord) -> list[Leg]:
        """The buyer's and the seller's leg, the maker's first (as on the book)."""
        buyer_taker = block.maker_side != "yes"
        bid: BookSide = "bid"
        ask: BookSide = "ask"
        legs: list[Leg] = [
            (block.buyer, bid, buyer_taker, block.buyer_order_id or ""),
            (block.seller, ask, not buyer_taker, block.seller_order_id or ""),
        ]
        return sorted(legs, key=lambda leg: leg[2])

    def _fire_block(self, kind: str, ident: str, now: int) -> None:
        block = self._blocks.get(ident)
        if kind == "block_expire" and block is not None and block.status == "pending":
            block.status, block.updated_ms = "expired", now

    def _party(self, user_id: object) -> str:
        if not isinstance(user_id, str) or user_id not in self._accounts:
            raise bad_request(_BAD, f"no sandbox user {user_id!r}")
        return user_id

    @staticmethod
    def _terms(req: ProposeBlockTradeRequest, now: int) -> tuple[int, int, int]:
        """(price ticks, centi-contracts, expiry ms) of a proposal, checked."""
        price, size = req.price_centi_cents, req.centicount
        if isinstance(price, bool) or not isinstance(price, int) or not 0 < price < 10_000:
            raise bad_request("invalid_price", "price_centi_cents must be 1 to 9999")
        if isinstance(size, bool) or not isinstance(size, int) or not 0 < size <= 10**10:
            raise bad_request(_BAD, "centicount must be a positive number of centi-contracts")
        if req.maker_side not in ("yes", "no"):
            raise bad_request(_BAD, "maker_side must be 'yes' (buyer) or 'no' (seller)")
        if req.expiration_ts.tzinfo is None:
            raise bad_request(_BAD, "expiration_ts needs a time zone (RFC 3339, e.g. ...Z)")
        expires = millis_of(req.expiration_ts)
        if expires <= now:
            raise bad_request(_BAD, "expiration_ts must be in the future")
        return price, size, expires
