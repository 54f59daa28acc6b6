"""``client.transfers`` and ``client.funding``: moving money between shards, the target balance
allocation that keeps shards funded, and the deposit and withdrawal history.

Kalshi checks collateral per shard (``exchange_index``: combos on 1, other markets on 0), so an
order on a shard needs free cash there. ``client.transfers.shard("25", from_shard=0,
to_shard=1)`` moves it at once, exactly once: a ``client_transfer_id`` (made here when you pass
none) is fixed before the first attempt, and an attempt with an unknown outcome is looked up
before anything is sent again (``http/transfer_once.py``). ``client.funding.set_allocation({0:
50, 1: 50})`` asks the exchange to keep the sweepable balance split so.

Every method checks its arguments before anything is built (a ValidationError sends nothing);
amounts are dollars (``"25"``, ``Decimal("0.5")``), never floats.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from kalshikit.errors import ValidationError
from kalshikit.http import _pager
from kalshikit.http import transfer_once as once
from kalshikit.http._core import Call, prepare
from kalshikit.http.orders_core import DryRun
from kalshikit.http.resources._base import AsyncResource, SyncResource
from kalshikit.http.resources.flow_drivers import arun_flow, run_flow
from kalshikit.models import (
    RESTING_MARGIN_RESERVATIONS,
    Deposit,
    DepositsPage,
    EmptyResponse,
    SetTargetAllocationRequest,
    ShardTransfer,
    ShardTransferResponse,
    ShardTransferResult,
    ShardTransfersPage,
    TargetAllocation,
    TargetAllocationResponse,
    Withdrawal,
    WithdrawalsPage,
)

__all__ = ["AsyncFunding", "AsyncTransfers", "Funding", "Transfers"]

Amount = str | int | Decimal


def get_call(transfer_id: str) -> Call[ShardTransferResult, ShardTransfer]:
    if not isinstance(transfer_id, str) or not transfer_id.strip():
        raise ValidationError(f"transfer_id must be a non-empty string; got {transfer_id!r}")
    req = prepare("transfers.get", path={"transfer_id": transfer_id})
    return Call(req, ShardTransferResult, lambda r: r.transfer)


def allocation_call() -> Call[TargetAllocationResponse, TargetAllocationResponse]:
    return Call(prepare("funding.allocation"), TargetAllocationResponse, lambda r: r)


def set_allocation_call(
    percents: Mapping[int, int], reservation: str | None
) -> Call[EmptyResponse, None]:
    if reservation is not None and reservation not in RESTING_MARGIN_RESERVATIONS:
        allowed = ", ".join(RESTING_MARGIN_RESERVATIONS)
        raise ValidationError(f"reservation must be one of {allowed}; got {reservation!r}")
    rows = []
    for index, percent in dict(percents).items():
        for value, name in ((index, "shard"), (percent, "percent")):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValidationError(f"each {name} must be an integer >= 0; got {value!r}")
        rows.append(TargetAllocation(exchange_index=index, percent=percent))
    total = sum(r.percent for r in rows)
    if rows and total != 100:
        raise ValidationError(f"the percents must total 100, not {total} (or pass {{}} to stop)")
    body = SetTargetAllocationRequest(allocations=rows, resting_margin_reservation=reservation)
    return Call(prepare("funding.set_allocation", body=body), EmptyResponse, lambda _: None)


class Transfers(SyncResource):
    """``client.transfers``: move free cash between shards, and the transfers made."""

    def shard(
        self,
        amount: Amount,
        *,
        from_shard: int,
        to_shard: int,
        client_transfer_id: str | None = None,
        dry_run: bool = False,
    ) -> ShardTransferResponse | DryRun:
        """Move ``amount`` dollars of free cash from one shard to another at once, exactly once
        (a retry with the same ``client_transfer_id`` is the same transfer)."""
        request = once.transfer_request(amount, from_shard, to_shard, client_transfer_id)
        client = self._client
        if dry_run:
            return DryRun.of(once.transfer_prepared(request), client.base_url)
        flow = once.transfer_flow(request, client.retry_policy, client.base_url)
        return run_flow(client, flow)

    def list(
        self, *, page_size: int = 100, max_pages: int | None = None
    ) -> _pager.SyncPager[ShardTransfersPage, ShardTransfer]:
        """Your transfers between shards, newest first, across every page."""
        params: dict[str, object] = {"limit": page_size}
        return self._pages(
            "transfers.list", ShardTransfersPage, params, lambda p: p.transfers, max_pages
        )

    def get(self, transfer_id: str) -> ShardTransfer:
        """One transfer by its id (404 if it is not yours)."""
        return self._client.call(get_call(transfer_id))


class AsyncTransfers(AsyncResource):
    """``client.transfers`` on the async client."""

    async def shard(
        self,
        amount: Amount,
        *,
        from_shard: int,
        to_shard: int,
        client_transfer_id: str | None = None,
        dry_run: bool = False,
    ) -> ShardTransferResponse | DryRun:
        request = once.transfer_request(amount, from_shard, to_shard, client_transfer_id)
        client = self._client
        if dry_run:
            return DryRun.of(once.transfer_prepared(request), client.base_url)
        flow = once.transfer_flow(request, client.retry_policy, client.base_url)
        return await arun_flow(client, flow)

    def list(
        self, *, page_size: int = 100, max_pages: int | None = None
    ) -> _pager.AsyncPager[ShardTransfersPage, ShardTransfer]:
        params: dict[str, object] = {"limit": page_size}
        return self._pages(
            "transfers.list", ShardTransfersPage, params, lambda p: p.transfers, max_pages
        )

    async def get(self, transfer_id: str) -> ShardTransfer:
        return await self._client.call(get_call(transfer_id))


class Funding(SyncResource):
    """``client.funding``: the target balance allocation, deposits and withdrawals."""

    def allocation(self) -> TargetAllocationResponse:
        """The percent of the sweepable balance kept on each shard (none: no rebalancing)."""
        return self._client.call(allocation_call())

    def set_allocation(
        self, percents: Mapping[int, int], *, reservation: str | None = None
    ) -> None:
        """Keep ``{shard: percent}`` (totalling 100; ``{}`` stops rebalancing) of the sweepable
        balance on each shard; ``reservation`` (none, max, sum: the default) is what a sweep
        leaves behind for resting orders."""
        self._client.call(set_allocation_call(percents, reservation))

    def deposits(
        self, *, page_size: int = 100, max_pages: int | None = None
    ) -> _pager.SyncPager[DepositsPage, Deposit]:
        """Your deposits, newest first, across every page."""
        params: dict[str, object] = {"limit": page_size}
        return self._pages(
            "funding.deposits", DepositsPage, params, lambda p: p.deposits, max_pages
        )

    def withdrawals(
        self, *, page_size: int = 100, max_pages: int | None = None
    ) -> _pager.SyncPager[WithdrawalsPage, Withdrawal]:
        """Your withdrawals, newest first, across every page."""
        params: dict[str, object] = {"limit": page_size}
        return self._pages(
            "funding.withdrawals", WithdrawalsPage, params, lambda p: p.withdrawals, max_pages
        )


class AsyncFunding(AsyncResource):
    """``client.funding`` on the async client."""

    async def allocation(self) -> TargetAllocationResponse:
        return await self._client.call(allocation_call())

    async def set_allocation(
        self, percents: Mapping[int, int], *, reservation: str | None = None
    ) -> None:
        await self._client.call(set_allocation_call(percents, reservation))

    def deposits(
        self, *, page_size: int = 100, max_pages: int | None = None
    ) -> _pager.AsyncPager[DepositsPage, Deposit]:
        params: dict[str, object] = {"limit": page_size}
        return self._pages(
            "funding.deposits", DepositsPage, params, lambda p: p.deposits, max_pages
        )

    def withdrawals(
        self, *, page_size: int = 100, max_pages: int | None = None
    ) -> _pager.AsyncPager[WithdrawalsPage, Withdrawal]:
        params: dict[str, object] = {"limit": page_size}
        return self._pages(
            "funding.withdrawals", WithdrawalsPage, params, lambda p: p.withdrawals, max_pages
        )
