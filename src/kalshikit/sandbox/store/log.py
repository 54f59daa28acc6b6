"""The command log: SQLite (WAL) holding every state-changing command with its clock
reading, the catalog parameters, and the snapshot policy. I/O here; no exchange logic.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, TypeVar, cast

import msgspec

from kalshikit.sandbox.exchange import ExchangeError

DB_NAME: Final = "sandbox.sqlite3"
_SCHEMA: Final = (
    "CREATE TABLE IF NOT EXISTS commands ("
    " seq INTEGER PRIMARY KEY, ts_ms INTEGER NOT NULL, name TEXT NOT NULL, args TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
)
SNAPSHOT_SUFFIX: Final = ".snapshot"
_CHUNK: Final = 10_000  # commands read at a time on replay: bounded memory for any log
T = TypeVar("T")
_log = logging.getLogger(__name__)


class ReplayError(RuntimeError):
    """A recorded command failed on replay: the log does not fit this exchange (or code)."""


class StoreError(ExchangeError):
    """The command log could not record a command, so it was not applied: nothing changed.
    An ``ExchangeError`` (503) so the API answers it and callers may simply retry."""

    def __init__(self, message: str) -> None:
        super().__init__(503, "store_unavailable", message)


@dataclass(frozen=True, slots=True)
class SnapshotPolicy:
    """When to snapshot: after ``every_commands`` commands or ``every_ms`` of command time
    (whichever first), and at a clean close when at least ``on_close`` commands would replay."""

    every_commands: int = 50_000
    every_ms: int = 3_600_000
    on_close: int = 10_000


@dataclass(frozen=True, slots=True)
class Command:
    seq: int
    ts_ms: int
    name: str
    args: dict[str, Any]


class Store:
    """One SQLite file (the command log and the catalog parameters) and its snapshot file."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.snapshot_path = self.path.with_suffix(SNAPSHOT_SUFFIX)
        # one connection shared by the server's threads; the lock serializes its use
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._lock = threading.Lock()
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")  # durable across crashes of the process
        for statement in _SCHEMA:
            self._db.execute(statement)
        (last,) = self._db.execute("SELECT MAX(seq) FROM commands").fetchone()
        # after a rotation the log may be empty: numbering goes on from the snapshot's commands
        self.last_seq = max(last or 0, int(self.meta().get("truncated_through", 0)))

    def append(self, ts_ms: int, name: str, args: Mapping[str, object]) -> int:
        """Record one command; returns its sequence number. ``StoreError`` if it could not."""
        encoded = msgspec.json.encode(args).decode()
        with self._lock:
            seq = self.last_seq + 1
            try:
                self._db.execute(
                    "INSERT INTO commands (seq, ts_ms, name, args) VALUES (?, ?, ?, ?)",
                    (seq, ts_ms, name, encoded),
                )
            except sqlite3.Error as exc:
                raise StoreError(
                    f"the sandbox could not record {name} in {self.path} ({exc}), so it did not "
                    "apply it: nothing changed. Check the disk (space, permissions), then retry"
                ) from exc
            self.last_seq = seq
        return seq

    def commands(self, after: int = 0) -> Iterator[Command]:
        """The recorded commands numbered above ``after``, in order (read a chunk at a time)."""
        while True:
            with self._lock:
                rows = self._db.execute(
                    "SELECT seq, ts_ms, name, args FROM commands WHERE seq > ? ORDER BY seq "
                    "LIMIT ?",
                    (after, _CHUNK),
                ).fetchall()
            for seq, ts_ms, name, args in rows:
                yield Command(seq, ts_ms, name, msgspec.json.decode(args))
            if len(rows) < _CHUNK:
                return
            after = rows[-1][0]

    def __len__(self) -> int:
        """How many commands the log holds (those after the snapshot, once one was taken)."""
        with self._lock:
            (count,) = self._db.execute("SELECT COUNT(*) FROM commands").fetchone()
        return cast(int, count)

    def truncate(self, through: int) -> None:
        """Delete the commands up to ``through`` (a durable snapshot includes them), in one
        transaction that also remembers where numbering stands."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute("DELETE FROM commands WHERE seq <= ?", (through,))
                self._db.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES ('truncated_through', ?)",
                    (str(through),),
                )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            # give the deleted pages' WAL frames back now rather than at some later checkpoint
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def meta(self) -> dict[str, str]:
        with self._lock:
            return dict(self._db.execute("SELECT key, value FROM meta").fetchall())

    def set_meta(self, values: Mapping[str, object]) -> None:
        with self._lock:
            self._db.executemany(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                [(key, str(value)) for key, value in values.items()],
            )

    def close(self) -> None:
        with self._lock:
            self._db.close()


class CommandClock:
    """The clock an exchange reads: live, or pinned to one reading for the length of a command
    (so the time recorded is exactly the time the exchange saw)."""

    def __init__(self, source: Callable[[], int]) -> None:
        self.source = source
        self._pinned: int | None = None

    def __call__(self) -> int:
        return self.source() if self._pinned is None else self._pinned

    @contextmanager
    def pinned(self, ts_ms: int | None = None) -> Iterator[int]:
        """Hold the clock at ``ts_ms`` (default: one reading of the source) inside the block."""
        self._pinned = self.source() if ts_ms is None else ts_ms
        try:
            yield self._pinned
        finally:
            self._pinned = None
