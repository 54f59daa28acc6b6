"""The kill switch's persistent halt: engaged and cleared by a person, it survives restarts,
is private to its owner, is seen by another process within a stat, and fails shut."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kalshikit.errors import ValidationError
from kalshikit.strategy.halt import Halt, default_halt_path


def test_engage_then_clear(tmp_path: Path) -> None:
    halt = Halt(tmp_path / "halt-local.json")
    assert halt.state is None
    assert not halt.halted
    at = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)
    state = halt.engage("feed looks wrong", "ana@desk", at=at)
    assert halt.state == state
    assert (state.reason, state.by, state.at) == ("feed looks wrong", "ana@desk", at.isoformat())
    assert halt.halted
    assert halt.clear() is True
    assert halt.reason is None
    assert halt.clear() is False  # nothing left to clear


def test_a_halt_survives_a_restart(tmp_path: Path) -> None:
    Halt(tmp_path / "halt.json").engage("stop", "ops")
    again = Halt(tmp_path / "halt.json")
    assert again.reason == "stop"
    assert again.state is not None
    assert again.state.by == "ops"


def test_the_file_is_private_and_complete(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "halt.json"
    old_umask = os.umask(0o022)
    try:
        Halt(path).engage("stop", "ops")
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["halt.json"]  # no temporary left


def test_another_process_engaging_is_noticed_by_changed(tmp_path: Path) -> None:
    path = tmp_path / "halt.json"
    halt = Halt(path)
    assert halt.changed() is False
    script = (
        "import sys; from kalshikit.strategy.halt import Halt; "
        "Halt(sys.argv[1]).engage('from elsewhere', 'other process')"
    )
    subprocess.run([sys.executable, "-c", script, str(path)], check=True, timeout=30)
    assert halt.changed() is True
    assert halt.reason == "from elsewhere"
    assert halt.changed() is False
    path.unlink()  # cleared by another process
    assert halt.changed() is True
    assert halt.reason is None


def test_changed_costs_a_stat(tmp_path: Path) -> None:
    halt = Halt(tmp_path / "halt.json")
    halt.engage("stop", "ops")
    rounds = 2000
    started = time.perf_counter_ns()
    for _ in range(rounds):
        halt.changed()
    per_call_us = (time.perf_counter_ns() - started) / rounds / 1000
    assert per_call_us < 50  # a stat is a few µs; generous for a loaded CI machine


@pytest.mark.parametrize("content", [b"", b"{not json", b'{"reason": "x"}', b"[1, 2]"])
def test_a_corrupt_halt_file_counts_as_halted(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "halt.json"
    path.write_bytes(content)
    halt = Halt(path)
    assert halt.halted
    assert halt.reason is not None
    assert "unreadable" in halt.reason
    assert str(path) in halt.reason
    assert "kalshi kill --clear" in halt.reason
    assert halt.clear() is True  # a person can still clear it
    assert not halt.halted


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_halt_file_counts_as_halted(tmp_path: Path) -> None:
    path = tmp_path / "halt.json"
    Halt(path).engage("stop", "ops")
    path.chmod(0)
    try:
        halt = Halt(path)
        assert halt.halted
        assert "unreadable" in (halt.reason or "")
    finally:
        path.chmod(0o600)


@pytest.mark.parametrize(("reason", "by"), [("", "ops"), ("  ", "ops"), ("stop", ""), (3, "x")])
def test_a_halt_needs_words_and_nothing_changes(tmp_path: Path, reason: object, by: object) -> None:
    halt = Halt(tmp_path / "halt.json")
    with pytest.raises(ValidationError, match="non-empty"):
        halt.engage(reason, by)  # type: ignore[arg-type]
    assert not (tmp_path / "halt.json").exists()


def test_the_default_path_is_per_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_halt_path("local") == tmp_path / "kalshikit" / "halt-local.json"
    assert default_halt_path("PROD").name == "halt-prod.json"
    with pytest.raises(ValidationError, match="choose one of local, demo, prod"):
        default_halt_path("staging")


def test_a_halt_path_that_cannot_be_read_counts_as_halted(tmp_path: Path) -> None:
    path = tmp_path / "halt.json"
    path.mkdir()  # exists, but no file can be read there (unlike chmod 0, this holds for root)
    halt = Halt(path)
    assert halt.halted
    assert "unreadable" in (halt.reason or "")
