"""The deprecated fields real Kalshi still sends, and candles for periods with no data.

Third-party clients read ``taker_side`` on trades, ``side``/``action`` (and ``ts``) on orders
and fills and ``liquidity_dollars`` on markets: present in the January recordings, optional and
deprecated in SDK 3.34 (``liquidity_dollars`` is only in the recordings). Every candle must carry
all four ``*_dollars`` of ``yes_bid``/``yes_ask`` (SDK ``BidAskDistribution`` requires them), also
for periods before the sandbox started. Each answer is read the way a strict client reads it: the
official SDK's pydantic models, and ``kalshikit.models``.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any, TypeVar

import httpx
import msgspec
import pytest

from kalshikit.models import (
    CandlesticksResponse,
    EventResponse,
    FillsPage,
    MarketResponse,
    MarketsPage,
    OrderResponse,
    OrdersPage,
    TradesPage,
)

if TYPE_CHECKING:
    from conftest import Sandbox, User

sdk_models = pytest.importorskip(
    "kalshi_python_sync.models", reason="the official SDK is installed by `make test`"
)

T = TypeVar("T")
HOUR = 3600
ZERO_QUOTE = dict.fromkeys(
    ("open_dollars", "low_dollars", "high_dollars", "close_dollars"), "0.0000"
)


def read(response: httpx.Response, sdk_model: str, ours: type[T]) -> tuple[dict[str, Any], T]:
    """The raw body, after the SDK's model and ours both accepted it."""
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    getattr(sdk_models, sdk_model).from_dict(body)  # pydantic, strict: raises on a wrong shape
    return body, msgspec.json.decode(response.content, type=ours)


async def place(user: User, ticker: str, side: str, price: str, count: str, tif: str) -> None:
    body = {
        "ticker": ticker, "side": side, "price": price, "count": count, "time_in_force": tif,
        "self_trade_prevention_type": "taker_at_cross", "client_order_id": str(uuid.uuid4()),
    }  # fmt: skip
    answer = await user.post("/portfolio/events/orders", body)
    assert answer.status_code == 201, answer.text


async def rest(user: User, ticker: str, side: str, price: str, count: str) -> None:
    await place(user, ticker, side, price, count, "good_till_canceled")


async def take(user: User, ticker: str, side: str, price: str, count: str) -> None:
    await place(user, ticker, side, price, count, "immediate_or_cancel")


async def test_trades_name_the_taker_side(box: Sandbox, alice: User, bob: User) -> None:
    ticker = box.market().ticker
    await rest(alice, ticker, "bid", "0.4000", "5.00")
    await take(bob, ticker, "ask", "0.4000", "1.00")  # the taker sells YES: NO side
    await rest(bob, ticker, "ask", "0.6000", "5.00")
    await take(alice, ticker, "bid", "0.6000", "1.00")  # the taker buys YES: YES side
    body, page = read(
        await box.public("/markets/trades", ticker=ticker), "GetTradesResponse", TradesPage
    )
    assert [t["taker_side"] for t in body["trades"]] == ["yes", "no"]  # newest first
    assert [t.taker_side for t in page.trades] == [t.taker_outcome_side for t in page.trades]


async def test_orders_and_fills_carry_side_action_and_ts(
    box: Sandbox, alice: User, bob: User
) -> None:
    ticker = box.market().ticker
    await rest(alice, ticker, "bid", "0.4000", "5.00")
    await take(bob, ticker, "ask", "0.4000", "2.00")
    for user, side in ((alice, "yes"), (bob, "no")):
        orders, _ = read(await user.get("/portfolio/orders"), "GetOrdersResponse", OrdersPage)
        assert [(o["side"], o["action"]) for o in orders["orders"]] == [(side, "buy")]
        order_id = orders["orders"][0]["order_id"]
        _, parsed = read(
            await user.get(f"/portfolio/orders/{order_id}"), "GetOrderResponse", OrderResponse
        )
        assert (parsed.order.side, parsed.order.action) == (side, "buy")
        fills, page = read(await user.get("/portfolio/fills"), "GetFillsResponse", FillsPage)
        assert [(f["side"], f["action"]) for f in fills["fills"]] == [(side, "buy")]
        (fill,) = page.fills
        assert fill.created_time is not None
        assert fill.ts == int(fill.created_time.timestamp())


async def test_markets_carry_liquidity_dollars(box: Sandbox, alice: User, bob: User) -> None:
    market = box.market()
    path = f"/markets/{market.ticker}"
    empty, _ = read(await box.public(path), "GetMarketResponse", MarketResponse)
    assert empty["market"]["liquidity_dollars"] == "0.0000"  # as January's empty books read
    await rest(alice, market.ticker, "bid", "0.4000", "2.00")  # 2 x 0.40 = 0.80
    await rest(bob, market.ticker, "ask", "0.6000", "3.00")  # 3 NO bids at 0.40 = 1.20
    one, parsed = read(await box.public(path), "GetMarketResponse", MarketResponse)
    assert (one["market"]["liquidity_dollars"], parsed.market.liquidity_dollars) == ("2.0000",) * 2
    listed, _ = read(
        await box.public("/markets", tickers=market.ticker), "GetMarketsResponse", MarketsPage
    )
    assert [m["liquidity_dollars"] for m in listed["markets"]] == ["2.0000"]
    event, _ = read(
        await box.public(f"/events/{market.event_ticker}", with_nested_markets="true"),
        "GetEventResponse",
        EventResponse,
    )
    nested = {m["ticker"]: m["liquidity_dollars"] for m in event["event"]["markets"]}
    assert nested[market.ticker] == "2.0000"


async def test_candles_before_the_sandbox_started_parse_strictly(box: Sandbox, alice: User) -> None:
    market = box.market()
    series = market.ticker.split("-")[0]
    now = box.clock() // 1000
    await rest(alice, market.ticker, "bid", "0.4000", "2.00")
    box.clock.advance(2 * HOUR)  # two quiet hours after the first quote
    window = {"start_ts": now - 3 * HOUR, "end_ts": box.clock() // 1000, "period_interval": 60}
    path = f"/series/{series}/markets/{market.ticker}/candlesticks"
    for latest in ("false", "true"):
        body, parsed = read(
            await box.public(path, include_latest_before_start=latest, **window),
            "GetMarketCandlesticksResponse",
            CandlesticksResponse,
        )
        candles = body["candlesticks"]
        before = [c for c in candles if c["end_period_ts"] < now]
        after = [c for c in candles if c["end_period_ts"] > now]
        assert (len(before), len(after)) == (3 + (latest == "true"), 2)
        assert all(c["yes_bid"] == c["yes_ask"] == ZERO_QUOTE for c in before)
        carried = dict.fromkeys(ZERO_QUOTE, "0.4000")  # the bid in force, no ask
        assert [(c["yes_bid"], c["yes_ask"]) for c in after] == [(carried, ZERO_QUOTE)] * 2
        assert all(c.yes_bid.close_dollars is not None for c in parsed.candlesticks)
    batch = await box.public("/markets/candlesticks", market_tickers=market.ticker, **window)
    assert batch.status_code == 200, batch.text
    sdk_models.BatchGetMarketCandlesticksResponse.from_dict(batch.json())
