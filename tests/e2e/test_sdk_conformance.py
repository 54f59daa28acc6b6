"""The official generated SDK (kalshi-python-sync 3.34.0) drives the sandbox, and every answer
validates in that SDK's own pydantic models. This is the sandbox's fidelity check against
Kalshi's published schema: where our wire and theirs differ, this fails.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from _cli_kit import Box

from kalshikit.sandbox.server import running

sdk = pytest.importorskip(
    "kalshi_python_sync", reason="the official SDK is installed by `make test`"
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def box() -> Iterator[Box]:
    # empty books: the tests place the only orders, and see exactly their own fills
    with running(limits_enabled=False, liquidity=False) as url:
        yield Box(url)


def cent_market(client: Any) -> Any:
    """An open market on the cent grid (the simplest prices to reason about)."""
    markets = client.get_markets(status="open", limit=1000).markets
    return next(m for m in markets if m.price_level_structure == "linear_cent")


def order_body(ticker: str, side: str, price: str, count: str, **extra: Any) -> dict[str, Any]:
    return {
        "ticker": ticker,
        "side": side,
        "price": price,
        "count": count,
        "time_in_force": "good_till_canceled",
        "self_trade_prevention_type": "taker_at_cross",
        "client_order_id": str(uuid.uuid4()),
        **extra,
    }


def test_public_reads_validate(box: Box) -> None:
    client = box.sdk_client()
    assert client.get_exchange_status().trading_active is True
    market = cent_market(client)
    assert client.get_market(market.ticker).market.ticker == market.ticker
    book = client.get_market_orderbook(market.ticker)
    assert book.orderbook_fp is not None
    assert isinstance(client.get_trades(ticker=market.ticker).trades, list)


def test_order_lifecycle_validates(box: Box) -> None:
    trader, maker = box.sdk_client(), box.sdk_client()
    market = cent_market(trader)
    assert trader.get_balance().balance > 0

    resting = trader.create_order_v2(**order_body(market.ticker, "bid", "0.2100", "5.00"))
    assert resting.remaining_count == "5.00"
    fetched = trader.get_order(resting.order_id).order
    assert (fetched.status, fetched.book_side) == ("resting", "bid")
    assert resting.order_id in {o.order_id for o in trader.get_orders(ticker=market.ticker).orders}

    amended = trader.amend_order_v2(
        resting.order_id, ticker=market.ticker, side="bid", price="0.2200", count="6.00"
    )
    assert amended.order_id
    decreased = trader.decrease_order_v2(amended.order_id, reduce_by="1.00")
    assert decreased.remaining_count == "5.00"
    canceled = trader.cancel_order_v2(amended.order_id)
    assert canceled.reduced_by == "5.00"

    batch = trader.batch_create_orders_v2(
        orders=[
            sdk.CreateOrderV2Request(**order_body(market.ticker, "bid", "0.1000", "1.00")),
            sdk.CreateOrderV2Request(**order_body(market.ticker, "bid", "0.1100", "1.00")),
        ]
    )
    ids = [item.order_id for item in batch.orders]
    assert all(ids)
    canceled_batch = trader.batch_cancel_orders_v2(
        orders=[sdk.BatchCancelOrdersV2RequestOrdersInner(order_id=i) for i in ids]
    )
    assert [item.order_id for item in canceled_batch.orders] == ids

    maker.create_order_v2(**order_body(market.ticker, "ask", "0.4000", "3.00", post_only=True))
    taken = trader.create_order_v2(
        **order_body(market.ticker, "bid", "0.4000", "2.00", time_in_force="immediate_or_cancel")
    )
    assert taken.fill_count == "2.00"
    fills = trader.get_fills(ticker=market.ticker).fills
    assert [f.count_fp for f in fills] == ["2.00"]
    positions = trader.get_positions(ticker=market.ticker).market_positions
    assert [p.position_fp for p in positions] == ["2.00"]

    box.admin("POST", f"/markets/{market.ticker}/determine", {"result": "yes"})
    box.admin("POST", f"/markets/{market.ticker}/settle")
    settlements = trader.get_settlements(ticker=market.ticker).settlements
    assert [(s.ticker, s.market_result) for s in settlements] == [(market.ticker, "yes")]
    assert settlements[0].revenue == 200  # two YES contracts pay $1 each, in cents


def test_deprecated_fields_and_candles_before_start_validate(box: Box) -> None:
    """What a client migrating from the January API reads, through the SDK's own calls."""
    taker, maker = box.sdk_client(), box.sdk_client()
    market = cent_market(taker)
    now = int(time.time())  # before any order here: every candle ending by this hour is empty
    maker.create_order_v2(**order_body(market.ticker, "ask", "0.4000", "3.00", post_only=True))
    taker.create_order_v2(
        **order_body(market.ticker, "bid", "0.4000", "2.00", time_in_force="immediate_or_cancel")
    )
    assert [t.taker_side for t in taker.get_trades(ticker=market.ticker).trades] == ["yes"]
    assert [(f.side, f.action) for f in taker.get_fills(ticker=market.ticker).fills] == [
        ("yes", "buy")
    ]
    resting = maker.get_orders(ticker=market.ticker).orders
    assert [(o.side, o.action) for o in resting] == [("no", "buy")]

    # The sandbox started moments ago: the past day is all before it, books empty then.
    series = taker.get_event(market.event_ticker).event.series_ticker
    window = {"start_ts": now - 86_400, "end_ts": now, "period_interval": 60}
    candles = taker.get_market_candlesticks(
        series, market.ticker, include_latest_before_start=True, **window
    ).candlesticks
    assert len(candles) >= 24
    assert {(c.yes_bid.close_dollars, c.yes_ask.close_dollars) for c in candles[:-1]} == {
        ("0.0000", "0.0000")
    }
    batch = taker.batch_get_market_candlesticks(market_tickers=market.ticker, **window)
    assert [len(m.candlesticks) for m in batch.markets] == [len(candles) - 1]
