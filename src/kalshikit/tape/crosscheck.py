"""The REST cross-check: does the live book equal the exchange's REST book of the same moment?

REST and the stream race: the REST answer is the book at some instant while the request was
served, and the stream delivers that instant's changes a little later. So the live book is
watched from just before the request until ``settle_s`` after the answer, every state it passes
through is kept, and the REST book is "ok" when it equals one of them; the verdict carries the
time of the tape row after which the live book was in that state, so a reader who rebuilds the
book from the tape finds the REST book at the check row. A mismatch is read again
once (``retry_s`` later) before it is called one.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from typing import Final

from kalshikit.errors import KalshiError
from kalshikit.models.orderbook import OrderbookLevels
from kalshikit.orderbook import OrderBook
from kalshikit.units import dollars_to_ticks, fp_to_centi

__all__ = [
    "BookState", "Verdict", "Watch", "book_state", "cross_check", "rest_state", "sample_checks",
]  # fmt: skip

Side = tuple[tuple[int, int], ...]
BookState = tuple[Side, Side]  # (YES bids, NO bids) as sorted (ticks, centi-contracts)
_log = logging.getLogger("kalshikit.tape")
_RestRead = Callable[[str], Awaitable[OrderbookLevels]]
_Clock = Callable[[], int]
_MAX_STATES: Final = 5_000  # a check watches one market for about a second: plenty


def book_state(book: OrderBook) -> BookState:
    """The book's levels, exactly: sorted (ticks, centi) per side."""
    yes = tuple(sorted((p.ticks, c.centi) for p, c in book.depth(1_000_000, "yes")))
    no = tuple(sorted((p.ticks, c.centi) for p, c in book.depth(1_000_000, "no")))
    return yes, no


def rest_state(levels: OrderbookLevels) -> BookState:
    """A REST book (``client.markets.orderbook``) in the same shape."""
    yes = tuple(sorted((dollars_to_ticks(p), fp_to_centi(c)) for p, c in levels.yes or ()))
    no = tuple(sorted((dollars_to_ticks(p), fp_to_centi(c)) for p, c in levels.no or ()))
    return yes, no


@dataclass(frozen=True)
class Verdict:
    """One check: the REST book read, whether the live book agreed, and ``recv_ns``: when the
    live book was in that state (a mismatch: when REST answered)."""

    ticker: str
    rest: BookState
    recv_ns: int
    ok: bool


class Watch:
    """Every state a live book passes through while it is watched, with the ``recv_ns`` of the
    tape row that made it: a check row written at that time follows that very row."""

    __slots__ = ("states",)

    def __init__(self, book: OrderBook, now_ns: int) -> None:
        self.states: dict[BookState, int] = {book_state(book): now_ns} if book.trusted else {}

    def seen(self, book: OrderBook, recv_ns: int) -> None:
        """Called by the recorder after it wrote a row that changed ``book``."""
        if book.trusted and len(self.states) < _MAX_STATES:
            self.states.setdefault(book_state(book), recv_ns)


async def _once(
    read: _RestRead, book: OrderBook, watches: dict[str, Watch], clock: _Clock, settle_s: float
) -> tuple[BookState, int]:
    """(the REST book, when the live book was in that state, else when REST answered)."""
    watch = watches[book.ticker] = Watch(book, clock())
    try:
        rest = rest_state(await read(book.ticker))
        answered = clock()
        await asyncio.sleep(settle_s)  # the stream's copy of the same changes is in flight
    finally:
        watches.pop(book.ticker, None)
    return rest, watch.states.get(rest, -answered)


async def cross_check(
    read: _RestRead, book: OrderBook, watches: dict[str, Watch], clock: _Clock, *,
    settle_s: float = 0.3, retry_s: float = 0.5,
) -> Verdict | None:  # fmt: skip
    """Check one live book against REST; None when the book was not exact meanwhile.

    While it runs, ``watches[ticker]`` is the :class:`Watch` the recorder must feed.
    """
    if not book.trusted:
        return None
    rest, at = await _once(read, book, watches, clock, settle_s)
    if at < 0:
        await asyncio.sleep(retry_s)
        if not book.trusted:
            return None
        rest, at = await _once(read, book, watches, clock, settle_s)
    if not book.trusted:  # a gap arrived meanwhile: the recovery re-snapshots it anyway
        return None
    return Verdict(book.ticker, rest, abs(at), at >= 0)


async def sample_checks(
    read: _RestRead, books: dict[str, OrderBook], exact: Collection[str], watches: dict[str, Watch],
    rng: random.Random, every_s: float, sample: int,
    on_verdict: Callable[[Verdict], Awaitable[None]],
) -> None:  # fmt: skip
    """Forever: every ``every_s``, check ``sample`` books of ``exact`` drawn by ``rng``."""
    while True:
        await asyncio.sleep(every_s)
        for ticker in rng.sample(sorted(exact), min(sample, len(exact))):
            book = books.get(ticker)
            if book is None or ticker not in exact:
                continue
            try:
                verdict = await cross_check(read, book, watches, time.time_ns)
            except KalshiError as error:  # REST trouble skips a check, never the recording
                _log.info("cross-check of %s skipped: %s", ticker, error)
                continue
            if verdict is not None:
                await on_verdict(verdict)
