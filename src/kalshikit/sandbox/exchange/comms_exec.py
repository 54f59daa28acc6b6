"""How an RFQ quote or a block trade executes: one fill on each side, with the primitives a
book fill uses (``Position.apply_fill``, ``FillRecord``, the series' fees, ``FillRecorded`` for
the ``fill`` channel), and one public trade. No I/O here.

Cash moves only through ``account.add_cash(shard, ...)`` and is read only through
``account.free(shard)``, the market's shard (``_exchange_index``): collateral is per shard. A
side is covered when its free cash on that shard pays the whole opening cost plus the fee
(conservative: a trade that would close a position is checked as if it opened one).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from kalshikit.fees import cents_ceil_micro, fee_units
from kalshikit.sandbox.engine import BookSide
from kalshikit.sandbox.exchange.account_keys import owner_of
from kalshikit.sandbox.exchange.comms_checks import need_micro
from kalshikit.sandbox.exchange.comms_records import BlockRecord, QuoteRecord
from kalshikit.sandbox.exchange.core import Batch
from kalshikit.sandbox.exchange.errors import bad_request
from kalshikit.sandbox.exchange.events import FillRecorded, TradeExecuted
from kalshikit.sandbox.exchange.orders import FillRecord, TradeRecord
from kalshikit.sandbox.exchange.render import render_fill, render_trade
from kalshikit.sandbox.exchange.subaccounts import SubaccountsMixin

if TYPE_CHECKING:
    from kalshikit.sandbox.catalog import Catalog
    from kalshikit.sandbox.exchange.retention import Retention

__all__ = ["CommsExecMixin", "Leg"]

Leg = tuple[str, BookSide, bool, str]  # (account key, YES-book side, is taker, order id)


class CommsExecMixin(SubaccountsMixin):
    """Covering checks and the two-sided fill behind RFQ quotes and block trades."""

    def __init__(
        self,
        catalog: Catalog,
        *,
        clock: Callable[[], int],
        seed: int = 0,
        retention: Retention | None = None,
    ) -> None:
        super().__init__(catalog, clock=clock, seed=seed, retention=retention)
        self._blocks: dict[str, BlockRecord] = {}

    @staticmethod
    def _owner(key: str) -> str:
        return owner_of(key)

    def _covered(
        self, key: str, ticker: str, side: BookSide, price: int, size: int, taker: bool
    ) -> bool:
        state = self._markets[ticker]
        coefficient = state.fees.taker if taker else state.fees.maker
        need = need_micro(side, price, size, coefficient)
        return self._accounts[key].free(self._exchange_index(ticker)) >= need

    def _check_cover(
        self, key: str, quote: QuoteRecord, side: str, size: int, *, taker: bool
    ) -> None:
        """400 unless ``key`` can pay its side of ``quote`` taken on ``side``."""
        price = quote.yes_bid if side == "yes" else 10_000 - quote.no_bid
        book: BookSide = "bid" if (side == "yes") == taker else "ask"
        if not self._covered(key, quote.ticker, book, price, size, taker):
            raise bad_request(
                "insufficient_balance",
                "not enough free cash on this market's shard for your side of the trade",
            )

    def _trade_legs(self, ticker: str, price: int, size: int, legs: list[Leg], now: int) -> None:
        """One public trade and a fill per leg (maker first, then taker), then the usual end
        of a command: collateral re-balanced, quotes refreshed, positions reported."""
        batch = Batch(now)
        state = self._markets[ticker]
        taker_side = next(side for _, side, taker, _ in legs if taker)
        trade = TradeRecord(self._new_id(), ticker, price, size, taker_side, now)
        self._trades.append(trade)
        state.record_trade(trade)
        batch.markets[ticker] = True
        if self._listeners:
            self._emit(TradeExecuted(render_trade(trade), now))
        for key, side, is_taker, order_id in legs:
            self._fill_leg(
                key, ticker, side, price, size, is_taker, trade.trade_id, order_id, batch
            )
        self._finish(batch)

    def _fill_leg(
        self, key: str, ticker: str, side: BookSide, price: int, size: int, is_taker: bool,
        trade_id: str, order_id: str, batch: Batch,
    ) -> None:  # fmt: skip
        """Move one side's position, cash and fee, and record its fill."""
        state, account, now = self._markets[ticker], self._accounts[key], batch.now
        position = account.position(ticker, state.market.event_ticker)
        before = position.size
        cash = position.apply_fill(side, price, size, now)
        state.open_interest += max(position.size, 0) - max(before, 0)
        coefficient = state.fees.taker if is_taker else state.fees.maker
        fee = cents_ceil_micro(fee_units(coefficient, size, price)) if coefficient else 0
        position.fees += fee
        account.add_cash(self._exchange_index(ticker), cash - fee)
        self._fees_collected += fee
        fill = FillRecord(trade_id, order_id, key, ticker, side, price, size, is_taker, fee, now)
        account.fills.append(fill)
        batch.positions[(key, ticker)] = None
        batch.pairs[(key, ticker)] = None
        if self._listeners:
            rendered = render_fill(fill, state.market.exchange_index)
            self._emit(FillRecorded(key, rendered, None, position.size, now))

    def _fire_block(self, kind: str, ident: str, now: int) -> None:
        """A block-trade timer (``block_trades`` handles them)."""
