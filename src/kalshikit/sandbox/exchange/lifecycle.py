"""Market state the exchange keeps beside the catalog: status, result, quotes and statistics,
plus the schedule of opens and closes. No I/O here.

Statuses are the object vocabulary (``initialized`` -> ``active`` -> ``closed`` -> ``determined``
-> ``finalized``); ``FILTER_STATUSES`` maps the query vocabulary of ``GET /markets`` onto them.
Statistics (last price, volume, open interest, best quotes) are updated at the end of each
command and their histories kept for candlesticks (for the live window: ``forget_before``) and,
in a compact ledger of a day, for the exact 24 h volume.
"""

from __future__ import annotations

import heapq
from array import array
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field, fields
from typing import Final

from kalshikit.fees import FeeSchedule
from kalshikit.models import Market, Series
from kalshikit.sandbox.exchange.orders import TradeRecord
from kalshikit.units import PriceGrid

__all__ = ["DAY_MS", "FILTER_STATUSES", "TRADEABLE", "MarketState", "Schedule"]

DAY_MS: Final = 86_400_000
TRADEABLE: Final = "active"
FILTER_STATUSES: Final[dict[str, frozenset[str]]] = {
    "unopened": frozenset({"initialized", "inactive"}),
    "open": frozenset({"active"}),
    "closed": frozenset({"closed", "determined", "disputed", "amended"}),
    "settled": frozenset({"finalized"}),
}


@dataclass(slots=True, eq=False)
class MarketState:
    """One market's live state; ``market`` is the catalog struct it started from."""

    market: Market
    series: Series | None
    grid: PriceGrid
    fees: FeeSchedule
    status: str
    open_ms: int
    close_ms: int
    result: str = ""
    close_moved: bool = False
    determined_ms: int | None = None
    settled_ms: int | None = None
    last_price: int = 0
    last_trade_size: int = 0
    volume: int = 0
    dollar_volume: int = 0
    open_interest: int = 0
    best_bid: int = 0
    bid_size: int = 0
    best_ask: int = 0
    ask_size: int = 0
    trades: list[TradeRecord] = field(default_factory=list)
    trade_times: list[int] = field(default_factory=list)
    volume_before: list[int] = field(default_factory=list)
    quotes: list[tuple[int, int, int]] = field(default_factory=list)
    interest: list[tuple[int, int]] = field(default_factory=list)
    # a day of (trade time, volume before it): 16 bytes a trade, for the exact 24 h volume
    day_times: array[int] = field(default_factory=lambda: array("q"))
    day_volume_before: array[int] = field(default_factory=lambda: array("q"))

    @property
    def ticker(self) -> str:
        return self.market.ticker

    @property
    def event_ticker(self) -> str:
        return self.market.event_ticker

    def record_trade(self, trade: TradeRecord) -> None:
        self.trades.append(trade)
        self.trade_times.append(trade.ts_ms)
        self.volume_before.append(self.volume)
        self.day_times.append(trade.ts_ms)
        self.day_volume_before.append(self.volume)
        self.volume += trade.size
        self.dollar_volume += trade.price * trade.size
        self.last_price = trade.price
        self.last_trade_size = trade.size

    def volume_since(self, since_ms: int) -> int:
        """Centi-contracts traded after ``since_ms`` (exact back to a day ago)."""
        first = bisect_left(self.day_times, since_ms + 1)
        if first >= len(self.day_times):
            return 0
        return self.volume - self.day_volume_before[first]

    def forget_before(self, cutoff_ms: int, day_cutoff_ms: int) -> None:
        """Drop the candlestick history stamped at or before ``cutoff_ms`` (keeping the quote
        and the open interest in force then) and the day ledger at or before ``day_cutoff_ms``."""
        # stamps are in command order, which candlesticks already read as time order
        gone = bisect_right(self.trade_times, cutoff_ms)
        if gone:
            del self.trades[:gone], self.trade_times[:gone], self.volume_before[:gone]
        gone = bisect_right(self.day_times, day_cutoff_ms)
        if gone:
            del self.day_times[:gone], self.day_volume_before[:gone]
        gone = bisect_right(self.quotes, (cutoff_ms, _LAST, _LAST)) - 1
        if gone > 0:
            del self.quotes[:gone]
        gone = bisect_right(self.interest, (cutoff_ms, _LAST)) - 1
        if gone > 0:
            del self.interest[:gone]

    def changing_fields(self) -> tuple[object, ...]:
        """What changes here (everything but the catalog's parts), for a snapshot."""
        return tuple(getattr(self, name) for name in _CHANGING)

    def restore_fields(self, values: tuple[object, ...]) -> None:
        """Take over what ``changing_fields`` gave (on a state built from the same catalog)."""
        for name, value in zip(_CHANGING, values, strict=True):
            setattr(self, name, value)

    def set_quotes(self, now_ms: int, bid: tuple[int, int], ask: tuple[int, int]) -> bool:
        """Store the new best bid/ask (price, size); True when anything changed."""
        if (self.best_bid, self.bid_size, self.best_ask, self.ask_size) == (*bid, *ask):
            return False
        if (self.best_bid, self.best_ask) != (bid[0], ask[0]) or not self.quotes:
            self.quotes.append((now_ms, bid[0], ask[0]))
        self.best_bid, self.bid_size = bid
        self.best_ask, self.ask_size = ask
        return True

    def mark_interest(self, now_ms: int) -> None:
        """Remember the open interest as of now (for candlesticks), once per change."""
        if not self.interest or self.interest[-1][1] != self.open_interest:
            self.interest.append((now_ms, self.open_interest))


# the fields built from the catalog (market, series, grid, fees) stay out of snapshots
_CHANGING: Final = tuple(f.name for f in fields(MarketState))[4:]
_LAST: Final = 1 << 62  # sorts after any price or size: (t, _LAST) follows every entry at t


class Schedule:
    """Times at which markets open or close, earliest first."""

    def __init__(self) -> None:
        self._heap: list[tuple[int, int, str, str]] = []
        self._pushed = 0

    def push(self, at_ms: int, ticker: str, kind: str) -> None:
        self._pushed += 1  # keeps equal times in the order they were scheduled
        heapq.heappush(self._heap, (at_ms, self._pushed, ticker, kind))

    def due(self, now_ms: int) -> bool:
        return bool(self._heap) and self._heap[0][0] <= now_ms

    def pop_due(self, now_ms: int) -> list[tuple[str, str]]:
        """(ticker, kind) of everything due at ``now_ms``, in time order."""
        popped: list[tuple[str, str]] = []
        heap = self._heap
        while heap and heap[0][0] <= now_ms:
            _, _, ticker, kind = heapq.heappop(heap)
            popped.append((ticker, kind))
        return popped
