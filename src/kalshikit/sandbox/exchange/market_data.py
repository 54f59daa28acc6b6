"""Public market data: exchange status and schedule, markets, books, trades, candles, events,
series. No I/O here; every answer is a ``kalshikit.models`` struct in the current shape.

Filters and page sizes follow kalshi-rest.md 2.1 and 5.1: ``status`` is the query vocabulary
(unopened/open/closed/settled), created/close/settled time filters only combine with the statuses
they make sense for, ``GET /events`` leaves multivariate (combo) events out.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Final

import msgspec

from kalshikit.models import (
    Candlestick,
    DailySchedule,
    Event,
    ExchangeIndexStatus,
    ExchangeStatus,
    Market,
    OrderbookFp,
    Schedule,
    Series,
    Trade,
    WeeklySchedule,
)
from kalshikit.sandbox.exchange.candles import candlesticks
from kalshikit.sandbox.exchange.core import ExchangeCore
from kalshikit.sandbox.exchange.errors import bad_request, not_found
from kalshikit.sandbox.exchange.lifecycle import FILTER_STATUSES, MarketState
from kalshikit.sandbox.exchange.orders import TradeRecord
from kalshikit.sandbox.exchange.pages import check_limit, in_order, newest_first
from kalshikit.sandbox.exchange.render import (
    millis_of,
    render_market,
    render_orderbook,
    render_trade,
)
from kalshikit.units import TICKS_PER_DOLLAR

__all__ = ["MarketDataMixin"]

_ALL_DAY: Final = [DailySchedule(open_time="00:00", close_time="00:00")]
_FOREVER: Final = (datetime(2024, 12, 1, tzinfo=UTC), datetime(2200, 12, 1, tzinfo=UTC))
# which time filters may go with which status filter (kalshi-rest.md 2.1)
_TIME_FILTERS: Final = {
    "created": (None, "unopened", "open"),
    "close": (None, "closed"),
    "settled": (None, "settled"),
}


def _in_range(value: int | None, low: int | None, high: int | None) -> bool:
    if low is None and high is None:
        return True
    if value is None:
        return False
    return (low is None or value >= low) and (high is None or value <= high)


def _statuses(status: str | None) -> frozenset[str] | None:
    if status is None:
        return None
    found = FILTER_STATUSES.get(status)
    if found is None:
        known = ", ".join(FILTER_STATUSES)
        raise bad_request("invalid_parameters", f"status must be one of {known}, got {status!r}")
    return found


def _check_time_filters(status: str | None, **bounds: int | None) -> None:
    for name, allowed in _TIME_FILTERS.items():
        used = bounds[f"min_{name}"] is not None or bounds[f"max_{name}"] is not None
        if used and status not in allowed:
            raise bad_request(
                "invalid_parameters",
                f"min/max_{name}_ts cannot be combined with status={status}",
            )


class MarketDataMixin(ExchangeCore):
    """The public, unauthenticated reads."""

    def exchange_status(self) -> ExchangeStatus:
        active = self._trading_active
        shards = [
            ExchangeIndexStatus(
                exchange_index=index, description=name, exchange_active=True,
                trading_active=active, intra_exchange_transfers_active=True,
            )
            for index, name in ((0, "event_contract"), (1, "event_contract_combos"))
        ]  # fmt: skip
        return ExchangeStatus(
            exchange_active=True, trading_active=active, intra_exchange_transfers_active=True,
            exchange_index_statuses=shards,
        )  # fmt: skip

    def schedule(self) -> Schedule:
        """Open around the clock, no maintenance: the sandbox never closes."""
        days = {day: _ALL_DAY for day in ("monday", "tuesday", "wednesday", "thursday")}
        days |= {day: _ALL_DAY for day in ("friday", "saturday", "sunday")}
        week = WeeklySchedule(start_time=_FOREVER[0], end_time=_FOREVER[1], **days)
        return Schedule(standard_hours=[week], maintenance_windows=[])

    # (``historical_cutoff`` and the archive's reads are ``history``'s)

    # ------------------------------------------------------------------ markets

    def markets(
        self, *, status: str | None = None, series_ticker: str | None = None,
        event_ticker: str | None = None, tickers: Sequence[str] | None = None,
        mve_filter: str | None = None, min_close_ts: int | None = None,
        max_close_ts: int | None = None, min_created_ts: int | None = None,
        max_created_ts: int | None = None, min_settled_ts: int | None = None,
        max_settled_ts: int | None = None, limit: int = 100, cursor: str | None = None,
    ) -> tuple[list[Market], str]:  # fmt: skip
        """A page of markets in catalog order, and the next cursor ("" on the last page)."""
        check_limit(limit, 1000)
        statuses = _statuses(status)
        _check_time_filters(
            status, min_created=min_created_ts, max_created=max_created_ts,
            min_close=min_close_ts, max_close=max_close_ts,
            min_settled=min_settled_ts, max_settled=max_settled_ts,
        )  # fmt: skip
        if mve_filter not in (None, "only", "exclude"):
            raise bad_request("invalid_parameters", "mve_filter must be 'only' or 'exclude'")
        wanted = set(tickers) if tickers else None

        def keep(market: Market) -> bool:
            state = self._markets[market.ticker]
            is_combo = market.mve_collection_ticker is not None
            settled = None if state.settled_ms is None else state.settled_ms // 1000
            return (
                (statuses is None or state.status in statuses)
                and (series_ticker is None or self._series_ticker(state) == series_ticker)
                and (event_ticker is None or market.event_ticker == event_ticker)
                and (wanted is None or market.ticker in wanted)
                and (mve_filter is None or is_combo == (mve_filter == "only"))
                and _in_range(state.close_ms // 1000, min_close_ts, max_close_ts)
                and _in_range(
                    millis_of(market.created_time) // 1000, min_created_ts, max_created_ts
                )
                and _in_range(settled, min_settled_ts, max_settled_ts)
                and market.ticker not in self._archive.market_set
            )

        page, next_cursor = in_order(self.catalog.markets, "markets", cursor, limit, keep)
        now = self._clock()
        return [self._render_market(self._markets[m.ticker], now) for m in page], next_cursor

    def _render_market(self, state: MarketState, now_ms: int) -> Market:
        return render_market(state, now_ms, self._resting_value(state.ticker))

    def _resting_value(self, ticker: str) -> int:
        """What the resting orders would pay if all filled (micro-dollars): YES bids their price,
        YES asks (NO bids) 1 minus it. Our reading of the deprecated ``liquidity_dollars``."""
        if not self.engine.has_market(ticker):
            return 0
        bids = sum(p * s for p, s in self.engine.levels(ticker, "bid"))
        asks = sum((TICKS_PER_DOLLAR - p) * s for p, s in self.engine.levels(ticker, "ask"))
        return bids + asks

    @staticmethod
    def _series_ticker(state: MarketState) -> str | None:
        return state.series.ticker if state.series else None

    def market(self, ticker: str) -> Market:
        return self._render_market(self._market_state(ticker), self._clock())

    def live_market(self, ticker: str) -> Market:
        """``GET /markets/{ticker}``: a market moved behind /historical answers 404 here
        (``market`` still reads it, for the simulator and the stream)."""
        return self._render_market(self._live_market(ticker), self._clock())

    def orderbook(self, ticker: str, depth: int = 0) -> OrderbookFp:
        """YES bids and NO bids (YES asks at 1 - p), each ascending by its own price."""
        self._market_state(ticker)
        if isinstance(depth, bool) or not isinstance(depth, int) or not 0 <= depth <= 100:
            raise bad_request("invalid_parameters", f"depth must be 0 (all) to 100, got {depth!r}")
        if not self.engine.has_market(ticker):
            return OrderbookFp(yes_dollars=[], no_dollars=[])
        bids, asks = self.engine.levels(ticker, "bid"), self.engine.levels(ticker, "ask")
        return render_orderbook(bids, asks, depth)

    def trades(
        self, *, ticker: str | None = None, min_ts: int | None = None,
        max_ts: int | None = None, limit: int = 100, cursor: str | None = None,
    ) -> tuple[list[Trade], str]:  # fmt: skip
        """Public trades, newest first."""
        check_limit(limit, 1000)

        def keep(trade: TradeRecord) -> bool:
            return (ticker is None or trade.ticker == ticker) and _in_range(
                trade.ts_ms // 1000, min_ts, max_ts
            )

        page, next_cursor = newest_first(self._trades, "trades", cursor, limit, keep)
        return [render_trade(t) for t in page], next_cursor

    def candlesticks(
        self, ticker: str, *, start_ts: int, end_ts: int, period_minutes: int,
        include_latest_before_start: bool = False,
    ) -> list[Candlestick]:  # fmt: skip
        state = self._live_market(ticker)
        return candlesticks(state, start_ts, end_ts, period_minutes, include_latest_before_start)

    # ------------------------------------------------------------------ events and series

    def _event_status(self, event_ticker: str) -> str:
        """An event's status in the filter vocabulary, from its markets' statuses."""
        markets = self.catalog.markets_of_event(event_ticker)
        statuses = {self._markets[m.ticker].status for m in markets}
        if "active" in statuses:
            return "open"
        for name in ("unopened", "settled"):
            if statuses and statuses <= FILTER_STATUSES[name]:
                return name
        return "closed"

    def _nested(self, event: Event, with_markets: bool) -> tuple[Event, list[Market]]:
        now = self._clock()
        markets = [
            self._render_market(self._markets[m.ticker], now)
            for m in self.catalog.markets_of_event(event.event_ticker)
            if m.ticker not in self._archive.market_set  # archived: only under /historical
        ]
        shown = msgspec.structs.replace(event, markets=markets) if with_markets else event
        return shown, markets

    def events(
        self, *, status: str | None = None, series_ticker: str | None = None,
        with_nested_markets: bool = False, min_close_ts: int | None = None, limit: int = 200,
        cursor: str | None = None,
    ) -> tuple[list[Event], str]:  # fmt: skip
        """Events in catalog order (combo events left out, as on the real API)."""
        check_limit(limit, 200)
        _statuses(status)

        def keep(event: Event) -> bool:
            markets = self.catalog.markets_of_event(event.event_ticker)
            closes = [self._markets[m.ticker].close_ms // 1000 for m in markets]
            return (
                not any(m.mve_collection_ticker for m in markets)
                and (series_ticker is None or event.series_ticker == series_ticker)
                and (status is None or self._event_status(event.event_ticker) == status)
                and (min_close_ts is None or any(c >= min_close_ts for c in closes))
            )

        page, next_cursor = in_order(self.catalog.events, "events", cursor, limit, keep)
        return [self._nested(e, with_nested_markets)[0] for e in page], next_cursor

    def event(
        self, event_ticker: str, *, with_nested_markets: bool = False
    ) -> tuple[Event, list[Market]]:
        """The event (with ``markets`` inside when asked) and its markets."""
        event = self.catalog.event(event_ticker)
        if event is None:
            raise not_found("event_not_found", f"no event with ticker {event_ticker!r}")
        return self._nested(event, with_nested_markets)

    def series_list(self, *, category: str | None = None, tags: str | None = None) -> list[Series]:
        """All series (not paginated); ``category`` matches any of a series' categories,
        ``tags`` (comma-separated) any of its tags."""
        wanted_tags = {t.strip() for t in tags.split(",") if t.strip()} if tags else None
        return [
            s
            for s in self.catalog.series
            if (category is None or category == s.category or category in s.categories)
            and (wanted_tags is None or bool(wanted_tags & set(s.tags or ())))
        ]

    def series(self, series_ticker: str) -> Series:
        for found in self.catalog.series:
            if found.ticker == series_ticker:
                return found
        raise not_found("series_not_found", f"no series with ticker {series_ticker!r}")
