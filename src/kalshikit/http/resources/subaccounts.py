"""``client.subaccounts``: numbered accounts inside yours (1-63; 0 is the primary), each with its
own cash, positions and orders: create one, read every balance, move cash between them, and
the netting setting.

A transfer carries a ``client_transfer_id`` (a UUID, made here when not given) fixed before the
first attempt, and the exchange treats a repeat with that id and the same terms as the same
transfer. So when an attempt's outcome is unknown (no answer, 429, 5xx) the same request, same
id, is sent again, up to the retry policy's ``max_retries``: the money moves once at most. The
id is in the answer, so a caller who gives up can repeat it later just as safely.

To act in a subaccount elsewhere pass ``subaccount=N``: ``client.orders.create(...,
subaccount=2)``, ``client.portfolio.balance(subaccount=2)`` and so on.
"""

from __future__ import annotations

import random
import uuid

from kalshikit.errors import APIError, ValidationError
from kalshikit.http._core import Call, PreparedRequest, RetryPolicy, prepare
from kalshikit.http.exactly_once import Flow, outcome_unknown
from kalshikit.http.param_checks import in_range
from kalshikit.http.resources._base import AsyncResourceClient, ResourceClient
from kalshikit.http.resources.flow_drivers import arun_flow, run_flow
from kalshikit.models import (
    CreateSubaccountRequest,
    CreateSubaccountResponse,
    SubaccountBalancesResponse,
    SubaccountNettingResponse,
    SubaccountTransferRequest,
    SubaccountTransfersResponse,
    UpdateSubaccountNettingRequest,
)

__all__ = ["AsyncSubaccounts", "Subaccounts"]

_SHARDS = (0, 100)  # SDK 3.34 exchange_index: a shard number


def _number(value: int, name: str) -> int:
    checked = in_range(value, name, 0, 63)
    if checked is None:
        raise ValidationError(f"{name} is required: a subaccount number from 0 to 63")
    return checked


def create_call(exchange_index: int | None) -> Call[CreateSubaccountResponse, int]:
    in_range(exchange_index, "exchange_index", *_SHARDS)
    body = CreateSubaccountRequest(exchange_index=exchange_index)
    return Call(
        prepare("subaccounts.create", body=body), CreateSubaccountResponse,
        lambda r: r.subaccount_number,
    )  # fmt: skip


def balances_call() -> Call[SubaccountBalancesResponse, SubaccountBalancesResponse]:
    return Call(prepare("subaccounts.balances"), SubaccountBalancesResponse, lambda r: r)


def transfer_body(
    from_subaccount: int, to_subaccount: int, amount_cents: int, exchange_index: int | None,
    client_transfer_id: str | None,
) -> SubaccountTransferRequest:  # fmt: skip
    """The checked body; a new UUID when ``client_transfer_id`` is not given."""
    source, target = (
        _number(from_subaccount, "from_subaccount"),
        _number(to_subaccount, "to_subaccount"),
    )
    if source == target:
        raise ValidationError(f"from_subaccount and to_subaccount are both {source}: nothing moves")
    if isinstance(amount_cents, bool) or not isinstance(amount_cents, int) or amount_cents < 1:
        raise ValidationError(f"amount_cents must be a positive whole number; got {amount_cents!r}")
    in_range(exchange_index, "exchange_index", *_SHARDS)
    try:
        client_id = str(uuid.UUID(client_transfer_id) if client_transfer_id else uuid.uuid4())
    except (ValueError, TypeError, AttributeError):
        raise ValidationError(
            f"client_transfer_id must be a UUID; got {client_transfer_id!r}"
        ) from None
    return SubaccountTransferRequest(
        client_transfer_id=client_id, from_subaccount=source, to_subaccount=target,
        amount_cents=amount_cents, exchange_index=exchange_index,
    )  # fmt: skip


def transfer_request(body: SubaccountTransferRequest) -> PreparedRequest:
    return prepare("subaccounts.transfer", body=body)


