"""HTTP plumbing of the sandbox API: encoding, error bodies, query and body parsing.

No exchange state here (only its error type, to answer with its status).

The sandbox answers the way the real Trade API v2 does (kalshi-rest.md 5.2, 5.3):

* bodies are the wire structs of :mod:`kalshikit.models`, with every ``None`` left out, because the
  real API omits an empty optional field (and the January-only attributes, None in the sandbox,
  must never appear);
* errors are January's wrapped ``{"error": {"code", "message", "details"}}``, except 429, which is
  the documented bare ``{"error": "too many requests"}``;
* a malformed request is refused with 400 ``bad_request`` (the code the real wire sent for an
  over-limit page size) and a message that names the parameter; unknown parameters are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final, TypeVar

import msgspec
from starlette.datastructures import QueryParams
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from kalshikit.errors import ValidationError
from kalshikit.models.base import to_wire_builtins
from kalshikit.sandbox.exchange import ExchangeError

__all__ = [
    "BAD_REQUEST",
    "REFUSALS",
    "ApiError",
    "DroppedResponse",
    "Query",
    "WithNulls",
    "api_error_response",
    "bad_request",
    "batch_size",
    "decode_body",
    "encode",
    "error_response",
    "json_response",
    "refusal_response",
]

T = TypeVar("T")

BAD_REQUEST: Final = "bad_request"
JSON: Final = "application/json"
_ENCODER: Final = msgspec.json.Encoder()
_TOO_MANY: Final = _ENCODER.encode({"error": "too many requests"})


class ApiError(Exception):
    """A refusal the API layer answers itself: HTTP ``status`` with an error ``code``."""

    def __init__(self, status: int, code: str, message: str, details: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details


def bad_request(message: str, parameter: str | None = None) -> ApiError:
    return ApiError(400, BAD_REQUEST, message, parameter)


# --- encoding ---------------------------------------------------------------------------------


class WithNulls:
    """An answer whose ``None`` fields are sent as ``null``: for the few SDK models that require
    a key even when its value is null (the archive's candles, whose price OHLC is null in a
    period without trades)."""

    __slots__ = ("payload",)

    def __init__(self, payload: object) -> None:
        self.payload = payload


def encode(payload: object) -> bytes:
    """JSON of wire structs (or dicts and lists of them), with None-valued keys dropped at every
    depth (but in ``WithNulls``). ``to_builtins`` keeps the wire names (``balance``, not
    ``balance_cents``)."""
    if isinstance(payload, WithNulls):
        return _ENCODER.encode(msgspec.to_builtins(payload.payload))
    return _ENCODER.encode(to_wire_builtins(payload))


def json_response(payload: object, status: int = 200) -> Response:
    if status == 204:
        return Response(status_code=204)
    return Response(encode(payload), status_code=status, media_type=JSON)


def error_response(status: int, code: str, message: str, details: str | None = None) -> Response:
    if status == 429:
        return Response(_TOO_MANY, status_code=429, media_type=JSON)
    error = {"code": code, "message": message, "details": details}
    return Response(encode({"error": error}), status_code=status, media_type=JSON)


def api_error_response(error: ApiError) -> Response:
    return error_response(error.status, error.code, error.message, error.details)


REFUSALS: Final = (ApiError, ExchangeError, ValidationError)
"""What a handler may raise to refuse a request; anything else is a sandbox bug (500)."""


def refusal_response(error: ApiError | ExchangeError | ValidationError) -> Response:
    """The answer to a refused request: the API layer's own status, the exchange's, or 400 for
    input that failed a check in the shared units and models code."""
    if isinstance(error, ApiError):
        return api_error_response(error)
    if isinstance(error, ExchangeError):
        return error_response(error.status, error.code, error.message)
    return error_response(400, BAD_REQUEST, str(error))


class DroppedResponse(Response):
    """Sends the status line and headers of a real answer, then ends without the body.

    A fault for client tests: the write happened, but the caller sees the connection die
    mid-answer (uvicorn closes the socket when an app returns without completing a response).
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )


# --- bodies ---------------------------------------------------------------------------------


