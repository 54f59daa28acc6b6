"""The kill switch's persistent state: one small JSON file per environment.

A halt is a file ``{"reason", "at", "by"}``; while it exists every strategy's risk guard refuses
every order. It survives restarts until a person clears it (``kalshi kill --clear``). Writes are
atomic (a temporary file, fsync, rename), so a reader sees the old file or the new one, never
half of one. A file that exists but cannot be read or parsed counts as halted: a kill switch
that fails open is worse than one that fails shut.

Another process may engage the halt at any time; ``Halt`` notices by a ``stat`` of the file
(one system call, a few µs), and reads it again only when its identity changed.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from kalshikit.config import Environment
from kalshikit.errors import ValidationError

__all__ = ["Halt", "HaltState", "default_halt_path"]

CLEAR_HINT: Final = "clear with `kalshi kill --clear`"
# the identity of the file as stat sees it; None while there is no file
_Signature = tuple[int, int, int, int] | None


@dataclass(frozen=True, slots=True)
class HaltState:
    """An engaged halt: why, when (ISO UTC) and by whom."""

    reason: str
    at: str
    by: str


def default_halt_path(env: str | Environment) -> Path:
    """``<user data dir>/kalshikit/halt-<env>.json``: the halt `kalshi kill` engages."""
    name = Environment.parse(env).value
    try:
        import platformdirs
    except ImportError:  # platformdirs comes with the sandbox and cli extras
        raise ValidationError(
            "the default halt path needs platformdirs: pip install 'kalshikit[cli]', "
            "or pass a path: Halt(Path('halt.json'))"
        ) from None
    return platformdirs.user_data_path("kalshikit") / f"halt-{name}.json"


def _text(value: object, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"a halt needs a non-empty {name} text, got {value!r}")
    return value.strip()


def _stat_signature(path: Path) -> _Signature:
    try:
        found = os.stat(path)
    except FileNotFoundError:
        return None
    except OSError as error:  # e.g. a directory we may not enter: fail shut
        return (-1, -1, -1, error.errno or -1)
    return (found.st_ino, found.st_mtime_ns, found.st_size, found.st_ctime_ns)


def _read_state(path: Path) -> HaltState | None:
    """The halt in ``path``; an unreadable or malformed file is a halt that says so."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as error:
        return _unreadable(path, error.strerror or str(error))
    try:
        found = json.loads(raw)
        return HaltState(str(found["reason"]), str(found["at"]), str(found["by"]))
    except (ValueError, KeyError, TypeError) as error:
        return _unreadable(path, f"not a halt record: {error}")


def _unreadable(path: Path, why: str) -> HaltState:
    reason = f"the halt file {path} is unreadable ({why}); treated as halted, {CLEAR_HINT}"
    return HaltState(reason, "unknown", "unknown")


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # O_CREAT's mode is masked by the umask; this is not
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temporary, path)
    _fsync_directory(path.parent)


def _fsync_directory(directory: Path) -> None:
    # the rename is durable only once the directory entry is on disk
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Halt:
    """The kill switch of one environment, backed by the file at ``path``."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._signature: _Signature = None
        self._state: HaltState | None = None
        self._refresh()

    def engage(self, reason: str, by: str, *, at: datetime | None = None) -> HaltState:
        """Halt: every guard reading this file refuses every order until ``clear()``."""
        moment = (at or datetime.now(UTC)).astimezone(UTC)
        state = HaltState(_text(reason, "reason"), moment.isoformat(), _text(by, "by"))
        record = {"reason": state.reason, "at": state.at, "by": state.by}
        _write_atomically(self.path, json.dumps(record).encode() + b"\n")
        self._refresh()
        return state

    def clear(self) -> bool:
        """Lift the halt; False when there was none."""
        try:
            self.path.unlink()
        except FileNotFoundError:
            self._refresh()
            return False
        self._refresh()
        return True

    @property
    def state(self) -> HaltState | None:
        """The halt as the file says now (None: not halted); one stat when unchanged."""
        self.changed()
        return self._state

    @property
    def reason(self) -> str | None:
        state = self.state
        return None if state is None else state.reason

    @property
    def halted(self) -> bool:
        return self.state is not None

    def changed(self) -> bool:
        """True when the file changed since the last look (another process engaged or
        cleared the halt); costs one ``stat`` when nothing changed."""
        if _stat_signature(self.path) == self._signature:
            return False
        self._refresh()
        return True

    def _refresh(self) -> None:
        self._signature = _stat_signature(self.path)
        self._state = _read_state(self.path)
        if self._state is None and self._signature is not None:
            # a file that stat sees but we cannot open: fail shut
            self._state = _unreadable(self.path, "cannot be opened")
