"""The reads behind ``/historical/*``: the cutoff, archived markets and their candlesticks,
public trades, and each user's fills, orders and positions. No I/O here.

Filters and pages follow the official SDK 3.34 (``historical_api``): markets filter by tickers,
event, series (mutually exclusive) and ``mve_filter``, in the order they were archived; trades,
fills and orders are newest first with ``min_ts``/``max_ts`` (unix seconds, inclusive; orders by
creation time, as on ``GET /portfolio/orders``); positions page in the order they were handed
over. Candles have their own shape (``HistoricalCandlestick``: unsuffixed dollar strings) and are
built from the history the market held when it stopped trading.
"""

from __future__ import annotations

from collections.abc import Sequence

from kalshikit.models import (
    BidAskOhlc,
    Candlestick,
    EventPosition,
    Fill,
    HistoricalBidAskOhlc,
    HistoricalCandlestick,
    HistoricalCutoff,
    HistoricalPriceOhlc,
    Market,
    MarketPosition,
    Order,
    Trade,
)
from kalshikit.sandbox.exchange.accounts import Position
from kalshikit.sandbox.exchange.candles import candlesticks
from kalshikit.sandbox.exchange.core import ExchangeCore
from kalshikit.sandbox.exchange.errors import bad_request, not_found
from kalshikit.sandbox.exchange.lifecycle import MarketState
from kalshikit.sandbox.exchange.listing import Listing
from kalshikit.sandbox.exchange.orders import FillRecord, OrderRecord, TradeRecord
from kalshikit.sandbox.exchange.pages import check_limit, in_order, newest_first
from kalshikit.sandbox.exchange.render import (
    datetime_of,
    millis_of,
    render_event_position,
    render_fill,
    render_market,
    render_order,
    render_position,
    render_trade,
)

__all__ = ["HistoryMixin", "historical_candle"]


def _in_range(value: int, low: int | None, high: int | None) -> bool:
    return (low is None or value >= low) and (high is None or value <= high)


def _bid_ask(ohlc: BidAskOhlc) -> HistoricalBidAskOhlc:
    return HistoricalBidAskOhlc(
        open=ohlc.open_dollars, low=ohlc.low_dollars, high=ohlc.high_dollars,
        close=ohlc.close_dollars,
    )  # fmt: skip


def historical_candle(candle: Candlestick) -> HistoricalCandlestick:
    """A live candle in the archive's shape: the same numbers under unsuffixed keys."""
    price = candle.price
    return HistoricalCandlestick(
        end_period_ts=candle.end_period_ts,
        yes_bid=_bid_ask(candle.yes_bid),
        yes_ask=_bid_ask(candle.yes_ask),
        price=HistoricalPriceOhlc(
            open=price.open_dollars,
            low=price.low_dollars,
            high=price.high_dollars,
            close=price.close_dollars,
            mean=price.mean_dollars,
            previous=price.previous_dollars,
        ),
        volume=candle.volume_fp or "0.00",
        open_interest=candle.open_interest_fp or "0.00",
    )


