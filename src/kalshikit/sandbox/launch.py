"""Run the sandbox as a process: in the foreground, or in the background with a pid file.

This is the only sandbox module that touches processes and the data directory's files besides
the store. The CLI's ``kalshi sandbox ...`` commands are thin wrappers over these functions.

A data dir has one writer at a time (``_datadir_lock``): the server holds its lock while it
runs and records there the address it listens on, so the data dir, not a port, says which
server is its own.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Final

import platformdirs

from kalshikit.background import DETACHED, alive
from kalshikit.endpoints import REST_PREFIX, WS_PATH
from kalshikit.errors import ValidationError
from kalshikit.sandbox.datadir import DataDirBusy, DataDirLock, Holder, holder_of

if TYPE_CHECKING:
    from kalshikit.sandbox.store import PersistentExchange

DEFAULT_HOST: Final = "127.0.0.1"
DEFAULT_PORT: Final = 8470
PID_FILE: Final = "sandbox.pid"
LOG_FILE: Final = "sandbox.log"
SETTINGS_FILE: Final = "settings.json"
# the lines a starting server writes about its progress, which start_background relays
PROGRESS_PREFIX: Final = "sandbox starting: "
Progress = Callable[[str], None]
DEFAULT_ACTIVITY: Final = 20.0  # simulator writes a second: lively, and light on a small machine

# writes per simulator step: tens of ms at most, so requests are served between steps even
# when --activity asks for more than the machine can do
_log = logging.getLogger(__name__)


def default_data_dir() -> Path:
    """Where ``kalshi sandbox start`` keeps its state: the platform's user data dir."""
    return platformdirs.user_data_path("kalshikit") / "sandbox"


@dataclass(frozen=True, slots=True)
class SandboxSettings:
    """How to run one sandbox; also what a background start remembers in settings.json."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    data_dir: Path = field(default_factory=default_data_dir)
    seed: int = 0
    markets: int = 200
    tier: str = "basic"
    limits_enabled: bool = True
    liquidity: bool = True
    activity: float = DEFAULT_ACTIVITY
    # which of seed and markets the user chose: on a data dir that has a store they must match
    # the ones it was made with (see resolve_catalog); the others quietly take the stored ones
    catalog_given: frozenset[str] = frozenset()

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def rest_url(self) -> str:
        return f"{self.base_url}{REST_PREFIX}"

    @property
    def ws_url(self) -> str:
        return f"{self.base_url.replace('http', 'ws', 1)}{WS_PATH}"

    def serve_args(self) -> list[str]:
        """The command line of ``kalshi sandbox serve`` for these settings."""
        args = ["sandbox", "serve", "--host", self.host, "--port", str(self.port)]
        args += ["--data-dir", str(self.data_dir), "--seed", str(self.seed)]
        args += ["--markets", str(self.markets), "--tier", self.tier]
        args += ["--activity", f"{self.activity:g}"]
        args += [] if self.limits_enabled else ["--no-limits"]
        return args if self.liquidity else [*args, "--no-liquidity"]


def is_answering(host: str, port: int, timeout: float = 0.3) -> bool:
    """Whether something accepts TCP connections there (cheap; no HTTP)."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def running_server(data_dir: Path) -> Holder | None:
    """The server that holds ``data_dir``'s writer lock (pid, and its address once bound)."""
    holder = holder_of(data_dir)
    return holder if holder is not None and holder.role == "server" else None


def at_server(settings: SandboxSettings, server: Holder) -> SandboxSettings:
    """``settings`` with the address ``server`` listens on (when it has one yet)."""
    if server.host is None or server.port is None:
        return settings
    return replace(settings, host=server.host, port=server.port)


def resolve_catalog(settings: SandboxSettings) -> SandboxSettings:
    """``settings`` with the seed and market count the data dir's store was made with (a store
    keeps its catalog for life). A value the user chose that differs is refused rather than
    silently ignored. A data dir with no store yet keeps the values given."""
    from kalshikit.sandbox.store import stored_catalog

    stored = stored_catalog(settings.data_dir)
    if stored is None:
        return settings
    seed, markets = stored
    if ("seed" in settings.catalog_given and settings.seed != seed) or (
        "markets" in settings.catalog_given and settings.markets != markets
    ):
        raise ValidationError(
            f"the sandbox in {settings.data_dir} was made with --seed {seed} --markets "
            f"{markets}; leave out --seed/--markets to run it as it is, or start afresh with "
            f"`kalshi sandbox reset --data-dir {settings.data_dir}` (or pass another --data-dir)"
        )
    return replace(settings, seed=seed, markets=markets)


