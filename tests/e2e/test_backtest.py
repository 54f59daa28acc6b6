"""Backtests on a tape recorded from a busy sandbox: the strategy hears every message in order,
the same run gives the same result bit for bit, bugs and refusals are counted without stopping
the run, and the CLI runs the shipped examples (one run, a sweep across processes)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kalshikit.cli.main import main
from kalshikit.sandbox.server import default_exchange, running
from kalshikit.strategy import BacktestOptions, Strategy, backtest, load_strategy
from kalshikit.strategy.guarding import guard_with
from kalshikit.strategy.halt import Halt
from kalshikit.strategy.limits import RiskLimits
from kalshikit.strategy.risk import RiskGuard
from kalshikit.tape import read_table
from kalshikit.tape.recorder import Recorder

pytestmark = pytest.mark.slow
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture(scope="module")
def tape(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Four seconds of six busy markets: snapshots, deltas, trades and tickers."""
    root = tmp_path_factory.mktemp("tape")
    with running(default_exchange(markets=6), activity=300, limits_enabled=False) as url:
        recorder = Recorder(url.config, root, flush_every_s=60, check_sample=0)
        asyncio.run(recorder.run(duration=4.0))
    return root


def kinds(tape: Path) -> dict[str, int]:
    table = read_table(tape, columns=["kind", "n"])
    counts: dict[str, set[int]] = {}
    for kind, n in zip(table["kind"].to_pylist(), table["n"].to_pylist(), strict=True):
        counts.setdefault(kind, set()).add(n)
    return {kind: len(ns) for kind, ns in counts.items()}


class Counter(Strategy):
    timer_every_s = 0.5

    def __init__(self) -> None:
        super().__init__()
        self.calls: dict[str, int] = {}
        self.times: list[int] = []

    def _count(self, ctx: Any, name: str) -> None:
        self.calls[name] = self.calls.get(name, 0) + 1
        self.times.append(ctx.now_ns)

    def on_book(self, ctx: Any, ticker: str, book: Any) -> None:
        self._count(ctx, "book")

    def on_trade(self, ctx: Any, trade: Any) -> None:
        self._count(ctx, "trade")

    def on_ticker(self, ctx: Any, ticker: Any) -> None:
        self._count(ctx, "ticker")

    def on_timer(self, ctx: Any) -> None:
        self._count(ctx, "timer")


def test_the_strategy_hears_every_message_in_tape_order(tape: Path) -> None:
    strategy = Counter()
    report = backtest(strategy, tape)
    on_tape = kinds(tape)
    assert on_tape.get("trade", 0) > 0
    assert on_tape.get("delta", 0) > 0
    assert strategy.calls["book"] == on_tape["delta"] + on_tape["snapshot"]
    assert strategy.calls["trade"] == on_tape["trade"]
    assert strategy.calls.get("ticker", 0) == on_tape.get("ticker", 0)
    assert strategy.times == sorted(strategy.times)  # the tape's clock never goes back
    assert 4 <= strategy.calls["timer"] <= 10  # every half second of about four
    assert report.callback_errors == 0
    assert report.fills == 0


def test_the_same_tape_gives_the_same_result_bit_for_bit(tape: Path) -> None:
    def run() -> tuple[dict[str, Any], list[Any]]:
        strategy = load_strategy(EXAMPLES / "market_maker.py", {"spread": 2})
        fills: list[Any] = []
        strategy.on_fill = lambda ctx, fill: fills.append(fill)  # type: ignore[method-assign]
        report = backtest(strategy, tape, options=BacktestOptions(queue_model="power_prob:2"))
        return {k: v for k, v in report.to_json().items() if k != "seconds"}, fills

    first, second = run(), run()
    assert first == second
    assert first[0]["orders_sent"] > 0


