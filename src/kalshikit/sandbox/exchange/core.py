"""The exchange's state and the one place it changes: applying matching-engine events.

No I/O here, no wall clock (``clock`` is injected and read once per command), no global RNG (ids
come from one ``random.Random(seed)``). Every write command runs as: read the clock and bring
markets and expiries up to date (``_begin``), check everything and raise ``ExchangeError`` before
touching anything, pass its commit point (``_commit_point``: where a store's write-ahead hook
records it), call the engine, apply its events (``_apply``: fills move cash, positions and
fees; rests and cancels index or drop orders), then ``_finish``: trip order groups over their
limit, re-balance collateral of every (user, market) touched, refresh quotes, tell listeners.
Time also moves old records off the live reads into the archive (``_sweep``; the rule in
``_retention``, the historical tier in ``archive``).

The write methods themselves live in ``_trading`` and ``_exchange_admin``; reads in
``_market_data`` and ``_portfolio``; ``exchange.Exchange`` puts them together.
"""

from __future__ import annotations

import functools
import heapq
import random
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import attrgetter

from kalshikit.fees import FeeSchedule
from kalshikit.models import Market
from kalshikit.sandbox import engine as eng
from kalshikit.sandbox.catalog import Catalog
from kalshikit.sandbox.exchange.accounts import Account, ApiKey
from kalshikit.sandbox.exchange.archive import Archive, take_older
from kalshikit.sandbox.exchange.errors import ExchangeError, bad_request, not_found
from kalshikit.sandbox.exchange.events import (
    BookChanged,
    ExchangeEvent,
    FillRecorded,
    IndexTick,
    MarketLifecycle,
    OrderGroupUpdated,
    OrderUpdated,
    PositionChanged,
    TickerChanged,
    TradeExecuted,
)
from kalshikit.sandbox.exchange.lifecycle import DAY_MS, TRADEABLE, MarketState, Schedule
from kalshikit.sandbox.exchange.listing import Listing
from kalshikit.sandbox.exchange.orders import FillRecord, OrderGroupState, OrderRecord, TradeRecord
from kalshikit.sandbox.exchange.render import (
    millis_of,
    render_fill,
    render_order,
    render_position,
    render_trade,
)
from kalshikit.sandbox.exchange.retention import Retention, drop_old_orders
from kalshikit.units import TICKS_PER_DOLLAR, PriceGrid

__all__ = ["Batch", "ExchangeCore"]

Listener = Callable[[ExchangeEvent], None]

# engine cancel reasons -> the reason an OrderUpdated reports
_CANCEL_REASONS = {"user": "canceled", "decrease": "decreased"}
# what a state image leaves out: the catalog's parts (rebuilt from its seed), the wiring to the
# outside, and the retention rule (a setting the store keeps); markets go in as their changes
_NOT_STATE = frozenset(
    {
        "catalog", "_catalog_owned", "_clock", "_listeners", "_quote_watchers", "_write_ahead",
        "_retention", "_markets",
        "_live_board",  # live data is a derived feed the simulator publishes again (live.py)
    }
)  # fmt: skip
_stamp = attrgetter("ts_ms")


@functools.lru_cache(maxsize=64)
def _fees(fee_type: str, multiplier: float) -> FeeSchedule:
    return FeeSchedule.for_series(fee_type, multiplier)


def _grid(market: Market) -> PriceGrid:
    # thousands of markets share a few grids: parse each distinct one once
    key = (
        tuple((r.start, r.end, r.step) for r in market.price_ranges),
        market.price_level_structure,
    )
    grid = _GRIDS.get(key)
    if grid is None:
        grid = _GRIDS[key] = market.grid
    return grid


_GRIDS: dict[tuple[tuple[tuple[str, str, str], ...], str], PriceGrid] = {}


@dataclass(slots=True)
class Batch:
    """What one command touched, so ``_finish`` re-balances and reports each thing once."""

    now: int
    pairs: dict[tuple[str, str], None] = field(default_factory=dict)
    positions: dict[tuple[str, str], None] = field(default_factory=dict)
    orders: dict[str, tuple[OrderRecord, str]] = field(default_factory=dict)
    dirty: dict[str, OrderRecord] = field(default_factory=dict)
    markets: dict[str, bool] = field(default_factory=dict)
    groups_hit: dict[str, OrderGroupState] = field(default_factory=dict)

    def touch(self, order: OrderRecord, reason: str | None) -> None:
        """Note a changed order (``reason`` None keeps the reason already noted)."""
        if reason is None:
            self.orders.setdefault(order.order_id, (order, "created"))
        else:
            self.orders[order.order_id] = (order, reason)
        self.dirty[order.order_id] = order
        self.pairs[(order.user_id, order.ticker)] = None


