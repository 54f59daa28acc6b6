"""What the dashboard's page shows, as JSON-ready dicts: pure functions of the live state.

Every number reaches the page twice: exact (wire strings: dollars, ``_fp`` sizes) for anything
that compares or computes, and written for a person by :mod:`kalshikit.units.display`, the one
format the CLI uses, so the page reads ``72¢`` and ``3`` exactly where ``kalshi markets book``
does. The page's script formats nothing itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from kalshikit.config import APIConfig, Environment
from kalshikit.orderbook import OrderBook
from kalshikit.portfolio.pnl import PnlBook, mark
from kalshikit.portfolio.reports import dollars
from kalshikit.scanner.rules import Signal
from kalshikit.scanner.state import MarketState
from kalshikit.units import Contracts, Price, Side
from kalshikit.units.display import ID_PREFIX, cents, contracts, money, order_words, quote
from kalshikit.units.wire import centi_to_fp, ticks_to_dollars

__all__ = [
    "Resting",
    "TradeRow",
    "banner",
    "direction",
    "ladder",
    "orders",
    "portfolio",
    "ranking",
    "title_of",
    "trades",
]

TICKS_PER_DOLLAR: Final = 10_000
MICRO_PER_DOLLAR: Final = Decimal(1_000_000)


@dataclass(frozen=True, slots=True)
class Resting:
    """One of the account's resting orders, as the ladder and the orders table need it:
    ``book_side`` and ``yes_ticks`` are the V2 wire's (a bid rests on the YES ladder at that
    price; an ask is a NO bid at 1 - price)."""

    order_id: str
    ticker: str
    book_side: str
    outcome_side: str
    yes_ticks: int
    remaining_centi: int

    @property
    def level(self) -> tuple[str, int]:
        """(the ladder it rests on, its price there in ticks)."""
        if self.book_side == "bid":
            return "yes", self.yes_ticks
        return "no", TICKS_PER_DOLLAR - self.yes_ticks


@dataclass(frozen=True, slots=True)
class TradeRow:
    """One public trade: when (ms), the YES price (ticks), contracts (centi), the taker's side."""

    ts_ms: int
    yes_ticks: int
    count_centi: int
    taker: str


def direction(
    book_side: str | None, outcome_side: str | None, yes: bool | None = None
) -> tuple[str, str] | None:
    """(book side, outcome side) of an order from whichever the wire sent: the V2 fields carry
    one bit (yes = bid, no = ask; kalshi-rest.md), ``yes`` is a legacy message's own word."""
    if book_side in ("bid", "ask"):
        return book_side, "yes" if book_side == "bid" else "no"
    if outcome_side in ("yes", "no"):
        return ("bid" if outcome_side == "yes" else "ask"), outcome_side
    if yes is not None:
        return ("bid", "yes") if yes else ("ask", "no")
    return None


_BANNERS: Final = {
    Environment.LOCAL: ("SANDBOX", "the local sandbox exchange: no real money", "sandbox"),
    Environment.PAPER: (
        "PAPER",
        "paper trading on live books: simulated fills, no real money",
        "paper",
    ),
    Environment.DEMO: ("DEMO", "Kalshi's demo exchange: no real money", "demo"),
    Environment.PROD: (
        "PRODUCTION",
        "Kalshi's real exchange: REAL MONEY, orders ask first",
        "prod",
    ),
}


def banner(config: APIConfig) -> dict[str, Any]:
    """The environment, unmistakably: its name, what it means and the page's colour for it."""
    name, words, tone = _BANNERS[config.environment]
    return {"env": config.environment.value, "name": name, "words": words, "tone": tone,
            "url": config.rest_url, "signed_in": config.has_credentials}  # fmt: skip


def ladder(book: OrderBook | None, resting: Iterable[Resting], depth: int = 10) -> dict[str, Any]:
    """The best ``depth`` bids of each side, best first, each with its depth bar (its size over
    the largest size shown) and the account's own contracts resting there."""
    if book is None:
        return {"exact": False, "yes": [], "no": [], "quotes": _quotes(None)}
    mine: dict[tuple[str, int], int] = {}
    for order in resting:
        if order.ticker == book.ticker:
            mine[order.level] = mine.get(order.level, 0) + order.remaining_centi
    sides = {side: _with_own(book, side, depth, mine) for side in ("yes", "no")}
    largest = max((size.centi for levels in sides.values() for _, size in levels), default=0)
    return {
        "exact": book.trusted,
        **{side: [_level(side, price, size, largest, mine) for price, size in levels]
           for side, levels in sides.items()},
        "quotes": _quotes(book),
    }  # fmt: skip


def _with_own(
    book: OrderBook, side: Side, depth: int, mine: Mapping[tuple[str, int], int]
) -> list[tuple[Price, Contracts]]:
    """The best ``depth`` levels, and a level for each of the account's own prices among them
    that the book does not show (a paper account's orders are not in the source's book)."""
    levels = book.depth(depth, side)
    shown = {price.ticks for price, _ in levels}
    own = [Price.from_ticks(ticks) for (at, ticks) in mine if at == side and ticks not in shown]
    if not own:
        return levels
    levels += [(price, book.size_at(side, price)) for price in own]
    return sorted(levels, key=lambda level: level[0].ticks, reverse=True)[:depth]


