"""Snapshots: a restart loads the last snapshot and replays only the log's tail.

Real SQLite and snapshot files in temporary directories. The property: whatever the session and
wherever snapshots fall, snapshot + tail rebuild the state the full log rebuilds (and the live
one), and the restored sandbox goes on exactly as the original would. Then the crash points: a
crash may leave a temp file, a snapshot with the log not yet truncated, or a command logged but
not applied; none loses a logged command or corrupts the state.
"""

from __future__ import annotations

import logging
import random
import sqlite3
import tempfile
from pathlib import Path

import pytest
from _exchange_kit import Clock
from _store_kit import NEVER, SHORT, open_box, setup_users, varied_session
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kalshikit.auth import generate_private_key, public_key_pem
from kalshikit.sandbox.exchange.snapshot import SnapshotError
from kalshikit.sandbox.store import (
    DB_NAME,
    PersistentExchange,
    ReplayError,
    SnapshotPolicy,
    reset,
)

SNAPSHOT = "sandbox.snapshot"


def crash(box: PersistentExchange) -> None:
    """Stop without a clean close (no snapshot on the way out), as a killed process would."""
    box.store.close()


def busy_box(data_dir: Path, clock: Clock, seed: int = 1, **options: object) -> PersistentExchange:
    box = open_box(data_dir, clock, SHORT, **options)  # type: ignore[arg-type]
    setup_users(box)
    box.add_api_key("ann", public_key_pem(generate_private_key("ed25519")), key_id="ann-key")
    varied_session(box, clock, random.Random(seed), 120)
    return box


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)  # each example runs two sandboxes through a few hundred commands and restarts them
@given(
    seed=st.integers(0, 2**32 - 1),
    every_commands=st.integers(3, 150),
    every_ms=st.integers(5_000, 400_000),
)
def test_snapshot_and_tail_rebuild_what_the_full_log_rebuilds(
    seed: int, every_commands: int, every_ms: int
) -> None:
    policy = SnapshotPolicy(every_commands=every_commands, every_ms=every_ms, on_close=10**9)
    with tempfile.TemporaryDirectory() as whole, tempfile.TemporaryDirectory() as cut:
        clocks = Clock(), Clock()
        full = open_box(Path(whole), clocks[0], SHORT, NEVER)
        snapped = open_box(Path(cut), clocks[1], SHORT, policy)
        for box, clock in zip((full, snapped), clocks, strict=True):
            setup_users(box)
            varied_session(box, clock, random.Random(seed), 150)
        live = full.exchange.state_digest()
        assert snapped.exchange.state_digest() == live
        assert (Path(cut) / SNAPSHOT).exists()
        assert len(snapped.store) < len(full.store)  # the log is the tail only
        crash(full)
        crash(snapped)

        dirs = (Path(whole), Path(cut))
        restored = [open_box(d, c, snapshots=NEVER) for d, c in zip(dirs, clocks, strict=True)]
        assert [box.exchange.state_digest() for box in restored] == [live, live]
        # and they go on alike: same ids, same sweeps, same numbering of the log
        for box, clock in zip(restored, clocks, strict=True):
            varied_session(box, clock, random.Random(seed + 1), 30)
        assert restored[0].exchange.state_digest() == restored[1].exchange.state_digest()
        assert restored[0].store.last_seq == restored[1].store.last_seq
        for box in restored:
            box.close()


def test_a_crash_after_the_snapshot_before_the_log_is_cut(tmp_path: Path) -> None:
    clock = Clock()
    box = busy_box(tmp_path, clock)
    logged, last = len(box.store), box.store.last_seq
    box.store._db.execute("PRAGMA query_only=1")  # the deletion from the log will fail
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        box.snapshot()
    assert (tmp_path / SNAPSHOT).exists()
    digest = box.exchange.state_digest()
    crash(box)

    again = open_box(tmp_path, clock, SHORT)
    assert len(again.store) == logged  # the log still holds what the snapshot includes...
    assert again.exchange.state_digest() == digest  # ...and replay skips those commands
    assert again.exchange.api_key_owner("ann-key") is not None  # keys come back usable
    again.deposit("ann", 1_00)
    numbered = [(c.seq, c.name) for c in again.store.commands(after=last)]
    assert numbered[0][0] == last + 1  # numbering goes on after the snapshot's commands
    assert numbered[-1][1] == "deposit"
    digest = again.exchange.state_digest()
    crash(again)
    assert open_box(tmp_path, clock, SHORT).exchange.state_digest() == digest


