"""The file through which processes of one machine pace one API key together.

One small file per key (named by a hash of the API URL and key id, never the id itself) in a
directory only this user can enter: ``$KALSHI_RATE_STATE_DIR``, else ``$XDG_RUNTIME_DIR/kalshikit``,
else ``<tempdir>/kalshikit-<uid>``. Every process maps it (``mmap``) and reads and writes it as a
:class:`~kalshikit.ratelimit.shared_state.StateImage` under a POSIX record lock on its first
byte, so an operation costs two lock calls and no read or write call.

Each process also holds a record lock on a byte of its own (its slot) for as long as it lives.
The kernel drops a process's locks when it dies, however it dies, so whoever can take a slot's
lock knows its owner is gone and takes its in-flight tokens back out; no pid is trusted (pids
are reused, and differ between containers that share a directory).

Record locks belong to the process and vanish when it closes *any* descriptor of the file,
so a process opens each file once, and never closes it (nor the mapping, which holds a copy of
the descriptor). A forked child holds none of its parent's locks: it opens the file anew.

Where this cannot work (no ``fcntl`` on Windows, a read-only or foreign directory, every slot
taken), the limiter paces this process alone and says so once in the log.
"""

from __future__ import annotations

import hashlib
import logging
import mmap
import os
import stat
import tempfile
import threading
import time
from pathlib import Path
from typing import Final

from kalshikit.endpoints import Bucket
from kalshikit.ratelimit.bucket import PacedBucket
from kalshikit.ratelimit.shared_state import SIZE, SLOTS, StateImage

BUCKETS: Final[tuple[Bucket, Bucket]] = ("read", "write")

try:
    import fcntl
except ImportError:  # Windows: no record locks, each process paces itself
    fcntl = None  # type: ignore[assignment]

__all__ = ["SharedFile", "open_shared", "share_name", "state_dir"]

log = logging.getLogger("kalshikit.ratelimit")
_SLOT_LOCKS_AT: Final = SIZE + 4096  # lockable bytes past the end of the file, one per slot
_SWEEP_EVERY_S: Final = 1.0  # how often a process looks for the tokens of dead ones


def share_name(rest_url: str, api_key_id: str) -> str:
    """The file name for a key: a hash, so no key id is ever written in clear."""
    return hashlib.sha256(f"{rest_url}\n{api_key_id}".encode()).hexdigest()[:40] + ".rate"


def state_dir() -> Path:
    if chosen := os.environ.get("KALSHI_RATE_STATE_DIR"):
        return Path(chosen)
    if runtime := os.environ.get("XDG_RUNTIME_DIR"):
        return Path(runtime) / "kalshikit"
    return Path(tempfile.gettempdir()) / f"kalshikit-{os.getuid()}"


