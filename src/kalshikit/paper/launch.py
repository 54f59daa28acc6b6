"""Run the paper exchange as a background process, and manage its data dir.

The CLI's ``kalshi paper start|stop|status|reset|accounts`` are thin wrappers over these. The
data dir holds the accounts (``paper.sqlite3``), the pid file, the log, the settings the server
was started with, and the default paper key (``kalshi --env paper`` signs with it when no
``KALSHI_PAPER_*`` key is set; the paper server names accounts by key id and checks no
signature, so the key only has to exist). No server library is imported here.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import httpx

from kalshikit.auth import generate_private_key, private_key_to_pem
from kalshikit.background import DETACHED, alive
from kalshikit.config import PAPER_SOURCES, APIConfig
from kalshikit.endpoints import REST_PREFIX
from kalshikit.errors import ValidationError
from kalshikit.paper.engine import PaperEngine
from kalshikit.paper.service import DEFAULT_CASH_MICRO, account_row
from kalshikit.paper.store import PaperStore

__all__ = [
    "ADMIN_PREFIX",
    "DEFAULT_KEY_ID",
    "DEFAULT_PORT",
    "STORE_FILE",
    "PaperSettings",
    "account_config",
    "accounts",
    "default_data_dir",
    "default_key",
    "is_running",
    "remembered",
    "reset",
    "start_background",
    "status",
    "stop_background",
]

DEFAULT_HOST: Final = "127.0.0.1"
DEFAULT_PORT: Final = 8471
DEFAULT_KEY_ID: Final = "paper-default"
STORE_FILE: Final = "paper.sqlite3"
ADMIN_PREFIX: Final = "/paper-admin"
_PID_FILE: Final = "paper.pid"
_LOG_FILE: Final = "paper.log"
_SETTINGS_FILE: Final = "settings.json"
_KEY_FILE: Final = "default_key.pem"


def default_data_dir() -> Path:
    """The user data dir's ``paper`` folder (platformdirs comes with the CLI extra)."""
    import platformdirs

    return platformdirs.user_data_path("kalshikit") / "paper"


@dataclass(frozen=True, slots=True)
class PaperSettings:
    """How to run one paper server; a background start remembers them in settings.json."""

    port: int = DEFAULT_PORT
    data_dir: Path = field(default_factory=default_data_dir)
    source: str = "local"
    cash_micro: int = DEFAULT_CASH_MICRO
    host: str = DEFAULT_HOST

    def __post_init__(self) -> None:
        if self.source not in PAPER_SOURCES:
            raise ValidationError(
                f"--source must be one of {', '.join(PAPER_SOURCES)}; got {self.source!r}"
            )
        if isinstance(self.cash_micro, bool) or self.cash_micro < 0:
            raise ValidationError(f"--cash must be a non-negative amount; got {self.cash_micro!r}")

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def rest_url(self) -> str:
        return self.base_url + REST_PREFIX

    def serve_args(self) -> list[str]:
        """The command line of ``kalshi paper serve`` for these settings."""
        return ["paper", "serve", "--port", str(self.port), "--data-dir", str(self.data_dir),
                "--source", self.source, "--cash-micro", str(self.cash_micro)]  # fmt: skip


def remember(settings: PaperSettings) -> None:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    saved = {"port": settings.port, "source": settings.source, "cash_micro": settings.cash_micro}
    (settings.data_dir / _SETTINGS_FILE).write_text(json.dumps(saved))


def remembered(data_dir: Path | None = None) -> PaperSettings:
    """The settings the data dir's server was last started with (defaults if none)."""
    data_dir = data_dir or default_data_dir()
    try:
        saved = json.loads((data_dir / _SETTINGS_FILE).read_text())
        return PaperSettings(
            port=int(saved["port"]), data_dir=data_dir, source=str(saved["source"]),
            cash_micro=int(saved["cash_micro"]),
        )  # fmt: skip
    except (OSError, ValueError, KeyError, ValidationError):
        return PaperSettings(data_dir=data_dir)


def account_config(rest_url: str, api_key_id: str) -> APIConfig:
    """Env paper at ``rest_url`` as the account ``api_key_id``, signed with a throwaway key:
    the paper exchange names accounts by key id and checks no signature."""
    pem = private_key_to_pem(generate_private_key("ed25519"))
    return APIConfig.resolve(
        "paper", rest_url=rest_url, api_key_id=api_key_id, private_key_pem=pem,
        environ={}, dotenv_path=False,
    )  # fmt: skip


