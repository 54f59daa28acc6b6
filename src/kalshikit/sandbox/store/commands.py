"""The commands as data: how a recorded command is applied to an exchange, and replay
(from the last snapshot, then the tail of the log).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final, TypeVar

import msgspec

from kalshikit.models import (
    AmendOrderV2Request,
    CreateOrderGroupRequest,
    CreateOrderV2Request,
    CreateQuoteRequest,
    CreateRfqRequest,
    DecreaseOrderV2Request,
    ProposeBlockTradeRequest,
    SetTargetAllocationRequest,
    ShardTransferRequest,
)
from kalshikit.sandbox.exchange import (
    SHARD_ZERO,
    Exchange,
    WriteRoute,
    decode_snapshot,
    read_snapshot,
)
from kalshikit.sandbox.store.log import Command, CommandClock, ReplayError, Store

T = TypeVar("T")


# ---------------------------------------------------------------------- the commands

_Apply = Callable[[Exchange, dict[str, Any]], object]


def _struct(kind: type[T]) -> Callable[[object], T]:
    return lambda value: msgspec.convert(value, kind)


_create = _struct(CreateOrderV2Request)


def _route(recorded: object) -> WriteRoute:
    """A recorded cancel's route (commands recorded before routes existed went to shard 0)."""
    return SHARD_ZERO if recorded is None else msgspec.convert(recorded, WriteRoute)


def _routes(args: Mapping[str, Any]) -> list[WriteRoute] | None:
    recorded = args.get("routes")
    return None if recorded is None else [_route(r) for r in recorded]


_APPLY: Final[dict[str, _Apply]] = {
    "create_user": lambda ex, a: ex.create_user(**a),
    "create_fcm_subtrader": lambda ex, a: ex.create_fcm_subtrader(a["fcm"], a["subtrader_suffix"]),
    "set_fcm_daily_cap": lambda ex, a: ex.set_fcm_daily_cap(
        a["fcm"], a["subtrader_id"], a["limit"]
    ),
    "delete_fcm_daily_cap": lambda ex, a: ex.delete_fcm_daily_cap(a["fcm"], a["subtrader_id"]),
    "set_fcm_category_blocked": lambda ex, a: ex.set_fcm_category_blocked(
        a["fcm"], a["subtrader_id"], a["category"], a["blocked"]
    ),
    "transfer_fcm_position": lambda ex, a: ex.transfer_fcm_position(
        a["fcm"], a["source"], a["target"], a["ticker"], a["centicount"], a["price"]
    ),
    "add_api_key": lambda ex, a: ex.add_api_key(a["user_id"], a["pem"], key_id=a["key_id"]),
    "create_api_key": lambda ex, a: ex.create_api_key(
        a["user_id"],
        a["pem"],
        name=a["name"],
        scopes=a["scopes"],
        subaccount=a["subaccount"],
        key_id=a["key_id"],
    ),
    "delete_api_key": lambda ex, a: ex.delete_api_key(a["user_id"], a["key_id"]),
    "upgrade_api_usage": lambda ex, a: ex.upgrade_api_usage(a["user_id"]),
    "create_rfq": lambda ex, a: ex.create_rfq(a["user"], _struct(CreateRfqRequest)(a["req"])),
    "delete_rfq": lambda ex, a: ex.delete_rfq(a["user"], a["rfq_id"]),
    "create_quote": lambda ex, a: ex.create_quote(a["user"], _struct(CreateQuoteRequest)(a["req"])),
    "delete_quote": lambda ex, a: ex.delete_quote(a["user"], a["quote_id"], a["rfq_id"]),
    "accept_quote": lambda ex, a: ex.accept_quote(a["user"], a["quote_id"], a["side"], a["rfq_id"]),
    "confirm_quote": lambda ex, a: ex.confirm_quote(a["user"], a["quote_id"], a["rfq_id"]),
    "propose_block_trade": lambda ex, a: ex.propose_block_trade(
        a["user"], _struct(ProposeBlockTradeRequest)(a["req"])
    ),
    "accept_block_trade": lambda ex, a: ex.accept_block_trade(a["user"], a["proposal_id"]),
    "set_rfq_timing": lambda ex, a: ex.set_rfq_timing(
        a["execution_ms"], a["confirm_ms"], a["rfq_life_ms"]
    ),
    "deposit_to_shard": lambda ex, a: ex.deposit_to_shard(**a),
    "create_subaccount": lambda ex, a: ex.create_subaccount(**a),
    "transfer_between_subaccounts": lambda ex, a: ex.transfer_between_subaccounts(**a),
    "set_netting": lambda ex, a: ex.set_netting(**a),
    "deposit": lambda ex, a: ex.deposit(a["user_id"], a["cents"]),
    "transfer_between_shards": lambda ex, a: ex.transfer_between_shards(
        a["user_id"], _struct(ShardTransferRequest)(a["req"])
    ),
    "set_target_allocation": lambda ex, a: ex.set_target_allocation(
        a["user_id"], _struct(SetTargetAllocationRequest)(a["req"])
    ),
    "create_order": lambda ex, a: ex.create_order(a["user"], _create(a["req"])),
    "batch_create": lambda ex, a: ex.batch_create(a["user"], [_create(r) for r in a["reqs"]]),
    "cancel_order": lambda ex, a: ex.cancel_order(a["user"], a["order_id"], _route(a.get("route"))),
    "batch_cancel": lambda ex, a: ex.batch_cancel(a["user"], a["order_ids"], _routes(a)),
    "cancel_all": lambda ex, a: ex.cancel_all(a["user"]),
    "amend_order": lambda ex, a: ex.amend_order(
        a["user"], a["order_id"], _struct(AmendOrderV2Request)(a["req"])
    ),
    "decrease_order": lambda ex, a: ex.decrease_order(
        a["user"], a["order_id"], _struct(DecreaseOrderV2Request)(a["req"])
    ),
    "create_order_group": lambda ex, a: ex.create_order_group(
        a["user"], _struct(CreateOrderGroupRequest)(a["req"])
    ),
    "delete_order_group": lambda ex, a: ex.delete_order_group(a["user"], a["group_id"]),
    "reset_order_group": lambda ex, a: ex.reset_order_group(a["user"], a["group_id"]),
    "trigger_order_group": lambda ex, a: ex.trigger_order_group(a["user"], a["group_id"]),
    "set_order_group_limit": lambda ex, a: ex.set_order_group_limit(
        a["user"], a["group_id"], a["limit_centi"]
    ),
    "advance": lambda ex, a: ex.advance(),
    "determine": lambda ex, a: ex.determine(a["ticker"], a["result"]),
    "settle": lambda ex, a: ex.settle(a["ticker"]),
    "list_events": lambda ex, a: ex.list_events(a["series_ticker"], a["reference"]),
    "set_trading_active": lambda ex, a: ex.set_trading_active(a["active"]),
    "set_event_fees": lambda ex, a: ex.set_event_fees(
        a["event_ticker"], a["fee_type"], a["multiplier"]
    ),
    "set_price_level_structure": lambda ex, a: ex.set_price_level_structure(
        a["ticker"], a["price_level_structure"]
    ),
    "set_market_metadata": lambda ex, a: ex.set_market_metadata(a["ticker"], a["metadata"]),
    "create_combo": lambda ex, a: ex.create_combo(
        a["collection_ticker"], [(e, m, s) for e, m, s in a["legs"]]
    ),
}


