"""MarketScanner against a real sandbox process: seeded by REST, kept current by the stream.

The sandbox runs without its house liquidity and without simulated traders, so every quote
and trade is one the test made: a market pushed up by 20 points tops the movers within a
second; an arbitrage made on purpose is found, with its size and profit after fees; a market
whose quotes leave no edge after fees, or that is one-sided, is never reported.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
import pytest
from _sandbox_process import sandbox_process

from kalshikit import KalshiClient
from kalshikit.auth import generate_private_key, private_key_to_pem, public_key_pem
from kalshikit.cli.main import main
from kalshikit.config import APIConfig
from kalshikit.scanner.scanner import MarketScanner

pytestmark = pytest.mark.slow


@dataclass
class Box:
    base: str

    @property
    def rest(self) -> str:
        return self.base + "/trade-api/v2"

    def user(self) -> APIConfig:
        """A funded sandbox user's settings, as a user would configure them."""
        key = generate_private_key("ed25519")
        body = {"public_key_pem": public_key_pem(key), "balance_cents": 1_000_000}
        made = httpx.post(f"{self.base}/sandbox/admin/users", json=body).json()
        return APIConfig.resolve(
            "local", rest_url=self.rest, api_key_id=made["api_key_id"],
            private_key_pem=private_key_to_pem(key), environ={}, dotenv_path=False,
        )  # fmt: skip

    def exclusive_event(self, index: int, legs: int = 2) -> list[str]:
        """The markets of the ``index``-th open mutually exclusive event with ``legs`` markets
        (each test takes its own event, so their orders never meet)."""
        params: dict[str, Any] = {"status": "open", "with_nested_markets": "true", "limit": 200}
        events = httpx.get(f"{self.rest}/events", params=params).json()["events"]
        found = [
            [m["ticker"] for m in event["markets"]]
            for event in events
            if event["mutually_exclusive"] and len(event.get("markets") or []) == legs
        ]
        return found[index]


@pytest.fixture(scope="module")
def box(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Box]:
    data = tmp_path_factory.mktemp("sandbox")
    flags = ("--activity", "0", "--no-liquidity", "--no-limits")
    with sandbox_process(data, *flags) as base:
        yield Box(base)


@pytest.fixture
def traders(box: Box) -> Iterator[Any]:
    """Makes funded sandbox users' clients, closed after the test."""
    made: list[KalshiClient] = []

    def make() -> KalshiClient:
        made.append(KalshiClient(config=box.user()))
        return made[-1]

    yield make
    for client in made:
        client.close()


def quote(client: KalshiClient, ticker: str, bid: int, ask: int, size: int = 10) -> None:
    """Rest a YES bid and a YES ask (as a NO bid) in cents."""
    client.orders.create(ticker, side="yes", action="buy", count=size, price_cents=bid)
    client.orders.create(ticker, side="no", action="buy", count=size, price_cents=100 - ask)


def trade(maker: KalshiClient, taker: KalshiClient, ticker: str, cents: int) -> None:
    """One contract changes hands at ``cents`` (the maker sells YES, the taker buys it)."""
    maker.orders.create(ticker, side="no", action="buy", count=1, price_cents=100 - cents)
    taker.orders.create(ticker, side="yes", action="buy", count=1, price_cents=cents)


async def until(check: Any, seconds: float) -> float:
    """Seconds until ``check()`` holds (fails after ``seconds``)."""
    start = time.monotonic()
    while not check():
        assert time.monotonic() - start < seconds, "not within the time allowed"
        await asyncio.sleep(0.02)
    return time.monotonic() - start


