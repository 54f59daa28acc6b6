"""The kalshikit error tree. No I/O here.

::

    KalshiError                      anything kalshikit raises on purpose
    ├── ValidationError              bad input caught before any request (nothing was sent)
    ├── BookIntegrityError           a book change that cannot apply (re-snapshot to recover)
    ├── ConfigError                  settings or credentials missing or unusable
    │   └── KeyLoadError             a private key that cannot be loaded
    ├── StreamError                  the WebSocket stream failed
    │   ├── CommandRefused           the server answered a command with an error frame
    │   ├── StreamClosed             the stream was closed, or gave up reconnecting
    │   └── StreamOverflow           a consumer fell too far behind (nothing is dropped silently)
    └── APIError                     the exchange could not be reached or said no
        ├── APIConnectionError       no answer: refused, reset, DNS, TLS
        │   ├── APITimeout           no answer in time
        │   └── SandboxNotRunning    nothing answers at the local sandbox URL (start it)
        ├── APIResponseError         a 2xx answer that does not hold what it must
        └── APIStatusError           a non-2xx answer
            ├── BadRequest           400
            ├── Unauthorized         401
            ├── Forbidden            403
            ├── NotFound             404
            ├── Conflict             409
            ├── RateLimited          429
            └── ServerError          5xx

Every ``APIStatusError`` carries the HTTP status, the exchange's error ``code``, its ``message``
and ``details``, and the request (method and URL, never its headers) so that a log line says
what was asked and what came back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseError",
    "APIStatusError",
    "APITimeout",
    "BadRequest",
    "BookIntegrityError",
    "CommandRefused",
    "ConfigError",
    "Conflict",
    "CostTooHigh",
    "ErrorBody",
    "Forbidden",
    "KalshiError",
    "KeyLoadError",
    "NotFound",
    "RateLimited",
    "RequestInfo",
    "SandboxNotRunning",
    "ServerError",
    "StreamClosed",
    "StreamError",
    "StreamOverflow",
    "Unauthorized",
    "ValidationError",
    "error_for_status",
    "parse_error_body",
]


class KalshiError(Exception):
    """Base class of every error kalshikit raises on purpose."""


class ValidationError(KalshiError, ValueError):
    """Input refused before any request was built or sent."""


class CostTooHigh(ValidationError):
    """A request that costs more than the rate bucket can ever hold: waiting would never help."""


class BookIntegrityError(KalshiError):
    """A change that cannot be applied to a local order book as it stands (a level would go
    negative). The book is marked untrusted; a fresh snapshot (``get_snapshot`` or REST) recovers.
    """


class StreamError(KalshiError):
    """The WebSocket stream failed."""


class CommandRefused(StreamError):
    """An ``error`` frame answered a command: ``code`` is the server's (kalshi-websocket.md 2)."""

    def __init__(self, code: int, message: str, command: str) -> None:
        super().__init__(f"{command} refused with error {code}: {message}")
        self.code = code
        self.server_message = message
        self.command = command


class StreamClosed(StreamError):
    """The stream is closed, or gave up reconnecting; ``__cause__`` says why when known."""


class StreamOverflow(StreamError):
    """A consumer did not keep up and its buffer filled; raised into that consumer."""


class ConfigError(KalshiError):
    """A setting or credential is missing or unusable; the message names what to set."""


class KeyLoadError(ConfigError):
    """A private key could not be loaded; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class RequestInfo:
    """What was asked: method and URL (the query included, headers never)."""

    method: str
    url: str

    def __str__(self) -> str:
        return f"{self.method} {self.url}"


@dataclass(frozen=True, slots=True)
class ErrorBody:
    """The exchange's error fields, whichever of its envelopes they came in."""

    code: str | None = None
    message: str | None = None
    details: str | None = None
    service: str | None = None


class APIError(KalshiError):
    """The exchange could not be reached, or answered with an error."""

    def __init__(self, message: str, *, request: RequestInfo | None = None) -> None:
        super().__init__(message)
        self.request = request


