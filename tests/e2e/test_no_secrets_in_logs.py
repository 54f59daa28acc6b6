"""At DEBUG, the logs of a signed REST call and a signed WebSocket handshake show no signature
and no more of the key id than its first four characters (the websockets library logs every
handshake header at DEBUG)."""

from __future__ import annotations

import logging
import re

import pytest
from _client_kit import Kit, kit, pool, sandbox_url  # noqa: F401 (fixtures)

from kalshikit import KalshiClient, KalshiWebSocket
from kalshikit.config import APIConfig


async def test_debug_logs_of_rest_and_websocket_hold_no_secret(
    kit: Kit,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    account = kit.account()
    config = kit.config(account)
    caplog.set_level(logging.DEBUG)
    async with kit.async_client(account) as client:
        await client.portfolio.balance()
    async with KalshiWebSocket(config=config) as ws:
        await ws.fills()
    text = caplog.text
    assert account.api_key_id not in text
    headers = [line for line in text.splitlines() if "KALSHI-ACCESS" in line.upper()]
    assert headers, "the handshake headers were not logged: nothing was checked"
    for line in headers:
        if "SIGNATURE" in line.upper():
            assert re.search(r"SIGNATURE\W+\[redacted\]", line, re.IGNORECASE), line
    assert f"{account.api_key_id[:4]}…" in text


def test_debug_logs_of_a_generated_key_hold_no_private_key(
    kit: Kit,  # noqa: F811
    caplog: pytest.LogCaptureFixture,
) -> None:
    """``POST /api_keys/generate`` answers a private key: neither side logs it, nor the
    signature of the request that signs with it."""
    caplog.set_level(logging.DEBUG)
    with kit.client(kit.account()) as client:
        made = client.api_keys.generate("logged?", key_type="ed25519")
    config = APIConfig.resolve(
        "local", rest_url=kit.url, api_key_id=made.api_key_id, private_key_pem=made.private_key,
        environ={}, dotenv_path=False,
    )  # fmt: skip
    with KalshiClient(config=config) as by_new_key:
        by_new_key.portfolio.balance()
    text = caplog.text
    secret = "".join(made.private_key.splitlines()[1:-1])
    assert secret[:24] not in text
    assert made.private_key.splitlines()[1] not in text
    assert made.api_key_id not in text
