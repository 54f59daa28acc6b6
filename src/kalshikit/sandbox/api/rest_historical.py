"""The REST handlers of ``/historical/*`` (but the cutoff, which ``rest`` serves): a mixin of
``RestHandlers``, one method per ``ENDPOINTS`` name (``historical.markets`` ->
``historical_markets``), each ``Ctx -> wire payload``.

Query parameters are those of the official SDK 3.34's ``historical_api``; page sizes default to
100 with the maxima from ``ENDPOINTS``. ``subaccount`` (0-63) is accepted where the SDK takes it:
sandbox users trade on subaccount 0 only, so another number finds nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kalshikit.endpoints import ENDPOINTS
from kalshikit.sandbox.api._handler_kit import HandlerCtx, candle_window
from kalshikit.sandbox.gateway import Query, WithNulls

if TYPE_CHECKING:
    from kalshikit.sandbox.exchange import Exchange

__all__ = ["HistoricalHandlers"]


def _limit(q: Query, name: str) -> int:
    return q.limit(100, ENDPOINTS[name].max_limit)


def _other_subaccount(q: Query) -> bool:
    """True when a subaccount other than the primary (0) is asked for: nothing is there."""
    return bool(q.integer("subaccount", 0, 63))


class HistoricalHandlers:
    """The archive's handlers; ``RestHandlers`` supplies ``ex``."""

    ex: Exchange

    def historical_markets(self, c: HandlerCtx) -> object:
        q = c.query
        markets, cursor = self.ex.historical_markets(
            tickers=q.csv("tickers", 1000),
            event_ticker=q.text("event_ticker"),
            series_ticker=q.text("series_ticker"),
            mve_filter=q.choice("mve_filter", ("only", "exclude")),
            limit=_limit(q, "historical.markets"),
            cursor=q.text("cursor"),
        )
        return {"markets": markets, "cursor": cursor}

    def historical_market(self, c: HandlerCtx) -> object:
        return {"market": self.ex.historical_market(c.path["ticker"])}

    def historical_candlesticks(self, c: HandlerCtx) -> object:
        ticker = c.path["ticker"]
        start, end, period = candle_window(c.query)
        candles = self.ex.historical_candlesticks(
            ticker, start_ts=start, end_ts=end, period_minutes=period
        )
        # the SDK requires every price key, null in a period without trades
        return WithNulls({"ticker": ticker, "candlesticks": candles})

    def historical_trades(self, c: HandlerCtx) -> object:
        q = c.query
        trades, cursor = self.ex.historical_trades(
            ticker=q.text("ticker"),
            min_ts=q.integer("min_ts", 0),
            max_ts=q.integer("max_ts", 0),
            is_block_trade=q.boolean("is_block_trade"),
            limit=_limit(q, "historical.trades"),
            cursor=q.text("cursor"),
        )
        return {"trades": trades, "cursor": cursor}

    def historical_fills(self, c: HandlerCtx) -> object:
        q = c.query
        other = _other_subaccount(q)
        fills, cursor = self.ex.historical_fills(
            c.user,
            ticker=q.text("ticker"),
            min_ts=q.integer("min_ts", 0),
            max_ts=q.integer("max_ts", 0),
            limit=_limit(q, "historical.fills"),
            cursor=q.text("cursor"),
        )
        return {"fills": [] if other else fills, "cursor": "" if other else cursor}

    def historical_orders(self, c: HandlerCtx) -> object:
        q = c.query
        other = _other_subaccount(q)
        orders, cursor = self.ex.historical_orders(
            c.user,
            ticker=q.text("ticker"),
            min_ts=q.integer("min_ts", 0),
            max_ts=q.integer("max_ts", 0),
            limit=_limit(q, "historical.orders"),
            cursor=q.text("cursor"),
        )
        return {"orders": [] if other else orders, "cursor": "" if other else cursor}

    def historical_positions(self, c: HandlerCtx) -> object:
        q = c.query
        other = _other_subaccount(q)
        markets, events, cursor = self.ex.historical_positions(
            c.user,
            ticker=q.text("ticker"),
            event_ticker=q.text("event_ticker"),
            limit=_limit(q, "historical.positions"),
            cursor=q.text("cursor"),
        )
        if other:
            return {"market_positions": [], "event_positions": [], "cursor": ""}
        return {"market_positions": markets, "event_positions": events, "cursor": cursor}
