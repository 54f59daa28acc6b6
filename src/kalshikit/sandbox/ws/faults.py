"""WebSocket misbehaviour on demand: drop connections, skip a seq number, hold frames back.

The admin API (``POST /sandbox/admin/faults`` with a ``ws_*`` kind) and tests arm these; the
feeds consult :meth:`WsFaults.take_skip` when they number a frame and the socket writer consults
:meth:`WsFaults.take_delay` before it sends one. Every public method may be called from any
thread: off the server's loop it runs there (a test thread and the server never race).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol, TypeVar

__all__ = ["FaultedHub", "WsFaults"]

T = TypeVar("T")
_HANDOFF_TIMEOUT_S = 10.0


@dataclass(slots=True)
class _Armed:
    """A fault for the next ``count`` frames matching a connection and a sid (None: any)."""

    count: int = 0
    connection_id: int | None = None
    sid: int | None = None

    def take(self, connection_id: int, sid: int | None) -> bool:
        if self.count <= 0 or self.connection_id not in (None, connection_id):
            return False
        if self.sid is not None and sid != self.sid:
            return False
        self.count -= 1
        return True


class _Subscription(Protocol):
    @property
    def sid(self) -> int: ...
    @property
    def channel(self) -> str: ...


class _Connection(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def user_id(self) -> str: ...
    @property
    def closed(self) -> bool: ...
    @property
    def subs(self) -> Mapping[int, _Subscription]: ...


class FaultedHub(Protocol):
    """What the faults need of the hub (``registry.HubCore``): its connections, its loop, and
    a way to cut them. A protocol, so the registry and its faults do not import each other."""

    @property
    def connections(self) -> Mapping[int, _Connection]: ...
    @property
    def loop(self) -> asyncio.AbstractEventLoop | None: ...
    def drop(self, connection_id: int | None, user_id: str | None) -> int: ...


class WsFaults:
    """The WebSocket faults of one feed hub."""

    def __init__(self, hub: FaultedHub) -> None:
        self._hub = hub
        self._skip = _Armed()
        self._delay = _Armed()
        self._delay_s = 0.0

    # --- arming (any thread) ------------------------------------------------------------------

    def drop(self, connection_id: int | None = None, user_id: str | None = None) -> int:
        """Cut every matching connection now, without a close frame; how many were cut."""
        return self._on_loop(lambda: self._hub.drop(connection_id, user_id))

    def skip_seq(
        self, count: int = 1, *, sid: int | None = None, connection_id: int | None = None
    ) -> None:
        """The next ``count`` sequenced frames (of that sid / connection) skip one seq each."""
        self._on_loop(lambda: self._arm(self._skip, count, connection_id, sid))

    def delay(self, delay_ms: int, count: int = 1, *, connection_id: int | None = None) -> None:
        """Hold each of the next ``count`` frames (of that connection) ``delay_ms`` back."""

        def arm() -> None:
            self._delay_s = delay_ms / 1000
            self._arm(self._delay, count, connection_id, None)

        self._on_loop(arm)

    def clear(self) -> None:
        def disarm() -> None:
            self._arm(self._skip, 0, None, None)
            self._arm(self._delay, 0, None, None)

        self._on_loop(disarm)

    def pending(self) -> dict[str, object]:
        return self._on_loop(self._pending)

    def connections(self) -> list[dict[str, object]]:
        """The open connections: id, user, whether it is being cut off, subscriptions."""
        return self._on_loop(self._listing)

    # --- consulted on the loop ----------------------------------------------------------------

    def take_skip(self, connection_id: int, sid: int) -> int:
        """1 when this frame's seq must skip a number (cheap when nothing is armed)."""
        return 1 if self._skip.count and self._skip.take(connection_id, sid) else 0

    def take_delay(self, connection_id: int) -> float:
        """Seconds to hold this connection's next frame back (0: send it now)."""
        if self._delay.count and self._delay.take(connection_id, None):
            return self._delay_s
        return 0.0

    # --- internals ------------------------------------------------------------------------------

    @staticmethod
    def _arm(fault: _Armed, count: int, connection_id: int | None, sid: int | None) -> None:
        fault.count, fault.connection_id, fault.sid = count, connection_id, sid

    def _pending(self) -> dict[str, object]:
        return {
            "ws_skip_seq_count": self._skip.count,
            "ws_delay_count": self._delay.count,
            "ws_delay_ms": round(self._delay_s * 1000),
            "ws_connections": len(self._hub.connections),
        }

    def _listing(self) -> list[dict[str, object]]:
        return [
            {
                "connection_id": conn.id,
                "user_id": conn.user_id,
                "closing": conn.closed,
                "subscriptions": [{"sid": s.sid, "channel": s.channel} for s in conn.subs.values()],
            }
            for conn in self._hub.connections.values()
        ]

    def _on_loop(self, action: Callable[[], T]) -> T:
        """Run ``action`` on the server's loop: directly when already there (or when no loop
        serves yet), else handed over and waited for."""
        loop = self._hub.loop
        if loop is None or not loop.is_running() or _running_loop() is loop:
            return action()

        async def run() -> T:
            return action()

        return asyncio.run_coroutine_threadsafe(run(), loop).result(_HANDOFF_TIMEOUT_S)


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
