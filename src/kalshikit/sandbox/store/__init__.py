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
  beside the log (``exchange.snapshot``), then the commands it includes are deleted from the log. A
  restart loads the snapshot and replays only the commands after it. Crash points: before the
  rename the old snapshot and the whole log stand; between the rename and the deletion the log
  still holds commands the snapshot includes, and replay skips them (``seq <= snapshot.seq``);
  the deletion is one SQLite transaction. Sequence numbers are given here, never reused.
* ``open_exchange(data_dir, ...)`` creates a store or restores an existing one; ``reset`` deletes
  it.

This module does I/O (SQLite, the snapshot file); the exchange itself does none.
"""

from __future__ import annotations

from kalshikit.sandbox.store.commands import replay
from kalshikit.sandbox.store.log import (
    DB_NAME,
    SNAPSHOT_SUFFIX,
    Command,
    CommandClock,
    ReplayError,
    SnapshotPolicy,
    Store,
    StoreError,
)
from kalshikit.sandbox.store.opening import open_exchange, reset, stored_catalog
from kalshikit.sandbox.store.persistent import PersistentExchange

__all__ = [
    "DB_NAME",
    "SNAPSHOT_SUFFIX",
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
