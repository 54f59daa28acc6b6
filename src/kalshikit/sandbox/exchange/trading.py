"""Order entry: create (single and batched), cancel, amend and decrease, with V2 semantics.

No I/O here. Each command checks everything first and raises ``ExchangeError`` before any change
(kalshi-rest.md 2.4 and 3.10; the exchange contract lists the checks), passes its commit point,
then lets the engine match and ``_core`` apply what happened. Acks are the slim current shapes.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass

from kalshikit.fees import fee_bound
from kalshikit.models import (
    AmendOrderAck,
    AmendOrderV2Request,
    BatchCancelItem,
    BatchCreateItem,
    CancelOrderAck,
    CreateOrderAck,
    CreateOrderV2Request,
    DecreaseOrderAck,
    DecreaseOrderV2Request,
    ErrorResponse,
)
from kalshikit.netting import standalone_cost, unit_cost
from kalshikit.sandbox import engine as eng
from kalshikit.sandbox.exchange.accounts import Account
from kalshikit.sandbox.exchange.core import Batch
from kalshikit.sandbox.exchange.errors import ExchangeError, bad_request, conflict, not_found
from kalshikit.sandbox.exchange.fcm_risk import FcmRiskMixin
from kalshikit.sandbox.exchange.lifecycle import MarketState
from kalshikit.sandbox.exchange.orders import OrderRecord
from kalshikit.sandbox.exchange.render import money
from kalshikit.sandbox.exchange.requests import (
    SHARD_ZERO,
    OrderSpec,
    WriteRoute,
    check_routing,
    parse_count,
    parse_create,
    parse_decrease,
    parse_expiration,
    parse_price,
    parse_side,
)
from kalshikit.sandbox.exchange.subaccounts import SubaccountsMixin, owner_of
from kalshikit.units import centi_to_fp

__all__ = ["TradingMixin"]

_ENGINE_REFUSALS = {
    "post_only_cross": "a post_only order may not cross the book: it would trade at once",
    "fill_or_kill_insufficient": "fill_or_kill: not enough size at this price to fill it all",
}


def _rounded(numerator: int, denominator: int) -> int:
    return (2 * numerator + denominator) // (2 * denominator)


def _averages(order: OrderRecord) -> tuple[str | None, str | None]:
    """Average YES fill price and average fee per contract, in dollars (None before a fill)."""
    if not order.filled:
        return None, None
    # fill_value is ticks x centi = micro-dollars; x100 / centi = micro-dollars per contract
    price = _rounded(order.fill_value * 100, order.filled)
    fee = _rounded((order.taker_fees + order.maker_fees) * 100, order.filled)
    return money(price), money(fee)


@dataclass(frozen=True, slots=True)
class _Placement:
    """A new order that passed every check: what placing it needs."""

    account: Account
    state: MarketState
    spec: OrderSpec
    size: int


class TradingMixin(SubaccountsMixin, FcmRiskMixin):
    """The order-entry writes of the exchange."""

    # ------------------------------------------------------------------ create

    def create_order(self, user: str, req: CreateOrderV2Request) -> CreateOrderAck:
        batch = self._begin()
        placement = self._check_place(user, req, batch.now)
        self._commit_point()
        order = self._place(placement, batch)
        self._finish(batch)
        price, fee = _averages(order)
        return CreateOrderAck(
            order_id=order.order_id, client_order_id=order.client_order_id,
            fill_count=centi_to_fp(order.filled), remaining_count=centi_to_fp(order.remaining),
            average_fill_price=price, average_fee_paid=fee, ts_ms=batch.now,
        )  # fmt: skip

    def batch_create(
        self, user: str, reqs: Sequence[CreateOrderV2Request]
    ) -> list[BatchCreateItem]:
        """Each order on its own: a refused one gets an ``error`` item, the others proceed."""
        batch = self._begin()
        self._account(user)
        self._commit_point()  # from here each order is placed or refused on its own
        items: list[BatchCreateItem] = []
        for req in reqs:
            try:
                order = self._place(self._check_place(user, req, batch.now), batch)
            except ExchangeError as exc:
                error = ErrorResponse(code=exc.code, message=exc.message)
                items.append(BatchCreateItem(client_order_id=req.client_order_id, error=error))
                continue
            # later orders of the batch must see the collateral this one took
            self._settle_collateral(batch)
            price, fee = _averages(order)
            items.append(
                BatchCreateItem(
                    order_id=order.order_id, client_order_id=order.client_order_id,
                    fill_count=centi_to_fp(order.filled),
                    remaining_count=centi_to_fp(order.remaining), average_fill_price=price,
                    average_fee_paid=fee, ts_ms=batch.now,
                )
            )  # fmt: skip
        self._finish(batch)
        return items

    def _check_place(self, user: str, req: CreateOrderV2Request, now: int) -> _Placement:
        """Every check of a new order, the engine's included; raises before any change."""
        account = self._sub_account(user, req.subaccount)
        state = self._market_state(req.ticker)
        check_routing(req.exchange_index, state.market.exchange_index or 0)
        self._check_tradeable(state)
        spec = parse_create(req, state.grid, now)
        self._check_client_id(account, spec.client_order_id)
        self._check_group(account, spec.order_group_id)
        size = self._reduce_only_size(account, state, spec) if spec.reduce_only else spec.size
        self._check_collateral(account, state, spec, size)
        self._check_fcm_limits(account, state, spec, size)
        refusal = self.engine.refusal(
            state.ticker, self._engine_request("", owner_of(account.user_id), spec, size), now
        )
        if refusal is not None:
            code, reason = refusal
            message = _ENGINE_REFUSALS.get(code, reason)
            raise bad_request(code if code in _ENGINE_REFUSALS else "invalid_order", message)
        return _Placement(account, state, spec, size)

    def _place(self, placement: _Placement, batch: Batch) -> OrderRecord:
        account, state, spec = placement.account, placement.state, placement.spec
        order = self._new_order(account, state, spec, placement.size, batch.now)
        request = self._engine_request(order.order_id, owner_of(order.user_id), spec, order.initial)
        events = self.engine.submit(state.ticker, request, batch.now)
        if events and isinstance(events[-1], eng.Rejected):  # _check_place asked the engine
            raise RuntimeError(f"the engine refused a checked order: {events[-1]}")
        self._register(order, account, batch)
        self._apply(events, batch)
        return order

    def _new_order(
        self, account: Account, state: MarketState, spec: OrderSpec, size: int, now: int
    ) -> OrderRecord:
        return OrderRecord(
            order_id=self._new_id(),
            user_id=account.user_id,
            ticker=state.ticker,
            event_ticker=state.event_ticker,
            side=spec.side,
            price=spec.price,
            initial=size,
            client_order_id=spec.client_order_id,
            time_in_force=spec.time_in_force,
            self_trade_prevention=spec.self_trade_prevention,
            created_ms=now,
            expiration_ms=spec.expiration_ms,
            order_group_id=spec.order_group_id,
            post_only=spec.post_only,
            cancel_on_pause=spec.cancel_on_pause,
            remaining=size,
            updated_ms=now,
        )

    @staticmethod
    def _engine_request(order_id: str, owner: str, spec: OrderSpec, size: int) -> eng.OrderRequest:
        # expirations stay with the exchange (it can amend them); the engine never sees one
        return eng.OrderRequest(
            order_id=order_id,
            owner=owner,
            side=spec.side,
            price=spec.price,
            size=size,
            time_in_force=spec.time_in_force,
            post_only=spec.post_only,
            reduce_only=spec.reduce_only,
            self_trade_prevention=spec.self_trade_prevention,
            client_order_id=spec.client_order_id,
            expiration_ms=None,
            order_group_id=spec.order_group_id,
        )

    def _check_client_id(self, account: Account, client_order_id: str | None) -> None:
        if client_order_id and client_order_id in account.open_client_ids:
            raise conflict(
                "duplicate_client_order_id",
                f"client_order_id {client_order_id!r} is already used by a resting order "
                f"({account.open_client_ids[client_order_id]}); use a new one per order",
            )

    def _check_group(self, account: Account, group_id: str | None) -> None:
        if group_id is None:
            return
        group = account.groups.get(group_id)
        if group is None:
            raise not_found("order_group_not_found", f"no order group {group_id!r}")
        if group.blocked:
            raise bad_request(
                "order_group_limit_hit",
                f"order group {group_id} hit its limit or was triggered; reset it first",
            )

    @staticmethod
    def _reduce_only_size(account: Account, state: MarketState, spec: OrderSpec) -> int:
        """A reduce-only order is cut down to the position it can close."""
        position = account.position_size(state.ticker)
        reducible = position if spec.side == "ask" else -position
        if reducible <= 0:
            raise bad_request(
                "invalid_order",
                "reduce_only: there is no position this order would reduce "
                "(an ask reduces YES, a bid reduces NO)",
            )
        return min(spec.size, reducible)

    def _check_collateral(
        self, account: Account, state: MarketState, spec: OrderSpec, size: int
    ) -> None:
        """The new order's own cost, less the position it can close that earlier resting
        orders have not claimed, plus taker fees if it can trade now."""
        covered = min(size, account.coverage_left(state.ticker, spec.side))
        need = standalone_cost(spec.side, spec.price, size, state.fees.maker)
        need -= covered * unit_cost(spec.side, spec.price)
        fees = self._taker_fee_bound(state, spec.side, spec.price, size, 0, 0)
        self._require_cash(account, self._exchange_index(state.ticker), need + fees)

    def _taker_fee_bound(
        self, state: MarketState, side: str, price: int, size: int, accrued: int, charged: int
    ) -> int:
        """Taker fees are paid at once, so an order that can trade now needs them in cash."""
        crosses = 0 < state.best_ask <= price if side == "bid" else state.best_bid >= price > 0
        if not crosses:
            return 0
        return fee_bound(state.fees.taker, size, price, side, accrued, charged)

    @staticmethod
    def _require_cash(account: Account, shard: int, needed: int) -> None:
        """Collateral is checked per shard: only free cash on the market's shard counts."""
        free = account.free(shard)
        if needed <= free:
            return
        elsewhere = account.total_free - free
        fix = "deposit more or trade smaller"
        if elsewhere >= needed - free:
            fix = f"move money to shard {shard} (kalshi transfer shard) or trade smaller"
        raise bad_request(
            "insufficient_balance",
            f"this needs ${money(needed)} of collateral and fees but the available balance on "
            f"shard {shard} is ${money(free)}; {fix}",
        )

    # ------------------------------------------------------------------ cancel

    def _resting_order(self, account: Account, order_id: str) -> OrderRecord:
        order = account.order_index.get(order_id)
        if order is None:
            raise not_found("order_not_found", f"no order {order_id!r} for this user")
        if order.status != "resting":
            raise not_found(
                "order_not_found",
                f"order {order_id} is {order.status}; only resting orders can change",
            )
        return order

    def _routed_order(self, account: Account, order_id: str, route: WriteRoute) -> OrderRecord:
        """The resting order a cancel or decrease reaches. Kalshi routes these by market_ticker,
        else to the exchange_index given, else to shard 0 (kalshi-rest.md 5.5): an order on
        another shard is not found there."""
        order = self._resting_order(account, order_id)
        if route.market_ticker and route.market_ticker != order.ticker:
            raise not_found("order_not_found", f"order {order_id} is not on {route.market_ticker}")
        shard = self._exchange_index(order.ticker)
        if route.shard(shard) != shard:
            raise not_found(
                "order_not_found",
                f"no order {order_id} on exchange_index {route.shard(shard)}; it rests on "
                f"shard {shard}: send its market_ticker so the request is routed there",
            )
        return order

    def cancel_order(
        self, user: str, order_id: str, route: WriteRoute = SHARD_ZERO
    ) -> CancelOrderAck:
        batch = self._begin()
        order = self._routed_order(self._account(user), order_id, route)
        reduced = order.remaining
        self._commit_point()
        self._apply(self.engine.cancel(order_id, reason="user"), batch)
        self._finish(batch)
        return CancelOrderAck(
            order_id=order_id, client_order_id=order.client_order_id,
            reduced_by=centi_to_fp(reduced), ts_ms=batch.now,
        )  # fmt: skip

    def batch_cancel(
        self, user: str, order_ids: Sequence[str], routes: Sequence[WriteRoute] | None = None
    ) -> list[BatchCancelItem]:
        """Each order on its own; ``routes`` (one per id) say where each cancel goes."""
        batch = self._begin()
        account = self._account(user)
        if routes is not None and len(routes) != len(order_ids):
            raise ValueError(f"{len(routes)} routes for {len(order_ids)} orders: one per order")
        self._commit_point()  # from here each cancel is made or refused on its own
        items: list[BatchCancelItem] = []
        for order_id, route in zip(order_ids, routes or [SHARD_ZERO] * len(order_ids), strict=True):
            try:
                order = self._routed_order(account, order_id, route)
            except ExchangeError as exc:
                error = ErrorResponse(code=exc.code, message=exc.message)
                items.append(BatchCancelItem(order_id=order_id, error=error))
                continue
            reduced = order.remaining
            self._apply(self.engine.cancel(order_id, reason="user"), batch)
            items.append(
                BatchCancelItem(
                    order_id=order_id, client_order_id=order.client_order_id,
                    reduced_by=centi_to_fp(reduced), ts_ms=batch.now,
                )
            )  # fmt: skip
        self._finish(batch)
        return items

    def cancel_all(self, user: str) -> int:
        """Cancel every resting order of ``user``; returns how many."""
        batch = self._begin()
        account = self._account(user)
        self._commit_point()
        order_ids = [o for book in account.resting.values() for o in book]
        for order_id in order_ids:
            self._apply(self.engine.cancel(order_id, reason="user"), batch)
        self._finish(batch)
        return len(order_ids)

    # ------------------------------------------------------------------ amend / decrease

    def amend_order(self, user: str, order_id: str, req: AmendOrderV2Request) -> AmendOrderAck:
        """New price and/or total size (filled + wanted remaining) and/or expiration."""
        batch = self._begin()
        account = self._account(user)
        order = self._resting_order(account, order_id)
        state = self._check_amend_target(order, req)
        price = parse_price(req.price, state.grid)
        total = parse_count(req.count)
        if total <= order.filled:
            raise bad_request(
                "invalid_count",
                f"count is the new total size (filled + remaining) and must exceed the "
                f"{centi_to_fp(order.filled)} already filled",
            )
        client_id = self._amended_client_id(account, order, req)
        expiration = self._amended_expiration(order, req.expiration_time, batch.now)
        self._check_amend_collateral(account, state, order, price, total - order.filled)
        refusal = self.engine.amend_refusal(order_id, price=price, size=total)
        if refusal is not None:
            raise bad_request(*refusal)
        self._commit_point()
        events = self.engine.amend(order_id, price=price, size=total, now_ms=batch.now)
        self._apply_amend(account, order, client_id, expiration, total, batch)
        self._apply(events, batch)
        self._finish(batch)
        price_text, fee_text = _averages(order)
        return AmendOrderAck(
            order_id=order_id, client_order_id=order.client_order_id,
            remaining_count=centi_to_fp(order.remaining), fill_count=centi_to_fp(order.filled),
            average_fill_price=price_text, average_fee_paid=fee_text, ts_ms=batch.now,
        )  # fmt: skip

    def _check_amend_target(self, order: OrderRecord, req: AmendOrderV2Request) -> MarketState:
        if req.ticker != order.ticker or parse_side(req.side) != order.side:
            raise bad_request(
                "invalid_order",
                f"order {order.order_id} is a {order.side} on {order.ticker}; an amend cannot "
                f"change the market or the side (got {req.side} on {req.ticker})",
            )
        state = self._market_state(order.ticker)
        self._check_tradeable(state)
        return state

    def _amended_client_id(
        self, account: Account, order: OrderRecord, req: AmendOrderV2Request
    ) -> str | None:
        if req.client_order_id and req.client_order_id != order.client_order_id:
            raise bad_request(
                "invalid_order",
                f"client_order_id {req.client_order_id!r} is not this order's "
                f"({order.client_order_id!r}); pass the new one as updated_client_order_id",
            )
        wanted = req.updated_client_order_id or order.client_order_id
        if wanted != order.client_order_id:
            self._check_client_id(account, wanted)
        return wanted

    @staticmethod
    def _amended_expiration(order: OrderRecord, seconds: int | None, now: int) -> int | None:
        """Omitted keeps the expiration, 0 clears it, a future time replaces it."""
        if seconds is None:
            return order.expiration_ms
        if seconds == 0:
            return None
        if order.time_in_force != "good_till_canceled":
            raise bad_request("invalid_order", "only good_till_canceled orders can expire")
        return parse_expiration(seconds, now)

    def _check_amend_collateral(
        self, account: Account, state: MarketState, order: OrderRecord, price: int, remaining: int
    ) -> None:
        ticker, maker = state.ticker, state.fees.maker
        new_cost = standalone_cost(
            order.side, price, remaining, maker, order.maker_accrued, order.maker_fees
        )
        need = account.collateral_need(ticker, order, price, remaining) - order.cost + new_cost
        fees = 0
        if price != order.price or remaining > order.remaining:  # it re-queues and may trade
            fees = self._taker_fee_bound(
                state, order.side, price, remaining, order.taker_accrued, order.taker_fees
            )
        self._require_cash(
            account, self._exchange_index(ticker), need - account.held.get(ticker, 0) + fees
        )

    def _apply_amend(
        self, account: Account, order: OrderRecord, client_id: str | None,
        expiration: int | None, total: int, batch: Batch,
    ) -> None:  # fmt: skip
        if client_id != order.client_order_id:
            old = order.client_order_id
            if old and account.open_client_ids.get(old) == order.order_id:
                del account.open_client_ids[old]
            order.client_order_id = client_id
            if client_id:
                account.open_client_ids[client_id] = order.order_id
        if expiration != order.expiration_ms:
            order.expiration_ms = expiration
            if expiration is not None:
                heapq.heappush(self._expiries, (expiration, order.order_id))
        order.initial = total
        order.updated_ms = batch.now
        batch.touch(order, "amended")

    def decrease_order(
        self, user: str, order_id: str, req: DecreaseOrderV2Request
    ) -> DecreaseOrderAck:
        """Shrink a resting order in place (it keeps its queue place); to 0 cancels it."""
        batch = self._begin()
        route = WriteRoute(req.market_ticker, req.exchange_index)
        order = self._routed_order(self._account(user), order_id, route)
        reduce_by, reduce_to = parse_decrease(req)
        if reduce_to is not None and reduce_to >= order.remaining:
            raise bad_request(
                "invalid_count",
                f"reduce_to must be below the {centi_to_fp(order.remaining)} resting",
            )
        self._commit_point()
        events = self.engine.decrease(order_id, reduce_by=reduce_by, reduce_to=reduce_to)
        self._apply(events, batch)
        self._finish(batch)
        return DecreaseOrderAck(
            order_id=order_id, client_order_id=order.client_order_id,
            remaining_count=centi_to_fp(order.remaining), ts_ms=batch.now,
        )  # fmt: skip
