"""``client.orders``: place, change, cancel and read orders, exactly once, on both clients.

The checks and decisions live in ``orders_core`` (no I/O); this module adds the three things
that need the exchange: the market's tick grid (read once per ticker and cached on the client),
the send, and the lookup by client_order_id that settles a create whose outcome is unknown
before it is ever sent again. Only creates are retried, and only after that lookup; amend,
decrease and cancel are sent once (the core never retries a write).
"""

from __future__ import annotations

import builtins
import time
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from kalshikit.errors import APIResponseError, ValidationError
from kalshikit.http import _pager
from kalshikit.http import exactly_once as once
from kalshikit.http import orders_core as core
from kalshikit.http import param_checks as check
from kalshikit.http._core import Call, PreparedRequest, prepare
from kalshikit.http.exactly_once import Failed, Flow
from kalshikit.http.orders_core import (
    BatchItemResult,
    DryRun,
    OrderResult,
    OrderSpec,
    SelfTradePrevention,
    TimeInForce,
)
from kalshikit.http.resources._base import (
    AsyncResource,
    ClientSettings,
    SyncResource,
)
from kalshikit.http.resources.flow_drivers import arun_flow, run_flow
from kalshikit.http.resources.markets import market_call
from kalshikit.journal import intent_of
from kalshikit.models import (
    AmendOrderAck,
    BatchCancelItem,
    CancelOrderAck,
    CreateOrderV2Request,
    DecreaseOrderAck,
    Order,
    OrderQueuePosition,
    OrderResponse,
    OrdersPage,
    QueuePositionResponse,
    QueuePositionsResponse,
)
from kalshikit.models.base import contracts_of
from kalshikit.units import Action, Contracts, PriceGrid, Side

__all__ = ["AsyncOrders", "Orders"]

T = TypeVar("T")
Count = int | str | Decimal
Timestamp = int | datetime | None
ORDER_STATUSES = ("resting", "canceled", "executed")


# --- call builders (no I/O) ---------------------------------------------------------------------


def get_call(order_id: str) -> Call[OrderResponse, Order]:
    return Call(
        prepare("orders.get", path={"order_id": order_id}), OrderResponse, lambda r: r.order
    )


def queue_position_call(order_id: str) -> Call[QueuePositionResponse, Contracts]:
    req = prepare("orders.queue_position", path={"order_id": order_id})
    return Call(req, QueuePositionResponse, _contracts_ahead)


def _contracts_ahead(answer: QueuePositionResponse) -> Contracts:
    ahead = contracts_of(answer.queue_position_fp, answer.queue_position_int)
    if ahead is None:
        raise APIResponseError("the queue position answer holds no queue_position_fp")
    return ahead


def queue_positions_call(
    market_tickers: str | Sequence[str] | None, event_ticker: str | None,
    subaccount: int | None = None,
) -> Call[QueuePositionsResponse, builtins.list[OrderQueuePosition]]:  # fmt: skip
    params = {
        "market_tickers": check.tickers(market_tickers, "market_tickers", 100),
        "event_ticker": event_ticker,
        "subaccount": core.subaccount_arg(subaccount),
    }
    req = prepare("orders.queue_positions", params=params)
    return Call(req, QueuePositionsResponse, lambda r: r.queue_positions)


def list_params(
    ticker: str | None,
    event_ticker: str | Sequence[str] | None,
    status: str | None,
    min_ts: Timestamp,
    max_ts: Timestamp,
    page_size: int,
    subaccount: int | None = None,
    exchange_index: int | None = None,
) -> dict[str, object]:
    """``subaccount`` None: every subaccount's orders (the endpoint's default)."""
    if status is not None and status not in ORDER_STATUSES:
        raise ValidationError(f"status must be resting, canceled or executed; got {status!r}")
    return {
        "ticker": ticker,
        "event_ticker": check.tickers(event_ticker, "event_ticker", 10),
        "status": status,
        "min_ts": check.timestamp(min_ts, "min_ts"),
        "max_ts": check.timestamp(max_ts, "max_ts"),
        "limit": page_size,
        "subaccount": core.subaccount_arg(subaccount),
        "exchange_index": check.in_range(exchange_index, "exchange_index", 0, 100),
    }


