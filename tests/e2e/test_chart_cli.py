"""`kalshi chart` against a running sandbox with simulated traders: a chart that fits 80
columns, the series as JSON equal to the candles REST returns, a real PNG file, and a bad
ticker as one line with exit 2."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from _cli_kit import Box, cli_json, sign_in

from kalshikit import KalshiClient
from kalshikit.cli import _output
from kalshikit.cli.main import main
from kalshikit.sandbox.server import running

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def traded() -> Iterator[tuple[Box, str]]:
    """A sandbox whose traders are at work, and a market that has traded in it (we buy one
    YES at the house's ask, so its candles have a close whatever the simulation did)."""
    with running(activity=30, limits_enabled=False) as url:
        box = Box(url)
        ticker = box.ticker()
        with KalshiClient(config=url.config) as client:
            client.orders.create(
                ticker, side="yes", action="buy", count=2, price_cents=99,
                time_in_force="immediate_or_cancel",
            )  # fmt: skip
        yield box, ticker


@pytest.fixture
def market(
    traded: tuple[Box, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Box, str]:
    monkeypatch.setattr(_output.stdout, "width", 80)
    sign_in(traded[0], tmp_path, monkeypatch)
    return traded


def rest_series(box: Box, ticker: str, window: dict[str, int]) -> list[dict[str, Any]]:
    """The candles as REST returns them, cut to what the chart plots: end, close, volume."""
    series = ticker.split("-")[0]
    answer = httpx.get(
        f"{box.url}/series/{series}/markets/{ticker}/candlesticks",
        params={**window, "period_interval": 1},
    )
    answer.raise_for_status()
    return [
        {
            "end_period_ts": c["end_period_ts"],
            "close_dollars": c["price"].get("close_dollars"),
            "volume_fp": c["volume_fp"],
        }
        for c in answer.json()["candlesticks"]
    ]


def test_the_chart_fits_80_columns(
    market: tuple[Box, str], capsys: pytest.CaptureFixture[str]
) -> None:
    _, ticker = market
    assert main(["chart", ticker, "--period", "1m"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"{ticker}  1m candles, UTC  (last ")
    assert all(len(line) <= 80 for line in lines)
    assert any(line.split()[0] == "vol" for line in lines if line.strip())
    assert all(line.split()[0].endswith("¢") for line in (lines[1], lines[8]))


def test_json_is_the_series_rest_returns(
    market: tuple[Box, str], capsys: pytest.CaptureFixture[str]
) -> None:
    box, ticker = market
    now = int(time.time())
    window = {"start_ts": now - 900, "end_ts": now + 60}
    argv = ["chart", ticker, "--period", "1m", "--since", str(window["start_ts"])]
    argv += ["--until", str(window["end_ts"])]
    for _ in range(5):  # the simulation may trade this market between the two reads: read again
        before = rest_series(box, ticker, window)
        shown = cli_json(capsys, *argv)
        if before == rest_series(box, ticker, window):
            break
    shown = [{**p, "close_dollars": p.get("close_dollars")} for p in shown]
    assert shown == before
    assert any(p["close_dollars"] is not None for p in shown)


def test_png_writes_a_picture(
    market: tuple[Box, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, ticker = market
    target = tmp_path / "price.png"
    assert main(["chart", ticker, "--period", "1m", "--png", str(target)]) == 0
    assert capsys.readouterr().out.startswith(f"wrote {target} (")
    data = target.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 1000


def test_a_bad_ticker_is_one_line_and_exit_2(
    market: tuple[Box, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["chart", "KXNOPE-26DEC03-B1"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.splitlines() == [
        "error: no market KXNOPE-26DEC03-B1, live or archived; `kalshi markets list` shows tickers"
    ]
    assert main(["chart", market[1], "--png", str(tmp_path / "chart.jpg")]) == 2
    assert "write the chart to a .png file" in capsys.readouterr().err
    assert list(tmp_path.glob("*.jpg")) == []
