"""P&L to the cent: ``PnlBook`` takes fills and settlements one by one. Pure: no I/O, no clock.

Realized P&L is gross of fees, counted as the exchange counts ``realized_pnl_dollars``: the
proceeds of closes and settlement payouts less the cost they release (``lots.MarketLedger``).
Fees are what each fill says it was charged. Unrealized P&L marks open positions at the book's
mid and at its executable bid (what selling now would get at the best bid).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from kalshikit.errors import ValidationError
from kalshikit.orderbook import OrderBook
from kalshikit.portfolio.inputs import MICRO_PER_DOLLAR, PnlFill, PnlSettlement
from kalshikit.portfolio.lots import ClosedLot, MarketLedger, OpenLot

__all__ = ["PnlBook", "PnlTotals", "event_of", "series_of"]


def series_of(ticker: str) -> str:
    """A market's series: the ticker up to its first ``-``."""
    return ticker.split("-", 1)[0]


def event_of(ticker: str) -> str:
    """A market's event when nothing better is known: SERIES-EVENT-MARKET -> SERIES-EVENT."""
    parts = ticker.split("-")
    return "-".join(parts[:2]) if len(parts) >= 3 else ticker


@dataclass(frozen=True, slots=True)
class PnlTotals:
    """Account totals; money in micro-dollars, unrealized in exact dollars (None: no mark)."""

    realized: int
    fees: int
    maker_fees: int
    taker_fees: int
    unrealized_mid: Decimal | None
    unrealized_bid: Decimal | None

    @property
    def net(self) -> int:
        return self.realized - self.fees


class PnlBook:
    """Incremental P&L of one account: ``add_fill``/``add_settlement`` in time order."""

    def __init__(self) -> None:
        self._markets: dict[str, MarketLedger] = {}
        self._events: dict[str, str] = {}
        self._fee_days: list[tuple[str, int, str]] = []  # (ticker, fee, UTC date) per fill
        self._fill_ids: set[str] = set()

    def ledger(self, ticker: str) -> MarketLedger:
        found = self._markets.get(ticker)
        if found is None:
            found = self._markets[ticker] = MarketLedger(ticker)
        return found

    def add_fill(self, fill: PnlFill) -> bool:
        """Apply one fill; a fill id seen before is ignored (returns False)."""
        if not isinstance(fill, PnlFill):
            raise ValidationError(f"add_fill needs a PnlFill (see fill_from_wire); got {fill!r}")
        if fill.fill_id and fill.fill_id in self._fill_ids:
            return False
        ledger = self.ledger(fill.ticker)
        if ledger.settled:
            raise ValidationError(f"fill {fill.fill_id} in {fill.ticker} after its settlement")
        self._fill_ids.add(fill.fill_id)
        ledger.add_fill(fill)
        self._fee_days.append((fill.ticker, fill.fee, fill.time.date().isoformat()))
        return True

    def add_settlement(self, settlement: PnlSettlement) -> None:
        """Settle the market (once; a repeated settlement is ignored)."""
        if not isinstance(settlement, PnlSettlement):
            raise ValidationError(
                "add_settlement needs a PnlSettlement (see settlement_from_wire); "
                f"got {settlement!r}"
            )
        if settlement.event_ticker:
            self._events[settlement.ticker] = settlement.event_ticker
        ledger = self.ledger(settlement.ticker)
        if not ledger.settled:
            ledger.settle(settlement)

    def set_event(self, ticker: str, event_ticker: str) -> None:
        """Say which event a market belongs to (settlements say it themselves)."""
        self._events[ticker] = event_ticker

    def event(self, ticker: str) -> str:
        return self._events.get(ticker) or event_of(ticker)

    @property
    def markets(self) -> Mapping[str, MarketLedger]:
        return self._markets

    def closed_lots(self) -> list[ClosedLot]:
        """Every closed lot, by time closed (ties in the order they closed)."""
        lots = [lot for ledger in self._markets.values() for lot in ledger.closed]
        return sorted(lots, key=lambda lot: lot.sold)

    def open_lots(self) -> list[tuple[str, OpenLot, int]]:
        """(ticker, lot, its cost in micro-dollars) for every contract still held."""
        return [
            (ticker, lot, ledger.open_cost_of(lot))
            for ticker, ledger in self._markets.items()
            for lot in ledger.lots
        ]

    def fee_days(self) -> Iterable[tuple[str, int, str]]:
        return iter(self._fee_days)

    def totals(self, books: Mapping[str, OrderBook] | None = None) -> PnlTotals:
        ledgers = self._markets.values()
        mid, bid = self.unrealized(books) if books is not None else (None, None)
        return PnlTotals(
            realized=sum(ledger.realized for ledger in ledgers),
            fees=sum(ledger.fees for ledger in ledgers),
            maker_fees=sum(ledger.maker_fees for ledger in ledgers),
            taker_fees=sum(ledger.taker_fees for ledger in ledgers),
            unrealized_mid=mid,
            unrealized_bid=bid,
        )

    def unrealized(self, books: Mapping[str, OrderBook]) -> tuple[Decimal | None, Decimal | None]:
        """Open positions marked at mid and at the best bid of the held side, less their cost;
        a total is None when any open position has no such mark (never a silent zero)."""
        mid_total: Decimal | None = Decimal(0)
        bid_total: Decimal | None = Decimal(0)
        for ticker, ledger in self._markets.items():
            size = ledger.position.size
            if not size:
                continue
            mid, bid = mark(books.get(ticker), size)
            cost = Decimal(ledger.position.cost) / MICRO_PER_DOLLAR
            mid_total = None if mid is None or mid_total is None else mid_total + mid - cost
            bid_total = None if bid is None or bid_total is None else bid_total + bid - cost
        return mid_total, bid_total


def mark(book: OrderBook | None, size: int) -> tuple[Decimal | None, Decimal | None]:
    """What ``size`` centi (+ YES, - NO) is worth at the mid and at the held side's best bid."""
    if book is None:
        return None, None
    contracts = Decimal(abs(size)) / 100
    yes_mid = book.mid
    held_mid = None if yes_mid is None else (yes_mid if size > 0 else 1 - yes_mid)
    best = book.best_yes_bid if size > 0 else book.best_no_bid
    mid_value = None if held_mid is None else held_mid * contracts
    bid_value = None if best is None else Decimal(best.ticks) / 10_000 * contracts
    return mid_value, bid_value
