"""Subaccounts end to end on the sandbox: the official SDK drives the six operations and every
answer validates in its models; our client creates one, moves cash into it, trades in it, and
finds its orders, fills, positions and balance apart from the primary's; a restart keeps it all.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _cli_kit import Box, sign_in

from kalshikit import KalshiClient
from kalshikit.auth import generate_private_key, private_key_to_pem, public_key_pem
from kalshikit.cli import _output
from kalshikit.cli.main import main
from kalshikit.config import APIConfig
from kalshikit.errors import BadRequest, Conflict, Forbidden, ValidationError
from kalshikit.sandbox.launch import wall_clock_ms
from kalshikit.sandbox.server import running
from kalshikit.sandbox.store import PersistentExchange, open_exchange

sdk = pytest.importorskip(
    "kalshi_python_sync", reason="the official SDK is installed by `make test`"
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def box() -> Iterator[Box]:
    with running(limits_enabled=False, liquidity=True) as url:
        yield Box(url)


def config_for(url: str, key_id: str, private_pem: str) -> APIConfig:
    return APIConfig.resolve(
        "local", rest_url=url, api_key_id=key_id, private_key_pem=private_pem,
        environ={}, dotenv_path=False,
    )  # fmt: skip


def advanced_user(box: Box, tier: str = "advanced") -> KalshiClient:
    """A new user with $1,000 on shard 0 at the given API tier, signed in with our client."""
    key = generate_private_key("ed25519")
    made = box.admin(
        "POST", "/users",
        {"public_key_pem": public_key_pem(key), "balance_cents": 1000_00, "tier": tier},
    )  # fmt: skip
    return KalshiClient(config=config_for(box.url, made["api_key_id"], private_key_to_pem(key)))


def sdk_client(box: Box) -> Any:
    """An official-SDK client signed in as a new Advanced-tier user with $1,000."""
    key = generate_private_key("rsa")
    made = box.admin(
        "POST", "/users",
        {"public_key_pem": public_key_pem(key), "balance_cents": 1000_00, "tier": "advanced"},
    )  # fmt: skip
    config = sdk.Configuration(host=box.url)
    config.api_key_id = made["api_key_id"]
    config.private_key_pem = private_key_to_pem(key)
    return sdk.KalshiClient(config)


def test_the_sdk_drives_all_six_operations(box: Box) -> None:
    client = sdk_client(box)
    made = client.create_subaccount(exchange_index=0)
    assert isinstance(made, sdk.CreateSubaccountResponse)
    assert made.subaccount_number == 1
    transfer_id = str(uuid.uuid4())
    client.apply_subaccount_transfer(
        client_transfer_id=transfer_id, from_subaccount=0, to_subaccount=1, amount_cents=250
    )
    balances = client.get_subaccount_balances()
    assert isinstance(balances, sdk.GetSubaccountBalancesResponse)
    one = {(b.subaccount_number, b.exchange_index): b.balance for b in balances.subaccount_balances}
    assert one[(1, 0)] == "2.5000"
    transfers = client.get_subaccount_transfers(limit=10)
    assert isinstance(transfers, sdk.GetSubaccountTransfersResponse)
    assert [(t.from_subaccount, t.to_subaccount, t.amount_cents) for t in transfers.transfers] == [
        (0, 1, 250)
    ]
    client.update_subaccount_netting(subaccount_number=1, enabled=False)
    netting = client.get_subaccount_netting()
    assert isinstance(netting, sdk.GetSubaccountNettingResponse)
    assert [(c.subaccount_number, c.enabled) for c in netting.netting_configs] == [
        (0, True),
        (1, False),
    ]
    assert client.get_balance(subaccount=1).balance == 250


def test_a_basic_user_cannot_create_one(box: Box) -> None:
    with advanced_user(box, tier="basic") as client, pytest.raises(Forbidden) as refused:
        client.subaccounts.create()
    assert "Advanced" in str(refused.value)


def test_a_subaccount_trades_apart_from_the_primary(box: Box) -> None:
    ticker = box.ticker()
    with advanced_user(box) as client:
        assert client.subaccounts.create() == 1
        client.subaccounts.transfer(0, 1, 100_00)
        assert client.portfolio.balance(subaccount=1).balance_cents == 100_00
        assert client.portfolio.balance().balance_cents == 900_00
        bids = client.markets.orderbook(ticker).yes  # joining the best bid cannot trade
        price = round(float(bids[0][0]) * 100) if bids else 1
        placed = client.orders.create(
            ticker, side="yes", action="buy", count=2, price_cents=price, subaccount=1
        )
        order = client.orders.get(placed.order_id)
        assert order.subaccount_number == 1
        assert client.portfolio.balance(subaccount=1).balance_cents == 100_00 - 2 * price
        assert client.portfolio.balance().balance_cents == 900_00
        assert [o.order_id for o in client.orders.list(subaccount=1)] == [placed.order_id]
        assert list(client.orders.list(subaccount=0)) == []
        assert [o.order_id for o in client.orders.list()] == [placed.order_id]  # all by default
        client.orders.cancel(order)  # the Order carries its subaccount and market
        assert client.portfolio.balance(subaccount=1).balance_cents == 100_00


def test_a_fill_lands_in_the_subaccount_that_traded(box: Box) -> None:
    ticker = box.ticker()
    with advanced_user(box) as client:
        client.subaccounts.create()
        client.subaccounts.transfer(0, 1, 100_00)
        client.orders.create(
            ticker, side="yes", action="buy", count=1, price_cents=99,
            time_in_force="immediate_or_cancel", subaccount=1,
        )  # fmt: skip
        [fill] = list(client.portfolio.fills(subaccount=1))
        assert fill.subaccount_number == 1
        assert list(client.portfolio.fills(subaccount=0)) == []
        [position] = list(client.portfolio.positions(subaccount=1))
        assert position.position_fp == "1.00"
        assert list(client.portfolio.positions()) == []  # positions default to the primary


def test_transfers_are_checked_and_idempotent(box: Box) -> None:
    with advanced_user(box) as client:
        client.subaccounts.create()
        same = str(uuid.uuid4())
        assert client.subaccounts.transfer(0, 1, 5_00, client_transfer_id=same) == same
        client.subaccounts.transfer(0, 1, 5_00, client_transfer_id=same)  # a retry: no move
        assert client.portfolio.balance(subaccount=1).balance_cents == 5_00
        with pytest.raises(Conflict):
            client.subaccounts.transfer(0, 1, 7_00, client_transfer_id=same)
        with pytest.raises(BadRequest, match="subaccount 2"):
            client.subaccounts.transfer(0, 2, 1_00)
        with pytest.raises(BadRequest, match="free"):
            client.subaccounts.transfer(1, 0, 6_00)
        with pytest.raises(ValidationError):
            client.subaccounts.transfer(0, 0, 1_00)
        with pytest.raises(ValidationError):
            client.orders.list(subaccount=64)
        assert client.portfolio.balance(subaccount=1).balance_cents == 5_00
        assert len(client.subaccounts.transfers().transfers) == 1


def _open(data_dir: Path) -> PersistentExchange:
    now = wall_clock_ms()
    return open_exchange(data_dir, seed=0, markets=40, now_ms=now, clock=wall_clock_ms)


def test_subaccounts_survive_a_restart(tmp_path: Path) -> None:
    persistent = _open(tmp_path)
    user = persistent.create_user(balance_cents=100_00)
    number = persistent.create_subaccount(user)
    persistent.transfer_between_subaccounts(user, str(uuid.uuid4()), 0, number, 30_00)
    persistent.set_netting(user, number, False)
    before: dict[str, Any] = persistent.exchange.state_digest()
    persistent.close()
    again = _open(tmp_path)
    try:
        assert again.exchange.state_digest() == before
        assert again.exchange.balance(f"{user}#1").balance_cents == 30_00
    finally:
        again.close()


def test_cli_subaccounts(
    box: Box, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    user = sign_in(box, tmp_path, monkeypatch)
    box.admin("PUT", f"/users/{user}/tier", {"tier": "advanced"})
    monkeypatch.setattr(_output.stdout, "width", 80)  # type: ignore[misc]
    assert main(["subaccounts", "create"]) == 0
    assert capsys.readouterr().out.startswith("created subaccount 1;")
    assert main(["subaccounts", "transfer", "12.50", "--to", "1", "--dry-run"]) == 0
    dry = json.loads(capsys.readouterr().out)
    assert dry["body"]["amount_cents"] == 1250
    assert main(["subaccounts", "transfer", "12.50", "--to", "1"]) == 0
    said = capsys.readouterr().out.strip()
    assert said == "moved $12.50 from subaccount 0 to 1 on shard 0"
    assert main(["subaccounts", "transfer", "1.005", "--to", "1"]) == 2
    assert "whole cents" in capsys.readouterr().err
    assert main(["subaccounts", "netting", "1", "--off"]) == 0
    capsys.readouterr()
    assert main(["subaccounts", "list"]) == 0
    table = capsys.readouterr().out
    assert all(len(line) <= 80 for line in table.splitlines())
    row = next(line.split() for line in table.splitlines() if line.split()[:2] == ["1", "0"])
    assert row[2:] == ["$12.50", "off"]
    assert main(["--json", "subaccounts", "transfers"]) == 0
    [moved] = json.loads(capsys.readouterr().out)["transfers"]
    assert (moved["from_subaccount"], moved["to_subaccount"], moved["amount_cents"]) == (0, 1, 1250)


def test_a_key_locked_to_a_subaccount_acts_there_only(box: Box) -> None:
    ticker = box.ticker()
    with advanced_user(box) as owner:
        owner.subaccounts.create()
        owner.subaccounts.transfer(0, 1, 50_00)
        made = owner.api_keys.generate("strategy-1", key_type="ed25519", subaccount=1)
        locked = KalshiClient(config=config_for(box.url, made.api_key_id, made.private_key))
        with locked:
            balance = locked.portfolio.balance()
            assert (balance.balance_cents, balance.balance_breakdown) == (50_00, None)
            placed = locked.orders.create(ticker, side="yes", action="buy", count=1, price_cents=1)
            assert owner.orders.get(placed.order_id).subaccount_number == 1
            assert [o.order_id for o in locked.orders.list()] == [placed.order_id]
            with pytest.raises(Forbidden, match="locked to subaccount 1"):
                locked.portfolio.balance(subaccount=0)
            with pytest.raises(Forbidden, match="locked to subaccount 1"):
                locked.orders.create(
                    ticker, side="yes", action="buy", count=1, price_cents=1, subaccount=0
                )
            with pytest.raises(Forbidden):
                locked.subaccounts.transfer(1, 0, 1_00)
        assert owner.portfolio.balance().balance_cents == 950_00
