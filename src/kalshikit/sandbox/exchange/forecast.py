"""An event's forecast percentiles, read from its markets' prices. No I/O here.

A numeric event (a temperature, a price, a rate split by strikes) is a distribution its markets
price: a ``between`` market the chance the number lands in its range, a ``less`` market (the
low tail) the chance it falls below its cap, a ``greater`` market (the high tail) the chance it
is above its floor. At each period end every market's price is the mid of the best bid and ask
in force then (the close of its candle), else its last trade before then; the masses, normalised
to sum to one in strike order, make a cumulative distribution, and a percentile is read off it
by linear interpolation inside the range it falls in (a tail gives its edge). A period where no
market has a price yet is left out. An hourly crypto event lists both ranges and ``greater``
thresholds over the same number: its ranges alone are read.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from typing import Final, NamedTuple

from kalshikit.models import ForecastPercentilesPoint, Market, PercentilePoint
from kalshikit.sandbox.exchange.errors import bad_request
from kalshikit.sandbox.exchange.lifecycle import MarketState

__all__ = ["FORECAST_PERIODS", "Strike", "forecast_ends", "forecast_point", "strikes_of"]

FORECAST_PERIODS: Final = frozenset({0, 1, 60, 1440})  # 0: five-second points
_MAX_POINTS: Final = 10_000
_NEAR_ZERO: Final = 1e-12


class Strike(NamedTuple):
    """One market's range of the event's number: ``low``/``high`` None for an open tail."""

    state: MarketState
    low: float | None
    high: float | None


def strikes_of(
    markets: Sequence[Market], states: dict[str, MarketState], exclusive: bool
) -> list[Strike]:
    """The event's ranged markets in strike order; empty when the event is not numeric. The
    tails count only in a mutually exclusive event (where ranges and tails partition the line)."""
    kinds = ("less", "between", "greater") if exclusive else ("between",)
    ranged = [m for m in markets if m.strike_type in kinds]
    if not any(m.strike_type == "between" for m in ranged):
        return []
    strikes = [
        Strike(
            states[m.ticker],
            None if m.strike_type == "less" else m.floor_strike,
            None if m.strike_type == "greater" else m.cap_strike,
        )
        for m in ranged
    ]
    return sorted(strikes, key=lambda s: (s.low is not None, s.low or 0.0))


def forecast_ends(start_ts: int, end_ts: int, period_minutes: int) -> range:
    """The period ends (unix seconds) from start to end, multiples of the period."""
    if period_minutes not in FORECAST_PERIODS:
        raise bad_request(
            "invalid_parameters",
            f"period_interval must be 0 (5 seconds), 1, 60 or 1440, got {period_minutes!r}",
        )
    if start_ts > end_ts:
        raise bad_request("invalid_parameters", "start_ts must not be after end_ts")
    period = 5 if period_minutes == 0 else period_minutes * 60
    first, last = -(-start_ts // period) * period, -(-end_ts // period) * period
    ends = range(first, last + 1, period)
    if len(ends) > _MAX_POINTS:
        raise bad_request(
            "invalid_parameters",
            f"that asks for {len(ends)} points; at most {_MAX_POINTS}: narrow the range",
        )
    return ends


def price_at(state: MarketState, at_ms: int) -> int | None:
    """The market's price at ``at_ms`` in ticks: the quoted mid, else the last trade."""
    index = bisect_right(state.quotes, (at_ms, 1 << 62, 1 << 62))
    if index:
        _, bid, ask = state.quotes[index - 1]
        if 0 < bid < ask:
            return (bid + ask) // 2
    traded = bisect_right(state.trade_times, at_ms)
    return state.trades[traded - 1].price if traded else None


def forecast_point(
    event_ticker: str,
    strikes: Sequence[Strike],
    percentiles: Sequence[int],
    end_ts: int,
    period_minutes: int,
    decimals: int,
    unit: tuple[str, str],
) -> ForecastPercentilesPoint | None:
    """The percentiles at one period end, or None when no market had a price by then."""
    prices = [price_at(s.state, end_ts * 1000) for s in strikes]
    masses = [float(p or 0) for p in prices]
    total = sum(masses)
    if total <= 0:
        return None
    cumulative = []
    running = 0.0
    for mass in masses:
        running += mass / total
        cumulative.append(running)
    points = []
    for percentile in percentiles:
        value = _quantile(strikes, masses, total, cumulative, percentile / 10_000)
        shown = round(value, decimals)
        prefix, suffix = unit
        points.append(
            PercentilePoint(
                percentile=percentile,
                raw_numerical_forecast=value,
                numerical_forecast=shown,
                formatted_forecast=f"{prefix}{shown:,.{decimals}f}{suffix}",
            )
        )
    return ForecastPercentilesPoint(
        event_ticker=event_ticker,
        end_period_ts=end_ts,
        period_interval=period_minutes,
        percentile_points=points,
    )


def _quantile(
    strikes: Sequence[Strike],
    masses: Sequence[float],
    total: float,
    cumulative: Sequence[float],
    q: float,
) -> float:
    before = 0.0
    for strike, mass, upto in zip(strikes, masses, cumulative, strict=True):
        if upto + _NEAR_ZERO >= q and mass > 0:
            low, high = strike.low, strike.high
            if low is None:
                return float(high if high is not None else 0.0)
            if high is None:
                return float(low)
            share = (q - before) / (mass / total)
            return low + max(0.0, min(1.0, share)) * (high - low)
        before = upto
    last = strikes[-1]
    return float(last.low if last.low is not None else last.high or 0.0)
