"""Opening a data dir's store (creating or restoring the exchange), reading its catalog,
and resetting it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

from kalshikit.sandbox.catalog import build_catalog
from kalshikit.sandbox.exchange import Exchange, Retention, datetime_of
from kalshikit.sandbox.store.commands import replay
from kalshikit.sandbox.store.log import (
    DB_NAME,
    SNAPSHOT_SUFFIX,
    CommandClock,
    SnapshotPolicy,
    Store,
)
from kalshikit.sandbox.store.persistent import PersistentExchange

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