def _pid_path(settings: SandboxSettings) -> Path:
    return settings.data_dir / PID_FILE


def read_pid(settings: SandboxSettings) -> int | None:
    """The pid of a background sandbox started for this data dir, if it is still alive."""
    try:
        pid = int(_pid_path(settings).read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if alive(pid) else None


def start_background(
    settings: SandboxSettings, *, wait_s: float = 30.0, progress: Progress | None = None
) -> int:
    """Start ``kalshi sandbox serve`` detached; wait until it answers. Returns its pid.
    ``progress`` hears each step the server reports while it starts (a 20,000-market catalog
    takes seconds to build)."""
    server = running_server(settings.data_dir)
    if server is not None:  # said here, not by a child that fails into the log
        raise DataDirBusy(settings.data_dir, server)
    settings = resolve_catalog(settings)  # the child is told the data dir's own catalog
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "kalshikit.cli.main", *settings.serve_args()]
    with (settings.data_dir / LOG_FILE).open("ab") as log:  # the child keeps its own handle
        started_at = log.tell()
        process = subprocess.Popen(  # our own interpreter and arguments
            command, stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True
        )
    DETACHED.append(process)
    _pid_path(settings).write_text(str(process.pid))
    relay = _LogRelay(settings.data_dir / LOG_FILE, started_at, progress)
    _wait_until_answering(settings, process, wait_s, relay)
    return process.pid


class _LogRelay:
    """Passes the starting server's progress lines from its log to ``progress``, and keeps
    the last error it wrote (said by ``start`` if the server exits)."""

    def __init__(self, log: Path, offset: int, progress: Progress | None) -> None:
        self._log, self._offset, self._progress = log, offset, progress
        self.last_error: str | None = None

    def poll(self) -> None:
        with self._log.open("rb") as log:
            log.seek(self._offset)
            chunk = log.read()
        complete = chunk[: chunk.rfind(b"\n") + 1]  # a line being written waits for its end
        self._offset += len(complete)
        for line in complete.decode(errors="replace").splitlines():
            if line.startswith(PROGRESS_PREFIX) and self._progress is not None:
                self._progress(line.removeprefix(PROGRESS_PREFIX))
            elif line.startswith("error: "):
                self.last_error = line.removeprefix("error: ")


def _wait_until_answering(
    settings: SandboxSettings,
    process: subprocess.Popen[bytes],
    wait_s: float,
    relay: _LogRelay,
) -> None:
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        relay.poll()
        if process.poll() is not None:
            relay.poll()  # its last words
            said = f": {relay.last_error}" if relay.last_error else ""
            raise RuntimeError(
                f"the sandbox exited with code {process.returncode}{said} "
                f"(its log: {settings.data_dir / LOG_FILE})"
            )
        if _ours_answering(settings, process.pid):
            relay.poll()  # the steps written since the last look, "listening" among them
            return
        time.sleep(0.1)
    raise TimeoutError(f"the sandbox did not answer within {wait_s:g}s; see its log")


def _ours_answering(settings: SandboxSettings, pid: int) -> bool:
    """Our child holds the data dir, has bound its port, and that port answers: a server of
    another data dir answering on the same port is not ours (our child fails to bind there)."""
    server = running_server(settings.data_dir)
    if server is None or server.pid != pid or server.port is None:
        return False
    return is_answering(server.host or settings.host, server.port)


def stop_background(settings: SandboxSettings, *, wait_s: float = 10.0) -> bool:
    """Stop the sandbox of this data dir: started in the background, or a foreground ``serve``
    (found through the data dir's lock). False when none was running."""
    server = running_server(settings.data_dir)
    # the lock's holder is surely the server; a pid file may be stale (that pid reused)
    pid = server.pid if server else read_pid(settings)
    if pid is None:
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline and _still_serving(pid, settings.data_dir):
        time.sleep(0.05)
    if _still_serving(pid, settings.data_dir):
        os.kill(pid, signal.SIGKILL)
        alive(pid)
    _pid_path(settings).unlink(missing_ok=True)
    return True


