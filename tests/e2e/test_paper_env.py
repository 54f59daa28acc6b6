"""`--env paper` end to end: the unchanged client, stream and CLI against a paper server whose
source is a real local sandbox. Reads come from the source; orders fill on the source's live
depth in the paper engine and never reach the source; accounts are per key and survive a
restart; bad input gets the real API's errors and changes nothing."""

from __future__ import annotations

import asyncio
import json
import os
import socket
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from _cli_kit import sign_in_paper
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kalshikit import AsyncKalshiClient, KalshiClient
from kalshikit.cli.main import main
from kalshikit.config import APIConfig, Environment
from kalshikit.errors import BadRequest, NotFound
from kalshikit.http.orders_core import OrderResult
from kalshikit.models import Market
from kalshikit.paper.launch import account_config
from kalshikit.paper.server import RunningPaper, running
from kalshikit.sandbox.server import SandboxURL, default_exchange
from kalshikit.sandbox.server import running as sandbox_running
from kalshikit.units import Contracts
from kalshikit.ws import KalshiWebSocket


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxURL]:
    exchange = default_exchange(markets=16)
    with sandbox_running(exchange, activity=0, liquidity=True, limits_enabled=False) as url:
        yield url


@pytest.fixture
def paper(sandbox: SandboxURL, tmp_path: Path) -> Iterator[RunningPaper]:
    with running(sandbox.config, tmp_path / "paper") as server:
        yield server


@pytest.fixture
def opened() -> Iterator[list[KalshiClient]]:
    """Clients the test made, closed after it."""
    clients: list[KalshiClient] = []
    yield clients
    for client in clients:
        client.close()


@pytest.fixture
def source(sandbox: SandboxURL, opened: list[KalshiClient]) -> KalshiClient:
    opened.append(KalshiClient(config=sandbox.config))
    return opened[-1]


def as_key(paper: RunningPaper, key: str, opened: list[KalshiClient]) -> KalshiClient:
    """The unchanged client, env paper, as the paper account ``key``."""
    opened.append(KalshiClient(config=paper.config(key)))
    return opened[-1]


def buy_yes(
    client: KalshiClient, ticker: str, count: int, price: str | None, **kw: Any
) -> OrderResult:
    """Buy YES at ``price`` dollars through the unchanged client (no dry run: a real answer)."""
    assert price is not None
    result = client.orders.create(
        ticker, side="yes", action="buy", count=count, price_dollars=price, **kw
    )
    assert isinstance(result, OrderResult)
    return result


def quoted_market(client: KalshiClient) -> Market:
    """An open market with both sides quoted (the house ladder)."""
    for market in client.markets.list(status="open", max_pages=1):
        book = client.markets.orderbook(market.ticker)
        if book.yes and book.no and market.price_level_structure == "linear_cent":
            return market
    raise AssertionError("the sandbox has no quoted market")


def source_state(source: KalshiClient, ticker: str) -> tuple[Any, int]:
    """The source's book and its trade count there: paper must change neither."""
    trades = list(source.markets.trades(ticker=ticker, max_pages=1))
    return source.markets.orderbook(ticker), len(trades)


def test_reads_come_from_the_source(
    source: KalshiClient, paper: RunningPaper, opened: list[KalshiClient]
) -> None:
    client = as_key(paper, "reader", opened)
    assert client.config.environment is Environment.PAPER
    market = quoted_market(client)
    assert client.markets.get(market.ticker) == source.markets.get(market.ticker)
    assert client.markets.orderbook(market.ticker) == source.markets.orderbook(market.ticker)
    # a name the source does not have stays whole on the way there: "T#T" is not T
    for odd in (f"{market.ticker}#{market.ticker}", f"{market.ticker}?x=1"):
        with pytest.raises(NotFound):
            client.markets.get(odd)
        with pytest.raises(NotFound):
            client.orders.create(odd, side="yes", action="buy", count=1, price_cents=1)


