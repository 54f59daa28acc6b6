"""History backfill: a series' settled markets, their trades, candles and settlements, from the
live and ``/historical`` endpoints into the tape's own layout (docs/tape.md).

The window picks markets by when they settled; each picked market is fetched whole (every trade
of its life, its candles from open to settlement). Markets that settled before the exchange's
cutoff are only under ``/historical``; trades older than the trade cutoff too. A market's trades
are read live, then archived, merged by trade id, so a trade the exchange moves between the two
reads is still found once.

Every request goes through the client, so the shared rate limiter paces it within the tier's
budget. The run is resumable: a market's rows are written (atomically, in files of its own)
before the progress file says it is done, and a rerun skips what that file lists and redoes the
rest, replacing any partial files: an interrupted run resumed gives the same tape, row for row.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from kalshikit.errors import BadRequest, NotFound, ValidationError
from kalshikit.http.resources.historical import merge_unique, trade_key, trade_time
from kalshikit.models import Candlestick, HistoricalCandlestick, Market, Trade
from kalshikit.tape._backfill_rows import MarketRows, settled_at
from kalshikit.tape._manifest import Manifest, market_files, writer_id
from kalshikit.tape.files import TapeWriter

if TYPE_CHECKING:
    from kalshikit.http.client import KalshiClient
    from kalshikit.ratelimit.limiter import LimiterStats

__all__ = ["CANDLE_PERIODS", "BackfillProgress", "BackfillSummary", "backfill", "settled_markets"]

CANDLE_PERIODS: Final = {"1m": 1, "1h": 60, "1d": 1440, "none": 0}  # minutes per candle
MAX_CANDLES: Final = 5000  # Kalshi answers at most this many candles per request
Candles = Sequence[Candlestick | HistoricalCandlestick]  # live and archived shapes differ


@dataclass(frozen=True)
class BackfillProgress:
    """Where a run is, after each market (``ticker``: the one just finished or skipped)."""

    series: str
    total: int
    done: int
    skipped: int
    rows: int
    requests: int
    elapsed_s: float
    ticker: str | None


@dataclass
class BackfillSummary:
    """What a run did; ``rate_limited`` counts the 429 answers it met (the goal: 0)."""

    series: str
    start: str
    end: str
    root: str
    candles: str
    markets: int = 0
    fetched: int = 0
    skipped: int = 0
    rows: int = 0
    trades: int = 0
    candle_rows: int = 0
    files: int = 0
    requests: int = 0
    rate_limited: int = 0
    elapsed_s: float = 0.0
    tickers: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


# --- arguments ------------------------------------------------------------------------------


def _moment(value: datetime | date, name: str) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    raise ValidationError(f"{name} must be a date or a datetime; got {value!r}")


def _checked(
    series: str, start: datetime | date, end: datetime | date, candles: str
) -> tuple[datetime, datetime]:
    if not isinstance(series, str) or not series.strip():
        raise ValidationError(f"series must be a series ticker such as KXHIGHNY; got {series!r}")
    if candles not in CANDLE_PERIODS:
        raise ValidationError(
            f"candles must be one of {', '.join(CANDLE_PERIODS)}; got {candles!r}"
        )
    low, high = _moment(start, "start"), _moment(end, "end")
    if low >= high:
        raise ValidationError("start must be before end")
    return low, high


# --- what to fetch --------------------------------------------------------------------------


def settled_markets(
    client: KalshiClient, series: str, start: datetime, end: datetime
) -> tuple[list[Market], set[str]]:
    """The series' markets that settled in ``[start, end)``, oldest settlement first, and which
    of them are archived. Live first, then the archive: a market moved in between is found."""
    live = client.markets.list(series_ticker=series, status="settled").to_list()
    archived = client.historical.markets(series_ticker=series).to_list()
    found: dict[str, Market] = {m.ticker: m for m in live}
    in_archive = {m.ticker for m in archived if m.ticker not in found}
    for market in archived:
        found.setdefault(market.ticker, market)
    wanted = [m for m in found.values() if start <= settled_at(m) < end]
    wanted.sort(key=lambda m: (settled_at(m), m.ticker))
    return wanted, {m.ticker for m in wanted if m.ticker in in_archive}


def _life(market: Market, since: datetime | None = None) -> tuple[int, int]:
    """Unix seconds from before ``since`` (default: the market's creation) to after its
    settlement: every trade of the market is in there."""
    first = since or min(market.created_time, market.open_time)
    return math.floor(first.timestamp()) - 1, math.ceil(settled_at(market).timestamp()) + 1


class _Cutoff:
    """The trade cutoff, read once and again only when a market is near it (it only grows)."""

    def __init__(self, client: KalshiClient) -> None:
        self.client = client
        self.seconds = self._read()

    def _read(self) -> float:
        return self.client.historical.cutoff().trades_created_ts.timestamp()

    def refreshed(self) -> float:
        self.seconds = self._read()
        return self.seconds


def _trades(
    client: KalshiClient, ticker: str, cutoff: _Cutoff
) -> Callable[[int, int], list[Trade]]:
    def read(low: int, high: int) -> list[Trade]:
        parts: list[list[Trade]] = []
        if high >= cutoff.seconds:  # some may still be live (all older ones are archived)
            parts.append(client.markets.trades(ticker=ticker, min_ts=low, max_ts=high).to_list())
        # read after the live part: a trade moved in between is then in the archive
        if low < cutoff.seconds or (parts and low < cutoff.refreshed()):
            archive = client.historical.trades(ticker=ticker, min_ts=low, max_ts=high)
            parts.append(archive.to_list())
        return merge_unique(parts, trade_key, trade_time)

    return read


def _candle_windows(low: int, high: int, minutes: int) -> list[tuple[int, int]]:
    span = minutes * 60 * MAX_CANDLES
    return [(at, min(at + span, high)) for at in range(low, high, span)] or [(low, high)]


def _candles(
    client: KalshiClient, market: Market, series: str, archived: bool, minutes: int
) -> Candles:
    low, high = _life(market, market.open_time)  # no candle before it opened
    found: list[Candlestick | HistoricalCandlestick] = []
    seen: set[int] = set()
    for start, end in _candle_windows(low, high, minutes):
        window = {"start_ts": start, "end_ts": end, "period_interval": minutes}
        for candle in _candle_read(client, market.ticker, series, archived, window):
            if candle.end_period_ts not in seen:  # windows share their edges
                seen.add(candle.end_period_ts)
                found.append(candle)
    return found


def _candle_read(
    client: KalshiClient, ticker: str, series: str, archived: bool, window: dict[str, Any]
) -> Candles:
    """From where the market is; if it moved meanwhile, from the other place."""
    try:
        if archived:
            return client.historical.candlesticks(ticker, **window)
        return client.markets.candlesticks(ticker, series_ticker=series, **window)
    except NotFound:
        if archived:
            return client.markets.candlesticks(ticker, series_ticker=series, **window)
        return client.historical.candlesticks(ticker, **window)


def _candles_with_fallback(
    client: KalshiClient, market: Market, series: str, archived: bool, period: str
) -> tuple[Candles, str]:
    """Candles of ``period``; 1-minute ones where the exchange has them, else hourly."""
    try:
        return _candles(client, market, series, archived, CANDLE_PERIODS[period]), period
    except BadRequest:
        if period != "1m":
            raise
    return _candles(client, market, series, archived, CANDLE_PERIODS["1h"]), "1h"


# --- the run --------------------------------------------------------------------------------


class _Run:
    def __init__(
        self, client: KalshiClient, root: Path, summary: BackfillSummary, archived: set[str],
        progress: Callable[[BackfillProgress], None] | None, started: tuple[float, LimiterStats],
    ) -> None:  # fmt: skip
        self.client, self.root, self.summary = client, root, summary
        # counted from before the markets were listed: every request of the run
        self.started, self.stats_at_start = started
        self.archived, self.progress = archived, progress
        self.manifest = Manifest(root, summary.series)
        self.cutoff = _Cutoff(client)

    def one(self, market: Market) -> None:
        summary = self.summary
        if self.manifest.finished(market.ticker, summary.candles):
            summary.skipped += 1
        else:
            self._fetch_and_write(market)
            summary.fetched += 1
        self.report(market.ticker)

    def _fetch_and_write(self, market: Market) -> None:
        summary, ticker = self.summary, market.ticker
        rows = MarketRows(ticker)
        rows.add_trades(_trades(self.client, ticker, self.cutoff)(*_life(market)))
        period = summary.candles
        if period != "none":
            archived = ticker in self.archived
            found, period = _candles_with_fallback(
                self.client, market, summary.series, archived, period
            )
            rows.add_candles(found, period)
        rows.add_settlement(market)
        for stale in market_files(self.root, ticker):  # what an interrupted run left
            stale.unlink()
        writer = TapeWriter(self.root, writer_id=writer_id(ticker), flush_every_s=math.inf)
        count = rows.into(writer.rows)
        files = writer.flush()
        self.manifest.mark(
            ticker, candles=summary.candles, candle_period=period, rows=count,
            trades=rows.trades, candle_rows=rows.candles,
            files=sorted(str(f.relative_to(self.root)) for f in files),
        )  # fmt: skip
        summary.rows += count
        summary.trades += rows.trades
        summary.candle_rows += rows.candles
        summary.files += len(files)

    def report(self, ticker: str | None) -> None:
        self.count()
        if self.progress is None:
            return
        s = self.summary
        self.progress(
            BackfillProgress(
                s.series, s.markets, s.fetched + s.skipped, s.skipped, s.rows, s.requests,
                s.elapsed_s, ticker,
            )
        )  # fmt: skip

    def count(self) -> None:
        now, first = self.client.rate_limiter.stats(), self.stats_at_start
        self.summary.requests = now.requests - first.requests
        self.summary.rate_limited = now.rate_limited - first.rate_limited
        self.summary.elapsed_s = round(time.monotonic() - self.started, 3)


def backfill(
    client: KalshiClient,
    root: Path | str,
    *,
    series: str,
    start: datetime | date,
    end: datetime | date,
    candles: str = "1m",
    progress: Callable[[BackfillProgress], None] | None = None,
) -> BackfillSummary:
    """Backfill ``series``' markets that settled in ``[start, end)`` into the tape at ``root``.

    ``candles``: 1m (hourly where the exchange has no 1-minute ones), 1h, 1d or none.
    ``progress`` is called once the markets are known (``ticker`` None) and after each market;
    an exception it raises stops the run, and a rerun resumes it. Naive datetimes are UTC.
    """
    low, high = _checked(series, start, end, candles)
    summary = BackfillSummary(series, low.isoformat(), high.isoformat(), str(root), candles)
    started = (time.monotonic(), client.rate_limiter.stats())
    markets, archived = settled_markets(client, series, low, high)
    summary.markets = len(markets)
    summary.tickers = [m.ticker for m in markets]
    run = _Run(client, Path(root), summary, archived, progress, started)
    run.report(None)
    for market in markets:
        run.one(market)
    run.count()
    return summary


def end_of_day(day: date) -> datetime:
    """The end (exclusive) of a UTC day: a ``--to`` date includes that whole day."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1)
