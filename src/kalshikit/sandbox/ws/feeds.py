"""The sandbox's WebSocket fan-out: which exchange event becomes which frame for whom.

No sockets here (``ws_api`` moves the bytes). The exchange calls :meth:`FeedHub.on_event`
synchronously inside its write path, so that method only finds the subscribers (indexed by
channel, market and user), builds each message once, numbers the sequenced frames and appends
them to the subscribers' bounded queues; encoding happens later in each connection's writer.
Commands come from ``_ws_session`` and the connection registry from ``_ws_registry``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Final, TypeVar

from kalshikit.models import Event
from kalshikit.sandbox.catalog import INDEX_FEEDS
from kalshikit.sandbox.exchange import (
    ApiKeyDeleted,
    BookChanged,
    CommsUpdated,
    EventFeeChanged,
    EventListed,
    ExchangeError,
    ExchangeEvent,
    FillRecorded,
    IndexTick,
    LifecycleKind,
    MarketLifecycle,
    MarketTermsChanged,
    OrderGroupUpdated,
    OrderUpdated,
    PositionChanged,
    TickerChanged,
    TradeExecuted,
    TradingStatusChanged,
    owner_of,
)
from kalshikit.sandbox.ws.commands import Msg
from kalshikit.sandbox.ws.comms_frames import comms_messages
from kalshikit.sandbox.ws.frames import (
    delta_msg,
    event_lifecycle_msg,
    fee_update_msg,
    fill_msg,
    group_msg,
    lifecycle_msg,
    market_terms_msg,
    order_msg,
    position_msg,
    ticker_msg,
    trade_msg,
)
from kalshikit.sandbox.ws.registry import (
    DEFAULT_QUEUE_LIMIT,
    Close,
    Connection,
    FeedSource,
    Outbound,
    Subscription,
)
from kalshikit.sandbox.ws.session import SessionMixin

__all__ = ["DEFAULT_QUEUE_LIMIT", "Close", "Connection", "FeedHub", "FeedSource", "Outbound"]

T = TypeVar("T")
_LIFECYCLE: Final = "market_lifecycle_v2"
_MVE: Final = "multivariate_market_lifecycle"
# Kalshi's multivariate collections are KXMVE... series (kept off market_lifecycle_v2 since
# 2026-02-12): a ticker the exchange cannot find is told by its prefix
_MVE_PREFIX: Final = "KXMVE"


def _combo_event(event: Event) -> bool:
    if any(m.mve_collection_ticker is not None for m in event.markets or ()):
        return True
    return event.series_ticker.startswith(_MVE_PREFIX)


class FeedHub(SessionMixin):
    """All WebSocket connections of one app, fed from the exchange's events.

    ``FeedHub(exchange, clock=clock)``; register :meth:`on_event` as an exchange listener.
    """

    def __init__(
        self,
        source: FeedSource,
        *,
        clock: Callable[[], int],
        queue_limit: int = DEFAULT_QUEUE_LIMIT,
    ) -> None:
        super().__init__(source, clock=clock, queue_limit=queue_limit)
        self._handlers: dict[type, Callable[[Any], None]] = {
            BookChanged: self._on_book, TradeExecuted: self._on_trade,
            TickerChanged: self._on_ticker, FillRecorded: self._on_fill,
            OrderUpdated: self._on_order, PositionChanged: self._on_position,
            OrderGroupUpdated: self._on_group, MarketLifecycle: self._on_lifecycle,
            EventListed: self._on_event_listed, TradingStatusChanged: self._on_trading,
            IndexTick: self._on_index, EventFeeChanged: self._on_fees,
            MarketTermsChanged: self._on_terms, ApiKeyDeleted: self._on_key_deleted,
            CommsUpdated: self._on_comms,
        }  # fmt: skip
        self._feeds = {feed.series_ticker: feed for feed in INDEX_FEEDS}

    # --- exchange events (synchronous, inside the exchange's write path) -----------------------

    def on_event(self, event: ExchangeEvent) -> None:
        handler = self._handlers.get(type(event))
        if handler is not None:
            handler(event)

    def _on_book(self, event: BookChanged) -> None:
        # at most four shapes per change: YES-leg or NO-leg prices, with or without the owner's id
        shapes: dict[tuple[bool, bool], Msg] = {}
        for sub in self._index.market("orderbook_delta", event.ticker):
            own = sub.conn.user_id == event.user_id and bool(event.client_order_id)
            key = (sub.yes_prices, own)
            msg = shapes.get(key)
            if msg is None:
                msg = shapes[key] = delta_msg(event, use_yes_price=sub.yes_prices, own=own)
            self._publish(sub, "orderbook_delta", msg)

    def _on_trade(self, event: TradeExecuted) -> None:
        self._fan(self._index.market("trade", event.trade.ticker), "trade", trade_msg, event)

    def _on_ticker(self, event: TickerChanged) -> None:
        self._tickers[event.ticker] = event
        self._fan(self._index.market("ticker", event.ticker), "ticker", ticker_msg, event)

    def _on_fill(self, event: FillRecorded) -> None:
        subs = self._index.user("fill", owner_of(event.user_id), event.fill.market_ticker)
        self._fan(subs, "fill", fill_msg, event)

    def _on_order(self, event: OrderUpdated) -> None:
        subs = self._index.user("user_orders", event.order.user_id, event.order.ticker)
        self._fan(subs, "user_order", order_msg, event)

    def _on_position(self, event: PositionChanged) -> None:
        subs = self._index.user("market_positions", owner_of(event.user_id), event.position.ticker)
        self._fan(subs, "market_position", position_msg, event)

    def _on_group(self, event: OrderGroupUpdated) -> None:
        subs = self._index.user("order_group_updates", owner_of(event.user_id), None)
        self._fan(subs, "order_group_updates", group_msg, event)

    def _on_comms(self, event: CommsUpdated) -> None:
        """RFQ events to every ``communications`` subscriber, quote events to their parties."""
        for user_id, msg in comms_messages(event):
            subs = (
                self._index.everyone("communications")
                if user_id is None
                else self._index.user("communications", user_id, None)
            )
            for sub in subs:
                if user_id is None and sub.own_only and sub.conn.user_id != event.owner:
                    continue  # user_filter "self": another user's RFQ
                self._publish(sub, event.kind, msg)

    def _fan(
        self, subs: Iterator[Subscription], kind: str, build: Callable[[T], Msg], event: T
    ) -> None:
        msg: Msg | None = None
        for sub in subs:
            msg = build(event) if msg is None else msg
            self._publish(sub, kind, msg)

    # --- lifecycle: combos (multivariate) on their own channel, as Kalshi splits them -------

    def _on_lifecycle(self, event: MarketLifecycle) -> None:
        if event.kind in ("determined", "settled"):
            self._tickers.pop(event.ticker, None)  # settlement zeroes open interest silently
        channel = _MVE if self._is_combo(event.ticker) else _LIFECYCLE
        subs = list(self._index.market(channel, ""))
        if not subs:
            return
        market = self._source.market(event.ticker) if event.kind == "created" else None
        self._announce(subs, channel, lifecycle_msg(event, market, channel == _MVE))

    def _on_terms(self, event: MarketTermsChanged) -> None:
        """A market's new grid or metadata, on its lifecycle channel."""
        channel = _MVE if self._is_combo(event.ticker) else _LIFECYCLE
        self._fan(self._index.market(channel, ""), channel, market_terms_msg, event)

    def _on_key_deleted(self, event: ApiKeyDeleted) -> None:
        self.revoke(event.key_id)

    def _on_event_listed(self, event: EventListed) -> None:
        """A new event reads as ``event_lifecycle`` on its lifecycle channel."""
        channel = _MVE if _combo_event(event.event) else _LIFECYCLE
        self._fan(self._index.market(channel, ""), "event_lifecycle", event_lifecycle_msg, event)

    def _on_fees(self, event: EventFeeChanged) -> None:
        """A fee override set or cleared: ``event_fee_update``, on the lifecycle channel only
        (the spec gives the multivariate channel no such message)."""
        subs = self._index.market(_LIFECYCLE, "")
        self._fan(subs, "event_fee_update", fee_update_msg, event)

    def _on_trading(self, event: TradingStatusChanged) -> None:
        """An exchange-wide pause reads, per open market, as the lifecycle pause flag."""
        kind: LifecycleKind = "activated" if event.trading_active else "deactivated"
        for channel in (_LIFECYCLE, _MVE):
            subs = list(self._index.market(channel, ""))
            if not subs:
                continue
            for ticker in self._open_tickers():
                if self._is_combo(ticker) == (channel == _MVE):
                    msg = lifecycle_msg(MarketLifecycle(ticker, kind, event.ts_ms), None)
                    self._announce(subs, channel, msg)

    def _announce(self, subs: list[Subscription], channel: str, msg: Msg | None) -> None:
        if msg is None:  # the sandbox-only "closed" kind has no frame
            return
        for sub in subs:
            self._publish(sub, channel, msg)

    def _is_combo(self, ticker: str) -> bool:
        known = self._combos.get(ticker)
        if known is None:
            try:
                market = self._source.market(ticker)
            except ExchangeError:
                return ticker.startswith(_MVE_PREFIX)
            known = self._combos[ticker] = market.mve_collection_ticker is not None
        return known

    # --- reference prices ---------------------------------------------------------------------

    def _on_index(self, event: IndexTick) -> None:
        """One index tick: ``cfbenchmarks_value`` under its CF Benchmarks id, ``pyth_value``
        under its Pyth ticker (the history is kept with or without subscribers)."""
        feed = self._feeds.get(event.series_ticker)
        if feed is None:
            return
        cf = self._indexes.cf_msg(feed.cf_index_id, event.ts_ms, event.value)
        pyth = self._indexes.pyth_msg(feed.pyth_ticker, event.ts_ms, event.value)
        for channel, name, msg in (
            ("cfbenchmarks_value", feed.cf_index_id, cf),
            ("pyth_value", feed.pyth_ticker, pyth),
        ):
            if msg is not None:
                for sub in self._index.market(channel, ""):
                    if sub.wants(name):
                        self._publish(sub, channel, msg)

    def _open_tickers(self) -> Iterator[str]:
        cursor: str | None = None
        while cursor != "":
            page, cursor = self._source.markets(status="open", limit=1000, cursor=cursor)
            yield from (market.ticker for market in page)