class APIConnectionError(APIError):
    """No answer came back: connection refused or reset, DNS, TLS."""


class APITimeout(APIConnectionError):
    """No answer came back in time. For a write, the outcome is unknown."""


class SandboxNotRunning(APIConnectionError):
    """Nothing answers at the local sandbox URL; the message names `kalshi sandbox start`."""


class APIResponseError(APIError):
    """A 2xx answer that does not hold what it must (an order id, a parseable body)."""

    def __init__(
        self, message: str, *, request: RequestInfo | None = None, body: bytes = b""
    ) -> None:
        super().__init__(message, request=request)
        self.body = body


class APIStatusError(APIError):
    """A non-2xx answer. ``status``, ``code``, ``message`` and ``details`` come from it."""

    status: int
    code: str | None
    message: str | None
    details: str | None
    retry_after: float | None

    def __init__(
        self,
        *,
        status: int,
        body: ErrorBody,
        request: RequestInfo | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.status = status
        self.code = body.code
        self.message = body.message
        self.details = body.details
        self.retry_after = retry_after
        super().__init__(self._describe(), request=request)

    def _describe(self) -> str:
        what = f"HTTP {self.status}"
        if self.code:
            what += f" {self.code}"
        if self.message and self.message != self.code:
            what += f": {self.message}"
        if self.details:
            what += f" ({self.details})"
        return what

    def __str__(self) -> str:
        text = self._describe()
        return f"{text} [{self.request}]" if self.request else text


class BadRequest(APIStatusError):
    """400: the exchange refused the request as malformed."""


class Unauthorized(APIStatusError):
    """401: missing, unknown or badly signed credentials (check the key and the clock)."""


class Forbidden(APIStatusError):
    """403: the key may not do this (scope, environment or membership)."""


class NotFound(APIStatusError):
    """404: no such market, event, series or order."""


class Conflict(APIStatusError):
    """409: the request clashes with existing state (a duplicate client_order_id)."""


class RateLimited(APIStatusError):
    """429: over the rate limit. ``retry_after`` is the wait the server asked for, if any.

    When the client gives up, ``attempts`` says how many times the request was sent and
    ``delays`` how long it slept (seconds) before each retry."""

    attempts: int = 1
    delays: tuple[float, ...] = ()


class ServerError(APIStatusError):
    """5xx: the exchange failed. For a write, the outcome is unknown."""


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    429: RateLimited,
}


def error_for_status(status: int) -> type[APIStatusError]:
    """The error class for an HTTP status (5xx -> ServerError, other -> APIStatusError)."""
    if status >= 500:
        return ServerError
    return _BY_STATUS.get(status, APIStatusError)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def _from_mapping(fields: dict[str, Any]) -> ErrorBody:
    return ErrorBody(
        code=_text(fields.get("code")),
        message=_text(fields.get("message") or fields.get("msg")),
        details=_text(fields.get("details")),
        service=_text(fields.get("service")),
    )


def parse_error_body(raw: bytes) -> ErrorBody:
    """Read any of the exchange's error envelopes (kalshi-rest.md 5.2).

    An object under ``error`` is the body; a string under ``error`` is the message; otherwise the
    top-level ``code``/``message``/``details``/``service``. A body that is not JSON becomes the
    message, cut short, so that an HTML error page from a proxy still says something.
    """
    try:
        decoded = msgspec.json.decode(raw) if raw else {}
    except msgspec.DecodeError:
        text = raw.decode("utf-8", "replace").strip()
        return ErrorBody(message=text[:200] or None)
    if not isinstance(decoded, dict):
        return ErrorBody(message=_text(decoded))
    inner = decoded.get("error")
    if isinstance(inner, dict):
        return _from_mapping(inner)
    if isinstance(inner, str):
        body = _from_mapping(decoded)
        return ErrorBody(body.code, inner, body.details, body.service)
    return _from_mapping(decoded)