def test_a_marketable_order_fills_on_the_source_depth(
    source: KalshiClient, paper: RunningPaper, opened: list[KalshiClient]
) -> None:
    client = as_key(paper, "taker", opened)
    market = quoted_market(client)
    before_source = source_state(source, market.ticker)
    assert client.portfolio.balance().balance_cents == 1_000_000
    ask = market.yes_ask_dollars
    result = buy_yes(client, market.ticker, 2, ask)
    assert result.ack.fill_count == "2.00"
    assert result.ack.remaining_count == "0.00"
    assert client.orders.get(result.order_id).status == "executed"
    (fill,) = client.portfolio.fills()
    assert (fill.order_id, fill.count_fp, fill.yes_price_dollars) == (result.order_id, "2.00", ask)
    assert fill.is_taker
    (position,) = client.portfolio.positions()
    assert (position.ticker, position.position_fp) == (market.ticker, "2.00")
    spent = 2 * Decimal(ask or "") + Decimal(fill.fee_cost or "")  # 2 at the ask, and the fee
    assert client.portfolio.balance().balance_cents == 1_000_000 - int(spent * 100)
    assert source_state(source, market.ticker) == before_source  # paper never trades there
    # the same order for real at the source pays the same fee: paper charges the source's terms
    real = buy_yes(source, market.ticker, 2, ask)
    (real_fill,) = [f for f in source.portfolio.fills() if f.order_id == real.order_id]
    assert real_fill.fee_cost == fill.fee_cost


def test_a_resting_order_has_a_queue_position_and_cancels(
    paper: RunningPaper, opened: list[KalshiClient]
) -> None:
    client = as_key(paper, "maker", opened)
    market = quoted_market(client)
    book = client.markets.orderbook(market.ticker)
    bid, size_there = book.yes[-1]  # the best YES bid and the size already resting there
    result = buy_yes(client, market.ticker, 3, bid)
    assert result.ack.remaining_count == "3.00"
    # all the size at its price was there first: the source's size is ahead of it
    assert client.orders.queue_position(result.order_id) == Contracts.parse(size_there)
    (row,) = client.orders.queue_positions(market_tickers=[market.ticker])
    assert row.order_id == result.order_id
    held = client.portfolio.balance().balance_cents
    assert held < 1_000_000  # the bid's collateral is held
    client.orders.cancel(result.order_id)
    assert client.orders.get(result.order_id).status == "canceled"
    assert client.portfolio.balance().balance_cents == 1_000_000
    with pytest.raises(NotFound):
        client.orders.cancel(result.order_id)


async def _stream_a_fill(paper: RunningPaper) -> tuple[Any, Any, Any, Any]:
    config = paper.config("streamer")
    async with AsyncKalshiClient(config=config) as client, KalshiWebSocket(config=config) as ws:
        fills, orders, positions = await ws.fills(), await ws.user_orders(), await ws.positions()
        market = await anext(aiter(client.markets.list(status="open", max_pages=1)))
        books = await ws.orderbooks([market.ticker])  # a public channel: the source's book
        assert books[market.ticker].trusted
        result = await client.orders.create(
            market.ticker, side="yes", action="buy", count=1, price_dollars=market.yes_ask_dollars
        )

        async def first(stream: Any) -> Any:
            return await asyncio.wait_for(anext(aiter(stream)), 5)

        return result, await first(fills), await first(orders), await first(positions)


def test_private_channels_deliver_the_fill_and_the_order(paper: RunningPaper) -> None:
    result, fill, order, position = asyncio.run(_stream_a_fill(paper))
    assert (fill.order_id, fill.count_fp, fill.is_taker) == (result.order_id, "1.00", True)
    assert order.order_id == result.order_id
    assert order.user_id == "streamer"
    assert position.position_fp == "1.00"


async def _watch_the_source_move(paper: RunningPaper, source: KalshiClient) -> tuple[Any, Any]:
    """A paper client's relayed book while someone trades at the source; the source's book."""
    config = paper.config("watcher")
    async with KalshiWebSocket(config=config) as ws:
        ticker = quoted_market(source).ticker
        books = await ws.orderbooks([ticker])
        bid = source.markets.orderbook(ticker).yes[-1][0]
        for count in (1, 2, 3):  # real orders at the source: deltas in sequence
            await asyncio.to_thread(buy_yes, source, ticker, count, bid)
        want = await asyncio.to_thread(source.markets.orderbook, ticker)
        for _ in range(200):
            if books[ticker].to_levels() == want:
                break
            await asyncio.sleep(0.01)
        assert ws.stats.gaps == 0
        return books[ticker].to_levels(), want


def test_public_channels_relay_the_source_books_in_sequence(
    paper: RunningPaper, source: KalshiClient
) -> None:
    relayed, at_source = asyncio.run(_watch_the_source_move(paper, source))
    assert relayed == at_source


def test_two_keys_are_two_isolated_accounts(
    paper: RunningPaper, opened: list[KalshiClient]
) -> None:
    alice = as_key(paper, "alice", opened)
    bob = as_key(paper, "bob", opened)
    market = quoted_market(alice)
    buy_yes(alice, market.ticker, 1, market.yes_ask_dollars)
    assert len(list(alice.portfolio.fills())) == 1
    assert list(bob.portfolio.fills()) == []
    assert list(bob.orders.list()) == []
    assert bob.portfolio.balance().balance_cents == 1_000_000


