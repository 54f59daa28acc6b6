"""The sandbox REST API end to end: real exchange, real app, real signatures, real wire models.

Each endpoint must answer in the shape ``kalshikit.models`` decodes, without nulls; every refusal
(auth, bad input, rate limit) must carry the documented status and body and change nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

import httpx
import msgspec
import pytest

from kalshikit import APIConfig, KalshiClient
from kalshikit.auth import (
    SIGNATURE_WINDOW_MS,
    KalshiAuth,
    PrivateKey,
    Signer,
    private_key_to_pem,
    public_key_pem,
)
from kalshikit.endpoints import ENDPOINTS, REST_PREFIX
from kalshikit.models import (
    AccountLimits,
    AmendOrderAck,
    Balance,
    BatchCancelResponse,
    BatchCandlesticksResponse,
    BatchCreateResponse,
    CancelOrderAck,
    CandlesticksResponse,
    CreateOrderAck,
    CreateOrderGroupResponse,
    DecreaseOrderAck,
    EmptyResponse,
    EndpointCosts,
    EventResponse,
    EventsPage,
    ExchangeStatus,
    FillsPage,
    HistoricalCutoff,
    MarketResponse,
    MarketsPage,
    OrderbookResponse,
    OrderbooksResponse,
    OrderGroupResponse,
    OrderGroupsResponse,
    OrderResponse,
    OrdersPage,
    PositionsPage,
    QueuePositionResponse,
    QueuePositionsResponse,
    ScheduleResponse,
    SeriesList,
    SeriesResponse,
    SettlementsPage,
    TotalRestingOrderValue,
    TradesPage,
)
from kalshikit.sandbox.api.app import create_app
from kalshikit.sandbox.api.rest import RestHandlers
from kalshikit.sandbox.gateway.guard import Guard
from kalshikit.sandbox.server import default_exchange, running

if TYPE_CHECKING:
    from conftest import Sandbox, User

PREFIX = "/trade-api/v2"
T = TypeVar("T")


def order_body(ticker: str, /, **overrides: Any) -> dict[str, Any]:
    """A valid V2 create body (a resting YES bid at 0.40 for 2 contracts), with overrides."""
    body: dict[str, Any] = {
        "ticker": ticker,
        "side": "bid",
        "count": "2.00",
        "price": "0.4000",
        "time_in_force": "good_till_canceled",
        "self_trade_prevention_type": "taker_at_cross",
    }
    body.update(overrides)
    return body


def assert_no_nulls(value: Any, where: str = "$") -> None:
    """The real API leaves empty optional fields out; a null anywhere is a fidelity bug."""
    if isinstance(value, dict):
        for key, item in value.items():
            assert item is not None, f"{where}.{key} is null"
            assert_no_nulls(item, f"{where}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            assert_no_nulls(item, f"{where}[{i}]")


def decoded(response: httpx.Response, model: type[T], status: int = 200) -> T:
    assert response.status_code == status, response.text
    assert_no_nulls(response.json())
    return msgspec.json.decode(response.content, type=model)


def error_of(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert isinstance(error, dict)
    assert error["code"]
    assert error["message"]
    return error


async def place(user: User, ticker: str, **overrides: Any) -> CreateOrderAck:
    return decoded(
        await user.post("/portfolio/events/orders", order_body(ticker, **overrides)),
        CreateOrderAck,
        201,
    )


# --- routing ----------------------------------------------------------------------------------


def test_every_endpoint_in_the_table_is_routed() -> None:
    app = create_app(default_exchange())
    served = {
        (method, route.path)
        for route in app.routes
        for method in (getattr(route, "methods", None) or ())
    }
    for ep in ENDPOINTS.values():
        assert (ep.method, REST_PREFIX + ep.path) in served, ep.name


def test_every_endpoint_has_a_handler() -> None:
    exchange = default_exchange()
    handlers = RestHandlers(exchange, exchange, Guard(exchange, clock=lambda: 0)).handlers()
    assert set(handlers) == set(ENDPOINTS)


async def test_unknown_route_and_wrong_method_answer_json(box: Sandbox) -> None:
    assert error_of(await box.public("/no/such/thing"), 404)["code"] == "not_found"
    wrong = await box.http.put(PREFIX + "/exchange/status")
    assert error_of(wrong, 405)["code"] == "method_not_allowed"


# --- public market data -----------------------------------------------------------------------


async def test_exchange_endpoints_decode(box: Sandbox) -> None:
    status = decoded(await box.public("/exchange/status"), ExchangeStatus)
    assert status.trading_active
    decoded(await box.public("/exchange/schedule"), ScheduleResponse)
    decoded(await box.public("/historical/cutoff"), HistoricalCutoff)
    costs = decoded(await box.public("/account/endpoint_costs"), EndpointCosts)
    assert costs.default_cost == 10
    assert {c.cost for c in costs.endpoint_costs} == {2}


async def test_markets_endpoints_decode(box: Sandbox) -> None:
    market = box.market()
    page = decoded(await box.public("/markets", limit=5), MarketsPage)
    assert len(page.markets) == 5
    assert page.cursor
    raw = (await box.public(f"/markets/{market.ticker}")).json()["market"]
    for january_key in ("yes_bid", "volume", "open_interest", "last_price", "liquidity"):
        assert january_key not in raw
    one = decoded(await box.public(f"/markets/{market.ticker}"), MarketResponse)
    assert one.market.ticker == market.ticker
    filtered = decoded(await box.public("/markets", tickers=market.ticker), MarketsPage)
    assert [m.ticker for m in filtered.markets] == [market.ticker]


async def test_orderbook_endpoints_decode(box: Sandbox, alice: User) -> None:
    market = box.market()
    await place(alice, market.ticker)
    book = decoded(await box.public(f"/markets/{market.ticker}/orderbook"), OrderbookResponse)
    assert book.book.yes == [("0.4000", "2.00")]
    other = box.catalog.markets[1].ticker
    params = [("tickers", market.ticker), ("tickers", other)]
    books = decoded(
        await box.http.get(PREFIX + "/markets/orderbooks", params=params), OrderbooksResponse
    )
    assert [b.ticker for b in books.orderbooks] == [market.ticker, other]


async def test_trades_and_candlesticks_decode(box: Sandbox, alice: User, bob: User) -> None:
    market = box.market()
    await place(alice, market.ticker, price="0.5500")
    await place(bob, market.ticker, side="ask", price="0.5500", count="1.00")
    trades = decoded(await box.public("/markets/trades", ticker=market.ticker), TradesPage)
    assert len(trades.trades) == 1
    assert trades.trades[0].yes_price_dollars == "0.5500"
    now_s = box.clock() // 1000
    window = {"start_ts": now_s - 3600, "end_ts": now_s + 60, "period_interval": 60}
    series = market.ticker.split("-")[0]
    path = f"/series/{series}/markets/{market.ticker}/candlesticks"
    candles = decoded(await box.public(path, **window), CandlesticksResponse)
    assert candles.ticker == market.ticker
    batch = decoded(
        await box.public("/markets/candlesticks", market_tickers=market.ticker, **window),
        BatchCandlesticksResponse,
    )
    assert [m.market_ticker for m in batch.markets] == [market.ticker]


async def test_events_and_series_decode(box: Sandbox) -> None:
    events = decoded(await box.public("/events", limit=3), EventsPage)
    assert len(events.events) == 3
    event_ticker = events.events[0].event_ticker
    one = decoded(
        await box.public(f"/events/{event_ticker}", with_nested_markets="true"), EventResponse
    )
    assert one.event.event_ticker == event_ticker
    series = decoded(await box.public("/series"), SeriesList)
    assert series.series
    single = decoded(await box.public(f"/series/{series.series[0].ticker}"), SeriesResponse)
    assert single.series.ticker == series.series[0].ticker


async def test_cursor_pagination_walks_every_market_exactly_once(box: Sandbox) -> None:
    seen: list[str] = []
    cursor = None
    for _ in range(100):
        params: dict[str, Any] = {"limit": 7} | ({"cursor": cursor} if cursor else {})
        page = decoded(await box.public("/markets", **params), MarketsPage)
        seen += [m.ticker for m in page.markets]
        cursor = page.cursor
        if not cursor:
            break
    assert len(seen) == len(set(seen))
    assert sorted(seen) == sorted(m.ticker for m in box.catalog.markets)


# --- portfolio and orders ---------------------------------------------------------------------


async def test_portfolio_reads_decode(box: Sandbox, alice: User, bob: User) -> None:
    market = box.market()
    resting = await place(alice, market.ticker, price="0.3000")
    await place(alice, market.ticker, price="0.5500", count="3.00")
    await place(bob, market.ticker, side="ask", price="0.5500", count="1.00")
    balance = decoded(await alice.get("/portfolio/balance"), Balance)
    assert balance.balance_dollars is not None
    positions = decoded(await alice.get("/portfolio/positions"), PositionsPage)
    assert [p.ticker for p in positions.market_positions] == [market.ticker]
    fills = decoded(await alice.get("/portfolio/fills"), FillsPage)
    assert len(fills.fills) == 1
    decoded(await alice.get("/portfolio/settlements"), SettlementsPage)
    value = decoded(
        await alice.get("/portfolio/summary/total_resting_order_value"), TotalRestingOrderValue
    )
    assert value.total_resting_order_value > 0
    orders = decoded(await alice.get("/portfolio/orders", status="resting"), OrdersPage)
    assert len(orders.orders) == 2
    order = decoded(await alice.get(f"/portfolio/orders/{resting.order_id}"), OrderResponse)
    assert order.order.order_id == resting.order_id


async def test_queue_positions_and_limits_decode(box: Sandbox, alice: User, bob: User) -> None:
    market = box.market()
    await place(bob, market.ticker)
    mine = await place(alice, market.ticker)
    queue = decoded(
        await alice.get(f"/portfolio/orders/{mine.order_id}/queue_position"),
        QueuePositionResponse,
    )
    assert queue.queue_position_fp == "2.00"
    many = decoded(
        await alice.get("/portfolio/orders/queue_positions", market_tickers=market.ticker),
        QueuePositionsResponse,
    )
    assert [q.order_id for q in many.queue_positions] == [mine.order_id]
    limits = decoded(await alice.get("/account/limits"), AccountLimits)
    assert (limits.usage_tier, limits.write.bucket_capacity) == ("prime", 8000)


async def test_order_write_cycle(box: Sandbox, alice: User) -> None:
    ticker = box.market().ticker
    first = await place(alice, ticker, client_order_id="c-1")
    assert (first.client_order_id, first.remaining_count) == ("c-1", "2.00")
    amend = {"ticker": ticker, "side": "bid", "price": "0.4100", "count": "5.00"}
    amended = decoded(
        await alice.post(f"/portfolio/events/orders/{first.order_id}/amend", amend), AmendOrderAck
    )
    assert amended.order_id == first.order_id
    decreased = decoded(
        await alice.post(
            f"/portfolio/events/orders/{first.order_id}/decrease", {"reduce_by": "1.00"}
        ),
        DecreaseOrderAck,
    )
    assert decreased.remaining_count == "4.00"
    canceled = decoded(
        await alice.delete(f"/portfolio/events/orders/{first.order_id}"), CancelOrderAck
    )
    assert canceled.reduced_by == "4.00"


async def test_batch_writes_and_cancel_all(box: Sandbox, alice: User) -> None:
    ticker = box.market().ticker
    bodies = [order_body(ticker, price=p) for p in ("0.1000", "0.2000")]
    bodies.append(order_body(ticker, price="0.0000"))
    created = decoded(
        await alice.post("/portfolio/events/orders/batched", {"orders": bodies}),
        BatchCreateResponse,
        201,
    )
    ok = [item.order_id for item in created.orders if item.error is None]
    assert len(ok) == 2
    assert created.orders[2].error is not None
    cancel = {"orders": [{"order_id": ok[0]}]}
    canceled = decoded(
        await alice.delete("/portfolio/events/orders/batched", cancel), BatchCancelResponse
    )
    assert canceled.orders[0].order_id == ok[0]
    everything = await alice.delete("/portfolio/events/orders")
    assert (everything.status_code, everything.content) == (204, b"")
    resting = decoded(await alice.get("/portfolio/orders", status="resting"), OrdersPage)
    assert resting.orders == []


async def test_order_group_cycle(box: Sandbox, alice: User) -> None:
    created = decoded(
        await alice.post("/portfolio/order_groups/create", {"contracts_limit": 10}),
        CreateOrderGroupResponse,
        201,
    )
    group = created.order_group_id
    listed = decoded(await alice.get("/portfolio/order_groups"), OrderGroupsResponse)
    assert [g.id for g in listed.order_groups or []] == [group]
    await place(alice, box.market().ticker, order_group_id=group)
    one = decoded(await alice.get(f"/portfolio/order_groups/{group}"), OrderGroupResponse)
    assert len(one.orders) == 1
    for action, body in (
        ("limit", {"contracts_limit_fp": "20.00"}),
        ("trigger", {}),
        ("reset", {}),
    ):
        decoded(await alice.put(f"/portfolio/order_groups/{group}/{action}", body), EmptyResponse)
    decoded(await alice.delete(f"/portfolio/order_groups/{group}"), EmptyResponse)


async def test_settlement_through_admin(box: Sandbox, alice: User, bob: User) -> None:
    ticker = box.market().ticker
    await place(alice, ticker, price="0.6000")
    await place(bob, ticker, side="ask", price="0.6000")
    determine = await box.admin("POST", f"/markets/{ticker}/determine", {"result": "yes"})
    assert determine.status_code == 200, determine.text
    assert (await box.admin("POST", f"/markets/{ticker}/settle")).status_code == 200
    settlements = decoded(await alice.get("/portfolio/settlements"), SettlementsPage)
    assert [(s.ticker, s.market_result) for s in settlements.settlements] == [(ticker, "yes")]
    market = decoded(await box.public(f"/markets/{ticker}"), MarketResponse).market
    assert market.result == "yes"


async def test_refusals_specific_to_endpoints(box: Sandbox, alice: User) -> None:
    ticker = box.market().ticker
    wrong_series = f"/series/KXNOPE/markets/{ticker}/candlesticks"
    window = {"start_ts": 1, "end_ts": 2, "period_interval": 60}
    assert error_of(await box.public(wrong_series, **window), 404)["code"] == "not_found"
    order = await place(alice, ticker)
    both = {"reduce_by": "1.00", "reduce_to": "1.00"}
    decrease = f"/portfolio/events/orders/{order.order_id}/decrease"
    assert error_of(await alice.post(decrease, both), 400)["details"] == "reduce_by"
    group = (await alice.post("/portfolio/order_groups/create", {})).json()["order_group_id"]
    no_limit = await alice.put(f"/portfolio/order_groups/{group}/limit", {})
    assert error_of(no_limit, 400)["details"] == "contracts_limit"
    disagree = {"contracts_limit": 2, "contracts_limit_fp": "3.00"}
    assert error_of(await alice.put(f"/portfolio/order_groups/{group}/limit", disagree), 400)
    empty = await alice.post("/portfolio/events/orders/batched", {"orders": []})
    assert error_of(empty, 400)["details"] == "orders"


# --- authentication ---------------------------------------------------------------------------


def _auth_cases(signer: Signer, other: PrivateKey, now_ms: int, path: str) -> dict[str, Any]:
    """Headers for each 401: none, an unregistered key id, the right key id signed by another
    key, and a timestamp a second older than the window allows."""
    stranger = Signer("no-such-key", other)
    forged = Signer(signer.key_id, other).sign(now_ms, "POST", path)
    return {
        "missing_authentication": {},
        "unknown_api_key": stranger.headers("POST", path, now_ms=now_ms),
        "invalid_signature": {
            **signer.headers("POST", path, now_ms=now_ms),
            "KALSHI-ACCESS-SIGNATURE": forged,
        },
        "timestamp_out_of_window": signer.headers(
            "POST", path, now_ms=now_ms - SIGNATURE_WINDOW_MS - 1_000
        ),
    }


@pytest.mark.parametrize(
    "code",
    ["missing_authentication", "unknown_api_key", "invalid_signature", "timestamp_out_of_window"],
)
async def test_auth_refusals_are_401_and_change_nothing(
    box: Sandbox, alice: User, other_rsa_key: PrivateKey, code: str
) -> None:
    path = PREFIX + "/portfolio/events/orders"
    headers = _auth_cases(alice.signer, other_rsa_key, box.clock(), path)[code]
    before = box.exchange.state_digest()
    answer = await box.http.post(path, json=order_body(box.market().ticker), headers=headers)
    assert error_of(answer, 401)["code"] == code
    assert box.exchange.state_digest() == before


async def test_future_timestamp_and_partial_headers_are_refused(box: Sandbox, alice: User) -> None:
    path = PREFIX + "/portfolio/balance"
    future = alice.signer.headers("GET", path, now_ms=box.clock() + SIGNATURE_WINDOW_MS + 1_000)
    assert error_of(await box.http.get(path, headers=future), 401)["code"] == (
        "timestamp_out_of_window"
    )
    partial = {"KALSHI-ACCESS-KEY": alice.signer.key_id}
    assert error_of(await box.http.get(path, headers=partial), 401)["code"] == (
        "missing_authentication"
    )


async def test_a_badly_signed_public_call_is_refused_too(
    box: Sandbox, alice: User, other_rsa_key: PrivateKey
) -> None:
    # A signed public call is metered as its signer, so the signature must hold.
    path = PREFIX + "/exchange/status"
    forged = Signer(alice.signer.key_id, other_rsa_key).headers("GET", path, now_ms=box.clock())
    assert error_of(await box.http.get(path, headers=forged), 401)["code"] == "invalid_signature"
    assert (await alice.get("/exchange/status")).status_code == 200


async def test_signature_covers_the_path_not_the_query(box: Sandbox, alice: User) -> None:
    headers = alice.signer.headers("GET", PREFIX + "/portfolio/orders", now_ms=box.clock())
    fine = await box.http.get(PREFIX + "/portfolio/orders?limit=5", headers=headers)
    assert fine.status_code == 200
    elsewhere = await box.http.get(PREFIX + "/portfolio/balance", headers=headers)
    assert error_of(elsewhere, 401)["code"] == "invalid_signature"


# --- malformed requests -----------------------------------------------------------------------

BAD_ORDERS = [
    pytest.param({"price": "0.0000"}, 400, "invalid_price", id="price-zero"),
    pytest.param({"price": "1.0000"}, 400, "invalid_price", id="price-one"),
    pytest.param({"price": "-0.4000"}, 400, "invalid_price", id="price-negative"),
    pytest.param({"price": "0.4050"}, 400, "invalid_price", id="price-off-grid"),
    pytest.param({"price": "cheap"}, 400, "invalid_price", id="price-not-dollars"),
    pytest.param({"count": "0.00"}, 400, "invalid_count", id="count-zero"),
    pytest.param({"count": "-2.00"}, 400, "invalid_count", id="count-negative"),
    pytest.param({"count": "0.001"}, 400, "invalid_count", id="count-too-fine"),
    pytest.param({"ticker": "KXNOPE-26NOV02-T1"}, 404, "market_not_found", id="unknown-ticker"),
    pytest.param({"count": 2}, 400, "bad_request", id="count-wrong-type"),
    pytest.param({"price": None}, 400, "bad_request", id="price-null"),
]


@pytest.mark.parametrize(("override", "status", "code"), BAD_ORDERS)
async def test_bad_orders_are_refused_and_change_nothing(
    box: Sandbox, alice: User, override: dict[str, Any], status: int, code: str
) -> None:
    before = await alice.snapshot()
    digest = box.exchange.state_digest()
    answer = await alice.post(
        "/portfolio/events/orders", order_body(box.market().ticker, **override)
    )
    assert error_of(answer, status)["code"] == code
    assert await alice.snapshot() == before
    assert box.exchange.state_digest() == digest


@pytest.mark.parametrize(
    "content",
    [b"", b"{not json", b"[]", b'{"ticker": "X"}'],
    ids=["empty", "not-json", "list", "missing-fields"],
)
async def test_malformed_bodies_are_400(box: Sandbox, alice: User, content: bytes) -> None:
    before = await alice.snapshot()
    answer = await alice.request("POST", "/portfolio/events/orders", content=content)
    assert error_of(answer, 400)["code"] == "bad_request"
    assert await alice.snapshot() == before


BAD_QUERIES = [
    ("/markets", {"limit": "abc"}),
    ("/markets", {"limit": "1001"}),
    ("/markets", {"limit": "0"}),
    ("/markets", {"status": "active"}),
    ("/markets", {"min_close_ts": "yesterday"}),
    ("/markets", {"status": "open", "min_close_ts": "1"}),
    ("/events", {"limit": "201"}),
    ("/markets/trades", {"limit": "5000"}),
    ("/markets/orderbooks", {}),
    ("/markets/candlesticks", {"market_tickers": "A", "end_ts": "2", "period_interval": "60"}),
    (
        "/markets/candlesticks",
        {"market_tickers": "A", "start_ts": "1", "end_ts": "2", "period_interval": "5"},
    ),
    ("/events", {"with_nested_markets": "maybe"}),
]


@pytest.mark.parametrize(("path", "params"), BAD_QUERIES)
async def test_bad_public_queries_are_400(box: Sandbox, path: str, params: dict[str, str]) -> None:
    error = error_of(await box.public(path, **params), 400)
    # bad_request from the API layer; invalid_parameters from the exchange's own checks.
    assert error["code"] in {"bad_request", "invalid_parameters"}


@pytest.mark.parametrize(
    "params",
    [{"limit": "1001"}, {"status": "open"}, {"limit": "x"}],
)
async def test_bad_portfolio_queries_are_400(alice: User, params: dict[str, str]) -> None:
    assert error_of(await alice.get("/portfolio/orders", **params), 400)["code"] == "bad_request"


async def test_bad_orderbook_depth_is_400(box: Sandbox) -> None:
    ticker = box.market().ticker
    for depth in ("101", "-1", "deep"):
        answer = await box.public(f"/markets/{ticker}/orderbook", depth=depth)
        assert error_of(answer, 400)["details"] == "depth"


async def test_unknown_query_parameters_are_ignored(box: Sandbox) -> None:
    answer = await box.public("/markets", limit=2, colour="blue")
    assert len(decoded(answer, MarketsPage).markets) == 2


# --- rate limits ------------------------------------------------------------------------------


async def test_basic_write_bucket_refuses_with_429_at_once(
    basic_box: Sandbox, rsa_key: PrivateKey
) -> None:
    user = await basic_box.user(rsa_key)
    ticker = basic_box.market().ticker
    answers = [
        await user.post("/portfolio/events/orders", order_body(ticker, price="0.1000"))
        for _ in range(25)
    ]
    statuses = [a.status_code for a in answers]
    assert statuses == [201] * 20 + [429] * 5  # 200 tokens, 10 per create
    assert answers[-1].json() == {"error": "too many requests"}
    assert "retry-after" not in answers[-1].headers
    orders = decoded(await user.get("/portfolio/orders"), OrdersPage)
    assert len(orders.orders) == 20
    basic_box.clock.advance(0.1)  # 100 tokens/s: one create's worth
    assert (await user.post("/portfolio/events/orders", order_body(ticker))).status_code == 201


async def test_cancels_cost_less_and_batches_cost_per_order(
    basic_box: Sandbox, rsa_key: PrivateKey
) -> None:
    user = await basic_box.user(rsa_key)
    ticker = basic_box.market().ticker
    too_big = {"orders": [order_body(ticker, price="0.1000")] * 21}
    error = error_of(await user.post("/portfolio/events/orders/batched", too_big), 400)
    assert "fewer" in error["message"]
    batch = {"orders": [order_body(ticker, price="0.1000")] * 19}
    assert (await user.post("/portfolio/events/orders/batched", batch)).status_code == 201
    cancels = [await user.delete("/portfolio/events/orders/nope") for _ in range(5)]
    assert [c.status_code for c in cancels] == [404] * 5  # 10 tokens left: five cancels at 2
    assert (await user.delete("/portfolio/events/orders/nope")).status_code == 429


async def test_unsigned_reads_are_metered_per_address_and_signed_ones_per_user(
    basic_box: Sandbox, rsa_key: PrivateKey
) -> None:
    user = await basic_box.user(rsa_key)
    statuses = [(await basic_box.public("/exchange/status")).status_code for _ in range(21)]
    assert statuses == [200] * 20 + [429]
    assert (await user.get("/exchange/status")).status_code == 200


async def test_limits_can_be_lifted(unlimited_box: Sandbox) -> None:
    answers = [await unlimited_box.public("/exchange/status") for _ in range(30)]
    assert {a.status_code for a in answers} == {200}


async def test_admin_tier_override(basic_box: Sandbox, rsa_key: PrivateKey) -> None:
    user = await basic_box.user(rsa_key, tier="advanced")
    limits = decoded(await user.get("/account/limits"), AccountLimits)
    assert (limits.usage_tier, limits.write.refill_rate) == ("advanced", 300)


# --- admin ------------------------------------------------------------------------------------


async def test_admin_is_loopback_only(box: Sandbox) -> None:
    app = create_app(box.exchange)
    transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 4000))
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as remote:
        answer = await remote.get("/sandbox/admin/state")
    assert error_of(answer, 403)["code"] == "forbidden"


async def test_admin_refuses_a_bad_key_before_creating_the_user(box: Sandbox) -> None:
    before = box.exchange.state_digest()
    answer = await box.admin("POST", "/users", {"public_key_pem": "not a key"})
    assert error_of(answer, 400)["code"] == "bad_request"
    assert box.exchange.state_digest() == before


async def test_admin_deposit_and_second_key(
    box: Sandbox, alice: User, other_rsa_key: PrivateKey
) -> None:
    before = decoded(await alice.get("/portfolio/balance"), Balance).balance_cents
    deposit = await box.admin("POST", f"/users/{alice.user_id}/deposit", {"cents": 500})
    assert deposit.status_code == 200, deposit.text
    after = decoded(await alice.get("/portfolio/balance"), Balance).balance_cents
    assert after == before + 500
    body = {"public_key_pem": public_key_pem(other_rsa_key)}
    added = (await box.admin("POST", f"/users/{alice.user_id}/keys", body)).json()
    second = box.signed_as(alice.user_id, Signer(added["api_key_id"], other_rsa_key))
    assert decoded(await second.get("/portfolio/balance"), Balance).balance_cents == after


async def test_admin_state_and_advance(box: Sandbox) -> None:
    state = await box.admin("GET", "/state")
    assert state.status_code == 200
    assert state.json().keys() <= box.exchange.state_digest().keys()
    assert (await box.admin("POST", "/advance")).status_code == 200


async def test_status_fault_answers_the_next_calls_then_clears(box: Sandbox, alice: User) -> None:
    armed = await box.admin("POST", "/faults", {"kind": "status", "status": 503, "count": 2})
    assert armed.json()["status_count"] == 2
    before = box.exchange.state_digest()
    first = await alice.post("/portfolio/events/orders", order_body(box.market().ticker))
    assert error_of(first, 503)["code"] == "injected_fault"
    assert error_of(await box.public("/exchange/status"), 503)["code"] == "injected_fault"
    assert box.exchange.state_digest() == before
    assert (await box.public("/exchange/status")).status_code == 200


# --- over a real socket -----------------------------------------------------------------------


def _register(base_url: str, key: PrivateKey) -> str:
    admin = base_url.replace(REST_PREFIX, "/sandbox/admin")
    answer = httpx.post(f"{admin}/users", json={"public_key_pem": public_key_pem(key)})
    answer.raise_for_status()
    return str(answer.json()["api_key_id"])


@pytest.mark.slow
def test_kalshi_client_drives_a_running_sandbox(rsa_key: PrivateKey) -> None:
    with running(limits_enabled=False) as url:
        key_id = _register(url, rsa_key)
        config = APIConfig.resolve(
            "local",
            rest_url=url,
            api_key_id=key_id,
            private_key_pem=private_key_to_pem(rsa_key),
            environ={},
            dotenv_path=False,
        )
        with KalshiClient(config=config) as client:
            assert client.exchange.status().trading_active
            markets = list(client.markets.list(page_size=50))
            assert len(markets) == 200
            assert client.markets.get(markets[0].ticker).ticker == markets[0].ticker


@pytest.mark.slow
def test_drop_after_write_acts_then_drops_the_connection(rsa_key: PrivateKey) -> None:
    with running(limits_enabled=False) as url:
        key_id = _register(url, rsa_key)
        admin = url.replace(REST_PREFIX, "/sandbox/admin")
        httpx.post(f"{admin}/faults", json={"kind": "drop_after_write"}).raise_for_status()
        auth = KalshiAuth(Signer(key_id, rsa_key))
        with httpx.Client(base_url=url, auth=auth) as http:
            ticker = _an_open_ticker(http)
            with pytest.raises(httpx.RemoteProtocolError):
                http.post("/portfolio/events/orders", json=order_body(ticker))
            orders = http.get("/portfolio/orders").json()["orders"]
    assert len(orders) == 1


def _an_open_ticker(http: httpx.Client) -> str:
    markets = http.get("/markets", params={"status": "open", "limit": 200}).json()["markets"]
    return str(next(m["ticker"] for m in markets if m["price_level_structure"] == "linear_cent"))
