"""``client.order_groups``: groups of orders canceled together when a fill limit is hit.

A group's limit counts contracts matched over a rolling 15 s window; on breach the exchange
cancels the group's orders and refuses new ones until ``reset``. Every write takes ``dry_run``.
"""

from __future__ import annotations

import builtins
from decimal import Decimal
from typing import Any, TypeVar

from kalshikit.http._core import Call, prepare
from kalshikit.http.orders_core import DryRun, order_count
from kalshikit.http.resources._base import AsyncResource, SyncResource
from kalshikit.models import (
    CreateOrderGroupRequest,
    CreateOrderGroupResponse,
    EmptyResponse,
    OrderGroup,
    OrderGroupResponse,
    OrderGroupsResponse,
    UpdateOrderGroupLimitRequest,
)

__all__ = ["AsyncOrderGroups", "OrderGroups"]

T = TypeVar("T")
Limit = int | str | Decimal


def _limit_fp(contracts_limit: Limit | None) -> str | None:
    if contracts_limit is None:
        return None
    return order_count(contracts_limit, "contracts_limit").to_wire()


def create_call(contracts_limit: Limit | None) -> Call[CreateOrderGroupResponse, str]:
    body = CreateOrderGroupRequest(contracts_limit_fp=_limit_fp(contracts_limit))
    req = prepare("order_groups.create", body=body)
    return Call(req, CreateOrderGroupResponse, lambda r: r.order_group_id)


def get_call(order_group_id: str) -> Call[OrderGroupResponse, OrderGroupResponse]:
    req = prepare("order_groups.get", path={"order_group_id": order_group_id})
    return Call(req, OrderGroupResponse, lambda r: r)


def list_call() -> Call[OrderGroupsResponse, builtins.list[OrderGroup]]:
    return Call(prepare("order_groups.list"), OrderGroupsResponse, lambda r: r.order_groups or [])


def change_call(name: str, order_group_id: str, body: object = None) -> Call[EmptyResponse, None]:
    """delete (no body), reset and trigger (``{}``), set_limit (the new limit)."""
    req = prepare(name, path={"order_group_id": order_group_id}, body=body)
    return Call(req, EmptyResponse, lambda r: None)


def limit_body(contracts_limit: Limit) -> UpdateOrderGroupLimitRequest:
    return UpdateOrderGroupLimitRequest(contracts_limit_fp=_limit_fp(contracts_limit))


class OrderGroups(SyncResource):
    """``client.order_groups``: create, read, reset, trigger, re-limit and delete groups."""

    def create(
        self, *, contracts_limit: Limit | None = None, dry_run: bool = False
    ) -> str | DryRun:
        """A new group; returns its ``order_group_id`` (pass it to ``orders.create``)."""
        return self._write(create_call(contracts_limit), dry_run)

    def get(self, order_group_id: str) -> OrderGroupResponse:
        """The group's settings and the ids of its orders."""
        return self._client.call(get_call(order_group_id))

    def list(self) -> builtins.list[OrderGroup]:
        return self._client.call(list_call())

    def delete(self, order_group_id: str, *, dry_run: bool = False) -> DryRun | None:
        """Delete the group; its orders are canceled."""
        return self._write(change_call("order_groups.delete", order_group_id), dry_run)

    def reset(self, order_group_id: str, *, dry_run: bool = False) -> DryRun | None:
        """Clear the fill window and let the group take orders again after a breach."""
        return self._write(change_call("order_groups.reset", order_group_id, {}), dry_run)

    def trigger(self, order_group_id: str, *, dry_run: bool = False) -> DryRun | None:
        """Cancel the group's orders now and block it until ``reset``."""
        return self._write(change_call("order_groups.trigger", order_group_id, {}), dry_run)

    def set_limit(
        self, order_group_id: str, contracts_limit: Limit, *, dry_run: bool = False
    ) -> DryRun | None:
        call = change_call("order_groups.set_limit", order_group_id, limit_body(contracts_limit))
        return self._write(call, dry_run)

    def _write(self, call: Call[Any, T], dry_run: bool) -> T | DryRun:
        if dry_run:
            return DryRun.of(call.request, self._client.base_url)
        return self._client.call(call)


class AsyncOrderGroups(AsyncResource):
    """``client.order_groups`` on the async client: the same methods, awaited."""

    async def create(
        self, *, contracts_limit: Limit | None = None, dry_run: bool = False
    ) -> str | DryRun:
        return await self._write(create_call(contracts_limit), dry_run)

    async def get(self, order_group_id: str) -> OrderGroupResponse:
        return await self._client.call(get_call(order_group_id))

    async def list(self) -> builtins.list[OrderGroup]:
        return await self._client.call(list_call())

    async def delete(self, order_group_id: str, *, dry_run: bool = False) -> DryRun | None:
        return await self._write(change_call("order_groups.delete", order_group_id), dry_run)

    async def reset(self, order_group_id: str, *, dry_run: bool = False) -> DryRun | None:
        return await self._write(change_call("order_groups.reset", order_group_id, {}), dry_run)

    async def trigger(self, order_group_id: str, *, dry_run: bool = False) -> DryRun | None:
        return await self._write(change_call("order_groups.trigger", order_group_id, {}), dry_run)

    async def set_limit(
        self, order_group_id: str, contracts_limit: Limit, *, dry_run: bool = False
    ) -> DryRun | None:
        call = change_call("order_groups.set_limit", order_group_id, limit_body(contracts_limit))
        return await self._write(call, dry_run)

    async def _write(self, call: Call[Any, T], dry_run: bool) -> T | DryRun:
        if dry_run:
            return DryRun.of(call.request, self._client.base_url)
        return await self._client.call(call)
