"""The FCM member area end to end: our clients against a running sandbox, its store across a
restart, and the CLI.

An FCM (``kalshi sandbox keygen --fcm``, or the admin API's ``fcm``) creates subtraders, real
users that trade with keys of their own; it reads their orders, fills and positions. Its blocked
categories and daily caps refuse a subtrader's order and change nothing; a position transfer
moves a position (and its price) between two of its subtraders. Anyone else gets 403.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from _cli_kit import Box, cli_json

from kalshikit import KalshiClient
from kalshikit.auth import generate_private_key, private_key_to_pem, public_key_pem
from kalshikit.cli import _output
from kalshikit.cli.main import main
from kalshikit.config import APIConfig
from kalshikit.errors import BadRequest, Forbidden, NotFound, ValidationError
from kalshikit.sandbox.api.app import create_app
from kalshikit.sandbox.launch import SandboxSettings, wall_clock_ms
from kalshikit.sandbox.server import running
from kalshikit.sandbox.store import PersistentExchange, open_exchange

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def box() -> Iterator[Box]:
    with running(limits_enabled=False) as url:  # the house ladder: a subtrader's buy fills
        yield Box(url)


@pytest.fixture
def stack() -> Iterator[ExitStack]:
    """Closes the clients a test opened."""
    with ExitStack() as opened:
        yield opened


def signed(url: str, key_id: str, key: Any) -> KalshiClient:
    config = APIConfig.resolve(
        "local", rest_url=url, api_key_id=key_id, private_key_pem=private_key_to_pem(key),
        environ={}, dotenv_path=False,
    )  # fmt: skip
    return KalshiClient(config=config)


def new_fcm(box: Box, stack: ExitStack) -> tuple[KalshiClient, str]:
    key = generate_private_key("ed25519")
    made = box.admin("POST", "/users", {"public_key_pem": public_key_pem(key), "fcm": True})
    return stack.enter_context(signed(box.url, made["api_key_id"], key)), made["user_id"]


def new_subtrader(
    box: Box, stack: ExitStack, fcm: KalshiClient, suffix: str
) -> tuple[str, KalshiClient]:
    """A subtrader with $100 and a client on its own key (keygen --subtrader does the same)."""
    sub = fcm.fcm.create_subtrader(suffix).subtrader_id
    key = generate_private_key("ed25519")
    keyed = box.admin("POST", f"/users/{sub}/keys", {"public_key_pem": public_key_pem(key)})
    box.admin("POST", f"/users/{sub}/deposit", {"cents": 100_00})
    return sub, stack.enter_context(signed(box.url, keyed["api_key_id"], key))


def category_of(box: Box, ticker: str) -> str:
    series = ticker.split("-")[0]
    return str(httpx.get(f"{box.url}/series/{series}").json()["series"]["category"])


def test_the_fcm_reads_its_subtraders_order_fill_and_position(box: Box, stack: ExitStack) -> None:
    fcm, _ = new_fcm(box, stack)
    sub, trader = new_subtrader(box, stack, fcm, "ann")
    ticker = box.ticker()
    placed = trader.orders.create(ticker, side="yes", action="buy", count=3, price_cents=99)
    assert [s.subtrader_id for s in fcm.fcm.subtraders()] == [sub]
    (order,) = fcm.fcm.orders(subtrader_id=sub)
    assert (order.order_id, order.status) == (placed.order_id, "executed")
    assert order == trader.orders.get(placed.order_id)  # the portfolio's own rendering
    fills = list(fcm.fcm.fills())
    assert {f.taker_order_id for f in fills} == {placed.order_id}
    assert sum(int(f.count_fp.split(".")[0]) for f in fills) == 3
    (position,) = fcm.fcm.positions(sub)
    assert position == next(iter(trader.portfolio.positions()))
    assert position.position_fp == "3.00"
    assert list(fcm.fcm.positions(sub, count_filter=["total_traded"])) == [position]
    other, _ = new_fcm(box, stack)
    with pytest.raises(NotFound):  # another FCM's subtrader is not this one's
        list(other.fcm.positions(sub))


def test_a_blocked_category_and_a_daily_cap_refuse_and_change_nothing(
    box: Box, stack: ExitStack
) -> None:
    fcm, _ = new_fcm(box, stack)
    sub, trader = new_subtrader(box, stack, fcm, "bea")
    ticker = box.ticker()
    category = category_of(box, ticker)
    assert fcm.fcm.block_category(sub, category) == [category]
    before = box.state()
    with pytest.raises(Forbidden, match="category"):
        trader.orders.create(ticker, side="yes", action="buy", count=1, price_cents=99)
    assert box.state() == before
    assert fcm.fcm.block_category(sub, category, blocked=False) == []
    fcm.fcm.set_daily_cap(sub, "1.50")
    trader.orders.create(ticker, side="yes", action="buy", count=1, price_cents=99)
    cap = fcm.fcm.daily_cap(sub)
    assert cap.limit == "1.5000"
    assert cap.executed_utilization != "0.0000"
    before = box.state()
    with pytest.raises(BadRequest, match="daily cap"):
        trader.orders.create(ticker, side="yes", action="buy", count=2, price_cents=99)
    assert box.state() == before
    fcm.fcm.delete_daily_cap(sub)
    with pytest.raises(NotFound):
        fcm.fcm.daily_cap(sub)
    trader.orders.create(ticker, side="yes", action="buy", count=2, price_cents=99)


def test_a_position_transfer_moves_the_position_and_its_price(box: Box, stack: ExitStack) -> None:
    fcm, _ = new_fcm(box, stack)
    source, trader = new_subtrader(box, stack, fcm, "cy")
    target, taker = new_subtrader(box, stack, fcm, "err")
    ticker = box.ticker()
    trader.orders.create(ticker, side="yes", action="buy", count=4, price_cents=99)
    cash = [c.portfolio.balance().balance_cents for c in (trader, taker)]
    moved = fcm.fcm.transfer_position(
        source, target, ticker, position_centicount=300, price_centicents=4500
    )
    assert moved.position_transfer_id
    assert [p.position_fp for p in fcm.fcm.positions(source)] == ["1.00"]
    assert [p.position_fp for p in fcm.fcm.positions(target)] == ["3.00"]
    after = [c.portfolio.balance().balance_cents for c in (trader, taker)]
    paid = 3 * 45  # 3 contracts at 45 cents: the target pays, the source receives
    assert (after[0] - cash[0], cash[1] - after[1]) == (paid, paid)
    before = box.state()
    with pytest.raises(BadRequest, match="target_subtrader_id"):  # not under this FCM
        fcm.fcm.transfer_position(
            source, "someone_else", ticker, position_centicount=100, price_centicents=0
        )
    assert box.state() == before


def test_a_user_who_is_not_an_fcm_gets_403_and_bad_input_sends_nothing(
    box: Box, stack: ExitStack
) -> None:
    key = generate_private_key("ed25519")
    made = box.admin("POST", "/users", {"public_key_pem": public_key_pem(key)})
    with signed(box.url, made["api_key_id"], key) as plain:
        for call in (plain.fcm.subtraders, lambda: plain.fcm.create_subtrader("x")):
            with pytest.raises(Forbidden):
                call()
        bad = [
            lambda: plain.fcm.create_subtrader(""),
            lambda: plain.fcm.set_daily_cap("s", "-1"),
            lambda: plain.fcm.orders(),
            lambda: plain.fcm.positions("s", count_filter=["volume"]),
            lambda: plain.fcm.transfer_position(
                "a", "b", "T", position_centicount=150, price_centicents=0
            ),
        ]
        for call in bad:
            with pytest.raises(ValidationError):
                call()


def _open(data_dir: Path) -> PersistentExchange:
    return open_exchange(data_dir, seed=0, markets=40, now_ms=wall_clock_ms(), clock=wall_clock_ms)


def _open_market(persistent: PersistentExchange) -> str:
    markets = persistent.exchange.markets(status="open", limit=1)[0]
    return markets[0].ticker


def test_fcm_state_survives_snapshot_and_restart(tmp_path: Path) -> None:
    persistent = _open(tmp_path)
    key = generate_private_key("ed25519")
    fcm_id = persistent.create_user(balance_cents=0, fcm=True)
    key_id = persistent.create_api_key(fcm_id, public_key_pem(key), name="fcm")
    sub = persistent.create_fcm_subtrader(fcm_id, "dee")
    persistent.deposit(sub, 50_00)
    persistent.set_fcm_daily_cap(fcm_id, sub, "20")
    persistent.set_fcm_category_blocked(fcm_id, sub, "Politics", True)
    persistent.set_fcm_category_blocked(fcm_id, sub, "Sports", True)
    persistent.set_fcm_category_blocked(fcm_id, sub, "Sports", False)
    digest = persistent.exchange.state_digest()
    persistent.close()
    replayed = _open(tmp_path)  # every command above replays from the log
    assert replayed.exchange.state_digest() == digest
    replayed.snapshot()  # from here: the image, then the transfer replayed after it
    replayed.transfer_fcm_position(
        fcm_id, sub, f"{fcm_id}_err", _open_market(replayed), -200, 10_000
    )
    digest = replayed.exchange.state_digest()
    assert digest["fcm"]["transfers"]
    replayed.close()
    again = _open(tmp_path)
    try:
        assert again.exchange.state_digest() == digest
        app = create_app(again.exchange, store_writer=again)
        with running(app=app) as url, signed(url, key_id, key) as fcm:
            assert [s.subtrader_id for s in fcm.fcm.subtraders()] == [sub, f"{fcm_id}_err"]
            assert fcm.fcm.daily_cap(sub).limit == "20.0000"
            assert fcm.fcm.blocked_categories(sub) == ["Politics"]
            assert [p.position_fp for p in fcm.fcm.positions(sub)] == ["2.00"]
    finally:
        again.close()


def sign_in_fcm(box: Box, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh FCM member whose key the CLI finds in the environment (as ``sign_in`` does)."""
    for name in [n for n in os.environ if n.startswith("KALSHI_")]:
        monkeypatch.delenv(name)
    key = generate_private_key("ed25519")
    made = box.admin("POST", "/users", {"public_key_pem": public_key_pem(key), "fcm": True})
    path = tmp_path / "fcm.pem"
    path.write_text(private_key_to_pem(key))
    path.chmod(0o600)
    monkeypatch.setenv("KALSHI_API_URL", box.url)
    monkeypatch.setenv("KALSHI_API_KEY_ID", made["api_key_id"])
    monkeypatch.setenv("KALSHI_PRIVATE_KEY_PATH", str(path))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    return str(made["user_id"])


