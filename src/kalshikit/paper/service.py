"""The paper exchange's state behind its server: one ``PaperEngine``, its SQLite store, the feed
that follows the source's markets, and the private-stream listeners. No HTTP here.

Every account is named by the API key id that calls (the server's job); an account is opened
with ``starting_cash_micro`` the first time its key is seen. Writes are saved to the store
before their answer leaves; events (fills, order updates, positions) are saved and handed to
the listeners as the engine produces them, from requests and from the feed alike.

Everything runs on the server's one event loop, so engine calls never interleave.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from kalshikit.config import APIConfig
from kalshikit.errors import ValidationError
from kalshikit.fees import FeeSchedule
from kalshikit.http.orders_core import OrderSpec
from kalshikit.models.requests import CreateOrderV2Request
from kalshikit.paper.engine import PaperEngine
from kalshikit.paper.store import PaperStore
from kalshikit.paper.wire import PaperEvent

if TYPE_CHECKING:
    from kalshikit.ws.client import KalshiWebSocket

__all__ = ["DEFAULT_CASH_MICRO", "EventListener", "PaperService", "account_row", "spec_of"]

DEFAULT_CASH_MICRO: Final = 10_000_000_000  # $10,000, as the sandbox's default user
_SNAPSHOT_WAIT_S: Final = 5.0
_log = logging.getLogger(__name__)

EventListener = Callable[[list[PaperEvent]], None]


class MonotonicClock:
    """Wall-clock nanoseconds that never go back (the engine refuses time going back)."""

    def __init__(self, clock: Callable[[], int] = time.time_ns) -> None:
        self._clock, self._last = clock, 0

    def __call__(self) -> int:
        self._last = max(self._last, self._clock())
        return self._last


def spec_of(req: CreateOrderV2Request) -> OrderSpec:
    """The V2 wire order (book side, YES price) as the intent the engine takes: a bid buys YES
    at the price, an ask sells YES at it (the same order on the book)."""
    if req.side not in ("bid", "ask"):
        raise ValidationError(
            f"side must be 'bid' or 'ask' (the YES book's side); got {req.side!r}"
        )
    if req.subaccount not in (None, 0):
        raise ValidationError("paper accounts have no subaccounts: leave subaccount unset or 0")
    return OrderSpec(
        req.ticker, side="yes", action="buy" if req.side == "bid" else "sell", count=req.count,
        price_dollars=req.price, time_in_force=req.time_in_force,  # type: ignore[arg-type]
        post_only=req.post_only, reduce_only=req.reduce_only, expiration=req.expiration_time,
        self_trade_prevention=req.self_trade_prevention_type,  # type: ignore[arg-type]
        order_group_id=req.order_group_id, cancel_order_on_pause=req.cancel_order_on_pause,
        client_order_id=req.client_order_id,
    )  # fmt: skip


def account_row(engine: PaperEngine, name: str) -> dict[str, Any]:
    """One account's summary (money in micro-dollars): what `kalshi paper accounts` lists."""
    return {
        "account": name, "cash_micro": engine.cash_micro(name),
        "held_micro": engine.held_micro(name),
        "positions": len(engine.position_sizes(name)), "resting": len(engine.resting_orders(name)),
        "fills": len(engine._account(name).fills),
    }  # fmt: skip


@dataclass
class _Upstream:
    ws: KalshiWebSocket
    feed: Any  # kalshikit.paper.feed.PaperFeed (another module's, imported when first needed)


