"""What a ``PnlBook`` says, as rows: summaries by market, event, series or day; Form 8949 rows;
reconciliation against the exchange; exposure and worst case per event. Pure: no I/O.

Money leaves as exact dollar strings (``dollars``): at least 4 decimals, more only when the
amount needs them, never rounded.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from decimal import Decimal

from kalshikit.errors import ValidationError
from kalshikit.models import MarketPosition
from kalshikit.portfolio.inputs import MICRO_PER_DOLLAR, micro_of
from kalshikit.portfolio.lots import ClosedLot
from kalshikit.portfolio.pnl import PnlBook, series_of
from kalshikit.units import TICKS_PER_DOLLAR, centi_to_fp

__all__ = [
    "BY_KEYS",
    "EventRisk",
    "Form8949Row",
    "ReconRow",
    "SummaryRow",
    "dollars",
    "event_risks",
    "form_8949_rows",
    "reconcile",
    "summarize",
]

BY_KEYS = ("market", "event", "series", "day")


def dollars(amount: int | Decimal, least: int = 4) -> str:
    """Micro-dollars (int) or exact dollars (Decimal) as a dollar string with at least
    ``least`` decimals, more only when needed: 12340000 -> 12.3400."""
    value = Decimal(amount) / MICRO_PER_DOLLAR if isinstance(amount, int) else amount
    text = format(value, "f")
    whole, _, frac = text.partition(".")
    frac = frac.rstrip("0")
    return f"{whole}.{frac.ljust(least, '0')}"


@dataclass(frozen=True, slots=True)
class SummaryRow:
    """One group's figures (micro-dollars); ``position`` (centi, signed) and ``cost`` only for
    a market (None for event, series and day groups)."""

    key: str
    realized: int
    fees: int
    position: int | None
    cost: int | None

    @property
    def net(self) -> int:
        return self.realized - self.fees

    def to_json(self) -> dict[str, object]:
        return {
            "key": self.key, "realized": dollars(self.realized), "fees": dollars(self.fees),
            "net": dollars(self.net),
            "position": None if self.position is None else centi_to_fp(self.position),
            "cost": None if self.cost is None else dollars(self.cost),
        }  # fmt: skip


def _group_key(book: PnlBook, by: str, ticker: str) -> str:
    return ticker if by == "market" else book.event(ticker) if by == "event" else series_of(ticker)


def summarize(book: PnlBook, by: str = "market") -> list[SummaryRow]:
    """Realized, fees and net per market, event, series or UTC day, sorted by key."""
    if by not in BY_KEYS:
        raise ValidationError(f"--by must be one of {', '.join(BY_KEYS)}; got {by!r}")
    if by == "day":
        return _by_day(book)
    realized: dict[str, int] = {}
    fees: dict[str, int] = {}
    cost: dict[str, int] = {}
    for ticker, ledger in book.markets.items():
        key = _group_key(book, by, ticker)
        realized[key] = realized.get(key, 0) + ledger.realized
        fees[key] = fees.get(key, 0) + ledger.fees
        cost[key] = cost.get(key, 0) + ledger.position.cost
    market = by == "market"
    return [
        SummaryRow(
            key, realized[key], fees[key],
            book.markets[key].position.size if market else None, cost[key] if market else None,
        )
        for key in sorted(realized)
    ]  # fmt: skip


def _by_day(book: PnlBook) -> list[SummaryRow]:
    realized: dict[str, int] = {}
    fees: dict[str, int] = {}
    for lot in book.closed_lots():
        day = lot.sold.date().isoformat()
        realized[day] = realized.get(day, 0) + lot.gain
    for _, fee, day in book.fee_days():
        fees[day] = fees.get(day, 0) + fee
    for ledger in book.markets.values():  # a settlement of unseen fills brings its own fees
        for lot in ledger.closed:
            if lot.acquired is None:
                day = lot.sold.date().isoformat()
                fees[day] = fees.get(day, 0) + ledger.fees
    days = sorted(set(realized) | set(fees))
    return [SummaryRow(d, realized.get(d, 0), fees.get(d, 0), None, None) for d in days]


@dataclass(frozen=True, slots=True)
class Form8949Row:
    """One closed lot in the columns of IRS Form 8949 (gross of fees; micro-dollars)."""

    description: str
    acquired: str
    sold: str
    proceeds: int
    cost: int

    @property
    def gain(self) -> int:
        return self.proceeds - self.cost

    def cells(self) -> list[str]:
        return [
            self.description, self.acquired, self.sold, dollars(self.proceeds, 2),
            dollars(self.cost, 2), dollars(self.gain, 2),
        ]  # fmt: skip


FORM_8949_COLUMNS = ("description", "date acquired", "date sold", "proceeds", "cost basis", "gain")


def _describe(lot: ClosedLot) -> str:
    count = centi_to_fp(lot.count).removesuffix(".00")
    return f"{count} {lot.side.upper()} {lot.ticker}"


def form_8949_rows(lots: Iterable[ClosedLot]) -> list[Form8949Row]:
    """Closed lots as 8949 rows; dates are UTC days (VARIOUS when the buys were never seen)."""
    return [
        Form8949Row(
            _describe(lot), "VARIOUS" if lot.acquired is None else lot.acquired.date().isoformat(),
            lot.sold.date().isoformat(), lot.proceeds, lot.cost,
        )
        for lot in lots
    ]  # fmt: skip


@dataclass(frozen=True, slots=True)
class ReconRow:
    """Ours against the exchange's, per market (micro-dollars); differences are kept."""

    ticker: str
    realized: int
    exchange_realized: int
    fees: int
    exchange_fees: int

    def to_json(self) -> dict[str, object]:
        return {
            "ticker": self.ticker, "realized": dollars(self.realized),
            "exchange_realized": dollars(self.exchange_realized),
            "realized_diff": dollars(self.realized - self.exchange_realized),
            "fees": dollars(self.fees), "exchange_fees": dollars(self.exchange_fees),
            "fees_diff": dollars(self.fees - self.exchange_fees),
        }  # fmt: skip

    @property
    def matches(self) -> bool:
        return self.realized == self.exchange_realized and self.fees == self.exchange_fees


