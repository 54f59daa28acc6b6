"""A sandbox in its own process, as a user starts it (`kalshi sandbox serve`), on a free port.

The WebSocket and scanner suites use a process rather than the in-thread sandbox so that the
simulator's load and the client under test do not share one interpreter. ``kalshi_process`` runs
any `kalshi` command that way, for commands that serve until stopped when they do not refuse.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def sandbox_process(data_dir: Path, *flags: str) -> Iterator[str]:
    """Serve a sandbox from ``data_dir`` with ``flags``; yields its base URL, stops it after."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    command = [sys.executable, "-m", "kalshikit.cli.main", "sandbox", "serve", "--port", str(port)]
    command += ["--data-dir", str(data_dir), *flags]
    with (data_dir / "log").open("wb") as log:
        process = subprocess.Popen(command, stderr=log)
        try:
            _wait(port)
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            process.wait(timeout=30)


def _wait(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError("the sandbox did not start")


def kalshi_process(*argv: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    """`kalshi ARGV` in its own process; one that should have refused but serves is killed at
    ``timeout`` (subprocess.TimeoutExpired), so that failure cannot hang the suite."""
    command = [sys.executable, "-m", "kalshikit.cli.main", *argv]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
