"""Error bodies in every envelope the exchange has used, and status -> class mapping."""

from __future__ import annotations

import pytest

from kalshikit.errors import (
    APIStatusError,
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    RateLimited,
    RequestInfo,
    ServerError,
    Unauthorized,
    error_for_status,
    parse_error_body,
)


def test_flat_sdk_error_body() -> None:
    body = parse_error_body(b'{"code":"market_closed","message":"market is closed","details":"x"}')
    assert (body.code, body.message, body.details) == ("market_closed", "market is closed", "x")


def test_docs_body_with_service_field() -> None:
    body = parse_error_body(b'{"code":"not_found","message":"not found","service":"exchange"}')
    assert body.service == "exchange"
    assert body.code == "not_found"


def test_january_wrapped_error_object() -> None:
    body = parse_error_body(b'{"error":{"code":"permission_denied","message":"permission denied"}}')
    assert (body.code, body.message) == ("permission_denied", "permission denied")


def test_rate_limit_error_string() -> None:
    body = parse_error_body(b'{"error":"too many requests"}')
    assert body.message == "too many requests"
    assert body.code is None


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", None),
        (b"<html>bad gateway</html>", "<html>bad gateway</html>"),
        (b"[1,2]", "[1, 2]"),
        (b"null", None),
    ],
)
def test_unexpected_bodies_still_say_something(raw: bytes, message: str | None) -> None:
    body = parse_error_body(raw)
    assert body.message == message
    assert body.code is None


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequest),
        (401, Unauthorized),
        (403, Forbidden),
        (404, NotFound),
        (409, Conflict),
        (429, RateLimited),
        (500, ServerError),
        (503, ServerError),
        (418, APIStatusError),
    ],
)
def test_status_maps_to_class(status: int, cls: type[APIStatusError]) -> None:
    assert error_for_status(status) is cls


def test_status_error_says_what_was_asked_and_answered() -> None:
    request = RequestInfo("GET", "https://x/trade-api/v2/markets/NOPE")
    error = NotFound(
        status=404,
        body=parse_error_body(b'{"code":"not_found","message":"market not found"}'),
        request=request,
    )
    assert error.status == 404
    assert error.code == "not_found"
    assert (
        str(error)
        == "HTTP 404 not_found: market not found [GET https://x/trade-api/v2/markets/NOPE]"
    )
