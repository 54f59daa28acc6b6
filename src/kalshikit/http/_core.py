"""The request core shared by the sync and async clients. No I/O here.

It builds requests from Python arguments and the endpoint table (:mod:`kalshikit.endpoints`),
maps error answers to the error tree, and decides retries as pure functions of (attempt, error,
random draw), so both send loops behave identically and the decisions are tested without a
network.
"""

from __future__ import annotations

import email.utils
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final, Generic, TypeVar
from urllib.parse import quote

import msgspec

from kalshikit.auth import SIGNATURE_WINDOW_MS
from kalshikit.endpoints import Endpoint, Method, endpoint
from kalshikit.errors import (
    APIConnectionError,
    APIError,
    APIResponseError,
    APIStatusError,
    RequestInfo,
    ValidationError,
    error_for_status,
    parse_error_body,
)

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class PreparedRequest:
    """A request ready to send: everything but the base URL and the signature."""

    endpoint: Endpoint
    path: str
    params: tuple[tuple[str, str], ...] = ()
    body: bytes | None = None

    @property
    def method(self) -> Method:
        return self.endpoint.method

    def info(self, base_url: str) -> RequestInfo:
        query = "&".join(f"{k}={v}" for k, v in self.params)
        url = base_url.rstrip("/") + self.path + (f"?{query}" if query else "")
        return RequestInfo(self.method, url)


@dataclass(frozen=True, slots=True)
class Call(Generic[R, T]):
    """A prepared request, the model its answer decodes into, and how to unwrap the result."""

    request: PreparedRequest
    model: type[R]
    unwrap: Callable[[R], T]

    def result(self, raw: bytes, base_url: str) -> T:
        return self.unwrap(decode(raw, self.model, self.request.info(base_url)))


def _query_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        raise ValidationError(f"query value {value!r} is a float; pass an int or a string")
    if isinstance(value, datetime):
        return str(int(value.timestamp()))
    return str(value)


def _query_items(ep: Endpoint, name: str, value: object) -> list[tuple[str, str]]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        return [(name, _query_value(value))]
    items = [_query_value(v) for v in value]
    if ep.list_style.get(name, "csv") == "repeat":
        return [(name, item) for item in items]
    return [(name, ",".join(items))]


def build_query(ep: Endpoint, params: Mapping[str, object]) -> tuple[tuple[str, str], ...]:
    """Query pairs in a stable order. ``None`` means "not given"; 0 and False are kept."""
    limit = params.get("limit")
    if isinstance(limit, int) and ep.max_limit is not None and not 1 <= limit <= ep.max_limit:
        raise ValidationError(
            f"limit must be between 1 and {ep.max_limit} for {ep.path}, got {limit}"
        )
    pairs: list[tuple[str, str]] = []
    for name, value in params.items():
        if value is not None:
            pairs.extend(_query_items(ep, name, value))
    return tuple(pairs)


def build_path(ep: Endpoint, path_params: Mapping[str, str]) -> str:
    """Fill the path template, percent-encoding each parameter (the signature covers this form)."""
    values: dict[str, str] = {}
    for name, value in path_params.items():
        if not isinstance(value, str) or not value:
            raise ValidationError(f"{name} must be a non-empty string, got {value!r}")
        values[name] = quote(value, safe="")
    return ep.path.format(**values)


def prepare(
    name: str,
    *,
    path: Mapping[str, str] | None = None,
    params: Mapping[str, object] | None = None,
    body: object = None,
) -> PreparedRequest:
    """Validate and build one request. Raises ValidationError and sends nothing on bad input."""
    ep = endpoint(name)
    encoded = None if body is None else msgspec.json.encode(body)
    return PreparedRequest(ep, build_path(ep, path or {}), build_query(ep, params or {}), encoded)


def decode(raw: bytes, model: type[T], request: RequestInfo | None = None) -> T:
    """Decode a 2xx body into ``model``; a body that does not fit is an APIResponseError."""
    try:
        return msgspec.json.decode(raw, type=model)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise APIResponseError(
            f"the answer to {request} did not parse as {model.__name__}: {exc}",
            request=request,
            body=raw[:2000],
        ) from exc


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date; None if absent."""
    if not value:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        return _seconds_until_http_date(text, now)
    return max(0.0, seconds) if math.isfinite(seconds) else None


def _seconds_until_http_date(text: str, now: datetime | None) -> float | None:
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def status_error(
    status: int, raw: bytes, request: RequestInfo, headers: Mapping[str, str]
) -> APIStatusError:
    """The error for a non-2xx answer, whichever error envelope it used."""
    cls = error_for_status(status)
    retry_after = parse_retry_after(headers.get("retry-after"))
    return cls(status=status, body=parse_error_body(raw), request=request, retry_after=retry_after)


# A synced clock is off by milliseconds; this covers a few seconds of drift.
CLOCK_SKEW_ALLOWANCE_S: Final = 5.0


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """When and how long to wait before trying a request again.

    Only idempotent requests (GETs) are retried here, on connection errors, 429 and 5xx. Writes
    are retried only by the order layer, which first looks the order up by client_order_id, and
    trusts a "not found" only ``resend_after`` seconds after the failed attempt.
    Delays are "full jitter" exponential backoff, so many clients that failed together do not
    retry together; a server's Retry-After wins over the computed delay.
    """

    max_retries: int = 3
    base_delay: float = 0.25
    max_delay: float = 8.0
    # Seconds after a create failed with an unknown outcome before "not found" is final: by then
    # the exchange refuses the attempt's signature, however late it arrives. The signature window,
    # plus CLOCK_SKEW_ALLOWANCE_S for a client clock ahead of the exchange's (which stretches it).
    resend_after: float = SIGNATURE_WINDOW_MS / 1000 + CLOCK_SKEW_ALLOWANCE_S

    def should_retry(self, ep: Endpoint, attempt: int, error: APIError) -> bool:
        """``attempt`` counts from 0 for the first try."""
        if attempt >= self.max_retries or not ep.idempotent:
            return False
        if isinstance(error, APIStatusError):
            return error.status == 429 or error.status >= 500
        return isinstance(error, APIConnectionError)

    def delay(self, attempt: int, error: APIError, draw: float) -> float:
        """Seconds to sleep before retry ``attempt + 1``; ``draw`` is uniform in [0, 1)."""
        retry_after = error.retry_after if isinstance(error, APIStatusError) else None
        if retry_after is not None:
            return min(retry_after, self.max_delay * 8)
        ceiling = min(self.max_delay, self.base_delay * (2.0**attempt))
        return ceiling * draw
