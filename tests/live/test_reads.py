"""Reads, written once, run against every target: the sandbox always, demo and prod when asked.

Nothing here writes: prod's client refuses anything but GET before it is sent.
"""

from __future__ import annotations

from decimal import Decimal
from itertools import islice

import pytest
from _live_kit import Target

from kalshikit.models import Market


def first(target: Target, count: int) -> list[Market]:
    """The first ``count`` open markets: one page, read lazily (no more pages are asked for)."""
    pager = target.client.markets.list(status="open", page_size=count)
    return list(islice(pager, count))


def test_exchange_status(target: Target) -> None:
    status = target.client.exchange.status()
    assert isinstance(status.exchange_active, bool)
    assert isinstance(status.trading_active, bool)


def test_list_open_markets(target: Target) -> None:
    markets = first(target, 50)
    assert 0 < len(markets) <= 50
    assert {market.status for market in markets} <= {"active", "open"}
    assert len({market.ticker for market in markets}) == len(markets)


def test_one_market(target: Target, an_open_market: Market) -> None:
    market = target.client.markets.get(an_open_market.ticker)
    assert market.ticker == an_open_market.ticker
    assert market.event_ticker == an_open_market.event_ticker
    assert list(market.grid.ticks())  # a tradeable price grid


def test_its_book(target: Target, an_open_market: Market) -> None:
    book = target.client.markets.orderbook(an_open_market.ticker, depth=5)
    for side in (book.yes, book.no):
        assert len(side) <= 5
        prices = [Decimal(price) for price, _ in side]
        assert prices == sorted(prices)  # ascending: best bid last
        assert all(Decimal(0) < p < Decimal(1) for p in prices)
        assert all(Decimal(count) > 0 for _, count in side)


def test_balance(target: Target) -> None:
    if not target.client.config.has_credentials:
        prefix = target.client.config.environment.var_prefix
        pytest.skip(f"live {target.name} test: {prefix}API_KEY_ID is not set")
    assert target.client.portfolio.balance().balance >= 0
