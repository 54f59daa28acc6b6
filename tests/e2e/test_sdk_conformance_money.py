"""The official SDK (kalshi-python-sync 3.34.0) drives the sandbox's seven money-movement
operations (a transfer between shards, the transfer list and one transfer, the target balance
allocation read and set, deposits, withdrawals), and every answer validates in that SDK's own
pydantic models; its refusals are the SDK's exceptions."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from _cli_kit import Box

from kalshikit.sandbox.server import running

sdk = pytest.importorskip(
    "kalshi_python_sync", reason="the official SDK is installed by `make test`"
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def box() -> Iterator[Box]:
    with running(limits_enabled=False, liquidity=False) as url:
        yield Box(url)


@pytest.fixture
def client(box: Box) -> Any:
    return box.sdk_client()


def test_transfer_list_and_get_validate(client: Any) -> None:
    made = client.intra_exchange_instance_transfer(
        source="event_contract", destination="event_contract", amount=250_000,
        source_exchange_shard=0, destination_exchange_shard=1,
        client_transfer_id=str(uuid.uuid4()),
    )  # fmt: skip
    assert isinstance(made, sdk.IntraExchangeInstanceTransferResponse)
    page = client.get_intra_exchange_instance_transfers(limit=10)
    assert isinstance(page, sdk.GetIntraExchangeInstanceTransfersResponse)
    (listed,) = page.transfers
    assert isinstance(listed, sdk.IntraExchangeInstanceTransfer)
    assert listed.transfer_id == made.transfer_id
    assert (listed.source_exchange_shard, listed.destination_exchange_shard) == (0, 1)
    assert listed.amount == "25.0000"
    assert listed.status == sdk.IntraExchangeInstanceTransferStatus("complete")
    one = client.get_intra_exchange_instance_transfer(made.transfer_id)
    assert isinstance(one, sdk.GetIntraExchangeInstanceTransferResponse)
    assert one.transfer == listed


def test_allocation_get_and_set_validate(client: Any) -> None:
    first = client.get_target_balance_allocation()
    assert isinstance(first, sdk.GetTargetBalanceAllocationResponse)
    assert first.allocations == []
    assert first.resting_margin_reservation == sdk.RestingMarginReservation("sum")
    client.set_target_balance_allocation(
        allocations=[{"exchange_index": 0, "percent": 60}, {"exchange_index": 1, "percent": 40}],
        resting_margin_reservation="none",
    )
    now = client.get_target_balance_allocation()
    assert [(a.exchange_index, a.percent) for a in now.allocations] == [(0, 60), (1, 40)]
    assert now.resting_margin_reservation == sdk.RestingMarginReservation("none")


def test_deposits_and_withdrawals_validate(client: Any) -> None:
    deposits = client.get_deposits()
    assert isinstance(deposits, sdk.GetDepositsResponse)
    (initial,) = deposits.deposits
    assert isinstance(initial, sdk.Deposit)
    assert (initial.status, initial.type, initial.fee_cents) == ("applied", "ach", 0)
    empty = client.get_withdrawals()
    assert isinstance(empty, sdk.GetWithdrawalsResponse)
    assert empty.withdrawals == []


def test_refusals_are_the_sdks_exceptions(client: Any) -> None:
    with pytest.raises(sdk.exceptions.BadRequestException):
        client.intra_exchange_instance_transfer(
            source="event_contract", destination="margined", amount=100
        )
    with pytest.raises(sdk.exceptions.BadRequestException):
        client.set_target_balance_allocation(allocations=[{"exchange_index": 0, "percent": 90}])
    with pytest.raises(sdk.exceptions.NotFoundException):
        client.get_intra_exchange_instance_transfer("no-such-transfer")