def _still_serving(pid: int, data_dir: Path) -> bool:
    # an exited process that its parent has not reaped yet still has a pid, but no lock
    return alive(pid) and holder_of(data_dir) is not None


def reset_data_dir(settings: SandboxSettings) -> None:
    """Stop the data dir's sandbox and delete the data dir, refused while another process
    (keygen, or a server that would not stop) still writes it."""
    stop_background(settings)
    if not settings.data_dir.exists():
        return
    with DataDirLock.acquire(settings.data_dir, Holder(os.getpid(), "reset")):
        shutil.rmtree(settings.data_dir)


def remembered(data_dir: Path) -> SandboxSettings:
    """The settings a background sandbox of ``data_dir`` was started with (defaults if none)."""
    try:
        saved = json.loads((data_dir / SETTINGS_FILE).read_text())
    except (OSError, ValueError):
        return SandboxSettings(data_dir=data_dir)
    return SandboxSettings(
        host=str(saved.get("host", DEFAULT_HOST)),
        port=int(saved.get("port", DEFAULT_PORT)),
        data_dir=data_dir,
        seed=int(saved.get("seed", 0)),
        markets=int(saved.get("markets", 200)),
        tier=str(saved.get("tier", "basic")),
        activity=float(saved.get("activity", DEFAULT_ACTIVITY)),
    )


def remember(settings: SandboxSettings) -> None:
    """Save the settings a background sandbox runs with (status reports them when stopped)."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    saved = {"host": settings.host, "port": settings.port, "seed": settings.seed}
    saved |= {"markets": settings.markets, "tier": settings.tier, "activity": settings.activity}
    (settings.data_dir / SETTINGS_FILE).write_text(json.dumps(saved))


def wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


def simulation_tasks(
    persistent: PersistentExchange, settings: SandboxSettings
) -> list[Callable[[], Awaitable[None]]]:
    """The simulator's loop (none when ``activity`` is 0): steps on the wall clock, writing
    through the journaled writer so its activity is recorded and replays."""
    from kalshikit.sandbox.sim import simulation_loop

    loop = simulation_loop(
        persistent.exchange,
        persistent,
        seed=settings.seed,
        activity=settings.activity,
        clock=wall_clock_ms,
    )
    return [] if loop is None else [loop]


def serve_sandbox(
    settings: SandboxSettings,
    announce: Callable[[SandboxSettings], None] | None = None,
    progress: Progress | None = None,
) -> None:
    """Serve the data dir's exchange until interrupted, as its only writer. Refusals (the data
    dir taken, a different catalog asked for, the port busy) come before anything runs;
    ``announce`` is then called with the settings served, before the store is replayed, and
    ``progress`` with each step of the start (the CLI writes them as ``PROGRESS_PREFIX`` lines,
    which ``start_background`` relays from the log)."""
    from kalshikit.sandbox.server import bind_port

    with DataDirLock.acquire(settings.data_dir, Holder(os.getpid(), "server")) as lock:
        settings = resolve_catalog(settings)
        sock = bind_port(settings.host, settings.port)
        try:
            lock.listening(settings.host, sock.getsockname()[1])
            if announce is not None:
                announce(settings)
            _serve_bound(settings, sock, progress or (lambda _: None))
        finally:
            sock.close()


def _serve_bound(settings: SandboxSettings, sock: socket.socket, progress: Progress) -> None:
    """Open (or replay) the data dir's exchange and serve it on ``sock`` until interrupted."""
    from kalshikit.sandbox.api import create_app
    from kalshikit.sandbox.server import serve
    from kalshikit.sandbox.sim import seed_liquidity
    from kalshikit.sandbox.store import open_exchange

    progress(f"opening about {settings.markets or 0:,} markets (built once, then replayed)")
    persistent = open_exchange(
        settings.data_dir,
        seed=settings.seed,
        markets=settings.markets,
        now_ms=wall_clock_ms(),
        clock=wall_clock_ms,
    )
    if settings.liquidity:
        progress("seeding the opening books")
        seed_liquidity(persistent, persistent.exchange.catalog, seed=settings.seed)
    progress("listening")
    app = create_app(
        persistent.exchange,
        store_writer=persistent,
        tier=settings.tier,
        limits_enabled=settings.limits_enabled,
        background=simulation_tasks(persistent, settings),
    )
    try:
        serve(app, settings.host, settings.port, log_level="warning", sock=sock)
    finally:
        persistent.close()
