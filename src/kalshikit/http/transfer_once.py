"""Exactly once for a transfer between shards: the request and the flow. No I/O here.

A transfer carries a ``client_transfer_id`` (a UUID) fixed before its first attempt, and the
exchange treats a repeat with that id and the same terms as the same transfer: money never
moves twice for one id. So when an attempt's outcome is unknown (no answer, 429, 5xx) the flow
first looks the transfer up in the newest transfers (created since the first attempt, less the
signature window, with the same shards and amount: the wire's transfer record does not carry the
client id, so the terms identify it) and answers with it; only when none is there is the same
request sent again, at most ``max_retries`` times. A 409 on a resend means an earlier attempt
landed after the lookup: one more lookup finds it. Like the order flows, this is a sans-I/O
generator the sync and async resources drive (``resources.orders.run_flow``).
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Final

from kalshikit.errors import APIError, Conflict, ValidationError
from kalshikit.http._core import Call, PreparedRequest, RetryPolicy, decode, prepare
from kalshikit.http.exactly_once import Flow, lookup_since, outcome_unknown
from kalshikit.models import (
    ShardTransfer,
    ShardTransferRequest,
    ShardTransferResponse,
    ShardTransfersPage,
)
from kalshikit.units import parse_money

__all__ = ["transfer_flow", "transfer_prepared", "transfer_request"]

LOOKUP_PAGE_SIZE: Final = 100  # transfers are rare: the newest 100 reach past any retry window
_CENTICENTS_PER_DOLLAR: Final = 10_000
SHARD_RANGE: Final = (0, 100)  # SDK 3.34: source/destination_exchange_shard 0 to 100


def _shard(value: object, name: str) -> int:
    low, high = SHARD_RANGE
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError(f"{name} must be a shard number from {low} to {high}; got {value!r}")
    return value


def _centicents(amount: str | int | Decimal) -> int:
    dollars = parse_money(amount)
    scaled = dollars * _CENTICENTS_PER_DOLLAR
    if dollars <= 0 or scaled != scaled.to_integral_value():
        raise ValidationError(
            f"amount must be a positive dollar amount in steps of $0.0001; got {amount!r}"
        )
    return int(scaled)


def _client_id(value: str | None) -> str:
    if value is None:
        return str(uuid.uuid4())  # fixed before the first attempt: every retry reuses it
    try:
        return str(uuid.UUID(value))
    except (ValueError, AttributeError, TypeError):
        raise ValidationError(f"client_transfer_id must be a UUID; got {value!r}") from None


def transfer_request(
    amount: str | int | Decimal, from_shard: int, to_shard: int, client_transfer_id: str | None
) -> ShardTransferRequest:
    """The checked body of a transfer of ``amount`` dollars between two event-contract shards."""
    source, target = _shard(from_shard, "from_shard"), _shard(to_shard, "to_shard")
    if source == target:
        raise ValidationError(f"from_shard and to_shard are both {source}: nothing to move")
    return ShardTransferRequest(
        source="event_contract",
        destination="event_contract",
        amount=_centicents(amount),
        client_transfer_id=_client_id(client_transfer_id),
        source_exchange_shard=source,
        destination_exchange_shard=target,
    )


def transfer_prepared(request: ShardTransferRequest) -> PreparedRequest:
    return prepare("transfers.shard", body=request)


def _same(found: ShardTransfer, request: ShardTransferRequest, since: int) -> bool:
    return (
        found.created_ts >= since
        and found.source_exchange_shard == request.source_exchange_shard
        and found.destination_exchange_shard == request.destination_exchange_shard
        and parse_money(found.amount) * _CENTICENTS_PER_DOLLAR == request.amount
    )


def _lookup(request: ShardTransferRequest, since: int) -> Flow[str | None]:
    """The id of the one transfer with these terms made since ``since``; None for none or
    several (then a resend with the same client_transfer_id settles it)."""
    params = {"limit": LOOKUP_PAGE_SIZE}
    page: ShardTransfersPage = yield Call(
        prepare("transfers.list", params=params), ShardTransfersPage, lambda p: p
    )
    matches = [t.transfer_id for t in page.transfers if _same(t, request, since)]
    return matches[0] if len(matches) == 1 else None


def transfer_flow(
    request: ShardTransferRequest,
    policy: RetryPolicy,
    base_url: str,
    draw: Callable[[], float] = random.random,
    clock: Callable[[], float] = time.time,
) -> Flow[ShardTransferResponse]:
    """Send the transfer; on an unknown outcome look it up before sending it again."""
    prepared, attempt = transfer_prepared(request), 0
    since = lookup_since(clock(), policy)
    while True:
        try:
            raw = yield prepared
        except APIError as error:
            if not (outcome_unknown(error) or (attempt and isinstance(error, Conflict))):
                raise
            found = yield from _lookup(request, since)
            if found is not None:
                return ShardTransferResponse(transfer_id=found)
            if attempt >= policy.max_retries or isinstance(error, Conflict):
                error.add_note(
                    f"transfer {request.client_transfer_id}: outcome unknown; "
                    "client.transfers.list() shows whether it was made"
                )
                raise
            yield policy.delay(attempt, error, draw())
            attempt += 1
            continue
        return decode(raw, ShardTransferResponse, prepared.info(base_url))
