"""The series that charts draw, from wire candles and plain equity or P&L numbers. No I/O here.

Everything stays exact: a close is the candle's own ``close_dollars`` as a Decimal, a volume its
``volume_fp`` (contracts), equity and P&L are Decimal dollars. A chart library gets floats only at
its own edge (charts/png.py), never these values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from kalshikit.errors import ValidationError
from kalshikit.models import Candlestick, HistoricalCandlestick
from kalshikit.portfolio.pnl import series_of

__all__ = [
    "EquityPoint",
    "PricePoint",
    "carried_closes",
    "drawdowns",
    "equity_points",
    "max_drawdown",
    "pnl_by_series",
    "price_points",
]


@dataclass(frozen=True)
class PricePoint:
    """One candle as a chart reads it: its end (unix seconds, inclusive), the last traded YES
    price in dollars (None when nothing traded in it) and the contracts traded."""

    end_period_ts: int
    close_dollars: Decimal | None
    volume: Decimal

    @property
    def end(self) -> datetime:
        return datetime.fromtimestamp(self.end_period_ts, UTC)

    def to_json(self) -> dict[str, Any]:
        """Wire-style names and exact strings, as the REST candle writes them."""
        close = None if self.close_dollars is None else str(self.close_dollars)
        return {
            "end_period_ts": self.end_period_ts,
            "close_dollars": close,
            "volume_fp": str(self.volume),
        }


@dataclass(frozen=True)
class EquityPoint:
    """An account's value at one moment, in dollars."""

    at: datetime
    equity: Decimal


def _decimal(text: str | None) -> Decimal | None:
    return None if text is None or text == "" else Decimal(text)


def price_points(candles: Iterable[Candlestick | HistoricalCandlestick]) -> list[PricePoint]:
    """(end, close, volume) of live or archived candles, oldest first, values exact."""
    points = []
    for candle in candles:
        close: str | None
        volume: str | None
        if isinstance(candle, HistoricalCandlestick):
            close, volume = candle.price.close, candle.volume
        else:
            close, volume = candle.price.close_dollars, candle.volume_fp
        if volume is None and isinstance(candle, Candlestick) and candle.volume_int is not None:
            volume = str(candle.volume_int)  # a January candle: an integer count only
        traded = _decimal(volume)
        points.append(
            PricePoint(
                candle.end_period_ts, _decimal(close), Decimal(0) if traded is None else traded
            )
        )
    return sorted(points, key=lambda p: p.end_period_ts)


def carried_closes(points: Sequence[PricePoint]) -> list[tuple[PricePoint, Decimal]]:
    """Each point from the first traded one on, with the price in force at its end: a quiet
    candle keeps the last traded price (the market did not move; it just did not trade)."""
    carried: list[tuple[PricePoint, Decimal]] = []
    last: Decimal | None = None
    for point in points:
        last = point.close_dollars if point.close_dollars is not None else last
        if last is not None:
            carried.append((point, last))
    return carried


def equity_points(samples: Iterable[tuple[datetime, Decimal]]) -> list[EquityPoint]:
    """Equity samples (aware times, Decimal dollars) in time order; a float is refused."""
    points = []
    for at, equity in samples:
        if not isinstance(equity, Decimal):
            raise ValidationError(f"equity must be a Decimal of dollars, got {equity!r}")
        if at.tzinfo is None:
            raise ValidationError(f"equity times must be timezone-aware (UTC), got {at!r}")
        points.append(EquityPoint(at.astimezone(UTC), equity))
    return sorted(points, key=lambda p: p.at)


def drawdowns(equity: Sequence[Decimal]) -> list[Decimal]:
    """At each point, how far equity stands below its highest value so far (0 at a new peak)."""
    result: list[Decimal] = []
    peak: Decimal | None = None
    for value in equity:
        peak = value if peak is None or value > peak else peak
        result.append(peak - value)
    return result


def max_drawdown(equity: Sequence[Decimal]) -> Decimal:
    """The largest fall from a peak to a later trough (0 for an empty or rising series)."""
    return max(drawdowns(equity), default=Decimal(0))


def pnl_by_series(pnl_by_ticker: Mapping[str, Decimal]) -> list[tuple[str, Decimal]]:
    """P&L per market summed per series, largest gain first (ties by name)."""
    totals: dict[str, Decimal] = {}
    for ticker, pnl in pnl_by_ticker.items():
        if not isinstance(pnl, Decimal):
            raise ValidationError(f"P&L of {ticker} must be a Decimal of dollars, got {pnl!r}")
        series = series_of(ticker)  # the P&L core's, so both group markets alike
        totals[series] = totals.get(series, Decimal(0)) + pnl
    return sorted(totals.items(), key=lambda item: (-item[1], item[0]))
