"""Money between shards end to end: our client against a running sandbox, its store across a
restart, and the CLI at 80 columns.

Kalshi checks collateral per shard: an order on a combo market (shard 1) is refused while all
the user's cash is on shard 0, and accepted once a transfer, or the target balance allocation,
puts cash there. A transfer repeated with its client_transfer_id moves money once; one whose
answer was lost is looked up, not sent again. Hostile bodies are refused with a 400 and change
nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from _cli_kit import Box, cli_json, sign_in
from _client_kit import Wire
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kalshikit import AsyncKalshiClient, KalshiClient
from kalshikit.auth import generate_private_key, private_key_to_pem, public_key_pem
from kalshikit.cli import _output
from kalshikit.cli.main import main
from kalshikit.config import APIConfig
from kalshikit.errors import APIStatusError, BadRequest, Conflict, ValidationError
from kalshikit.http._core import prepare
from kalshikit.models import SetTargetAllocationRequest, ShardTransferRequest, TargetAllocation
from kalshikit.sandbox.launch import wall_clock_ms
from kalshikit.sandbox.server import running
from kalshikit.sandbox.store import PersistentExchange, open_exchange

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def box() -> Iterator[Box]:
    with running(limits_enabled=False, liquidity=False) as url:
        yield Box(url)


def new_config(box: Box, cents: int = 100_00) -> tuple[str, APIConfig]:
    key = generate_private_key("ed25519")
    made = box.admin(
        "POST", "/users", {"public_key_pem": public_key_pem(key), "balance_cents": cents}
    )
    config = APIConfig.resolve(
        "local", rest_url=box.url, api_key_id=made["api_key_id"],
        private_key_pem=private_key_to_pem(key), environ={}, dotenv_path=False,
    )  # fmt: skip
    return made["user_id"], config


def new_client(box: Box, cents: int = 100_00, **options: Any) -> tuple[str, KalshiClient]:
    user, config = new_config(box, cents)
    return user, KalshiClient(config=config, **options)


def shards(client: KalshiClient) -> dict[int, Decimal]:
    breakdown = client.portfolio.balance().balance_breakdown or []
    return {b.exchange_index: Decimal(b.balance) for b in breakdown}


def buy_combo(box: Box, client: KalshiClient) -> object:
    return client.orders.create(
        box.combo_ticker(), side="yes", action="buy", count=10, price_cents=50
    )


def test_a_combo_order_needs_cash_on_shard_one(box: Box) -> None:
    _, client = new_client(box)
    with client:
        with pytest.raises(BadRequest, match="shard 1") as refused:
            buy_combo(box, client)
        assert "kalshi transfer" in str(refused.value)
        made = client.transfers.shard("10", from_shard=0, to_shard=1)
        assert shards(client) == {0: Decimal(90), 1: Decimal(10)}
        assert buy_combo(box, client) is not None
        (listed,) = client.transfers.list()
        assert listed.transfer_id == getattr(made, "transfer_id", None)
        assert client.transfers.get(listed.transfer_id) == listed


def test_the_allocation_funds_shard_one_and_keeps_it_funded(box: Box) -> None:
    user, client = new_client(box)
    with client:
        client.funding.set_allocation({0: 50, 1: 50}, reservation="none")
        assert shards(client) == {0: Decimal(50), 1: Decimal(50)}
        assert buy_combo(box, client) is not None  # $5 of collateral held on shard 1
        box.admin("POST", f"/users/{user}/deposit", {"cents": 100_00})
        assert shards(client) == {0: Decimal("97.5"), 1: Decimal("97.5")}  # 195 split
        client.funding.set_allocation({})  # off: the next deposit stays on shard 0
        box.admin("POST", f"/users/{user}/deposit", {"cents": 10_00})
        assert shards(client)[0] == Decimal("107.5")
        amounts = [d.amount_cents for d in client.funding.deposits()]
        assert amounts == [10_00, 100_00, 100_00]


def test_a_settlement_payout_is_swept_to_the_allocation(box: Box) -> None:
    ticker = [
        m["ticker"]
        for m in box.markets()
        if m["price_level_structure"] == "linear_cent" and not m.get("exchange_index")
    ][-1]  # a market no other test trades: it is settled here
    _, buyer = new_client(box)
    _, seller = new_client(box)
    with buyer, seller:
        buyer.funding.set_allocation({0: 50, 1: 50}, reservation="none")
        seller.orders.create(ticker, side="yes", action="sell", count=10, price_cents=40)
        buyer.orders.create(ticker, side="yes", action="buy", count=10, price_cents=40)
        paid = shards(buyer)
        assert paid[0] < paid[1] == Decimal(50)
        box.admin("POST", f"/markets/{ticker}/determine", {"result": "yes"})
        box.admin("POST", f"/markets/{ticker}/settle")
        swept = shards(buyer)
        assert swept[0] == swept[1] == (paid[0] + paid[1] + 10) / 2  # the $10 payout, split


def test_a_repeated_client_transfer_id_moves_money_once(box: Box) -> None:
    _, client = new_client(box)
    with client:
        chosen = str(uuid.uuid4())
        first = client.transfers.shard("5", from_shard=0, to_shard=1, client_transfer_id=chosen)
        again = client.transfers.shard("5", from_shard=0, to_shard=1, client_transfer_id=chosen)
        assert again == first
        assert shards(client) == {0: Decimal(95), 1: Decimal(5)}
        with pytest.raises(Conflict):
            client.transfers.shard("6", from_shard=0, to_shard=1, client_transfer_id=chosen)
        # the SDK scopes an id to its route: back the other way it is a new transfer
        back = client.transfers.shard("5", from_shard=1, to_shard=0, client_transfer_id=chosen)
        assert back != first
        assert shards(client) == {0: Decimal(100), 1: Decimal(0)}
        assert len(list(client.transfers.list())) == 2


async def test_the_async_client_moves_and_reads_the_same(box: Box) -> None:
    _, config = new_config(box)
    async with AsyncKalshiClient(config=config) as client:
        made = await client.transfers.shard(Decimal("2.5"), from_shard=0, to_shard=1)
        listed = [t async for t in client.transfers.list()]
        assert [t.transfer_id for t in listed] == [getattr(made, "transfer_id", None)]
        assert await client.transfers.get(listed[0].transfer_id) == listed[0]
        await client.funding.set_allocation({1: 100})
        assert (await client.funding.allocation()).allocations[0].percent == 100
        assert [d.amount_cents async for d in client.funding.deposits()] == [100_00]
        assert [w async for w in client.funding.withdrawals()] == []


def test_a_lost_answer_is_looked_up_not_sent_again(box: Box) -> None:
    def lose_the_answer(request: httpx.Request) -> None:
        if request.method == "POST":
            raise httpx.ReadTimeout("the answer was lost", request=request)

    wire = Wire(after=lose_the_answer)
    _, client = new_client(box, transport=wire)
    with client:
        made = client.transfers.shard("7", from_shard=0, to_shard=1)
        assert wire.writes == [("POST", "/portfolio/intra_exchange_instance_transfer")]
        (listed,) = client.transfers.list()
        assert listed.transfer_id == getattr(made, "transfer_id", None)
        assert shards(client) == {0: Decimal(93), 1: Decimal(7)}


def test_bad_arguments_send_nothing(box: Box) -> None:
    wire = Wire()
    _, client = new_client(box, transport=wire)
    with client:
        bad: list[Callable[[], object]] = [
            lambda: client.transfers.shard(1.5, from_shard=0, to_shard=1),  # type: ignore[arg-type]
            lambda: client.transfers.shard("0", from_shard=0, to_shard=1),
            lambda: client.transfers.shard("1.00001", from_shard=0, to_shard=1),
            lambda: client.transfers.shard("1", from_shard=1, to_shard=1),
            lambda: client.transfers.shard("1", from_shard=0, to_shard=101),
            lambda: client.transfers.shard("1", from_shard=0, to_shard=1, client_transfer_id="x"),
            lambda: client.funding.set_allocation({0: 50, 1: 40}),
            lambda: client.funding.set_allocation({0: 100}, reservation="all"),
            lambda: client.transfers.get(""),
        ]
        for call in bad:
            with pytest.raises(ValidationError):
                call()
    assert wire.seen == []


_GOOD: dict[str, Any] = {
    "source": "event_contract", "destination": "event_contract", "amount": 10_000,
    "source_exchange_shard": 0, "destination_exchange_shard": 1,
}  # fmt: skip
_HOSTILE = st.sampled_from(
    [
        ("source", "margined"), ("destination", "margined"), ("source", "stocks"),
        ("amount", 0), ("amount", -5), ("amount", 1.5), ("amount", "100"), ("amount", True),
        ("amount", 10**15), ("source_exchange_shard", 2), ("destination_exchange_shard", 100),
        ("destination_exchange_shard", 0), ("source_exchange_shard", -1),
        ("client_transfer_id", "not-a-uuid"), ("source_subaccount", 9),
        ("destination_subaccount", "one"), ("source", None),
    ]
)  # fmt: skip


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(change=_HOSTILE, extra=st.booleans())
def test_hostile_bodies_are_refused_and_change_nothing(
    box: Box, change: tuple[str, object], extra: bool
) -> None:
    body = {**_GOOD, change[0]: change[1]}
    if extra:
        body["allocations"] = [{"exchange_index": 7, "percent": 100}]  # unknown: ignored
    _, client = new_client(box)
    with client:
        before = box.state()
        with pytest.raises(APIStatusError) as refused:
            client.send(prepare("transfers.shard", body=body))
        assert refused.value.status == 400, refused.value
        bad_allocation = {"allocations": [{"exchange_index": 0, "percent": 60}] * 2}
        with pytest.raises(APIStatusError):
            client.send(prepare("funding.set_allocation", body=bad_allocation))
        assert box.state() == before


def _open(data_dir: Path) -> PersistentExchange:
    now = wall_clock_ms()
    return open_exchange(data_dir, seed=0, markets=40, now_ms=now, clock=wall_clock_ms)


def test_transfers_allocation_and_funding_survive_a_restart(tmp_path: Path) -> None:
    persistent = _open(tmp_path)
    user = persistent.create_user(balance_cents=100_00)
    move = ShardTransferRequest(
        source="event_contract", destination="event_contract", amount=200_000,
        client_transfer_id=str(uuid.uuid4()), destination_exchange_shard=1,
    )  # fmt: skip
    persistent.transfer_between_shards(user, move)
    persistent.snapshot()  # some state from the snapshot, the rest replayed from the log
    split = [
        TargetAllocation(exchange_index=0, percent=70),
        TargetAllocation(exchange_index=1, percent=30),
    ]
    persistent.set_target_allocation(user, SetTargetAllocationRequest(allocations=split))
    persistent.deposit(user, 50_00)
    persistent.deposit(user, -5_00)
    before = persistent.exchange.state_digest()
    persistent.close()
    again = _open(tmp_path)
    try:
        assert again.exchange.state_digest() == before
        assert again.exchange.target_allocation(user) == ("sum", [[0, 70], [1, 30]])
        withdrawals, _ = again.exchange.funding_records(user, True)
        assert [cents for _, cents, _ in withdrawals] == [-5_00]
        assert again.transfer_between_shards(user, move) == before_id(before, user)
    finally:
        again.close()


def before_id(digest: dict[str, Any], user: str) -> str:
    money = digest["money"]
    return str(money["shard_transfers"][user][0][0])


def test_cli_transfer_and_allocation(
    box: Box, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sign_in(box, tmp_path, monkeypatch)
    monkeypatch.setattr(_output.stdout, "width", 80)
    assert main(["transfer", "shard", "12.50", "--from", "0", "--to", "1", "--dry-run"]) == 0
    dry = capsys.readouterr()
    assert '"amount":125000' in dry.out
    assert "nothing sent" in dry.err
    assert main(["transfer", "shard", "12.50", "--from", "0", "--to", "1"]) == 0
    said = capsys.readouterr().out
    assert said.startswith("moved $12.50 from shard 0 to shard 1 (")
    assert main(["transfer", "list"]) == 0
    table = capsys.readouterr().out
    assert "$12.50" in table
    assert all(len(line) <= 80 for line in table.splitlines())
    (listed,) = cli_json(capsys, "transfer", "list")
    assert main(["transfer", "show", listed["transfer_id"]]) == 0
    assert "complete" in capsys.readouterr().out
    assert main(["portfolio", "allocation", "--set", "0=50", "--set", "1=50"]) == 0
    assert "50%" in capsys.readouterr().out
    shown = cli_json(capsys, "portfolio", "allocation")
    assert shown["allocations"] == [
        {"exchange_index": 0, "percent": 50},
        {"exchange_index": 1, "percent": 50},
    ]
    assert main(["portfolio", "allocation", "--set", "0=50"]) == 2
    assert "total 100" in capsys.readouterr().err
    assert main(["portfolio", "deposits"]) == 0
    assert "applied" in capsys.readouterr().out
    assert main(["portfolio", "withdrawals"]) == 0
    assert "no withdrawals" in capsys.readouterr().err
