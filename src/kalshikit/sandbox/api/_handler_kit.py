"""What the REST handler modules share: the context a handler reads (a protocol, so the mixin
modules need not import ``rest``, which imports them) and the candlestick window every candle
endpoint takes the same way."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, Protocol

from kalshikit.sandbox.gateway import Query, bad_request

CANDLE_PERIODS: Final = (1, 60, 1440)  # minutes, as the exchange takes period_interval


class HandlerCtx(Protocol):
    """What a handler reads of ``rest.Ctx``."""

    @property
    def user(self) -> str: ...

    @property
    def query(self) -> Query: ...

    @property
    def path(self) -> Mapping[str, str]: ...

    @property
    def key_id(self) -> str | None: ...


def candle_window(q: Query, periods: tuple[int, ...] = CANDLE_PERIODS) -> tuple[int, int, int]:
    """``start_ts``, ``end_ts`` and ``period_interval`` (one of ``periods``), checked."""
    start, end = q.required_integer("start_ts", 0), q.required_integer("end_ts", 0)
    if start > end:
        raise bad_request("start_ts must not be after end_ts", "start_ts")
    period = q.required_integer("period_interval")
    if period not in periods:
        allowed = ", ".join(str(p) for p in periods)
        raise bad_request(f"period_interval must be one of {allowed} (minutes)", "period_interval")
    return start, end, period
