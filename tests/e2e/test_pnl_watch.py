"""`kalshi portfolio pnl --watch`: the totals move as fills arrive, and agree with a fresh `pnl`."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from _cli_kit import Box, cli_json, sign_in

from kalshikit import KalshiClient
from kalshikit.cli.main import main
from kalshikit.config import APIConfig
from kalshikit.sandbox.server import default_exchange, running

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def box() -> Iterator[Box]:
    with running(default_exchange(markets=6), liquidity=True, limits_enabled=False) as url:
        yield Box(url)


def test_the_watched_totals_follow_a_fill_and_match_a_fresh_pnl(
    box: Box, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sign_in(box, tmp_path, monkeypatch)
    ticker, best = next(
        (m["ticker"], m["yes_ask_dollars"]) for m in box.markets()
        if m.get("yes_ask_dollars") not in (None, "0.0000", "1.0000")
    )  # fmt: skip
    watched: dict[str, int] = {}

    def watch() -> None:
        watched["code"] = main(["--json", "portfolio", "pnl", "--watch", "--duration", "4s"])

    runner = threading.Thread(target=watch)
    runner.start()
    time.sleep(1.5)  # the first totals are out: nothing traded yet
    with KalshiClient(config=APIConfig.resolve("local")) as client:
        client.orders.create(ticker, side="yes", action="buy", count=2, price_dollars=best,
                             time_in_force="immediate_or_cancel")  # fmt: skip
    runner.join(timeout=15)
    assert watched["code"] == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line]
    assert Decimal(lines[0]["fees"]) == 0
    last = lines[-1]
    assert Decimal(last["fees"]) > 0  # the fill arrived while watching
    fresh = cli_json(capsys, "portfolio", "pnl")["totals"]
    assert {k: last[k] for k in ("realized", "fees", "net")} == {
        k: fresh[k] for k in ("realized", "fees", "net")
    }
    assert last["unrealized_mid"] is not None  # the held market is marked from its live book


def test_the_portfolio_chart_draws_the_realized_curve(
    box: Box, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sign_in(box, tmp_path, monkeypatch)
    market = next(
        m for m in box.markets()
        if m.get("yes_ask_dollars") not in (None, "0.0000", "1.0000")
        and m.get("yes_bid_dollars") not in (None, "0.0000")
    )  # fmt: skip
    trades = (("buy", market["yes_ask_dollars"]), ("sell", market["yes_bid_dollars"]))
    with KalshiClient(config=APIConfig.resolve("local")) as client:
        for action, price in trades:
            client.orders.create(
                market["ticker"], side="yes", action=action, count=1, price_dollars=price,
                time_in_force="immediate_or_cancel",
            )  # fmt: skip
    drawn = cli_json(capsys, "portfolio", "chart")
    net = cli_json(capsys, "portfolio", "pnl")["totals"]["net"]
    assert len(drawn["curve"]) == 2  # after the buy, after the sale
    assert Decimal(drawn["curve"][-1]["net"]) == Decimal(net) < 0  # crossed the spread, paid fees
    assert main(["portfolio", "chart", "--png-dir", str(tmp_path)]) == 0
    shown = capsys.readouterr().out
    assert all(len(line) <= 80 for line in shown.splitlines())
    assert (tmp_path / "equity.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "pnl_by_series.png").stat().st_size > 0
