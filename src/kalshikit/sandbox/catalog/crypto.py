"""Crypto: hourly ladders of ``between`` ranges and ``greater`` thresholds (KXBTCD, ...).

Every hourly event of one asset reads the same index, so their anchors share one underlying
(the series ticker); a listed event's ladder is centred on the index as it is then.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import datetime, timedelta
from itertools import count
from typing import Final, NamedTuple

from kalshikit.sandbox.catalog import specs
from kalshikit.sandbox.catalog.drafts import (
    EST,
    SECONDS_PER_YEAR,
    Ctx,
    Drafted,
    EventDraft,
    Outcome,
    Strike,
    anchor,
    day_code,
    day_text,
    draft_markets,
    floor_hour,
    phi,
    schedule,
    ticks,
)


class IndexFeed(NamedTuple):
    """The reference index a crypto series settles on, as the stream names it: its CF
    Benchmarks real-time index (``cfbenchmarks_value``) and the same asset on Pyth."""

    series_ticker: str
    cf_index_id: str
    pyth_ticker: str


INDEX_FEEDS: Final = (
    IndexFeed(specs.BITCOIN.series.ticker, "BRTI", "Crypto.BTC/USD"),
    IndexFeed(specs.ETHER.series.ticker, "ETHUSD_RTI", "Crypto.ETH/USD"),
    IndexFeed(specs.SOLANA.series.ticker, "SOLUSD_RTI", "Crypto.SOL/USD"),
)

# --- crypto: hourly ladders of ranges and thresholds ----------------------------------------------


def crypto_events(ctx: Ctx, asset: specs.CryptoAsset, density: int) -> Iterator[Drafted]:
    spot = round(ctx.rng.uniform(asset.spot_low, asset.spot_high), 2)
    first_close = floor_hour(ctx.now) + timedelta(hours=1)
    for hours in count():
        yield _crypto_event(ctx, asset, spot, first_close + timedelta(hours=hours), density)


def next_crypto_event(
    ctx: Ctx, asset: specs.CryptoAsset, last_close: datetime, spot: float, markets: int
) -> Drafted:
    """The hour after ``last_close`` (or the next hour to come, after a pause), its ladder
    centred on ``spot`` with as many strikes as the last event (``markets``) had."""
    close = max(last_close + timedelta(hours=1), floor_hour(ctx.now) + timedelta(hours=1))
    density = max(1, markets // (asset.buckets + asset.thresholds))
    return _crypto_event(ctx, asset, round(spot, 2), close, density)


def _crypto_event(
    ctx: Ctx, asset: specs.CryptoAsset, spot: float, close: datetime, density: int
) -> Drafted:
    local = close.astimezone(EST)
    hour = f"{(local.hour - 1) % 12 + 1}{'am' if local.hour < 12 else 'pm'}"
    years = max((close - ctx.now).total_seconds(), 60.0) / SECONDS_PER_YEAR
    spread = spot * asset.annual_volatility * math.sqrt(years)  # the price's sd at the close
    outcomes = [
        _crypto_range(asset, low, spot, spread) for low in _ladder(asset, spot, density, True)
    ]
    outcomes += [_crypto_threshold(k, spot, spread) for k in _ladder(asset, spot, density, False)]
    ticker = f"{asset.series.ticker}-{day_code(local.date())}{local.hour:02d}"
    words = {"when": f"{hour} EST on {day_text(local.date())}"}
    fairs = [ticks(outcome.probability) for outcome in outcomes]
    # prices settle on the cent; the index is known exactly at the close
    where = anchor(asset.series.ticker, ctx, spot, spread, 0.0, 0.01)
    draft = EventDraft(
        ticker, schedule(ctx, asset.series, close), words, outcomes, fairs, close, anchor=where
    )
    return draft_markets(ctx, asset.series, draft)


def _ladder(asset: specs.CryptoAsset, spot: float, density: int, ranges: bool) -> list[int]:
    """Range floors (or thresholds) centred on the spot price, ``density`` times the usual count."""
    step, steps = (
        (asset.bucket_width, asset.buckets) if ranges else (asset.threshold_step, asset.thresholds)
    )
    steps *= density
    first = round(spot / step) * step - steps // 2 * step
    return [first + i * step for i in range(steps)]


def _crypto_range(asset: specs.CryptoAsset, low: int, spot: float, spread: float) -> Outcome:
    high = low + asset.bucket_width
    cap = round(high - 0.01, 2)
    probability = phi((high - spot) / spread) - phi((low - spot) / spread)
    phrase = f"between ${low:,.2f} and ${cap:,.2f}"
    strike = Strike("between", float(low), cap)
    suffix = f"B{low + asset.bucket_width // 2}"
    return Outcome(suffix, f"${low:,} to {cap:,.2f}", phrase, probability, strike)


def _crypto_threshold(strike: int, spot: float, spread: float) -> Outcome:
    probability = 1.0 - phi((strike - spot) / spread)
    above = Strike("greater", floor=float(strike))
    return Outcome(
        f"T{strike}",
        f"Above ${strike:,}",
        f"above ${strike:,.2f}",
        probability,
        above,
        _crypto_grid(probability),
    )


def _crypto_grid(probability: float) -> str:
    # a threshold deep in or out of the money trades within 10c of $0 or $1 all its life, where
    # the tapered grid's 0.1c ticks matter; ranges and the rest keep whole cents
    return "linear_cent" if 0.03 <= probability <= 0.97 else "tapered_deci_cent"
