"""The public stream, written once, run against every target: a live book and ticker messages.

The WebSocket handshake is signed on every exchange, so a target without a key skips here.
"""

from __future__ import annotations

import asyncio

import pytest
from _live_kit import Target

from kalshikit import KalshiWebSocket
from kalshikit.models import Market

WAIT_S = 15.0


def needs_a_key(target: Target) -> None:
    if not target.client.config.has_credentials:
        prefix = target.client.config.environment.var_prefix
        pytest.skip(f"live {target.name} test: {prefix}API_KEY_ID is not set")


def test_a_live_book_arrives_trusted_and_uncrossed(target: Target, an_open_market: Market) -> None:
    needs_a_key(target)
    ticker = an_open_market.ticker

    async def watch() -> None:
        async with KalshiWebSocket(config=target.client.config) as ws:
            books = await ws.orderbooks([ticker], wait_s=WAIT_S)
            book = books[ticker]
            assert book.trusted
            bid, ask = book.best_yes_bid, book.best_yes_ask
            if bid is not None and ask is not None:
                assert bid < ask, book
            ticks = await ws.ticker([ticker])
            first = await ticks.next(WAIT_S)  # the current state comes first
            assert first.market_ticker == ticker

    asyncio.run(watch())