def test_the_report_books_fills_in_the_pnl_core(tape: Path) -> None:
    strategy = load_strategy(EXAMPLES / "mean_reversion.py", {"threshold": 1})
    report = backtest(strategy, tape)
    assert report.fills > 0
    assert report.realized is not None
    assert report.realized == sum(report.net_by_ticker.values())  # per market, the same core
    assert report.to_json()["realized"] == str(report.realized)


class Buggy(Strategy):
    def on_book(self, ctx: Any, ticker: str, book: Any) -> None:
        raise RuntimeError("a strategy bug")


def test_a_raising_callback_is_counted_and_the_run_goes_on(tape: Path) -> None:
    report = backtest(Buggy(), tape)
    assert report.callback_errors == kinds(tape)["delta"] + kinds(tape)["snapshot"]
    assert report.messages > report.callback_errors


class Greedy(Strategy):
    def __init__(self) -> None:
        super().__init__()
        self.tickets: list[Any] = []

    def on_book(self, ctx: Any, ticker: str, book: Any) -> None:
        if not self.tickets and book.best_yes_ask is not None:
            for count in (1, 5):
                self.tickets.append(ctx.buy(ticker, "yes", count, price_cents=1))


def test_the_risk_guard_refuses_what_breaks_a_limit_and_says_why(
    tape: Path, tmp_path: Path
) -> None:
    limits = RiskLimits.parse({"max_order_contracts": 2})
    guard = guard_with(RiskGuard(limits, halt=Halt(tmp_path / "halt.json")))
    strategy = Greedy()
    report = backtest(strategy, tape, guard=guard)
    small, large = strategy.tickets
    assert small.sent
    assert not large.sent
    assert large.refused is not None
    assert large.refused.startswith("max_order")
    assert (report.orders_sent, report.orders_refused) == (1, 1)


def test_a_halted_environment_refuses_every_order(tape: Path, tmp_path: Path) -> None:
    halt = Halt(tmp_path / "halt.json")
    halt.engage("feed looks wrong", "test")
    strategy = Greedy()
    report = backtest(strategy, tape, guard=guard_with(RiskGuard(RiskLimits(), halt=halt)))
    assert strategy.tickets  # it asked, and every ask was refused
    assert all(t.refused and "feed looks wrong" in t.refused for t in strategy.tickets)
    assert report.orders_sent == 0


@pytest.mark.parametrize(
    ("example", "param"), [("market_maker.py", "spread=2"), ("mean_reversion.py", "threshold=1")]
)
def test_the_examples_backtest_from_the_cli(
    tape: Path, example: str, param: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["run", str(EXAMPLES / example), "--env", f"tape:{tape}", "--param", param,
            "--charts", str(tmp_path), "--json"]  # fmt: skip
    code = main(argv)
    assert code == 0, capsys.readouterr().err
    report = json.loads(capsys.readouterr().out)
    assert report["messages"] > 100
    assert report["callback_errors"] == 0
    assert report["orders_sent"] > 0
    assert (tmp_path / "equity.png").read_bytes()[:4] == b"\x89PNG"  # the run's pictures


def test_a_sweep_runs_each_combination_across_processes(
    tape: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["run", str(EXAMPLES / "market_maker.py"), "--env", f"tape:{tape}",
            "--sweep", "spread=2,6", "--workers", "2", "--json"]  # fmt: skip
    assert main(argv) == 0, capsys.readouterr().err
    rows = json.loads(capsys.readouterr().out)
    assert [row["params"]["spread"] for row in rows] == [2, 6]
    alone = backtest(load_strategy(EXAMPLES / "market_maker.py", {"spread": 6}), tape)
    assert rows[1]["pnl"] == str(alone.pnl)  # a worker's run is the same backtest


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--queue-model", "fifo"], "queue model"),
        (["--param", "spread"], "name=value"),
        (["--cash", "lots"], "--cash"),
    ],
)
def test_bad_options_are_one_line_errors(
    tape: Path, argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["run", str(EXAMPLES / "market_maker.py"), "--env", f"tape:{tape}", *argv])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) <= 2
