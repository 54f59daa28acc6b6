"""``kalshi sandbox keygen``: a sandbox user with a fresh API key, whether or not it is running.

The key goes into the data dir's own sandbox, never into whatever answers on some port. A
running sandbox holds its state in memory, so the user is created through its loopback admin
API, at the address its server recorded in the data dir's lock; a stopped one is changed through
its store, under that lock, so the next start replays the new user. The private key is written
where the user asked (mode 0600) and never printed.
"""

from __future__ import annotations

import json
import os
import time
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal, NamedTuple, cast

import httpx

from kalshikit.auth import generate_private_key, private_key_to_pem, public_key_pem
from kalshikit.errors import KalshiError, ValidationError
from kalshikit.sandbox.datadir import DataDirBusy, DataDirLock, Holder
from kalshikit.sandbox.launch import SandboxSettings, at_server, is_answering, wall_clock_ms

if TYPE_CHECKING:
    from kalshikit.sandbox.store import PersistentExchange

KeyType = Literal["rsa", "ed25519"]


class Role(NamedTuple):
    """Who the key is for: a new user (an FCM member when ``fcm``) or an existing subtrader."""

    fcm: bool = False
    subtrader: str | None = None


# how long keygen waits for the data dir's server to listen (it replays its store first) or
# for another keygen to finish with the store
_WAIT_FOR_WRITER_S: Final = 60.0
# the name its keys get: keygen registers them as POST /api_keys does (``create_api_key``)
KEYGEN_NAME: Final = "kalshi sandbox keygen"


def _key_type(value: str) -> KeyType:
    if value not in ("rsa", "ed25519"):
        raise ValidationError(f"--type must be rsa or ed25519; got {value!r}")
    return cast(KeyType, value)


def _register(
    settings: SandboxSettings, public_pem: str, cents: int, role: Role
) -> tuple[str, str]:
    """Into the data dir's sandbox: through its server if one runs, else into its store."""
    deadline = time.monotonic() + _WAIT_FOR_WRITER_S
    while True:
        try:
            lock = DataDirLock.acquire(settings.data_dir, Holder(os.getpid(), "keygen"))
        except DataDirBusy as busy:
            server = _answering_server(settings, busy, deadline)
            if server is not None:
                return _register_live(server, public_pem, cents, role)
            time.sleep(0.1)
            continue
        with lock:
            return _register_stored(settings, public_pem, cents, role)


def _answering_server(
    settings: SandboxSettings, busy: DataDirBusy, deadline: float
) -> SandboxSettings | None:
    """Where the data dir's server answers; None while it is starting (or another keygen
    writes). Past the deadline, or with a holder that cannot be named, the refusal stands."""
    holder = busy.holder
    if holder is None or time.monotonic() > deadline:
        raise busy
    if holder.role != "server" or holder.port is None:
        return None
    server = at_server(settings, holder)
    return server if is_answering(server.host, server.port) else None


def _register_live(
    settings: SandboxSettings, public_pem: str, cents: int, role: Role
) -> tuple[str, str]:
    body: dict[str, object] = {"public_key_pem": public_pem, "api_key_name": KEYGEN_NAME}
    admin = f"{settings.base_url}/sandbox/admin/users"
    try:
        if role.subtrader is None:
            body.update(balance_cents=cents, fcm=role.fcm)
            answer = httpx.post(admin, json=body, timeout=10.0)
        else:  # a key for a subtrader that exists, then its cash
            answer = httpx.post(f"{admin}/{role.subtrader}/keys", json=body, timeout=10.0)
            answer.raise_for_status()
            if cents:
                deposit = {"cents": cents}
                url = f"{admin}/{role.subtrader}/deposit"
                httpx.post(url, json=deposit, timeout=10.0).raise_for_status()
        answer.raise_for_status()
    except httpx.HTTPError as error:  # a CLI user gets one line, not an httpx traceback
        raise KalshiError(
            f"the sandbox of {settings.data_dir} did not create the user ({error}); see "
            f"`kalshi sandbox status --data-dir {settings.data_dir}` and its log"
        ) from error
    created = answer.json()
    return str(created["user_id"]), str(created["api_key_id"])


def _register_stored(
    settings: SandboxSettings, public_pem: str, cents: int, role: Role
) -> tuple[str, str]:
    from kalshikit.sandbox.store import open_exchange

    now = wall_clock_ms()
    persistent = open_exchange(
        settings.data_dir,
        seed=settings.seed,
        markets=settings.markets,
        now_ms=now,
        clock=wall_clock_ms,
    )
    try:
        if role.subtrader is None:
            user_id = persistent.create_user(balance_cents=cents, fcm=role.fcm)
        else:
            user_id = _stored_subtrader(persistent, role.subtrader, cents)
        return user_id, persistent.create_api_key(user_id, public_pem, name=KEYGEN_NAME)
    finally:
        persistent.close()


def _stored_subtrader(persistent: PersistentExchange, subtrader_id: str, cents: int) -> str:
    if persistent.exchange.fcm_owner(subtrader_id) is None:
        raise ValidationError(
            f"{subtrader_id!r} is no FCM subtrader of this sandbox; an FCM creates one first "
            "(kalshi fcm create-subtrader SUFFIX)"
        )
    if cents:
        persistent.deposit(subtrader_id, cents)
    return subtrader_id


def _write_private_key(path: Path, pem: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(pem)
    path.chmod(0o600)


def create_user_with_key(
    settings: SandboxSettings,
    *,
    balance: Decimal,
    key_type: str = "rsa",
    out: Path | None = None,
    fcm: bool = False,
    subtrader: str | None = None,
) -> dict[str, str]:
    """Create the user and key; returns api_key_id, private_key_path, user_id, balance_dollars.
    ``fcm``: the user is an FCM member. ``subtrader``: no new user, a key (and ``balance`` of
    cash) for that existing FCM subtrader."""
    if fcm and subtrader is not None:
        raise ValidationError("a key is for a new FCM user (--fcm) or a subtrader, not both")
    key = generate_private_key(_key_type(key_type))
    cents = int(balance * 100)
    user_id, key_id = _register(settings, public_key_pem(key), cents, Role(fcm, subtrader))
    path = (out or settings.data_dir / "keys" / f"{key_id}.pem").expanduser().resolve()
    _write_private_key(path, private_key_to_pem(key))
    return {
        "api_key_id": key_id,
        "private_key_path": str(path),
        "user_id": user_id,
        "balance_dollars": f"{balance:.2f}",
    }


DEFAULT_KEY_FILE = "default-user.json"


def default_user_key(settings: SandboxSettings) -> dict[str, str]:
    """The sandbox's default user (made with $10,000 on first use), for CLI calls with no key."""
    record = settings.data_dir / DEFAULT_KEY_FILE
    try:
        saved = json.loads(record.read_text())
        if Path(saved["private_key_path"]).exists():
            return {k: str(v) for k, v in saved.items()}
    except (OSError, ValueError, KeyError):
        pass
    created = create_user_with_key(settings, balance=Decimal(10_000))
    record.write_text(json.dumps(created))
    return created
