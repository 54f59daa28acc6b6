"""The server side of the stream: commands, subscriptions, frames with their sequence numbers,
per-connection sessions, WebSocket faults, and the hub that feeds them from exchange events.
See docs/architecture.md for the layers.
"""

from __future__ import annotations

from kalshikit.sandbox.ws.feeds import DEFAULT_QUEUE_LIMIT, Close, Connection, FeedHub
from kalshikit.sandbox.ws.frames import encode_frame

__all__ = [
    "DEFAULT_QUEUE_LIMIT",
    "Close",
    "Connection",
    "FeedHub",
    "encode_frame",
]
