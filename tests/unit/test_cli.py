"""The `kalshi` command line: help, config, exit codes, and one-line errors without tracebacks.

Nothing here leaves the machine: "prod" is pointed at a closed loopback port with KALSHI_API_URL.
"""

from __future__ import annotations

import json
import socket

import pytest

from kalshikit.cli.main import hoist_global_options, main


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    """No stray KALSHI_* settings or .env from the developer's machine."""
    import os

    for name in list(os.environ):
        if name.startswith("KALSHI_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # type: ignore[arg-type]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_help_lists_the_groups(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for group in ("config", "markets", "events", "series"):
        assert group in out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("kalshikit ")


def test_config_show_demo_after_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "show", "--env", "demo", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["environment"]["value"] == "demo"
    assert shown["rest_url"]["value"] == "https://external-api.demo.kalshi.co/trade-api/v2"
    assert shown["ws_url"]["value"] == "wss://external-api-ws.demo.kalshi.co/trade-api/ws/v2"


def test_config_show_never_prints_a_key(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = (
        "-----BEGIN PRIVATE KEY-----\n"
        "MIIBVgIBADANBgkqhkiG9w0BAQEFAASCAUAwggE8AgEAAkEA\n"
        "-----END PRIVATE KEY-----"
    )
    monkeypatch.setenv("KALSHI_DEMO_API_KEY_ID", "0123456789abcdef-secret-key-id")
    monkeypatch.setenv("KALSHI_DEMO_PRIVATE_KEY", secret)
    assert main(["--env", "demo", "config", "show"]) == 0
    out = capsys.readouterr().out
    assert "MIIBVgIBADAN" not in out
    assert "0123456789abcdef-secret-key-id" not in out
    assert "KALSHI_DEMO_PRIVATE_KEY" in out


def test_unreachable_exchange_is_one_line_and_exit_1(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KALSHI_API_URL", f"http://127.0.0.1:{closed_port()}/trade-api/v2")
    assert main(["--env", "prod", "markets", "list"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: could not reach GET http://127.0.0.1:")
    assert lines[0].endswith("; `kalshi doctor` checks each step")
    assert "Traceback" not in captured.err


def test_local_without_sandbox_names_the_fix(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KALSHI_API_URL", f"http://127.0.0.1:{closed_port()}/trade-api/v2")
    assert main(["markets", "get", "KXBTCD-26NOV30-T95000"]) == 1
    assert "kalshi sandbox start" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [
        ["markets", "list", "--status", "bogus"],
        ["markets", "book", "X", "--depth", "500"],
        ["markets", "list", "--limit", "-1"],
        ["--env", "staging", "config", "show"],
        ["markets", "frobnicate"],
    ],
)
def test_bad_input_exits_2_without_sending(
    argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KALSHI_API_URL", f"http://127.0.0.1:{closed_port()}/trade-api/v2")
    assert main(argv) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_global_options_are_hoisted_from_anywhere() -> None:
    assert hoist_global_options(["config", "show", "--env", "demo", "--json"]) == [
        "--env",
        "demo",
        "--json",
        "config",
        "show",
    ]
    assert hoist_global_options(["markets", "list", "--env=prod"]) == [
        "--env=prod",
        "markets",
        "list",
    ]


def test_config_show_says_which_key_local_commands_use(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "show"]) == 0
    assert "sandbox's default user" in capsys.readouterr().err
    assert main(["--env", "demo", "config", "show"]) == 0
    assert "default user" not in capsys.readouterr().err
