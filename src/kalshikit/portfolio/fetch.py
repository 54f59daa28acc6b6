"""The P&L core's I/O shell: the account's fills, settlements, positions and books, through the
client's pagers (the shared rate limiter applies). Fills come from both sides of the
historical cutoff (live first, then the archive, each fill once by id), in the exchange's own
order.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from kalshikit.errors import KalshiError, ValidationError
from kalshikit.models import Fill, MarketPosition, Settlement
from kalshikit.orderbook import OrderBook
from kalshikit.portfolio.inputs import fill_from_wire, settlement_from_wire
from kalshikit.portfolio.pnl import PnlBook

if TYPE_CHECKING:
    from kalshikit.http.client import KalshiClient

__all__ = [
    "PnlInputs",
    "build_book",
    "fetch_books",
    "fetch_events",
    "fetch_fills",
    "fetch_inputs",
    "fetch_positions",
    "oldest_first",
]

_BEGINNING = datetime(2021, 1, 1, tzinfo=UTC)  # before Kalshi's first market


@dataclass(frozen=True, slots=True)
class PnlInputs:
    fills: list[Fill]
    settlements: list[Settlement]


def fetch_inputs(client: KalshiClient, since: datetime | None, until: datetime) -> PnlInputs:
    """Every fill and settlement of the account from ``since`` (the beginning when None) to
    ``until``, oldest first."""
    start = since or _BEGINNING
    if start > until:
        raise ValidationError("--since must be before --until")
    fills = fetch_fills(client, start, until)
    found = client.portfolio.settlements(min_ts=start, max_ts=until).to_list()
    settlements = sorted(found, key=lambda s: (s.settled_time, s.ticker))
    return PnlInputs(fills, settlements)


def fetch_fills(client: KalshiClient, start: datetime, until: datetime) -> list[Fill]:
    """The account's fills from ``start`` to ``until``: live, then the archive when the range
    starts before the cutoff (read after the live part, so a fill moved in between is found)."""
    live = client.portfolio.fills(min_ts=start, max_ts=until).to_list()
    parts = [live]
    if start < client.historical.cutoff().trades_created_ts:
        parts.append(client.historical.fills(min_ts=start, max_ts=until).to_list())
    return oldest_first(parts)


def _when(fill: Fill) -> datetime:
    if fill.created_time is not None:
        return fill.created_time
    return datetime.fromtimestamp(fill.ts or 0, UTC)


def oldest_first(listings: Iterable[list[Fill]]) -> list[Fill]:
    """Fills of newest-first listings, each once (by fill id), oldest first. Within one
    instant the exchange's own order is kept (each listing reversed, then a stable sort by
    time): a taker order's fills across price levels share a timestamp, and netting them in
    another order could close different contracts at different prices."""
    seen: dict[str, Fill] = {}
    for listing in listings:
        for fill in reversed(listing):
            seen.setdefault(fill.fill_id, fill)
    return sorted(seen.values(), key=_when)


def build_book(inputs: PnlInputs) -> PnlBook:
    """Fills and settlements into a book, in time order (a fill before a settlement at the
    same instant: a market stops trading before it settles)."""
    book = PnlBook()
    for _ in played(book, inputs):
        pass
    return book


def played(book: PnlBook, inputs: PnlInputs) -> Iterator[datetime]:
    """Add ``inputs`` to ``book`` in time order, yielding the time after each (a caller can
    read the book's totals as it grows: the realized P&L curve)."""
    events: list[tuple[datetime, int, Fill | Settlement]] = [
        (_when(fill), 0, fill) for fill in inputs.fills
    ]
    events += [(s.settled_time, 1, s) for s in inputs.settlements]
    for when, _, item in sorted(events, key=lambda e: (e[0], e[1])):
        if isinstance(item, Fill):
            book.add_fill(fill_from_wire(item))
        else:
            book.add_settlement(settlement_from_wire(item))
        yield when


def realized_curve(inputs: PnlInputs) -> tuple[PnlBook, list[tuple[datetime, Decimal]]]:
    """The book, and the realized P&L net of fees after each fill and settlement, in dollars:
    what closed trades and settlements have made so far (open positions are not marked: the
    past books they would need are not kept)."""
    book, curve = PnlBook(), []
    for when in played(book, inputs):
        curve.append((when, Decimal(book.totals().net) / 1_000_000))
    return book, curve


def fetch_positions(client: KalshiClient) -> list[MarketPosition]:
    """The exchange's per-market figures: every live position (settled too), then archived ones
    not already seen."""
    live = client.portfolio.positions(settlement_status="all").to_list()
    seen = {p.ticker for p in live}
    archived = [p for p in client.historical.positions() if p.ticker not in seen]
    return live + archived


def fetch_events(client: KalshiClient, book: PnlBook) -> set[str]:
    """Tell the book each held market's event (from the market itself) and return the
    mutually exclusive events among them; a market or event the exchange no longer serves is
    left to the ticker's own shape."""
    exclusive: set[str] = set()
    events: set[str] = set()
    for ticker, ledger in book.markets.items():
        if not ledger.position.size:
            continue
        with contextlib.suppress(KalshiError):  # archived or gone: the ticker's shape
            book.set_event(ticker, client.markets.get(ticker).event_ticker)
        events.add(book.event(ticker))
    for event in sorted(events):
        try:
            if client.events.get(event, with_nested_markets=False).mutually_exclusive:
                exclusive.add(event)
        except KalshiError:
            continue
    return exclusive


def fetch_books(client: KalshiClient, tickers: Iterable[str]) -> dict[str, OrderBook]:
    """Current books of the markets still held (for the marks); a closed market has none."""
    books = {}
    for ticker in tickers:
        levels = client.markets.orderbook(ticker)
        books[ticker] = OrderBook.from_rest(ticker, levels)
    return books
