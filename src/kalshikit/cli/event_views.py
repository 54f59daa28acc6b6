"""What `kalshi events metadata|candles` and `kalshi series fee-changes` show: pure rendering of
the library's answers into rows and key/value fields (no I/O, no client)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Final

from kalshikit.models import Candlestick, EventCandlesticksResponse, EventMetadata, SeriesFeeChange
from kalshikit.units import Price
from kalshikit.units.display import cents, contracts, quote, when

__all__ = [
    "CANDLE_COLUMNS",
    "CANDLE_OPTIONAL",
    "FEE_COLUMNS",
    "PERIODS",
    "candle_rows",
    "fee_row",
    "metadata_fields",
]

PERIODS: Final = {"1m": 1, "1h": 60, "1d": 1440}
CANDLE_COLUMNS: Final = [
    "market", "outcome", "open", "high", "low", "close", "volume", "YES bid", "ask"
]  # fmt: skip
# what gives way on a narrow terminal, least useful first; the ticker never does
CANDLE_OPTIONAL: Final = ("open", "high", "low")
FEE_COLUMNS: Final = ["series", "new fee type", "multiplier", "from UTC"]


def metadata_fields(event_ticker: str, meta: EventMetadata) -> list[tuple[str, object]]:
    """The event's image, competition and sources, then each market's chart colour."""
    sources = "; ".join(s.name or s.url or "" for s in meta.settlement_sources) or None
    fields: list[tuple[str, object]] = [
        ("event", event_ticker),
        ("image", meta.image_url or None),
        ("competition", meta.competition),
        ("scope", meta.competition_scope),
        ("sources", sources),
    ]
    return fields + [(m.market_ticker, m.color_code) for m in meta.market_details]


def _price(text: str | None) -> Price | None:
    return None if text is None else Price.parse(text)


def _summary(candles: Sequence[Candlestick]) -> list[object]:
    """open, high, low, close of the traded YES price over the window, the volume, and the
    best YES bid and ask at its end."""
    traded = [c.price for c in candles if c.price.close_dollars is not None]
    volume = sum((Decimal(c.volume_fp) for c in candles if c.volume_fp), Decimal(0))
    last = candles[-1] if candles else None
    quotes = [
        quote(_price(last.yes_bid.close_dollars)) if last else None,
        quote(_price(last.yes_ask.close_dollars)) if last else None,
    ]
    if not traded:
        return [None, None, None, None, contracts(volume), *quotes]
    highs = [p for p in (_price(t.high_dollars) for t in traded) if p is not None]
    lows = [p for p in (_price(t.low_dollars) for t in traded) if p is not None]
    return [
        cents(_price(traded[0].open_dollars)),
        cents(max(highs, key=lambda p: p.ticks)) if highs else None,
        cents(min(lows, key=lambda p: p.ticks)) if lows else None,
        cents(_price(traded[-1].close_dollars)),
        contracts(volume),
        *quotes,
    ]


def candle_rows(found: EventCandlesticksResponse, outcomes: dict[str, str]) -> list[list[object]]:
    """One row per market: its outcome, the window's traded-price OHLC and volume, and the
    quotes at its end."""
    return [
        [ticker, outcomes.get(ticker), *_summary(candles)]
        for ticker, candles in zip(found.market_tickers, found.market_candlesticks, strict=False)
    ]


def fee_row(change: SeriesFeeChange) -> list[object]:
    multiplier = Decimal(str(change.fee_multiplier)).normalize()
    return [change.series_ticker, change.fee_type, f"{multiplier:f}", when(change.scheduled_ts)]