def default_key(data_dir: Path | None = None) -> tuple[str, Path]:
    """The default paper key id and its private key file (made on first use, mode 0600)."""
    path = (data_dir or default_data_dir()) / _KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(private_key_to_pem(generate_private_key("ed25519")))
    return DEFAULT_KEY_ID, path


# --- the process ------------------------------------------------------------------------------


def _answering(settings: PaperSettings) -> bool:
    try:
        with socket.create_connection((settings.host, settings.port), timeout=0.3):
            return True
    except OSError:
        return False


def read_pid(settings: PaperSettings) -> int | None:
    try:
        pid = int((settings.data_dir / _PID_FILE).read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if alive(pid) else None


def is_running(settings: PaperSettings) -> bool:
    """This data dir's server runs and answers (its admin API names the same data dir)."""
    return read_pid(settings) is not None and _answering(settings)


def start_background(settings: PaperSettings, *, wait_s: float = 20.0) -> int:
    """``kalshi paper serve`` detached; returns its pid once it answers."""
    if is_running(settings):
        raise ValidationError(f"the paper server of {settings.data_dir} already runs")
    if _answering(settings):
        raise ValidationError(
            f"port {settings.port} is already in use; pass another --port or stop what listens"
        )
    remember(settings)
    command = [sys.executable, "-m", "kalshikit.cli.main", *settings.serve_args()]
    with (settings.data_dir / _LOG_FILE).open("ab") as log:
        process = subprocess.Popen(  # our own interpreter and arguments
            command, stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True
        )
    DETACHED.append(process)
    (settings.data_dir / _PID_FILE).write_text(str(process.pid))
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"the paper server exited with code {process.returncode} "
                f"(its log: {settings.data_dir / _LOG_FILE})"
            )
        if _answering(settings):
            return process.pid
        time.sleep(0.1)
    raise TimeoutError(f"the paper server did not answer within {wait_s:g}s; see its log")


def stop_background(settings: PaperSettings, *, wait_s: float = 10.0) -> bool:
    """Stop the data dir's server; False when none ran."""
    pid = read_pid(settings)
    if pid is None:
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline and alive(pid):
        time.sleep(0.05)
    if alive(pid):
        os.kill(pid, signal.SIGKILL)
    (settings.data_dir / _PID_FILE).unlink(missing_ok=True)
    return True


# --- accounts: through the running server, else in its store ---------------------------------


def _admin(settings: PaperSettings, method: str, path: str, body: object = None) -> Any:
    url = f"{settings.base_url}{ADMIN_PREFIX}/{path}"
    reply = httpx.request(method, url, json=body, timeout=10.0)
    reply.raise_for_status()
    return reply.json()


def status(settings: PaperSettings) -> dict[str, Any]:
    """Running or not, where, its source and how many accounts it holds."""
    running = is_running(settings)
    found: dict[str, Any] = {
        "state": "running" if running else "not running", "url": settings.rest_url,
        "source": settings.source, "data_dir": str(settings.data_dir),
        "pid": read_pid(settings) if running else None,
    }  # fmt: skip
    if running:
        found |= _admin(settings, "GET", "status")
    else:
        found["accounts"] = len(_stored_rows(settings))
    return found


def _stored_rows(settings: PaperSettings) -> list[dict[str, Any]]:
    if not (settings.data_dir / STORE_FILE).exists():
        return []
    store = PaperStore(settings.data_dir / STORE_FILE)
    try:
        engine = PaperEngine()
        return [account_row(engine, name) for name in store.load_into(engine)]
    finally:
        store.close()


def accounts(settings: PaperSettings) -> list[dict[str, Any]]:
    """Each paper account: cash, collateral held, positions, resting orders, fills."""
    if is_running(settings):
        rows: list[dict[str, Any]] = _admin(settings, "GET", "accounts")
        return rows
    return _stored_rows(settings)


def reset(settings: PaperSettings, account: str | None) -> int:
    """Forget one account (or all): it starts afresh with the starting cash; how many went."""
    if is_running(settings):
        return int(_admin(settings, "POST", "reset", {"account": account})["reset"])
    if not (settings.data_dir / STORE_FILE).exists():
        return 0
    store = PaperStore(settings.data_dir / STORE_FILE)
    try:
        return store.delete(account)
    finally:
        store.close()
