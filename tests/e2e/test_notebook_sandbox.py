"""`kalshikit.sandbox.running()` (the notebook path) gives what `kalshi sandbox start` gives:
opening books, simulated traders, and a signed-in user with no key handling by hand."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from kalshikit import KalshiClient, KalshiStream
from kalshikit.sandbox import running
from kalshikit.sandbox.launch import wall_clock_ms
from kalshikit.sandbox.server import default_exchange
from kalshikit.sandbox.store import open_exchange


def test_running_serves_books_traders_and_a_signed_in_user() -> None:
    with running(activity=50) as sandbox:
        with KalshiClient(config=sandbox.config) as client:
            assert client.portfolio.balance().balance == Decimal(10_000)
            ticker = next(iter(client.markets.list(status="open"))).ticker
            book = client.markets.orderbook(ticker)
        assert book.yes  # the house's opening ladder
        assert book.no
        with KalshiStream(config=sandbox.config) as stream:
            trade = stream.trades().get(timeout=15)  # the simulated traders trade
        assert trade.market_ticker


def test_a_sandbox_of_ones_own_keeps_its_books_as_given() -> None:
    """An exchange passed in is served as it is (tests build exact states that way)."""
    exchange = default_exchange(seed=2, markets=20)
    with running(exchange) as sandbox, KalshiClient(config=sandbox.config) as client:
        ticker = next(iter(client.markets.list(status="open"))).ticker
        book = client.markets.orderbook(ticker)
    assert not book.yes
    assert not book.no


def test_a_stored_sandbox_journals_its_house_and_notebook_user(tmp_path: Path) -> None:
    """With a store's writer, the house's books, the simulated traders and the notebook user
    are journaled like any write: a restart replays them to the same state."""
    store = open_exchange(tmp_path, seed=0, markets=40, now_ms=wall_clock_ms(), clock=wall_clock_ms)
    with (
        running(store.exchange, store_writer=store, liquidity=True) as sandbox,
        KalshiClient(config=sandbox.config) as client,
    ):
        assert client.portfolio.balance().balance_cents == 1_000_000
    before = store.exchange.state_digest()
    store.close()
    again = open_exchange(tmp_path, seed=0, markets=40, now_ms=wall_clock_ms(), clock=wall_clock_ms)
    try:
        assert again.exchange.state_digest() == before
    finally:
        again.close()
