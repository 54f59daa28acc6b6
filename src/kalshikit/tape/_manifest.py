"""A backfill's progress file and the files of one backfilled market.

``<root>/_backfill/<series>.json`` lists the markets whose rows are all on disk, each with the
candle period it was fetched with. It is rewritten whole and atomically (temporary file, fsync,
rename) after each market, so after a crash it lists exactly the markets that were finished.
A market's rows are in files of their own (``part-<first recv_ns>-bf-<ticker>-<count>.parquet``, one
per UTC day), so a market done again first removes whatever an interrupted run left of it: a rerun
never leaves a row twice. Readers of the tape (``date=*/*.parquet``) never see this folder.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any, Final

__all__ = ["Manifest", "market_files", "writer_id"]

_UNSAFE: Final = re.compile(r"[^A-Za-z0-9._-]")
VERSION: Final = 1


def writer_id(ticker: str) -> str:
    """The writer id naming a market's files: ``bf-`` and the ticker, safe in a file name."""
    return "bf-" + _UNSAFE.sub("_", ticker)


def market_files(root: Path, ticker: str) -> list[Path]:
    """The files holding ``ticker``'s backfilled rows (any day), complete or not."""
    # the writer's temporary files too: a crash mid-write leaves one behind
    ours = re.escape(writer_id(ticker))
    name = re.compile(r"\.?part-\d{20}-" + ours + r"-\d{6}\.parquet(\.tmp)?")
    return [p for p in Path(root).glob("date=*/*part-*") if name.fullmatch(p.name)]


class Manifest:
    """The markets of one series already backfilled under a tape's root."""

    def __init__(self, root: Path, series: str) -> None:
        self.path = Path(root) / "_backfill" / f"{_UNSAFE.sub('_', series)}.json"
        self.series = series
        self.done: dict[str, dict[str, Any]] = self._load()

    def _load(self) -> dict[str, dict[str, Any]]:
        try:
            data = json.loads(self.path.read_text())
        except FileNotFoundError:
            return {}
        except (OSError, ValueError):
            return {}  # unreadable: every market is done again (and its files replaced)
        markets = data.get("markets") if isinstance(data, dict) else None
        return dict(markets) if isinstance(markets, dict) else {}

    def finished(self, ticker: str, candles: str) -> bool:
        """Done before, with the same candle period."""
        entry = self.done.get(ticker)
        return isinstance(entry, dict) and entry.get("candles") == candles

    def mark(self, ticker: str, **facts: Any) -> None:
        """Record ``ticker`` as done and write the file atomically."""
        self.done[ticker] = facts
        self.path.parent.mkdir(parents=True, exist_ok=True)
        body = {"version": VERSION, "series": self.series, "markets": self.done}
        temporary = self.path.with_name("." + self.path.name + ".tmp")
        with temporary.open("w") as handle:
            json.dump(body, handle, indent=1, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.path)