def cancel_all_request(subaccount: int | None) -> PreparedRequest:
    """``subaccount`` None: every subaccount's resting orders (the endpoint's default)."""
    return prepare("orders.cancel_all", params={"subaccount": core.subaccount_arg(subaccount)})


def find_flow(ticker: str, client_order_id: str, since: Timestamp) -> Flow[dict[str, Order]]:
    # a plain function, so a bad ``since`` is refused here, before anything is sent
    return once.scan_flow(ticker, {client_order_id: None}, check.timestamp(since, "since"))


# --- journal hooks (the journal is local SQLite: quick, and the same for both clients) ----------


def journal_pending(client: ClientSettings, spec: OrderSpec, request: CreateOrderV2Request) -> None:
    """Record the intent before it is sent, so a crash mid-send leaves a trace to reconcile."""
    if client.journal is not None:
        env, url = client.config.environment.value, client.base_url
        client.journal.record(request, intent=intent_of(spec), env=env, base_url=url)


def journal_outcome(
    client: ClientSettings,
    request: CreateOrderV2Request,
    outcome: OrderResult | BatchItemResult | Failed,
) -> None:
    if client.journal is not None and request.client_order_id:
        client.journal.mark_outcome(request.client_order_id, outcome)


def finish_create(
    client: ClientSettings, request: CreateOrderV2Request, outcome: OrderResult | Failed
) -> OrderResult:
    journal_outcome(client, request, outcome)
    if isinstance(outcome, Failed):
        raise outcome.exception() from outcome.cause
    return outcome


def finish_batch(
    client: ClientSettings, requests: Sequence[CreateOrderV2Request], outcome: once.BatchOutcome
) -> builtins.list[BatchItemResult]:
    """Journal each order of a batch; the results in request order, or the failure raised."""
    results, failed = outcome
    for request in requests:
        done = results.get(request.client_order_id or "")
        journal_outcome(client, request, done if done is not None else failed or _unanswered())
    if failed is not None:
        raise failed.exception() from failed.cause
    return [results[r.client_order_id or ""] for r in requests]


def _unanswered() -> Failed:
    return Failed(APIResponseError("the batch answer left this order out"), "unknown")


def _dry(client: ClientSettings, request: PreparedRequest) -> DryRun:
    return DryRun.of(request, client.base_url)


# --- the resources ------------------------------------------------------------------------------


