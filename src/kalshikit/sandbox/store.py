"""The sandbox's persistence: every state-changing exchange command, appended to SQLite.

Command sourcing: instead of saving state, the store keeps the commands that made it, each with
the clock reading the exchange saw (``seq, ts_ms, name, args`` in one WAL-mode table), plus the
catalog parameters (seed, market count, creation time) in a small ``meta`` table. Because the
exchange is deterministic given its catalog, its seed and the times it reads, replaying the
commands in order on a fresh exchange, each with the clock pinned to its recorded time, rebuilds
the same state (ids included).

* ``PersistentExchange`` offers the exchange's write methods: it pins the clock for the command,
  first runs (and records) an ``advance`` when markets, orders or old records are due, so that a
  refused command never changes anything, then runs the command. Write-ahead: the exchange checks
  the command, the store appends it at the command's commit point, and only then does the
  exchange apply it. A refused command (``ExchangeError``) is not recorded; a command the store
  could not record (``StoreError``, a 503) was not applied. Reads go to ``.exchange`` directly.
* Snapshots bound the replay: every ``SnapshotPolicy.every_commands`` commands or ``every_ms``
  (and at a clean close with a long tail), the exchange's state image is written atomically
  beside the log (``_snapshot``), then the commands it includes are deleted from the log. A
  restart loads the snapshot and replays only the commands after it. Crash points: before the
  rename the old snapshot and the whole log stand; between the rename and the deletion the log
  still holds commands the snapshot includes, and replay skips them (``seq <= snapshot.seq``);
  the deletion is one SQLite transaction. Sequence numbers are given here, never reused.
* ``open_exchange(data_dir, ...)`` creates a store or restores an existing one; ``reset`` deletes
  it.

This module does I/O (SQLite, the snapshot file); the exchange itself does none.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
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
from kalshikit.sandbox import _snapshot
from kalshikit.sandbox._errors import ExchangeError
from kalshikit.sandbox._render import datetime_of
from kalshikit.sandbox._requests import SHARD_ZERO, WriteRoute
from kalshikit.sandbox._retention import Retention
from kalshikit.sandbox.catalog import build_catalog
from kalshikit.sandbox.exchange import Exchange

__all__ = [
    "DB_NAME",
    "Command",
    "CommandClock",
    "PersistentExchange",
    "ReplayError",
    "SnapshotPolicy",
    "Store",
    "StoreError",
    "open_exchange",
    "replay",
    "reset",
    "stored_catalog",
]

DB_NAME: Final = "sandbox.sqlite3"
_SCHEMA: Final = (
    "CREATE TABLE IF NOT EXISTS commands ("
    " seq INTEGER PRIMARY KEY, ts_ms INTEGER NOT NULL, name TEXT NOT NULL, args TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
)
SNAPSHOT_SUFFIX: Final = ".snapshot"
_CHUNK: Final = 10_000  # commands read at a time on replay: bounded memory for any log
T = TypeVar("T")
_log = logging.getLogger(__name__)


class ReplayError(RuntimeError):
    """A recorded command failed on replay: the log does not fit this exchange (or code)."""


class StoreError(ExchangeError):
    """The command log could not record a command, so it was not applied: nothing changed.
    An ``ExchangeError`` (503) so the API answers it and callers may simply retry."""

    def __init__(self, message: str) -> None:
        super().__init__(503, "store_unavailable", message)


@dataclass(frozen=True, slots=True)
class SnapshotPolicy:
    """When to snapshot: after ``every_commands`` commands or ``every_ms`` of command time
    (whichever first), and at a clean close when at least ``on_close`` commands would replay."""

    every_commands: int = 50_000
    every_ms: int = 3_600_000
    on_close: int = 10_000


@dataclass(frozen=True, slots=True)
class Command:
    seq: int
    ts_ms: int
    name: str
    args: dict[str, Any]


class Store:
    """One SQLite file (the command log and the catalog parameters) and its snapshot file."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.snapshot_path = self.path.with_suffix(SNAPSHOT_SUFFIX)
        # one connection shared by the server's threads; the lock serializes its use
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._lock = threading.Lock()
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")  # durable across crashes of the process
        for statement in _SCHEMA:
            self._db.execute(statement)
        (last,) = self._db.execute("SELECT MAX(seq) FROM commands").fetchone()
        # after a rotation the log may be empty: numbering goes on from the snapshot's commands
        self.last_seq = max(last or 0, int(self.meta().get("truncated_through", 0)))

    def append(self, ts_ms: int, name: str, args: Mapping[str, object]) -> int:
        """Record one command; returns its sequence number. ``StoreError`` if it could not."""
        encoded = msgspec.json.encode(args).decode()
        with self._lock:
            seq = self.last_seq + 1
            try:
                self._db.execute(
                    "INSERT INTO commands (seq, ts_ms, name, args) VALUES (?, ?, ?, ?)",
                    (seq, ts_ms, name, encoded),
                )
            except sqlite3.Error as exc:
                raise StoreError(
                    f"the sandbox could not record {name} in {self.path} ({exc}), so it did not "
                    "apply it: nothing changed. Check the disk (space, permissions), then retry"
                ) from exc
            self.last_seq = seq
        return seq

    def commands(self, after: int = 0) -> Iterator[Command]:
        """The recorded commands numbered above ``after``, in order (read a chunk at a time)."""
        while True:
            with self._lock:
                rows = self._db.execute(
                    "SELECT seq, ts_ms, name, args FROM commands WHERE seq > ? ORDER BY seq "
                    "LIMIT ?",
                    (after, _CHUNK),
                ).fetchall()
            for seq, ts_ms, name, args in rows:
                yield Command(seq, ts_ms, name, msgspec.json.decode(args))
            if len(rows) < _CHUNK:
                return
            after = rows[-1][0]

    def __len__(self) -> int:
        """How many commands the log holds (those after the snapshot, once one was taken)."""
        with self._lock:
            (count,) = self._db.execute("SELECT COUNT(*) FROM commands").fetchone()
        return cast(int, count)

    def truncate(self, through: int) -> None:
        """Delete the commands up to ``through`` (a durable snapshot includes them), in one
        transaction that also remembers where numbering stands."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute("DELETE FROM commands WHERE seq <= ?", (through,))
                self._db.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES ('truncated_through', ?)",
                    (str(through),),
                )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            # give the deleted pages' WAL frames back now rather than at some later checkpoint
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

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
    data = _snapshot.read(store.snapshot_path)
    if data is None and not truncated:
        return 0
    if data is None:
        raise ReplayError(
            f"the log {store.path} starts after command #{truncated} but its snapshot "
            f"{store.snapshot_path} is missing; reset the sandbox to start afresh"
        )
    snapshot = _snapshot.decode(data, exchange, store.snapshot_path)
    if snapshot.seq < truncated:
        raise ReplayError(
            f"the snapshot {store.snapshot_path} stops at command #{snapshot.seq} but the log "
            f"{store.path} starts after #{truncated}; reset the sandbox to start afresh"
        )
    exchange.load_state_image(snapshot.image)
    return snapshot.seq


class PersistentExchange:
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
        _snapshot.write(self.store.snapshot_path, _snapshot.encode(self.exchange, seq, now))
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


def _retention_of(store: Store, wanted: Retention) -> Retention:
    """The retention rule the store keeps to (it shapes the state, so a replay must use the
    same); a store without one records ``wanted``."""
    meta = store.meta()
    if "live_window_ms" not in meta:
        store.set_meta(
            {"live_window_ms": wanted.window_ms, "keep_per_user": wanted.per_user}
            | {"sweep_every_ms": wanted.every_ms}
        )
        return wanted
    return Retention(
        int(meta["live_window_ms"]), int(meta["keep_per_user"]), int(meta["sweep_every_ms"])
    )


def stored_catalog(data_dir: Path | str) -> tuple[int, int] | None:
    """The seed and market count ``data_dir``'s store was made with; None before it has one.
    Only reads (a server may be writing): it neither creates nor changes the store."""
    path = Path(data_dir) / DB_NAME
    if not path.exists():
        return None
    uri = f"{path.resolve().as_uri()}?mode=ro"
    try:
        with closing(sqlite3.connect(uri, uri=True)) as db:
            rows = db.execute("SELECT key, value FROM meta WHERE key IN ('seed', 'markets')")
            meta = dict(rows.fetchall())
    except sqlite3.Error:
        return None  # no meta table yet: the store is being created
    if len(meta) < 2:
        return None
    return int(meta["seed"]), int(meta["markets"])


def open_exchange(
    data_dir: Path | str,
    *,
    seed: int,
    markets: int,
    now_ms: int,
    clock: Callable[[], int],
    retention: Retention | None = None,
    snapshots: SnapshotPolicy | None = None,
) -> PersistentExchange:
    """The sandbox of ``data_dir``: a new one (catalog from ``seed``/``markets``/``now_ms``,
    records kept as ``retention`` says), or the existing one restored from its snapshot and log
    (its own recorded parameters win over the ones given). ``snapshots``: when to take them."""
    directory = Path(data_dir)
    directory.mkdir(parents=True, exist_ok=True)
    store = Store(directory / DB_NAME)
    seed, markets, now_ms = _catalog_params(store, seed, markets, now_ms)
    kept = _retention_of(store, retention or Retention())
    catalog = build_catalog(seed=seed, markets=markets, now=datetime_of(now_ms))
    command_clock = CommandClock(clock)

    def factory(exchange_clock: Callable[[], int]) -> Exchange:
        return Exchange(catalog, clock=exchange_clock, seed=seed, retention=kept)

    exchange = replay(store, factory, clock=command_clock)
    return PersistentExchange(exchange, store, command_clock, snapshots)


def reset(data_dir: Path | str) -> bool:
    """Delete the store of ``data_dir`` (stop its server first); False when there was none."""
    base = Path(data_dir) / DB_NAME
    snapshot = base.with_suffix(SNAPSHOT_SUFFIX)
    found = False
    for path in (
        base, base.with_name(DB_NAME + "-wal"), base.with_name(DB_NAME + "-shm"), snapshot,
        snapshot.with_name(snapshot.name + ".tmp"),
    ):  # fmt: skip
        if path.exists():
            path.unlink()
            found = True
    return found
