"""What a recording has done so far: the counters behind the status line and the summary.

No I/O here. :class:`RecorderStats` is updated by the recorder as it goes; :meth:`summary` is
the JSON ``kalshi record --json`` prints, :meth:`line` the one-line status (``rate`` is messages
per second, measured by whoever shows it).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["RecorderStats"]


@dataclass
class RecorderStats:
    """Counters of one recording (one :class:`~kalshikit.tape.Recorder` run)."""

    root: str = ""
    markets: int = 0  # markets recorded now
    joined: int = 0  # markets that joined after the start (lifecycle created/activated)
    dropped: int = 0  # markets dropped (determined, settled)
    messages: int = 0  # messages written (a snapshot is one)
    rows: int = 0  # rows written to the buffer
    skipped: int = 0  # messages not written: unreadable fields, or deltas of a book not exact
    resets: dict[str, int] = field(default_factory=dict)  # reset rows by reason
    repaired: int = 0  # books exact again after a reset other than start
    checks_ok: int = 0
    checks_mismatch: int = 0
    files: int = 0
    bytes: int = 0
    started_ns: int = 0
    ended_ns: int = 0

    @property
    def gaps(self) -> int:
        """Books that became unknown while recording (every reset but the start)."""
        return sum(n for why, n in self.resets.items() if why != "start")

    def summary(self) -> dict[str, Any]:
        record = asdict(self)
        record["gaps"] = self.gaps
        record["seconds"] = round(max(0, self.ended_ns - self.started_ns) / 1e9, 3)
        return record

    def line(self, rate: float) -> str:
        checks = f"checks {self.checks_ok} ok"
        if self.checks_mismatch:
            checks += f", {self.checks_mismatch} mismatch"
        return (
            f"{self.markets} markets · {rate:,.0f} msg/s · {self.messages:,} messages · "
            f"gaps {self.gaps} ({self.repaired} repaired) · {checks} · "
            f"{_size(self.bytes)} in {self.files} files"
        )


def _size(count: int) -> str:
    value = float(count)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:,.0f} {unit}" if unit == "B" else f"{value:,.1f} {unit}"
        value /= 1000
    return f"{count} B"