def test_accounts_survive_a_restart(
    sandbox: SandboxURL, tmp_path: Path, opened: list[KalshiClient]
) -> None:
    data = tmp_path / "paper"
    with running(sandbox.config, data) as first:
        client = as_key(first, "keeper", opened)
        market = quoted_market(client)
        buy_yes(client, market.ticker, 2, market.yes_ask_dollars)
        bid = client.markets.orderbook(market.ticker).yes[-1][0]
        resting = buy_yes(client, market.ticker, 1, bid)
        before = (client.portfolio.balance(), list(client.orders.list()),
                  list(client.portfolio.fills()), list(client.portfolio.positions()))  # fmt: skip
    with running(sandbox.config, data) as second:
        again = as_key(second, "keeper", opened)
        after = (again.portfolio.balance(), list(again.orders.list()),
                 list(again.portfolio.fills()), list(again.portfolio.positions()))  # fmt: skip
        assert after == before
        again.orders.cancel(resting.order_id)  # still resting, still cancelable
        fresh = buy_yes(again, market.ticker, 1, bid)
        assert fresh.order_id not in {o.order_id for o in before[1]}  # ids never repeat


_HTTP = httpx.Client(timeout=10)  # one connection for the many raw requests


@pytest.fixture(scope="module", autouse=True)
def _close_the_raw_client() -> Iterator[None]:
    yield
    _HTTP.close()


def _raw(paper: RunningPaper, method: str, path: str, body: Any = None, key: str = "raw") -> Any:
    """A request as any HTTP client sends it: the key names the account, nothing is signed."""
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return _HTTP.request(
        method, paper.url + path, headers={"KALSHI-ACCESS-KEY": key}, content=content
    )


def _snapshot(client: KalshiClient) -> tuple[Any, ...]:
    return (client.portfolio.balance(), list(client.orders.list()), list(client.portfolio.fills()))


def test_bad_input_gets_the_real_errors_and_changes_nothing(
    paper: RunningPaper, opened: list[KalshiClient]
) -> None:
    client = as_key(paper, "raw", opened)
    market = quoted_market(client)
    bid = client.markets.orderbook(market.ticker).yes[-1][0]
    buy_yes(client, market.ticker, 1, bid, client_order_id="c1")
    before = _snapshot(client)
    with pytest.raises(NotFound):
        client.orders.cancel("no-such-order")
    with pytest.raises(NotFound):
        client.orders.get("no-such-order")
    order = {
        "ticker": market.ticker, "side": "bid", "count": "1.00", "price": "0.5000",
        "time_in_force": "good_till_canceled", "self_trade_prevention_type": "taker_at_cross",
    }  # fmt: skip
    again = _raw(paper, "POST", "/portfolio/events/orders",
                 {**order, "price": bid, "client_order_id": "c1"})  # fmt: skip
    assert again.status_code == 409  # the client itself reads this as its own earlier create
    assert again.json()["error"]["code"] == "duplicate_client_order_id"
    unknown = _raw(paper, "POST", "/portfolio/events/orders", {**order, "ticker": "KX-NOPE"})
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "market_not_found"
    for bad in ({**order, "price": "1.5000"}, {**order, "count": "-1"}, {**order, "side": "up"}):
        answer = _raw(paper, "POST", "/portfolio/events/orders", bad)
        assert answer.status_code == 400, answer.text
        assert answer.json()["error"]["message"]
    unsigned = httpx.get(paper.url + "/portfolio/balance")
    assert unsigned.status_code == 401
    with pytest.raises(BadRequest):
        client.orders.create(
            market.ticker, side="yes", action="buy", count=10**7, price_dollars=bid
        )
    assert _snapshot(client) == before


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=st.one_of(st.binary(max_size=64), st.dictionaries(
    st.sampled_from(["ticker", "side", "count", "price", "time_in_force", "client_order_id"]),
    st.one_of(st.text(max_size=8), st.integers(), st.none(), st.floats()), max_size=6,
)))  # fmt: skip
def test_hostile_order_bodies_are_refused_without_a_change(paper: RunningPaper, body: Any) -> None:
    # raw reads: the client's own rate limiter would make a hundred reads slow
    reads = ("/portfolio/balance", "/portfolio/orders", "/portfolio/fills")
    before = [_raw(paper, "GET", path, b"", key="hostile").json() for path in reads]
    answer = _raw(paper, "POST", "/portfolio/events/orders", body, key="hostile")
    assert 400 <= answer.status_code < 500, answer.text
    assert [_raw(paper, "GET", path, b"", key="hostile").json() for path in reads] == before


