"""kalshikit.ws: the WebSocket stream - protocol core, client, sync facade, capture and replay.

``open_websocket`` makes the default connector (the signed handshake) that the client uses.
"""

from kalshikit.ws._transport import open_websocket
from kalshikit.ws._types import (
    Command,
    LifecycleFrame,
    LifecycleMsg,
    StreamEvent,
    Subscription,
)
from kalshikit.ws.backoff import Backoff
from kalshikit.ws.capture import CaptureWriter, read_capture, replay
from kalshikit.ws.client import KalshiWebSocket
from kalshikit.ws.protocol import Protocol, ProtocolStats
from kalshikit.ws.stream import Stream
from kalshikit.ws.sync import KalshiStream, SyncStream

__all__ = [
    "Backoff",
    "CaptureWriter",
    "Command",
    "KalshiStream",
    "KalshiWebSocket",
    "LifecycleFrame",
    "LifecycleMsg",
    "Protocol",
    "ProtocolStats",
    "Stream",
    "StreamEvent",
    "Subscription",
    "SyncStream",
    "open_websocket",
    "read_capture",
    "replay",
]
