"""The live state behind the dashboard: one WebSocket, the scanner on it, the books and trades of
the markets people look at, the account's resting orders and its P&L.

Everything moves by the stream. The scanner ranks from ticker, trade, lifecycle and book
messages; a market a page opens gets its book (``orderbook_delta``) and trades added to the same
connection; the account's orders come from ``user_orders``. REST is read once at the start
(the scanner's seed, the resting orders), once per market opened (its recent candles, for the
chart), and for the P&L when ``fill`` or ``market_positions`` says something changed (at most
once a second, exactly as ``kalshi portfolio pnl --watch`` does): never on a timer.

Pages wait on :meth:`Hub.changed`; each change bumps :attr:`Hub.version` and wakes them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from kalshikit.charts.series import carried_closes, price_points
from kalshikit.config import APIConfig
from kalshikit.dashboard import views
from kalshikit.dashboard.views import Resting, TradeRow
from kalshikit.errors import KalshiError
from kalshikit.http.client import AsyncKalshiClient, KalshiClient
from kalshikit.models import Order
from kalshikit.portfolio.fetch import build_book, fetch_inputs
from kalshikit.portfolio.pnl import PnlBook
from kalshikit.scanner.scanner import MarketScanner
from kalshikit.units import cached_dollars_to_ticks, cached_fp_to_centi
from kalshikit.ws import KalshiWebSocket

__all__ = ["Hub"]

_log = logging.getLogger("kalshikit.dashboard")
_TRADES_KEPT: Final = 200  # per market, for the trades list and the chart's live tail
_CHART_HOURS: Final = 3  # one-minute candles read when a market is opened
_PNL_EVERY_S: Final = 1.0


class Hub:
    """The dashboard's state for one environment; ``async with Hub(config) as hub``."""

    def __init__(
        self, config: APIConfig, *, series: str | None = None, category: str | None = None,
        event: str | None = None, books: int = 50, clock: Callable[[], float] = time.time,
    ) -> None:  # fmt: skip
        self.config = config
        self.client = AsyncKalshiClient(config=config)
        self.ws = KalshiWebSocket(config=config)
        self.scanner = MarketScanner(
            config=config, client=self.client, ws=self.ws, series=series, category=category,
            event=event, books=books, clock=clock,
        )  # fmt: skip
        self.version = 0
        self.resting: dict[str, Resting] = {}
        self.trades: dict[str, deque[TradeRow]] = {}
        self.candles: dict[str, list[list[int]]] = {}
        self.pnl: PnlBook | None = None
        self.private = config.has_credentials
        self._waiters: set[asyncio.Event] = set()
        self._followed: dict[str, None] = {}  # markets opened by a page, oldest first
        self._pnl_due = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    # --- life ---------------------------------------------------------------------------------

    async def __aenter__(self) -> Hub:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def start(self) -> None:
        """Connect, seed the scanner, and follow the account (when signed in)."""
        await self.ws.connect()
        await self.scanner.start()
        self.scanner.on_update(lambda _: self.bump())
        if self.private:
            await self.ws.user_orders(None, on_message=self._on_order, iterate=False)
            for channel in ("fill", "market_positions"):
                await self.ws.subscribe(channel, None, on_message=self._pnl_changed,
                                        iterate=False)  # fmt: skip
            await self._seed_orders()
            self._tasks.append(asyncio.create_task(self._pnl_loop(), name="dashboard-pnl"))

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.scanner.close()
        await self.ws.close()
        await self.client.aclose()

    # --- changes ------------------------------------------------------------------------------

    def bump(self) -> None:
        """Something a page shows changed: wake every page."""
        self.version += 1
        for waiter in self._waiters:
            waiter.set()

    def changed(self) -> asyncio.Event:
        """An event set at every change from now on (:meth:`forget` it when the page leaves)."""
        waiter = asyncio.Event()
        self._waiters.add(waiter)
        return waiter

    def forget(self, waiter: asyncio.Event) -> None:
        self._waiters.discard(waiter)

    # --- the markets pages open ---------------------------------------------------------------

    async def follow(self, ticker: str) -> None:
        """Keep ``ticker``'s book, trades and chart current (a page opened it)."""
        if ticker in self._followed:
            return
        if ticker not in self.scanner.states:
            await self.client.markets.get(ticker)  # NotFound for a market that does not exist
        self.trades.setdefault(ticker, deque(maxlen=_TRADES_KEPT))
        books = await self.ws.orderbooks([ticker])
        self._followed[ticker] = None
        books[ticker].on_update(lambda _: self.bump())
        await self.ws.trades([ticker], on_message=self._on_trade, iterate=False)
        self.candles[ticker] = await self._candles(ticker)
        self.bump()

    def known(self, ticker: str) -> bool:
        return ticker in self.scanner.states or ticker in self._followed

    async def _candles(self, ticker: str) -> list[list[int]]:
        """[end ms, YES price in ticks] of the last hours' one-minute candles, oldest first."""
        end = datetime.now(UTC)
        try:
            candles = await self.client.markets.candlesticks(
                ticker, start_ts=end - timedelta(hours=_CHART_HOURS), end_ts=end,
                period_interval=1,
            )  # fmt: skip
        except KalshiError as error:  # the chart starts empty; the live trades still draw it
            _log.warning("no candles for %s: %s", ticker, error)
            return []
        return [[point.end_period_ts * 1000, int(close * 10_000)]
                for point, close in carried_closes(price_points(candles))]  # fmt: skip

    def _on_trade(self, msg: Any) -> None:
        kept = self.trades.get(msg.market_ticker)
        price, count = msg.yes_price_dollars, msg.count_fp
        if kept is None or price is None or count is None:
            return
        taker = msg.taker_outcome_side or msg.taker_side or ""
        ts_ms = msg.ts_ms if msg.ts_ms is not None else int(time.time() * 1000)
        kept.append(TradeRow(ts_ms, cached_dollars_to_ticks(price), cached_fp_to_centi(count),
                             taker))  # fmt: skip
        self.bump()

    # --- the account --------------------------------------------------------------------------

    async def _seed_orders(self) -> None:
        async for order in self.client.orders.list(status="resting"):
            resting = _resting_of(order)
            if resting is not None:
                self.resting[order.order_id] = resting
        self.bump()

    def _on_order(self, msg: Any) -> None:
        """A ``user_orders`` update: kept while resting with contracts left, dropped after."""
        way = views.direction(msg.book_side, msg.outcome_side, msg.is_yes)
        resting = None
        if msg.status == "resting":
            resting = _resting(msg.order_id, msg.ticker, way, msg.yes_price_dollars,
                               msg.remaining_count_fp)  # fmt: skip
        if resting is None:
            self.resting.pop(msg.order_id, None)
        else:
            self.resting[msg.order_id] = resting
        self.bump()

    def _pnl_changed(self, _msg: object) -> None:
        self._pnl_due.set()

    async def _pnl_loop(self) -> None:
        """The P&L rebuilt from REST at the start and after each fill or position change."""
        sync_client = KalshiClient(config=self.config)
        try:
            while True:
                try:
                    self.pnl = await asyncio.to_thread(_rebuild, sync_client)
                    await self._follow_held()
                    self.bump()
                except KalshiError as error:  # the last figures stay; the next change retries
                    _log.warning("the P&L could not be read: %s", error)
                except Exception:  # nothing the exchange sends may stop the P&L for good
                    _log.exception("the P&L could not be rebuilt")
                await self._pnl_due.wait()
                self._pnl_due.clear()
                await asyncio.sleep(_PNL_EVERY_S)
        finally:
            sync_client.close()

    async def _follow_held(self) -> None:
        """Books of the markets held, so the marks move with them."""
        if self.pnl is None:
            return
        held = [
            t for t, ledger in self.pnl.markets.items()
            if ledger.position.size and not ledger.settled and t not in self.ws.books
        ]  # fmt: skip
        if held:
            books = await self.ws.orderbooks(held)
            for book in books.values():
                book.on_update(lambda _: self.bump())

    # --- what a page shows --------------------------------------------------------------------

    def page(
        self, ticker: str | None, kind: str, window: str = "1h", top: int = 12
    ) -> dict[str, Any]:
        """Everything one page shows: the ranking of ``kind``, the market ``ticker`` (if any),
        the account's orders and P&L."""
        state = self.scanner.states.get(ticker) if ticker else None
        book = self.ws.books.get(ticker) if ticker else None
        resting = list(self.resting.values())
        market = None
        if ticker is not None:
            market = {
                "ticker": ticker, "title": views.title_of(state),
                "ladder": views.ladder(book, resting),
                "trades": views.trades(self.trades.get(ticker, ())),
                "chart": self._chart(ticker),
                "orders": views.orders(resting, ticker),
            }  # fmt: skip
        states = self.scanner.states
        ranked = views.ranking(self.scanner.top(kind, top, window=window), states)
        return {
            "version": self.version, "banner": views.banner(self.config), "kind": kind,
            "ranked": bool(ranked), "ranking": ranked or views.listing(states, top),
            "markets": len(self.scanner.states), "connected": self.ws.connected,
            "market": market, "orders": views.orders(resting),
            "portfolio": views.portfolio(self.pnl, self.ws.books) if self.private else None,
        }  # fmt: skip

    def _chart(self, ticker: str) -> list[list[int]]:
        points = list(self.candles.get(ticker, ()))
        points += [[row.ts_ms, row.yes_ticks] for row in self.trades.get(ticker, ())]
        return points


def _rebuild(client: KalshiClient) -> PnlBook:
    return build_book(fetch_inputs(client, None, datetime.now(UTC)))


def _resting_of(order: Order) -> Resting | None:
    legacy_yes = None
    if order.side in ("yes", "no") and order.action in ("buy", "sell"):
        legacy_yes = (order.side == "yes") == (order.action == "buy")  # buy YES or sell NO: a bid
    way = views.direction(order.book_side, order.outcome_side, legacy_yes)
    return _resting(order.order_id, order.ticker, way, order.yes_price_dollars,
                    order.remaining_count_fp)  # fmt: skip


def _resting(
    order_id: str, ticker: str, way: tuple[str, str] | None, yes_price: str | None,
    remaining: str | None,
) -> Resting | None:  # fmt: skip
    """An order as the page shows it; None when it has nothing left or its wire says too
    little (no direction, no price)."""
    if way is None or not yes_price or not remaining:
        return None
    left = cached_fp_to_centi(remaining)
    if not left:
        return None
    return Resting(order_id, ticker, *way, cached_dollars_to_ticks(yes_price), left)