def _level(
    side: str, price: Price, size: Contracts, largest: int, mine: Mapping[tuple[str, int], int]
) -> dict[str, Any]:
    own = mine.get((side, price.ticks))
    return {
        "price": ticks_to_dollars(price.ticks), "size": centi_to_fp(size.centi),
        "price_text": cents(price), "size_text": contracts(size),
        "bar": size.centi / largest if largest else 0,  # display only: a float is fine
        "mine": None if own is None else contracts(Contracts.from_centi(own)),
    }  # fmt: skip


def _quotes(book: OrderBook | None) -> dict[str, str]:
    if book is None:
        return {"yes_bid": quote(None), "yes_ask": quote(None), "spread": quote(None)}
    spread = book.spread
    return {"yes_bid": quote(book.best_yes_bid), "yes_ask": quote(book.best_yes_ask),
            "spread": cents(spread) if spread is not None else quote(None)}  # fmt: skip


def trades(rows: Sequence[TradeRow], limit: int = 20) -> list[dict[str, Any]]:
    """The newest ``limit`` trades, newest first: the taker's side and the price they paid."""
    shown = []
    for row in list(rows)[-limit:][::-1]:
        paid = row.yes_ticks if row.taker == "yes" else TICKS_PER_DOLLAR - row.yes_ticks
        shown.append({
            "ts_ms": row.ts_ms, "taker": row.taker.upper(),
            "yes_price": ticks_to_dollars(row.yes_ticks),
            "price_text": cents(Price.from_ticks(paid)),
            "count_text": contracts(Contracts.from_centi(row.count_centi)),
        })  # fmt: skip
    return shown


def orders(resting: Iterable[Resting], ticker: str | None = None) -> list[dict[str, Any]]:
    """The account's resting orders (one market's, or all), in the user's words."""
    rows = []
    for order in resting:
        if ticker is not None and order.ticker != ticker:
            continue
        words = order_words(order.book_side, Price.from_ticks(order.yes_ticks), order.outcome_side)
        rows.append({
            "order_id": order.order_id, "short_id": order.order_id[:ID_PREFIX],
            "ticker": order.ticker, "words": words,
            "left_text": contracts(Contracts.from_centi(order.remaining_centi)),
        })  # fmt: skip
    return sorted(rows, key=lambda row: (row["ticker"], row["words"]))


def ranking(signals: Iterable[Signal], states: Mapping[str, MarketState]) -> list[dict[str, Any]]:
    """The scanner's top signals, each with its market's title and quotes."""
    rows = []
    for signal in signals:
        state = states.get(signal.ticker)
        rows.append({
            "ticker": signal.ticker, "reason": signal.reason,
            "title": title_of(state),
            "yes_bid": quote(_price(state.yes_bid if state else None)),
            "yes_ask": quote(_price(state.yes_ask if state else None)),
            "last": quote(_price(state.last_price if state else None)),
        })  # fmt: skip
    return rows


def listing(states: Mapping[str, MarketState], n: int) -> list[dict[str, Any]]:
    """Before anything ranks (a quiet exchange): the markets themselves, busiest first."""
    chosen = sorted(states.values(), key=lambda s: (-(s.volume or 0), s.ticker))[:n]
    return [{"ticker": s.ticker, "reason": "", "title": title_of(s),
             "yes_bid": quote(_price(s.yes_bid)), "yes_ask": quote(_price(s.yes_ask)),
             "last": quote(_price(s.last_price))} for s in chosen]  # fmt: skip


def title_of(state: MarketState | None) -> str:
    """A market's title and, when it has one, its own outcome."""
    if state is None:
        return ""
    return f"{state.title} — {state.subtitle}" if state.subtitle else state.title


def _price(ticks: int | None) -> Price | None:
    return None if ticks is None else Price.from_ticks(ticks)


def portfolio(book: PnlBook | None, books: Mapping[str, OrderBook]) -> dict[str, Any]:
    """Open positions marked at the live mid, and the account's P&L (``kalshi portfolio pnl``'s
    figures; unrealized is None, shown ``—``, when a held market has no mark)."""
    if book is None:
        return {"ready": False, "positions": [], "totals": None}
    positions = []
    for ticker, ledger in sorted(book.markets.items()):
        size = ledger.position.size
        if not size or ledger.settled:
            continue
        mid, _ = mark(books.get(ticker), size)
        cost = Decimal(ledger.position.cost) / MICRO_PER_DOLLAR
        positions.append({
            "ticker": ticker,
            "position_text": f"{contracts(Contracts.from_centi(abs(size)))} "
                             f"{'YES' if size > 0 else 'NO'}",
            "cost_text": money(cost), "realized_text": money(_dollars(ledger.realized)),
            "unrealized_text": money(None if mid is None else mid - cost),
        })  # fmt: skip
    totals = book.totals(books)
    return {"ready": True, "positions": positions, "totals": {
        "realized": dollars(totals.realized), "fees": dollars(totals.fees),
        "net": dollars(totals.net),
        "realized_text": money(_dollars(totals.realized)),
        "fees_text": money(_dollars(totals.fees)),
        "net_text": money(_dollars(totals.net)),
        "unrealized_text": money(totals.unrealized_mid),
    }}  # fmt: skip


def _dollars(micro: int) -> Decimal:
    return Decimal(micro) / MICRO_PER_DOLLAR
