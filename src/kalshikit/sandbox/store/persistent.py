"""PersistentExchange: the exchange's write methods, each checked, then logged, then applied
(write-ahead), with snapshots taken as the policy says.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Literal, TypeVar

from kalshikit.models import (
    AmendOrderAck,
    AmendOrderV2Request,
    BatchCancelItem,
    BatchCreateItem,
    CancelOrderAck,
    CreateOrderAck,
    CreateOrderGroupRequest,
    CreateOrderV2Request,
    CreateQuoteRequest,
    CreateRfqRequest,
    DecreaseOrderAck,
    DecreaseOrderV2Request,
    ProposeBlockTradeRequest,
    SetTargetAllocationRequest,
    ShardTransferRequest,
)
from kalshikit.sandbox.exchange import (
    SHARD_ZERO,
    Exchange,
    WriteRoute,
    encode_snapshot,
    write_snapshot,
)
from kalshikit.sandbox.store.log import CommandClock, SnapshotPolicy, Store
from kalshikit.sandbox.store.persistent_fcm import FcmWrites

T = TypeVar("T")
_log = logging.getLogger(__name__)


class PersistentExchange(FcmWrites):
    """The exchange's write methods, each recorded in the store (before it is applied), and
    snapshots of the exchange as the ``policy`` says."""

    def __init__(
        self,
        exchange: Exchange,
        store: Store,
        clock: CommandClock,
        policy: SnapshotPolicy | None = None,
    ) -> None:
        self.exchange = exchange
        self.store = store
        self._clock = clock
        self._lock = threading.RLock()
        self._policy = policy or SnapshotPolicy()
        self._since_snapshot = len(store)  # what the next start would replay
        self._snapshot_ms: int | None = None  # the clock starts at the first command

    def _run(self, name: str, args: dict[str, object], apply: Callable[[], T]) -> T:
        with self._lock, self._clock.pinned() as now:
            if name != "advance" and self.exchange.advance_due():
                # its own command, so that a refused command below leaves nothing unrecorded
                self._write(now, "advance", {}, self.exchange.advance)
            result = self._write(now, name, args, apply)
            if self._snapshot_due(now):
                self._snapshot_or_warn(now)
            return result

    def _write(self, now: int, name: str, args: dict[str, object], apply: Callable[[], T]) -> T:
        """Run one command write-ahead: the exchange calls back at its commit point (every
        check passed, nothing changed yet) and the store appends the command there. A refusal
        or a ``StoreError`` propagates from before any change."""
        recorded = False

        def record() -> None:
            nonlocal recorded
            self.store.append(now, name, args)
            recorded = True

        with self.exchange.write_ahead(record):
            result = apply()
        if not recorded:  # no commit point passed (a bug): the log must still match memory
            _log.error("sandbox command %s ran without passing its commit point", name)
            self.store.append(now, name, args)
        self._since_snapshot += 1
        return result

    # -- snapshots

    def snapshot(self) -> int:
        """Snapshot the exchange now and drop what it includes from the log; returns the
        number of the last command it includes."""
        with self._lock:
            return self._snapshot(self._clock())

    def _snapshot(self, now: int) -> int:
        seq = self.store.last_seq
        write_snapshot(self.store.snapshot_path, encode_snapshot(self.exchange, seq, now))
        self.store.truncate(seq)  # only now: the snapshot that includes them is durable
        self._since_snapshot, self._snapshot_ms = 0, now
        return seq

    def _snapshot_due(self, now: int) -> bool:
        if self._snapshot_ms is None:
            self._snapshot_ms = now
        return self._since_snapshot >= self._policy.every_commands or (
            self._since_snapshot > 0 and now - self._snapshot_ms >= self._policy.every_ms
        )

    def _snapshot_or_warn(self, now: int) -> None:
        try:
            self._snapshot(now)
        except Exception:  # the command that got us here was applied: it must not fail now
            # nothing is lost (the log keeps every command): only the next start is slower
            path = self.store.snapshot_path
            _log.warning("could not snapshot the sandbox to %s", path, exc_info=True)
            self._since_snapshot, self._snapshot_ms = 0, now

    def close(self) -> None:
        """Snapshot first if the next start would replay a long tail, then close the store."""
        with self._lock:
            if self._since_snapshot >= self._policy.on_close:
                self._snapshot_or_warn(self._clock())
            self.store.close()

    # -- users and keys

    def create_user(
        self, *, balance_cents: int, user_id: str | None = None, fcm: bool = False
    ) -> str:
        args: dict[str, object] = {"balance_cents": balance_cents, "user_id": user_id}
        if fcm:  # only then: commands recorded before the flag replay unchanged
            args["fcm"] = fcm
        return self._run(
            "create_user",
            args,
            lambda: self.exchange.create_user(
                balance_cents=balance_cents, user_id=user_id, fcm=fcm
            ),
        )

    def add_api_key(self, user_id: str, public_key_pem: str, *, key_id: str | None = None) -> str:
        # the id is recorded as given: a replay draws the same one from the seeded RNG
        args: dict[str, object] = {"user_id": user_id, "pem": public_key_pem, "key_id": key_id}
        return self._run(
            "add_api_key",
            args,
            lambda: self.exchange.add_api_key(user_id, public_key_pem, key_id=key_id),
        )

    def create_api_key(
        self,
        user_id: str,
        public_key_pem: str,
        *,
        name: str,
        scopes: Sequence[str] | None = None,
        subaccount: int | None = None,
        key_id: str | None = None,
    ) -> str:
        # only the public key is journaled: a generated private key never reaches the store
        args: dict[str, object] = {
            "user_id": user_id, "pem": public_key_pem, "name": name,
            "scopes": None if scopes is None else list(scopes), "subaccount": subaccount,
            "key_id": key_id,
        }  # fmt: skip
        return self._run(
            "create_api_key",
            args,
            lambda: self.exchange.create_api_key(
                user_id,
                public_key_pem,
                name=name,
                scopes=scopes,
                subaccount=subaccount,
                key_id=key_id,
            ),
        )

    def delete_api_key(self, user_id: str, key_id: str) -> None:
        args: dict[str, object] = {"user_id": user_id, "key_id": key_id}
        self._run("delete_api_key", args, lambda: self.exchange.delete_api_key(user_id, key_id))

    def upgrade_api_usage(self, user_id: str) -> None:
        args: dict[str, object] = {"user_id": user_id}
        self._run("upgrade_api_usage", args, lambda: self.exchange.upgrade_api_usage(user_id))

    # -- communications (RFQs, quotes, block trades)

    def create_rfq(self, user: str, req: CreateRfqRequest) -> str:
        args: dict[str, object] = {"user": user, "req": req}
        return self._run("create_rfq", args, lambda: self.exchange.create_rfq(user, req))

    def delete_rfq(self, user: str, rfq_id: str) -> None:
        args: dict[str, object] = {"user": user, "rfq_id": rfq_id}
        self._run("delete_rfq", args, lambda: self.exchange.delete_rfq(user, rfq_id))

    def create_quote(self, user: str, req: CreateQuoteRequest) -> str:
        args: dict[str, object] = {"user": user, "req": req}
        return self._run("create_quote", args, lambda: self.exchange.create_quote(user, req))

    def delete_quote(self, user: str, quote_id: str, rfq_id: str | None = None) -> None:
        args: dict[str, object] = {"user": user, "quote_id": quote_id, "rfq_id": rfq_id}
        self._run("delete_quote", args, lambda: self.exchange.delete_quote(user, quote_id, rfq_id))

    def accept_quote(self, user: str, quote_id: str, side: str, rfq_id: str | None = None) -> None:
        args: dict[str, object] = {
            "user": user, "quote_id": quote_id, "side": side, "rfq_id": rfq_id,
        }  # fmt: skip
        self._run(
            "accept_quote", args, lambda: self.exchange.accept_quote(user, quote_id, side, rfq_id)
        )

    def confirm_quote(self, user: str, quote_id: str, rfq_id: str | None = None) -> None:
        args: dict[str, object] = {"user": user, "quote_id": quote_id, "rfq_id": rfq_id}
        self._run(
            "confirm_quote", args, lambda: self.exchange.confirm_quote(user, quote_id, rfq_id)
        )

    def propose_block_trade(self, user: str, req: ProposeBlockTradeRequest) -> str:
        args: dict[str, object] = {"user": user, "req": req}
        return self._run(
            "propose_block_trade", args, lambda: self.exchange.propose_block_trade(user, req)
        )

    def accept_block_trade(self, user: str, proposal_id: str) -> None:
        args: dict[str, object] = {"user": user, "proposal_id": proposal_id}
        self._run(
            "accept_block_trade",
            args,
            lambda: self.exchange.accept_block_trade(user, proposal_id),
        )

    def set_rfq_timing(self, execution_ms: int, confirm_ms: int, rfq_life_ms: int) -> None:
        args: dict[str, object] = {
            "execution_ms": execution_ms, "confirm_ms": confirm_ms, "rfq_life_ms": rfq_life_ms,
        }  # fmt: skip
        self._run(
            "set_rfq_timing",
            args,
            lambda: self.exchange.set_rfq_timing(execution_ms, confirm_ms, rfq_life_ms),
        )

    def deposit(self, user_id: str, cents: int) -> None:
        args: dict[str, object] = {"user_id": user_id, "cents": cents}
        self._run("deposit", args, lambda: self.exchange.deposit(user_id, cents))

    def deposit_to_shard(self, user_id: str, cents: int, exchange_index: int) -> None:
        shard = exchange_index
        args: dict[str, object] = {"user_id": user_id, "cents": cents, "exchange_index": shard}
        ex = self.exchange
        self._run("deposit_to_shard", args, lambda: ex.deposit_to_shard(user_id, cents, shard))

    def transfer_between_shards(self, user_id: str, req: ShardTransferRequest) -> str:
        args: dict[str, object] = {"user_id": user_id, "req": req}
        ex = self.exchange
        return self._run(
            "transfer_between_shards", args, lambda: ex.transfer_between_shards(user_id, req)
        )

    def set_target_allocation(self, user_id: str, req: SetTargetAllocationRequest) -> None:
        args: dict[str, object] = {"user_id": user_id, "req": req}
        ex = self.exchange
        self._run("set_target_allocation", args, lambda: ex.set_target_allocation(user_id, req))

    # -- subaccounts

    def create_subaccount(self, user_id: str, exchange_index: int | None = None) -> int:
        args: dict[str, object] = {"user_id": user_id, "exchange_index": exchange_index}
        ex = self.exchange
        index = exchange_index
        return self._run("create_subaccount", args, lambda: ex.create_subaccount(user_id, index))

    def transfer_between_subaccounts(
        self, user_id: str, client_transfer_id: str, from_subaccount: int, to_subaccount: int,
        amount_cents: int, exchange_index: int | None = None,
    ) -> str:  # fmt: skip
        args: dict[str, object] = {
            "user_id": user_id, "client_transfer_id": client_transfer_id,
            "from_subaccount": from_subaccount, "to_subaccount": to_subaccount,
            "amount_cents": amount_cents, "exchange_index": exchange_index,
        }  # fmt: skip
        return self._run(
            "transfer_between_subaccounts", args,
            lambda: self.exchange.transfer_between_subaccounts(
                user_id, client_transfer_id, from_subaccount, to_subaccount, amount_cents,
                exchange_index,
            ),
        )  # fmt: skip

    def set_netting(self, user_id: str, subaccount: int, enabled: bool) -> None:
        args: dict[str, object] = {"user_id": user_id, "subaccount": subaccount, "enabled": enabled}
        ex = self.exchange
        self._run("set_netting", args, lambda: ex.set_netting(user_id, subaccount, enabled))

    # -- orders

    def create_order(self, user: str, req: CreateOrderV2Request) -> CreateOrderAck:
        args: dict[str, object] = {"user": user, "req": req}
        return self._run("create_order", args, lambda: self.exchange.create_order(user, req))

    def batch_create(
        self, user: str, reqs: Sequence[CreateOrderV2Request]
    ) -> list[BatchCreateItem]:
        args: dict[str, object] = {"user": user, "reqs": list(reqs)}
        return self._run("batch_create", args, lambda: self.exchange.batch_create(user, reqs))

    def cancel_order(
        self, user: str, order_id: str, route: WriteRoute = SHARD_ZERO
    ) -> CancelOrderAck:
        args: dict[str, object] = {"user": user, "order_id": order_id, "route": route}
        return self._run(
            "cancel_order", args, lambda: self.exchange.cancel_order(user, order_id, route)
        )

    def batch_cancel(
        self, user: str, order_ids: Sequence[str], routes: Sequence[WriteRoute] | None = None
    ) -> list[BatchCancelItem]:
        args: dict[str, object] = {"user": user, "order_ids": list(order_ids)}
        if routes is not None:
            args["routes"] = list(routes)
        return self._run(
            "batch_cancel", args, lambda: self.exchange.batch_cancel(user, order_ids, routes)
        )

    def cancel_all(self, user: str) -> int:
        return self._run("cancel_all", {"user": user}, lambda: self.exchange.cancel_all(user))

    def amend_order(self, user: str, order_id: str, req: AmendOrderV2Request) -> AmendOrderAck:
        args: dict[str, object] = {"user": user, "order_id": order_id, "req": req}
        return self._run(
            "amend_order", args, lambda: self.exchange.amend_order(user, order_id, req)
        )

    def decrease_order(
        self, user: str, order_id: str, req: DecreaseOrderV2Request
    ) -> DecreaseOrderAck:
        args: dict[str, object] = {"user": user, "order_id": order_id, "req": req}
        return self._run(
            "decrease_order", args, lambda: self.exchange.decrease_order(user, order_id, req)
        )

    # -- order groups

    def create_order_group(self, user: str, req: CreateOrderGroupRequest) -> str:
        args: dict[str, object] = {"user": user, "req": req}
        return self._run(
            "create_order_group", args, lambda: self.exchange.create_order_group(user, req)
        )

    def delete_order_group(self, user: str, group_id: str) -> None:
        args: dict[str, object] = {"user": user, "group_id": group_id}
        self._run(
            "delete_order_group", args, lambda: self.exchange.delete_order_group(user, group_id)
        )

    def reset_order_group(self, user: str, group_id: str) -> None:
        args: dict[str, object] = {"user": user, "group_id": group_id}
        self._run(
            "reset_order_group", args, lambda: self.exchange.reset_order_group(user, group_id)
        )

    def trigger_order_group(self, user: str, group_id: str) -> None:
        args: dict[str, object] = {"user": user, "group_id": group_id}
        self._run(
            "trigger_order_group", args, lambda: self.exchange.trigger_order_group(user, group_id)
        )

    def set_order_group_limit(self, user: str, group_id: str, limit_centi: int) -> None:
        args: dict[str, object] = {"user": user, "group_id": group_id, "limit_centi": limit_centi}
        self._run(
            "set_order_group_limit",
            args,
            lambda: self.exchange.set_order_group_limit(user, group_id, limit_centi),
        )

    # -- lifecycle

    def advance(self) -> None:
        self._run("advance", {}, self.exchange.advance)

    def determine(self, ticker: str, result: Literal["yes", "no"]) -> None:
        args: dict[str, object] = {"ticker": ticker, "result": result}
        self._run("determine", args, lambda: self.exchange.determine(ticker, result))

    def settle(self, ticker: str) -> None:
        self._run("settle", {"ticker": ticker}, lambda: self.exchange.settle(ticker))

    def list_events(self, series_ticker: str, reference: float | None = None) -> list[str]:
        # the events are drafted from the catalog, the clock and these: a replay lists the same
        args: dict[str, object] = {"series_ticker": series_ticker, "reference": reference}
        return self._run(
            "list_events", args, lambda: self.exchange.list_events(series_ticker, reference)
        )

    def set_trading_active(self, active: bool) -> None:
        self._run(
            "set_trading_active",
            {"active": active},
            lambda: self.exchange.set_trading_active(active),
        )

    def set_event_fees(
        self, event_ticker: str, fee_type: str | None, multiplier: float | None
    ) -> None:
        args: dict[str, object] = {
            "event_ticker": event_ticker, "fee_type": fee_type, "multiplier": multiplier,
        }  # fmt: skip
        self._run(
            "set_event_fees",
            args,
            lambda: self.exchange.set_event_fees(event_ticker, fee_type, multiplier),
        )

    def set_price_level_structure(self, ticker: str, price_level_structure: str) -> None:
        args: dict[str, object] = {
            "ticker": ticker, "price_level_structure": price_level_structure,
        }  # fmt: skip
        self._run(
            "set_price_level_structure",
            args,
            lambda: self.exchange.set_price_level_structure(ticker, price_level_structure),
        )

    def set_market_metadata(self, ticker: str, metadata: Mapping[str, object]) -> None:
        args: dict[str, object] = {"ticker": ticker, "metadata": dict(metadata)}
        self._run(
            "set_market_metadata",
            args,
            lambda: self.exchange.set_market_metadata(ticker, metadata),
        )

    def create_combo(
        self, collection_ticker: str, legs: Sequence[tuple[str, str, str]]
    ) -> tuple[str, str, bool]:
        # the combo is drafted from the legs and the clock: a replay lists the same market
        args: dict[str, object] = {
            "collection_ticker": collection_ticker, "legs": [list(leg) for leg in legs],
        }  # fmt: skip
        return self._run(
            "create_combo", args, lambda: self.exchange.create_combo(collection_ticker, legs)
        )
