"""Which markets a recording covers: the filter, and the open markets it finds over REST.

A filter is any of tickers, series, one event, one category (none: every open market). The
open markets are listed once at the start through the client (so the shared rate limiter paces
it); a market created later joins when its lifecycle message matches :meth:`MarketFilter.wants`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from kalshikit.errors import ValidationError
from kalshikit.http.client import AsyncKalshiClient

__all__ = ["MarketFilter", "open_markets", "series_of"]


def series_of(ticker: str) -> str:
    """A market's or event's series: its ticker up to the first ``-`` (``KXBTC-25DEC31-T1``)."""
    return ticker.split("-", 1)[0]


def _names(values: Iterable[str] | None, what: str) -> tuple[str, ...]:
    if values is None:
        return ()
    if isinstance(values, str):
        values = [values]
    names = tuple(dict.fromkeys(v.strip() for v in values))
    if not all(names):
        raise ValidationError(f"a {what} must not be empty")
    return names


@dataclass
class MarketFilter:
    """What to record; ``series`` is widened to a category's series by :func:`open_markets`."""

    tickers: tuple[str, ...] = ()
    series: tuple[str, ...] = ()
    event: str | None = None
    category: str | None = None
    category_series: set[str] = field(default_factory=set)

    @classmethod
    def of(
        cls,
        tickers: Sequence[str] | None = None,
        series: Sequence[str] | None = None,
        event: str | None = None,
        category: str | None = None,
    ) -> MarketFilter:
        """A checked filter; a one-line ValidationError for empty names."""
        if event is not None and not event.strip():
            raise ValidationError("an event ticker must not be empty")
        if category is not None and not category.strip():
            raise ValidationError("a category must not be empty")
        return cls(_names(tickers, "ticker"), _names(series, "series ticker"),
                   event.strip() if event else None,
                   category.strip() if category else None)  # fmt: skip

    @property
    def describe(self) -> str:
        parts = [f"tickers {', '.join(self.tickers)}"] if self.tickers else []
        parts += [f"series {', '.join(self.series)}"] if self.series else []
        parts += [f"event {self.event}"] if self.event else []
        parts += [f"category {self.category}"] if self.category else []
        return "; ".join(parts) or "every open market"

    def wants(self, ticker: str, event_ticker: str | None = None) -> bool:
        """Would a market created now belong to this recording?"""
        if self.tickers:
            return ticker in self.tickers
        event = event_ticker or ticker.rsplit("-", 1)[0]
        if self.event is not None and event != self.event:
            return False
        series = series_of(event)
        if self.series and series not in self.series:
            return False
        return not (self.category and series not in self.category_series)


async def open_markets(client: AsyncKalshiClient, wanted: MarketFilter) -> list[str]:
    """The open markets the filter covers, sorted; ValidationError for unknown names."""
    if wanted.category:
        listed = await client.series.list(category=wanted.category)
        wanted.category_series = {s.ticker for s in listed}
        if not wanted.category_series:
            raise ValidationError(f"no series in category {wanted.category!r}")
    if wanted.tickers:
        found = [m.ticker async for m in client.markets.list(tickers=list(wanted.tickers))]
        unknown = sorted(set(wanted.tickers) - set(found))
        if unknown:
            raise ValidationError(f"no such market: {', '.join(unknown)}")
        return sorted(found)
    tickers: set[str] = set()
    for series in wanted.series or (None,):
        pager = client.markets.list(status="open", series_ticker=series, event_ticker=wanted.event)
        tickers.update([m.ticker async for m in pager if wanted.wants(m.ticker, m.event_ticker)])
    return sorted(tickers)
