"""The end-of-run report: P&L after fees, fills, fill ratio, exposure and drawdown. No I/O here.

The runner feeds :class:`Tally` as it goes (each fill, and the account's equity marked to market
at each fill, timer and the end); :meth:`Tally.report` turns that into a :class:`Report`. Money is
exact (micro-dollars inside, Decimal dollars out); equity is cash plus positions marked at the
book's mid (a NO position at one minus it), so a run that ends after settlement ends on cash.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from kalshikit.orderbook import OrderBook
from kalshikit.units import TICKS_PER_DOLLAR

__all__ = ["Report", "Tally", "mark_micro"]

_MICRO = Decimal(1_000_000)
_CHART_ONLY = frozenset({"curve", "net_by_ticker"})


def mark_micro(position: int, book: OrderBook | None) -> int | None:
    """A signed position (centi-contracts) marked at the book's mid, micro-dollars; None when
    the book has no two-sided quote to mark at."""
    if not position:
        return 0
    mid = None if book is None else book.mid
    if mid is None:
        return None
    mid_ticks = int(mid * TICKS_PER_DOLLAR)
    price = mid_ticks if position > 0 else TICKS_PER_DOLLAR - mid_ticks
    return abs(position) * price  # centi x ticks = micro-dollars


@dataclass
class Tally:
    """What a run did, accumulated as it happens."""

    start_equity_micro: int
    fills: int = 0
    filled_centi: int = 0
    maker_centi: int = 0
    fees_micro: int = 0
    peak_micro: int = 0
    drawdown_micro: int = 0
    exposure_micro: int = 0
    last_equity_micro: int = 0
    by_market: dict[str, int] = field(default_factory=dict)  # filled centi per market
    messages: int = 0
    callback_errors: int = 0
    curve: list[tuple[int, int]] = field(default_factory=list)  # (unix ns, equity micro)
    net_by_ticker: dict[str, Decimal] = field(default_factory=dict)  # dollars, after fees
    realized_net_micro: int | None = None  # closed trades and settlements, after fees

    def __post_init__(self) -> None:
        self.peak_micro = self.last_equity_micro = self.start_equity_micro

    def fill(self, ticker: str, centi: int, fee_micro: int, maker: bool) -> None:
        self.fills += 1
        self.filled_centi += centi
        self.maker_centi += centi if maker else 0
        self.fees_micro += fee_micro
        self.by_market[ticker] = self.by_market.get(ticker, 0) + centi

    def equity(self, equity_micro: int, exposure_micro: int, at_ns: int | None = None) -> None:
        """One sample of the account marked to market (kept for the charts when timed)."""
        if at_ns is not None:
            self.curve.append((at_ns, equity_micro))
        self.last_equity_micro = equity_micro
        self.peak_micro = max(self.peak_micro, equity_micro)
        self.drawdown_micro = max(self.drawdown_micro, self.peak_micro - equity_micro)
        self.exposure_micro = max(self.exposure_micro, exposure_micro)

    def report(self, *, sent: int, sent_centi: int, refusals: int, seconds: float) -> Report:
        return Report(
            pnl=_dollars(self.last_equity_micro - self.start_equity_micro),
            realized=None if self.realized_net_micro is None else _dollars(self.realized_net_micro),
            fees=_dollars(self.fees_micro),
            fills=self.fills,
            contracts_filled=Decimal(self.filled_centi) / 100,
            fill_ratio=_share(self.filled_centi, sent_centi),
            maker_share=round(self.maker_centi / self.filled_centi, 4)
            if self.filled_centi
            else None,
            max_exposure=_dollars(self.exposure_micro),
            max_drawdown=_dollars(self.drawdown_micro),
            orders_sent=sent,
            orders_refused=refusals,
            markets_traded=len(self.by_market),
            messages=self.messages,
            callback_errors=self.callback_errors,
            seconds=round(seconds, 3),
            curve=tuple(
                (datetime.fromtimestamp(ns / 1e9, UTC), Decimal(micro) / _MICRO)
                for ns, micro in self.curve
            ),
            net_by_ticker=dict(self.net_by_ticker),
        )


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _dollars(micro: int) -> Decimal:
    return Decimal(micro) / _MICRO


@dataclass(frozen=True)
class Report:
    """A run's outcome. ``pnl`` is after fees (fees are paid out of cash)."""

    pnl: Decimal
    realized: Decimal | None  # of it, closed trades and settlements (kalshikit.portfolio)
    fees: Decimal
    fills: int
    contracts_filled: Decimal
    fill_ratio: float | None  # contracts filled over contracts sent
    maker_share: float | None  # of the contracts filled, the share that rested first
    max_exposure: Decimal  # the largest value of open positions, marked
    max_drawdown: Decimal  # the largest fall of equity from a peak
    orders_sent: int
    orders_refused: int
    markets_traded: int
    messages: int
    callback_errors: int
    seconds: float
    # equity over the run, for the charts (not in the JSON document: a day is thousands)
    curve: tuple[tuple[datetime, Decimal], ...] = field(default=(), repr=False, compare=False)
    net_by_ticker: dict[str, Decimal] = field(default_factory=dict, repr=False, compare=False)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready: money as exact strings, as the wire writes it."""
        return {k: str(v) if isinstance(v, Decimal) else v
                for k, v in asdict(self).items() if k not in _CHART_ONLY}  # fmt: skip

    def rate(self) -> float:
        """Messages per second through the run."""
        return self.messages / self.seconds if self.seconds > 0 else 0.0
