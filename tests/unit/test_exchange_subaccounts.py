"""The exchange's subaccounts and per-shard collateral, driven directly: each subaccount is its
own account (cash per shard, positions, orders), a combo order (shard 1) needs cash on shard 1,
two subaccounts of one user never trade with each other, and a user's orders listed across all
its subaccounts page newest first without a gap or a repeat."""

from __future__ import annotations

import uuid

import pytest
from _exchange_kit import Clock, conserved, new_exchange, order, pick
from hypothesis import given, settings
from hypothesis import strategies as st

from kalshikit.sandbox.exchange.exchange import Exchange, ExchangeError

PLAIN = pick()
COMBO = pick(fee_type="quadratic_with_combo_maker_fees", structure="deci_cent")  # shard 1


@pytest.fixture
def ex() -> Exchange:
    return new_exchange(Clock())


def refused(ex: Exchange, call: object, code: str) -> ExchangeError:
    before = ex.state_digest()
    with pytest.raises(ExchangeError) as caught:
        call()  # type: ignore[operator]
    assert caught.value.code == code
    assert ex.state_digest() == before
    return caught.value


def test_a_combo_order_needs_cash_on_shard_one(ex: Exchange) -> None:
    ann = ex.create_user(balance_cents=100_00, user_id="ann")
    assert ex.market(COMBO).exchange_index == 1
    error = refused(
        ex, lambda: ex.create_order(ann, order(COMBO, "bid", "0.400")), "insufficient_balance"
    )
    assert "shard 1" in error.message
    assert "kalshi transfer" in error.message
    ex.deposit_to_shard(ann, 10_00, 1)
    ex.create_order(ann, order(COMBO, "bid", "0.400"))  # $4 held on shard 1
    balance = ex.balance(ann)
    assert balance.balance_breakdown is not None
    shards = {b.exchange_index: b.balance for b in balance.balance_breakdown}
    assert shards == {0: "100.0000", 1: "6.0000"}
    assert ex.balance(ann, exchange_index=1).balance_cents == 6_00
    assert conserved(ex)


def test_a_subaccount_is_an_account_of_its_own(ex: Exchange) -> None:
    ann = ex.create_user(balance_cents=100_00, user_id="ann")
    assert ex.create_subaccount(ann) == 1
    one = ex.subaccount_key(ann, 1)
    refused(
        ex,
        lambda: ex.create_order(ann, order(PLAIN, "bid", "0.40", subaccount=1)),
        "insufficient_balance",
    )
    ex.transfer_between_subaccounts(ann, str(uuid.uuid4()), 0, 1, 10_00)
    placed = ex.create_order(ann, order(PLAIN, "bid", "0.40", subaccount=1))
    assert ex.order(ann, placed.order_id).subaccount_number == 1
    assert ex.order(ann, placed.order_id).user_id == ann
    assert ex.balance(one).balance_cents == 6_00
    assert ex.balance(ann).balance_cents == 90_00
    assert [o.order_id for o in ex.orders(ann, subaccount=None)[0]] == [placed.order_id]
    assert ex.orders(ann)[0] == []  # the primary alone
    refused(
        ex,
        lambda: ex.create_order(ann, order(PLAIN, "bid", "0.40", subaccount=2)),
        "subaccount_not_found",
    )


def test_subaccounts_of_one_user_never_trade_with_each_other(ex: Exchange) -> None:
    ann = ex.create_user(balance_cents=100_00, user_id="ann")
    ex.create_subaccount(ann)
    ex.transfer_between_subaccounts(ann, str(uuid.uuid4()), 0, 1, 50_00)
    resting = ex.create_order(ann, order(PLAIN, "bid", "0.40"))
    ex.create_order(ann, order(PLAIN, "ask", "0.40", subaccount=1, stp="maker"))
    assert ex.order(ann, resting.order_id).status == "canceled"
    assert ex.fills(ann, subaccount=None)[0] == []


def test_at_most_63_subaccounts(ex: Exchange) -> None:
    ann = ex.create_user(balance_cents=0, user_id="ann")
    for number in range(1, 64):
        assert ex.create_subaccount(ann) == number
    refused(ex, lambda: ex.create_subaccount(ann), "subaccount_limit_reached")


def test_a_transfer_id_used_for_other_terms_is_refused(ex: Exchange) -> None:
    ann = ex.create_user(balance_cents=100_00, user_id="ann")
    ex.create_subaccount(ann)
    same = str(uuid.uuid4())
    first = ex.transfer_between_subaccounts(ann, same, 0, 1, 1_00)
    assert ex.transfer_between_subaccounts(ann, same, 0, 1, 1_00) == first
    refused(
        ex,
        lambda: ex.transfer_between_subaccounts(ann, same, 0, 1, 2_00),
        "duplicate_client_transfer_id",
    )
    refused(
        ex,
        lambda: ex.transfer_between_subaccounts(ann, "not-a-uuid", 0, 1, 1_00),
        "invalid_parameters",
    )
    assert ex.balance(ex.subaccount_key(ann, 1)).balance_cents == 1_00


@settings(max_examples=25, deadline=None)
@given(
    placements=st.lists(st.integers(0, 2), min_size=1, max_size=30),
    page=st.integers(1, 7),
)
def test_orders_of_every_subaccount_page_newest_first(placements: list[int], page: int) -> None:
    clock = Clock()
    ex = new_exchange(clock)
    ann = ex.create_user(balance_cents=1000_00, user_id="ann")
    for _ in range(2):
        number = ex.create_subaccount(ann)
        ex.transfer_between_subaccounts(ann, str(uuid.uuid4()), 0, number, 300_00)
    placed = []
    for number in placements:
        clock.ms += 1
        placed.append(
            ex.create_order(ann, order(PLAIN, "bid", "0.01", "1.00", subaccount=number)).order_id
        )
    seen, cursor = [], None
    while True:
        orders, cursor = ex.orders(ann, subaccount=None, limit=page, cursor=cursor)
        seen += [o.order_id for o in orders]
        if not cursor:
            break
    assert seen == placed[::-1]
