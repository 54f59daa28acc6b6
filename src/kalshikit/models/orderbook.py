"""Order-book wire structs (current and January shapes) and their one normalized view. No I/O here.

The book holds bids only: a YES bid at p is a NO ask at 1 - p. Current bodies send
``orderbook_fp{yes_dollars, no_dollars}`` with [price $, count fp] string pairs; January bodies
sent ``orderbook{yes, no, yes_dollars, no_dollars}`` with integer cents / integer counts (any array
may be null). :attr:`OrderbookResponse.book` turns any of them into :class:`OrderbookLevels`.
"""

from __future__ import annotations

from collections.abc import Iterable

import msgspec

from kalshikit.models.base import WireModel
from kalshikit.units import (
    centi_to_fp,
    cents_to_ticks,
    dollars_to_ticks,
    fp_to_centi,
    ticks_to_dollars,
)

__all__ = [
    "Level",
    "MarketOrderbook",
    "Orderbook",
    "OrderbookFp",
    "OrderbookLevels",
    "OrderbookResponse",
    "OrderbooksResponse",
    "normalize_book",
]

Level = tuple[str, str]
"""(price in dollars, count as a fixed-point string), e.g. ("0.4200", "13.00")."""


class OrderbookLevels(msgspec.Struct, kw_only=True, frozen=True):
    """Bids on each side as (price $, count fp) pairs, ascending by price (best bid last).

    Prices have 4 decimals and counts 2, whatever shape they came in. Not a wire shape: built by
    :func:`normalize_book`.
    """

    yes: list[Level]
    no: list[Level]


class OrderbookFp(WireModel, kw_only=True, frozen=True):
    """The current ``orderbook_fp`` (SDK ``OrderbookCountFp``); arrays tolerated as null."""

    yes_dollars: list[tuple[str, str]] | None = None
    no_dollars: list[tuple[str, str]] | None = None


class Orderbook(WireModel, kw_only=True, frozen=True):
    """The January 2026 ``orderbook``: cents pairs and ["0.15", 100] pairs; arrays may be null."""

    yes: list[tuple[int, int]] | None = None
    no: list[tuple[int, int]] | None = None
    yes_dollars: list[tuple[str, int | str]] | None = None
    no_dollars: list[tuple[str, int | str]] | None = None


def _centi(count: int | str) -> int:
    return count * 100 if isinstance(count, int) else fp_to_centi(count)


def _levels(pairs: Iterable[tuple[int, int]]) -> list[Level]:
    """(ticks, centi-contracts) pairs to wire strings, ascending by price."""
    return [(ticks_to_dollars(t), centi_to_fp(c)) for t, c in sorted(pairs)]


def _from_fp(levels: list[tuple[str, str]] | None) -> list[Level]:
    return _levels((dollars_to_ticks(p), fp_to_centi(c)) for p, c in levels or ())


def _from_jan(
    dollars: list[tuple[str, int | str]] | None, cents: list[tuple[int, int]] | None
) -> list[Level]:
    if dollars is not None:
        return _levels((dollars_to_ticks(p), _centi(c)) for p, c in dollars)
    return _levels((cents_to_ticks(p), c * 100) for p, c in cents or ())


def normalize_book(current: OrderbookFp | None, january: Orderbook | None) -> OrderbookLevels:
    """One view of either shape: ``orderbook_fp`` if present, else January's dollar arrays
    (per side), else January's cent arrays; each side sorted ascending by price."""
    if current is not None:
        return OrderbookLevels(yes=_from_fp(current.yes_dollars), no=_from_fp(current.no_dollars))
    if january is not None:
        return OrderbookLevels(
            yes=_from_jan(january.yes_dollars, january.yes),
            no=_from_jan(january.no_dollars, january.no),
        )
    return OrderbookLevels(yes=[], no=[])


class OrderbookResponse(WireModel, kw_only=True, frozen=True):
    """``GET /markets/{ticker}/orderbook``: ``orderbook_fp`` now, ``orderbook`` in January."""

    orderbook_fp: OrderbookFp | None = None
    orderbook: Orderbook | None = None

    @property
    def book(self) -> OrderbookLevels:
        return normalize_book(self.orderbook_fp, self.orderbook)


class MarketOrderbook(WireModel, kw_only=True, frozen=True):
    """One entry of ``GET /markets/orderbooks`` (SDK ``MarketOrderbookFp``)."""

    ticker: str
    orderbook_fp: OrderbookFp | None = None

    @property
    def book(self) -> OrderbookLevels:
        return normalize_book(self.orderbook_fp, None)


class OrderbooksResponse(WireModel, kw_only=True, frozen=True):
    """``GET /markets/orderbooks``."""

    orderbooks: list[MarketOrderbook]
