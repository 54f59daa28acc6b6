"""The house ladder a fresh sandbox opens with: on every open market, on its grid, around fair."""

from __future__ import annotations

from _exchange_kit import Clock, catalog

from kalshikit.sandbox.exchange.exchange import Exchange
from kalshikit.sandbox.sim.liquidity import HOUSE_USER, LEVELS, seed_liquidity
from kalshikit.units import PriceGrid


def test_every_open_market_gets_a_two_sided_ladder_around_fair_value() -> None:
    book = catalog()
    exchange = Exchange(book, clock=Clock(), seed=0)
    placed = seed_liquidity(exchange, book, seed=7)
    active = [m for m in book.markets if m.status == "active"]
    assert placed > 0
    for market in active:
        fair = book.fair_value[market.ticker]
        bids = exchange.engine.levels(market.ticker, "bid")
        asks = exchange.engine.levels(market.ticker, "ask")
        grid = PriceGrid.for_market(market.price_ranges, market.price_level_structure)
        assert len(bids) <= LEVELS
        assert len(asks) <= LEVELS
        assert bids or asks, market.ticker
        assert all(price < fair and grid.allows_ticks(price) for price, _ in bids)
        assert all(price > fair and grid.allows_ticks(price) for price, _ in asks)
    assert all(
        not exchange.engine.levels(m.ticker, "bid") for m in book.markets if m.status != "active"
    )


def test_seeding_twice_places_nothing_more() -> None:
    book = catalog()
    exchange = Exchange(book, clock=Clock(), seed=0)
    first = seed_liquidity(exchange, book)
    assert seed_liquidity(exchange, book) == 0
    resting = exchange.orders(HOUSE_USER, status="resting", limit=1000)[0]
    assert first >= len(resting)
