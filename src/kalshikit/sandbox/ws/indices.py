"""The reference-price frames: ``cfbenchmarks_value`` and ``pyth_value`` from index ticks.

No I/O here. :class:`IndexHistory` keeps the last minute of each index (and when each Pyth
underlying last printed) and builds the messages as the AsyncAPI spec shapes them: the raw CF
Benchmarks frame as a JSON string in ``data``; ``avg_60s_data`` over the ticks of
``[t - 60 s, t)`` (the tick's own value when there are none; ``window_size`` counts the prior
ticks); ``last_60s_windowed_average_15min`` only in the final minute before a quarter-hour close,
over the ticks of ``(close - 60 s, t]``, the current one included (so 1 at :01, 60 at the close;
``window_end_ts_exclusive`` is then ``t + 1``). Values are 8-decimal strings; a tick whose time
is not after the last one of its index is ignored, as upstream duplicates are. The sandbox reads
its ticks the moment they are made: ``received_at`` is the tick's own time.
"""

from __future__ import annotations

from collections import deque
from decimal import Decimal
from typing import Final

import msgspec

from kalshikit.sandbox.ws.commands import Msg

__all__ = ["PYTH_LIST_MS", "IndexHistory"]

_WINDOW_MS: Final = 60_000
_QUARTER_MS: Final = 900_000
PYTH_LIST_MS: Final = 7_200_000  # underlying_list names what printed in the last two hours
_PLACES: Final = Decimal("0.00000001")


def _text(value: Decimal) -> str:
    return str(value.quantize(_PLACES))


def _average(values: list[Decimal], start_ms: int, end_ms: int) -> Msg:
    mean = sum(values, Decimal(0)) / len(values)
    return {
        "value": _text(mean), "window_size": len(values), "window_start_ts_ms": start_ms,
        "window_end_ts_exclusive": end_ms,
    }  # fmt: skip


class IndexHistory:
    """The last minute of ticks per index, and the latest tick per Pyth underlying."""

    def __init__(self) -> None:
        self._ticks: dict[str, deque[tuple[int, Decimal]]] = {}
        self._pyth: dict[str, int] = {}

    def cf_msg(self, index_id: str, ts_ms: int, value: Decimal) -> Msg | None:
        """The ``cfbenchmarks_value`` message of a tick (None: not after the last one)."""
        ticks = self._ticks.setdefault(index_id, deque())
        if ticks and ts_ms <= ticks[-1][0]:
            return None
        while ticks and ticks[0][0] <= ts_ms - _WINDOW_MS - _WINDOW_MS:
            ticks.popleft()
        start = ts_ms - _WINDOW_MS
        prior = [v for t, v in ticks if t >= start]
        raw = {"type": "value", "id": index_id, "time": ts_ms, "value": str(value)}
        msg: Msg = {
            "index_id": index_id, "received_at": ts_ms,
            "data": msgspec.json.encode(raw).decode(),
            "avg_60s_data": _average(prior or [value], start, ts_ms) | {"window_size": len(prior)},
        }  # fmt: skip
        close = -(-ts_ms // _QUARTER_MS) * _QUARTER_MS  # this tick's quarter-hour close
        if ts_ms > close - _WINDOW_MS:
            final = [v for t, v in ticks if t > close - _WINDOW_MS] + [value]
            msg["last_60s_windowed_average_15min"] = _average(final, close - _WINDOW_MS, ts_ms + 1)
        ticks.append((ts_ms, value))
        return msg

    def pyth_msg(self, ticker: str, ts_ms: int, value: Decimal) -> Msg | None:
        """The ``pyth_value`` message of a tick (None: not after the last one)."""
        if ts_ms <= self._pyth.get(ticker, -1):
            return None
        self._pyth[ticker] = ts_ms
        return {
            "underlying_ticker": ticker, "value_usd": _text(value), "source_ts_ms": ts_ms,
            "received_at": ts_ms,
        }  # fmt: skip

    def pyth_listed(self, now_ms: int) -> list[str]:
        """The underlyings that printed in the last two hours, sorted."""
        return sorted(t for t, at in self._pyth.items() if at > now_ms - PYTH_LIST_MS)
