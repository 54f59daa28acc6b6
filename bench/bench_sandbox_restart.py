"""Benchmark of the sandbox over days: memory under default activity, and restart time.

A persisted sandbox (``open_exchange`` on a temporary data dir, 200 markets, house liquidity) runs
the market simulator at the default 20 writes a second on an accelerated clock: one simulated
second per step, so an hour of activity takes some seconds of real time. Each run is its own
process (memory figures are that process's resident set). Measured:

- resident memory after each simulated hour, and the largest pause of one step (a periodic
  snapshot is taken inside a step, so this is the snapshot pause);
- restart: a fresh process opens the data dir (catalog, snapshot, replay of the log's tail),
  timed from the call to ``open_exchange`` until it returns; ``REPEATS`` fresh processes, first
  as the busy run left it (killed: no clean stop), then after a clean stop (``close``).

Run: ``.venv/bin/python bench/bench_sandbox_restart.py [HOURS [RUNS]]``; bench/run.py gathers
it (one run of ``HOURS``).
Works against older code too (it only uses ``open_exchange``, ``Simulator`` and ``close``), so
``PYTHONPATH=<old src> python bench/bench_sandbox_restart.py`` gives the before figures.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Final, NamedTuple

HOURS = 8
MARKETS = 200
ACTIVITY = 20.0
REPEATS = 3
NOW_MS = 1_792_508_400_000  # 2026-10-20 15:00 UTC: a fixed start, so runs are comparable

_RUN = """
import json, sys, time
from pathlib import Path
from kalshikit.sandbox.sim.liquidity import seed_liquidity
from kalshikit.sandbox.sim.simulator import Simulator
from kalshikit.sandbox.store import open_exchange

def rss_mb():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")

data_dir, hours, markets, activity, now = sys.argv[1:6]
clock = [int(now)]
box = open_exchange(data_dir, seed=0, markets=int(markets), now_ms=clock[0], clock=lambda: clock[0])
seed_liquidity(box, box.exchange.catalog)
sim = Simulator(box.exchange, box, seed=0, activity=float(activity))
samples, worst, commands = [], 0.0, 0
for hour in range(int(hours)):
    for _ in range(3600):
        clock[0] += 1000
        began = time.perf_counter()
        commands += len(sim.step(clock[0]))
        worst = max(worst, time.perf_counter() - began)
    samples.append(round(rss_mb(), 1))
box.store.close()  # killed, as it were: no clean stop
print(json.dumps({"rss_mb": samples, "worst_step_s": worst, "actions": commands}))
"""

_OPEN = """
import json, sys, time
from kalshikit.sandbox.store import open_exchange
data_dir, markets, now = sys.argv[1:4]
began = time.perf_counter()
box = open_exchange(data_dir, seed=0, markets=int(markets), now_ms=int(now), clock=lambda: int(now))
seconds = time.perf_counter() - began
tail = len(box.store)
if sys.argv[4] == "clean":
    box.close()  # a clean stop (which may snapshot)
else:
    box.store.close()  # leaves the data dir as it found it