def _private_dir(path: Path) -> Path:
    """``path``, made if need be; refused unless it is a directory of ours nobody else can
    enter (in a shared /tmp someone else could have made it first)."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = path.lstat()
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        raise PermissionError(f"{path} is not a private directory of this user")
    return path


def _boot_mark() -> float:
    """Which boot the monotonic clock counts from: Linux names it; elsewhere, the wall time it
    started, which an adjusted wall clock moves a little (StateImage allows for that)."""
    try:
        boot_id = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return time.time() - time.monotonic()
    return float(int(boot_id.replace("-", "")[:12], 16))


class SharedFile:
    """One process's view of a key's file: the mapped image, its slot, and the lock."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.thread_lock = threading.Lock()  # record locks do not exclude this process's threads
        _FILES.append(self)
        self._open()

    def _open(self) -> None:
        assert fcntl is not None
        flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
        self.fd = os.open(self.path, flags, 0o600)  # never closed: see the module doc
        info = os.fstat(self.fd)
        if not stat.S_ISREG(info.st_mode) or info.st_uid != os.getuid():
            raise PermissionError(f"{self.path} is not a file of this user")
        fcntl.lockf(self.fd, fcntl.LOCK_EX, 1, 0)
        try:
            if info.st_size < SIZE:
                os.ftruncate(self.fd, SIZE)
            self.map = mmap.mmap(self.fd, SIZE)
            _KEPT.append(self.map)  # it holds a copy of the descriptor: never close it either
            self.image = StateImage(memoryview(self.map))
            boot = _boot_mark()
            if not self.image.belongs_to(boot):
                self.image.start(boot)
            self.slot = self._take_slot()
        finally:
            fcntl.lockf(self.fd, fcntl.LOCK_UN, 1, 0)
        self.forks = _FORKS[0]
        self.next_sweep: dict[Bucket, float] = {"read": 0.0, "write": 0.0}

    def _take_slot(self) -> int:
        for slot in range(SLOTS):
            if self._try_lock_slot(slot):
                for bucket in BUCKETS:  # whatever a dead owner left in flight
                    self.image.clear(slot, bucket)
                return slot
        raise OSError(f"all {SLOTS} slots of {self.path} are taken")

    def _try_lock_slot(self, slot: int) -> bool:
        assert fcntl is not None
        try:
            fcntl.lockf(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, _SLOT_LOCKS_AT + slot)
        except OSError:
            return False
        return True

    # --- one operation --------------------------------------------------------------------

    def lock(self) -> None:
        self.thread_lock.acquire()
        try:
            if self.forks != _FORKS[0]:  # a forked child: the locks were the parent's
                self._open()
            _lockf(self.fd, _LOCK_EX, 1, 0)
        except BaseException:
            self.thread_lock.release()
            raise

    def unlock(self) -> None:
        try:
            _lockf(self.fd, _LOCK_UN, 1, 0)
        finally:
            self.thread_lock.release()

    def load(self, bucket: Bucket, paced: PacedBucket, now: float) -> float:
        """Lock, and put the shared state into ``paced`` (see StateImage.load)."""
        self.lock()
        now = self.image.load(bucket, paced, now)
        if now >= self.next_sweep[bucket]:
            self._sweep(bucket, paced, now)
        return now

    def store(self, bucket: Bucket, paced: PacedBucket) -> None:
        """Write ``paced`` back and unlock."""
        try:
            self.image.store(bucket, paced, self.slot)
        finally:
            self.unlock()

    def _sweep(self, bucket: Bucket, paced: PacedBucket, now: float) -> None:
        """Take the in-flight tokens of dead processes (their slot locks are free) back out of
        ``bucket``, once it is counted up to ``now`` under the ceiling their tokens set."""
        self.next_sweep[bucket] = now + _SWEEP_EVERY_S
        dead = [s for s in self.image.holders(bucket) if s != self.slot and self._try_lock_slot(s)]
        if not dead:
            return
        paced.level(now)
        self.image.store(bucket, paced, self.slot)
        for slot in dead:
            self.image.clear(slot, bucket)
            _lockf(self.fd, _LOCK_UN, 1, _SLOT_LOCKS_AT + slot)
        paced.in_flight = self.image.in_flight(bucket)


if fcntl is not None:  # looked up once: they are on every request's path
    _lockf, _LOCK_EX, _LOCK_UN = fcntl.lockf, fcntl.LOCK_EX, fcntl.LOCK_UN
_FORKS: Final = [0]  # how many forks deep this process is (a child must open its own view)
_KEPT: Final[list[mmap.mmap]] = []
_FILES: Final[list[SharedFile]] = []
_OPEN: Final[dict[Path, SharedFile]] = {}
_OPEN_LOCK: Final = threading.Lock()
_WARNED: set[str] = set()


def open_shared(name: str) -> SharedFile | None:
    """This process's view of the file ``name`` (one per process), or None where processes
    cannot share (said once in the log)."""
    if fcntl is None:
        _warn_once("no-fcntl", "this platform has no record locks")
        return None
    try:
        path = _private_dir(state_dir()) / name
        with _OPEN_LOCK:
            if path not in _OPEN:
                _OPEN[path] = SharedFile(path)
            return _OPEN[path]
    except (OSError, ValueError) as error:
        _warn_once(str(type(error)), str(error))
        return None


def _warn_once(reason: str, detail: str) -> None:
    if reason not in _WARNED:
        _WARNED.add(reason)
        log.warning(
            "the rate limiter cannot share its budget with other processes (%s): each process "
            "paces itself, so several processes on one key may draw 429s",
            detail,
        )


def _forget_after_fork() -> None:
    _FORKS[0] += 1
    _OPEN.clear()  # a child opens its own (each SharedFile also re-opens itself when used)
    for shared in _FILES:
        shared.thread_lock = threading.Lock()  # another thread may have held it at the fork


os.register_at_fork(after_in_child=_forget_after_fork)
