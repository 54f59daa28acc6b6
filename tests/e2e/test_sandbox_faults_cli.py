"""`kalshi sandbox fault ...` arms the sandbox's faults, and our client sees them."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

import pytest

from kalshikit import KalshiClient
from kalshikit.cli.main import main
from kalshikit.config import APIConfig
from kalshikit.errors import ServerError
from kalshikit.http._core import RetryPolicy
from kalshikit.sandbox.server import running

pytestmark = pytest.mark.slow


@pytest.fixture
def url(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    for name in [n for n in os.environ if n.startswith("KALSHI_")]:
        monkeypatch.delenv(name)
    with running() as found:
        monkeypatch.setenv("KALSHI_API_URL", found)
        yield found


def test_status_fault_reaches_the_client(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sandbox", "fault", "status", "--code", "503", "--count", "2"]) == 0
    assert capsys.readouterr().out == "armed: the next 2 REST calls answer 503\n"
    assert main(["--json", "sandbox", "fault", "list"]) == 0
    assert "status" in capsys.readouterr().out
    config = APIConfig.resolve("local", rest_url=url, environ={}, dotenv_path=False)
    with KalshiClient(config=config) as client:
        client.retry_policy = RetryPolicy(max_retries=0)
        for _ in range(2):
            with pytest.raises(ServerError, match="503"):
                client.exchange.status()
        assert client.exchange.status().trading_active  # the fault was used up


def test_clear_disarms(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sandbox", "fault", "ws-skip-seq", "--count", "3"]) == 0
    capsys.readouterr()
    assert main(["--json", "sandbox", "fault", "list"]) == 0
    assert json.loads(capsys.readouterr().out)["ws_skip_seq_count"] == 3
    assert main(["sandbox", "fault", "clear"]) == 0
    capsys.readouterr()
    assert main(["--json", "sandbox", "fault", "list"]) == 0
    assert json.loads(capsys.readouterr().out)["ws_skip_seq_count"] == 0


def test_faults_only_in_the_sandbox(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--env", "demo", "sandbox", "fault", "status"]) == 2
    assert "--env local" in capsys.readouterr().err
