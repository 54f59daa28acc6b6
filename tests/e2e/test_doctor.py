"""`kalshi doctor` end to end: every line passes against a real sandbox; with no credentials and
no network it fails fast with fixes and no traceback.

The sandbox runs in-process on a free loopback port (``running()``) and the CLI is pointed at it
with KALSHI_API_URL, with a user and key made through its admin API as the e2e tests do.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from kalshikit.auth import generate_private_key, private_key_to_pem, public_key_pem
from kalshikit.cli.main import main
from kalshikit.sandbox.server import running

pytestmark = pytest.mark.slow

EVERY_CHECK = [
    "config",
    "rest_url",
    "ws_url",
    "key",
    "dns",
    "connect",
    "clock",
    "signed_read",
    "market",
    "websocket",
    "tier",
]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in [n for n in os.environ if n.startswith("KALSHI_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="module")
def sandbox_url() -> Iterator[str]:
    with running() as url:
        yield url


def make_user(rest_url: str, key_file: Path) -> str:
    """A sandbox user whose private key is written (0600) to ``key_file``; its key id."""
    key = generate_private_key("rsa")
    admin = rest_url.removesuffix("/trade-api/v2") + "/sandbox/admin/users"
    answer = httpx.post(admin, json={"public_key_pem": public_key_pem(key)}, timeout=10)
    answer.raise_for_status()
    key_file.write_text(private_key_to_pem(key))
    key_file.chmod(0o600)
    return str(answer.json()["api_key_id"])


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def doctor_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[dict[str, str]]]:
    code = main(["doctor", *argv, "--json"])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    found = json.loads(captured.out)
    assert isinstance(found, list)
    return code, found


def use_key(monkeypatch: pytest.MonkeyPatch, url: str, key_id: str, key_file: Path) -> None:
    monkeypatch.setenv("KALSHI_API_URL", url)
    monkeypatch.setenv("KALSHI_API_KEY_ID", key_id)
    monkeypatch.setenv("KALSHI_PRIVATE_KEY_PATH", str(key_file))


def test_every_line_passes_against_a_sandbox(
    sandbox_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    key_id = make_user(sandbox_url, tmp_path / "user.pem")
    use_key(monkeypatch, sandbox_url, key_id, tmp_path / "user.pem")
    code, checks = doctor_json(capsys, "--env", "local")
    assert [(c["check"], c["status"]) for c in checks] == [(name, "ok") for name in EVERY_CHECK]
    assert code == 0
    assert all(set(c) == {"check", "status", "detail", "fix"} for c in checks)
    assert key_id not in json.dumps(checks)  # a four-character prefix at most
    by_name = {c["check"]: c["detail"] for c in checks}
    assert by_name["key"].startswith("RSA 2048-bit key from file")
    assert by_name["websocket"].startswith("signed handshake accepted; subscribed to ticker ")


def test_a_key_the_exchange_does_not_know_fails_the_signed_steps(
    sandbox_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    key_id = make_user(sandbox_url, tmp_path / "user.pem")
    (tmp_path / "other.pem").write_text(private_key_to_pem(generate_private_key("ed25519")))
    (tmp_path / "other.pem").chmod(0o600)
    use_key(monkeypatch, sandbox_url, key_id, tmp_path / "other.pem")
    code, checks = doctor_json(capsys, "--env", "local")
    status = {c["check"]: c for c in checks}
    assert code == 1
    for name in ("signed_read", "websocket"):
        assert status[name]["status"] == "fail"
        assert "KALSHI_API_KEY_ID is the id of this private key" in status[name]["fix"]
    assert "401" in status["signed_read"]["detail"]
    assert status["tier"]["status"] == "skipped"
    assert status["market"]["status"] == "ok"


def test_demo_with_no_credentials_and_no_network_fails_with_fixes(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KALSHI_API_URL", f"http://127.0.0.1:{closed_port()}/trade-api/v2")
    assert main(["--env", "demo", "doctor"]) == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    lines = captured.out.splitlines()
    fails = [line.split()[1] for line in lines if line.startswith("fail")]
    assert fails == ["key", "connect"]
    fixes = [line.strip() for line in lines if line.strip().startswith("fix: ")]
    assert len(fixes) == 2
    assert "KALSHI_DEMO_API_KEY_ID and KALSHI_DEMO_PRIVATE_KEY_PATH" in fixes[0]
    assert "firewall or proxy" in fixes[1]
    assert lines[-1] == "2 failed, 5 skipped"


def test_demo_failure_as_json(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KALSHI_API_URL", f"http://127.0.0.1:{closed_port()}/trade-api/v2")
    code, checks = doctor_json(capsys, "--env", "demo")
    assert code == 1
    assert [c["check"] for c in checks] == EVERY_CHECK
    failed = {c["check"]: c for c in checks if c["status"] == "fail"}
    assert set(failed) == {"key", "connect"}
    assert all(c["fix"] for c in failed.values())
    assert {c["status"] for c in checks if c["check"] not in failed} == {"ok", "skipped"}


def test_local_at_the_default_url_starts_the_sandbox_and_passes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The CLI convention: a fresh machine, `kalshi doctor --env local`, every line ok."""
    from kalshikit.sandbox import launch

    if launch.is_answering(launch.DEFAULT_HOST, launch.DEFAULT_PORT):
        pytest.skip("something already listens on the default sandbox port 8470")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))  # the user data dir, kept out of $HOME
    data_dir = launch.default_data_dir()
    try:
        code, checks = doctor_json(capsys, "--env", "local")
        assert [(c["check"], c["status"]) for c in checks] == [(n, "ok") for n in EVERY_CHECK]
        assert code == 0
        key = next(c for c in checks if c["check"] == "key")
        assert "(from sandbox default user)" in key["detail"]
    finally:
        main(["sandbox", "stop", "--data-dir", str(data_dir)])
