"""The exchange's non-order writes: users and keys, order groups, market lifecycle, pausing.

No I/O here. Users, keys and deposits are the sandbox's own admin surface (tests, the CLI, the
simulator); order groups follow kalshi-rest.md 2.5; ``advance``/``determine``/``settle`` move
markets through their lifecycle and pay winners $1 a contract.
"""

from __future__ import annotations

from typing import Literal

from kalshikit.auth import PublicKey, load_public_key
from kalshikit.errors import ValidationError
from kalshikit.fees import MICRO_PER_CENT
from kalshikit.models import CreateOrderGroupRequest, OrderGroup
from kalshikit.sandbox.exchange.accounts import Account, ApiKey
from kalshikit.sandbox.exchange.core import Batch
from kalshikit.sandbox.exchange.errors import bad_request, conflict, not_found
from kalshikit.sandbox.exchange.events import PositionChanged, TradingStatusChanged
from kalshikit.sandbox.exchange.lifecycle import TRADEABLE, MarketState
from kalshikit.sandbox.exchange.orders import OrderGroupState, SettlementRecord
from kalshikit.sandbox.exchange.render import render_group, render_position
from kalshikit.sandbox.exchange.requests import check_routing, parse_group_limit
from kalshikit.sandbox.exchange.subaccounts import SubaccountsMixin, check_shard
from kalshikit.units import TICKS_PER_DOLLAR

__all__ = ["AdminMixin"]


