"""One writer per sandbox data dir: an ``flock`` on ``writer.lock``, held for the writer's life.

The store is a command log that is replayed on start. Two processes appending to it (two
servers, or keygen beside a running server) each apply their commands to their own exchange, so
the log interleaves two histories and a replay rebuilds neither: ids change, keys go missing.
``kalshi sandbox serve`` holds the lock while it runs and ``keygen`` while it writes the store;
the kernel drops an flock when its holder exits, even on a crash, so a stale file blocks no one.

The file also says who holds it (pid, role, and for a server the address it listens on, written
once it is bound), so a refused writer can name the holder, and keygen can reach the data dir's
own server instead of guessing a port. Only the lock says whether that record is current.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from types import TracebackType
from typing import Final, Literal

from kalshikit.background import alive
from kalshikit.errors import KalshiError

__all__ = ["LOCK_FILE", "DataDirBusy", "DataDirLock", "Holder", "holder_of"]

LOCK_FILE: Final = "writer.lock"
# a lock held by someone whose record we cannot read yet: a writer in the microseconds between
# taking the lock and writing its record, or a reader's brief probe; worth a short wait
_UNNAMED_GRACE_S: Final = 2.0

Role = Literal["server", "keygen", "reset"]


@dataclass(frozen=True, slots=True)
class Holder:
    """Who writes a data dir: its pid, what it is, and where a server listens (once bound)."""

    pid: int
    role: Role
    host: str | None = None
    port: int | None = None

    def describe(self) -> str:
        if self.role != "server":
            return f"`kalshi sandbox {self.role}` (pid {self.pid})"
        if self.port is None:
            return f"a sandbox that is starting (pid {self.pid})"
        return f"the sandbox on {self.host}:{self.port} (pid {self.pid})"


class DataDirBusy(KalshiError):
    """Another process writes this data dir; it is named when its record can be read."""

    def __init__(self, data_dir: Path, holder: Holder | None) -> None:
        who = holder.describe() if holder else "another process (pid unknown)"
        fix = (
            "wait for it to finish"
            if holder and holder.role != "server"
            else f"stop it with `kalshi sandbox stop --data-dir {data_dir}`"
        )
        super().__init__(
            f"the sandbox data dir {data_dir} is in use by {who}; one process writes a data dir "
            f"at a time: {fix}, or pass another --data-dir"
        )
        self.data_dir = data_dir
        self.holder = holder


class DataDirLock:
    """The data dir's writer lock, held from :meth:`acquire` until :meth:`release` (or exit)."""

    def __init__(self, descriptor: int, holder: Holder) -> None:
        self._descriptor: int | None = descriptor
        self.holder = holder

    @classmethod
    def acquire(cls, data_dir: Path, holder: Holder) -> DataDirLock:
        """Take the lock at once, or raise :class:`DataDirBusy` naming who has it."""
        data_dir.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(data_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            _lock_or_raise(descriptor, data_dir)
        except BaseException:
            os.close(descriptor)
            raise
        lock = cls(descriptor, holder)
        lock._write(holder)
        return lock

    def listening(self, host: str, port: int) -> None:
        """Record where this server listens, for keygen, status and stop to find it."""
        self.holder = Holder(self.holder.pid, self.holder.role, host, port)
        self._write(self.holder)

    def release(self) -> None:
        if self._descriptor is None:
            return
        os.ftruncate(self._descriptor, 0)  # a record outliving its lock would only mislead
        os.close(self._descriptor)  # closing drops the flock
        self._descriptor = None

    def __enter__(self) -> DataDirLock:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.release()

    def _write(self, holder: Holder) -> None:
        assert self._descriptor is not None, "the lock was released"
        record = json.dumps(asdict(holder)).encode()
        os.ftruncate(self._descriptor, 0)
        os.pwrite(self._descriptor, record, 0)


def _lock_or_raise(descriptor: int, data_dir: Path) -> None:
    deadline = time.monotonic() + _UNNAMED_GRACE_S
    while True:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            holder = _read_record(data_dir)
            if (holder is not None and alive(holder.pid)) or time.monotonic() > deadline:
                raise DataDirBusy(data_dir, holder) from None
        time.sleep(0.02)


def holder_of(data_dir: Path) -> Holder | None:
    """Who holds the data dir's lock right now: None when nobody does (or the holder has not
    written its record yet). Creates nothing."""
    try:
        descriptor = os.open(data_dir / LOCK_FILE, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        fcntl.flock(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return _read_record(data_dir)
    finally:
        os.close(descriptor)  # drops the shared probe at once, so no writer waits on it
    return None


def _read_record(data_dir: Path) -> Holder | None:
    try:
        saved = json.loads((data_dir / LOCK_FILE).read_text())
        return Holder(
            pid=int(saved["pid"]),
            role=saved["role"],
            host=saved.get("host"),
            port=None if saved.get("port") is None else int(saved["port"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None  # not written yet, or being rewritten
