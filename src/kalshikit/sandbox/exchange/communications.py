"""RFQs and quotes (``/communications``): the requester asks, makers quote, the requester
accepts one side, the maker confirms, and after the execution timer the trade executes. No I/O.

Every write is a command as elsewhere: checks (400/404, nothing changed), the commit point,
then the change. The clocks (an RFQ's life, the maker's confirmation window, the execution
timer: ``RfqTiming``) run on command time only: each pushes ``(due ms, kind, id)`` on
``_comm_timers``, and ``_advance`` (run by every command and by ``advance``, the way order
expiries are) fires what is due, so a replay fires the same timers at the same times. The
trade itself is ``comms_exec``'s (a fill on each side, like a book fill).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from typing import TYPE_CHECKING

from kalshikit.models import CreateQuoteRequest, CreateRfqRequest, Quote, Rfq
from kalshikit.sandbox.engine import BookSide
from kalshikit.sandbox.exchange.comms_checks import quote_prices, rfq_size
from kalshikit.sandbox.exchange.comms_exec import CommsExecMixin, Leg
from kalshikit.sandbox.exchange.comms_records import (
    QuoteRecord,
    RfqRecord,
    RfqTiming,
    render_quote,
    render_rfq,
)
from kalshikit.sandbox.exchange.errors import bad_request, conflict, not_found
from kalshikit.sandbox.exchange.events import CommsUpdated
from kalshikit.sandbox.exchange.lifecycle import TRADEABLE
from kalshikit.sandbox.exchange.pages import in_order

if TYPE_CHECKING:
    from kalshikit.sandbox.catalog import Catalog
    from kalshikit.sandbox.exchange.retention import Retention

__all__ = ["CommunicationsMixin"]

_LIVE_QUOTE = ("open", "accepted")  # a quote that can still be withdrawn or lapse


class CommunicationsMixin(CommsExecMixin):
    """RFQ and quote state, reads and writes (block trades: ``block_trades``)."""

    def __init__(
        self,
        catalog: Catalog,
        *,
        clock: Callable[[], int],
        seed: int = 0,
        retention: Retention | None = None,
    ) -> None:
        super().__init__(catalog, clock=clock, seed=seed, retention=retention)
        self.rfq_timing = RfqTiming()
        self._rfqs: dict[str, RfqRecord] = {}
        self._quotes: dict[str, QuoteRecord] = {}
        self._comm_timers: list[tuple[int, str, str]] = []
        self.comms_changes = 0  # counts RFQ and quote messages: readers poll it cheaply

    # ------------------------------------------------------------------ reads

    def rfq_view(self, viewer: str, rfq_id: str) -> Rfq:
        return render_rfq(self._rfq(rfq_id), viewer)

    def rfq_list(
        self, viewer: str, keep: Callable[[Rfq], bool], cursor: str | None, limit: int
    ) -> tuple[list[Rfq], str]:
        """A page of the RFQs ``keep`` takes, newest first, and the next page's cursor."""
        views = [render_rfq(r, viewer) for r in reversed(self._rfqs.values())]
        return in_order(views, "rfqs", cursor, limit, keep)

    def quote_view(self, viewer: str, quote_id: str, rfq_id: str | None = None) -> Quote:
        quote = self._visible_quote(viewer, quote_id, rfq_id)
        return render_quote(quote, self._rfqs[quote.rfq_id], viewer)

    def quote_list(
        self, viewer: str, keep: Callable[[Quote], bool], cursor: str | None, limit: int
    ) -> tuple[list[Quote], str]:
        """A page of the quotes ``viewer`` is a party to that ``keep`` takes, newest first."""
        owner = self._owner(viewer)
        mine = (
            q
            for q in reversed(self._quotes.values())
            if owner in (self._owner(q.user_id), self._owner(q.rfq_user_id))
        )
        views = [render_quote(q, self._rfqs[q.rfq_id], viewer) for q in mine]
        return in_order(views, "quotes", cursor, limit, keep)

    def comms_digest(self) -> dict[str, object]:
        """The communications state, for ``state_digest``."""
        return {
            "rfqs": {k: [r.status, r.size, r.updated_ms] for k, r in sorted(self._rfqs.items())},
            "quotes": {
                k: [q.status, q.accepted_side, q.size, q.updated_ms]
                for k, q in sorted(self._quotes.items())
            },
            "blocks": {k: [b.status, b.updated_ms] for k, b in sorted(self._blocks.items())},
            "timers": sorted(self._comm_timers),
        }

    # ------------------------------------------------------------------ RFQ writes

    def set_rfq_timing(self, execution_ms: int, confirm_ms: int, rfq_life_ms: int) -> None:
        """Change the RFQ clocks for what starts from now on (a command, so a replay uses the
        same ones): the execution timer, the confirmation window, an RFQ's life (ms)."""
        for name, value in (("execution_ms", execution_ms), ("confirm_ms", confirm_ms),
                            ("rfq_life_ms", rfq_life_ms)):  # fmt: skip
            if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= 86_400_000:
                raise bad_request("invalid_parameters", f"{name} must be 1 ms to 1 day")
        self._commit_point()
        self.rfq_timing = RfqTiming(execution_ms, confirm_ms, rfq_life_ms)

    def create_rfq(self, user: str, req: CreateRfqRequest) -> str:
        """Open an RFQ on a tradeable market; returns its id."""
        now = self._begin().now  # brings due timers (and expiries) up to date first
        key = self.subaccount_key(user, req.subaccount)
        state = self._live_market(req.market_ticker)
        self._check_tradeable(state)
        size, cost = rfq_size(req)
        mine = [r for r in self._rfqs.values() if r.status == "open" and r.user_id == key]
        if not req.replace_existing and len(mine) >= self.rfq_timing.max_open_rfqs:
            raise bad_request("too_many_rfqs", "you have 100 open RFQs: delete one first")
        self._commit_point()
        for old in mine if req.replace_existing else ():
            self._close_rfq(old, "replaced", now)
        rfq = RfqRecord(
            self._new_id(), key, state.ticker, state.market.event_ticker, size, cost,
            bool(req.rest_remainder), bool(req.obscure_creator_id), now,
            now + self.rfq_timing.rfq_life_ms, updated_ms=now,
            mve_collection=state.market.mve_collection_ticker,
            mve_legs=state.market.mve_selected_legs,
        )  # fmt: skip
        self._rfqs[rfq.rfq_id] = rfq
        self._timer(rfq.expires_ms, "rfq_expire", rfq.rfq_id)
        self._tell("rfq_created", rfq, None, now)
        return rfq.rfq_id

    def delete_rfq(self, user: str, rfq_id: str) -> None:
        """Close one of your open RFQs; its live quotes are cancelled."""
        now = self._begin().now  # brings due timers (and expiries) up to date first
        rfq = self._own_rfq(user, rfq_id)
        if rfq.status != "open":
            raise bad_request("rfq_closed", f"RFQ {rfq_id} is already {rfq.status}")
        if any(q.status == "confirmed" for q in self._quotes_of(rfq_id)):
            raise bad_request("quote_confirmed", "a confirmed quote on this RFQ is executing")
        self._commit_point()
        self._close_rfq(rfq, "cancelled", now)

    # ------------------------------------------------------------------ quote writes

    def create_quote(self, user: str, req: CreateQuoteRequest) -> str:
        """Quote on another user's open RFQ (replacing your earlier quote on it)."""
        now = self._begin().now  # brings due timers (and expiries) up to date first
        key = self.subaccount_key(user, req.subaccount)
        rfq = self._rfq(req.rfq_id)
        if rfq.status != "open":
            raise bad_request("rfq_closed", f"RFQ {rfq.rfq_id} is {rfq.status}: it takes no quotes")
        if self._owner(rfq.user_id) == self._owner(key):
            raise bad_request("own_rfq", "you cannot quote on your own RFQ")
        yes, no = quote_prices(req, self._markets[rfq.ticker].grid)
        self._commit_point()
        for old in self._quotes_of(rfq.rfq_id):
            if old.user_id == key and old.status == "open":
                self._cancel_quote(old, "replaced", now)
        quote = QuoteRecord(
            self._new_id(), rfq.rfq_id, key, rfq.user_id, rfq.ticker, yes, no,
            bool(req.rest_remainder), req.post_only, now, updated_ms=now,
        )  # fmt: skip
        self._quotes[quote.quote_id] = quote
        self._tell("quote_created", rfq, quote, now)
        return quote.quote_id

    def delete_quote(self, user: str, quote_id: str, rfq_id: str | None = None) -> None:
        """Withdraw your quote while it is open or accepted (a confirmed one is binding)."""
        now = self._begin().now  # brings due timers (and expiries) up to date first
        quote = self._visible_quote(user, quote_id, rfq_id)
        if self._owner(quote.user_id) != self._owner(user):
            raise not_found("quote_not_found", f"you made no quote {quote_id!r}")
        if quote.status not in _LIVE_QUOTE:
            raise bad_request("quote_not_open", f"quote {quote_id} is {quote.status}")
        self._commit_point()
        self._cancel_quote(quote, "withdrawn", now)

    def accept_quote(self, user: str, quote_id: str, side: str, rfq_id: str | None = None) -> None:
        """As the RFQ's creator, take ``side`` of an open quote; the maker must confirm."""
        now = self._begin().now  # brings due timers (and expiries) up to date first
        quote = self._visible_quote(user, quote_id, rfq_id)
        rfq = self._rfqs[quote.rfq_id]
        if self._owner(rfq.user_id) != self._owner(user):
            raise bad_request("not_rfq_creator", "only the RFQ's creator accepts its quotes")
        if side not in ("yes", "no"):
            raise bad_request("invalid_parameters", "accepted_side must be 'yes' or 'no'")
        if quote.status != "open" or rfq.status != "open":
            raise bad_request("quote_not_open", f"quote {quote_id} is {quote.status}")
        if any(q.status in ("accepted", "confirmed") for q in self._quotes_of(rfq.rfq_id)):
            raise conflict("quote_pending", "another quote on this RFQ is already accepted")
        size = quote.side_size(side, rfq)
        if (quote.yes_bid if side == "yes" else quote.no_bid) == 0 or size <= 0:
            raise bad_request("side_not_quoted", f"the quote offers nothing on the {side} side")
        self._check_tradeable(self._markets[rfq.ticker])
        self._check_cover(rfq.user_id, quote, side, size, taker=True)
        self._commit_point()
        quote.status, quote.accepted_side, quote.size = "accepted", side, size
        quote.accepted_ms = quote.updated_ms = now
        self._timer(now + self.rfq_timing.confirm_ms, "confirm_lapse", quote.quote_id)
        self._tell("quote_accepted", rfq, quote, now)

    def confirm_quote(self, user: str, quote_id: str, rfq_id: str | None = None) -> None:
        """As the maker, confirm an accepted quote: it executes after the execution timer."""
        now = self._begin().now  # brings due timers (and expiries) up to date first
        quote = self._visible_quote(user, quote_id, rfq_id)
        if self._owner(quote.user_id) != self._owner(user):
            raise bad_request("not_quote_creator", "only the quote's creator confirms it")
        if quote.status != "accepted" or quote.accepted_side is None:
            raise bad_request("quote_not_accepted", f"quote {quote_id} is {quote.status}")
        self._check_cover(quote.user_id, quote, quote.accepted_side, quote.size, taker=False)
        self._commit_point()
        quote.status, quote.confirmed_ms, quote.updated_ms = "confirmed", now, now
        self._timer(now + self.rfq_timing.execution_ms, "execute", quote.quote_id)

    # ------------------------------------------------------------------ execution

    def _execute_quote(self, quote: QuoteRecord, rfq: RfqRecord, now: int) -> None:
        """The confirmed quote trades now (or is cancelled if a side can no longer pay)."""
        state = self._markets[rfq.ticker]
        price = quote.yes_price()
        taker: BookSide = "bid" if quote.accepted_side == "yes" else "ask"
        maker: BookSide = "ask" if taker == "bid" else "bid"
        ok = state.status == TRADEABLE and self._trading_active
        ok = ok and self._covered(rfq.user_id, rfq.ticker, taker, price, quote.size, True)
        ok = ok and self._covered(quote.user_id, rfq.ticker, maker, price, quote.size, False)
        quote.updated_ms = now
        if not ok:
            quote.status, quote.cancellation_reason = "cancelled", "execution_failed"
            quote.cancelled_ms = now
            if rfq.expires_ms <= now:  # its expiry passed while the quote was pending
                self._close_rfq(rfq, "expired", now)
            return
        quote.rfq_creator_order_id, quote.creator_order_id = self._new_id(), self._new_id()
        legs: list[Leg] = [
            (quote.user_id, maker, False, quote.creator_order_id),
            (rfq.user_id, taker, True, quote.rfq_creator_order_id),
        ]
        self._trade_legs(rfq.ticker, price, quote.size, legs, now)
        quote.status, quote.executed_ms = "executed", now
        self._tell("quote_executed", rfq, quote, now)
        self._close_rfq(rfq, None, now)

    # ------------------------------------------------------------------ helpers

    def _rfq(self, rfq_id: str) -> RfqRecord:
        rfq = self._rfqs.get(rfq_id) if isinstance(rfq_id, str) else None
        if rfq is None:
            raise not_found("rfq_not_found", f"no RFQ {rfq_id!r}")
        return rfq

    def _own_rfq(self, user: str, rfq_id: str) -> RfqRecord:
        rfq = self._rfq(rfq_id)
        if self._owner(rfq.user_id) != self._owner(user):
            raise not_found("rfq_not_found", f"you have no RFQ {rfq_id!r}")
        return rfq

    def _visible_quote(self, viewer: str, quote_id: str, rfq_id: str | None) -> QuoteRecord:
        """A quote ``viewer`` is a party to (and on ``rfq_id`` when given), else 404."""
        self._account(viewer)
        quote = self._quotes.get(quote_id) if isinstance(quote_id, str) else None
        owner = self._owner(viewer)
        if (
            quote is None
            or (rfq_id is not None and quote.rfq_id != rfq_id)
            or owner not in (self._owner(quote.user_id), self._owner(quote.rfq_user_id))
        ):
            raise not_found("quote_not_found", f"no quote {quote_id!r} of yours")
        return quote

    def _quotes_of(self, rfq_id: str) -> list[QuoteRecord]:
        return [q for q in self._quotes.values() if q.rfq_id == rfq_id]

    def _timer(self, due_ms: int, kind: str, ident: str) -> None:
        heapq.heappush(self._comm_timers, (due_ms, kind, ident))

    def _close_rfq(self, rfq: RfqRecord, reason: str | None, now: int) -> None:
        rfq.status, rfq.updated_ms = "closed", now
        if reason is not None:
            rfq.cancellation_reason, rfq.cancelled_ms = reason, now
        for quote in self._quotes_of(rfq.rfq_id):
            if quote.status in _LIVE_QUOTE:
                self._cancel_quote(quote, "rfq_closed", now)
        self._tell("rfq_deleted", rfq, None, now)

    def _cancel_quote(self, quote: QuoteRecord, reason: str, now: int) -> None:
        quote.status, quote.cancellation_reason = "cancelled", reason
        quote.cancelled_ms = quote.updated_ms = now

    def _tell(self, kind: str, rfq: RfqRecord, quote: QuoteRecord | None, now: int) -> None:
        self.comms_changes += 1
        if self._listeners:
            full = None if quote is None else render_quote(quote, rfq, None)
            public = render_rfq(rfq, None)
            owner = self._owner(rfq.user_id)
            self._emit(CommsUpdated(kind, public, full, rfq.event_ticker, now, owner))

    # ------------------------------------------------------------------ time

    def _due(self, now: int) -> bool:
        timers = self._comm_timers
        return super()._due(now) or bool(timers and timers[0][0] <= now)

    def _advance(self, now: int) -> None:
        super()._advance(now)
        timers = self._comm_timers
        while timers and timers[0][0] <= now:
            due, kind, ident = heapq.heappop(timers)
            self._fire(due, kind, ident, now)

    def _fire(self, due: int, kind: str, ident: str, now: int) -> None:
        """One timer: each acts only if its record is still in the state it was set for."""
        if kind == "rfq_expire":
            rfq = self._rfqs.get(ident)
            pending = rfq is not None and any(
                q.status == "confirmed" for q in self._quotes_of(rfq.rfq_id)
            )
            if rfq is not None and rfq.status == "open" and not pending:
                self._close_rfq(rfq, "expired", now)
        elif kind == "confirm_lapse":
            quote = self._quotes.get(ident)
            # a quote is accepted at most once: still accepted means the maker never confirmed
            if quote is not None and quote.status == "accepted":
                self._cancel_quote(quote, "confirmation_timeout", now)
        elif kind == "execute":
            quote = self._quotes.get(ident)
            if quote is not None and quote.status == "confirmed":
                self._execute_quote(quote, self._rfqs[quote.rfq_id], now)
        else:
            self._fire_block(kind, ident, now)
