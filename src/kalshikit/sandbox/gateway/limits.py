"""How much the sandbox reads from a caller, at most: bodies, free-text fields, timestamps.

Kalshi publishes none of these numbers (kalshi-rest.md has no body, header or field sizes), so
each cap is chosen far above what any real client sends and far below what would cost the
sandbox memory or time. A request past a cap is refused with a 4xx in the usual error body and
changes nothing; the body is read in chunks and the reading stops at the cap.

* Bodies: 1 MiB on ``/trade-api/v2`` (the largest real body, a batch create of the 800 orders
  the Prime write bucket allows, ids and all, is about 260 KB); 64 KiB on the admin API (a PEM
  key is 1-3 KB).
* ``client_order_id`` and ``updated_client_order_id``: 128 characters (a UUID is 36); the admin
  API's ``user_id`` and ``api_key_id``, which are stored too: 128 characters.
* ``KALSHI-ACCESS-TIMESTAMP``: 19 digits (epoch ms has 13 until the year 2286).

The request head (line and headers) and WebSocket frames are capped in the server protocol:
see ``_uvicorn`` and ``ws_api.MAX_FRAME_BYTES``.
"""

from __future__ import annotations

from typing import Final

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from kalshikit.sandbox.gateway.http import ApiError, bad_request

__all__ = [
    "MAX_ADMIN_BODY_BYTES",
    "MAX_BODY_BYTES",
    "MAX_CLIENT_ORDER_ID_CHARS",
    "MAX_ID_CHARS",
    "MAX_TIMESTAMP_DIGITS",
    "check_length",
    "closing_if_unread",
    "declares_body",
    "read_body",
]

MAX_BODY_BYTES: Final = 1024 * 1024
MAX_ADMIN_BODY_BYTES: Final = 64 * 1024
MAX_CLIENT_ORDER_ID_CHARS: Final = 128
MAX_ID_CHARS: Final = 128
MAX_TIMESTAMP_DIGITS: Final = 19
# A Content-Length longer than this many digits is past any cap; int() is never asked to read it.
_LENGTH_DIGITS: Final = 15


def _too_large(limit: int) -> ApiError:
    return ApiError(
        413,
        "payload_too_large",
        f"the request body is larger than the {_size(limit)} this endpoint reads; send less",
    )


def _size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MiB" if limit >= 1024 * 1024 else f"{limit // 1024} KiB"


def declares_body(request: Request) -> bool:
    """Whether the request says a body follows."""
    length = request.headers.get("content-length", "0").strip()
    return length not in ("", "0") or "transfer-encoding" in request.headers


def closing_if_unread(request: Request, response: Response) -> Response:
    """``response`` set to close the connection if the request declared a body it leaves unread:
    kept alive, the server would go on reading (and throwing away) all the client still sends."""
    if declares_body(request):
        response.headers["connection"] = "close"
    return response


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, read chunk by chunk; 413 as soon as it is declared or seen to be longer
    than ``limit`` bytes (nothing more is read)."""
    declared = request.headers.get("content-length")
    if declared is not None and _declared_too_long(declared.strip(), limit):
        raise _too_large(limit)
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise _too_large(limit)
            chunks.append(chunk)
    except ClientDisconnect:
        raise bad_request("the request body ended before its end (the client went away)") from None
    return b"".join(chunks)


def _declared_too_long(declared: str, limit: int) -> bool:
    if not (declared.isascii() and declared.isdigit()):
        return False  # the server has already refused a malformed length; let the stream decide
    return len(declared) > _LENGTH_DIGITS or int(declared) > limit


def check_length(value: str | None, name: str, most: int) -> None:
    """400 naming ``name`` if the string ``value`` is longer than ``most`` characters."""
    if value is not None and len(value) > most:
        raise bad_request(
            f"{name} is {len(value)} characters long; at most {most} are allowed", name
        )
