"""Strategies and paper trading: backtest speed, paper fill latency, accounts on one feed.

1. Backtest speed: a synthetic one-day tape of 200 markets (snapshots, then deltas) through
   ``kalshikit.strategy.backtest`` with a no-op strategy (no callback defined: the runner's own
   cost, books and paper engine included), with one that reads every book (``on_book``), and
   with the shipped market maker. Target (the paper-trading issue): >= 300,000 messages/s on one
   core for the no-op strategy.
2. Paper latency: a resting paper order in each of 50 markets; a trade print at its price is
   fed to the engine and the time until its fill event can be drained is measured, per print.
   Target: p99 under 1 ms.
3. Accounts on one feed: 1, 10 and 100 paper accounts, each with a resting order in every
   market, fed the same stream of deltas and trades; time per message divided by the accounts
   (linear scaling keeps it flat). Target: at least 100 accounts, no loss of speed per account
   beyond linear.

Run: ``.venv/bin/python bench/bench_strategy.py`` (or through bench/run.py).
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_tape_replay import build
from kalshikit.http.orders_core import OrderSpec
from kalshikit.paper import PaperEngine
from kalshikit.strategy import Strategy, backtest, load_strategy

RUNS, MARKETS, DELTAS = 3, 200, 400_000
TARGET_RATE, TARGET_P99_MS = 300_000, 1.0
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


class NoOp(Strategy):
    """Defines no callback: measures the runner, the books and the engine."""


class Reader(Strategy):
    """Reads each changed book's best bid: the cost of a callback per message."""

    def on_book(self, ctx: Any, ticker: str, book: Any) -> None:
        book.best_yes_bid  # noqa: B018 - the read is the work


def backtest_rates(tape: Path) -> dict[str, list[float]]:
    rates: dict[str, list[float]] = {"no-op": [], "on_book": [], "market maker": []}
    for _ in range(RUNS):
        maker = load_strategy(EXAMPLES / "market_maker.py")
        for name, strategy in (("no-op", NoOp()), ("on_book", Reader()), ("market maker", maker)):
            report = backtest(strategy, tape)
            rates[name].append(report.rate())
    return rates


def _engine(accounts: int, markets: list[str]) -> PaperEngine:
    engine = PaperEngine()
    for a in range(accounts):
        engine.open_account(f"a{a}", cash_micro=10**12)
    now = 1
    for ticker in markets:
        engine.on_snapshot(now, ticker, yes=[(4_000 + k * 100, 10_000) for k in range(10)],
                           no=[(4_000 + k * 100, 10_000) for k in range(10)])  # fmt: skip
    for a in range(accounts):
        for ticker in markets:
            # a new best bid at 50¢, nothing ahead: each print there fills it (1,000 contracts)
            engine.submit(now, f"a{a}", OrderSpec(ticker, side="yes", action="buy", count=1_000,
                                                  price_cents=50))  # fmt: skip
    return engine


def fill_latency(markets: int = 50, prints: int = 20_000, seed: int = 7) -> list[float]:
    """Seconds from a trade print at a resting order's price to its fill event, per print."""
    tickers = [f"KXLAT-26DEC04-T{n:03d}" for n in range(markets)]
    engine = _engine(1, tickers)
    engine.drain()
    rng = random.Random(seed)
    now, out = 2, []
    for _ in range(prints):
        now += 1_000
        ticker = rng.choice(tickers)
        started = time.perf_counter()
        engine.on_trade(now, ticker, yes_price=5_000, count=100, taker_side="no")
        events = engine.drain()
        out.append(time.perf_counter() - started)
        assert events, "a print at the resting price must fill it"
    return out


def per_account(accounts: int, markets: int = 20, messages: int = 20_000) -> float:
    """Microseconds per message per account, with every account resting in every market."""
    tickers = [f"KXACC-26DEC04-T{n:03d}" for n in range(markets)]
    engine = _engine(accounts, tickers)
    engine.drain()
    rng = random.Random(accounts)
    now = 2
    started = time.perf_counter()
    for i in range(messages):
        now += 1_000
        ticker = rng.choice(tickers)
        if i % 10 == 0:
            engine.on_trade(now, ticker, yes_price=5_000, count=1, taker_side="no")
        else:
            change = rng.choice((100, -100))
            engine.on_delta(now, ticker, side="yes", price=4_500, delta=change)
        engine.drain()
    return (time.perf_counter() - started) / messages / accounts * 1e6


def run() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        tape = Path(folder) / "tape"
        build(tape, 1, MARKETS, DELTAS)
        rates = backtest_rates(tape)
    latencies = sorted(fill_latency())
    p50 = latencies[len(latencies) // 2] * 1e3
    p99 = latencies[int(len(latencies) * 0.99)] * 1e3
    scaling = {n: [per_account(n) for _ in range(RUNS)] for n in (1, 10, 100)}
    return {"rates": rates, "p50_ms": p50, "p99_ms": p99, "scaling": scaling}


def _spread(values: list[float], fmt: str = ",.0f") -> str:
    return f"{statistics.median(values):{fmt}} ({min(values):{fmt}}-{max(values):{fmt}})"


def markdown(results: dict[str, Any]) -> str:
    rates, scaling = results["rates"], results["scaling"]
    lines = [
        "## Strategies and paper trading (bench/bench_strategy.py)",
        "",
        f"Backtests of a synthetic one-day tape ({MARKETS} markets, {DELTAS:,} deltas) through "
        f"`kalshikit.strategy.backtest`, {RUNS} runs each (median; min-max); one core.",
        "",
        "| measure | result | target |",
        "|---|---|---|",
        f"| backtest messages/s, no-op strategy | {_spread(rates['no-op'])} | >= {TARGET_RATE:,} |",
        f"| backtest messages/s, `on_book` reads every book | {_spread(rates['on_book'])} | |",
        f"| backtest messages/s, examples/market_maker.py | {_spread(rates['market maker'])} | |",
        f"| paper fill latency, trade print to fill event (p50 / p99) | "
        f"{results['p50_ms']:.3f} ms / {results['p99_ms']:.3f} ms | p99 < {TARGET_P99_MS:g} ms |",
    ]
    for n, values in scaling.items():
        lines.append(f"| µs per message per account, {n} account(s) | {_spread(values, '.2f')} | "
                     f"{'flat (linear total)' if n == 100 else ''} |")  # fmt: skip
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    results = run()
    print(json.dumps(results, indent=1, default=str))
    sys.stdout.write(markdown(results))