class HistoryMixin(ExchangeCore):
    """The archive's reads (the sweep in ``_core`` fills it)."""

    def historical_cutoff(self) -> HistoricalCutoff:
        """The line the last sweep drew; before the first, the oldest market's creation (all
        the sandbox's data is live then)."""
        oldest = min((millis_of(m.created_time) for m in self.catalog.markets), default=0)
        line = datetime_of(max(oldest, self._archive.cutoff_ms or oldest))
        return HistoricalCutoff(
            market_settled_ts=line, trades_created_ts=line, orders_updated_ts=line,
            market_positions_last_updated_ts=line,
        )  # fmt: skip

    def is_archived(self, ticker: str) -> bool:
        """Whether the market moved behind ``/historical`` (live reads answer 404 for it)."""
        return ticker in self._archive.market_set

    def _archived_state(self, ticker: str) -> MarketState:
        if ticker not in self._archive.market_set:
            raise not_found(
                "market_not_found",
                f"no archived market {ticker!r}: markets move to /historical after they settle "
                "and the cutoff passes them (GET /historical/cutoff)",
            )
        return self._markets[ticker]

    def historical_markets(
        self, *, tickers: Sequence[str] | None = None, event_ticker: str | None = None,
        series_ticker: str | None = None, mve_filter: str | None = None, limit: int = 100,
        cursor: str | None = None,
    ) -> tuple[list[Market], str]:  # fmt: skip
        """A page of archived markets, in the order they were archived."""
        check_limit(limit, 1000)
        given = [n for n, v in (("tickers", tickers), ("event_ticker", event_ticker),
                                ("series_ticker", series_ticker)) if v]  # fmt: skip
        if len(given) > 1:
            raise bad_request(
                "invalid_parameters", f"{' and '.join(given)} are mutually exclusive: give one"
            )
        if mve_filter not in (None, "only", "exclude"):
            raise bad_request("invalid_parameters", "mve_filter must be 'only' or 'exclude'")
        wanted = set(tickers) if tickers else None

        def keep(ticker: str) -> bool:
            state = self._markets[ticker]
            market = state.market
            is_combo = market.mve_collection_ticker is not None
            series = state.series.ticker if state.series else None
            return (
                (wanted is None or ticker in wanted)
                and (event_ticker is None or market.event_ticker == event_ticker)
                and (series_ticker is None or series == series_ticker)
                and (mve_filter is None or is_combo == (mve_filter == "only"))
            )

        page, next_cursor = in_order(self._archive.markets, "hmarkets", cursor, limit, keep)
        now = self._clock()
        return [render_market(self._markets[t], now, 0) for t in page], next_cursor

    def historical_market(self, ticker: str) -> Market:
        return render_market(self._archived_state(ticker), self._clock(), 0)

    def historical_candlesticks(
        self, ticker: str, *, start_ts: int, end_ts: int, period_minutes: int
    ) -> list[HistoricalCandlestick]:
        state = self._archived_state(ticker)
        live = candlesticks(state, start_ts, end_ts, period_minutes, False)
        return [historical_candle(c) for c in live]

    def historical_trades(
        self, *, ticker: str | None = None, min_ts: int | None = None,
        max_ts: int | None = None, is_block_trade: bool | None = None, limit: int = 100,
        cursor: str | None = None,
    ) -> tuple[list[Trade], str]:  # fmt: skip
        """Archived public trades, newest first (the sandbox makes no block trades)."""
        check_limit(limit, 1000)

        def keep(trade: TradeRecord) -> bool:
            return (
                not is_block_trade
                and (ticker is None or trade.ticker == ticker)
                and _in_range(trade.ts_ms // 1000, min_ts, max_ts)
            )

        page, next_cursor = newest_first(self._archive.trades, "htrades", cursor, limit, keep)
        return [render_trade(t) for t in page], next_cursor

    def historical_fills(
        self, user: str, *, ticker: str | None = None, min_ts: int | None = None,
        max_ts: int | None = None, limit: int = 100, cursor: str | None = None,
    ) -> tuple[list[Fill], str]:  # fmt: skip
        """The user's archived fills, newest first."""
        self._account(user)
        check_limit(limit, 1000)
        fills = self._archive.fills.get(user) or Listing[FillRecord]()

        def keep(fill: FillRecord) -> bool:
            return (ticker is None or fill.ticker == ticker) and _in_range(
                fill.ts_ms // 1000, min_ts, max_ts
            )

        page, next_cursor = newest_first(fills, "hfills", cursor, limit, keep)
        return [render_fill(f, self._exchange_index(f.ticker)) for f in page], next_cursor

    def historical_orders(
        self, user: str, *, ticker: str | None = None, min_ts: int | None = None,
        max_ts: int | None = None, limit: int = 100, cursor: str | None = None,
    ) -> tuple[list[Order], str]:  # fmt: skip
        """The user's archived (canceled or executed) orders, newest first."""
        self._account(user)
        check_limit(limit, 1000)
        orders = self._archive.orders.get(user) or Listing[OrderRecord]()

        def keep(order: OrderRecord) -> bool:
            return (ticker is None or order.ticker == ticker) and _in_range(
                order.created_ms // 1000, min_ts, max_ts
            )

        page, next_cursor = newest_first(orders, "horders", cursor, limit, keep)
        return [render_order(o, self._exchange_index(o.ticker)) for o in page], next_cursor

    def historical_positions(
        self, user: str, *, ticker: str | None = None, event_ticker: str | None = None,
        limit: int = 100, cursor: str | None = None,
    ) -> tuple[list[MarketPosition], list[EventPosition], str]:  # fmt: skip
        """The user's settled positions handed over to the archive, and their events' totals."""
        self._account(user)
        check_limit(limit, 1000)
        held = self._archive.positions.get(user) or Listing[Position]()

        def keep(position: Position) -> bool:
            return (ticker is None or position.ticker == ticker) and (
                event_ticker is None or position.event_ticker == event_ticker
            )

        page, next_cursor = in_order(held, "hpositions", cursor, limit, keep)
        events = list(dict.fromkeys(p.event_ticker for p in page))
        event_positions = [
            render_event_position(e, [p for p in held if p.event_ticker == e and keep(p)])
            for e in events
        ]
        rendered = [render_position(p, self._exchange_index(p.ticker)) for p in page]
        return rendered, event_positions, next_cursor
