"""Benchmark of the command line's start-up: how long `kalshi` takes before it is useful.

Each figure is the wall time of a fresh process, `REPEATS` times, reported as the median and
the spread (min-max), next to `python -c pass` measured in the same run, so the ratio says what
the command line adds to Python itself. Measured:

- `kalshi --version` and `kalshi --help`: nothing but the command line's own parsing;
- `kalshi markets get TICKER`: one signed-out REST read from a running sandbox (started here on a
  free port in a temporary data dir, and stopped at the end).

Run: ``.venv/bin/python bench/bench_cli_startup.py [REPEATS]``; bench/run.py gathers it.
Works on older code too (it only runs the `kalshi` script), for before/after figures.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

REPEATS: Final = 15
BIN: Final = Path(sys.executable).parent


def _env(data_home: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KALSHI_")}
    env.update(XDG_DATA_HOME=data_home, COLUMNS="80")
    return env


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _time(argv: Sequence[str], env: dict[str, str], repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(argv, env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return times


def _a_ticker(kalshi: str, env: dict[str, str]) -> str:
    out = subprocess.run(
        [kalshi, "--json", "markets", "list", "--status", "open", "--limit", "1"],
        env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    return str(json.loads(out.stdout)[0]["ticker"])


def run(repeats: int = REPEATS) -> dict[str, Any]:
    kalshi = str(BIN / "kalshi")
    with tempfile.TemporaryDirectory() as home:
        env = _env(home)
        start = [kalshi, "sandbox", "start", "--port", str(_free_port()), "--activity", "0"]
        subprocess.run(start, env=env, check=True, capture_output=True)
        try:
            ticker = _a_ticker(kalshi, env)
            cases = {
                "python -c pass": [sys.executable, "-c", "pass"],
                "kalshi --version": [kalshi, "--version"],
                "kalshi --help": [kalshi, "--help"],
                "kalshi markets get TICKER": [kalshi, "markets", "get", ticker],
            }
            times = {name: _time(argv, env, repeats) for name, argv in cases.items()}
        finally:
            subprocess.run([kalshi, "sandbox", "stop"], env=env, capture_output=True)
    return {"repeats": repeats, "seconds": times}


def markdown(results: dict[str, Any]) -> str:
    seconds: dict[str, list[float]] = results["seconds"]
    python = statistics.median(seconds["python -c pass"])
    lines = [
        "## CLI start-up (issue 16)",
        "",
        f"Wall time of a fresh process, median of {results['repeats']} and the spread (min-max); "
        "the last column is the time beyond Python's own start. `markets get` includes one REST "
        "read from a local sandbox. Before commands were imported lazily (fa1976d, measured "
        "the same way on this machine, 10 runs): `--version` 362 ms, `--help` 419 ms, "
        "`markets get` 477 ms.",
        "",
        "| command | median | min-max | beyond Python |",
        "|---|---|---|---|",
    ]
    for name, times in seconds.items():
        median = statistics.median(times)
        lines.append(
            f"| `{name}` | {median * 1000:.0f} ms | {min(times) * 1000:.0f}-"
            f"{max(times) * 1000:.0f} ms | {(median - python) * 1000:.0f} ms |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else REPEATS
    print(markdown(run(repeats)))
