"""kalshikit's protocol core alone: ``Protocol.receive``, the per-frame call of its reader task.

msgspec decoding into typed frames, per-sid seq checks, integer-tick books, the latest ticker
and trade per market; no event loop, no streams (the kalshikit_ws adapter has those). The
stream's ``subscribed`` acks are adopted as a capture replay does (``Protocol(adopt=True)``).
"""

from __future__ import annotations

from typing import Any

from kalshikit.models.stream import TickerFrame, TradeFrame
from kalshikit.ws import Protocol


class Adapter:
    def __init__(self) -> None:
        self.proto = Protocol(adopt=True)
        self.tickers: dict[str, Any] = {}
        self.trades: dict[str, Any] = {}

    def feed(self, raw: bytes) -> None:
        frame = self.proto.receive(raw)
        kind = type(frame)
        if kind is TickerFrame:
            self.tickers[frame.msg.market_ticker] = frame.msg  # type: ignore[union-attr]
        elif kind is TradeFrame:
            self.trades[frame.msg.market_ticker] = frame.msg  # type: ignore[union-attr]

    def books(self) -> dict[str, tuple[dict[str, str], dict[str, str]]]:
        out = {}
        for ticker, book in self.proto.books.items():
            levels = book.to_levels()
            out[ticker] = (dict(levels.yes), dict(levels.no))
        return out

    def stats(self) -> dict[str, Any]:
        s = self.proto.stats
        return {
            "frames": s.frames,
            "gaps": s.gaps,
            "unknown": s.unknown_frames,
            "tickers": len(self.tickers),
            "trades": len(self.trades),
        }


def make() -> Adapter:
    return Adapter()
