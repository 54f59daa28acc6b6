"""The command line's help reads like a product's: every command has an example, every option
a line, flags no ``<bool>``, choices are listed; usage errors are one line plus where the help
is; shell completion installs; and `kalshi --help` imports no command's module."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kalshikit.cli.main import command, main


def leaves(group: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every runnable command under ``group``, with the words that name it."""
    for name in group.list_commands(None):
        child = group.get_command(None, name)
        if hasattr(child, "list_commands"):
            yield from leaves(child, (*path, name))
        else:
            yield (*path, name), child


COMMANDS = sorted(leaves(command()), key=lambda item: item[0])
IDS = [" ".join(path) for path, _ in COMMANDS]


@pytest.fixture(autouse=True)
def eighty_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("TERMINAL_WIDTH", "80")


def test_every_command_of_the_docs_is_in_the_tree() -> None:
    assert {"order place", "markets get", "sandbox fault ws-drop", "scan", "doctor"} <= set(IDS)


@pytest.mark.parametrize(("path", "cmd"), COMMANDS, ids=IDS)
def test_help_has_an_example_a_line_per_option_and_no_bool(
    path: tuple[str, ...], cmd: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*path, "--help"]) == 0
    shown = capsys.readouterr().out
    assert "Example: kalshi " + path[0] in shown
    assert "<bool>" not in shown
    assert max(len(line.rstrip()) for line in shown.splitlines()) <= 80
    for param in cmd.params:
        if param.param_type_name == "option" and not param.hidden:
            assert (param.help or "").strip(), f"{' '.join(path)} {param.opts[0]} has no help"


def test_choices_are_listed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["order", "place", "--help"]) == 0
    shown = capsys.readouterr().out
    assert "yes|no" in shown
    assert "buy|sell" in shown
    assert "gtc|ioc|fok" in shown


@pytest.mark.parametrize(
    ("argv", "says", "hint"),
    [
        (["order", "place", "--ticker", "X"], "Missing option '--side'", "kalshi order place"),
        (["markets", "lst"], "Did you mean 'list'?", "kalshi markets"),
        (["markets", "list", "--limit", "-1"], "--limit", "kalshi markets list"),
    ],
)
def test_a_usage_error_is_one_line_and_the_hint(
    argv: list[str], says: str, hint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2, err
    assert err[0].startswith("error: ")
    assert says in err[0]
    assert err[1] == f"see: {hint} --help"


def test_completion_script_is_shown_and_installs(tmp_path: Path) -> None:
    """Typed in bash, as a user does: the shell is found from the process that runs kalshi."""
    kalshi = Path(sys.executable).parent / "kalshi"
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "SHELL": "/bin/bash"}

    def in_bash(flag: str) -> subprocess.CompletedProcess[str]:
        line = f"'{kalshi}' {flag}; exit $?"
        return subprocess.run(["bash", "-c", line], env=env, capture_output=True, text=True)

    shown = in_bash("--show-completion")
    assert shown.returncode == 0, shown.stderr
    assert "_KALSHI_COMPLETE" in shown.stdout
    installed = in_bash("--install-completion")
    assert installed.returncode == 0, installed.stderr
    assert "kalshi" in (tmp_path / ".bashrc").read_text()


def test_help_imports_no_command_module() -> None:
    probe = (
        "import sys; from kalshikit.cli.main import main; main(['--help']); "
        "print(sorted(m for m in sys.modules if m.startswith(('kalshikit.cli.', 'httpx', "
        "'kalshikit.http', 'kalshikit.sandbox'))), file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    loaded = done.stderr.strip()
    assert "market_cmds" not in loaded
    assert "httpx" not in loaded
    assert "kalshikit.sandbox" not in loaded