def test_the_cli_places_an_order_and_shows_the_balance_in_paper(
    paper: RunningPaper, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], opened: list[KalshiClient],
) -> None:  # fmt: skip
    sign_in_paper(paper.url, "cli-user", tmp_path, monkeypatch)
    market = quoted_market(as_key(paper, "cli-user", opened))
    ask = int(Decimal(market.yes_ask_dollars or "") * 100)
    argv = ["--env", "paper", "--json", "order", "place", "--ticker", market.ticker,
            "--side", "yes", "--action", "buy", "--count", "1", "--cents", str(ask)]  # fmt: skip
    assert main(argv) == 0, capsys.readouterr().err
    placed = capsys.readouterr()
    assert "PAPER" in placed.err
    assert main(["--env", "paper", "--json", "portfolio", "balance"]) == 0
    shown = capsys.readouterr()
    assert "PAPER" in shown.err
    balance = json.loads(shown.out)
    assert balance["balance"] < 1_000_000  # the fill cost cli-user's paper cash


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_paper_start_status_accounts_reset_stop(
    sandbox: SandboxURL, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], opened: list[KalshiClient],
) -> None:  # fmt: skip
    """The background paper exchange: its source the sandbox the environment names."""
    for name in [n for n in os.environ if n.startswith("KALSHI_")]:
        monkeypatch.delenv(name)
    key = tmp_path / "source.pem"
    key.write_text(sandbox.config.private_key_pem or "")
    key.chmod(0o600)
    monkeypatch.setenv("KALSHI_API_URL", sandbox)
    monkeypatch.setenv("KALSHI_LOCAL_API_KEY_ID", sandbox.config.api_key_id or "")
    monkeypatch.setenv("KALSHI_LOCAL_PRIVATE_KEY_PATH", str(key))
    port, data = str(_free_port()), str(tmp_path / "paper")
    where = ["--data-dir", data]
    started = cli_json(capsys, "paper", "start", "--port", port, *where, "--cash", "500")
    try:
        assert started["paper"] is True
        assert (started["state"], started["source"]) == ("started", "local")
        url = f"http://127.0.0.1:{port}/trade-api/v2"
        opened.append(KalshiClient(config=account_config(url, "cli-account")))
        client = opened[-1]
        market = quoted_market(client)
        buy_yes(client, market.ticker, 1, market.yes_ask_dollars)
        (row,) = cli_json(capsys, "paper", "accounts", *where)
        assert row["account"] == "cli-account"
        assert row["fills"] == 1
        assert row["cash_micro"] < 500_000_000
        assert cli_json(capsys, "paper", "status", *where)["accounts"] == 1
        reset = cli_json(capsys, "paper", "reset", "--account", "cli-account", *where)
        assert reset["accounts_reset"] == 1
        assert client.portfolio.balance().balance_cents == 50_000  # afresh: $500
    finally:
        stopped = cli_json(capsys, "paper", "stop", *where)
    assert stopped["state"] == "stopped"
    assert main(["paper", "status", *where]) == 1  # scripts can test it
    assert "PAPER" in capsys.readouterr().out


def cli_json(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    assert main(["--json", *argv]) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def test_a_source_that_is_down_is_a_clear_503_and_changes_nothing(tmp_path: Path) -> None:
    gone = f"http://127.0.0.1:{_free_port()}/trade-api/v2"
    source = APIConfig.resolve("local", rest_url=gone, environ={}, dotenv_path=False)
    with running(source, tmp_path / "paper") as paper:
        markets = _raw(paper, "GET", "/markets", b"")
        assert markets.status_code == 503
        assert "cannot reach its source" in markets.json()["error"]["message"]
        order = {
            "ticker": "KX-ANY", "side": "bid", "count": "1.00", "price": "0.5000",
            "time_in_force": "good_till_canceled", "self_trade_prevention_type": "taker_at_cross",
        }  # fmt: skip
        before = _raw(paper, "GET", "/portfolio/balance", b"").json()
        assert _raw(paper, "POST", "/portfolio/events/orders", order).status_code == 503
        assert _raw(paper, "GET", "/portfolio/orders", b"").json()["orders"] == []
        assert _raw(paper, "GET", "/portfolio/balance", b"").json() == before
