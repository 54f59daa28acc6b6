"""Seeding the scanner by REST: the markets asked for, their events, fee multipliers, candles.

Pages are as large as the exchange allows (1000 markets, 200 events), so 20,000 markets take
20 market pages. Candles are fetched for the most traded markets only, 100 per request, so the
movers windows have a starting point without one request per market.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from decimal import Decimal

from kalshikit.http.client import AsyncKalshiClient
from kalshikit.models import Candlestick, Event, Market
from kalshikit.scanner.state import MarketState
from kalshikit.units import dollars_to_ticks

__all__ = ["ScanFilter", "SeedReport", "seed_states"]

Progress = Callable[[str, int], None]  # (what, how many so far)
_CANDLE_BATCH = 100  # the exchange's cap on tickers per batch candlesticks request
_HOUR_S, _DAY_S = 3600, 86_400


@dataclass(frozen=True)
class ScanFilter:
    """What to scan: any of series, category, event; status of the markets (default open)."""

    series: str | None = None
    category: str | None = None
    event: str | None = None
    status: str = "open"

    def wants(self, event: Event | None) -> bool:
        if self.category is None:
            return True
        return event is not None and (event.category or "").lower() == self.category.lower()


@dataclass
class SeedReport:
    """What the seed cost: requests by kind and the time it took."""

    requests: dict[str, int] = field(default_factory=dict)
    markets: int = 0
    seconds: float = 0.0

    def count(self, kind: str) -> None:
        self.requests[kind] = self.requests.get(kind, 0) + 1

    @property
    def total_requests(self) -> int:
        return sum(self.requests.values())


async def seed_states(
    client: AsyncKalshiClient,
    scan: ScanFilter,
    *,
    candle_markets: int = 500,
    progress: Progress | None = None,
) -> tuple[dict[str, MarketState], SeedReport]:
    """Every market the filter selects, as a state with its event and fee multiplier."""
    started, report = time.monotonic(), SeedReport()
    multipliers = await _fee_multipliers(client, report)
    events = await _events(client, scan, report, progress)
    states: dict[str, MarketState] = {}
    async for market in _markets(client, scan, report, progress):
        event = events.get(market.event_ticker)
        if scan.wants(event):
            series = event.series_ticker if event is not None else None
            states[market.ticker] = MarketState.from_market(
                market, event, fee_multiplier=multipliers.get(series or "")
            )
    now_ms = int(time.time() * 1000)
    for state in states.values():
        if state.last_price is not None:  # the price in effect now: where every move starts
            state.history.add(now_ms, state.last_price)
    await _seed_candles(client, states, candle_markets, report)
    report.markets, report.seconds = len(states), time.monotonic() - started
    return states, report


async def _fee_multipliers(client: AsyncKalshiClient, report: SeedReport) -> dict[str, Decimal]:
    report.count("series")
    found: dict[str, Decimal] = {}
    for series in await client.series.list():
        # the wire has it as a JSON number; its shortest repr is the exact decimal meant
        found[series.ticker] = Decimal(repr(series.fee_multiplier))
    return found


async def _events(
    client: AsyncKalshiClient, scan: ScanFilter, report: SeedReport, progress: Progress | None
) -> dict[str, Event]:
    if scan.event is not None:
        report.count("events")
        event = await client.events.get(scan.event)
        return {event.event_ticker: event}
    found: dict[str, Event] = {}
    pager = client.events.list(status=scan.status, series_ticker=scan.series)
    async for page in pager.pages():
        report.count("events")
        found.update((e.event_ticker, e) for e in page.events)
        if progress is not None:
            progress("events", len(found))
    return found


async def _markets(
    client: AsyncKalshiClient, scan: ScanFilter, report: SeedReport, progress: Progress | None
) -> AsyncIterator[Market]:
    pager = client.markets.list(
        status=scan.status, series_ticker=scan.series, event_ticker=scan.event, page_size=1000
    )
    seen = 0
    async for page in pager.pages():
        report.count("markets")
        seen += len(page.markets)
        if progress is not None:
            progress("markets", seen)
        for market in page.markets:
            yield market


async def _seed_candles(
    client: AsyncKalshiClient, states: dict[str, MarketState], limit: int, report: SeedReport
) -> None:
    """Hourly candles over a day and minute candles over an hour, for the busiest markets."""
    busiest = sorted(states.values(), key=lambda s: s.volume_24h or s.volume or 0, reverse=True)
    chosen = [s.ticker for s in busiest[:limit] if (s.volume_24h or s.volume)]
    now_s = int(time.time())
    for start in range(0, len(chosen), _CANDLE_BATCH):
        batch = chosen[start : start + _CANDLE_BATCH]
        for period, span in ((60, _DAY_S + _HOUR_S), (1, _HOUR_S + 5 * 60)):
            report.count("candlesticks")
            found = await client.markets.batch_candlesticks(
                batch, start_ts=now_s - span, end_ts=now_s, period_interval=period,
                include_latest_before_start=True,
            )  # fmt: skip
            for market in found:
                states[market.market_ticker].seed_history(_close_points(market.candlesticks))


def _close_points(candles: list[Candlestick]) -> list[tuple[int, int]]:
    """(end of period ms, close ticks): a close is the price in effect when its period ends."""
    return [
        (candle.end_period_ts * 1000, dollars_to_ticks(candle.price.close_dollars))
        for candle in candles
        if candle.price.close_dollars
    ]
