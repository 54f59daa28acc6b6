"""A simulated RFQ market maker: it quotes every open RFQ of a user near the book, and confirms
its quotes once accepted, so a lone sandbox user gets quotes and can trade through an RFQ.

No I/O, no wall clock, no global randomness: ``RfqQuoter.step(now_ms)`` reads the exchange and
writes through the writer it was given (the store's journaled writer when serving), exactly the
methods a user's request reaches (``create_quote``, ``confirm_quote``); its edge comes from its
own ``random.Random(seed)``, so the same seed and steps give the same quotes.

The quote: the requester may buy YES at ``yes_bid`` or NO at ``no_bid``. Around the book's mid
(the catalog's fair value when the book is empty) the quoter asks a 1 to 3 cent edge on each
side, whole cents between 1 and 99 (every grid has them), so ``yes_bid + no_bid`` stays above $1.
"""

from __future__ import annotations

import random
from typing import Final, Protocol

from kalshikit.models import CreateQuoteRequest, Quote, Rfq
from kalshikit.sandbox.exchange import Exchange, ExchangeError
from kalshikit.sandbox.sim.agents import Action
from kalshikit.units import TICKS_PER_CENT, TICKS_PER_DOLLAR, ticks_to_dollars

__all__ = ["RFQ_MAKER", "QuoteWriter", "RfqQuoter"]

RFQ_MAKER: Final = "sim-rfq-maker"
_BALANCE_CENTS: Final = 10_000_000_00  # $10M: it never lacks collateral
_SHARDS: Final = (1,)  # combo markets trade on shard 1; shard 0 holds the opening balance
_EDGES_CENTS: Final = (1, 2, 3)


class QuoteWriter(Protocol):
    """The writes the quoter makes: ``Exchange`` and ``PersistentExchange`` fit."""

    def create_user(self, *, balance_cents: int, user_id: str | None = None) -> str: ...
    def deposit_to_shard(self, user_id: str, cents: int, exchange_index: int) -> None: ...
    def create_quote(self, user: str, req: CreateQuoteRequest) -> str: ...
    def confirm_quote(self, user: str, quote_id: str, rfq_id: str | None = None) -> None: ...


class RfqQuoter:
    """``RfqQuoter(exchange, writer, seed=0)``; call ``step(now_ms)`` as the simulator steps."""

    def __init__(self, exchange: Exchange, writer: QuoteWriter, *, seed: int = 0) -> None:
        self.exchange = exchange
        self.writer = writer
        self._rng = random.Random(seed)
        self._started = False
        self._quoted: set[str] = set()  # RFQ ids answered (a restart re-reads them)
        self._seen = -1  # the exchange's comms_changes when last looked

    def step(self, now_ms: int) -> list[Action]:
        """Quote the open RFQs not yet quoted, confirm the accepted quotes; the writes made."""
        actions = self._start() if not self._started else []
        if self.exchange.comms_changes == self._seen:
            return actions  # no RFQ or quote changed since the last step
        self._seen = self.exchange.comms_changes
        for rfq in self._open_rfqs():
            actions.extend(self._quote(rfq))
        for quote in self._accepted():
            actions.extend(self._confirm(quote))
        return actions

    def _start(self) -> list[Action]:
        self._started = True
        try:
            self.writer.create_user(balance_cents=_BALANCE_CENTS, user_id=RFQ_MAKER)
        except ExchangeError as error:
            if error.code != "user_exists":
                raise
            # a restart: the store replayed the user and its quotes
            mine, _ = self.exchange.quote_list(RFQ_MAKER, lambda q: True, None, 100_000)
            self._quoted.update(q.rfq_id for q in mine)
            return []
        for shard in _SHARDS:
            self.writer.deposit_to_shard(RFQ_MAKER, _BALANCE_CENTS, shard)
        return [Action("user", RFQ_MAKER, ref=str(_BALANCE_CENTS))]

    def _open_rfqs(self) -> list[Rfq]:
        page, _ = self.exchange.rfq_list(
            RFQ_MAKER, lambda r: r.status == "open" and r.id not in self._quoted, None, 1000
        )
        return list(reversed(page))  # oldest first

    def _accepted(self) -> list[Quote]:
        page, _ = self.exchange.quote_list(
            RFQ_MAKER, lambda q: q.status == "accepted" and q.creator_user_id == RFQ_MAKER,
            None, 1000,
        )  # fmt: skip
        return page

    def _quote(self, rfq: Rfq) -> list[Action]:
        self._quoted.add(rfq.id)
        mid = self._mid(rfq.market_ticker)
        yes = _cents(mid + self._edge())
        no = _cents(TICKS_PER_DOLLAR - mid + self._edge())
        req = CreateQuoteRequest(
            rfq_id=rfq.id, yes_bid=ticks_to_dollars(yes), no_bid=ticks_to_dollars(no),
            rest_remainder=False,
        )  # fmt: skip
        try:
            quote_id = self.writer.create_quote(RFQ_MAKER, req)
        except ExchangeError:  # the RFQ closed or the market stopped: nothing to answer
            return []
        return [Action("quote", RFQ_MAKER, rfq.market_ticker, "yes", yes, ref=quote_id)]

    def _confirm(self, quote: Quote) -> list[Action]:
        try:
            self.writer.confirm_quote(RFQ_MAKER, quote.id, quote.rfq_id)
        except ExchangeError:
            return []
        return [Action("confirm", RFQ_MAKER, quote.market_ticker, ref=quote.id)]

    def _edge(self) -> int:
        return self._rng.choice(_EDGES_CENTS) * TICKS_PER_CENT

    def _mid(self, ticker: str) -> int:
        """The book's mid in ticks (one side alone, else the fair value, else 50c)."""
        engine = self.exchange.engine
        bids = engine.levels(ticker, "bid") if engine.has_market(ticker) else []
        asks = engine.levels(ticker, "ask") if engine.has_market(ticker) else []
        if bids and asks:
            return (bids[0][0] + asks[0][0]) // 2
        if bids or asks:
            return (bids or asks)[0][0]
        return int(self.exchange.catalog.fair_value.get(ticker, TICKS_PER_DOLLAR // 2))


def _cents(ticks: int) -> int:
    """Up to the next whole cent, within 1c..99c."""
    cents = -(-ticks // TICKS_PER_CENT)
    return min(max(cents, 1), 99) * TICKS_PER_CENT
