"""``client.historical``: bad input sends nothing, requests follow the SDK's query names, the
answers parse (the live shapes, and the archive's own candles), and the merge across the cutoff
returns each record exactly once, oldest first, wherever the cutoff falls (hypothesis)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kalshikit.auth import generate_private_key, private_key_to_pem
from kalshikit.config import APIConfig
from kalshikit.errors import ValidationError
from kalshikit.http._core import RetryPolicy
from kalshikit.http.client import AsyncKalshiClient, KalshiClient
from kalshikit.http.resources.historical import merge_unique
from kalshikit.models import Fill

T0 = datetime(2026, 11, 1, tzinfo=UTC)
NAIVE = datetime.fromisoformat("2026-01-01T00:00:00")  # no zone: ambiguous, refused


class Recorder:
    def __init__(self, routes: dict[str, Callable[[httpx.Request], httpx.Response]]) -> None:
        self.routes, self.requests = routes, []  # type: ignore[var-annotated]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        handler = self.routes.get(request.url.path.removeprefix("/trade-api/v2"))
        if handler is None:
            return httpx.Response(404, json={"code": "not_found", "message": "none"})
        return handler(request)


def client_for(recorder: Recorder) -> KalshiClient:
    pem = private_key_to_pem(generate_private_key("ed25519"))
    config = APIConfig.resolve(
        "demo", environ={}, dotenv_path=False, api_key_id="k", private_key_pem=pem
    )
    client = KalshiClient(config=config, transport=httpx.MockTransport(recorder))
    client.retry_policy = RetryPolicy(max_retries=0, base_delay=0.001, max_delay=0.001)
    return client


BAD_CALLS: list[tuple[str, Callable[[Any], Any]]] = [
    ("markets page_size", lambda h: h.markets(page_size=1001)),
    ("markets mve", lambda h: h.markets(mve_filter="both")),
    ("markets exclusive", lambda h: h.markets(event_ticker="E", series_ticker="S")),
    ("market empty", lambda h: h.market("")),
    ("candles period", lambda h: h.candlesticks("T", start_ts=1, end_ts=2, period_interval=5)),
    ("candles order", lambda h: h.candlesticks("T", start_ts=3, end_ts=2)),
    ("candles naive", lambda h: h.candlesticks("T", start_ts=NAIVE, end_ts=2)),
    ("trades float", lambda h: h.trades(min_ts=1.5)),
    ("trades block", lambda h: h.trades(is_block_trade="yes")),
    ("fills subaccount", lambda h: h.fills(subaccount=64)),
    ("fills ticker", lambda h: h.fills(ticker="")),
    ("orders page_size", lambda h: h.orders(page_size=0)),
    ("positions subaccount", lambda h: h.positions(subaccount=-1)),
    ("between order", lambda h: h.fills_between(10, 5)),
    ("between naive", lambda h: h.trades_between(NAIVE, 5)),
    ("between missing", lambda h: h.orders_between(None, 5)),
]


@pytest.mark.parametrize(("name", "call"), BAD_CALLS, ids=[n for n, _ in BAD_CALLS])
def test_bad_input_raises_and_sends_nothing(name: str, call: Callable[[Any], Any]) -> None:
    recorder = Recorder({})
    with client_for(recorder) as client, pytest.raises(ValidationError):
        call(client.historical)
    assert recorder.requests == []


async def _awaited(result: Any) -> None:
    if hasattr(result, "__await__"):
        await result


@pytest.mark.parametrize(("name", "call"), BAD_CALLS, ids=[n for n, _ in BAD_CALLS])
async def test_bad_input_sends_nothing_async(name: str, call: Callable[[Any], Any]) -> None:
    recorder = Recorder({})
    config = APIConfig.resolve("demo", environ={}, dotenv_path=False)
    async with AsyncKalshiClient(config=config, transport=httpx.MockTransport(recorder)) as client:
        with pytest.raises(ValidationError):
            await _awaited(call(client.historical))
    assert recorder.requests == []


def _golden(golden_dir: Path, name: str) -> dict[str, Any]:
    body = json.loads((golden_dir / f"{name}_response.json").read_text())["response"]
    assert isinstance(body, dict)
    return body


def test_january_bodies_of_the_shared_shapes_parse_from_the_archive(golden_dir: Path) -> None:
    """No January recording of /historical/* exists; its answers are the live shapes, so the
    live recordings must parse through the archive's calls."""
    bodies = {
        "/historical/markets": _golden(golden_dir, "markets_list"),
        "/historical/trades": _golden(golden_dir, "trades_list"),
        "/historical/fills": _golden(golden_dir, "portfolio_fills"),
        "/historical/orders": _golden(golden_dir, "portfolio_orders"),
        "/historical/positions": _golden(golden_dir, "portfolio_positions"),
    }
    for body in bodies.values():
        body["cursor"] = ""
    routes = {
        path: (lambda b: lambda r: httpx.Response(200, json=b))(body)
        for path, body in bodies.items()
    }
    recorder = Recorder(routes)
    with client_for(recorder) as client:
        h = client.historical
        assert len(h.markets().to_list()) == len(bodies["/historical/markets"]["markets"])
        assert len(h.trades().to_list()) == len(bodies["/historical/trades"]["trades"])
        assert len(h.fills().to_list()) == len(bodies["/historical/fills"]["fills"])
        assert len(h.orders().to_list()) == len(bodies["/historical/orders"]["orders"])
        h.positions().to_list()
    sent = [(r.url.path, dict(r.url.params)) for r in recorder.requests]
    assert sent[0] == ("/trade-api/v2/historical/markets", {"limit": "1000"})


def test_historical_candles_parse_their_own_shape() -> None:
    body = {
        "ticker": "T",
        "candlesticks": [
            {
                "end_period_ts": 1_700_000_000,
                "yes_bid": {"open": "0.4000", "low": "0.3900", "high": "0.4100", "close": "0.4000"},
                "yes_ask": {"open": "0.4200", "low": "0.4200", "high": "0.4300", "close": "0.4300"},
                "price": {"open": None, "low": None, "high": None, "close": None,
                          "mean": None, "previous": "0.4100"},
                "volume": "0.00",
                "open_interest": "12.00",
            }
        ],
    }  # fmt: skip
    recorder = Recorder(
        {"/historical/markets/T/candlesticks": lambda r: httpx.Response(200, json=body)}
    )
    with client_for(recorder) as client:
        [candle] = client.historical.candlesticks("T", start_ts=1, end_ts=2, period_interval=1)
    assert (candle.price.previous, candle.open_interest) == ("0.4100", "12.00")
    assert dict(recorder.requests[0].url.params) == {
        "start_ts": "1",
        "end_ts": "2",
        "period_interval": "1",
    }


def _fill(n: int) -> Fill:
    return Fill(
        fill_id=f"f{n:03d}", trade_id=f"f{n:03d}", order_id="o", ticker="T", market_ticker="T",
        is_taker=True, created_time=T0 + timedelta(seconds=n // 2),
    )  # fmt: skip


@given(
    st.lists(st.integers(0, 200), unique=True, max_size=40),
    st.integers(0, 100),
    st.integers(0, 5),
)
def test_the_merge_returns_each_record_once_in_time_order(
    numbers: list[int], cutoff: int, overlap: int
) -> None:
    """Live holds what is at or after the cutoff (plus a few older ones kept live, as the
    sandbox's per-user floor and Kalshi's hand-over lag do); the archive what is before it."""
    fills = [_fill(n) for n in numbers]
    before = [f for f in fills if f.created_time < T0 + timedelta(seconds=cutoff)]  # type: ignore[operator]
    after = [f for f in fills if f not in before]
    live = after + before[-overlap:] if overlap else after
    merged = merge_unique([live, before], lambda f: f.fill_id, lambda f: f.created_time.timestamp())  # type: ignore[union-attr]
    assert sorted(f.fill_id for f in merged) == sorted(f.fill_id for f in fills)
    stamps = [(f.created_time, f.fill_id) for f in merged]
    assert stamps == sorted(stamps)  # type: ignore[type-var]
