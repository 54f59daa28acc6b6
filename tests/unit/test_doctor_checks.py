"""The pure parts of `kalshi doctor`: judgements, skipping, exit code, summary and formatting.

Nothing here leaves the machine: the runner gets a config pointed at a closed loopback port,
or a fake step list.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from rich.text import Text

from kalshikit.auth import generate_private_key, private_key_to_pem
from kalshikit.cli.doctor_cmd import STYLES, format_check, render
from kalshikit.config import APIConfig, Environment
from kalshikit.doctor import (
    Check,
    Probe,
    exit_code,
    judge_skew,
    judge_tier,
    key_id_prefix,
    other_environment,
    run_doctor,
    summary,
)
from kalshikit.errors import ConfigError

KEY_ID = "abcd1234-5678-4000-8000-00000000ffff"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- clock skew -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("skew", "status"),
    [(0.0, "ok"), (4.9, "ok"), (-5.0, "ok"), (5.1, "warn"), (-29.9, "warn"), (30.5, "fail")],
)
def test_skew_thresholds(skew: float, status: str) -> None:
    assert judge_skew(skew).status == status


def test_skew_says_which_way_and_how_to_fix() -> None:
    behind, ahead = judge_skew(12.34), judge_skew(-45.0)
    assert behind.detail == "local clock is 12.3 s behind the exchange's"
    assert ahead.detail == "local clock is 45.0 s ahead of the exchange's"
    assert "NTP" in ahead.fix
    assert "30 s" in ahead.fix
    assert judge_skew(1.0).fix == ""


def test_tier_warns_when_the_configured_one_differs() -> None:
    assert judge_tier(None, "basic", 200, 100).status == "ok"
    assert judge_tier("auto", "basic", 200, 100).status == "ok"
    assert judge_tier(" Basic ", "basic", 200, 100).status == "ok"
    differs = judge_tier("premier", "basic", 200, 100)
    assert differs.status == "warn"
    assert "KALSHI_RATE_TIER=basic" in differs.fix


# --- aggregation ------------------------------------------------------------------------------


def checks(*statuses: str) -> list[Check]:
    return [Check(f"c{i}", s, "detail", "fix it") for i, s in enumerate(statuses)]  # type: ignore[arg-type]


def test_exit_code_fails_only_on_a_fail() -> None:
    assert exit_code(checks("ok", "ok")) == 0
    assert exit_code(checks("ok", "warn", "skipped")) == 0
    assert exit_code(checks("ok", "fail", "skipped")) == 1


def test_summary() -> None:
    assert summary(checks("ok", "ok", "ok")) == "all 3 checks passed"
    assert summary(checks("ok", "warn")) == "1 warning"
    assert summary(checks("fail", "warn", "warn", "skipped")) == "1 failed, 2 warnings, 1 skipped"


def test_skipped_names_the_failure_at_the_root() -> None:
    def fails(run: object) -> Check:
        return Check("a", "fail", "broken", "mend it")

    def passes(run: object) -> Check:
        return Check("x", "ok", "fine")

    steps = [("a", (), fails), ("b", ("a",), passes), ("c", ("b",), passes), ("d", (), passes)]
    found = run_doctor(lambda: APIConfig.resolve("local"), steps=steps)  # type: ignore[arg-type]
    assert [(c.check, c.status) for c in found] == [
        ("a", "fail"),
        ("b", "skipped"),
        ("c", "skipped"),
        ("x", "ok"),
    ]
    assert found[1].detail == "needs a, which failed"
    assert found[2].detail == "needs b, which needs a, which failed"


def test_an_unexpected_exception_becomes_a_fail_line() -> None:
    def explodes(run: object) -> Check:
        raise KeyError("surprise")

    found = run_doctor(lambda: APIConfig.resolve("local"), steps=[("boom", (), explodes)])  # type: ignore[list-item]
    assert found == [Check("boom", "fail", "KeyError: 'surprise'", found[0].fix)]
    assert found[0].fix


def test_a_config_that_cannot_load_fails_first_and_skips_the_rest() -> None:
    def load() -> APIConfig:
        raise ConfigError("KALSHI_ENV: unknown environment 'staging'")

    found = run_doctor(load)
    assert found[0].status == "fail"
    assert "staging" in found[0].detail
    assert "kalshi config show" in found[0].fix
    assert {c.status for c in found[1:]} == {"skipped"}
    assert exit_code(found) == 1


# --- safety of what is shown --------------------------------------------------------------------


def test_key_id_prefix_is_short() -> None:
    assert key_id_prefix(KEY_ID) == "abcd…"


@pytest.mark.parametrize(
    ("env", "url", "owner"),
    [
        ("prod", "https://demo-api.kalshi.co/trade-api/v2", Environment.DEMO),
        ("demo", "wss://external-api-ws.kalshi.com/trade-api/ws/v2", Environment.PROD),
        ("demo", "https://external-api.demo.kalshi.co/trade-api/v2", None),
        ("local", "http://127.0.0.1:8470/trade-api/v2", None),
        ("prod", "https://proxy.example/trade-api/v2", None),
    ],
)
def test_other_environment(env: str, url: str, owner: Environment | None) -> None:
    assert other_environment(Environment(env), url) == owner


def demo_config(tmp_path: Path, mode: int) -> APIConfig:
    key_file = tmp_path / "demo.pem"
    key_file.write_text(private_key_to_pem(generate_private_key("ed25519")))
    key_file.chmod(mode)
    return APIConfig.resolve(
        "demo",
        rest_url=f"http://127.0.0.1:{closed_port()}/trade-api/v2",
        api_key_id=KEY_ID,
        private_key_path=key_file,
        environ={},
        dotenv_path=False,
    )


def test_key_line_never_shows_the_key_or_its_whole_id(tmp_path: Path) -> None:
    config = demo_config(tmp_path, 0o600)
    found = {c.check: c for c in run_doctor(lambda: config, probe=Probe(timeout=1.0))}
    key = found["key"]
    assert (key.status, key.fix) == ("ok", "")
    assert key.detail.startswith("Ed25519 key from file ")
    assert "key id abcd… (argument)" in key.detail
    shown = " ".join(f"{c.detail} {c.fix}" for c in found.values())
    assert KEY_ID not in shown
    assert "PRIVATE KEY" not in shown
    assert found["connect"].status == "fail"
    assert found["signed_read"].detail == "needs clock, which needs connect, which failed"


def test_key_readable_by_others_is_a_warning_with_the_fix(tmp_path: Path) -> None:
    config = demo_config(tmp_path, 0o644)
    key = next(c for c in run_doctor(lambda: config) if c.check == "key")
    assert key.status == "warn"
    assert key.fix == f"run: chmod 600 {tmp_path / 'demo.pem'}"


def test_missing_credentials_name_the_variables() -> None:
    config = APIConfig.resolve("prod", environ={}, dotenv_path=False, rest_url="http://127.0.0.1:9")
    key = next(c for c in run_doctor(lambda: config) if c.check == "key")
    assert (key.status, key.detail) == ("fail", "no API key for prod")
    assert "KALSHI_PROD_API_KEY_ID and KALSHI_PROD_PRIVATE_KEY_PATH" in key.fix


# --- formatting -------------------------------------------------------------------------------


def test_a_failed_check_shows_its_fix_indented_under_the_detail() -> None:
    lines = format_check(Check("dns", "fail", "cannot resolve x", "check the network"))
    assert lines == [
        "fail    dns         cannot resolve x",
        "                    fix: check the network",
    ]


def test_passing_and_skipped_checks_are_one_line() -> None:
    assert format_check(Check("clock", "ok", "fine")) == ["ok      clock       fine"]
    assert len(format_check(Check("tier", "skipped", "needs key, which failed"))) == 1
    assert len(format_check(Check("key", "warn", "mode 644", "run: chmod 600 k"))) == 2


def test_render_colours_the_status_and_leaves_markup_alone() -> None:
    lines = render([Check("ws", "fail", "[bold]not markup[/]", "do [this]")])
    assert [line.plain for line in lines] == format_check(
        Check("ws", "fail", "[bold]not markup[/]", "do [this]")
    )
    first = lines[0]
    assert isinstance(first, Text)
    assert first.spans[0].style == STYLES["fail"]
