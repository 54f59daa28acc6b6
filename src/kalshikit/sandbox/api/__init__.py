"""The Starlette app: it translates HTTP and WebSocket to the layers below and owns no state.
Every REST route comes from ``kalshikit.endpoints``. See docs/architecture.md for the layers.
"""

from __future__ import annotations

from kalshikit.sandbox.api.app import create_app
from kalshikit.sandbox.api.websocket import (
    DEFAULT_HEARTBEAT_S,
    DEFAULT_HEARTBEAT_TIMEOUT_S,
    uvicorn_ws_options,
)

__all__ = [
    "DEFAULT_HEARTBEAT_S",
    "DEFAULT_HEARTBEAT_TIMEOUT_S",
    "create_app",
    "uvicorn_ws_options",
]
