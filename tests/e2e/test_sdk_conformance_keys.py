"""The official SDK (kalshi-python-sync 3.34.0) drives the sandbox's six API-key and API-usage-level
operations (list, create, generate and delete keys; volume progress; the upgrade), and every
answer validates in that SDK's own pydantic models; a key the SDK generated signs our client's
requests, and one it deleted is refused."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from _cli_kit import Box

from kalshikit import KalshiClient
from kalshikit.auth import generate_private_key, public_key_pem
from kalshikit.config import APIConfig
from kalshikit.errors import Unauthorized
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


def ours(box: Box, key_id: str, private_pem: str) -> KalshiClient:
    config = APIConfig.resolve(
        "local", rest_url=box.url, api_key_id=key_id, private_key_pem=private_pem,
        environ={}, dotenv_path=False,
    )  # fmt: skip
    return KalshiClient(config=config)


def test_keys_list_create_generate_and_delete_validate(box: Box, client: Any) -> None:
    first = client.get_api_keys()
    assert isinstance(first, sdk.GetApiKeysResponse)
    (only,) = first.api_keys
    assert isinstance(only, sdk.ApiKey)
    assert only.scopes == [sdk.ApiKeyScope.ApiKeyScopeRead, sdk.ApiKeyScope.ApiKeyScopeWrite]
    made = client.create_api_key(
        name="bot", public_key=public_key_pem(generate_private_key("rsa")), scopes=["read"]
    )
    assert isinstance(made, sdk.CreateApiKeyResponse)
    generated = client.generate_api_key(name="gen", key_type="ed25519", subaccount=0)
    assert isinstance(generated, sdk.GenerateApiKeyResponse)
    assert generated.key_type == sdk.ApiKeyType.ApiKeyTypeEd25519
    listed = {k.api_key_id: k for k in client.get_api_keys().api_keys}
    assert listed[made.api_key_id].name == "bot"
    assert listed[generated.api_key_id].subaccount == 0
    with ours(box, generated.api_key_id, generated.private_key) as signed:
        assert signed.portfolio.balance() is not None
        assert client.delete_api_key(generated.api_key_id) is None
        with pytest.raises(Unauthorized):
            signed.portfolio.balance()
    assert generated.api_key_id not in {k.api_key_id for k in client.get_api_keys().api_keys}


def test_no_key_is_bound_to_a_subtrader(client: Any) -> None:
    assert client.get_api_keys(fcm_subtrader_id="someone_1").api_keys == []


def test_generate_defaults_to_rsa(client: Any) -> None:
    generated = client.generate_api_key(name="default")
    assert generated.key_type == sdk.ApiKeyType.ApiKeyTypeRsa
    assert generated.private_key.startswith("-----BEGIN RSA PRIVATE KEY-----")


def test_refusals_are_the_sdks_exceptions(client: Any) -> None:
    with pytest.raises(sdk.NotFoundException):
        client.delete_api_key("no-such-key")
    with pytest.raises(sdk.BadRequestException):
        client.create_api_key(name="bad", public_key="not a key")
    with pytest.raises(sdk.BadRequestException):  # locked to a subaccount never created
        client.generate_api_key(name="nowhere", subaccount=5)
    with pytest.raises(sdk.ForbiddenException):
        client.upgrade_account_api_usage_level()  # no order yet


def test_volume_progress_and_upgrade_validate(box: Box, client: Any) -> None:
    progress = client.get_account_api_usage_level_volume_progress()
    assert isinstance(progress, sdk.GetAccountApiUsageLevelVolumeProgressResponse)
    (mine,) = progress.volume_progress
    assert isinstance(mine, sdk.AccountApiUsageLevelVolumeProgress)
    assert mine.trailing_30d_volume_fp == "0.00"
    assert all(isinstance(g, sdk.AccountApiUsageLevelVolumeGoal) for g in mine.goals)
    generated = client.generate_api_key(name="trader")
    with ours(box, generated.api_key_id, generated.private_key) as signed:
        signed.orders.create(box.ticker(), side="yes", action="buy", count=1, price_cents=5)
        assert client.upgrade_account_api_usage_level() is None
        assert signed.account.limits().usage_tier == "advanced"
    assert client.get_account_api_limits().usage_tier == "advanced"
