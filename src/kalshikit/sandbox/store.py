"""The sandbox's persistence: every state-changing exchange command, appended to SQLite.

Command sourcing: instead of saving state, the store keeps the commands that made it, each with
the clock reading the exchange saw (``seq, ts_ms, name, args`` in one WAL-mode table), plus the
catalog parameters (seed, market count, creation time) in a small ``meta`` table. Because the
exchange is deterministic given its catalog, its seed and the times it reads, replaying the
commands in order on a fresh exchange, each with the clock pinned to its recorded time, rebuilds
the same state (ids included).

* ``PersistentExchange`` offers the exchange's write methods: it pins the clock for the command,
  first applies (and records) an ``advance`` when markets or orders are due so that a refused
  command never changes anything, applies the command and records it. A command refused with
  ``ExchangeError`` changed nothing and is not recorded. Reads go to ``.exchange`` directly.
* ``open_exchange(data_dir, ...)`` creates a store or replays an existing one; ``reset`` deletes it.

This module does I/O (SQLite); the exchange itself does none.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal, TypeVar, cast

import msgspec

from kalshikit.models import (
    AmendOrderAck,
    AmendOrderV2Request,
    BatchCancelItem,
    BatchCreateItem,
    CancelOrderAck,
    CreateOrderAck,
    CreateOrderGroupRequest,
    CreateOrderV2Request,
    DecreaseOrderAck,
    DecreaseOrderV2Request,
)
from kalshikit.sandbox._render import datetime_of
from kalshikit.sandbox._requests import SHARD_ZERO, WriteRoute
from kalshikit.sandbox.catalog import build_catalog
from kalshikit.sandbox.exchange import Exchange

__all__ = [
    "DB_NAME",
    "Command",
    "CommandClock",
    "PersistentExchange",
    "ReplayError",
    "Store",
    "open_exchange",
    "replay",
    "reset",
]

DB_NAME: Final = "sandbox.sqlite3"
_SCHEMA: Final = (
    "CREATE TABLE IF NOT EXISTS commands ("
    " seq INTEGER PRIMARY KEY, ts_ms INTEGER NOT NULL, name TEXT NOT NULL, args TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
)
T = TypeVar("T")


class ReplayError(RuntimeError):
    """A recorded command failed on replay: the log does not fit this exchange (or code)."""


@dataclass(frozen=True, slots=True)
class Command:
    seq: int
    ts_ms: int
    name: str
    args: dict[str, Any]


class Store:
    """One SQLite file: the command log and the catalog parameters."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        # one connection shared by the server's threads; the lock serializes its use
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._lock = threading.Lock()
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")  # durable across crashes of the process
        for statement in _SCHEMA:
            self._db.execute(statement)

    def append(self, ts_ms: int, name: str, args: Mapping[str, object]) -> int:
        """Record one command; returns its sequence number."""
        encoded = msgspec.json.encode(args).decode()
        with self._lock:
            cursor = self._db.execute(
                "INSERT INTO commands (ts_ms, name, args) VALUES (?, ?, ?)", (ts_ms, name, encoded)
            )
        return cast(int, cursor.lastrowid)

    def commands(self) -> Iterator[Command]:
        """Every recorded command, in order."""
        with self._lock:
            rows = self._db.execute("SELECT seq, ts_ms, name, args FROM commands ORDER BY seq")
            fetched = rows.fetchall()
        for seq, ts_ms, name, args in fetched:
            yield Command(seq, ts_ms, name, msgspec.json.decode(args))

    def __len__(self) -> int:
        with self._lock:
            (count,) = self._db.execute("SELECT COUNT(*) FROM commands").fetchone()
        return cast(int, count)

    def meta(self) -> dict[str, str]:
        with self._lock:
            return dict(self._db.execute("SELECT key, value FROM meta").fetchall())

    def set_meta(self, values: Mapping[str, object]) -> None:
        with self._lock:
            self._db.executemany(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                [(key, str(value)) for key, value in values.items()],
            )

    def close(self) -> None:
        with self._lock:
            self._db.close()