def test_cli_fcm(
    box: Box,
    stack: ExitStack,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fcm_id = sign_in_fcm(box, tmp_path, monkeypatch)
    monkeypatch.setattr(_output.stdout, "width", 80)  # type: ignore[misc]
    sub = cli_json(capsys, "fcm", "create-subtrader", "eve")["subtrader_id"]
    assert main(["fcm", "create-subtrader", "fay", "--dry-run"]) == 0
    assert json.loads(capsys.readouterr().out)["dry_run"] is True
    assert [s["subtrader_id"] for s in cli_json(capsys, "fcm", "subtraders")] == [sub]
    key = generate_private_key("ed25519")
    keyed = box.admin("POST", f"/users/{sub}/keys", {"public_key_pem": public_key_pem(key)})
    box.admin("POST", f"/users/{sub}/deposit", {"cents": 100_00})
    ticker = box.ticker()
    trader = stack.enter_context(signed(box.url, keyed["api_key_id"], key))
    trader.orders.create(ticker, side="yes", action="buy", count=2, price_cents=99)
    for argv in (["subtraders"], ["orders", sub], ["fills"], ["positions", sub]):
        assert main(["fcm", *argv]) == 0
        table = capsys.readouterr().out
        assert ticker in table or sub in table
        assert all(len(line) <= 80 for line in table.splitlines())
    assert main(["fcm", "daily-cap", sub, "--set", "250"]) == 0
    assert "$250.00" in capsys.readouterr().out
    assert cli_json(capsys, "fcm", "daily-cap", sub)["limit"] == "250.0000"
    assert main(["fcm", "blocked-categories", sub, "--block", "Politics"]) == 0
    assert capsys.readouterr().out.strip() == "Politics"
    target = f"{fcm_id}_err"
    argv = ["transfer-position", sub, target, ticker, "--side", "yes", "--count", "1"]
    assert main(["fcm", *argv, "--price", "0"]) == 0
    assert capsys.readouterr().out.startswith(f"moved 1 YES of {ticker} to {target}")
    assert main(["fcm", *argv, "--price", "101"]) == 2  # whole cents 0-100: nothing sent
    assert main(["fcm", "daily-cap", sub, "--remove"]) == 0
    assert capsys.readouterr().out.strip() == f"removed the daily cap of {sub}"


def test_keygen_makes_an_fcm_and_gives_its_subtrader_a_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    where = ["sandbox", "keygen", "--data-dir", str(tmp_path)]
    made = cli_json(capsys, *where, "--fcm", "--out", str(tmp_path / "fcm.pem"))
    defaults = SandboxSettings()

    def opened() -> PersistentExchange:
        return open_exchange(
            tmp_path, seed=defaults.seed, markets=defaults.markets, now_ms=wall_clock_ms(),
            clock=wall_clock_ms,
        )  # fmt: skip

    persistent = opened()
    sub = persistent.create_fcm_subtrader(made["user_id"], "kid")
    persistent.close()
    assert main([*where, "--subtrader", f"{made['user_id']}_nobody"]) == 2
    capsys.readouterr()
    out = str(tmp_path / "kid.pem")
    keyed = cli_json(capsys, *where, "--subtrader", sub, "--balance", "50", "--out", out)
    assert keyed["user_id"] == sub
    again = opened()
    try:
        assert again.exchange.fcm_owner(sub) == made["user_id"]
        owner = again.exchange.api_key_owner(keyed["api_key_id"])
        assert owner is not None
        assert owner[0] == sub
        assert again.exchange.balance(sub).balance_cents == 50_00
    finally:
        again.close()
