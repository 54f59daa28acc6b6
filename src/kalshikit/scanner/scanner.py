"""MarketScanner: rankings seeded once by REST, then kept current by the WebSocket stream.

Every ticker, trade, lifecycle message and book change re-scores the one market it touches (and,
for arbitrage, its event) in :class:`~kalshikit.scanner.rankings.Rankings`, so
:meth:`MarketScanner.top` reads the first entries of a ranking kept in order, not a scan. What
the clock alone changes (a movers window sliding, a close coming nearer) is re-scored when it
comes due, market by market, at every query and once a second (see the rankings module).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, Final, Self

from kalshikit.config import APIConfig
from kalshikit.errors import KalshiError, ValidationError
from kalshikit.http.client import AsyncKalshiClient
from kalshikit.orderbook import OrderBook
from kalshikit.scanner import rules
from kalshikit.scanner._seed import Progress, ScanFilter, SeedReport, seed_states
from kalshikit.scanner.rankings import WINDOWS, Rankings
from kalshikit.scanner.state import MarketState
from kalshikit.units import cached_dollars_to_ticks, cached_fp_to_centi, fp_to_centi
from kalshikit.ws import KalshiWebSocket

__all__ = ["KINDS", "WINDOWS", "MarketScanner"]

_log = logging.getLogger("kalshikit.scanner")
KINDS: Final = ("movers", "close-races", "spreads", "volume", "expiring", "arbitrage", "new")
_REFRESH_S: Final = 1.0
UpdateCallback = Callable[["MarketScanner"], None]


def _ticks(text: str | None) -> int | None:
    return None if text is None else cached_dollars_to_ticks(text)


def _centi(text: str | None) -> int | None:
    return None if text is None else cached_fp_to_centi(text)


def _total(text: str | None) -> int | None:
    """A running total (volume, open interest): parsed, never memoized, since it rarely
    repeats and would fill the stream's shared memo, crowding out the sizes that do."""
    return None if text is None else fp_to_centi(text)


