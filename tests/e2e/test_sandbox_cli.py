"""`kalshi sandbox keygen|start|status|stop|reset` from a clean data dir, as a user runs them.

The sandbox runs as its own background process on a free loopback port; the key keygen writes
signs real requests from our client; a restart replays the store to the same state.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from kalshikit import KalshiClient
from kalshikit.cli.main import main
from kalshikit.config import APIConfig
from kalshikit.http._core import Call, prepare
from kalshikit.models import BalanceResponse

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, object]:
    assert main(["--json", *argv]) == 0
    found = json.loads(capsys.readouterr().out)
    assert isinstance(found, dict)
    return found


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    directory = tmp_path / "sandbox"
    yield directory
    main(["sandbox", "stop", "--data-dir", str(directory)])


def client_for(port: int, key: dict[str, object]) -> KalshiClient:
    config = APIConfig.resolve(
        "local",
        rest_url=f"http://127.0.0.1:{port}/trade-api/v2",
        api_key_id=str(key["api_key_id"]),
        private_key_path=str(key["private_key_path"]),
        environ={},
        dotenv_path=False,
    )
    return KalshiClient(config=config)


def test_keygen_start_use_restart_reset(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    port = free_port()
    key = run_json(capsys, "sandbox", "keygen", "--data-dir", str(data_dir), "--balance", "250")
    assert set(key) == {"api_key_id", "private_key_path", "user_id", "balance_dollars"}
    assert key["balance_dollars"] == "250.00"
    assert os.stat(str(key["private_key_path"])).st_mode & 0o077 == 0  # only the owner reads it

    started = run_json(capsys, "sandbox", "start", "--data-dir", str(data_dir), "--port", str(port))
    assert started["status"] == "started"
    with client_for(port, key) as client:
        balance = client.call(Call(prepare("portfolio.balance"), BalanceResponse, lambda b: b))
        markets = client.markets.list(status="open").to_list()
        book = client.markets.orderbook(markets[0].ticker)
    assert balance.balance_dollars is not None
    assert Decimal(balance.balance_dollars) == Decimal("250")
    assert len(markets) > 100
    assert book.yes  # the house ladder rests on every open market
    assert book.no

    live_key = run_json(
        capsys,
        "sandbox",
        "keygen",
        "--data-dir",
        str(data_dir),
        "--port",
        str(port),
        "--type",
        "ed25519",
    )
    assert run_json(capsys, "sandbox", "status", "--data-dir", str(data_dir))["status"] == "running"
    assert run_json(capsys, "sandbox", "stop", "--data-dir", str(data_dir))["status"] == "stopped"

    run_json(capsys, "sandbox", "start", "--data-dir", str(data_dir), "--port", str(port))
    with client_for(port, live_key) as client:  # a user made while running survives a restart
        again = client.markets.orderbook(markets[0].ticker)
    assert again == book

    assert run_json(capsys, "sandbox", "reset", "--data-dir", str(data_dir))["status"] == "reset"
    assert not data_dir.exists()


def test_keygen_refuses_bad_input(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sandbox", "keygen", "--data-dir", str(data_dir), "--balance", "12.345"]) == 2
    assert main(["sandbox", "keygen", "--data-dir", str(data_dir), "--type", "dsa"]) == 2
    assert "error:" in capsys.readouterr().err
    assert not (data_dir / "keys").exists()


def test_local_commands_start_a_sandbox_when_none_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """DESIGN.md: with --env local at the default URL, the CLI starts the sandbox and says so."""
    from kalshikit.sandbox import launch

    if launch.is_answering(launch.DEFAULT_HOST, launch.DEFAULT_PORT):
        pytest.skip("something already listens on the default sandbox port 8470")
    for name in [n for n in os.environ if n.startswith("KALSHI_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))  # the user data dir, kept out of $HOME
    monkeypatch.chdir(tmp_path)
    data_dir = launch.default_data_dir()
    assert str(data_dir).startswith(str(tmp_path))
    try:
        assert main(["--env", "local", "--json", "markets", "list", "--limit", "1"]) == 0
        captured = capsys.readouterr()
        assert len(json.loads(captured.out)) == 1
        assert "started the local sandbox" in captured.err
    finally:
        main(["sandbox", "stop", "--data-dir", str(data_dir)])
