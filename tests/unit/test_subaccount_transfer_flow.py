"""A subaccount transfer whose outcome is unknown is sent again, the same request with the same
``client_transfer_id`` (the exchange moves the money once per id); a refusal is not retried."""

from __future__ import annotations

import pytest

from kalshikit.errors import APIConnectionError, ValidationError
from kalshikit.http._core import RetryPolicy
from kalshikit.http.resources.subaccounts import transfer_body, transfer_flow, transfer_request

BODY = transfer_body(0, 1, 500, None, "5b0c1e5e-8f5c-4d8e-9c1e-2f3a4b5c6d7e")


def test_a_lost_answer_resends_the_same_request_then_stops() -> None:
    request = transfer_request(BODY)
    flow = transfer_flow(request, RetryPolicy(max_retries=2))
    assert next(flow) is request
    wait = flow.throw(APIConnectionError("dropped"))
    assert isinstance(wait, float)
    assert flow.send(None) is request  # the same id: a repeat is the same transfer
    with pytest.raises(StopIteration):
        flow.send(b"{}")


def test_retries_end_and_a_refusal_is_raised_at_once() -> None:
    flow = transfer_flow(transfer_request(BODY), RetryPolicy(max_retries=1))
    next(flow)
    flow.throw(APIConnectionError("dropped"))
    flow.send(None)
    with pytest.raises(APIConnectionError):
        flow.throw(APIConnectionError("dropped again"))
    refused = transfer_flow(transfer_request(BODY), RetryPolicy(max_retries=3))
    next(refused)
    with pytest.raises(ValidationError):
        refused.throw(ValidationError("refused"))


def test_the_body_is_checked_before_anything_is_built() -> None:
    with pytest.raises(ValidationError):
        transfer_body(0, 0, 100, None, None)
    with pytest.raises(ValidationError):
        transfer_body(0, 1, 100, None, "not-a-uuid")
