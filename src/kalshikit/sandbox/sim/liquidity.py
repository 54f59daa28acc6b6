"""Opening liquidity: a house market maker rests a small ladder on every open market.

A fresh sandbox would otherwise start with empty books, which teaches nothing about spreads,
depth or fills. The house is an ordinary user trading through the exchange's public write
methods (so the store records and replays it like any other): post-only bids just below and
asks just above each market's latent fair value, on the market's own tick grid. Deterministic:
prices come from the catalog, sizes from a seeded generator. No I/O here.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Protocol

from kalshikit.models import CreateOrderV2Request, Market
from kalshikit.sandbox.catalog import Catalog
from kalshikit.sandbox.exchange import SHARDS, ExchangeError
from kalshikit.units import Price, PriceGrid, centi_to_fp

HOUSE_USER = "house-market-maker"
HOUSE_CASH_CENTS = 10_000_000_00  # ten million dollars: the house never runs dry
LEVELS = 3


class HouseWriter(Protocol):
    def create_user(self, *, balance_cents: int, user_id: str | None = None) -> str: ...
    def deposit_to_shard(self, user_id: str, cents: int, exchange_index: int) -> None: ...

    def create_order(self, user: str, req: CreateOrderV2Request) -> object: ...


def _ladder(grid: PriceGrid, fair: Price) -> Iterator[tuple[str, Price]]:
    """Up to LEVELS tradeable prices strictly below (bids) and above (asks) the fair value."""
    below, above = grid.neighbours(fair)
    for _ in range(LEVELS):
        if below is not None:
            yield "bid", below
            below = grid.neighbours(below)[0]
        if above is not None:
            yield "ask", above
            above = grid.neighbours(above)[1]


def _order(market: Market, side: str, price: Price, rng: random.Random) -> CreateOrderV2Request:
    return CreateOrderV2Request(
        ticker=market.ticker,
        side=side,
        price=price.to_wire(),
        count=centi_to_fp(rng.randrange(5, 101) * 100),
        time_in_force="good_till_canceled",
        self_trade_prevention_type="maker",
        post_only=True,
    )


def seed_liquidity(writer: HouseWriter, catalog: Catalog, *, seed: int = 0) -> int:
    """Create the house user and rest its ladders on every active market; returns orders placed."""
    rng = random.Random(seed)
    try:
        house = writer.create_user(balance_cents=HOUSE_CASH_CENTS, user_id=HOUSE_USER)
    except ExchangeError as error:
        if error.code == "user_exists":  # seeded on an earlier start: the store has it all
            return 0
        raise
    for shard in SHARDS[1:]:  # collateral is per shard: the house funds each one
        writer.deposit_to_shard(house, HOUSE_CASH_CENTS, shard)
    placed = 0
    for market in catalog.markets:
        if market.status != "active":
            continue
        grid = PriceGrid.for_market(market.price_ranges, market.price_level_structure)
        fair = Price.from_ticks(catalog.fair_value[market.ticker])
        for side, price in _ladder(grid, fair):
            writer.create_order(house, _order(market, side, price, rng))
            placed += 1
    return placed
