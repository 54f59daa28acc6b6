"""The WebSocket reference-price payloads: CF Benchmarks index values and Pyth prices. No I/O.

The ``msg`` structs of the ``cfbenchmarks_value`` channel (``cfbenchmarks_value`` and the
``cfbenchmarks_value_indexlist`` answer to ``indexlist``) and of ``pyth_value`` (``pyth_value``
and ``pyth_value_underlying_list``), as the AsyncAPI spec shapes them. Values stay the wire's
decimal strings (8 places for averages and Pyth prices); the properties read them as exact
``Decimal``. ``data`` is CF Benchmarks' own frame, a JSON text: ``upstream()`` decodes it, and
:attr:`CfBenchmarksValueMsg.value` is its ``value``.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

import msgspec

_decode_exact = msgspec.json.Decoder(float_hook=Decimal).decode

__all__ = [
    "CfBenchmarksIndexListMsg",
    "CfBenchmarksValueMsg",
    "IndexAverage",
    "PythUnderlyingListMsg",
    "PythValueMsg",
]


def _decimal(text: object) -> Decimal | None:
    if isinstance(text, Decimal):
        return text
    if not isinstance(text, str | int) or isinstance(text, bool):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


class IndexAverage(msgspec.Struct, kw_only=True, gc=False):
    """A windowed average of an index: ``value`` (8 decimals) over ``window_size`` ticks of
    ``[window_start_ts_ms, window_end_ts_exclusive)`` (Unix ms)."""

    value: str
    window_size: int
    window_start_ts_ms: int
    window_end_ts_exclusive: int

    @property
    def amount(self) -> Decimal | None:
        """``value`` as an exact ``Decimal``."""
        return _decimal(self.value)


class CfBenchmarksValueMsg(msgspec.Struct, kw_only=True):
    """``cfbenchmarks_value``: one index tick with its trailing 60-second average, and in the
    last minute before a quarter-hour close the running average of that minute."""

    index_id: str
    received_at: int
    data: str
    avg_60s_data: IndexAverage
    last_60s_windowed_average_15min: IndexAverage | None = None

    def upstream(self) -> dict[str, Any]:
        """The raw CF Benchmarks frame in ``data``, decoded (numbers exact); {} if unreadable."""
        try:
            decoded = _decode_exact(self.data)
        except msgspec.DecodeError:
            return {}
        return decoded if isinstance(decoded, dict) else {}

    @property
    def value(self) -> Decimal | None:
        """The index value of this tick (``data``'s ``value``), exactly."""
        return _decimal(self.upstream().get("value"))

    @property
    def source_ts_ms(self) -> int | None:
        """When CF Benchmarks stamped the tick (``data``'s ``time``, Unix ms)."""
        stamp = self.upstream().get("time")
        return stamp if type(stamp) is int else None


class CfBenchmarksIndexListMsg(msgspec.Struct, kw_only=True, gc=False):
    """``cfbenchmarks_value_indexlist``: the index ids the channel offers."""

    index_ids: list[str]


class PythValueMsg(msgspec.Struct, kw_only=True, gc=False):
    """``pyth_value``: one Pyth price (``value_usd``, 8 decimals) of an underlying."""

    underlying_ticker: str
    value_usd: str
    source_ts_ms: int
    received_at: int

    @property
    def value(self) -> Decimal | None:
        """``value_usd`` as an exact ``Decimal``."""
        return _decimal(self.value_usd)


class PythUnderlyingListMsg(msgspec.Struct, kw_only=True, gc=False):
    """``pyth_value_underlying_list``: the underlyings streamed recently."""

    underlying_tickers: list[str]
