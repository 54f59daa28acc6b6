"""The reference indexes the crypto series settle on, published once a second from the latent
path that settles them.

No I/O, no clock (times are arguments). Every hourly event of one crypto asset reads one shared
number (``LatentModel.reference``); this module reads it at each whole second and hands it to
the exchange as an ``IndexTick`` (``Exchange.publish``), which the WebSocket feeds serve as
``cfbenchmarks_value`` and ``pyth_value``. Ticks are a derived feed, not state: nothing is
journaled, and the same seed and steps give the same ticks (the reads advance the path with the
simulator's own ``random.Random``, in step order).

The simulator publishes up to each scheduled close before it fixes the markets closing then, so
the tick stamped at a close is exactly the number those markets settle on (to the cent, as the
index prints: the strikes sit half a cent away from any printed value). After a long pause only
the last ``BACKFILL_S`` seconds are published: the path jumps over the rest in one move.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Final

from kalshikit.sandbox.catalog import INDEX_FEEDS
from kalshikit.sandbox.exchange import IndexTick
from kalshikit.sandbox.sim.latent import LatentModel

__all__ = ["BACKFILL_S", "TICK_MS", "IndexPublisher"]

TICK_MS: Final = 1000
BACKFILL_S: Final = 61  # a full minute before the last tick: its averages have their window


class IndexPublisher:
    """Publishes each crypto series' index at every whole second up to the time asked for."""

    def __init__(self, latent: LatentModel, publish: Callable[[IndexTick], None]) -> None:
        self._latent, self._publish = latent, publish
        self._next: dict[str, int] = {}  # series -> the next second to publish

    def start(self, now_ms: int) -> None:
        """Begin at ``now_ms``: nothing before it is ever published."""
        first = now_ms - now_ms % TICK_MS
        for feed in INDEX_FEEDS:
            self._next.setdefault(feed.series_ticker, first)

    def catch_up(self, until_ms: int) -> None:
        """Publish every whole second up to ``until_ms`` (inclusive) not published yet."""
        last = until_ms - until_ms % TICK_MS
        for feed in INDEX_FEEDS:
            series = feed.series_ticker
            first = max(self._next.get(series, last), last - (BACKFILL_S - 1) * TICK_MS)
            if first > last:
                continue
            for at_ms in range(first, last + 1, TICK_MS):
                value = self._latent.reference(series, at_ms)
                if value is None:
                    break  # no live event reads this index
                self._publish(IndexTick(series, Decimal(f"{value:.2f}"), at_ms))
            self._next[series] = last + TICK_MS