print(json.dumps({"open_s": seconds, "tail": tail}))
"""


def _python(code: str, *args: object) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True, check=False
    )
    if done.returncode:
        raise RuntimeError(f"the benchmark's child process failed:\n{done.stderr}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _size_mb(directory: Path) -> float:
    return sum(p.stat().st_size for p in directory.iterdir() if p.is_file()) / 1e6


def run(hours: int = HOURS, runs: int = 1) -> dict[str, object]:
    """``runs`` busy runs of ``hours`` simulated hours, each with its own restarts."""
    return {"hours": hours, "runs": [_one_run(hours) for _ in range(runs)]}


def _one_run(hours: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        busy = _python(_RUN, data_dir, hours, MARKETS, ACTIVITY, NOW_MS)
        killed = [_python(_OPEN, data_dir, MARKETS, NOW_MS, "keep") for _ in range(REPEATS)]
        disk_mb = _size_mb(data_dir)
        _python(_OPEN, data_dir, MARKETS, NOW_MS, "clean")
        clean = [_python(_OPEN, data_dir, MARKETS, NOW_MS, "keep") for _ in range(REPEATS)]
        return {
            **busy,
            "open_s": sorted(float(str(o["open_s"])) for o in killed),
            "tail": killed[0]["tail"],
            "clean_open_s": sorted(float(str(o["open_s"])) for o in clean),
            "clean_tail": clean[0]["tail"],
            "disk_mb": disk_mb,
        }


class _Before(NamedTuple):
    rss_mb: tuple[tuple[float, ...], ...]
    worst_step_s: tuple[float, ...]
    actions: int
    tail: int
    open_s: tuple[tuple[float, ...], ...]
    disk_mb: float


# The same script on the code before the issue (commit 2ee3615, no snapshots, nothing ever left
# memory): ``PYTHONPATH=<its src> python bench/bench_sandbox_restart.py``, two runs.
BEFORE: Final = _Before(
    rss_mb=((97.9, 139.4, 182.7, 224.3, 267.8, 310.8, 354.5, 393.7),
            (97.9, 139.2, 182.1, 224.1, 267.4, 310.4, 355.9, 393.8)),
    worst_step_s=(0.60, 0.67), actions=506_392, tail=507_306,
    open_s=((24.89, 26.58, 26.60), (27.45, 27.51, 30.27)), disk_mb=115.0,
)  # fmt: skip


def _late(rss: Sequence[float]) -> str:
    """Resident memory over the second half of a run (the window long full): min/median/max."""
    late = sorted(rss[len(rss) // 2 :])
    return f"{late[0]:.0f} / {statistics.median(late):.0f} / {late[-1]:.0f}"


def _rows(runs: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(measure, value per run, joined) for the table."""

    def each(show: Callable[[dict[str, Any]], str]) -> str:
        return " · ".join(show(one) for one in runs)

    def restart(key: str) -> Callable[[dict[str, Any]], str]:
        return lambda one: f"{statistics.median(one[key]):.2f}"

    return [
        ("simulator actions", each(lambda one: f"{one['actions']:,}")),
        ("resident memory, second half of the run: min / median / max (MB)",
         each(lambda one: _late(one["rss_mb"]))),
        ("worst step, any snapshot included (s)", each(lambda one: f"{one['worst_step_s']:.2f}")),
        ("restart after a kill: commands replayed", each(lambda one: f"{one['tail']:,}")),
        ("restart after a kill: median of 3 (s)", each(restart("open_s"))),
        ("restart after a clean stop: commands replayed",
         each(lambda one: f"{one['clean_tail']:,}")),
        ("restart after a clean stop: median of 3 (s)", each(restart("clean_open_s"))),
        ("data dir on disk (MB)", each(lambda one: f"{one['disk_mb']:.0f}")),
    ]  # fmt: skip


def _before(hours: int) -> list[str]:
    if hours != HOURS:
        return []
    b = BEFORE
    memory = " · ".join(_late(rss) for rss in b.rss_mb)
    restarts = " · ".join(f"{statistics.median(times):.2f}" for times in b.open_s)
    worst = " · ".join(f"{step:.2f}" for step in b.worst_step_s)
    return [
        f"\nBefore (no snapshots, nothing left memory; same script, commit 2ee3615, 2 runs): "
        f"{b.actions:,} actions; resident memory in the second half {memory} MB (min / "
        f"median / max: it grew about 42 MB every hour); worst step {worst} s; a restart "
        f"replayed all {b.tail:,} commands in {restarts} s (median of 3); data dir "
        f"{b.disk_mb:.0f} MB.",
    ]


def markdown(r: dict[str, Any]) -> str:
    runs: list[dict[str, Any]] = r["runs"]
    rss = runs[0]["rss_mb"]
    every = max(1, len(rss) // 12)  # about a dozen samples, whatever the length of the run
    hourly = ", ".join(f"{hour + 1} h: {rss[hour]:.0f}" for hour in range(0, len(rss), every))
    return "\n".join(
        [
            "### Sandbox over days: memory and restart (issue: bounded over days)\n",
            f"`bench/bench_sandbox_restart.py {r['hours']}`: a persisted sandbox ({MARKETS} "
            f"markets, house liquidity, simulator at {ACTIVITY:g} writes/s) on an accelerated "
            f"clock for {r['hours']} simulated hours, then {REPEATS} restarts after a kill and "
            f"{REPEATS} after a clean stop, each a fresh process; {len(runs)} run(s), values "
            "separated by ·.\n",
            "| measure | result |",
            "|---|---:|",
            *(f"| {measure} | {value} |" for measure, value in _rows(runs)),
            f"\nResident memory of the first run, hour by hour (MB): {hourly}.",
            *_before(int(r["hours"])),
        ]
    )


if __name__ == "__main__":
    hours = int(sys.argv[1]) if len(sys.argv) > 1 else HOURS
    print(markdown(run(hours, int(sys.argv[2]) if len(sys.argv) > 2 else 1)))