class MarketScanner:
    """Live rankings of the markets a filter selects.

    ``async with MarketScanner(env="demo", series="KXHIGHNY") as scanner:`` seeds by REST
    (paged, ``progress(what, count)`` per page), subscribes to tickers, trades, lifecycle and
    the order books of up to ``books`` candidate markets, then ``scanner.top("movers", 10)``.
    Pass ``client`` and ``ws`` to share connections you already hold. ``freeze_gc=True`` moves
    everything alive after the seed out of the garbage collector's reach (``gc.freeze``),
    which keeps message-to-ranking latency flat on large scans.
    """

    def __init__(
        self,
        env: str | None = None,
        *,
        config: APIConfig | None = None,
        client: AsyncKalshiClient | None = None,
        ws: KalshiWebSocket | None = None,
        series: str | None = None,
        category: str | None = None,
        event: str | None = None,
        status: str = "open",
        books: int = 200,
        candle_markets: int = 500,
        progress: Progress | None = None,
        clock: Callable[[], float] = time.time,
        freeze_gc: bool = False,
    ) -> None:
        self.filter = ScanFilter(series=series, category=category, event=event, status=status)
        self._config = config or (client.config if client else None) or APIConfig.resolve(env)
        self._owns = client is None, ws is None
        self.client = client or AsyncKalshiClient(config=self._config)
        self.ws = ws or KalshiWebSocket(config=self._config)
        self._books_wanted, self._candle_markets, self._progress = books, candle_markets, progress
        self._clock, self._freeze_gc = clock, freeze_gc
        self._rankings = Rankings()
        self.report = SeedReport()
        self.created: dict[str, int] = {}  # tickers announced by lifecycle `created`, and when
        self._callbacks: list[UpdateCallback] = []
        self._refresher: asyncio.Task[None] | None = None
        self.messages = 0
        self.first_ranking_s: float | None = None

    # --- life ---------------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def start(self) -> None:
        """Seed by REST, rank once, then follow the stream."""
        started = time.monotonic()
        states, self.report = await seed_states(
            self.client, self.filter, candle_markets=self._candle_markets, progress=self._progress
        )
        self._rankings.load(states.values(), self._now_ms())
        self.first_ranking_s = time.monotonic() - started
        if self._freeze_gc:
            # tens of thousands of long-lived states make every full collection pause the
            # stream for tens of ms; frozen, the collector no longer walks them (process-wide,
            # so it is the application's choice: the CLI makes it)
            gc.collect()
            gc.freeze()
        if self._owns[1]:
            await self.ws.connect()
        await self._subscribe()
        self._refresher = asyncio.create_task(self._refresh(), name="kalshikit-scanner")

    async def close(self) -> None:
        if self._refresher is not None:
            self._refresher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._refresher
        if self._owns[1]:
            await self.ws.close()
        if self._owns[0]:
            await self.client.aclose()

    # --- queries ------------------------------------------------------------------------------

    @property
    def states(self) -> dict[str, MarketState]:
        """The markets scanned, by ticker."""
        return self._rankings.states

    def top(self, kind: str, n: int = 10, *, window: str = "1h") -> list[rules.Signal]:
        """The ``n`` best signals of ``kind`` now (one of :data:`KINDS`)."""
        return self._rankings.top(_key(kind, window), n, self._now_ms())

    def on_update(self, callback: UpdateCallback) -> Callable[[], None]:
        """Call ``callback(scanner)`` after every change to the rankings."""
        self._callbacks.append(callback)
        return lambda: self._callbacks.remove(callback)

    # --- the stream ---------------------------------------------------------------------------

    async def _subscribe(self) -> None:
        tickers = None if self._unfiltered() else sorted(self.states)
        await self.ws.ticker(tickers, on_message=self._on_ticker, iterate=False)
        await self.ws.trades(tickers, on_message=self._on_trade, iterate=False)
        await self.ws.lifecycle(on_message=self._on_lifecycle, iterate=False)
        candidates = self._book_candidates()
        if candidates:
            books = await self.ws.orderbooks(candidates)
            for ticker, book in books.items():
                self.states[ticker].attach_book(book)
                book.on_update(self._on_book)

    def _unfiltered(self) -> bool:
        scan = self.filter
        return scan.series is None and scan.category is None and scan.event is None

    def _book_candidates(self) -> list[str]:
        """Markets whose depth matters most: mutually exclusive events first (arbitrage needs
        every leg's book), then the busiest markets."""
        exclusive = [s for s in self.states.values() if s.mutually_exclusive]
        busiest = sorted(self.states.values(), key=lambda s: s.volume or 0, reverse=True)
        chosen: dict[str, None] = {}
        for state in [*exclusive, *busiest]:
            if len(chosen) >= self._books_wanted:
                break
            chosen[state.ticker] = None
        return list(chosen)

    def _on_ticker(self, msg: Any) -> None:
        state = self.states.get(msg.market_ticker)
        if state is None:
            return
        state.on_ticker(
            self._now_ms(), _ticks(msg.yes_bid_dollars), _ticks(msg.yes_ask_dollars),
            _centi(msg.yes_bid_size_fp), _centi(msg.yes_ask_size_fp),
            _ticks(msg.price_dollars), _total(msg.volume_fp), _total(msg.open_interest_fp),
        )  # fmt: skip
        self._touched(state)

    def _on_trade(self, msg: Any) -> None:
        state = self.states.get(msg.market_ticker)
        price, count = _ticks(msg.yes_price_dollars), _centi(msg.count_fp)
        if state is None or price is None or count is None:
            return
        state.on_trade(self._now_ms(), price, count)
        self._touched(state)

    def _on_book(self, book: OrderBook) -> None:
        state = self.states.get(book.ticker)
        if state is not None:
            self._touched(state)

    def _on_lifecycle(self, msg: Any) -> None:
        kind = getattr(msg, "event_type", None)
        if kind == "created":
            self.created[msg.market_ticker] = now_ms = self._now_ms()
            self._rankings.announce(msg.market_ticker, now_ms)
            asyncio.get_running_loop().create_task(self._add_market(msg.market_ticker))
            return
        state = self.states.get(getattr(msg, "market_ticker", ""))
        if state is None:
            return
        if kind in ("determined", "settled") or getattr(msg, "is_deactivated", False):
            state.status = "determined" if kind == "determined" else "closed"
        elif kind == "activated":
            state.status = "active"
        self._touched(state)

    async def _add_market(self, ticker: str) -> None:
        try:
            market = await self.client.markets.get(ticker)
        except KalshiError as error:
            _log.info("new market %s could not be read: %s", ticker, error)
            return
        state = MarketState.from_market(market)
        self.messages += 1
        self._rankings.add(state, self._now_ms())
        self._notify()
        if not self._unfiltered():
            with contextlib.suppress(KalshiError):
                await self.ws.update_subscription("ticker", add=[ticker])

    # --- scoring ------------------------------------------------------------------------------

    def _touched(self, state: MarketState) -> None:
        self.messages += 1
        self._rankings.update(state, self._now_ms())
        self._notify()

    def _notify(self) -> None:
        for callback in tuple(self._callbacks):
            callback(self)

    async def _refresh(self) -> None:
        while True:
            await asyncio.sleep(_REFRESH_S)
            # what time alone changed (queries do this too): callbacks see a current ranking
            self._rankings.advance(self._now_ms())
            self._notify()

    def _now_ms(self) -> int:
        return int(self._clock() * 1000)


def _key(kind: str, window: str) -> str:
    if kind not in KINDS:
        raise ValidationError(f"unknown scan {kind!r}; one of {', '.join(KINDS)}")
    if kind != "movers":
        return kind
    if window not in WINDOWS:
        raise ValidationError(f"unknown window {window!r}; one of {', '.join(WINDOWS)}")
    return f"movers:{window}"
