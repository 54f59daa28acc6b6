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
