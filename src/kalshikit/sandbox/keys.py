"""``kalshi sandbox keygen``: a sandbox user with a fresh API key, whether or not it is running.

A running sandbox holds its state in memory, so the user is created through its loopback admin
API; a stopped one is changed through its store, so the next start replays the new user. The
private key is written where the user asked (mode 0600) and never printed.
"""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path
from typing import Literal, cast

import httpx

from kalshikit.auth import generate_private_key, private_key_to_pem, public_key_pem
from kalshikit.errors import ValidationError
from kalshikit.sandbox.launch import SandboxSettings, is_answering, wall_clock_ms

KeyType = Literal["rsa", "ed25519"]


def _key_type(value: str) -> KeyType:
    if value not in ("rsa", "ed25519"):
        raise ValidationError(f"--type must be rsa or ed25519; got {value!r}")
    return cast(KeyType, value)


def _register_live(settings: SandboxSettings, public_pem: str, cents: int) -> tuple[str, str]:
    body = {"public_key_pem": public_pem, "balance_cents": cents}
    answer = httpx.post(f"{settings.base_url}/sandbox/admin/users", json=body, timeout=10.0)
    answer.raise_for_status()
    created = answer.json()
    return str(created["user_id"]), str(created["api_key_id"])


def _register_stored(settings: SandboxSettings, public_pem: str, cents: int) -> tuple[str, str]:
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
        user_id = persistent.create_user(balance_cents=cents)
        return user_id, persistent.add_api_key(user_id, public_pem)
    finally:
        persistent.close()


def _write_private_key(path: Path, pem: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(pem)
    path.chmod(0o600)


def create_user_with_key(
    settings: SandboxSettings, *, balance: Decimal, key_type: str = "rsa", out: Path | None = None
) -> dict[str, str]:
    """Create the user and key; returns api_key_id, private_key_path, user_id, balance_dollars."""
    key = generate_private_key(_key_type(key_type))
    cents = int(balance * 100)
    register = _register_live if is_answering(settings.host, settings.port) else _register_stored
    user_id, key_id = register(settings, public_key_pem(key), cents)
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