class ExchangeCore:
    """State and event application shared by the exchange's write and read halves."""

    catalog: Catalog
    engine: eng.MatchingEngine

    def __init__(
        self,
        catalog: Catalog,
        *,
        clock: Callable[[], int],
        seed: int = 0,
        retention: Retention | None = None,
    ) -> None:
        self.catalog = catalog
        self.engine = eng.MatchingEngine()
        self._clock = clock
        self._retention = retention or Retention()
        self._sweep_at: int | None = None  # set by the first command that made history
        self._write_ahead: Callable[[], None] | None = None
        self._rng = random.Random(seed)
        self._listeners: list[Listener] = []
        self._quote_watchers: list[Callable[[str], None]] = []
        # (series, time, reference) of each event listed since the catalog was built, in order:
        # a snapshot keeps these, and a restore drafts the same events again from them
        self._listings: list[tuple[str, int, float | None]] = []
        # event -> (fee type, multiplier) set since the catalog was built (``feeterms``)
        self._fee_overrides: dict[str, tuple[str | None, float | None]] = {}
        self._catalog_owned = False  # listing copies the catalog first: others may share it
        self._accounts: dict[str, Account] = {}
        self._keys: dict[str, ApiKey] = {}
        self._orders: dict[str, OrderRecord] = {}
        self._markets: dict[str, MarketState] = {}
        self._schedule = Schedule()
        self._expiries: list[tuple[int, str]] = []
        self._trades: Listing[TradeRecord] = Listing()
        self._archive = Archive()  # what the sweep moved behind /historical
        self._trading_active = True
        self._deposited = 0
        self._fees_collected = 0
        self._paid_out = 0
        for market in catalog.markets:
            self._add_market(market)

    # ------------------------------------------------------------------ plumbing

    def add_listener(self, listener: Listener) -> None:
        """Call ``listener`` synchronously, in order, for every state change from now on."""
        self._listeners.append(listener)

    def watch_quotes(self, watcher: Callable[[str], None]) -> None:
        """Call ``watcher(ticker)`` whenever a market's best bid or ask (or their size) changes,
        synchronously at the end of the command. Much cheaper than a listener: nothing is
        rendered for it."""
        self._quote_watchers.append(watcher)

    def _emit(self, event: ExchangeEvent) -> None:
        for listener in self._listeners:
            listener(event)

    def publish(self, tick: IndexTick) -> None:
        """Hand a reference-index tick to the listeners: it changes no state, so it is no
        write (nothing to journal); the simulator sends it from its latent path."""
        if self._listeners:
            self._emit(tick)

    @contextmanager
    def write_ahead(self, record: Callable[[], None]) -> Iterator[None]:
        """Call ``record`` at the commit point of the command run inside the block: after all
        its checks passed, before its first change. A store appends the command there, so it
        is logged before it is applied; if ``record`` raises, nothing has changed."""
        self._write_ahead = record
        try:
            yield
        finally:
            self._write_ahead = None

    def _commit_point(self) -> None:
        """Every check passed: from here on the command changes state (and is not refused)."""
        record, self._write_ahead = self._write_ahead, None
        if record is not None:
            record()

    def state_image(self) -> dict[str, object]:
        """All the state, without the catalog's parts: what a snapshot keeps. The objects are
        the live ones, so encode it before the next command."""
        image = {k: v for k, v in vars(self).items() if k not in _NOT_STATE}
        image["_markets"] = {t: s.changing_fields() for t, s in self._markets.items()}
        return image

    def load_state_image(self, image: Mapping[str, object]) -> None:
        """Take over a decoded ``state_image`` (on an exchange just built from the same
        catalog, seed and retention)."""
        state = dict(image)
        markets = state.pop("_markets")
        assert isinstance(markets, dict)
        for ticker, values in markets.items():
            self._markets[ticker].restore_fields(values)
        vars(self).update(state)

    def _new_id(self) -> str:
        """A fresh uuid4-formatted id from the seeded RNG (so a replay hands out the same).
        Only drawn after a command's commit point: a refused command, which the replay never
        sees, must not consume one."""
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def _account(self, user_id: str) -> Account:
        account = self._accounts.get(user_id)
        if account is None:
            raise not_found("user_not_found", f"no sandbox user {user_id!r}")
        return account

    def _market_state(self, ticker: str) -> MarketState:
        state = self._markets.get(ticker)
        if state is None:
            raise not_found("market_not_found", f"no market with ticker {ticker!r}")
        return state

    def _live_market(self, ticker: str) -> MarketState:
        """A market as the live reads see it: an archived one is only under /historical."""
        if ticker in self._archive.market_set:
            raise not_found(
                "market_not_found",
                f"market {ticker!r} settled before the historical cutoff: read it with "
                f"GET /historical/markets/{ticker}",
            )
        return self._market_state(ticker)

    def _check_tradeable(self, state: MarketState) -> None:
        if not self._trading_active:
            raise ExchangeError(
                503, "exchange_unavailable", "trading is paused on the exchange; try again later"
            )
        if state.status != TRADEABLE:
            raise bad_request(
                "market_closed",
                f"market {state.ticker} is {state.status}, not active: it takes no orders",
            )

    def _exchange_index(self, ticker: str) -> int:
        return self._markets[ticker].market.exchange_index or 0

    def _add_market(self, market: Market) -> None:
        series = self.catalog.series_of(market.ticker)
        fee_type, multiplier = self.catalog.fee_terms(market)
        state = MarketState(
            market, series, _grid(market), _fees(fee_type, multiplier),
            market.status, millis_of(market.open_time), millis_of(market.close_time),
        )  # fmt: skip
        self._markets[market.ticker] = state
        if market.status in ("initialized", TRADEABLE):
            self.engine.add_market(market.ticker)
            if market.status == "initialized":
                self._schedule.push(state.open_ms, market.ticker, "open")
            self._schedule.push(state.close_ms, market.ticker, "close")

    # ------------------------------------------------------------------ commands

    def _begin(self) -> Batch:
        """Start a write: read the clock once and apply whatever the time made due."""
        now = self._clock()
        self._advance(now)
        return Batch(now)

    def _register(self, order: OrderRecord, account: Account, batch: Batch) -> None:
        self._orders[order.order_id] = order
        account.orders.append(order)
        account.order_index[order.order_id] = order
        batch.touch(order, "created")

    def _apply(self, events: list[eng.Event], batch: Batch) -> None:
        for event in events:
            kind = type(event)
            if kind is eng.Fill:
                self._on_fill(event, batch)  # type: ignore[arg-type]
            elif kind is eng.BookChanged:
                self._on_book(event, batch)  # type: ignore[arg-type]
            elif kind is eng.Rested:
                self._on_rested(event, batch)  # type: ignore[arg-type]
            elif kind is eng.Canceled:
                self._on_canceled(event, batch)  # type: ignore[arg-type]
            elif kind is eng.Amended:
                self._on_amended(event)  # type: ignore[arg-type]

    def _on_book(self, event: eng.BookChanged, batch: Batch) -> None:
        batch.markets.setdefault(event.ticker, False)
        if self._listeners:
            self._emit(
                BookChanged(
                    event.ticker, event.side, event.price, event.size_delta, event.new_size,
                    event.owner, event.client_order_id, batch.now,
                )
            )  # fmt: skip

    def _on_rested(self, event: eng.Rested, batch: Batch) -> None:
        order = self._orders[event.order_id]
        order.remaining = event.remaining
        order.status = "resting"
        order.updated_ms = batch.now
        account = self._accounts[order.user_id]
        account.add_resting(order)
        group = account.groups.get(order.order_group_id or "")
        if group is not None:
            group.members[order.order_id] = None
        if order.expiration_ms is not None:
            heapq.heappush(self._expiries, (order.expiration_ms, order.order_id))
        batch.touch(order, None)

    def _on_canceled(self, event: eng.Canceled, batch: Batch) -> None:
        order = self._orders[event.order_id]
        order.remaining = event.remaining
        order.updated_ms = batch.now
        if event.remaining == 0:
            order.status = "canceled"
            self._unrest(order)
        batch.touch(order, _CANCEL_REASONS.get(event.reason, event.reason))

    def _on_amended(self, event: eng.Amended) -> None:
        order = self._orders[event.order_id]
        order.price = event.new_price
        order.remaining = event.new_remaining

    def _unrest(self, order: OrderRecord) -> None:
        account = self._accounts[order.user_id]
        account.drop_resting(order)
        group = account.groups.get(order.order_group_id or "")
        if group is not None:
            group.members.pop(order.order_id, None)

    # ------------------------------------------------------------------ fills

    def _on_fill(self, event: eng.Fill, batch: Batch) -> None:
        state = self._markets[event.ticker]
        trade = TradeRecord(
            self._new_id(), event.ticker, event.price, event.size, event.taker_side, batch.now
        )
        self._trades.append(trade)
        state.record_trade(trade)
        batch.markets[event.ticker] = True
        if self._listeners:
            self._emit(TradeExecuted(render_trade(trade), batch.now))
        maker = self._orders[event.maker_order_id]
        taker = self._orders[event.taker_order_id]
        self._fill_side(maker, event, event.maker_remaining, False, trade.trade_id, batch)
        self._fill_side(taker, event, event.taker_remaining, True, trade.trade_id, batch)

    def _fill_side(
        self, order: OrderRecord, event: eng.Fill, remaining: int, is_taker: bool,
        trade_id: str, batch: Batch,
    ) -> None:  # fmt: skip
        """Move cash, position and fees of one side of a fill; record its Fill."""
        state, account, now = self._markets[order.ticker], self._accounts[order.user_id], batch.now
        position = account.position(order.ticker, order.event_ticker)
        before = position.size
        cash = position.apply_fill(order.side, event.price, event.size, now)
        state.open_interest += max(position.size, 0) - max(before, 0)
        coefficient = state.fees.taker if is_taker else state.fees.maker
        fee = order.charge_fee(coefficient, event.size, event.price, is_taker)
        order.add_fill_cost(event.size, event.price, is_taker)
        order.remaining, order.updated_ms = remaining, now
        position.fees += fee
        account.add_cash(self._exchange_index(order.ticker), cash - fee)
        self._fees_collected += fee
        fill = FillRecord(
            trade_id, order.order_id, order.user_id, order.ticker, order.side, event.price,
            event.size, is_taker, fee, now,
        )  # fmt: skip
        account.fills.append(fill)
        self._after_fill(order, account, fill, batch)
        if self._listeners:
            rendered = render_fill(fill, state.market.exchange_index)
            self._emit(
                FillRecorded(order.user_id, rendered, order.client_order_id, position.size, now)
            )

    def _after_fill(
        self, order: OrderRecord, account: Account, fill: FillRecord, batch: Batch
    ) -> None:
        batch.positions[(order.user_id, order.ticker)] = None
        batch.touch(order, "trade")
        if order.remaining == 0:
            order.status = "executed"
            self._unrest(order)
        group = account.groups.get(order.order_group_id or "")
        if group is not None and group.record_match(fill.size, batch.now):
            batch.groups_hit[group.group_id] = group

    # ------------------------------------------------------------------ finishing a command

    def _finish(self, batch: Batch) -> None:
        while batch.groups_hit:
            _, group = batch.groups_hit.popitem()
            self._trip_group(group, batch)
            self._emit_group(group, "triggered", batch.now)
        self._settle_collateral(batch)
        for ticker, traded in batch.markets.items():
            self._refresh_market(self._markets[ticker], traded, batch.now)
        if self._listeners:
            self._report(batch)
        if self._sweep_at is None:
            self._sweep_at = batch.now + self._retention.every_ms

    def _trip_group(self, group: OrderGroupState, batch: Batch) -> None:
        """Cancel the group's resting orders and refuse new ones until it is reset."""
        group.blocked = True
        for order_id in list(group.members):
            self._apply(self.engine.cancel(order_id, reason="group"), batch)

    def _emit_group(self, group: OrderGroupState, kind: str, now: int) -> None:
        if self._listeners:
            self._emit(
                OrderGroupUpdated(group.user_id, group.group_id, kind, group.limit, now)  # type: ignore[arg-type]
            )

    def _settle_collateral(self, batch: Batch) -> None:
        """Re-cost changed orders, then hold exactly what each touched (user, market) needs."""
        for order in batch.dirty.values():
            maker = self._markets[order.ticker].fees.maker
            self._accounts[order.user_id].recost(order, maker)
        batch.dirty.clear()
        for user_id, ticker in batch.pairs:
            self._rebalance(self._accounts[user_id], ticker, batch.now)
        batch.pairs.clear()

    def _rebalance(self, account: Account, ticker: str, now: int) -> None:
        need = account.collateral_need(ticker)
        held = account.held.get(ticker, 0)
        if need != held:
            account.add_cash(self._exchange_index(ticker), held - need)
            if need:
                account.held[ticker] = need
            else:
                del account.held[ticker]
        account.updated_ms = now

    def _top(self, ticker: str, side: eng.BookSide) -> tuple[int, int]:
        if not self.engine.has_market(ticker):
            return (0, 0)
        levels = self.engine.levels(ticker, side)
        return levels[0] if levels else (0, 0)

    def _refresh_market(self, state: MarketState, traded: bool, now: int) -> None:
        ticker = state.ticker
        changed = state.set_quotes(now, self._top(ticker, "bid"), self._top(ticker, "ask"))
        state.mark_interest(now)
        if changed:
            for watcher in self._quote_watchers:
                watcher(ticker)
        if self._listeners and (changed or traded):
            self._emit(
                TickerChanged(
                    ticker, state.last_price, state.best_bid, state.best_ask, state.bid_size,
                    state.ask_size, state.last_trade_size, state.volume, state.open_interest,
                    state.dollar_volume, state.open_interest * TICKS_PER_DOLLAR, now,
                )
            )  # fmt: skip

    def _report(self, batch: Batch) -> None:
        for order, reason in batch.orders.values():
            index = self._exchange_index(order.ticker)
            self._emit(OrderUpdated(render_order(order, index), reason, batch.now))
        for user_id, ticker in batch.positions:
            position = self._accounts[user_id].positions[ticker]
            rendered = render_position(position, self._exchange_index(ticker))
            self._emit(PositionChanged(user_id, rendered, position.volume, batch.now))

    # ------------------------------------------------------------------ time

    def advance_due(self) -> bool:
        """Whether ``advance`` would change anything now (a market to open or close, an expiry)."""
        return self._due(self._clock())

    def _due(self, now: int) -> bool:
        return (
            self._schedule.due(now)
            or bool(self._expiries and self._expiries[0][0] <= now)
            or (self._sweep_at is not None and now >= self._sweep_at)
        )

    def _advance(self, now: int) -> None:
        if not self._due(now):
            return
        batch = Batch(now)
        for ticker, kind in self._schedule.pop_due(now):
            state = self._markets[ticker]
            if kind == "open" and state.status == "initialized":
                state.status = TRADEABLE
                self._lifecycle(state, "activated", now, is_deactivated=False)
            elif kind == "close" and state.status in ("initialized", TRADEABLE):
                self._close_market(state, batch)
        self._expire_orders(batch)
        if self._sweep_at is not None and now >= self._sweep_at:
            self._sweep(now)
            self._sweep_at = now + self._retention.every_ms
        self._finish(batch)

    def _sweep(self, now: int) -> None:
        """Move what fell out of the live window to the archive (the rule is ``_retention``'s,
        what the archive keeps ``archive``'s)."""
        keep, cutoff = self._retention.per_user, now - self._retention.window_ms
        archive = self._archive
        archive.add_trades(take_older(self._trades, cutoff, _stamp, 0))
        forgotten: list[str] = []
        for user_id, account in self._accounts.items():
            archive.add_fills(user_id, take_older(account.fills, cutoff, _stamp, keep))
            old_orders = drop_old_orders(account.orders, cutoff, keep)
            for order in old_orders:
                del self._orders[order.order_id], account.order_index[order.order_id]
                forgotten.append(order.order_id)
            archive.add_orders(user_id, old_orders)
        self.engine.forget(forgotten)
        for state in self._markets.values():
            # a market that stopped trading keeps its candle history for the archive
            trading = state.status in ("initialized", TRADEABLE)
            state.forget_before(cutoff if trading else -1, now - DAY_MS)
        archive.take_markets(
            self._markets.values(),
            cutoff,
            lambda event: (m.ticker for m in self.catalog.markets_of_event(event)),
            self._accounts,
        )
        archive.cutoff_ms = cutoff
        # entries of orders that are gone would otherwise wait for their expiration time
        self._expiries = [e for e in self._expiries if self._expiry_pending(*e)]
        heapq.heapify(self._expiries)

    def _expiry_pending(self, expiration_ms: int, order_id: str) -> bool:
        order = self._orders.get(order_id)
        return (
            order is not None and order.status == "resting" and order.expiration_ms == expiration_ms
        )

    def _expire_orders(self, batch: Batch) -> None:
        expiries = self._expiries
        while expiries and expiries[0][0] <= batch.now:
            expiration_ms, order_id = heapq.heappop(expiries)
            order = self._orders.get(order_id)
            if order and order.status == "resting" and order.expiration_ms == expiration_ms:
                self._apply(self.engine.cancel(order_id, reason="expired"), batch)

    def _close_market(self, state: MarketState, batch: Batch) -> None:
        """Stop trading: cancel every resting order (collateral comes back) and drop the book."""
        state.status = "closed"
        self._apply(self.engine.remove_market(state.ticker), batch)
        batch.markets.setdefault(state.ticker, False)
        self._lifecycle(state, "closed", batch.now)

    def _lifecycle(self, state: MarketState, kind: str, now: int, **fields: object) -> None:
        if self._listeners:
            self._emit(MarketLifecycle(state.ticker, kind, now, **fields))  # type: ignore[arg-type]
