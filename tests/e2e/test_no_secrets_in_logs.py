"""At DEBUG, the logs of a signed REST call and a signed WebSocket handshake show no signature
and no more of the key id than its first four characters (the websockets library logs every
handshake header at DEBUG)."""

from __future__ import annotations

import logging
import re

import pytest
from _client_kit import Kit, kit, pool, sandbox_url  # noqa: F401 (fixtures)

from kalshikit import KalshiWebSocket


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
