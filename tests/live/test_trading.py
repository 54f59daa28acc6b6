"""Order entry, written once, run against the sandbox always and demo when credentials are set.

A post-only buy of YES at the lowest price on the market's grid sits far from the market, so it
rests and never trades; it is cancelled and must be gone, over REST and on the private order
stream. Never run against prod.
"""

from __future__ import annotations

import asyncio
from itertools import islice

import pytest
from _live_kit import Target

from kalshikit import KalshiClient, KalshiWebSocket, OrderResult
from kalshikit.models import Market
from kalshikit.models.stream import UserOrderMsg
from kalshikit.units import Price
from kalshikit.ws import Stream

WAIT_S = 15.0


def lowest_price(market: Market) -> Price:
    return Price.from_ticks(next(market.grid.ticks()))


def far_from_the_market(market: Market) -> bool:
    """A buy at the lowest price rests here: no YES ask at or below it (0 means no ask at all).
    Post-only makes sure of it: an order that would trade is refused, never filled."""
    ask = market.yes_ask
    return ask is None or ask.ticks == 0 or ask.ticks > lowest_price(market).ticks


def place_far(client: KalshiClient, market: Market) -> OrderResult:
    """One post-only YES buy at the lowest price of the grid: it rests and never trades."""
    placed = client.orders.create(
        market.ticker, side="yes", action="buy", count=1,
        price_dollars=lowest_price(market).dollars, post_only=True,
    )  # fmt: skip
    assert isinstance(placed, OrderResult), placed  # not a dry run
    return placed


@pytest.fixture(scope="session")
def quiet_market(trading_target: Target) -> Market:
    markets = trading_target.client.markets.list(status="open", mve_filter="exclude")
    found = next((m for m in islice(markets, 1000) if far_from_the_market(m)), None)
    if found is None:
        pytest.skip(
            f"live {trading_target.name} test: no open market without an ask at its lowest price"
        )
    return found


def test_post_only_far_order_rests_then_cancels(
    trading_target: Target, quiet_market: Market
) -> None:
    client, ticker = trading_target.client, quiet_market.ticker
    placed = place_far(client, quiet_market)
    try:
        fetched = client.orders.get(placed.order_id)
        assert fetched.client_order_id == placed.client_order_id
        assert fetched.status == "resting"
        resting = client.orders.list(ticker=ticker, status="resting")
        assert placed.order_id in {order.order_id for order in resting}
    finally:
        client.orders.cancel(placed.order_id, market_ticker=ticker)
    assert client.orders.get(placed.order_id).status == "canceled"
    still_resting = client.orders.list(ticker=ticker, status="resting")
    assert placed.order_id not in {order.order_id for order in still_resting}


def test_the_order_stream_shows_the_order_rest_and_cancel(
    trading_target: Target, quiet_market: Market
) -> None:
    client, ticker = trading_target.client, quiet_market.ticker

    async def watch() -> None:
        async with KalshiWebSocket(config=client.config) as ws:
            orders = await ws.user_orders([ticker])
            placed = await asyncio.to_thread(place_far, client, quiet_market)
            try:
                assert await status_of(orders, placed.order_id) == "resting"
            finally:
                await asyncio.to_thread(client.orders.cancel, placed.order_id, market_ticker=ticker)
            assert await status_of(orders, placed.order_id) == "canceled"

    asyncio.run(watch())


async def status_of(orders: Stream[UserOrderMsg], order_id: str) -> str | None:
    """The status of the next message about ``order_id`` (others are passed over)."""
    while True:
        update = await orders.next(WAIT_S)
        if update.order_id == order_id:
            return update.status
