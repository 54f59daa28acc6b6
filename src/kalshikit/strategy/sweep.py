"""A parameter sweep: one backtest per combination of parameter values, across processes.

``kalshi run mm.py --env tape:T --sweep spread=1,2,3 --sweep size=1,5 --workers 2`` runs the six
combinations, each a deterministic backtest of its own (each worker loads the strategy file
afresh), and returns their reports in the order of the combinations, whatever order they finish.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kalshikit.errors import ValidationError
from kalshikit.strategy.backtesting import BacktestOptions, backtest
from kalshikit.strategy.loader import load_strategy, parse_params

__all__ = ["SweepJob", "combinations", "run_sweep"]


def combinations(base: dict[str, Any], sweeps: Iterable[str]) -> list[dict[str, Any]]:
    """``["spread=1,2", "size=1,5"]`` over ``base``: every combination, in a stable order."""
    axes: list[tuple[str, list[Any]]] = []
    for item in sweeps:
        name, sep, values = item.partition("=")
        texts = [v for v in values.split(",") if v.strip()]
        if not sep or not texts:
            raise ValidationError(f"a sweep is name=v1,v2,...; got {item!r}")
        axes.append((name.strip(), [parse_params([f"{name}={v}"])[name.strip()] for v in texts]))
    if len({name for name, _ in axes}) != len(axes):
        raise ValidationError("each parameter may be swept once")
    names = [name for name, _ in axes]
    return [base | dict(zip(names, values, strict=True))
            for values in itertools.product(*(v for _, v in axes))]  # fmt: skip


@dataclass(frozen=True)
class SweepJob:
    """One backtest, as a worker process receives it (everything here pickles)."""

    strategy_file: str
    strategy_name: str | None
    tape: str
    params: dict[str, Any]
    tickers: tuple[str, ...] | None
    start: int | None
    end: int | None
    options: BacktestOptions


def _one(job: SweepJob) -> dict[str, Any]:
    strategy = load_strategy(job.strategy_file, job.params, job.strategy_name)
    report = backtest(strategy, job.tape, tickers=job.tickers, start=job.start, end=job.end,
                      options=job.options)  # fmt: skip
    return report.to_json()


def run_sweep(jobs: Sequence[SweepJob], workers: int) -> list[dict[str, Any]]:
    """Each job's report (as JSON), in the jobs' order; ``workers`` processes at most."""
    if workers < 1:
        raise ValidationError(f"--workers must be at least 1, got {workers}")
    for job in jobs:
        if not Path(job.strategy_file).is_file():
            raise ValidationError(f"{job.strategy_file} is not a file")
    if workers == 1 or len(jobs) == 1:
        return [_one(job) for job in jobs]
    with ProcessPoolExecutor(max_workers=min(workers, len(jobs))) as pool:
        return list(pool.map(_one, jobs))
