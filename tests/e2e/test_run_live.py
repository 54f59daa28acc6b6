"""Strategies trading live on the sandbox through `kalshi run`: the shipped examples run
unchanged, and the kill switch stops a running strategy within a second, cancels its orders,
and keeps every later run from trading until a person clears it."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from _cli_kit import Box, cli_json, sign_in, sign_in_paper

from kalshikit.cli.main import main
from kalshikit.paper.server import running as paper_running
from kalshikit.sandbox.server import SandboxURL, default_exchange, running
from kalshikit.strategy.audit import read_audit
from kalshikit.strategy.halt import Halt

pytestmark = pytest.mark.slow
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxURL]:
    with running(default_exchange(markets=6), activity=100, limits_enabled=False) as url:
        yield url


@pytest.fixture(scope="module")
def box(sandbox: SandboxURL) -> Box:
    return Box(sandbox)


def quoted(box: Box) -> str:
    """A market with both sides quoted, so the market maker has a mid to quote around."""
    for market in box.markets():
        if market.get("yes_bid_dollars") not in (None, "0.0000") and market.get(
            "yes_ask_dollars"
        ) not in (None, "1.0000"):
            return str(market["ticker"])
    raise AssertionError("no quoted market")


@pytest.mark.parametrize(
    ("example", "param"), [("market_maker.py", "spread=2"), ("mean_reversion.py", "threshold=1")]
)
def test_the_examples_trade_live_on_the_sandbox_unchanged(
    box: Box, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], example: str, param: str,
) -> None:  # fmt: skip
    sign_in(box, tmp_path, monkeypatch)
    report = cli_json(
        capsys, "--env", "local", "run", str(EXAMPLES / example), "--ticker", quoted(box),
        "--param", param, "--duration", "3s",
    )  # fmt: skip
    assert report["messages"] > 0
    assert report["callback_errors"] == 0
    if example == "market_maker.py":
        assert report["orders_sent"] >= 1
        audited = list(read_audit(tmp_path / "data" / "kalshikit" / "audit-local.jsonl"))
        kinds = {record["kind"] for record in audited}
        assert {"intent", "order"} <= kinds  # what the guard allowed, what the exchange did
        assert all(record["env"] == "local" for record in audited)


def test_the_kill_switch_stops_a_running_strategy_within_a_second(
    box: Box, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sign_in(box, tmp_path, monkeypatch)
    ticker = quoted(box)
    argv = ["--env", "local", "run", str(EXAMPLES / "market_maker.py"), "--ticker", ticker,
            "--param", "spread=6", "--duration", "60s", "--json"]  # fmt: skip
    outcome: dict[str, object] = {}

    def run() -> None:
        outcome["code"] = main(argv)
        outcome["ended"] = time.monotonic()

    runner = threading.Thread(target=run)
    runner.start()
    deadline = time.monotonic() + 15
    while not cli_json(capsys, "order", "list", "--status", "resting", "--ticker", ticker):
        assert time.monotonic() < deadline, "the market maker never quoted"
        time.sleep(0.2)
    halt = Halt(tmp_path / "data" / "kalshikit" / "halt-local.json")
    engaged = time.monotonic()
    halt.engage("risk desk says stop", "test")
    runner.join(timeout=10)
    assert not runner.is_alive()
    assert outcome["code"] == 0
    assert float(outcome["ended"]) - engaged < 1.0 + 0.5  # a poll, and the orders' cancels
    capsys.readouterr()
    assert cli_json(capsys, "order", "list", "--status", "resting", "--ticker", ticker) == []

    # the halt survives: a new run sends nothing until a person clears it
    again = cli_json(capsys, *argv[:-3], "--duration", "2s")
    assert again["orders_sent"] == 0
    assert Halt(halt.path).reason == "risk desk says stop"
    assert main(["--env", "local", "kill", "--clear", "--yes"]) == 0
    capsys.readouterr()
    assert cli_json(capsys, "--env", "local", "kill", "--status")["halted"] is False


def test_the_market_maker_runs_on_paper_fed_by_the_sandbox_unchanged(
    sandbox: SandboxURL, box: Box, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    ticker = quoted(box)
    with paper_running(sandbox.config, tmp_path / "paper") as paper:
        sign_in_paper(paper.url, "strategy-user", tmp_path, monkeypatch)
        report = cli_json(
            capsys, "--env", "paper", "run", str(EXAMPLES / "market_maker.py"), "--ticker",
            ticker, "--param", "spread=2", "--duration", "3s",
        )  # fmt: skip
    assert report["messages"] > 0
    assert report["callback_errors"] == 0
    assert report["orders_sent"] >= 1


def test_a_usr1_signal_halts_a_running_strategy(
    box: Box, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sign_in(box, tmp_path, monkeypatch)
    kalshi = str(Path(sys.executable).parent / "kalshi")
    strategy = str(EXAMPLES / "market_maker.py")
    command = [
        kalshi,
        "--env",
        "local",
        "run",
        strategy,
        "--ticker",
        quoted(box),
        "--duration",
        "60s",
    ]
    halt = Halt(tmp_path / "data" / "kalshikit" / "halt-local.json")
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        try:
            time.sleep(4)  # started, subscribed, trading
            process.send_signal(signal.SIGUSR1)
            _, err = process.communicate(timeout=10)
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()
    assert process.returncode == 0, err.decode()
    assert halt.reason == "SIGUSR1"
    halt.clear()
