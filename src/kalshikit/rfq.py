"""Trading through RFQs, end to end, on top of ``client.communications`` (sync and async).

Requester::

    quote = request_quotes(client, "KXHIGHNY-26OCT20-T61", 10, side="yes", wait=5)
    if quote is not None:
        done = accept(client, quote, "yes")      # waits for the maker's confirm and the trade

Quoter (answering other users' RFQs from the ``communications`` channel)::

    for rfq in open_rfqs(stream):                # stream: a KalshiStream
        respond(client, rfq, yes_bid="0.62", no_bid="0.40")
    confirm_accepted(client)                     # confirm every quote of yours just accepted

A quote's ``yes_bid`` is what the requester pays for YES, its ``no_bid`` what it pays for NO:
the best quote for a side is the one with the lowest price on it. Waiting is polling with a
deadline (``wait`` seconds); nothing here sleeps past it.
"""

from __future__ import annotations

import asyncio
import queue
import time
from collections.abc import AsyncIterator, Iterable, Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Final

from kalshikit.errors import ValidationError
from kalshikit.models import Quote
from kalshikit.models.stream import RfqCreatedFrame, RfqMsg
from kalshikit.units import Contracts, Price

if TYPE_CHECKING:
    from kalshikit.http.client import AsyncKalshiClient, KalshiClient
    from kalshikit.ws import KalshiStream, KalshiWebSocket

__all__ = [
    "aaccept",
    "accept",
    "aopen_rfqs",
    "arequest_quotes",
    "best_quote",
    "confirm_accepted",
    "open_rfqs",
    "request_quotes",
    "respond",
]

_POLL_S: Final = 0.25
_FINAL: Final = ("executed", "cancelled")


def _side(side: str) -> str:
    if side not in ("yes", "no"):
        raise ValidationError(f"side must be 'yes' or 'no'; got {side!r}")
    return side


def _price(quote: Quote, side: str) -> Decimal:
    return Decimal(quote.yes_bid_dollars if side == "yes" else quote.no_bid_dollars)


def best_quote(quotes: Iterable[Quote], side: str) -> Quote | None:
    """The open quote with the lowest price on ``side`` (0 means the side is declined)."""
    _side(side)
    open_ = [q for q in quotes if q.status == "open" and _price(q, side) > 0]
    return min(open_, key=lambda q: (_price(q, side), q.created_ts), default=None)


def request_quotes(
    client: KalshiClient,
    ticker: str,
    contracts: int | str | Decimal | Contracts,
    *,
    side: str = "yes",
    wait: float = 5.0,
) -> Quote | None:
    """Open an RFQ for ``contracts`` of ``ticker``, collect quotes for ``wait`` seconds and
    return the best one for ``side`` (None if nobody quoted; the RFQ then stays open)."""
    _side(side)
    rfq_id = client.communications.create_rfq(ticker, contracts).id
    deadline = time.monotonic() + wait
    while True:
        quotes = client.communications.quotes(rfq_id=rfq_id).quotes
        if time.monotonic() >= deadline:
            return best_quote(quotes, side)
        time.sleep(min(_POLL_S, max(deadline - time.monotonic(), 0)))


def accept(client: KalshiClient, quote: Quote, side: str, *, wait: float = 45.0) -> Quote:
    """Take ``side`` of ``quote`` and wait until it executed or was cancelled (the maker's
    confirmation window, then the execution timer); the quote as it ended (or as it stands
    at the deadline)."""
    client.communications.accept_rfq_quote(quote.rfq_id, quote.id, _side(side))
    deadline = time.monotonic() + wait
    while True:
        now = client.communications.rfq_quote(quote.rfq_id, quote.id)
        if now.status in _FINAL or time.monotonic() >= deadline:
            return now
        time.sleep(_POLL_S)


async def arequest_quotes(
    client: AsyncKalshiClient,
    ticker: str,
    contracts: int | str | Decimal | Contracts,
    *,
    side: str = "yes",
    wait: float = 5.0,
) -> Quote | None:
    """``request_quotes`` on the async client."""
    _side(side)
    rfq_id = (await client.communications.create_rfq(ticker, contracts)).id
    deadline = time.monotonic() + wait
    while True:
        quotes = (await client.communications.quotes(rfq_id=rfq_id)).quotes
        if time.monotonic() >= deadline:
            return best_quote(quotes, side)
        await asyncio.sleep(min(_POLL_S, max(deadline - time.monotonic(), 0)))


async def aaccept(
    client: AsyncKalshiClient, quote: Quote, side: str, *, wait: float = 45.0
) -> Quote:
    """``accept`` on the async client."""
    await client.communications.accept_rfq_quote(quote.rfq_id, quote.id, _side(side))
    deadline = time.monotonic() + wait
    while True:
        now = await client.communications.rfq_quote(quote.rfq_id, quote.id)
        if now.status in _FINAL or time.monotonic() >= deadline:
            return now
        await asyncio.sleep(_POLL_S)


# --- the quoter's side ---------------------------------------------------------------------


def open_rfqs(stream: KalshiStream, *, timeout: float | None = None) -> Iterator[RfqMsg]:
    """New RFQs as the ``communications`` channel announces them (other messages skipped),
    subscribed now; the iteration stops when nothing came for ``timeout`` s (None: never)."""
    frames = stream.communications(frames=True)

    def announced() -> Iterator[RfqMsg]:
        while True:
            try:
                frame = frames.get(timeout=timeout)
            except (queue.Empty, StopIteration):  # quiet for ``timeout``, or the stream ended
                return
            if isinstance(frame, RfqCreatedFrame):
                yield frame.msg

    return announced()


async def aopen_rfqs(ws: KalshiWebSocket) -> AsyncIterator[RfqMsg]:
    """``open_rfqs`` on the async WebSocket client."""
    async for frame in await ws.communications(frames=True):
        if isinstance(frame, RfqCreatedFrame):
            yield frame.msg


def respond(
    client: KalshiClient,
    rfq: RfqMsg,
    *,
    yes_bid: Price | str | Decimal,
    no_bid: Price | str | Decimal,
) -> str:
    """Quote on ``rfq``: the requester may buy YES at ``yes_bid`` or NO at ``no_bid`` (``"0"``
    declines a side); returns the quote id."""
    return client.communications.create_quote(rfq.id, yes_bid=yes_bid, no_bid=no_bid).id


def confirm_accepted(client: KalshiClient) -> list[str]:
    """Confirm every quote of yours the requester accepted; their ids."""
    accepted = client.communications.quotes(user_filter="self", status="accepted").quotes
    for quote in accepted:
        client.communications.confirm_rfq_quote(quote.rfq_id, quote.id)
    return [q.id for q in accepted]
