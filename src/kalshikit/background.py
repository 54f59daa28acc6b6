"""Background servers the CLI starts (the sandbox, the paper exchange): one registry of the
children this process started, and whether a process still runs.

A background server outlives the call that starts it on purpose; holding its ``Popen`` object
(in :data:`DETACHED`) keeps Python from warning that a child is "still running" when it is
collected, and lets :func:`alive` reap one that exited instead of leaving a zombie.
"""

from __future__ import annotations

import os
import subprocess

__all__ = ["DETACHED", "alive"]

DETACHED: list[subprocess.Popen[bytes]] = []


def alive(pid: int) -> bool:
    """Whether ``pid`` still runs; a child of ours that exited is reaped (not left a zombie)."""
    for process in DETACHED:
        if process.pid == pid:
            if process.poll() is None:
                return True
            DETACHED.remove(process)
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # somebody else's process: it runs
        return True
    return True
