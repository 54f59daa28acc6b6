"""The fee schedule of a source's market, read from the source: its event's override, else its
series' fee type and multiplier (the same terms the real exchange charges by).

The paper server learns a market's schedule before its first paper order there, so paper fills
pay what real ones would. Numbers are read as ``Decimal`` (never a float).
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import httpx

from kalshikit.fees import FeeSchedule

__all__ = ["fee_schedule_of"]


async def _get(source: httpx.AsyncClient, path: str) -> dict[str, Any]:
    reply = await source.get(path)
    reply.raise_for_status()
    found: dict[str, Any] = json.loads(reply.content, parse_float=Decimal)
    return found


async def fee_schedule_of(source: httpx.AsyncClient, ticker: str) -> FeeSchedule:
    """``ticker``'s schedule at the source (market -> event -> series)."""
    market = (await _get(source, f"markets/{ticker}"))["market"]
    event = (await _get(source, f"events/{market['event_ticker']}"))["event"]
    fee_type, multiplier = event.get("fee_type_override"), event.get("fee_multiplier_override")
    if fee_type is None or multiplier is None:
        series = (await _get(source, f"series/{event['series_ticker']}"))["series"]
        fee_type, multiplier = series["fee_type"], series["fee_multiplier"]
    return FeeSchedule.for_series(str(fee_type), Decimal(multiplier))
