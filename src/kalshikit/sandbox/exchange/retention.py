"""What leaves the exchange's memory, and when: the sandbox's live window.

No I/O here. Kalshi keeps about three months of data on its live endpoints and moves older
records behind ``/historical/*`` (``GET /historical/cutoff`` says where the line is). The
sandbox's simulator alone makes about 1.6M commands a day, so the sandbox keeps a much shorter
live window and moves what falls out of it to its own bounded historical tier (``archive``):

* resting orders, balances, settlements, order groups and markets: always kept (settled
  markets and, event by event, settled positions move to the archive after the window);
* canceled and executed orders (by their last update) and fills: kept while younger than the
  window (an hour), and whatever their age each user's newest ``per_user`` (1,000) of each, so
  a quiet user's own history outlives the busy simulated traders';
* public trades and what candlesticks are made of (trades, best quotes, open interest): kept
  for the window (a market that stopped trading keeps its candle history, for the archive);
  the quote and the open interest in force at its start stay;
* a market's 24 h volume stays exact: a compact ledger keeps a day of (time, volume).

The sweep is part of ``advance`` and runs at most once per ``every_ms``, so it happens inside a
recorded command: a replay archives and forgets exactly what the original run did.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, TypeVar

from kalshikit.sandbox.exchange.listing import Listing
from kalshikit.sandbox.exchange.orders import OrderRecord

__all__ = ["LIVE_WINDOW_MS", "Retention", "drop_old_orders", "drop_older"]

LIVE_WINDOW_MS: Final = 3_600_000
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Retention:
    """How long records stay (``window_ms``), the newest ``per_user`` orders and fills each
    user keeps anyway, and how often the sweep runs (``every_ms``)."""

    window_ms: int = LIVE_WINDOW_MS
    per_user: int = 1_000
    every_ms: int = 60_000

    def __post_init__(self) -> None:
        if self.window_ms <= 0 or self.per_user < 0 or self.every_ms <= 0:
            raise ValueError(f"window and sweep interval must be positive: {self!r}")


def drop_older(records: Listing[T], cutoff_ms: int, time_of: Callable[[T], int], keep: int) -> int:
    """Drop records stamped at or before ``cutoff_ms`` from the front of a time-ordered listing,
    leaving at least the newest ``keep``; returns how many went."""
    limit, count = len(records) - keep, 0
    # a scan, not a bisect: a wall clock stepped back leaves the stamps only nearly sorted
    while count < limit and time_of(records[count]) <= cutoff_ms:
        count += 1
    if count:
        records.drop_oldest(count)
    return count


def drop_old_orders(orders: Listing[OrderRecord], cutoff_ms: int, keep: int) -> list[OrderRecord]:
    """Drop final orders last updated at or before ``cutoff_ms``, except the newest ``keep``
    orders; an old order may still rest, so this filters rather than trims. Returns them."""
    newest = len(orders) - keep
    if newest <= 0:
        return []
    return orders.drop_unless(
        lambda index, order: (
            index >= newest or order.status == "resting" or order.updated_ms > cutoff_ms
        )
    )
