"""Order entry against Kalshi's demo exchange: post-only orders far from the market, then cancel.

Marked `live`: skipped with a one-line reason unless demo credentials are set.
"""

from __future__ import annotations

import pytest

from kalshikit import KalshiClient

pytestmark = pytest.mark.live


def test_balance_is_readable(demo_client: KalshiClient) -> None:
    assert demo_client.portfolio.balance().balance >= 0


def test_post_only_far_order_round_trip(demo_client: KalshiClient) -> None:
    market = next(
        m
        for m in demo_client.markets.list(status="open", mve_filter="exclude", max_pages=1)
        if m.price_level_structure == "linear_cent" and (m.yes_bid is None or m.yes_bid.cents > 5)
    )
    placed = demo_client.orders.create(
        market.ticker, side="yes", action="buy", count=1, price_cents=1, post_only=True
    )
    try:
        fetched = demo_client.orders.get(placed.order_id)
        assert fetched.client_order_id == placed.client_order_id
        assert fetched.status == "resting"
    finally:
        demo_client.orders.cancel(placed.order_id, market_ticker=market.ticker)
    assert demo_client.orders.get(placed.order_id).status == "canceled"
