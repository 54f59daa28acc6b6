"""What the paper server's handlers share: the wire's answers and error bodies, the caller's
key, and the status the real API gives each refusal. Starlette is the ``sandbox`` extra, so only
the paper server's modules import this one.

The paper server listens on loopback only, so a caller is named by its ``KALSHI-ACCESS-KEY``
header and the signature is not verified: anyone who can reach the port is trusted, as with any
local tool. The header is still required, as the real API requires it.
"""

from __future__ import annotations

from typing import Final, TypeVar

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from kalshikit.auth import HEADER_KEY
from kalshikit.errors import ValidationError
from kalshikit.models.base import to_wire_builtins
from kalshikit.paper.core import OrderRefused

__all__ = ["Refusal", "caller_key", "decode", "error", "limit_of", "refusal", "wire"]

T = TypeVar("T")

_JSON: Final = "application/json"
_ENCODER: Final = msgspec.json.Encoder()
# the real API's statuses for the engine's refusals (the sandbox answers the same); others: 400
_STATUS: Final = {"order_not_found": 404, "duplicate_client_order_id": 409}


class Refusal(Exception):
    """A request the server refuses itself: ``status`` with the wire's error ``code``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def wire(payload: object, status: int = 200) -> Response:
    """Wire structs (or dicts and lists of them) as the API sends them: None keys left out."""
    if status == 204:
        return Response(status_code=204)
    return Response(
        _ENCODER.encode(to_wire_builtins(payload)), status_code=status, media_type=_JSON
    )


def error(status: int, code: str, message: str) -> Response:
    """The wire's error body: ``{"error": {"code", "message"}}``."""
    body = {"error": {"code": code, "message": message}}
    return Response(_ENCODER.encode(body), status_code=status, media_type=_JSON)


def refusal(exc: Refusal | ValidationError) -> Response:
    if isinstance(exc, Refusal):
        return error(exc.status, exc.code, exc.message)
    if isinstance(exc, OrderRefused):
        message = str(exc).removeprefix(f"{exc.code}: ")
        return error(_STATUS.get(exc.code, 400), exc.code, message)
    return error(400, "bad_request", str(exc))


def caller_key(request: Request) -> str:
    """The caller's API key id: the account it trades (401 without one, as the real API)."""
    key = request.headers.get(HEADER_KEY, "").strip()
    if not key:
        raise Refusal(
            401, "missing_authentication",
            f"this endpoint needs the {HEADER_KEY} header: a paper account is named by its key id",
        )  # fmt: skip
    return key


def decode(body: bytes, model: type[T]) -> T:
    """A JSON body as ``model``; 400 naming what does not fit."""
    if not body.strip():
        raise Refusal(400, "bad_request", "the request needs a JSON body")
    try:
        return msgspec.json.decode(body, type=model)
    except msgspec.ValidationError as exc:
        raise Refusal(400, "bad_request", f"invalid request body: {exc}") from None
    except (msgspec.DecodeError, RecursionError) as exc:
        raise Refusal(400, "bad_request", f"request body is not valid JSON: {exc}") from None


def limit_of(request: Request, default: int = 100, most: int = 1000) -> int:
    text = request.query_params.get("limit")
    if text is None:
        return default
    if not text.isdigit() or not 1 <= int(text) <= most:
        raise Refusal(
            400, "bad_request", f"limit must be an integer from 1 to {most}; got {text!r}"
        )
    return int(text)