class Orders(SyncResource):
    """``client.orders``: intent in (yes/no, buy/sell, your side's price), V2 on the wire."""

    def create(
        self,
        ticker: str,
        *,
        side: Side,
        action: Action,
        count: Count,
        price_cents: int | None = None,
        price_dollars: str | Decimal | None = None,
        time_in_force: TimeInForce = "good_till_canceled",
        post_only: bool | None = None,
        reduce_only: bool | None = None,
        expiration: Timestamp = None,
        self_trade_prevention: SelfTradePrevention = "taker_at_cross",
        order_group_id: str | None = None,
        cancel_order_on_pause: bool | None = None,
        client_order_id: str | None = None,
        subaccount: int | None = None,
        dry_run: bool = False,
    ) -> OrderResult | DryRun:
        """Place one limit order, exactly once. Buy NO at $0.40 rests as a YES ask at $0.60."""
        spec = OrderSpec(
            ticker, side=side, action=action, count=count, price_cents=price_cents,
            price_dollars=price_dollars, time_in_force=time_in_force, post_only=post_only,
            reduce_only=reduce_only, expiration=expiration,
            self_trade_prevention=self_trade_prevention, order_group_id=order_group_id,
            cancel_order_on_pause=cancel_order_on_pause, client_order_id=client_order_id,
            subaccount=subaccount,
        )  # fmt: skip
        request = self._request(core.check_order(spec, time.time()))
        if dry_run:
            return _dry(self._client, once.create_prepared(request))
        journal_pending(self._client, spec, request)
        client = self._client
        flow = once.create_flow(request, client.retry_policy, client.base_url)
        return finish_create(client, request, run_flow(client, flow))

    def create_batch(
        self, orders: Sequence[OrderSpec], *, dry_run: bool = False
    ) -> builtins.list[BatchItemResult] | DryRun:
        """Place several orders in one request; each is placed or refused on its own."""
        checked = core.checked_batch(orders, time.time())
        requests = [self._request(one) for one in checked]
        if dry_run:
            return _dry(self._client, once.batch_prepared(requests))
        for spec, request in zip(orders, requests, strict=True):
            journal_pending(self._client, spec, request)
        client = self._client
        flow = once.batch_flow(requests, client.retry_policy, client.base_url)
        return finish_batch(client, requests, run_flow(client, flow))

    def cancel(
        self,
        order_id: str,
        *,
        market_ticker: str | None = None,
        exchange_index: int | None = None,
        subaccount: int | None = None,
        dry_run: bool = False,
    ) -> CancelOrderAck | DryRun:
        """Cancel one resting order. Cancels reach the shard of ``market_ticker`` (else shard
        0), so without it the order is read first to learn its market."""
        target = self._target(order_id, market_ticker, exchange_index, subaccount)
        return self._write(core.cancel_call(target), dry_run)

    def cancel_batch(
        self, orders: Sequence[str | Order], *, dry_run: bool = False
    ) -> builtins.list[BatchCancelItem] | DryRun:
        """Cancel several orders, each routed to its market's shard: an ``Order`` (from
        ``list``) carries its market; a bare id is read first to learn it."""
        targets = [self._target(item) for item in core.batch_cancel_ids(orders)]
        return self._write(core.cancel_batch_call(targets), dry_run)

    def cancel_all(self, *, subaccount: int | None = None, dry_run: bool = False) -> DryRun | None:
        """Cancel every resting order, of every subaccount unless ``subaccount`` is given (the
        exchange answers 204: nothing to read)."""
        request = cancel_all_request(subaccount)
        if dry_run:
            return _dry(self._client, request)
        self._client.send(request)
        return None

    def amend(
        self,
        order_id: str,
        *,
        ticker: str,
        side: Side,
        action: Action,
        count: Count,
        price_cents: int | None = None,
        price_dollars: str | Decimal | None = None,
        expiration: Timestamp = None,
        client_order_id: str | None = None,
        updated_client_order_id: str | None = None,
        subaccount: int | None = None,
        dry_run: bool = False,
    ) -> AmendOrderAck | DryRun:
        """New price and/or total size (filled + wanted remaining), in the same intent words."""
        intent = core.priced_intent(ticker, side, action, count, price_cents, price_dollars)
        call = core.amend_call(
            order_id,
            intent,
            expiration,
            client_order_id,
            updated_client_order_id,
            time.time(),
            subaccount,
        )
        core.check_on_grid(intent, self._grid(intent.ticker))
        return self._write(call, dry_run)

    def decrease(
        self,
        order_id: str,
        *,
        reduce_by: Count | None = None,
        reduce_to: Count | None = None,
        market_ticker: str | None = None,
        exchange_index: int | None = None,
        subaccount: int | None = None,
        dry_run: bool = False,
    ) -> DecreaseOrderAck | DryRun:
        """Shrink a resting order in place (it keeps its queue position); routed as ``cancel``."""
        amounts = core.decrease_amounts(reduce_by, reduce_to)
        target = self._target(order_id, market_ticker, exchange_index, subaccount)
        return self._write(core.decrease_call(target, amounts), dry_run)

    def get(self, order_id: str) -> Order:
        return self._client.call(get_call(order_id))

    def find(self, ticker: str, client_order_id: str, *, since: Timestamp = None) -> Order | None:
        """The order with this client_order_id on ``ticker``, if any: every order created since
        ``since`` is read (default: all of them), so None means it is not there."""
        flow = find_flow(ticker, client_order_id, since)
        return run_flow(self._client, flow).get(client_order_id)

    def list(
        self,
        *,
        ticker: str | None = None,
        event_ticker: str | Sequence[str] | None = None,
        status: str | None = None,
        min_ts: Timestamp = None,
        max_ts: Timestamp = None,
        subaccount: int | None = None,
        exchange_index: int | None = None,
        page_size: int = 1000,
        max_pages: int | None = None,
    ) -> _pager.SyncPager[OrdersPage, Order]:
        """Your orders, newest first, fetched lazily page by page."""
        params = list_params(
            ticker, event_ticker, status, min_ts, max_ts, page_size, subaccount, exchange_index
        )
        return self._pages("orders.list", OrdersPage, params, lambda p: p.orders, max_pages)

    def queue_position(self, order_id: str) -> Contracts:
        """Contracts resting ahead of the order at its price."""
        return self._client.call(queue_position_call(order_id))

    def queue_positions(
        self,
        *,
        market_tickers: str | Sequence[str] | None = None,
        event_ticker: str | None = None,
        subaccount: int | None = None,
    ) -> builtins.list[OrderQueuePosition]:
        return self._client.call(queue_positions_call(market_tickers, event_ticker, subaccount))

    def _write(self, call: Call[Any, T], dry_run: bool) -> T | DryRun:
        return _dry(self._client, call.request) if dry_run else self._client.call(call)

    def _target(
        self,
        order: str | Order,
        market_ticker: str | None = None,
        exchange_index: int | None = None,
        subaccount: int | None = None,
    ) -> core.OrderTarget:
        """Where a cancel or decrease goes; an order named by id alone is read for its market."""
        if isinstance(order, Order):
            return core.OrderTarget.of(order)
        given = core.given_target(order, market_ticker, exchange_index, subaccount)
        return given if given is not None else core.OrderTarget.of(self.get(order))

    def _grid(self, ticker: str) -> PriceGrid:
        """The market's tick grid, read once per ticker (an unknown ticker: NotFound)."""
        grids = self._client.price_grids
        if ticker not in grids:
            grids[ticker] = self._client.call(market_call(ticker)).grid
        return grids[ticker]

    def _request(self, checked: core.CheckedOrder) -> CreateOrderV2Request:
        return core.create_request(checked, self._grid(checked.intent.ticker))


