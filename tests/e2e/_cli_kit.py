"""What the CLI's end-to-end tests share: a sandbox as a user sees it, and a fresh user whose key
the CLI finds in the environment."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import httpx
import pytest

from kalshikit.auth import generate_private_key, private_key_to_pem, public_key_pem
from kalshikit.cli.main import main


class Box:
    """A running sandbox, read as a user and driven through its admin API."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.admin_url = url.removesuffix("/trade-api/v2") + "/sandbox/admin"

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        answer = httpx.request(method, self.admin_url + path, json=body, timeout=10)
        answer.raise_for_status()
        return answer.json() if answer.content else None

    def sdk_client(self) -> Any:
        """An official-SDK client (kalshi-python-sync) signed in as a fresh user."""
        import kalshi_python_sync as sdk

        key = generate_private_key("rsa")
        created = self.admin("POST", "/users", {"public_key_pem": public_key_pem(key)})
        config = sdk.Configuration(host=self.url)
        config.api_key_id = created["api_key_id"]
        config.private_key_pem = private_key_to_pem(key)
        return sdk.KalshiClient(config)

    def state(self) -> Any:
        return self.admin("GET", "/state")

    def ticker(self) -> str:
        return next(
            m["ticker"] for m in self.markets() if m["price_level_structure"] == "linear_cent"
        )

    def combo_ticker(self) -> str:
        """A combo market: it lives on shard 1 (exchange_index 1)."""
        return next(m["ticker"] for m in self.markets() if m.get("exchange_index") == 1)

    def markets(self) -> list[dict[str, Any]]:
        markets = httpx.get(self.url + "/markets", params={"status": "open", "limit": 1000}).json()
        return list(markets["markets"])


def sign_in(box: Box, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh sandbox user whose key the CLI finds in the environment (for every env name)."""
    for name in [n for n in os.environ if n.startswith("KALSHI_")]:
        monkeypatch.delenv(name)
    key = generate_private_key("ed25519")
    made = box.admin("POST", "/users", {"public_key_pem": public_key_pem(key)})
    path = tmp_path / "key.pem"
    path.write_text(private_key_to_pem(key))
    path.chmod(0o600)
    monkeypatch.setenv("KALSHI_API_URL", box.url)
    for prefix in ("KALSHI_", "KALSHI_PROD_"):
        monkeypatch.setenv(f"{prefix}API_KEY_ID", made["api_key_id"])
        monkeypatch.setenv(f"{prefix}PRIVATE_KEY_PATH", str(path))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # the CLI's order journal
    monkeypatch.chdir(tmp_path)
    return str(made["user_id"])


def sign_in_paper(url: str, key_id: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI as the paper account ``key_id`` of the paper exchange at ``url`` (any key signs:
    the paper exchange names accounts by key id)."""
    for name in [n for n in os.environ if n.startswith("KALSHI_")]:
        monkeypatch.delenv(name)
    path = tmp_path / "paper.pem"
    path.write_text(private_key_to_pem(generate_private_key("ed25519")))
    path.chmod(0o600)
    monkeypatch.setenv("KALSHI_API_URL", url)
    monkeypatch.setenv("KALSHI_PAPER_API_KEY_ID", key_id)
    monkeypatch.setenv("KALSHI_PAPER_PRIVATE_KEY_PATH", str(path))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)


def cli_json(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    assert main(["--json", *argv]) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)