class PaperService:
    """The engine, the store and the feed of one paper server."""

    def __init__(
        self,
        store: PaperStore,
        source: APIConfig,
        *,
        starting_cash_micro: int = DEFAULT_CASH_MICRO,
        clock: Callable[[], int] = time.time_ns,
    ) -> None:
        # each market's schedule as the source states it (server_rest learns it before the
        # market's first order); the engine asks when it first charges there
        self.fee_schedules: dict[str, FeeSchedule] = {}
        self.engine = PaperEngine(fees=self.fee_of)
        self.store = store
        self.source = source
        self.starting_cash_micro = starting_cash_micro
        self.clock = MonotonicClock(clock)
        self.listeners: list[EventListener] = []
        self._upstream: _Upstream | None = None
        self._followed: set[str] = set()
        self._lock = asyncio.Lock()
        store.load_into(self.engine)

    def fee_of(self, ticker: str) -> FeeSchedule:
        """The source's schedule of ``ticker``; the engine's default until it is known."""
        return self.fee_schedules.get(ticker) or FeeSchedule.for_series("quadratic", 1)

    # --- accounts -------------------------------------------------------------------------

    def account(self, key_id: str) -> str:
        """The account of ``key_id``, opened (and saved) the first time it is seen."""
        if key_id not in self.engine._accounts:
            self.engine.open_account(key_id, cash_micro=self.starting_cash_micro)
            self.store.save(self.engine, [key_id])
        return key_id

    def account_names(self) -> list[str]:
        return sorted(self.engine._accounts)

    def reset(self, name: str | None) -> int:
        """Forget one account (or all): it starts afresh with the starting cash when next seen."""
        names = self.account_names() if name is None else [name]
        gone = [n for n in names if self.engine._accounts.pop(n, None) is not None]
        self.store.save(self.engine, gone)
        return len(gone)

    def resting_tickers(self) -> set[str]:
        engine = self.engine
        return {o.ticker for name in self.account_names() for o in engine.resting_orders(name)}

    # --- writes ---------------------------------------------------------------------------

    def write(self, account: str, call: Callable[[int], Any]) -> Any:
        """Run one engine write at the clock's now; save the account and what the events
        touched; hand the events to the listeners. A refusal changes nothing."""
        answer = call(self.clock())
        self.publish({account})
        return answer

    def publish(self, touched: set[str] | None = None) -> None:
        events = self.engine.drain()
        names = set(touched or ()) | {account for _, account, _ in events}
        if names:
            self.store.save(self.engine, names)
        if events:
            self._tell(events)

    def _tell(self, events: list[PaperEvent]) -> None:
        for listener in tuple(self.listeners):
            try:
                listener(events)
            except Exception:  # a listener (a closed socket) must not stop the engine
                _log.exception("a paper event listener failed")

    # --- the feed -------------------------------------------------------------------------

    async def follow(self, tickers: Iterable[str]) -> None:
        """Feed the engine the source's books and trades of ``tickers`` (once each); returns
        when each has its first snapshot, so an order placed next trades on the live depth."""
        async with self._lock:
            new = sorted(set(tickers) - self._followed)
            if not new:
                return
            upstream = await self._connect()
            await upstream.feed.follow(new)
            self._followed.update(new)
            await self._until_snapshots(upstream.ws, new)

    async def upstream(self) -> KalshiWebSocket:
        """The one stream to the source (connected on first use): the feed's, and the one the
        clients' public channels are relayed from."""
        async with self._lock:
            return (await self._connect()).ws

    async def _connect(self) -> _Upstream:
        if self._upstream is None:
            from kalshikit.paper.feed import PaperFeed
            from kalshikit.ws.client import KalshiWebSocket

            ws = KalshiWebSocket(config=self.source)
            await ws.connect()
            feed = PaperFeed([self.engine], ws, clock=self.clock, on_events=self._on_feed_events)
            self._upstream = _Upstream(ws, feed)
        return self._upstream

    def _on_feed_events(self, events: list[PaperEvent]) -> None:
        names = {account for _, account, _ in events}
        self.store.save(self.engine, names)
        self._tell(events)

    @staticmethod
    async def _until_snapshots(ws: KalshiWebSocket, tickers: list[str]) -> None:
        deadline = time.monotonic() + _SNAPSHOT_WAIT_S
        while time.monotonic() < deadline:
            books = ws.books
            if all(t in books and books[t].trusted for t in tickers):
                await asyncio.sleep(0)  # the feed's callback for that frame runs first
                return
            await asyncio.sleep(0.01)
        _log.warning("no snapshot yet for %s; paper orders there rest on an empty book", tickers)

    async def close(self) -> None:
        if self._upstream is not None:
            await self._upstream.ws.close()
            self._upstream = None
        self.store.close()
