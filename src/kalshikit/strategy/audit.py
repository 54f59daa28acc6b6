"""The audit log: what a strategy asked for, what the guard said, and what happened, one JSON
line each (intent, refusal, order, fill, halt, clear), appended and flushed line by line so a
crash loses at most the line being written.

Every line carries ``at`` (ISO UTC), ``env`` and ``kind``. Nothing secret is written: a field
whose name speaks of a key, signature, secret, password, token or credential is dropped, and
text values pass through :func:`kalshikit.logs.redact` (and lose any PEM block).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, Final, Literal

from kalshikit.config import Environment
from kalshikit.errors import ValidationError
from kalshikit.logs import redact

__all__ = ["KINDS", "AuditLog", "AuditRecord", "default_audit_path", "read_audit"]

AuditKind = Literal["intent", "refusal", "order", "fill", "halt", "clear"]
KINDS: Final[tuple[AuditKind, ...]] = ("intent", "refusal", "order", "fill", "halt", "clear")
AuditRecord = dict[str, Any]

_SECRET_NAME = re.compile(
    r"(?i)(key|signature|secret|password|passphrase|token|credential|private|pem)"
)
_PEM = re.compile(r"-----BEGIN [^-]+-----.*?(-----END [^-]+-----|$)", re.DOTALL)
_RESERVED: Final = ("at", "env", "kind")


def default_audit_path(env: str | Environment) -> Path:
    """``<user data dir>/kalshikit/audit-<env>.jsonl``, beside the environment's halt file."""
    from kalshikit.strategy.halt import default_halt_path

    name = Environment.parse(env).value
    return default_halt_path(name).with_name(f"audit-{name}.jsonl")


def _plain(value: object) -> object:
    """A JSON value with no secret in it; exact numbers (Decimal) as strings."""
    if isinstance(value, str):
        return redact(_PEM.sub("[redacted]", value))
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return _clean(value)
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, float):
        raise ValidationError(f"the audit log takes exact numbers (int, Decimal); got {value!r}")
    return _plain(str(value))


def _clean(fields: Mapping[str, object]) -> dict[str, object]:
    return {
        str(name): _plain(value)
        for name, value in fields.items()
        if not _SECRET_NAME.search(str(name))
    }


def _utc_text(at_ns: int | None) -> str:
    if at_ns is None:
        return datetime.now(UTC).isoformat()
    seconds, nanos = divmod(at_ns, 1_000_000_000)
    moment = datetime.fromtimestamp(seconds, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{nanos:09d}+00:00"


class AuditLog:
    """Append-only JSON lines at ``path`` for one environment; opened on the first write."""

    def __init__(self, path: Path | str, env: str | Environment) -> None:
        self.path = Path(path)
        self.env = Environment.parse(env).value
        self._file: IO[str] | None = None

    def write(self, kind: str, fields: Mapping[str, object], *, at_ns: int | None = None) -> None:
        """One line: ``kind`` (one of KINDS), the time (``at_ns`` unix nanoseconds, else now)."""
        if kind not in KINDS:
            raise ValidationError(
                f"an audit record's kind is one of {', '.join(KINDS)}; got {kind!r}"
            )
        clashing = sorted(name for name in fields if name in _RESERVED)
        if clashing:
            raise ValidationError(f"audit fields may not be named {', '.join(clashing)}")
        record = {"at": _utc_text(at_ns), "env": self.env, "kind": kind, **_clean(fields)}
        line = json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
        handle = self._open()
        handle.write(line)
        handle.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> AuditLog:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _open(self) -> IO[str]:
        if self._file is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            self._file = os.fdopen(fd, "a", encoding="utf-8")
        return self._file


def read_audit(path: Path | str) -> Iterator[AuditRecord]:
    """Every record of an audit log in order; a torn last line (a crash mid-write) is skipped."""
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if not line.endswith("\n"):
                return
            yield json.loads(line)
