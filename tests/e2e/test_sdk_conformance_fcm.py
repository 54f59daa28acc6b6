"""The official SDK (kalshi-python-sync 3.34.0), signed as a sandbox FCM member, drives all 11
FCM operations (subtraders, daily caps, blocked categories, FCM orders, fills and positions,
position transfers), and every answer validates in that SDK's own pydantic models. A subtrader
trades with a key of its own; its FCM reads that order, fill and position."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from _cli_kit import Box

from kalshikit.auth import generate_private_key, private_key_to_pem, public_key_pem
from kalshikit.sandbox.server import running

sdk = pytest.importorskip(
    "kalshi_python_sync", reason="the official SDK is installed by `make test`"
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def box() -> Iterator[Box]:
    with running(limits_enabled=False) as url:  # the house ladder: a subtrader's buy fills
        yield Box(url)


def sdk_signed(box: Box, user: dict[str, Any], key: Any) -> Any:
    config = sdk.Configuration(host=box.url)
    config.api_key_id = user["api_key_id"]
    config.private_key_pem = private_key_to_pem(key)
    return sdk.KalshiClient(config)


def fcm_sdk_client(box: Box) -> tuple[Any, str]:
    """An official-SDK client signed in as a fresh FCM member, and its user id."""
    key = generate_private_key("rsa")
    made = box.admin("POST", "/users", {"public_key_pem": public_key_pem(key), "fcm": True})
    return sdk_signed(box, made, key), made["user_id"]


def trading_subtrader(box: Box, client: Any, suffix: str) -> tuple[str, Any]:
    """A new subtrader of ``client``'s FCM with $100 and an SDK client on its own key."""
    made = client.create_fcm_subtrader(subtrader_suffix=suffix)
    assert isinstance(made, sdk.CreateFCMSubtraderResponse)
    key = generate_private_key("ed25519")
    keyed = box.admin(
        "POST", f"/users/{made.subtrader_id}/keys", {"public_key_pem": public_key_pem(key)}
    )
    box.admin("POST", f"/users/{made.subtrader_id}/deposit", {"cents": 100_00})
    return made.subtrader_id, sdk_signed(box, keyed, key)


def test_subtraders_orders_fills_and_positions_validate(box: Box) -> None:
    client, fcm_id = fcm_sdk_client(box)
    sub, trader = trading_subtrader(box, client, "alice")
    assert sub == f"{fcm_id}_alice"
    listed = client.list_fcm_subtraders()
    assert isinstance(listed, sdk.ListFCMSubtradersResponse)
    assert [s.subtrader_id for s in listed.subtraders] == [sub]
    assert isinstance(listed.subtraders[0], sdk.FCMSubtrader)
    ticker = box.ticker()
    order = trader.create_order_v2(
        ticker=ticker, side="bid", count="2", price="0.99", time_in_force="good_till_canceled",
        self_trade_prevention_type="taker_at_cross", client_order_id="fcm-conf-1",
    )  # fmt: skip
    orders = client.get_fcm_orders(subtrader_id=sub, ticker=ticker)
    assert isinstance(orders, sdk.GetOrdersResponse)
    assert [o.order_id for o in orders.orders] == [order.order_id]
    by_client_id = client.get_fcm_orders(client_order_ids="fcm-conf-1")
    assert [o.order_id for o in by_client_id.orders] == [order.order_id]
    fills = client.get_fcm_fills()
    assert isinstance(fills, sdk.GetFcmFillsResponse)
    assert fills.fills
    assert all(isinstance(f, sdk.FcmFill) for f in fills.fills)
    assert {f.taker_subtrader_id for f in fills.fills} == {sub}
    assert fills.fills[0].taker_outcome_side == sdk.OutcomeSide.OutcomeSideYes
    positions = client.get_fcm_positions(subtrader_id=sub, count_filter="position")
    assert isinstance(positions, sdk.GetPositionsResponse)
    (held,) = positions.market_positions
    assert (held.ticker, held.position_fp) == (ticker, "2.00")


def test_caps_blocks_and_transfers_validate(box: Box) -> None:
    client, fcm_id = fcm_sdk_client(box)
    sub, trader = trading_subtrader(box, client, "bob")
    assert client.update_fcm_event_contract_daily_cap(subtrader_id=sub, limit="25.50") == {}
    cap = client.get_fcm_event_contract_daily_cap(subtrader_id=sub)
    assert isinstance(cap, sdk.GetFCMEventContractDailyCapResponse)
    assert (cap.limit, cap.executed_utilization) == ("25.5000", "0.0000")
    assert client.delete_fcm_event_contract_daily_cap(subtrader_id=sub) == {}
    blocked = client.update_fcm_subtrader_blocked_categories(
        subtrader_id=sub, category="Politics", blocked=True
    )
    assert isinstance(blocked, sdk.UpdateFCMSubtraderBlockedCategoriesResponse)
    assert blocked.categories == ["Politics"]
    read = client.get_fcm_subtrader_blocked_categories(subtrader_id=sub)
    assert isinstance(read, sdk.GetFCMSubtraderBlockedCategoriesResponse)
    assert read.categories == ["Politics"]
    ticker = box.ticker()
    trader.create_order_v2(
        ticker=ticker, side="bid", count="1", price="0.99", time_in_force="good_till_canceled",
        self_trade_prevention_type="taker_at_cross",
    )  # fmt: skip
    moved = client.create_fcm_position_transfer(
        source_subtrader_id=sub, target_subtrader_id=f"{fcm_id}_err1",
        market_ticker=ticker, position_centicount=100, price_centicents=0,
    )  # fmt: skip
    assert isinstance(moved, sdk.CreateFCMPositionTransferResponse)
    target = client.get_fcm_positions(subtrader_id=f"{fcm_id}_err1")
    assert [(p.ticker, p.position_fp) for p in target.market_positions] == [(ticker, "1.00")]


def test_a_user_who_is_not_an_fcm_gets_403(box: Box) -> None:
    client = box.sdk_client()
    with pytest.raises(sdk.ApiException) as caught:
        client.list_fcm_subtraders()
    assert caught.value.status == 403
