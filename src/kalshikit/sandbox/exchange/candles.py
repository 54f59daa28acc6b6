"""Candlesticks of one market, built from its real sandbox trades, quotes and open interest.

No I/O here. A candle covers ``(end - period, end]`` with ``end_period_ts`` a multiple of the period
(unix seconds, inclusive end). ``price`` comes from the trades inside it (null when none traded;
``mean`` is volume-weighted, rounded to the tick), ``yes_bid``/``yes_ask`` from the best quotes in
force during it (carried forward through quiet periods, as in the January recordings),
``open_interest_fp`` is the value at its end. ``yes_bid``/``yes_ask`` always carry all four
``*_dollars`` (SDK 3.34 requires them): before the first quote the sandbox saw (before it
started, or before any order) the book was empty, which Kalshi quotes as 0.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from typing import Final

from kalshikit.models import BidAskOhlc, Candlestick, PriceOhlc
from kalshikit.sandbox.exchange.errors import bad_request
from kalshikit.sandbox.exchange.lifecycle import MarketState
from kalshikit.units import centi_to_fp, ticks_to_dollars

__all__ = ["MAX_CANDLES", "PERIODS", "candlesticks"]

PERIODS: Final = frozenset({1, 60, 1440})
MAX_CANDLES: Final = 10_000


def candlesticks(
    state: MarketState, start_ts: int, end_ts: int, period_minutes: int, latest_before: bool
) -> list[Candlestick]:
    ends = _period_ends(start_ts, end_ts, period_minutes)
    period_ms = period_minutes * 60_000
    candles = [_candle(state, end * 1000 - period_ms, end * 1000) for end in ends]
    if latest_before and ends:
        candles.insert(0, _synthetic(state, ends[0] * 1000 - period_ms))
    return candles


def _period_ends(start_ts: int, end_ts: int, period_minutes: int) -> range:
    if period_minutes not in PERIODS:
        raise bad_request(
            "invalid_parameters", f"period_interval must be 1, 60 or 1440, got {period_minutes!r}"
        )
    if start_ts > end_ts:
        raise bad_request("invalid_parameters", "start_ts must not be after end_ts")
    period = period_minutes * 60
    first, last = -(-start_ts // period) * period, -(-end_ts // period) * period
    ends = range(first, last + 1, period)
    if len(ends) > MAX_CANDLES:
        raise bad_request(
            "invalid_parameters",
            f"that asks for {len(ends)} candles; at most {MAX_CANDLES}: narrow the range",
        )
    return ends


def _volume_at(state: MarketState, index: int) -> int:
    """Centi-contracts traded before trade number ``index``."""
    return state.volume_before[index] if index < len(state.trades) else state.volume


def _dollars(ticks: int | None) -> str | None:
    return None if ticks is None else ticks_to_dollars(ticks)


def _candle(state: MarketState, low_ms: int, high_ms: int) -> Candlestick:
    first = bisect_right(state.trade_times, low_ms)
    last = bisect_right(state.trade_times, high_ms)
    volume = _volume_at(state, last) - _volume_at(state, first)
    quotes = _quotes_in(state.quotes, low_ms, high_ms)
    return Candlestick(
        end_period_ts=high_ms // 1000,
        yes_bid=_ohlc([bid for bid, _ in quotes]),
        yes_ask=_ohlc([ask for _, ask in quotes]),
        price=_price(state, first, last),
        volume_fp=centi_to_fp(volume),
        open_interest_fp=centi_to_fp(_interest_at(state, high_ms)),
    )


def _price(state: MarketState, first: int, last: int) -> PriceOhlc:
    previous = _dollars(state.trades[first - 1].price) if first > 0 else None
    trades = state.trades[first:last]
    if not trades:
        return PriceOhlc(previous_dollars=previous)
    prices = [t.price for t in trades]
    size = sum(t.size for t in trades)
    mean = (2 * sum(t.price * t.size for t in trades) + size) // (2 * size)
    low, high = ticks_to_dollars(min(prices)), ticks_to_dollars(max(prices))
    return PriceOhlc(
        open_dollars=ticks_to_dollars(prices[0]), low_dollars=low, high_dollars=high,
        close_dollars=ticks_to_dollars(prices[-1]), mean_dollars=ticks_to_dollars(mean),
        previous_dollars=previous, min_dollars=low, max_dollars=high,
    )  # fmt: skip


def _quotes_in(
    quotes: Sequence[tuple[int, int, int]], low_ms: int, high_ms: int
) -> list[tuple[int, int]]:
    """(bid, ask) in force over ``(low, high]``: the one at its start, then each change."""
    start = bisect_right(quotes, (low_ms, 1 << 62, 1 << 62))
    stop = bisect_right(quotes, (high_ms, 1 << 62, 1 << 62))
    in_force = [(b, a) for _, b, a in quotes[max(start - 1, 0) : stop]]
    return in_force if stop > 0 else []


def _ohlc(values: list[int]) -> BidAskOhlc:
    if not values:
        values = [0]  # no quote yet: an empty side, quoted 0 as on the market object
    return BidAskOhlc(
        open_dollars=ticks_to_dollars(values[0]), low_dollars=ticks_to_dollars(min(values)),
        high_dollars=ticks_to_dollars(max(values)), close_dollars=ticks_to_dollars(values[-1]),
    )  # fmt: skip


def _interest_at(state: MarketState, at_ms: int) -> int:
    index = bisect_right(state.interest, (at_ms, 1 << 62))
    return state.interest[index - 1][1] if index else 0


def _synthetic(state: MarketState, start_ms: int) -> Candlestick:
    """The candle before the first one: no price OHLC, only the last traded price before it;
    the quotes are those in force at its end (a price-less instant, like any quiet period)."""
    index = bisect_right(state.trade_times, start_ms)
    previous = _dollars(state.trades[index - 1].price) if index else None
    quotes = _quotes_in(state.quotes, start_ms, start_ms)
    return Candlestick(
        end_period_ts=start_ms // 1000,
        yes_bid=_ohlc([bid for bid, _ in quotes]),
        yes_ask=_ohlc([ask for _, ask in quotes]),
        price=PriceOhlc(previous_dollars=previous),
        volume_fp="0.00",
        open_interest_fp=centi_to_fp(_interest_at(state, start_ms)),
    )