def test_a_crash_while_writing_the_snapshot(tmp_path: Path) -> None:
    clock = Clock()
    box = busy_box(tmp_path, clock)
    box.snapshot()
    box.deposit("ann", 1_00)
    (tmp_path / f"{SNAPSHOT}.tmp").write_bytes(b"half a snapshot")  # the next one, torn
    digest = box.exchange.state_digest()
    crash(box)
    again = open_box(tmp_path, clock, SHORT)
    assert again.exchange.state_digest() == digest
    again.snapshot()  # the stale temp file is simply written over
    assert not (tmp_path / f"{SNAPSHOT}.tmp").exists()


def test_a_crash_between_logging_and_applying(tmp_path: Path) -> None:
    """A logged command happened, even if the process died before applying it (or answering)."""
    clock = Clock()
    box = busy_box(tmp_path, clock)
    cash = box.exchange.balance("ann").balance_cents
    box.store.append(clock.ms, "deposit", {"user_id": "ann", "cents": 5_00})
    crash(box)
    assert open_box(tmp_path, clock, SHORT).exchange.balance("ann").balance_cents == cash + 5_00


def test_a_damaged_or_foreign_snapshot_is_refused_clearly(tmp_path: Path) -> None:
    clock = Clock()
    box = busy_box(tmp_path, clock)
    box.snapshot()
    crash(box)
    path = tmp_path / SNAPSHOT
    good = path.read_bytes()
    path.write_bytes(good[:-10] + bytes(10))
    with pytest.raises(SnapshotError, match="damaged"):
        open_box(tmp_path, clock, SHORT)
    head, _, rest = good.partition(b'"fingerprint": "')
    path.write_bytes(head + b'"fingerprint": "not this version' + rest[16:])
    with pytest.raises(SnapshotError, match="kalshi sandbox reset"):
        open_box(tmp_path, clock, SHORT)
    path.unlink()
    with pytest.raises(ReplayError, match=r"snapshot .* is missing"):
        open_box(tmp_path, clock, SHORT)


def test_snapshots_come_by_command_count_and_by_time(tmp_path: Path) -> None:
    clock = Clock()
    box = open_box(tmp_path, clock, SHORT, SnapshotPolicy(every_commands=10, every_ms=60_000))
    box.create_user(balance_cents=100_00, user_id="amy")
    for _ in range(9):
        box.deposit("amy", 1_00)
    assert len(box.store) == 0  # the tenth command was the tenth since the start: a snapshot
    box.deposit("amy", 1_00)
    clock.advance(59)
    box.deposit("amy", 1_00)
    assert len(box.store) == 2
    clock.advance(1)
    box.deposit("amy", 1_00)  # a minute after the last snapshot
    assert len(box.store) == 0


def test_a_clean_close_snapshots_a_long_tail_only(tmp_path: Path) -> None:
    clock = Clock()
    policy = SnapshotPolicy(every_commands=10**6, every_ms=10**12, on_close=50)
    box = open_box(tmp_path, clock, SHORT, policy)
    box.create_user(balance_cents=100_00, user_id="amy")
    box.close()
    assert not (tmp_path / SNAPSHOT).exists()
    box = open_box(tmp_path, clock, SHORT, policy)
    for _ in range(60):
        box.deposit("amy", 1_00)
    digest = box.exchange.state_digest()
    box.close()
    again = open_box(tmp_path, clock, SHORT, policy)
    assert (len(again.store), again.exchange.state_digest()) == (0, digest)


def test_a_snapshot_that_cannot_be_written_costs_no_command(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    box = open_box(tmp_path, clock, SHORT, SnapshotPolicy(every_commands=5))
    (tmp_path / f"{SNAPSHOT}.tmp").mkdir()  # the temp file cannot be created
    box.create_user(balance_cents=100_00, user_id="amy")
    with caplog.at_level(logging.WARNING, logger="kalshikit.sandbox.store"):
        for _ in range(5):
            box.deposit("amy", 1_00)
    assert "could not snapshot" in caplog.text
    assert len(box.store) == 6  # every command is still in the log
    digest = box.exchange.state_digest()
    crash(box)
    assert open_box(tmp_path, clock, SHORT).exchange.state_digest() == digest


def test_reset_removes_the_snapshot_too(tmp_path: Path) -> None:
    clock = Clock()
    box = busy_box(tmp_path, clock)
    box.snapshot()
    box.close()
    assert reset(tmp_path) is True
    assert not (tmp_path / SNAPSHOT).exists()
    assert not (tmp_path / DB_NAME).exists()
    assert open_box(tmp_path, clock).exchange.state_digest()["accounts"] == {}
