"""`kalshi stream ...` from a fresh sandbox: the streamed book ends equal to the REST book, and
ticker / trade / fill lines carry converted, named units.

The sandbox runs as its own process (`kalshi sandbox start`) with no simulated activity; a
thread trades through our client while the stream runs, so the book the stream ends with is the
result of deltas, not only of the first snapshot.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kalshikit import KalshiClient
from kalshikit.cli.main import main
from kalshikit.config import APIConfig

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def sandbox(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[dict[str, Any]]:
    """A quiet sandbox on a free port, and the environment a user would set to reach it."""
    data, port = str(tmp_path / "sandbox"), free_port()
    assert main(["--json", "sandbox", "keygen", "--data-dir", data, "--balance", "1000"]) == 0
    key = json.loads(capsys.readouterr().out)
    start = ["sandbox", "start", "--data-dir", data, "--port", str(port), "--activity", "0"]
    assert main(start) == 0
    capsys.readouterr()
    url = f"http://127.0.0.1:{port}/trade-api/v2"
    monkeypatch.setenv("KALSHI_API_URL", url)
    monkeypatch.setenv("KALSHI_API_KEY_ID", key["api_key_id"])
    monkeypatch.setenv("KALSHI_PRIVATE_KEY_PATH", key["private_key_path"])
    try:
        yield {"url": url, **key}
    finally:
        main(["sandbox", "stop", "--data-dir", data])


def client(box: dict[str, Any]) -> KalshiClient:
    config = APIConfig.resolve(
        "local", rest_url=box["url"], api_key_id=box["api_key_id"],
        private_key_path=box["private_key_path"], environ={}, dotenv_path=False,
    )  # fmt: skip
    return KalshiClient(config=config)


def lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]


def trade_soon(box: dict[str, Any], ticker: str) -> threading.Thread:
    """Rest two bids and take one level while the stream listens."""

    def work() -> None:
        time.sleep(1.0)
        with client(box) as trader:
            trader.orders.create(ticker, side="yes", action="buy", count=3, price_cents=2)
            trader.orders.create(ticker, side="no", action="buy", count=2, price_cents=3)
            book = trader.markets.orderbook(ticker)
            best_no = book.no[-1][0]  # buying YES at 1 - best NO bid takes that level
            ask = 100 - round(float(best_no) * 100)
            trader.orders.create(ticker, side="yes", action="buy", count=1, price_cents=ask)

    thread = threading.Thread(target=work)
    thread.start()
    return thread


def test_stream_book_ends_equal_to_the_rest_book(
    sandbox: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    with client(sandbox) as reader:
        ticker = reader.markets.list(status="open").to_list()[0].ticker
    trader = trade_soon(sandbox, ticker)
    assert main(["--env", "local", "stream", "book", ticker, "--duration", "4", "--json"]) == 0
    trader.join()
    streamed = lines(capsys)
    assert len(streamed) >= 4  # the first snapshot and the three changes
    assert main(["--env", "local", "markets", "book", ticker, "--json"]) == 0
    (rest,) = lines(capsys)
    assert streamed[-1] == rest
    assert streamed[0] != rest


def test_stream_ticker_trades_and_fills_print_named_units(
    sandbox: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    with client(sandbox) as reader:
        ticker = reader.markets.list(status="open").to_list()[0].ticker
    for command in ("ticker", "trades", "fills"):
        trader = trade_soon(sandbox, ticker)
        argv = ["--env", "local", "stream", command, ticker, "--duration", "2.5", "--json"]
        assert main(argv) == 0
        trader.join()
        got = lines(capsys)
        assert got, command
        assert all(line["market_ticker"] == ticker for line in got)
        if command == "ticker":
            assert {"yes_bid_dollars", "yes_ask_dollars", "volume_contracts"} <= set(got[-1])
        else:
            assert {"yes_price_dollars", "count_contracts"} <= set(got[-1])


def test_without_json_lines_and_the_ladder_read_in_cents(
    sandbox: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    with client(sandbox) as reader:
        ticker = reader.markets.list(status="open").to_list()[0].ticker
    trader = trade_soon(sandbox, ticker)
    assert main(["stream", "fills", ticker, "--duration", "2.5"]) == 0
    trader.join()
    fills = capsys.readouterr().out.splitlines()
    assert fills
    assert re.search(rf"{ticker}\s+buy YES at \d+(\.\d+)?¢ x 1  taker, fee \$\d+\.\d\d", fills[-1])
    assert main(["stream", "book", ticker, "--duration", "1"]) == 0
    ladder = capsys.readouterr().out
    assert ladder.endswith("\n")  # a pipe gets the last frame, ended like any other output
    assert main(["markets", "book", ticker]) == 0
    assert ladder.splitlines()[1:] == capsys.readouterr().out.splitlines()[1:]


def test_a_bad_duration_is_refused(sandbox: dict[str, Any]) -> None:
    assert main(["stream", "ticker", "--duration", "-1"]) == 2


def test_a_reader_that_closes_the_pipe_ends_the_stream_quietly(sandbox: dict[str, Any]) -> None:
    """`kalshi stream ticker --json | head -1`: the stream ends at once, exit 0, no traceback."""
    with client(sandbox) as reader:
        ticker = reader.markets.list(status="open").to_list()[0].ticker
    argv = [sys.executable, "-m", "kalshikit.cli.main", "--env", "local"]
    argv += ["stream", "ticker", ticker, "--json"]
    child = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    trader = trade_soon(sandbox, ticker)
    try:
        assert child.stdout is not None
        first = child.stdout.readline()  # what `head -1` reads, then it closes the pipe
        child.stdout.close()
        trade_soon(sandbox, ticker).join()  # more tickers: the next write meets the closed pipe
        assert child.wait(timeout=20) == 0
        assert child.stderr is not None
        said = child.stderr.read()
    finally:
        trader.join()
        child.kill()
        if child.stderr is not None:
            child.stderr.close()
    assert json.loads(first)["market_ticker"] == ticker
    assert "Traceback" not in said
    assert "Broken pipe" not in said


def test_an_unknown_ticker_is_one_line_and_exit_2(
    sandbox: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--env", "local", "stream", "ticker", "NOPE-26JAN01", "--duration", "2"]) == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error")]
    assert len(errors) == 1
    assert "NOPE-26JAN01" in errors[0]
    assert "{" not in errors[0]  # what was refused, in words, not the command's JSON
