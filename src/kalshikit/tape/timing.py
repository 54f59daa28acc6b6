"""Times of a replay: bounds given as datetimes or nanoseconds, and pacing. No I/O here
(the pacer is handed its clock)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

from kalshikit.errors import ValidationError

__all__ = ["Pacer", "TimeLike", "to_ns"]

TimeLike = datetime | int
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_ns(value: TimeLike | None) -> int | None:
    """Nanoseconds since the epoch from a datetime (a naive one is UTC) or an int of ns."""
    if value is None:
        return None
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        delta = aware - _EPOCH  # exact: whole microseconds, no float on the way
        return ((delta.days * 86_400 + delta.seconds) * 10**6 + delta.microseconds) * 1000
    if type(value) is int:
        return value
    raise ValidationError(
        f"a time must be a datetime or an int of ns since the epoch, got {value!r}"
    )


def parse_time(text: str) -> int:
    """An ISO 8601 time (``2026-12-03T11:00:00``, UTC unless it says otherwise) or an int of ns."""
    if text.isdigit():
        return int(text)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError(
            f"{text!r} is not a time: use ISO 8601 (2026-12-03T11:00:00Z) or ns since the epoch"
        ) from None
    ns = to_ns(moment)
    assert ns is not None
    return ns


class Pacer:
    """Keeps a replay at ``speed`` times real time: the message received ``d`` ns after the
    first is due ``d / speed`` ns after the replay started. ``speed=None`` never waits."""

    def __init__(self, speed: float | None, *, clock: Callable[[], float] = time.monotonic) -> None:
        if speed is not None and not speed > 0:
            raise ValidationError(
                f"a replay speed must be > 0 (or None: as fast as possible), got {speed!r}"
            )
        self.speed = speed
        self._clock = clock
        self._first_ns: int | None = None
        self._started = 0.0

    def delay(self, recv_ns: int) -> float:
        """Seconds to wait before the message received at ``recv_ns`` (0 when it is due)."""
        if self.speed is None:
            return 0.0
        if self._first_ns is None:
            self._first_ns, self._started = recv_ns, self._clock()
            return 0.0
        due = self._started + (recv_ns - self._first_ns) / 1e9 / self.speed
        return max(0.0, due - self._clock())
