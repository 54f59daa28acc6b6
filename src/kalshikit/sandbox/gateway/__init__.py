"""What REST and WebSocket both need at the door: signatures and token buckets (``Guard``),
faults on demand, JSON bodies and Kalshi's error shape, size limits, and the admin API's
loopback-only checks. See docs/architecture.md for the layers.
"""

from __future__ import annotations

from kalshikit.sandbox.gateway.admin_gate import admin_refusal, check_json_body, client_address
from kalshikit.sandbox.gateway.guard import Caller, Faults, Guard
from kalshikit.sandbox.gateway.head_limit import uvicorn_http_options
from kalshikit.sandbox.gateway.http import (
    JSON,
    REFUSALS,
    ApiError,
    DroppedResponse,
    Query,
    WithNulls,
    bad_request,
    batch_size,
    decode_body,
    error_response,
    json_response,
    refusal_response,
)
from kalshikit.sandbox.gateway.limits import (
    MAX_ADMIN_BODY_BYTES,
    MAX_BODY_BYTES,
    MAX_CLIENT_ORDER_ID_CHARS,
    MAX_ID_CHARS,
    check_length,
    closing_if_unread,
    read_body,
)

__all__ = [
    "JSON",
    "MAX_ADMIN_BODY_BYTES",
    "MAX_BODY_BYTES",
    "MAX_CLIENT_ORDER_ID_CHARS",
    "MAX_ID_CHARS",
    "REFUSALS",
    "ApiError",
    "Caller",
    "DroppedResponse",
    "Faults",
    "Guard",
    "Query",
    "WithNulls",
    "admin_refusal",
    "bad_request",
    "batch_size",
    "check_json_body",
    "check_length",
    "client_address",
    "closing_if_unread",
    "decode_body",
    "error_response",
    "json_response",
    "read_body",
    "refusal_response",
    "uvicorn_http_options",
]
