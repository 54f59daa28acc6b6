"""What a calibration measured, and its summary per queue model. No I/O here.

One ``Trial`` per order placed both for real and on paper (the same ``client_order_id``):
the true queue position the exchange reported right after placement and each model's estimate,
and the first fill time on each side within the hold. ``summarize`` turns the trials into a
``ModelScore`` per model; sizes stay in centi-contracts, times in nanoseconds.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Final

__all__ = ["CalibrationReport", "ModelScore", "PaperSide", "Trial", "percentile", "summarize"]

AGREEMENT_GOAL: Final = 0.9
_NS_PER_MS: Final = 1_000_000


@dataclass(slots=True)
class PaperSide:
    """One model's copy of a trial's order."""

    order_id: str
    client_order_id: str
    queue_centi: int | None = None
    first_fill_ns: int | None = None


@dataclass(slots=True)
class Trial:
    """One order, real and paper. ``side`` is the V2 book side, ``price`` YES ticks."""

    client_order_id: str
    ticker: str
    side: str
    price: int
    count_centi: int
    placed_ns: int
    real_order_id: str
    real_queue_centi: int | None = None
    real_first_fill_ns: int | None = None
    paper: dict[str, PaperSide] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ModelScore:
    """One queue model against the truth. Times in ms, queue errors in centi-contracts."""

    model: str
    orders: int
    both_filled: int
    real_only: int
    paper_only: int
    neither: int
    fill_time_error_median_ms: float | None
    fill_time_error_p90_ms: float | None
    queue_compared: int
    queue_error_median_centi: int | None
    queue_error_p90_centi: int | None

    @property
    def agreement(self) -> float | None:
        """Share of orders where real and paper agree on "filled at all" (None: no orders)."""
        if not self.orders:
            return None
        return (self.both_filled + self.neither) / self.orders

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "agreement": self.agreement}


@dataclass(frozen=True, slots=True)
class CalibrationReport:
    """Per-model scores of one calibration run, and what the run did."""

    source: str
    markets: list[str]
    hold_s: float
    seed: int
    far_from_touch: bool
    orders_placed: int
    orders_skipped: int
    run_seconds: float
    scores: list[ModelScore]
    trials: list[Trial] = field(repr=False, default_factory=list)

    def as_dict(self, *, with_trials: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "source": self.source, "markets": self.markets, "hold_s": self.hold_s,
            "seed": self.seed, "far_from_touch": self.far_from_touch,
            "orders_placed": self.orders_placed, "orders_skipped": self.orders_skipped,
            "run_seconds": self.run_seconds, "agreement_goal": AGREEMENT_GOAL,
            "models": [s.as_dict() for s in self.scores],
        }  # fmt: skip
        if with_trials:
            out["trials"] = [asdict(t) for t in self.trials]
        return out

    def to_json(self, *, with_trials: bool = False) -> str:
        return json.dumps(self.as_dict(with_trials=with_trials), indent=2)

    def table(self) -> str:
        """A borderless table, one row per model, then a line on the run."""
        head = ("model", "orders", "agree", "both", "real", "paper", "neither",
                "fill err p50", "fill err p90", "queue err p50")  # fmt: skip
        rows = [head, *(_row(s) for s in self.scores)]
        widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
        lines = [
            "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in
                      enumerate(zip(r, widths, strict=True)))
            for r in rows
        ]  # fmt: skip
        lines.append(
            f"{self.orders_placed} orders ({self.orders_skipped} skipped) in "
            f"{len(self.markets)} markets, hold {self.hold_s:g}s, {self.run_seconds:.1f}s; "
            f"goal: agreement >= {AGREEMENT_GOAL:.0%}"
        )
        return "\n".join(lines)


def _row(score: ModelScore) -> tuple[str, ...]:
    agreement = score.agreement
    return (
        score.model, str(score.orders), "—" if agreement is None else f"{agreement:.1%}",
        str(score.both_filled), str(score.real_only), str(score.paper_only), str(score.neither),
        _ms(score.fill_time_error_median_ms), _ms(score.fill_time_error_p90_ms),
        _contracts(score.queue_error_median_centi),
    )  # fmt: skip


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:,.1f} ms"


def _contracts(centi: int | None) -> str:
    if centi is None:
        return "—"
    whole, part = divmod(centi, 100)
    return f"{whole}" if not part else f"{whole}.{part:02d}".rstrip("0")


def percentile(values: list[int], share: float) -> int | None:
    """The nearest-rank percentile (``share`` 0.5 is the median); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-int(share * 1000) * len(ordered) // 1000))
    return ordered[min(rank, len(ordered)) - 1]


def summarize(model: str, trials: list[Trial], hold_ns: int) -> ModelScore:
    """Score ``model`` over the trials: fills count only within ``hold_ns`` of placement."""
    counts = {"both": 0, "real": 0, "paper": 0, "neither": 0}
    time_errors: list[int] = []
    queue_errors: list[int] = []
    for trial in trials:
        paper = trial.paper[model]
        real_fill = _within(trial.real_first_fill_ns, trial.placed_ns, hold_ns)
        paper_fill = _within(paper.first_fill_ns, trial.placed_ns, hold_ns)
        key = ("both" if paper_fill is not None else "real") if real_fill is not None else (
            "paper" if paper_fill is not None else "neither")  # fmt: skip
        counts[key] += 1
        if real_fill is not None and paper_fill is not None:
            time_errors.append(abs(paper_fill - real_fill))
        if trial.real_queue_centi is not None and paper.queue_centi is not None:
            queue_errors.append(abs(paper.queue_centi - trial.real_queue_centi))
    median, p90 = percentile(time_errors, 0.5), percentile(time_errors, 0.9)
    return ModelScore(
        model=model, orders=len(trials), both_filled=counts["both"], real_only=counts["real"],
        paper_only=counts["paper"], neither=counts["neither"],
        fill_time_error_median_ms=None if median is None else median / _NS_PER_MS,
        fill_time_error_p90_ms=None if p90 is None else p90 / _NS_PER_MS,
        queue_compared=len(queue_errors), queue_error_median_centi=percentile(queue_errors, 0.5),
        queue_error_p90_centi=percentile(queue_errors, 0.9),
    )  # fmt: skip


def _within(fill_ns: int | None, placed_ns: int, hold_ns: int) -> int | None:
    if fill_ns is None or fill_ns - placed_ns > hold_ns:
        return None
    return fill_ns