class AsyncOrders(AsyncResource):
    """``client.orders`` on the async client: the same methods, awaited (``list`` is a pager)."""

    async def create(
        self,
        ticker: str,
        *,
        side: Side,
        action: Action,
        count: Count,
        price_cents: int | None = None,
        price_dollars: str | Decimal | None = None,
        time_in_force: TimeInForce = "good_till_canceled",
        post_only: bool | None = None,
        reduce_only: bool | None = None,
        expiration: Timestamp = None,
        self_trade_prevention: SelfTradePrevention = "taker_at_cross",
        order_group_id: str | None = None,
        cancel_order_on_pause: bool | None = None,
        client_order_id: str | None = None,
        subaccount: int | None = None,
        dry_run: bool = False,
    ) -> OrderResult | DryRun:
        spec = OrderSpec(
            ticker, side=side, action=action, count=count, price_cents=price_cents,
            price_dollars=price_dollars, time_in_force=time_in_force, post_only=post_only,
            reduce_only=reduce_only, expiration=expiration,
            self_trade_prevention=self_trade_prevention, order_group_id=order_group_id,
            cancel_order_on_pause=cancel_order_on_pause, client_order_id=client_order_id,
            subaccount=subaccount,
        )  # fmt: skip
        request = await self._request(core.check_order(spec, time.time()))
        if dry_run:
            return _dry(self._client, once.create_prepared(request))
        journal_pending(self._client, spec, request)
        client = self._client
        flow = once.create_flow(request, client.retry_policy, client.base_url)
        return finish_create(client, request, await arun_flow(client, flow))

    async def create_batch(
        self, orders: Sequence[OrderSpec], *, dry_run: bool = False
    ) -> builtins.list[BatchItemResult] | DryRun:
        requests = [
            await self._request(checked) for checked in core.checked_batch(orders, time.time())
        ]
        if dry_run:
            return _dry(self._client, once.batch_prepared(requests))
        for spec, request in zip(orders, requests, strict=True):
            journal_pending(self._client, spec, request)
        client = self._client
        flow = once.batch_flow(requests, client.retry_policy, client.base_url)
        return finish_batch(client, requests, await arun_flow(client, flow))

    async def cancel(
        self,
        order_id: str,
        *,
        market_ticker: str | None = None,
        exchange_index: int | None = None,
        subaccount: int | None = None,
        dry_run: bool = False,
    ) -> CancelOrderAck | DryRun:
        target = await self._target(order_id, market_ticker, exchange_index, subaccount)
        return await self._write(core.cancel_call(target), dry_run)

    async def cancel_batch(
        self, orders: Sequence[str | Order], *, dry_run: bool = False
    ) -> builtins.list[BatchCancelItem] | DryRun:
        targets = [await self._target(item) for item in core.batch_cancel_ids(orders)]
        return await self._write(core.cancel_batch_call(targets), dry_run)

    async def cancel_all(
        self, *, subaccount: int | None = None, dry_run: bool = False
    ) -> DryRun | None:
        request = cancel_all_request(subaccount)
        if dry_run:
            return _dry(self._client, request)
        await self._client.send(request)
        return None

    async def amend(
        self,
        order_id: str,
        *,
        ticker: str,
        side: Side,
        action: Action,
        count: Count,
        price_cents: int | None = None,
        price_dollars: str | Decimal | None = None,
        expiration: Timestamp = None,
        client_order_id: str | None = None,
        updated_client_order_id: str | None = None,
        subaccount: int | None = None,
        dry_run: bool = False,
    ) -> AmendOrderAck | DryRun:
        intent = core.priced_intent(ticker, side, action, count, price_cents, price_dollars)
        call = core.amend_call(
            order_id,
            intent,
            expiration,
            client_order_id,
            updated_client_order_id,
            time.time(),
            subaccount,
        )
        core.check_on_grid(intent, await self._grid(intent.ticker))
        return await self._write(call, dry_run)

    async def decrease(
        self,
        order_id: str,
        *,
        reduce_by: Count | None = None,
        reduce_to: Count | None = None,
        market_ticker: str | None = None,
        exchange_index: int | None = None,
        subaccount: int | None = None,
        dry_run: bool = False,
    ) -> DecreaseOrderAck | DryRun:
        amounts = core.decrease_amounts(reduce_by, reduce_to)
        target = await self._target(order_id, market_ticker, exchange_index, subaccount)
        return await self._write(core.decrease_call(target, amounts), dry_run)

    async def get(self, order_id: str) -> Order:
        return await self._client.call(get_call(order_id))

    async def find(
        self, ticker: str, client_order_id: str, *, since: Timestamp = None
    ) -> Order | None:
        flow = find_flow(ticker, client_order_id, since)
        return (await arun_flow(self._client, flow)).get(client_order_id)

    def list(
        self,
        *,
        ticker: str | None = None,
        event_ticker: str | Sequence[str] | None = None,
        status: str | None = None,
        min_ts: Timestamp = None,
        max_ts: Timestamp = None,
        subaccount: int | None = None,
        exchange_index: int | None = None,
        page_size: int = 1000,
        max_pages: int | None = None,
    ) -> _pager.AsyncPager[OrdersPage, Order]:
        params = list_params(
            ticker, event_ticker, status, min_ts, max_ts, page_size, subaccount, exchange_index
        )
        return self._pages("orders.list", OrdersPage, params, lambda p: p.orders, max_pages)

    async def queue_position(self, order_id: str) -> Contracts:
        return await self._client.call(queue_position_call(order_id))

    async def queue_positions(
        self,
        *,
        market_tickers: str | Sequence[str] | None = None,
        event_ticker: str | None = None,
        subaccount: int | None = None,
    ) -> builtins.list[OrderQueuePosition]:
        return await self._client.call(
            queue_positions_call(market_tickers, event_ticker, subaccount)
        )

    async def _write(self, call: Call[Any, T], dry_run: bool) -> T | DryRun:
        if dry_run:
            return _dry(self._client, call.request)
        return await self._client.call(call)

    async def _target(
        self,
        order: str | Order,
        market_ticker: str | None = None,
        exchange_index: int | None = None,
        subaccount: int | None = None,
    ) -> core.OrderTarget:
        if isinstance(order, Order):
            return core.OrderTarget.of(order)
        given = core.given_target(order, market_ticker, exchange_index, subaccount)
        return given if given is not None else core.OrderTarget.of(await self.get(order))

    async def _grid(self, ticker: str) -> PriceGrid:
        grids = self._client.price_grids
        if ticker not in grids:
            grids[ticker] = (await self._client.call(market_call(ticker))).grid
        return grids[ticker]

    async def _request(self, checked: core.CheckedOrder) -> CreateOrderV2Request:
        return core.create_request(checked, await self._grid(checked.intent.ticker))
