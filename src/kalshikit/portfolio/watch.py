"""Intraday P&L: the same figures as ``kalshi portfolio pnl``, kept current from the streams.

The account's ``fill`` and ``market_positions`` streams say when something changed; each change
(at most one a second) reads the fills and settlements again over REST and rebuilds the book, so
the figures are exactly those of a fresh ``pnl`` (the stream's messages name no fill id the
listing shares, and a merge could count a fill twice or miss one). The held markets' books come
from ``orderbook_delta``, so the unrealized marks move with the market between fills.
``on_totals`` gets the totals after every refresh and every second of book changes.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime

from kalshikit.config import APIConfig
from kalshikit.http.client import KalshiClient
from kalshikit.portfolio.fetch import build_book, fetch_inputs
from kalshikit.portfolio.pnl import PnlBook, PnlTotals
from kalshikit.ws import KalshiWebSocket

__all__ = ["watch_pnl"]

_EVERY_S = 1.0  # the most often the book is rebuilt, and the totals shown


def _held(book: PnlBook) -> list[str]:
    return sorted(t for t, ledger in book.markets.items()
                  if ledger.position.size and not ledger.settled)  # fmt: skip


async def watch_pnl(
    config: APIConfig,
    since: datetime | None,
    on_totals: Callable[[PnlTotals], None],
    *,
    duration: float | None = None,
) -> PnlBook:
    """Keep the P&L of the account at ``config`` current until ``duration`` seconds pass (None:
    until cancelled); returns the last book."""
    client = KalshiClient(config=config)
    started = time.monotonic()
    try:
        book = await asyncio.to_thread(_rebuild, client, since)
        async with KalshiWebSocket(config=config) as ws:
            changed = asyncio.Event()
            for channel in ("fill", "market_positions"):
                await ws.subscribe(channel, None, on_message=lambda _: changed.set(),
                                   iterate=False)  # fmt: skip
            followed: set[str] = set()
            while duration is None or time.monotonic() - started < duration:
                followed = await _follow(ws, book, followed)
                on_totals(book.totals(ws.books))
                await asyncio.sleep(_EVERY_S)
                if changed.is_set():
                    changed.clear()
                    book = await asyncio.to_thread(_rebuild, client, since)
    finally:
        client.close()
    return book


def _rebuild(client: KalshiClient, since: datetime | None) -> PnlBook:
    return build_book(fetch_inputs(client, since, datetime.now(UTC)))


async def _follow(ws: KalshiWebSocket, book: PnlBook, followed: set[str]) -> set[str]:
    """The books of the markets held now (added to the stream as positions open)."""
    new = [t for t in _held(book) if t not in followed]
    if new:
        if ws.protocol.channel("orderbook_delta"):
            await ws.update_subscription("orderbook_delta", add=new)
        else:
            await ws.subscribe("orderbook_delta", new, iterate=False)
    return followed | set(new)
