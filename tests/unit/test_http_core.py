"""The no-I/O request core: request building, retry decisions, Retry-After, error mapping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kalshikit.endpoints import ENDPOINTS, endpoint
from kalshikit.errors import (
    APIConnectionError,
    APIResponseError,
    APITimeout,
    BadRequest,
    NotFound,
    RateLimited,
    RequestInfo,
    ServerError,
    ValidationError,
)
from kalshikit.http._core import (
    RetryPolicy,
    decode,
    parse_retry_after,
    prepare,
    status_error,
)

INFO = RequestInfo("GET", "http://x/trade-api/v2/markets")


def test_query_keeps_zero_and_false_but_drops_none() -> None:
    req = prepare("markets.trades", params={"ticker": None, "min_ts": 0, "limit": 5})
    assert req.params == (("min_ts", "0"), ("limit", "5"))
    req = prepare("events.list", params={"with_nested_markets": False})
    assert req.params == (("with_nested_markets", "false"),)


def test_orderbooks_repeat_tickers_and_markets_join_them() -> None:
    books = prepare("markets.orderbooks", params={"tickers": ["A", "B"]})
    assert books.params == (("tickers", "A"), ("tickers", "B"))
    markets = prepare("markets.list", params={"tickers": ["A", "B"]})
    assert markets.params == (("tickers", "A,B"),)


@pytest.mark.parametrize(("name", "limit"), [("markets.list", 1001), ("events.list", 201)])
def test_limit_above_the_maximum_is_refused(name: str, limit: int) -> None:
    with pytest.raises(ValidationError, match="limit must be between 1 and"):
        prepare(name, params={"limit": limit})


def test_path_parameters_are_percent_encoded() -> None:
    req = prepare("markets.get", path={"ticker": "A/B C"})
    assert req.path == "/markets/A%2FB%20C"


def test_empty_path_parameter_is_refused() -> None:
    with pytest.raises(ValidationError, match="ticker must be a non-empty string"):
        prepare("markets.get", path={"ticker": ""})


def test_float_query_values_are_refused() -> None:
    with pytest.raises(ValidationError, match="float"):
        prepare("markets.trades", params={"min_ts": 1.5})


def test_request_info_shows_query() -> None:
    req = prepare("markets.list", params={"status": "open", "limit": 10})
    assert str(req.info("http://h/trade-api/v2/")) == (
        "GET http://h/trade-api/v2/markets?status=open&limit=10"
    )


# Writes the exchange meters in the read bucket: "Read (GETs and anything unrouted)", and only
# orders, order groups and the RFQ quote flow are routed to Write (kalshi-rest.md 5.4)
READ_BUCKET_WRITES = {
    "multivariate.create_market",
    "account.upgrade_usage_level",
    "api_keys.create",
    "api_keys.generate",
    "api_keys.delete",
    "fcm.create_subtrader",
    "fcm.set_daily_cap",
    "fcm.delete_daily_cap",
    "fcm.block_category",
    "fcm.transfer_position",
    "communications.propose_block_trade",
    "communications.accept_block_trade",
    "transfers.shard",
    "funding.set_allocation",
    "subaccounts.create",
    "subaccounts.transfer",
    "subaccounts.set_netting",
}


def test_every_write_is_in_the_write_bucket_and_signed() -> None:
    for ep in ENDPOINTS.values():
        if ep.method != "GET":
            expected = "read" if ep.name in READ_BUCKET_WRITES else "write"
            assert ep.bucket == expected, ep.name
            assert ep.auth, ep.name
            assert not ep.idempotent


def test_body_is_compact_json() -> None:
    req = prepare("orders.cancel_batch", body={"orders": [{"order_id": "a"}]})
    assert req.body == b'{"orders":[{"order_id":"a"}]}'


def test_decode_failure_is_a_response_error_with_the_request() -> None:
    with pytest.raises(APIResponseError, match="did not parse") as caught:
        decode(b"{not json", dict, INFO)
    assert caught.value.request == INFO


def test_retry_after_seconds_and_http_date() -> None:
    now = datetime(2026, 11, 24, 12, 0, 0, tzinfo=UTC)
    later = (now + timedelta(seconds=30)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert parse_retry_after("2", now) == 2.0
    assert parse_retry_after("0.5", now) == 0.5
    assert parse_retry_after(later, now) == pytest.approx(30.0)
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None) is None
    assert parse_retry_after("-3") == 0.0


def test_status_error_reads_retry_after_header() -> None:
    error = status_error(429, b'{"error":"too many requests"}', INFO, {"retry-after": "3"})
    assert isinstance(error, RateLimited)
    assert error.retry_after == 3.0
    assert error.message == "too many requests"


GET = endpoint("markets.list")
POST = endpoint("orders.create")


@pytest.mark.parametrize(
    ("error", "retry"),
    [
        (APIConnectionError("refused"), True),
        (APITimeout("slow"), True),
        (status_error(503, b"{}", INFO, {}), True),
        (status_error(429, b"{}", INFO, {}), True),
        (status_error(400, b"{}", INFO, {}), False),
        (status_error(404, b"{}", INFO, {}), False),
    ],
)
def test_reads_retry_transient_failures_only(error: Exception, retry: bool) -> None:
    policy = RetryPolicy(max_retries=2)
    assert policy.should_retry(GET, 0, error) is retry  # type: ignore[arg-type]


def test_writes_are_never_retried_by_the_core() -> None:
    policy = RetryPolicy(max_retries=5)
    assert not policy.should_retry(POST, 0, APITimeout("slow"))
    assert not policy.should_retry(POST, 0, status_error(503, b"{}", INFO, {}))


def test_retries_stop_at_the_bound() -> None:
    policy = RetryPolicy(max_retries=2)
    assert policy.should_retry(GET, 1, APITimeout("x"))
    assert not policy.should_retry(GET, 2, APITimeout("x"))
    assert not RetryPolicy(max_retries=0).should_retry(GET, 0, APITimeout("x"))


@given(attempt=st.integers(0, 30), draw=st.floats(0, 1, exclude_max=True))
def test_backoff_is_jittered_and_capped(attempt: int, draw: float) -> None:
    policy = RetryPolicy(base_delay=0.25, max_delay=8.0)
    delay = policy.delay(attempt, APITimeout("x"), draw)
    assert 0.0 <= delay <= min(8.0, 0.25 * 2**attempt)


def test_server_retry_after_wins_over_backoff() -> None:
    error = status_error(429, b"{}", INFO, {"retry-after": "1.5"})
    assert RetryPolicy().delay(0, error, 0.0) == 1.5


def test_error_classes_for_common_statuses() -> None:
    assert isinstance(status_error(400, b"{}", INFO, {}), BadRequest)
    assert isinstance(status_error(404, b"{}", INFO, {}), NotFound)
    assert isinstance(status_error(502, b"{}", INFO, {}), ServerError)