class CommandClock:
    """The clock an exchange reads: live, or pinned to one reading for the length of a command
    (so the time recorded is exactly the time the exchange saw)."""

    def __init__(self, source: Callable[[], int]) -> None:
        self.source = source
        self._pinned: int | None = None

    def __call__(self) -> int:
        return self.source() if self._pinned is None else self._pinned

    @contextmanager
    def pinned(self, ts_ms: int | None = None) -> Iterator[int]:
        """Hold the clock at ``ts_ms`` (default: one reading of the source) inside the block."""
        self._pinned = self.source() if ts_ms is None else ts_ms
        try:
            yield self._pinned
        finally:
            self._pinned = None


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
    "add_api_key": lambda ex, a: ex.add_api_key(a["user_id"], a["pem"], key_id=a["key_id"]),
    "deposit": lambda ex, a: ex.deposit(a["user_id"], a["cents"]),
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
    "set_trading_active": lambda ex, a: ex.set_trading_active(a["active"]),
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
    """A fresh exchange from ``exchange_factory(clock)`` with every recorded command re-applied
    in order, the clock reading each command's recorded time."""
    clock = clock or CommandClock(lambda: 0)
    exchange = exchange_factory(clock)
    for command in store.commands():
        with clock.pinned(command.ts_ms):
            try:
                apply_command(exchange, command)
            except Exception as exc:
                raise ReplayError(
                    f"command #{command.seq} ({command.name}) failed on replay: {exc}; the "
                    f"store at {store.path} does not match this version (reset it)"
                ) from exc
    return exchange


class PersistentExchange:
    """The exchange's write methods, each recorded in the store as it is applied."""

    def __init__(self, exchange: Exchange, store: Store, clock: CommandClock) -> None:
        self.exchange = exchange
        self.store = store
        self._clock = clock
        self._lock = threading.RLock()

    def _run(self, name: str, args: dict[str, object], apply: Callable[[], T]) -> T:
        with self._lock, self._clock.pinned() as now:
            if name != "advance" and self.exchange.advance_due():
                # recorded on its own, so a refused command below leaves nothing unrecorded
                self.exchange.advance()
                self.store.append(now, "advance", {})
            result = apply()  # an ExchangeError propagates: nothing changed, nothing recorded
            self.store.append(now, name, args)
            return result

    def close(self) -> None:
        self.store.close()

    # -- users and keys

    def create_user(self, *, balance_cents: int, user_id: str | None = None) -> str:
        args: dict[str, object] = {"balance_cents": balance_cents, "user_id": user_id}
        return self._run(
            "create_user",
            args,
            lambda: self.exchange.create_user(balance_cents=balance_cents, user_id=user_id),
        )

    def add_api_key(self, user_id: str, public_key_pem: str, *, key_id: str | None = None) -> str:
        # the id is recorded as given: a replay draws the same one from the seeded RNG
        args: dict[str, object] = {"user_id": user_id, "pem": public_key_pem, "key_id": key_id}
        return self._run(
            "add_api_key",
            args,
            lambda: self.exchange.add_api_key(user_id, public_key_pem, key_id=key_id),
        )

    def deposit(self, user_id: str, cents: int) -> None:
        args: dict[str, object] = {"user_id": user_id, "cents": cents}
        self._run("deposit", args, lambda: self.exchange.deposit(user_id, cents))

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

    def set_trading_active(self, active: bool) -> None:
        self._run(
            "set_trading_active",
            {"active": active},
            lambda: self.exchange.set_trading_active(active),
        )


# ---------------------------------------------------------------------- opening and resetting


def _catalog_params(store: Store, seed: int, markets: int, now_ms: int) -> tuple[int, int, int]:
    """The parameters the store was made with; a new store records the given ones."""
    meta = store.meta()
    if not meta:
        store.set_meta({"seed": seed, "markets": markets, "now_ms": now_ms, "format": 1})
        return seed, markets, now_ms
    return int(meta["seed"]), int(meta["markets"]), int(meta["now_ms"])


def open_exchange(
    data_dir: Path | str, *, seed: int, markets: int, now_ms: int, clock: Callable[[], int]
) -> PersistentExchange:
    """The sandbox of ``data_dir``: a new one (catalog from ``seed``/``markets``/``now_ms``),
    or the existing one replayed (its own recorded parameters win over the ones given)."""
    directory = Path(data_dir)
    directory.mkdir(parents=True, exist_ok=True)
    store = Store(directory / DB_NAME)
    seed, markets, now_ms = _catalog_params(store, seed, markets, now_ms)
    catalog = build_catalog(seed=seed, markets=markets, now=datetime_of(now_ms))
    command_clock = CommandClock(clock)

    def factory(exchange_clock: Callable[[], int]) -> Exchange:
        return Exchange(catalog, clock=exchange_clock, seed=seed)

    exchange = replay(store, factory, clock=command_clock)
    return PersistentExchange(exchange, store, command_clock)


def reset(data_dir: Path | str) -> bool:
    """Delete the store of ``data_dir`` (stop its server first); False when there was none."""
    base = Path(data_dir) / DB_NAME
    found = False
    for path in (base, base.with_name(DB_NAME + "-wal"), base.with_name(DB_NAME + "-shm")):
        if path.exists():
            path.unlink()
            found = True
    return found
