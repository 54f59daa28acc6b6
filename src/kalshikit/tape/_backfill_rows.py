"""The rows a backfill writes for one settled market: its trades, candles and settlement. No I/O.

Each REST record becomes one row of the tape's table (``tape/schema.py``): a trade at its
exchange time (``recv_ns`` = ``ts_ms`` = when it traded: a backfill receives nothing live, so the
exchange's time is the only time there is), a candle at the end of its period, the settlement
at the moment the market settled. ``n`` numbers one market's rows in time order, so the same
records always give the same rows, whichever run wrote them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Final

from kalshikit.models import Candlestick, HistoricalCandlestick, Market, Trade
from kalshikit.tape.rows import Rows
from kalshikit.tape.schema import NO, YES
from kalshikit.units import dollars_to_ticks, fp_to_centi

__all__ = ["MarketRows", "candle_row", "ns_of", "settled_at", "settlement_row", "trade_row"]

_NS_PER_S: Final = 1_000_000_000
_NS_PER_MS: Final = 1_000_000

Row = tuple[int, str, dict[str, object]]  # (recv_ns, kind, the other columns)


_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)


def ns_of(moment: datetime) -> int:
    """Exact nanoseconds since the epoch (no float: every microsecond is kept); naive is UTC."""
    delta = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)) - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * _NS_PER_S + delta.microseconds * 1_000


def _ticks(dollars: str | None) -> int | None:
    return None if dollars is None else dollars_to_ticks(dollars)


def _centi(fp: str | None, whole: int | None = None) -> int | None:
    if fp is not None:
        return fp_to_centi(fp)
    return None if whole is None else whole * 100


def _taker_side(trade: Trade) -> int | None:
    side = trade.taker_outcome_side or trade.taker_side or ""
    return {"yes": YES, "no": NO}.get(side.lower())


def trade_row(trade: Trade) -> Row:
    at = ns_of(trade.created_time)
    price = trade.yes_price
    count = trade.count
    return at, "trade", {
        "ts_ms": at // _NS_PER_MS,
        "price": None if price is None else price.ticks,
        "size": None if count is None else count.centi,
        "side": _taker_side(trade),
        "text": trade.trade_id,
    }  # fmt: skip


def candle_row(candle: Candlestick | HistoricalCandlestick, period: str) -> Row:
    """A live or an archived candle (their wire shapes differ) as one ``candle`` row."""
    at = candle.end_period_ts * _NS_PER_S
    if isinstance(candle, HistoricalCandlestick):
        p = candle.price
        ohlc = (p.open, p.high, p.low, p.close)
        volume, interest = _centi(candle.volume), _centi(candle.open_interest)
    else:
        q = candle.price
        ohlc = (q.open_dollars, q.high_dollars, q.low_dollars, q.close_dollars)
        volume = _centi(candle.volume_fp, candle.volume_int)
        interest = _centi(candle.open_interest_fp, candle.open_interest_int)
    opened, high, low, close = (_ticks(v) for v in ohlc)
    return at, "candle", {
        "ts_ms": at // _NS_PER_MS, "open": opened, "high": high, "low": low, "price": close,
        "size": volume, "open_interest": interest, "text": period,
    }  # fmt: skip


def settled_at(market: Market) -> datetime:
    """When the market settled (its close time when the exchange does not say)."""
    return market.settlement_ts or market.close_time


def settlement_row(market: Market) -> Row:
    at = ns_of(settled_at(market))
    value = _ticks(market.settlement_value_dollars)
    return at, "lifecycle", {"ts_ms": at // _NS_PER_MS, "text": "settled", "price": value}


_KIND_ORDER: Final = {"trade": 0, "candle": 1, "lifecycle": 2}


@dataclass
class MarketRows:
    """One market's rows, gathered before anything is written."""

    ticker: str
    rows: list[Row] = field(default_factory=list)
    trades: int = 0
    candles: int = 0

    def add_trades(self, trades: Iterable[Trade]) -> None:
        for trade in trades:
            self.rows.append(trade_row(trade))
            self.trades += 1

    def add_candles(
        self, candles: Iterable[Candlestick | HistoricalCandlestick], period: str
    ) -> None:
        for candle in candles:
            self.rows.append(candle_row(candle, period))
            self.candles += 1

    def add_settlement(self, market: Market) -> None:
        self.rows.append(settlement_row(market))

    def into(self, rows: Rows) -> int:
        """Append the rows in time order, numbered from 0; returns how many."""
        ordered = sorted(self.rows, key=lambda r: (r[0], _KIND_ORDER[r[1]], str(r[2].get("text"))))
        for n, (at, kind, values) in enumerate(ordered):
            rows.add(at, n, kind, self.ticker, **values)
        return len(ordered)
