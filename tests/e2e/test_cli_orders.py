"""`kalshi order ...` and `kalshi portfolio ...` against a real sandbox, as a user types them.

Nothing real is touched: "prod" here is a sandbox behind KALSHI_API_URL, which is exactly how a
user would rehearse a production session.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from _cli_kit import Box, cli_json, sign_in

from kalshikit import KalshiClient
from kalshikit.auth import generate_private_key, private_key_to_pem, public_key_pem
from kalshikit.cli.main import main
from kalshikit.config import APIConfig
from kalshikit.sandbox.server import running

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def box() -> Iterator[Box]:
    # empty books: the tests place the only orders, and see exactly their own fills
    with running(limits_enabled=False, liquidity=False) as url:
        yield Box(url)


@pytest.fixture
def as_user(box: Box, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    return sign_in(box, tmp_path, monkeypatch)


def test_place_list_cancel(box: Box, as_user: str, capsys: pytest.CaptureFixture[str]) -> None:
    ticker = box.ticker()
    placed = cli_json(
        capsys, "--env", "local", "order", "place", "--ticker", ticker, "--side", "yes",
        "--action", "buy", "--count", "3", "--cents", "2", "--yes",
    )  # fmt: skip
    assert placed["order_id"]
    assert placed["client_order_id"]
    listed = cli_json(capsys, "order", "list")
    assert [(o["order_id"], o["status"]) for o in listed] == [(placed["order_id"], "resting")]
    assert listed[0]["client_order_id"] == placed["client_order_id"]
    cli_json(capsys, "order", "cancel", placed["order_id"])
    assert cli_json(capsys, "order", "show", placed["order_id"])["status"] == "canceled"


def test_writes_by_order_id_reach_an_order_on_shard_one(
    box: Box, as_user: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """`order cancel` and `order decrease` learn the order's market (or take --ticker), and
    `cancel-all --ticker` keeps it, so a combo order (shard 1) is reached, not "not found"."""
    ticker = box.combo_ticker()
    cli_json(capsys, "transfer", "shard", "20", "--from", "0", "--to", "1", "--yes")

    def place(cents: str) -> str:
        placed = cli_json(
            capsys, "order", "place", "--ticker", ticker, "--side", "yes", "--action", "buy",
            "--count", "3", "--cents", cents, "--yes",
        )  # fmt: skip
        return str(placed["order_id"])

    first, second, third, fourth = (place(cents) for cents in ("10", "11", "12", "13"))
    decreased = cli_json(capsys, "order", "decrease", first, "--by", "1", "--yes")
    assert decreased["remaining_count"] == "2.00"
    cli_json(capsys, "order", "decrease", second, "--to", "1", "--ticker", ticker, "--yes")
    cli_json(capsys, "order", "cancel", first, "--yes")
    cli_json(capsys, "order", "cancel", second, "--ticker", ticker, "--yes")
    canceled = cli_json(capsys, "order", "cancel-all", "--ticker", ticker, "--yes")
    assert sorted(c["order_id"] for c in canceled if c.get("error") is None) == sorted(
        [third, fourth]
    )
    statuses = {cli_json(capsys, "order", "show", o)["status"] for o in (first, second, third)}
    assert statuses == {"canceled"}


@pytest.mark.parametrize(
    ("flags", "says"),
    [
        (["--cents", "0.5"], "did you mean --cents 50 or --dollars 0.50"),
        (["--cents", "100"], "--cents takes whole cents 1-99"),
        (["--dollars", "0.555"], "not on"),
        (["--count", "0", "--cents", "40"], "--count"),
        (["--cents", "40", "--dollars", "0.40"], "exactly one of --cents and --dollars"),
        (["--cents", "40", "--tif", "day"], "--tif takes gtc, ioc or fok"),
        (["--cents", "40", "--expires", "5"], "--expires 5 is not in the future"),
    ],
)
def test_bad_input_exits_2_and_changes_nothing(
    box: Box, as_user: str, capsys: pytest.CaptureFixture[str], flags: list[str], says: str
) -> None:
    before = box.state()
    argv = ["order", "place", "--ticker", box.ticker(), "--side", "yes", "--action", "buy"]
    argv += ["--count", "1", *flags] if "--count" not in flags else flags
    assert main([*argv, "--yes"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert says in err[0]
    assert box.state() == before


def test_decrease_errors_name_its_flags(
    box: Box, as_user: str, capsys: pytest.CaptureFixture[str]
) -> None:
    placed = cli_json(
        capsys, "order", "place", "--ticker", box.ticker(), "--side", "yes", "--action", "buy",
        "--count", "2", "--cents", "2",
    )  # fmt: skip
    before = box.state()
    for flags, says in ((["--by", "0"], "--by must be at least 0.01; got 0"),
                        (["--to", "-1"], "--to must be at least 0; got -1")):  # fmt: skip
        assert main(["order", "decrease", placed["order_id"], *flags]) == 2
        assert capsys.readouterr().err == f"error: {says}\n"
    assert box.state() == before
    main(["order", "cancel", placed["order_id"]])
    capsys.readouterr()


def test_unknown_ticker_exits_2_and_changes_nothing(
    box: Box, as_user: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = box.state()
    argv = ["order", "place", "--ticker", "NOPE-26JAN01", "--side", "no", "--action", "buy"]
    assert main([*argv, "--count", "1", "--cents", "40", "--yes"]) == 2
    assert "market_not_found" in capsys.readouterr().err
    assert box.state() == before


def test_sides_and_actions_read_in_any_case_and_errors_name_the_flag(
    box: Box, as_user: str, capsys: pytest.CaptureFixture[str]
) -> None:
    ticker = box.ticker()
    shown = cli_json(
        capsys, "order", "place", "--ticker", ticker, "--side", "NO", "--action", "Buy",
        "--count", "2", "--cents", "40", "--dry-run",
    )  # fmt: skip
    assert shown["body"]["side"] == "ask"
    argv = ["order", "place", "--ticker", ticker, "--side", "maybe", "--action", "buy"]
    assert main([*argv, "--count", "1", "--cents", "40", "--dry-run"]) == 2
    assert "--side takes yes or no; got 'maybe'" in capsys.readouterr().err


def test_dry_run_shows_the_v2_request_and_sends_nothing(
    box: Box, as_user: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = box.state()
    ticker = box.ticker()
    shown = cli_json(
        capsys, "order", "place", "--ticker", ticker, "--side", "no", "--action", "buy",
        "--count", "2", "--cents", "40", "--dry-run",
    )  # fmt: skip
    assert shown["dry_run"] is True
    assert shown["method"] == "POST"
    assert shown["body"]["side"] == "ask"  # buying NO at 40c rests as a YES ask at 60c
    assert shown["body"]["price"] == "0.6000"
    assert shown["body"]["count"] == "2.00"
    assert box.state() == before


def test_prod_writes_need_confirmation(
    box: Box, as_user: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    ticker = box.ticker()
    argv = ["--env", "prod", "order", "place", "--ticker", ticker, "--side", "yes"]
    argv += ["--action", "buy", "--count", "1", "--cents", "3"]
    before = box.state()
    assert main(argv) == 2  # no terminal, no --yes: refused
    assert "add --yes" in capsys.readouterr().err
    assert box.state() == before

    monkeypatch.setattr(sys, "stdin", io.StringIO("n\n"))
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    assert main(argv) == 1  # the person said no
    prompt = capsys.readouterr().out
    assert "PRODUCTION: buy 1 YES of" in prompt
    assert "worst case $0.03" in prompt
    assert box.state() == before

    monkeypatch.setattr(sys, "stdin", io.StringIO("y\n"))
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    assert main(argv) == 0
    assert box.state() != before


def test_portfolio_after_a_fill(box: Box, as_user: str, capsys: pytest.CaptureFixture[str]) -> None:
    ticker = box.ticker()
    maker_key = generate_private_key("ed25519")
    maker = box.admin("POST", "/users", {"public_key_pem": public_key_pem(maker_key)})
    config = APIConfig.resolve(
        "local",
        rest_url=box.url,
        api_key_id=maker["api_key_id"],
        private_key_pem=private_key_to_pem(maker_key),
        environ={},
        dotenv_path=False,
    )
    with KalshiClient(config=config) as client:  # someone to trade with: sells YES at 70c
        client.orders.create(ticker, side="yes", action="sell", count=5, price_cents=70)
    cli_json(
        capsys, "order", "place", "--ticker", ticker, "--side", "yes", "--action", "buy",
        "--count", "2", "--cents", "70", "--tif", "ioc",
    )  # fmt: skip
    positions = cli_json(capsys, "portfolio", "positions")
    assert [(p["ticker"], p["position_fp"]) for p in positions] == [(ticker, "2.00")]
    fills = cli_json(capsys, "portfolio", "fills")
    assert [f["count_fp"] for f in fills] == ["2.00"]
    assert main(["portfolio", "balance"]) == 0
    assert "$" in capsys.readouterr().out
