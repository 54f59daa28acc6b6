"""KalshiClient and AsyncKalshiClient over httpx.MockTransport serving recorded responses.

The transport plays the exchange with the raw January 2026 bodies from tests/fixtures, so these
tests pin the client to the real wire; end-to-end tests against the sandbox come with it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from kalshikit.config import APIConfig
from kalshikit.errors import (
    APIConnectionError,
    APITimeout,
    ConfigError,
    NotFound,
    SandboxNotRunning,
    ServerError,
    ValidationError,
)
from kalshikit.http._core import Call, RetryPolicy, prepare
from kalshikit.http._pager import PageLimitWarning
from kalshikit.http.client import AsyncKalshiClient, KalshiClient

Handler = Callable[[httpx.Request], httpx.Response]
QUICK = RetryPolicy(max_retries=3, base_delay=0.001, max_delay=0.002)


def golden(golden_dir: Path, name: str) -> dict[str, object]:
    body = json.loads((golden_dir / f"{name}_response.json").read_text())["response"]
    assert isinstance(body, dict)
    return body


class Recorder:
    """A fake exchange: answers from a route table and remembers every request."""

    def __init__(self, routes: dict[str, Handler]) -> None:
        self.routes = routes
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path.removeprefix("/trade-api/v2")
        handler = self.routes.get(path)
        if handler is None:
            return httpx.Response(404, json={"code": "not_found", "message": "no such thing"})
        return handler(request)


def client_for(recorder: Recorder, env: str = "demo", **kw: object) -> KalshiClient:
    config = APIConfig.resolve(env, environ={}, dotenv_path=False)
    client = KalshiClient(config=config, transport=httpx.MockTransport(recorder), **kw)  # type: ignore[arg-type]
    client.retry_policy = QUICK
    return client


def test_market_get_parses_the_recorded_body(golden_dir: Path) -> None:
    body = golden(golden_dir, "market_single")
    recorder = Recorder(
        {"/markets/" + body["market"]["ticker"]: lambda r: httpx.Response(200, json=body)}
    )  # type: ignore[index]
    with client_for(recorder) as client:
        market = client.markets.get(body["market"]["ticker"])  # type: ignore[index]
    assert market.ticker == body["market"]["ticker"]  # type: ignore[index]
    assert recorder.requests[0].url.host == "external-api.demo.kalshi.co"


def test_market_list_is_lazy_and_follows_cursors(golden_dir: Path) -> None:
    page = golden(golden_dir, "markets_list")
    markets = page["markets"]
    assert isinstance(markets, list)

    def pages(request: httpx.Request) -> httpx.Response:
        cursor = request.url.params.get("cursor")
        if cursor is None:
            return httpx.Response(200, json={"markets": markets[:2], "cursor": "page2"})
        return httpx.Response(200, json={"markets": markets[2:4], "cursor": ""})

    recorder = Recorder({"/markets": pages})
    with client_for(recorder) as client:
        pager = client.markets.list(status="open")
        assert recorder.requests == []  # nothing is fetched before iteration
        first = next(iter(pager))
        assert len(recorder.requests) == 1
        everything = pager.to_list()
    assert first.ticker == markets[0]["ticker"]
    assert [m.ticker for m in everything] == [m["ticker"] for m in markets[:4]]
    assert recorder.requests[1].url.params["limit"] == "1000"
    assert recorder.requests[-1].url.params["cursor"] == "page2"


def test_max_pages_warns_when_data_remains(golden_dir: Path) -> None:
    markets = golden(golden_dir, "markets_list")["markets"]
    recorder = Recorder(
        {"/markets": lambda r: httpx.Response(200, json={"markets": markets, "cursor": "more"})}
    )
    with client_for(recorder) as client, pytest.warns(PageLimitWarning, match="max_pages=2"):
        found = client.markets.list(max_pages=2).to_list()
    assert len(recorder.requests) == 2
    assert len(found) == 2 * len(markets)  # type: ignore[arg-type]


def test_bad_arguments_send_nothing() -> None:
    recorder = Recorder({})
    with client_for(recorder) as client:
        with pytest.raises(ValidationError, match="status must be one of"):
            client.markets.list(status="bogus")
        with pytest.raises(ValidationError, match="limit must be between 1 and 1000"):
            client.markets.list(page_size=5000)
        with pytest.raises(ValidationError, match="depth"):
            client.markets.orderbook("X", depth=500)
        with pytest.raises(ValidationError, match="period_interval"):
            client.markets.candlesticks("X-1", start_ts=1, end_ts=2, period_interval=5)
    assert recorder.requests == []


def test_not_found_carries_status_code_and_request() -> None:
    with client_for(Recorder({})) as client, pytest.raises(NotFound) as caught:
        client.markets.get("NOPE")
    assert caught.value.status == 404
    assert caught.value.code == "not_found"
    assert caught.value.request is not None
    assert caught.value.request.url.endswith("/markets/NOPE")


def test_reads_retry_5xx_then_succeed(golden_dir: Path) -> None:
    body = golden(golden_dir, "exchange_status")
    answers = iter([httpx.Response(503, json={"message": "busy"}), httpx.Response(200, json=body)])
    recorder = Recorder({"/exchange/status": lambda r: next(answers)})
    with client_for(recorder) as client:
        status = client.exchange.status()
    assert status.trading_active == body["trading_active"]
    assert len(recorder.requests) == 2


def test_reads_give_up_after_max_retries() -> None:
    recorder = Recorder({"/exchange/status": lambda r: httpx.Response(502, text="bad gateway")})
    with client_for(recorder) as client, pytest.raises(ServerError, match="502"):
        client.exchange.status()
    assert len(recorder.requests) == 1 + QUICK.max_retries


def test_connection_failures_are_clear() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    refusing = client_for(Recorder({"/exchange/status": refuse}))
    with refusing, pytest.raises(APIConnectionError, match="could not reach GET https://external"):
        refusing.exchange.status()
    slow_client = client_for(Recorder({"/exchange/status": slow}))
    with slow_client, pytest.raises(APITimeout, match="no answer within"):
        slow_client.exchange.status()


def test_local_without_sandbox_names_the_command() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    client = client_for(Recorder({"/markets": refuse}), env="local")
    with client, pytest.raises(SandboxNotRunning, match="kalshi sandbox start"):
        client.markets.list().to_list()


def test_authenticated_call_without_key_sends_nothing() -> None:
    recorder = Recorder({})
    with client_for(recorder) as client, pytest.raises(ConfigError, match="KALSHI_DEMO_API_KEY_ID"):
        client.call(Call(prepare("portfolio.balance"), dict, lambda r: r))
    assert recorder.requests == []


async def test_async_client_reads_and_pages(golden_dir: Path) -> None:
    markets = golden(golden_dir, "markets_list")["markets"]
    orderbook = golden(golden_dir, "orderbook")

    def pages(request: httpx.Request) -> httpx.Response:
        cursor = request.url.params.get("cursor")
        return httpx.Response(200, json={"markets": markets, "cursor": "" if cursor else "next"})

    recorder = Recorder(
        {"/markets": pages, "/markets/T/orderbook": lambda r: httpx.Response(200, json=orderbook)}
    )
    config = APIConfig.resolve("demo", environ={}, dotenv_path=False)
    async with AsyncKalshiClient(config=config, transport=httpx.MockTransport(recorder)) as client:
        found = await client.markets.list().to_list()
        book = await client.markets.orderbook("T")
    assert len(found) == 2 * len(markets)  # type: ignore[arg-type]
    assert book.yes == sorted(book.yes, key=lambda level: level[0])