def transfer_flow(request: PreparedRequest, policy: RetryPolicy) -> Flow[None]:
    """Send the transfer; after an unknown outcome send the same request (same id) again,
    with the policy's backoff: the exchange moves the money once per ``client_transfer_id``."""
    for attempt in range(policy.max_retries + 1):
        try:
            yield request
            return
        except APIError as error:
            if attempt == policy.max_retries or not outcome_unknown(error):
                raise
            yield policy.delay(attempt, error, random.random())


def transfers_call(
    limit: int | None, cursor: str | None
) -> Call[SubaccountTransfersResponse, SubaccountTransfersResponse]:
    in_range(limit, "limit", 1, 1000)
    req = prepare("subaccounts.transfers", params={"limit": limit, "cursor": cursor})
    return Call(req, SubaccountTransfersResponse, lambda r: r)


def netting_call() -> Call[SubaccountNettingResponse, SubaccountNettingResponse]:
    return Call(prepare("subaccounts.netting"), SubaccountNettingResponse, lambda r: r)


def set_netting_request(subaccount: int, enabled: bool) -> PreparedRequest:
    if not isinstance(enabled, bool):
        raise ValidationError(f"enabled must be True or False; got {enabled!r}")
    body = UpdateSubaccountNettingRequest(
        subaccount_number=_number(subaccount, "subaccount"), enabled=enabled
    )
    return prepare("subaccounts.set_netting", body=body)


class Subaccounts:
    """``client.subaccounts`` on the sync client (signed calls)."""

    def __init__(self, client: ResourceClient) -> None:
        self._client = client

    def create(self, *, exchange_index: int | None = None) -> int:
        """A new, empty subaccount; returns its number (1-63). Needs the Advanced API usage
        level or higher."""
        return self._client.call(create_call(exchange_index))

    def balances(self) -> SubaccountBalancesResponse:
        """Each subaccount's free cash on each shard."""
        return self._client.call(balances_call())

    def transfer(
        self, from_subaccount: int, to_subaccount: int, amount_cents: int, *,
        exchange_index: int | None = None, client_transfer_id: str | None = None,
    ) -> str:  # fmt: skip
        """Move ``amount_cents`` of free cash between two of your subaccounts on one shard
        (0 unless ``exchange_index``); returns the ``client_transfer_id`` it was sent with."""
        body = transfer_body(
            from_subaccount, to_subaccount, amount_cents, exchange_index, client_transfer_id
        )
        run_flow(self._client, transfer_flow(transfer_request(body), self._client.retry_policy))
        return body.client_transfer_id

    def transfers(
        self, *, limit: int | None = None, cursor: str | None = None
    ) -> SubaccountTransfersResponse:
        """Transfers between your subaccounts, newest first."""
        return self._client.call(transfers_call(limit, cursor))

    def netting(self) -> SubaccountNettingResponse:
        """The netting setting of each subaccount."""
        return self._client.call(netting_call())

    def set_netting(self, subaccount: int, enabled: bool) -> None:
        """Turn netting on or off for one subaccount."""
        self._client.send(set_netting_request(subaccount, enabled))


class AsyncSubaccounts:
    """``client.subaccounts`` on the async client."""

    def __init__(self, client: AsyncResourceClient) -> None:
        self._client = client

    async def create(self, *, exchange_index: int | None = None) -> int:
        return await self._client.call(create_call(exchange_index))

    async def balances(self) -> SubaccountBalancesResponse:
        return await self._client.call(balances_call())

    async def transfer(
        self, from_subaccount: int, to_subaccount: int, amount_cents: int, *,
        exchange_index: int | None = None, client_transfer_id: str | None = None,
    ) -> str:  # fmt: skip
        body = transfer_body(
            from_subaccount, to_subaccount, amount_cents, exchange_index, client_transfer_id
        )
        flow = transfer_flow(transfer_request(body), self._client.retry_policy)
        await arun_flow(self._client, flow)
        return body.client_transfer_id

    async def transfers(
        self, *, limit: int | None = None, cursor: str | None = None
    ) -> SubaccountTransfersResponse:
        return await self._client.call(transfers_call(limit, cursor))

    async def netting(self) -> SubaccountNettingResponse:
        return await self._client.call(netting_call())

    async def set_netting(self, subaccount: int, enabled: bool) -> None:
        await self._client.send(set_netting_request(subaccount, enabled))
