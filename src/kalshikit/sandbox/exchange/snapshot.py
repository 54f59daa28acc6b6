"""The sandbox's snapshot file: the exchange's state image as of one log position.

One job: turn a state image (``ExchangeCore.state_image``) into a file and back, safely. The file
is a magic line, a JSON header line (``seq``: the last command it includes, ``ts_ms``, a
fingerprint of the state's classes, the payload's size and sha256), then the pickled image.

Pickle, because the state is made of the exchange's own classes (orders, books, accounts, an
RNG) and a hand-written encoding would have to follow every field ever added to them; the file
is the sandbox's own, in its data dir, as trusted as the command log beside it. The catalog is
not in it (it is rebuilt from its seed), nor are API key objects (rebuilt from their PEM). The
fingerprint lists the fields of the state's classes, so a snapshot written by code whose classes
differ is refused with a clear error instead of being read into objects that lack a field.

Writing is ``temp file, fsync, rename, fsync the directory``: whenever a crash comes, the file
is the old snapshot or the new one, never a torn one; a stale temp file is just overwritten.
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import json
import os
import pickle
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from kalshikit.sandbox.engine import STATE_CLASSES, RestingOrder
from kalshikit.sandbox.exchange import accounts, archive, lifecycle, listing, orders
from kalshikit.sandbox.exchange.exchange import Exchange

__all__ = ["Snapshot", "SnapshotError", "decode", "encode", "fingerprint", "read", "write"]

_MAGIC: Final = b"kalshikit-sandbox-snapshot\n"
_FORMAT: Final = 1
# the classes a state image is made of (besides builtins and the engine, fingerprinted by its
# attributes): a field added to one of them makes older snapshots unreadable, and says so
_RECORDS: Final = (
    accounts.Account,
    accounts.ApiKey,
    accounts.Position,
    orders.OrderRecord,
    orders.FillRecord,
    orders.TradeRecord,
    orders.SettlementRecord,
    orders.OrderGroupState,
    lifecycle.MarketState,
    archive.Archive,
    RestingOrder,
)
_SLOTTED: Final = (*STATE_CLASSES, listing.Listing)


class SnapshotError(RuntimeError):
    """A snapshot that cannot be used: damaged, or written by a version with other state."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A state image and where it stands: after command ``seq``, taken at ``ts_ms``."""

    seq: int
    ts_ms: int
    image: Mapping[str, object]


def fingerprint(exchange: Exchange) -> str:
    """What the state of ``exchange``'s code is made of: class fields and attribute names."""
    parts = [f"{c.__qualname__}:{[f.name for f in dataclasses.fields(c)]}" for c in _RECORDS]
    parts += [f"{c.__qualname__}:{sorted(c.__slots__)}" for c in _SLOTTED]
    parts.append(f"core:{sorted(exchange.state_image())}")
    parts.append(f"engine:{sorted(vars(exchange.engine))}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def encode(exchange: Exchange, seq: int, ts_ms: int) -> tuple[bytes, bytes]:
    """The snapshot file's header and payload for ``exchange`` as it is after command ``seq``
    (two parts: joining them would copy the payload once more)."""
    with _collector_paused():
        payload = pickle.dumps(exchange.state_image(), protocol=pickle.HIGHEST_PROTOCOL)
    header = {
        "format": _FORMAT, "seq": seq, "ts_ms": ts_ms, "fingerprint": fingerprint(exchange),
        "size": len(payload), "sha256": hashlib.sha256(payload).hexdigest(),
    }  # fmt: skip
    return _MAGIC + json.dumps(header).encode() + b"\n", payload


def decode(data: bytes, fresh: Exchange, origin: Path) -> Snapshot:
    """The snapshot in ``data``, checked against ``fresh`` (an exchange just built from the
    same catalog, to take the image). Raises ``SnapshotError`` saying what is wrong."""
    if not data.startswith(_MAGIC):
        raise SnapshotError(f"{origin} is not a sandbox snapshot")
    line, _, payload = data[len(_MAGIC) :].partition(b"\n")
    try:
        header = json.loads(line)
    except ValueError:
        raise SnapshotError(f"the snapshot {origin} has a damaged header") from None
    if header.get("format") != _FORMAT or header.get("fingerprint") != fingerprint(fresh):
        raise SnapshotError(
            f"the snapshot {origin} was written by a kalshikit version whose exchange state "
            "differs from this one; reset the sandbox (kalshi sandbox reset) to start afresh"
        )
    if len(payload) != header["size"] or hashlib.sha256(payload).hexdigest() != header["sha256"]:
        raise SnapshotError(f"the snapshot {origin} is damaged (its checksum does not match)")
    with _collector_paused():
        image = pickle.loads(payload)
    return Snapshot(int(header["seq"]), int(header["ts_ms"]), image)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pickling makes and reads a million small objects, each allocation a reason for the
    cyclic collector to walk the whole heap again; it doubles the time for nothing (no cycles)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def write(path: Path, parts: tuple[bytes, ...]) -> None:
    """Replace ``path`` with ``parts`` (joined) atomically and durably."""
    temp = path.with_name(path.name + ".tmp")
    with temp.open("wb") as handle:
        for part in parts:
            handle.write(part)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, path)
    _sync_directory(path.parent)


def read(path: Path) -> bytes | None:
    """The snapshot file's bytes, or None when there is none yet."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def _sync_directory(directory: Path) -> None:
    """Make a rename in ``directory`` durable (where the platform allows opening a directory)."""
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return  # e.g. Windows: a rename there is made durable by the file system itself
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