def decode_body(body: bytes, model: type[T]) -> T:
    """A JSON body as ``model``; 400 (naming the field) if it is not JSON or does not fit."""
    if not body.strip():
        raise bad_request("the request needs a JSON body")
    try:
        return msgspec.json.decode(body, type=model)
    except msgspec.ValidationError as exc:
        raise bad_request(f"invalid request body: {exc}") from None
    except msgspec.DecodeError as exc:
        raise bad_request(f"request body is not valid JSON: {exc}") from None
    except RecursionError:
        raise _too_deep() from None


def _too_deep() -> ApiError:
    # msgspec gives up on JSON nested deeper than Python's recursion limit; no real body nests
    # more than a few levels, so this is a malformed request, not a sandbox failure.
    return bad_request("the request body is nested too deeply to be an order or a command")


class _Counted(msgspec.Struct):
    orders: list[msgspec.Raw] = msgspec.field(default_factory=list)


def batch_size(body: bytes) -> int:
    """How many orders a batch body holds, for its token cost (1 if unreadable: the handler then
    refuses the body with a proper message)."""
    try:
        return max(1, len(msgspec.json.decode(body, type=_Counted).orders))
    except (msgspec.ValidationError, msgspec.DecodeError, RecursionError):
        return 1


# --- query strings ----------------------------------------------------------------------------

_WHOLE_NUMBER: Final = re.compile(r"-?[0-9]{1,18}")
_TRUE: Final = frozenset({"true", "1"})
_FALSE: Final = frozenset({"false", "0"})


class Query:
    """Typed reads of a query string. Absent or empty means "not given"; a value that is there
    but wrong is a 400 naming the parameter. Parameters nobody reads are ignored (as the real API
    ignores them)."""

    __slots__ = ("_params",)

    def __init__(self, params: QueryParams) -> None:
        self._params = params

    def text(self, name: str) -> str | None:
        value = self._params.get(name)
        return value if value else None

    def required_text(self, name: str) -> str:
        value = self.text(name)
        if value is None:
            raise bad_request(f"{name} is required", name)
        return value

    def integer(self, name: str, low: int | None = None, high: int | None = None) -> int | None:
        raw = self.text(name)
        if raw is None:
            return None
        # int() would also take " 5", "+5", "1_000" and non-ASCII digits; the wire does not.
        if not _WHOLE_NUMBER.fullmatch(raw):
            raise bad_request(f"{name} must be a whole number, got {raw!r}", name)
        value = int(raw)
        if (low is not None and value < low) or (high is not None and value > high):
            raise bad_request(f"{name} must be {_range(low, high)}, got {value}", name)
        return value

    def required_integer(self, name: str, low: int | None = None, high: int | None = None) -> int:
        value = self.integer(name, low, high)
        if value is None:
            raise bad_request(f"{name} is required", name)
        return value

    def boolean(self, name: str) -> bool | None:
        raw = self.text(name)
        if raw is None:
            return None
        if raw.lower() in _TRUE:
            return True
        if raw.lower() in _FALSE:
            return False
        raise bad_request(f"{name} must be true or false, got {raw!r}", name)

    def choice(self, name: str, allowed: Sequence[str]) -> str | None:
        value = self.text(name)
        if value is not None and value not in allowed:
            raise bad_request(f"{name} must be one of {', '.join(allowed)}; got {value!r}", name)
        return value

    def csv(self, name: str, most: int | None = None) -> list[str] | None:
        """A comma-separated list (repeated parameters are joined too)."""
        items = [i for v in self._params.getlist(name) for i in v.split(",") if i]
        if not items:
            return None
        if most is not None and len(items) > most:
            raise bad_request(f"{name} takes at most {most} values, got {len(items)}", name)
        return items

    def limit(self, default: int, most: int | None) -> int:
        """The page size: ``default`` when absent, 1..``most`` otherwise (400 above, like the
        real API)."""
        value = self.integer("limit", 1, most)
        return default if value is None else value


def _range(low: int | None, high: int | None) -> str:
    if low is not None and high is not None:
        return f"between {low} and {high}"
    return f"at least {low}" if low is not None else f"at most {high}"