class AdminMixin(SubaccountsMixin):
    """Users, keys, order groups and lifecycle writes."""

    # ------------------------------------------------------------------ users and keys

    def create_user(self, *, balance_cents: int, user_id: str | None = None) -> str:
        """A new user with ``balance_cents`` of cash; returns its id (seeded uuid if not given)."""
        if isinstance(balance_cents, bool) or not isinstance(balance_cents, int):
            raise bad_request("invalid_parameters", "balance_cents must be an integer")
        if balance_cents < 0:
            raise bad_request("invalid_parameters", "balance_cents must not be negative")
        if user_id is not None and user_id in self._accounts:
            raise conflict("user_exists", f"user {user_id!r} already exists")
        if user_id == "" or (user_id and "#" in user_id):
            raise bad_request("invalid_parameters", "user_id must be non-empty, without '#'")
        self._commit_point()
        user_id = user_id or self._new_id()
        self._accounts[user_id] = Account(user_id, {0: balance_cents * MICRO_PER_CENT})
        self._deposited += balance_cents * MICRO_PER_CENT
        return user_id

    def add_api_key(self, user_id: str, public_key_pem: str, *, key_id: str | None = None) -> str:
        """Register a public key (RSA or Ed25519 PEM) for ``user_id``; returns the key id."""
        self._account(user_id)
        if key_id is not None and key_id in self._keys:
            raise conflict("api_key_exists", f"API key id {key_id!r} is already registered")
        try:
            public_key = load_public_key(public_key_pem)
        except ValidationError as exc:
            raise bad_request("invalid_parameters", str(exc)) from None
        self._commit_point()
        key_id = key_id or self._new_id()
        self._keys[key_id] = ApiKey(key_id, user_id, public_key, public_key_pem)
        return key_id

    def api_key_owner(self, key_id: str) -> tuple[str, PublicKey] | None:
        """(user id, public key) of a registered key id, for signature checks; else None."""
        key = self._keys.get(key_id)
        return None if key is None else (key.user_id, key.public_key)

    def deposit(self, user_id: str, cents: int) -> None:
        """Add (or, negative, withdraw) cash on shard 0, where Kalshi credits deposits; a
        withdrawal cannot exceed the free balance there."""
        self._fund(user_id, cents, 0)

    def deposit_to_shard(self, user_id: str, cents: int, exchange_index: int) -> None:
        """``deposit`` straight onto one shard: the sandbox's own traders (the house, the
        simulated ones) trade on every shard from their first moment."""
        self._fund(user_id, cents, check_shard(exchange_index))

    def _fund(self, user_id: str, cents: int, shard: int) -> None:
        account = self._account(user_id)
        if isinstance(cents, bool) or not isinstance(cents, int) or cents == 0:
            raise bad_request("invalid_parameters", "cents must be a non-zero integer")
        if account.free(shard) + cents * MICRO_PER_CENT < 0:
            raise bad_request(
                "insufficient_balance", f"cannot withdraw more than the free balance on {shard}"
            )
        self._commit_point()
        account.add_cash(shard, cents * MICRO_PER_CENT)
        self._deposited += cents * MICRO_PER_CENT

    # ------------------------------------------------------------------ order groups

    def create_order_group(self, user: str, req: CreateOrderGroupRequest) -> str:
        now = self._clock()
        account = self._sub_account(user, req.subaccount)
        check_routing(req.exchange_index, 0)
        limit = parse_group_limit(req.contracts_limit, req.contracts_limit_fp)
        self._commit_point()
        group = OrderGroupState(self._new_id(), account.user_id, limit, now)
        account.groups[group.group_id] = group
        self._emit_group(group, "created", now)
        return group.group_id

    def order_groups(self, user: str) -> list[OrderGroup]:
        return [render_group(g) for g in self._account(user).groups.values()]

    def order_group(self, user: str, group_id: str) -> tuple[OrderGroup, list[str]]:
        """The group and the ids of its resting orders."""
        group = self._group(user, group_id)
        return render_group(group), list(group.members)

    def _group(self, user: str, group_id: str) -> OrderGroupState:
        group = self._account(user).groups.get(group_id)
        if group is None:
            raise not_found("order_group_not_found", f"no order group {group_id!r}")
        return group

    def delete_order_group(self, user: str, group_id: str) -> None:
        """Cancel the group's resting orders and forget the group."""
        batch = self._begin()
        group = self._group(user, group_id)
        self._commit_point()
        self._trip_group(group, batch)
        del self._accounts[user].groups[group_id]
        self._finish(batch)
        self._emit_group(group, "deleted", batch.now)

    def reset_order_group(self, user: str, group_id: str) -> None:
        """Empty the 15 s window and accept orders again."""
        group = self._group(user, group_id)
        self._commit_point()
        group.reset()
        self._emit_group(group, "reset", self._clock())

    def trigger_order_group(self, user: str, group_id: str) -> None:
        """Cancel the group's resting orders and refuse new ones until reset."""
        batch = self._begin()
        group = self._group(user, group_id)
        self._commit_point()
        self._trip_group(group, batch)
        self._finish(batch)
        self._emit_group(group, "triggered", batch.now)

    def set_order_group_limit(self, user: str, group_id: str, limit_centi: int) -> None:
        group = self._group(user, group_id)
        if isinstance(limit_centi, bool) or not isinstance(limit_centi, int) or limit_centi < 1:
            raise bad_request("invalid_parameters", "the limit must be at least 0.01 contracts")
        self._commit_point()
        group.limit = limit_centi
        self._emit_group(group, "limit_updated", self._clock())

    # ------------------------------------------------------------------ lifecycle

    def advance(self) -> None:
        """Open markets whose open time passed, close those past close time (their resting
        orders are canceled and collateral released), expire GTC orders past expiration and
        forget records older than the live window (``_retention``)."""
        self._commit_point()
        self._advance(self._clock())

    def determine(self, ticker: str, result: Literal["yes", "no"]) -> None:
        """Set the result (closing the market first if it still trades)."""
        batch = self._begin()
        state = self._market_state(ticker)
        if result not in ("yes", "no"):
            raise bad_request("invalid_parameters", f"result must be 'yes' or 'no', not {result!r}")
        if state.status in ("determined", "finalized"):
            raise bad_request(
                "market_already_determined", f"market {ticker} is already {state.status}"
            )
        self._commit_point()
        if state.status in ("initialized", TRADEABLE):
            self._close_early(state, batch)
        state.status, state.result, state.determined_ms = "determined", result, batch.now
        value = TICKS_PER_DOLLAR if result == "yes" else 0
        self._lifecycle(state, "determined", batch.now, result=result, settlement_value=value)
        self._finish(batch)

    def _close_early(self, state: MarketState, batch: Batch) -> None:
        if batch.now < state.close_ms:
            state.close_ms, state.close_moved = batch.now, True
            self._lifecycle(state, "close_date_updated", batch.now, close_ms=batch.now)
        self._close_market(state, batch)

    def settle(self, ticker: str) -> None:
        """Pay $1 per winning contract, record a Settlement per holder, finalize the market."""
        batch = self._begin()
        state = self._market_state(ticker)
        if state.status != "determined":
            raise bad_request(
                "market_not_determined",
                f"market {ticker} is {state.status}; determine its result before settling",
            )
        self._commit_point()
        for account in self._accounts.values():
            self._settle_holder(account, state, batch.now)
        state.status, state.settled_ms, state.open_interest = "finalized", batch.now, 0
        batch.markets[ticker] = False
        self._lifecycle(state, "settled", batch.now)
        self._finish(batch)

    def _settle_holder(self, account: Account, state: MarketState, now: int) -> None:
        position = account.positions.get(state.ticker)
        if position is None or position.settled:
            return
        size, cost = position.size, position.cost
        payout = position.settle(state.result == "yes", now)
        account.add_cash(state.market.exchange_index or 0, payout)
        self._paid_out += payout
        if size == 0:
            return
        account.settlements.append(
            SettlementRecord(
                state.ticker, state.event_ticker, state.result, max(size, 0), max(-size, 0),
                cost if size > 0 else 0, cost if size < 0 else 0, payout // MICRO_PER_CENT,
                100 if state.result == "yes" else 0, position.fees, now,
            )
        )  # fmt: skip
        if self._listeners:
            rendered = render_position(position, state.market.exchange_index)
            self._emit(PositionChanged(account.user_id, rendered, position.volume, now))

    def set_trading_active(self, active: bool) -> None:
        """Pause (new orders and amends refused with 503) or resume trading. Pausing cancels
        the resting orders placed with ``cancel_order_on_pause``."""
        batch = self._begin()
        self._commit_point()
        if active == self._trading_active:
            return
        self._trading_active = active
        if not active:
            for order in [o for o in self._orders.values() if o.status == "resting"]:
                if order.cancel_on_pause:
                    self._apply(self.engine.cancel(order.order_id, reason="pause"), batch)
        self._finish(batch)
        if self._listeners:
            self._emit(TradingStatusChanged(active, batch.now))
