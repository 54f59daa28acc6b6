"""`kalshi kill` against a real sandbox: the halt goes on, every resting order is canceled,
`--status` shows the halt and `--clear` lifts it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from _cli_kit import Box, cli_json, sign_in

from kalshikit.cli.main import main
from kalshikit.sandbox.server import running
from kalshikit.strategy.audit import read_audit
from kalshikit.strategy.halt import Halt

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def box() -> Iterator[Box]:
    with running(limits_enabled=False, liquidity=False) as url:  # empty books: orders rest
        yield Box(url)


def test_kill_cancels_everything_and_halts_until_cleared(
    box: Box, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sign_in(box, tmp_path, monkeypatch)
    ticker = box.ticker()
    for cents in ("2", "3", "4"):
        cli_json(
            capsys, "--env", "local", "order", "place", "--ticker", ticker, "--side", "yes",
            "--action", "buy", "--count", "1", "--cents", cents,
        )  # fmt: skip
    assert len(cli_json(capsys, "order", "list", "--status", "resting")) == 3

    assert main(["--env", "local", "kill", "--reason", "feed looks wrong"]) == 0
    assert capsys.readouterr().out.strip() == (
        "halted local: canceled 3 orders; clear with `kalshi kill --clear`"
    )
    assert cli_json(capsys, "order", "list", "--status", "resting") == []
    halt_file = tmp_path / "data" / "kalshikit" / "halt-local.json"
    assert Halt(halt_file).reason == "feed looks wrong"  # what a running strategy would see

    status = cli_json(capsys, "--env", "local", "kill", "--status")
    assert (status["halted"], status["reason"]) == (True, "feed looks wrong")
    assert main(["--env", "local", "kill", "--status"]) == 0
    assert "halted local since" in capsys.readouterr().out

    assert main(["--env", "local", "kill", "--clear"]) == 0
    assert "cleared the halt of local" in capsys.readouterr().out
    assert cli_json(capsys, "--env", "local", "kill", "--status") == {
        "env": "local",
        "halted": False,
    }
    audited = list(read_audit(tmp_path / "data" / "kalshikit" / "audit-local.jsonl"))
    assert [(r["kind"], r["env"]) for r in audited] == [("halt", "local"), ("clear", "local")]
    assert audited[0]["canceled"] == 3


def test_kill_with_nothing_resting_still_halts(
    box: Box, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sign_in(box, tmp_path, monkeypatch)
    answer = cli_json(capsys, "--env", "local", "kill")
    assert (answer["halted"], answer["canceled"], answer["reason"]) == (True, 0, "kalshi kill")
    assert main(["--env", "local", "kill", "--status", "--clear"]) == 2
    assert "choose one of --status and --clear" in capsys.readouterr().err
    assert cli_json(capsys, "--env", "local", "kill", "--status")["halted"] is True
