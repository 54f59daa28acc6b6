"""``client.order_groups``: groups of orders canceled together when a fill limit is hit.

A group's limit counts contracts matched over a rolling 15 s window; on breach the exchange
cancels the group's orders and refuses new ones until ``reset``. Every write takes ``dry_run``.
"""

from __future__ import annotations

import builtins
from decimal import Decimal
from typing import Any, TypeVar

from kalshikit.http._core import Call, prepare
from kalshikit.http.orders_core import DryRun, order_count, subaccount_arg
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


def _scope(subaccount: int | None) -> dict[str, object]:
    return {"subaccount": subaccount_arg(subaccount)}


def create_call(
    contracts_limit: Limit | None, subaccount: int | None = None
) -> Call[CreateOrderGroupResponse, str]:
    body = CreateOrderGroupRequest(
        contracts_limit_fp=_limit_fp(contracts_limit), subaccount=subaccount_arg(subaccount)
    )
    req = prepare("order_groups.create", body=body)
    return Call(req, CreateOrderGroupResponse, lambda r: r.order_group_id)


def get_call(
    order_group_id: str, subaccount: int | None = None
) -> Call[OrderGroupResponse, OrderGroupResponse]:
    path = {"order_group_id": order_group_id}
    req = prepare("order_groups.get", path=path, params=_scope(subaccount))
    return Call(req, OrderGroupResponse, lambda r: r)


def list_call(
    subaccount: int | None = None,
) -> Call[OrderGroupsResponse, builtins.list[OrderGroup]]:
    """``subaccount`` None: every subaccount's groups (the endpoint's default)."""
    req = prepare("order_groups.list", params=_scope(subaccount))
    return Call(req, OrderGroupsResponse, lambda r: r.order_groups or [])


def change_call(
    name: str, order_group_id: str, body: object = None, subaccount: int | None = None
) -> Call[EmptyResponse, None]:
    """delete (no body), reset and trigger (``{}``), set_limit (the new limit)."""
    path = {"order_group_id": order_group_id}
    req = prepare(name, path=path, params=_scope(subaccount), body=body)
    return Call(req, EmptyResponse, lambda r: None)


def limit_body(contracts_limit: Limit) -> UpdateOrderGroupLimitRequest:
    return UpdateOrderGroupLimitRequest(contracts_limit_fp=_limit_fp(contracts_limit))


class OrderGroups(SyncResource):
    """``client.order_groups``: create, read, reset, trigger, re-limit and delete groups. Each
    method takes ``subaccount`` (0 primary, 1-63); a group lives in the one it was made in."""

    def create(
        self, *, contracts_limit: Limit | None = None, subaccount: int | None = None,
        dry_run: bool = False,
    ) -> str | DryRun:  # fmt: skip
        """A new group; returns its ``order_group_id`` (pass it to ``orders.create``)."""
        return self._write(create_call(contracts_limit, subaccount), dry_run)

    def get(self, order_group_id: str, *, subaccount: int | None = None) -> OrderGroupResponse:
        """The group's settings and the ids of its orders."""
        return self._client.call(get_call(order_group_id, subaccount))

    def list(self, *, subaccount: int | None = None) -> builtins.list[OrderGroup]:
        return self._client.call(list_call(subaccount))

    def delete(
        self, order_group_id: str, *, subaccount: int | None = None, dry_run: bool = False
    ) -> DryRun | None:
        """Delete the group; its orders are canceled."""
        call = change_call("order_groups.delete", order_group_id, None, subaccount)
        return self._write(call, dry_run)

    def reset(
        self, order_group_id: str, *, subaccount: int | None = None, dry_run: bool = False
    ) -> DryRun | None:
        """Clear the fill window and let the group take orders again after a breach."""
        call = change_call("order_groups.reset", order_group_id, {}, subaccount)
        return self._write(call, dry_run)

    def trigger(
        self, order_group_id: str, *, subaccount: int | None = None, dry_run: bool = False
    ) -> DryRun | None:
        """Cancel the group's orders now and block it until ``reset``."""
        call = change_call("order_groups.trigger", order_group_id, {}, subaccount)
        return self._write(call, dry_run)

    def set_limit(
        self, order_group_id: str, contracts_limit: Limit, *, subaccount: int | None = None,
        dry_run: bool = False,
    ) -> DryRun | None:  # fmt: skip
        body = limit_body(contracts_limit)
        call = change_call("order_groups.set_limit", order_group_id, body, subaccount)
        return self._write(call, dry_run)

    def _write(self, call: Call[Any, T], dry_run: bool) -> T | DryRun:
        if dry_run:
            return DryRun.of(call.request, self._client.base_url)
        return self._client.call(call)


class AsyncOrderGroups(AsyncResource):
    """``client.order_groups`` on the async client: the same methods, awaited."""

    async def create(
        self, *, contracts_limit: Limit | None = None, subaccount: int | None = None,
        dry_run: bool = False,
    ) -> str | DryRun:  # fmt: skip
        return await self._write(create_call(contracts_limit, subaccount), dry_run)

    async def get(
        self, order_group_id: str, *, subaccount: int | None = None
    ) -> OrderGroupResponse:
        return await self._client.call(get_call(order_group_id, subaccount))

    async def list(self, *, subaccount: int | None = None) -> builtins.list[OrderGroup]:
        return await self._client.call(list_call(subaccount))

    async def delete(
        self, order_group_id: str, *, subaccount: int | None = None, dry_run: bool = False
    ) -> DryRun | None:
        call = change_call("order_groups.delete", order_group_id, None, subaccount)
        return await self._write(call, dry_run)

    async def reset(
        self, order_group_id: str, *, subaccount: int | None = None, dry_run: bool = False
    ) -> DryRun | None:
        call = change_call("order_groups.reset", order_group_id, {}, subaccount)
        return await self._write(call, dry_run)

    async def trigger(
        self, order_group_id: str, *, subaccount: int | None = None, dry_run: bool = False
    ) -> DryRun | None:
        call = change_call("order_groups.trigger", order_group_id, {}, subaccount)
        return await self._write(call, dry_run)

    async def set_limit(
        self, order_group_id: str, contracts_limit: Limit, *, subaccount: int | None = None,
        dry_run: bool = False,
    ) -> DryRun | None:  # fmt: skip
        body = limit_body(contracts_limit)
        call = change_call("order_groups.set_limit", order_group_id, body, subaccount)
        return await self._write(call, dry_run)

    async def _write(self, call: Call[Any, T], dry_run: bool) -> T | DryRun:
        if dry_run:
            return DryRun.of(call.request, self._client.base_url)
        return await self._client.call(call)