def reconcile(book: PnlBook, positions: Iterable[MarketPosition]) -> list[ReconRow]:
    """One row per market the exchange reports, ours beside its ``realized_pnl_dollars`` and
    ``fees_paid_dollars``; a market only we know of gets a row too (against zero), so no
    difference is left out."""
    rows = []
    reported = list(positions)
    for ticker in sorted(set(book.markets) - {p.ticker for p in reported}):
        ours = book.markets[ticker]
        if ours.realized or ours.fees:
            rows.append(ReconRow(ticker, ours.realized, 0, ours.fees, 0))
    for position in reported:
        ledger = book.markets.get(position.ticker)
        rows.append(
            ReconRow(
                position.ticker, 0 if ledger is None else ledger.realized,
                micro_of(position.realized_pnl_dollars), 0 if ledger is None else ledger.fees,
                micro_of(position.fees_paid_dollars),
            )
        )  # fmt: skip
    return sorted(rows, key=lambda row: row.ticker)


@dataclass(frozen=True, slots=True)
class EventRisk:
    """Per event (micro-dollars): ``exposure`` what the open positions cost; ``worst`` the
    lowest outcome of payouts less that cost (negative is a loss)."""

    event_ticker: str
    exposure: int
    worst: int


def event_risks(book: PnlBook, mutually_exclusive: Collection[str] = ()) -> list[EventRisk]:
    """Exposure and worst case of each event with open positions. In a mutually exclusive
    event at most one market resolves YES, so the outcomes are "market m wins" for each
    market and "none wins"; otherwise each market's worst side counts on its own."""
    events: dict[str, list[tuple[str, int, int]]] = {}
    for ticker, ledger in book.markets.items():
        if ledger.position.size:
            holding = (ticker, ledger.position.size, ledger.position.cost)
            events.setdefault(book.event(ticker), []).append(holding)
    risks = []
    for event, held in sorted(events.items()):
        cost = sum(c for _, _, c in held)
        if event in mutually_exclusive:
            winners: list[str | None] = [t for t, _, _ in held] + [None]
            worst = min(_payout_if(held, w) for w in winners) - cost
        else:
            worst = -cost  # independent markets can each resolve against what is held
        risks.append(EventRisk(event, cost, worst))
    return risks


def _payout_if(held: list[tuple[str, int, int]], winner: str | None) -> int:
    """What the held positions pay when ``winner`` (or no market) resolves YES."""
    paid = 0
    for ticker, size, _ in held:
        yes_wins = ticker == winner
        paid += max(size, 0) * TICKS_PER_DOLLAR if yes_wins else max(-size, 0) * TICKS_PER_DOLLAR
    return paid