def apply_command(exchange: Exchange, command: Command) -> object:
    """Re-apply one recorded command (the clock must already read its ``ts_ms``)."""
    return _APPLY[command.name](exchange, command.args)


def replay(
    store: Store,
    exchange_factory: Callable[[Callable[[], int]], Exchange],
    *,
    clock: CommandClock | None = None,
) -> Exchange:
    """A fresh exchange from ``exchange_factory(clock)`` brought to the store's state: the
    snapshot's state image when there is one, then every later command re-applied in order,
    the clock reading each command's recorded time."""
    clock = clock or CommandClock(lambda: 0)
    exchange = exchange_factory(clock)
    for command in store.commands(after=_restore_snapshot(store, exchange)):
        with clock.pinned(command.ts_ms):
            try:
                apply_command(exchange, command)
            except Exception as exc:
                raise ReplayError(
                    f"command #{command.seq} ({command.name}) failed on replay: {exc}; the "
                    f"store at {store.path} does not match this version (reset it)"
                ) from exc
    return exchange


def _restore_snapshot(store: Store, exchange: Exchange) -> int:
    """Load the store's snapshot into ``exchange`` (just built); the last command it includes
    (0 without one). Refuses a log whose truncated commands no snapshot holds."""
    truncated = int(store.meta().get("truncated_through", 0))
    data = read_snapshot(store.snapshot_path)
    if data is None and not truncated:
        return 0
    if data is None:
        raise ReplayError(
            f"the log {store.path} starts after command #{truncated} but its snapshot "
            f"{store.snapshot_path} is missing; reset the sandbox to start afresh"
        )
    snapshot = decode_snapshot(data, exchange, store.snapshot_path)
    if snapshot.seq < truncated:
        raise ReplayError(
            f"the snapshot {store.snapshot_path} stops at command #{snapshot.seq} but the log "
            f"{store.path} starts after #{truncated}; reset the sandbox to start afresh"
        )
    exchange.load_state_image(snapshot.image)
    return snapshot.seq