async def test_a_market_pushed_up_20_points_tops_the_movers(box: Box, traders: Any) -> None:
    maker, taker = traders(), traders()
    target, other = box.exclusive_event(0)
    for ticker in (target, other):
        trade(maker, taker, ticker, 30)
    async with MarketScanner(config=box.user()) as scanner:
        await asyncio.to_thread(trade, maker, taker, other, 32)  # a small move elsewhere
        await asyncio.to_thread(quote, maker, target, 48, 52)
        await asyncio.to_thread(quote, maker, other, 46, 50)  # asks sum above $1: no arbitrage
        await asyncio.to_thread(trade, maker, taker, target, 50)
        pushed = time.monotonic()

        def on_top() -> bool:
            found = scanner.top("movers", 3, window="5m")
            return bool(found) and found[0].ticker == target

        await until(on_top, 1.0 - (time.monotonic() - pushed))
        best = scanner.top("movers", 1, window="5m")[0]
        assert best.values["change_points"] == Decimal(20)
        assert "+20 points" in best.reason


async def test_an_arbitrage_made_on_purpose_is_found_with_size_and_profit(
    box: Box, traders: Any
) -> None:
    maker = traders()
    first, second = box.exclusive_event(1)
    async with MarketScanner(config=box.user()) as scanner:
        event = first.rsplit("-", 1)[0]
        assert event not in {s.ticker for s in scanner.top("arbitrage", 100)}  # nothing quoted
        await asyncio.to_thread(quote, maker, first, 38, 40, 10)
        await asyncio.to_thread(quote, maker, second, 43, 45, 6)
        await until(lambda: event in {s.ticker for s in scanner.top("arbitrage", 100)}, 2.0)
        (found,) = [s for s in scanner.top("arbitrage", 100) if s.ticker == event]
    assert set(found.tickers) == {first, second}
    assert found.values["direction"] == "buy_yes"
    assert found.values["count"] == Decimal(6)  # the thinner leg's depth
    assert found.values["price_sum"] == Decimal("0.85")
    fees = found.values["fees"]
    assert isinstance(fees, Decimal)
    assert Decimal(0) < fees < Decimal("0.30")
    assert found.values["profit"] == Decimal(6) - Decimal("0.85") * 6 - fees


async def test_no_arbitrage_when_fees_eat_the_edge_or_a_side_is_missing(
    box: Box, traders: Any
) -> None:
    maker = traders()
    first, second = box.exclusive_event(2)
    third, fourth = box.exclusive_event(3)
    async with MarketScanner(config=box.user()) as scanner:
        await asyncio.to_thread(quote, maker, first, 47, 49, 10)  # asks sum to 0.99: fees win
        await asyncio.to_thread(quote, maker, second, 48, 50, 10)
        # an ask at 0.30 with no bid: a one-sided leg
        await asyncio.to_thread(
            maker.orders.create, third, side="no", action="buy", count=5, price_cents=70
        )
        await asyncio.to_thread(quote, maker, fourth, 40, 42, 5)
        await until(lambda: scanner.messages >= 4, 2.0)
        await asyncio.sleep(0.5)
        events = {first.rsplit("-", 1)[0], third.rsplit("-", 1)[0]}
        assert not [s for s in scanner.top("arbitrage", 100) if s.ticker in events]


def test_kalshi_scan_prints_rankings_and_watches(
    box: Box, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    key = generate_private_key("ed25519")
    made = httpx.post(
        f"{box.base}/sandbox/admin/users", json={"public_key_pem": public_key_pem(key)}
    )
    monkeypatch.setenv("KALSHI_API_URL", box.rest)
    monkeypatch.setenv("KALSHI_API_KEY_ID", made.json()["api_key_id"])
    monkeypatch.setenv("KALSHI_PRIVATE_KEY", private_key_to_pem(key))
    assert main(["--json", "scan", "close-races", "--duration", "0.5", "--top", "3"]) == 0
    ranked = json.loads(capsys.readouterr().out)
    assert isinstance(ranked, list)
    assert all({"kind", "ticker", "score", "reason", "values"} <= set(s) for s in ranked)
    assert main(["scan", "movers", "--watch", "--duration", "1", "--window", "5m"]) == 0
    captured = capsys.readouterr()
    assert "kalshi scan movers (5m)" in captured.out
    assert "seeded" in captured.err
    assert "requests" in captured.err
    assert main(["scan", "nonsense"]) == 2
    assert main(["scan", "movers", "--window", "2d"]) == 2
