"""The bytes that processes on one machine share to pace one API key together. No I/O here.

One image (a small file, mapped into every process; a ``bytearray`` in tests) holds, for the
read and the write bucket, what :class:`~kalshikit.ratelimit.PacedBucket` keeps in memory:
tokens, when they were last counted, a 429 pause, and the tokens in flight of every process.
Each process also has a slot of its own where its share of the in-flight tokens is written, so
that when it dies the others can take its share back out (the file shell tells who is dead).

The caller serialises access (a lock around ``load`` ... ``store``). ``load`` copies the shared
state into a process's PacedBucket, the bucket's own arithmetic runs unchanged, and ``store``
writes it back. So several processes pace exactly as one process would: the guarantee of
PacedBucket (in-flight tokens lower the refill ceiling) holds with everyone's tokens counted.

Times are on a clock every process reads alike (``time.monotonic``: CLOCK_MONOTONIC, one per
machine on Linux and macOS, restarted at boot); the image names the boot it belongs to, and an
image from an earlier boot is started afresh.
"""

from __future__ import annotations

import math
import struct
from typing import Final

from kalshikit.endpoints import Bucket
from kalshikit.ratelimit.bucket import PacedBucket

__all__ = ["SIZE", "SLOTS", "StateImage"]

MAGIC: Final = b"kkrate01"
SLOTS: Final = 64  # processes that can share one key at once (more fall back to their own)
# Two boot marks this close are one boot (a Linux boot id is exact; an estimate drifts a little).
BOOT_TOLERANCE_S: Final = 60.0
_HEADER: Final = struct.Struct("<8sd")  # magic, boot mark
_BUCKET: Final = struct.Struct("<dddd")  # tokens, updated, paused_until, in flight (everyone's)
_HOLDING: Final = struct.Struct("<d")  # one process's in-flight tokens in one bucket
_INDEX: Final[dict[Bucket, int]] = {"read": 0, "write": 1}
_BUCKETS_AT: Final = _HEADER.size
_SLOTS_AT: Final = _BUCKETS_AT + 2 * _BUCKET.size
SIZE: Final = _SLOTS_AT + SLOTS * 2 * _HOLDING.size
_FRESH: Final = math.nan  # tokens and updated of a bucket no process has counted yet


def _bucket_at(bucket: Bucket) -> int:
    return _BUCKETS_AT + _INDEX[bucket] * _BUCKET.size


def _holding_at(slot: int, bucket: Bucket) -> int:
    return _SLOTS_AT + (slot * 2 + _INDEX[bucket]) * _HOLDING.size


class StateImage:
    """The shared state laid out in ``buffer`` (at least :data:`SIZE` writable bytes)."""

    def __init__(self, buffer: bytearray | memoryview) -> None:
        self.buffer = buffer

    # --- the image as a whole ---------------------------------------------------------------

    def belongs_to(self, boot: float) -> bool:
        magic, mark = _HEADER.unpack_from(self.buffer, 0)
        return bool(magic == MAGIC and abs(mark - boot) <= BOOT_TOLERANCE_S)

    def start(self, boot: float) -> None:
        """Forget everything (a new file, or one from an earlier boot): buckets fresh (each
        process's first look counts them full, as the exchange's are), nothing in flight."""
        self.buffer[:SIZE] = bytes(SIZE)
        _HEADER.pack_into(self.buffer, 0, MAGIC, boot)
        for bucket in _INDEX:
            _BUCKET.pack_into(self.buffer, _bucket_at(bucket), _FRESH, _FRESH, -math.inf, 0.0)

    # --- one bucket, around one operation of PacedBucket ------------------------------------

    def load(self, bucket: Bucket, paced: PacedBucket, now: float) -> float:
        """Put the shared state into ``paced``; answers ``now``, or the last time any process
        counted the bucket if that is later (a process may read the clock, then wait for the
        lock: counting from its earlier time would refill the same interval twice)."""
        tokens, updated, paused_until, in_flight = _BUCKET.unpack_from(
            self.buffer, _bucket_at(bucket)
        )
        if math.isnan(updated):
            paced.tokens, paced.updated = paced.capacity, None
        else:
            paced.tokens, paced.updated = tokens, updated
            now = max(now, updated)
        paced.paused_until, paced.in_flight = paused_until, in_flight
        return now

    def store(self, bucket: Bucket, paced: PacedBucket, slot: int) -> None:
        """Write ``paced`` back after one operation; what it put in flight (or settled) is
        this process's, noted in ``slot``. A process never settles more than it holds."""
        at = _bucket_at(bucket)
        in_flight = _BUCKET.unpack_from(self.buffer, at)[3]
        change = paced.in_flight - in_flight
        if change:  # most operations (a take without hold, a wait) put nothing in flight
            held = self.holding(slot, bucket)
            change = max(change, -held)
            _HOLDING.pack_into(self.buffer, _holding_at(slot, bucket), held + change)
        updated = _FRESH if paced.updated is None else paced.updated
        everyone = max(0.0, in_flight + change)
        _BUCKET.pack_into(self.buffer, at, paced.tokens, updated, paced.paused_until, everyone)
        paced.in_flight = everyone

    # --- the processes' slots ---------------------------------------------------------------

    def holding(self, slot: int, bucket: Bucket) -> float:
        held: float = _HOLDING.unpack_from(self.buffer, _holding_at(slot, bucket))[0]
        return held

    def in_flight(self, bucket: Bucket) -> float:
        everyone: float = _BUCKET.unpack_from(self.buffer, _bucket_at(bucket))[3]
        return everyone

    def holders(self, bucket: Bucket) -> list[int]:
        """Slots with tokens of ``bucket`` in flight."""
        return [s for s in range(SLOTS) if self.holding(s, bucket)]

    def clear(self, slot: int, bucket: Bucket) -> None:
        """Its process is gone (or a new one takes the slot): its tokens leave the flight. Count
        the bucket up to now first (``store``): until now they lowered its ceiling."""
        at = _bucket_at(bucket)
        tokens, updated, paused_until, in_flight = _BUCKET.unpack_from(self.buffer, at)
        in_flight = max(0.0, in_flight - self.holding(slot, bucket))
        _BUCKET.pack_into(self.buffer, at, tokens, updated, paused_until, in_flight)
        _HOLDING.pack_into(self.buffer, _holding_at(slot, bucket), 0.0)
