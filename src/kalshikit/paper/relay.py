"""The public channels of one paper client, relayed from the paper server's one upstream
``KalshiWebSocket`` to the source (the one the feed uses): ``orderbook_delta``, ``ticker``,
``trade``, ``market_lifecycle_v2``.

Each client subscription gets its own sid and, on the sequenced channels, its own ``seq`` from
1, advanced by every frame and ``ok`` it is sent, as the source would number a subscription of
its own; the frames are the source's frames, re-encoded from the typed models with that sid and
seq. A new book subscription asks the upstream for fresh snapshots, so every client starts from
a whole book; a gap upstream comes down as the fresh snapshot that heals it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

import msgspec

from kalshikit.models.base import to_wire_builtins
from kalshikit.ws.stream import Stream, market_of

__all__ = ["PUBLIC_CHANNELS", "SEQUENCED", "PublicRelay", "PublicSub"]

PUBLIC_CHANNELS: Final = frozenset({"orderbook_delta", "ticker", "trade", "market_lifecycle_v2"})
SEQUENCED: Final = frozenset({"orderbook_delta", "trade", "market_lifecycle_v2"})
_BOOK: Final = "orderbook_delta"
_log = logging.getLogger(__name__)

Send = Callable[[bytes], None]


@dataclass
class PublicSub:
    """One client subscription to a public channel: ``tickers`` None means every market."""

    sid: int
    channel: str
    tickers: set[str] | None
    seq: int = 0
    views: list[Stream[Any]] = field(default_factory=list)

    def next_seq(self) -> int | None:
        if self.channel not in SEQUENCED:
            return None
        self.seq += 1
        return self.seq


class PublicRelay:
    """A client's public subscriptions over the shared upstream socket (``upstream()``)."""

    def __init__(self, upstream: Callable[[], Any], send: Send) -> None:
        self._upstream = upstream  # async () -> KalshiWebSocket (the service's, connected)
        self._send = send
        self.subs: dict[int, PublicSub] = {}

    async def open(self, sub: PublicSub) -> None:
        """Start relaying ``sub`` (its sid and tickers set); books get fresh snapshots."""
        self.subs[sub.sid] = sub
        await self._watch(sub, sub.tickers)

    async def _watch(self, sub: PublicSub, tickers: set[str] | None) -> None:
        ws = await self._upstream()

        def relay(frame: Any) -> None:
            self._relay(sub, frame)

        options: dict[str, Any] = {"on_message": relay, "iterate": False, "frames": True}
        wanted = None if tickers is None else sorted(tickers)
        sub.views.append(await ws.subscribe(sub.channel, wanted, **options))
        if sub.channel == _BOOK and wanted:
            await ws.get_snapshot(wanted)  # the book may be held upstream already

    def _relay(self, sub: PublicSub, frame: Any) -> None:
        if sub.sid not in self.subs:
            return
        if sub.tickers is not None and market_of(frame.msg) not in sub.tickers:
            return
        fields: dict[str, Any] = {"sid": sub.sid, "seq": sub.next_seq()}
        if hasattr(frame, "id"):
            fields["id"] = None  # a snapshot another client asked for
        again = msgspec.structs.replace(frame, **fields)
        self._send(msgspec.json.encode(to_wire_builtins(again)))

    async def update(self, sid: int, action: str, tickers: set[str]) -> dict[str, Any] | None:
        """``add_markets`` / ``delete_markets`` / ``get_snapshot`` on one of these sids; the
        ``ok`` frame's fields (None: nothing to acknowledge)."""
        sub = self.subs[sid]
        if action == "get_snapshot":
            await (await self._upstream()).get_snapshot(sorted(tickers))
            return None
        if action == "add_markets" and sub.tickers is not None:
            sub.tickers |= tickers
            await self._watch(sub, tickers)
        elif action == "delete_markets" and sub.tickers is not None:
            sub.tickers -= tickers
        ack = None if sub.tickers is None else {"market_tickers": sorted(sub.tickers)}
        return {"sid": sid, "seq": sub.next_seq(), "msg": ack}

    def close(self, sid: int) -> int | None:
        """Stop relaying ``sid``; the seq its ``unsubscribed`` frame carries."""
        sub = self.subs.pop(sid)
        for view in sub.views:
            view.close()
        return sub.next_seq()

    def close_all(self) -> None:
        for sid in list(self.subs):
            self.close(sid)
