"""Processes on one key pacing together: the shared image against one process's bucket, and the
file shell (a dead process's tokens come back, a machine that cannot share falls back)."""

from __future__ import annotations

import logging
import multiprocessing
import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kalshikit import RateLimiter
from kalshikit.ratelimit import BucketSpec, PacedBucket
from kalshikit.ratelimit.limiter import shared_limiter
from kalshikit.ratelimit.shared import share_name
from kalshikit.ratelimit.shared_state import SIZE, StateImage

SPEC = BucketSpec(rate=100.0, capacity=200.0)
PROCESSES = 3

# One step: (process, what, cost, seconds later). "take" holds its tokens, "settle" gives back
# the process's oldest hold, "die" ends the process with whatever it held.
steps = st.lists(
    st.tuples(
        st.integers(0, PROCESSES - 1),
        st.sampled_from(["take", "take", "settle", "drain", "die"]),
        st.sampled_from([2.0, 10.0, 50.0, 190.0]),
        st.floats(0.0, 0.5),
    ),
    max_size=60,
)


@given(steps)
def test_processes_sharing_the_image_pace_as_one_process_would(
    plan: list[tuple[int, str, float, float]],
) -> None:
    image = StateImage(bytearray(SIZE))
    image.start(boot=1.0)
    own = [PacedBucket(SPEC) for _ in range(PROCESSES)]  # each process's copy
    one = PacedBucket(SPEC)  # a single process doing everything
    holds: list[list[float]] = [[] for _ in range(PROCESSES)]
    now = 10.0
    for process, what, cost, later in plan:
        now += later
        paced = own[process]
        at = image.load("read", paced, now)
        if what == "take":
            granted = paced.try_take(cost, at, hold=True)
            assert granted == pytest.approx(one.try_take(cost, now, hold=True))
            holds[process] += [cost] if granted == 0.0 else []
        elif what == "settle" and holds[process]:
            paced.settle(settled := holds[process].pop(0), at)
            one.settle(settled, now)
        elif what == "drain":
            paced.drain(at, 0.1)
            one.drain(now, 0.1)
        if what == "die":  # the file shell counts the bucket, then clears a dead one's slot
            paced.level(at)
        image.store("read", paced, slot=process)
        if what == "die":
            image.clear(process, "read")
            one.settle(sum(holds[process]), now)
            holds[process] = []
        assert image.in_flight("read") == pytest.approx(one.in_flight)
        assert image.in_flight("read") == pytest.approx(sum(map(sum, holds)))
        assert image.load("read", PacedBucket(SPEC), now) == now
        assert own[process].level(now) == pytest.approx(one.level(now))


def test_an_image_from_an_earlier_boot_starts_full_with_nothing_in_flight() -> None:
    image = StateImage(bytearray(SIZE))
    image.start(boot=1000.0)
    paced = PacedBucket(SPEC)
    image.load("write", paced, 5.0)
    paced.try_take(150.0, 5.0, hold=True)
    image.store("write", paced, slot=0)
    assert image.belongs_to(1000.0)
    assert not image.belongs_to(5000.0)
    image.start(5000.0)
    fresh = PacedBucket(SPEC)
    image.load("write", fresh, 1.0)
    assert (fresh.level(1.0), fresh.in_flight) == (fresh.capacity, 0.0)


# --- the file shell ----------------------------------------------------------------------------


@pytest.fixture
def state_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("KALSHI_RATE_STATE_DIR", str(tmp_path / "rate"))
    monkeypatch.delenv("KALSHI_RATE_SHARED", raising=False)
    return tmp_path / "rate"


def _hold_and_crash(name: str, cost: float) -> None:
    limiter = RateLimiter("basic", share_as=name)
    limiter.acquire("write", cost, hold=True)
    os._exit(0)  # no settle: the process is gone with its request in flight


def _in_flight_settles(limiter: RateLimiter, expected: float) -> bool:
    for _ in range(100):
        if limiter.stats().write.in_flight == expected:
            return True
        multiprocessing.Event().wait(0.05)
    return False


def test_another_processes_tokens_count_until_it_dies(state_dir: Path) -> None:
    name = share_name("https://example.test/trade-api/v2", "key-1")
    limiter = RateLimiter("basic", share_as=name)
    limiter.acquire("write", 20, hold=True)
    child = multiprocessing.get_context("spawn").Process(target=_hold_and_crash, args=(name, 50))
    child.start()
    child.join(30)
    assert limiter.stats().write.in_flight == 70  # ours and the dead process's, until swept
    assert _in_flight_settles(limiter, 20)  # the dead one's 50 came back
    limiter.settle("write", 20)
    assert limiter.stats().write.in_flight == 0
    assert list(state_dir.iterdir()) == [state_dir / name]  # named by a hash, no key id
    assert "key-1" not in name


def test_clients_of_one_key_share_unless_told_not_to(
    state_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared_limiter(("demo", "https://shared.test/trade-api/v2", "key-2"))
    assert len(list(state_dir.iterdir())) == 1
    shared_limiter(("demo", "https://shared.test/trade-api/v2", None))  # no key: nothing to share
    monkeypatch.setenv("KALSHI_RATE_SHARED", "0")
    shared_limiter(("demo", "https://off.test/trade-api/v2", "key-3"))
    assert len(list(state_dir.iterdir())) == 1


def test_a_directory_it_cannot_use_means_pacing_alone_said_once(
    state_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    state_dir.parent.mkdir(exist_ok=True)
    state_dir.write_text("a file where the directory should be")
    with caplog.at_level(logging.WARNING, "kalshikit.ratelimit"):
        first = RateLimiter("basic", share_as=share_name("https://a.test", "key-4"))
        RateLimiter("basic", share_as=share_name("https://b.test", "key-5"))
    warnings = [r for r in caplog.records if "cannot share" in r.getMessage()]
    assert len(warnings) == 1
    first.acquire("read", 10)  # still paces, alone
    assert first.stats().read.requests == 1
