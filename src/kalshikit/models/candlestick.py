"""Candlestick wire structs, live and historical, and their envelopes. No I/O here.

Live candles (``/series/.../candlesticks``, ``/markets/candlesticks``, event candles) carry
``*_dollars`` OHLC and ``volume_fp``/``open_interest_fp``; January ones also carried integer-cent
OHLC (ignored: every non-null cent value came with its ``*_dollars`` twin) and integer ``volume`` /
``open_interest`` (kept as ``volume_int`` / ``open_interest_int``). Historical candles
(``/historical/markets/{ticker}/candlesticks``, reference 3.9) use unsuffixed keys holding dollar
strings and fp strings, so they have their own structs.
"""

from __future__ import annotations

import msgspec

from kalshikit.models.base import WireModel

__all__ = [
    "BatchCandlesticksResponse",
    "BidAskOhlc",
    "Candlestick",
    "CandlesticksResponse",
    "EventCandlesticksResponse",
    "HistoricalBidAskOhlc",
    "HistoricalCandlestick",
    "HistoricalCandlesticksResponse",
    "HistoricalPriceOhlc",
    "MarketCandlesticks",
    "PriceOhlc",
]


class BidAskOhlc(WireModel, kw_only=True, frozen=True):
    """OHLC of the best YES bid or ask over the period ($; SDK ``BidAskDistribution``)."""

    open_dollars: str | None = None
    low_dollars: str | None = None
    high_dollars: str | None = None
    close_dollars: str | None = None


class PriceOhlc(WireModel, kw_only=True, frozen=True):
    """Traded-price stats over the period ($; all null when nothing traded)."""

    open_dollars: str | None = None
    low_dollars: str | None = None
    high_dollars: str | None = None
    close_dollars: str | None = None
    mean_dollars: str | None = None
    previous_dollars: str | None = None
    min_dollars: str | None = None
    max_dollars: str | None = None


class Candlestick(WireModel, kw_only=True, frozen=True):
    """One live candle; ``end_period_ts`` (unix seconds) is the inclusive end of the period."""

    end_period_ts: int
    yes_bid: BidAskOhlc
    yes_ask: BidAskOhlc
    price: PriceOhlc
    volume_fp: str | None = None
    open_interest_fp: str | None = None
    # January 2026 integer counts, replaced by the *_fp fields.
    volume_int: int | None = msgspec.field(default=None, name="volume")
    open_interest_int: int | None = msgspec.field(default=None, name="open_interest")


class HistoricalBidAskOhlc(WireModel, kw_only=True, frozen=True):
    """Historical bid/ask OHLC: unsuffixed keys, dollar strings."""

    open: str | None = None
    low: str | None = None
    high: str | None = None
    close: str | None = None


class HistoricalPriceOhlc(WireModel, kw_only=True, frozen=True):
    """Historical traded-price stats: unsuffixed keys, dollar strings, no min/max."""

    open: str | None = None
    low: str | None = None
    high: str | None = None
    close: str | None = None
    mean: str | None = None
    previous: str | None = None


class HistoricalCandlestick(WireModel, kw_only=True, frozen=True):
    """One archived candle; ``volume`` and ``open_interest`` are fp strings here."""

    end_period_ts: int
    yes_bid: HistoricalBidAskOhlc
    yes_ask: HistoricalBidAskOhlc
    price: HistoricalPriceOhlc
    volume: str
    open_interest: str


class CandlesticksResponse(WireModel, kw_only=True, frozen=True):
    """``GET /series/{series_ticker}/markets/{ticker}/candlesticks``."""

    ticker: str
    candlesticks: list[Candlestick]


class HistoricalCandlesticksResponse(WireModel, kw_only=True, frozen=True):
    """``GET /historical/markets/{ticker}/candlesticks``."""

    ticker: str
    candlesticks: list[HistoricalCandlestick]


class MarketCandlesticks(WireModel, kw_only=True, frozen=True):
    """One market's candles in ``GET /markets/candlesticks``."""

    market_ticker: str
    candlesticks: list[Candlestick]


class BatchCandlesticksResponse(WireModel, kw_only=True, frozen=True):
    """``GET /markets/candlesticks``."""

    markets: list[MarketCandlesticks]


class EventCandlesticksResponse(WireModel, kw_only=True, frozen=True):
    """``GET /series/{s}/events/{ticker}/candlesticks``: candles per market, in
    ``market_tickers`` order."""

    market_tickers: list[str]
    market_candlesticks: list[list[Candlestick]]
    adjusted_end_ts: int
