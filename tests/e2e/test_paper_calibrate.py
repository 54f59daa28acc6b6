"""The calibration against a busy sandbox, small: its report is consistent (counts add up, the
agreement is the confusion's diagonal share, errors are non-negative, the same
client_order_id on both sides), bad input is refused, and `kalshi paper calibrate --json`
prints it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from _cli_kit import Box, sign_in

from kalshikit import KalshiClient
from kalshikit.cli.main import main
from kalshikit.config import APIConfig
from kalshikit.errors import ValidationError
from kalshikit.paper.calibrate import calibrate
from kalshikit.paper.calibration import CalibrationReport
from kalshikit.sandbox.server import SandboxURL, default_exchange, running

MODELS = ("risk_averse", "power_prob:2", "power_prob:3")


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxURL]:
    with running(default_exchange(markets=16), activity=200, limits_enabled=False) as url:
        yield url


def check_consistent(report: dict[str, object], asked: int) -> None:
    assert report["orders_placed"] + report["orders_skipped"] == asked  # type: ignore[operator]
    assert report["orders_placed"] > 0  # type: ignore[operator]
    for score in report["models"]:  # type: ignore[attr-defined]
        cells = [score[k] for k in ("both_filled", "real_only", "paper_only", "neither")]
        assert sum(cells) == score["orders"] == report["orders_placed"]
        assert score["agreement"] == (cells[0] + cells[3]) / score["orders"]
        for key in ("queue_error_median_centi", "queue_error_p90_centi",
                    "fill_time_error_median_ms", "fill_time_error_p90_ms"):  # fmt: skip
            assert score.get(key) is None or score[key] >= 0  # the CLI's JSON drops nulls
        assert 0 < score["queue_compared"] <= score["orders"]
    assert [s["model"] for s in report["models"]] == list(MODELS)  # type: ignore[attr-defined]


def test_a_small_calibration_gives_a_consistent_report(sandbox: SandboxURL) -> None:
    report = asyncio.run(
        calibrate(sandbox.config, orders=30, markets=4, hold_s=1.0, seed=1, in_flight=10)
    )
    assert isinstance(report, CalibrationReport)
    check_consistent(json.loads(report.to_json()), 30)
    with KalshiClient(config=sandbox.config) as client:
        real = {o.order_id: o.client_order_id for o in client.orders.list(max_pages=5)}
    for trial in report.trials:
        assert real[trial.real_order_id] == trial.client_order_id
        assert {p.client_order_id for p in trial.paper.values()} == {trial.client_order_id}
    assert all(s.orders == len(report.trials) for s in report.scores)
    assert "risk_averse" in report.table()


def test_bad_arguments_are_refused_before_any_order(sandbox: SandboxURL) -> None:
    for bad in (
        {"orders": 0},
        {"hold_s": -1},
        {"models": ("fifo",)},
        {"models": "risk_averse"},
        {"markets": True},
    ):
        with pytest.raises(ValidationError):
            asyncio.run(calibrate(sandbox.config, **bad))


def test_the_cli_prints_the_report_as_json(
    sandbox: SandboxURL,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sign_in(Box(sandbox), tmp_path, monkeypatch)
    argv = ["paper", "calibrate", "--orders", "12", "--markets", "3", "--hold", "1s", "--json"]
    assert main(argv) == 0, capsys.readouterr().err
    captured = capsys.readouterr()
    check_consistent(json.loads(captured.out), 12)
    assert "12/12 orders done" in captured.err  # progress on stderr
    assert main(["paper", "calibrate", "--source", "nowhere"]) == 2
    assert "--source must be local, demo or prod" in capsys.readouterr().err
    assert main(["paper", "calibrate", "--source", "prod", "--orders", "5"]) == 2  # no terminal
    assert "refusing a prod write" in capsys.readouterr().err


@pytest.mark.live
def test_demo_queue_positions_far_from_the_touch() -> None:
    config = APIConfig.resolve("demo")
    if not config.has_credentials:
        pytest.skip("live demo test: KALSHI_DEMO_API_KEY_ID / a private key is not set")
    report = asyncio.run(calibrate(config, orders=6, markets=2, hold_s=1.0, far_from_touch=True))
    assert all(s.both_filled + s.real_only + s.paper_only == 0 for s in report.scores)
