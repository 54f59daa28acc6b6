"""API keys and the API usage level end to end: our clients against a running sandbox, its store
across a restart, and the CLI at 80 columns.

A key registered or generated through ``/api_keys`` signs requests at once; a deleted one is
refused on its next REST request (401) and the WebSocket it opened is closed (1008). A generated
private key is in the answer once, never in the sandbox's state, journal or logs. The volume
progress counts the user's own fills; the upgrade grants Advanced once the user has an order.
Bad arguments are refused before anything is sent.
"""

from __future__ import annotations

import asyncio
import logging
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from _cli_kit import Box, sign_in
from _client_kit import Wire
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from kalshikit import KalshiClient
from kalshikit.auth import (
    Signer,
    generate_private_key,
    private_key_to_pem,
    public_key_pem,
)
from kalshikit.cli import _output
from kalshikit.cli.main import main
from kalshikit.config import APIConfig
from kalshikit.endpoints import WS_PATH
from kalshikit.errors import Forbidden, NotFound, Unauthorized, ValidationError
from kalshikit.sandbox.api.app import create_app
from kalshikit.sandbox.launch import wall_clock_ms
from kalshikit.sandbox.server import running
from kalshikit.sandbox.store import PersistentExchange, open_exchange

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def box() -> Iterator[Box]:
    with running(limits_enabled=False, liquidity=False) as url:
        yield Box(url)


def config_for(url: str, key_id: str, private_pem: str) -> APIConfig:
    return APIConfig.resolve(
        "local", rest_url=url, api_key_id=key_id, private_key_pem=private_pem,
        environ={}, dotenv_path=False,
    )  # fmt: skip


def new_user(box: Box) -> tuple[str, APIConfig]:
    key = generate_private_key("ed25519")
    made = box.admin("POST", "/users", {"public_key_pem": public_key_pem(key)})
    return made["user_id"], config_for(box.url, made["api_key_id"], private_key_to_pem(key))


def test_create_list_and_delete(box: Box) -> None:
    _, config = new_user(box)
    own = generate_private_key("rsa")
    with KalshiClient(config=config, transport=Wire()) as client:
        made = client.api_keys.create("bot", public_key_pem(own), scopes=["read"], subaccount=0)
        listed = {k.api_key_id: k for k in client.api_keys.list().api_keys}
        assert listed[made.api_key_id].name == "bot"
        assert listed[made.api_key_id].scopes == ["read"]
        assert listed[made.api_key_id].subaccount == 0  # locked to the primary
        assert listed[config.api_key_id].scopes == ["read", "write"]  # the admin API's key
        bot = config_for(box.url, made.api_key_id, private_key_to_pem(own))
        with KalshiClient(config=bot) as signed_by_bot:
            assert signed_by_bot.portfolio.balance() is not None
            client.api_keys.delete(made.api_key_id)
            with pytest.raises(Unauthorized, match=r"unknown_api_key|no API key"):
                signed_by_bot.portfolio.balance()
        assert made.api_key_id not in {k.api_key_id for k in client.api_keys.list().api_keys}
        with pytest.raises(NotFound):
            client.api_keys.delete(made.api_key_id)


def test_keys_of_another_user_are_neither_listed_nor_deleted(box: Box) -> None:
    _, ann = new_user(box)
    _, ben = new_user(box)
    with KalshiClient(config=ann) as a, KalshiClient(config=ben) as b:
        assert [k.api_key_id for k in a.api_keys.list().api_keys] == [ann.api_key_id]
        with pytest.raises(NotFound):
            b.api_keys.delete(str(ann.api_key_id))
        assert a.portfolio.balance() is not None


async def test_a_deleted_key_closes_its_websocket(box: Box) -> None:
    _, config = new_user(box)
    key = generate_private_key("ed25519")
    with KalshiClient(config=config) as client:
        made = client.api_keys.create("stream", public_key_pem(key))
        other = client.api_keys.create("other", public_key_pem(generate_private_key("ed25519")))
        ws_url = box.url.replace("http", "ws", 1).removesuffix("/trade-api/v2") + WS_PATH
        signer = Signer(made.api_key_id, key)
        async with connect(ws_url, additional_headers=signer.ws_headers(ws_url)) as ws:
            client.api_keys.delete(other.api_key_id)  # another key: this socket stays
            await ws.send('{"id": 1, "cmd": "subscribe", "params": {"channels": ["fill"]}}')
            assert "subscribed" in str(await asyncio.wait_for(ws.recv(), 5))
            client.api_keys.delete(made.api_key_id)
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), 5)
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 1008


def test_a_generated_key_signs_and_is_never_logged(
    box: Box, caplog: pytest.LogCaptureFixture
) -> None:
    _, config = new_user(box)
    caplog.set_level(logging.DEBUG)
    with KalshiClient(config=config) as client:
        for key_type, head in [("rsa", "RSA PRIVATE KEY"), ("ed25519", "PRIVATE KEY")]:
            made = client.api_keys.generate(f"gen {key_type}", key_type=key_type)
            assert made.key_type == key_type
            assert made.private_key.startswith(f"-----BEGIN {head}-----")
            assert "private_key=<secret>" in repr(made)
            signed = config_for(box.url, made.api_key_id, made.private_key)
            with KalshiClient(config=signed) as by_new_key:
                assert by_new_key.portfolio.balance() is not None
            body = made.private_key.splitlines()[1]
            assert body not in caplog.text
            assert body not in str(box.state())


def test_volume_progress_counts_the_users_fills(box: Box) -> None:
    _, buyer = new_user(box)
    _, seller = new_user(box)
    ticker = box.ticker()
    with KalshiClient(config=buyer) as b, KalshiClient(config=seller) as s:
        [before] = b.account.volume_progress()
        assert before.trailing_30d_volume_fp == "0.00"
        assert [g.level for g in before.goals] == ["premier", "paragon", "prime"]
        b.orders.create(ticker, side="yes", action="buy", count=3, price_cents=40)
        s.orders.create(ticker, side="yes", action="sell", count=3, price_cents=40)
        [after] = b.account.volume_progress()
        assert after.trailing_30d_volume_fp == "3.00"
        assert after.computed_ts >= before.computed_ts
        assert s.account.volume_progress()[0].trailing_30d_volume_fp == "3.00"


def test_the_upgrade_needs_an_order_then_grants_advanced(box: Box) -> None:
    _, config = new_user(box)
    with KalshiClient(config=config) as client:
        assert client.account.limits().usage_tier == "basic"
        with pytest.raises(Forbidden, match="last 100 orders"):
            client.account.upgrade_usage_level()
        assert client.account.limits().usage_tier == "basic"
        client.orders.create(box.ticker(), side="yes", action="buy", count=1, price_cents=5)
        client.account.upgrade_usage_level()
        assert client.account.limits().usage_tier == "advanced"
        client.account.upgrade_usage_level()  # granted already: still advanced
        assert client.account.limits().usage_tier == "advanced"


def test_bad_arguments_send_nothing(box: Box) -> None:
    _, config = new_user(box)
    wire = Wire()
    pem = public_key_pem(generate_private_key("ed25519"))
    with KalshiClient(config=config, transport=wire) as client:
        bad = [
            lambda: client.api_keys.create("", pem),
            lambda: client.api_keys.create("bot", "not a key"),
            lambda: client.api_keys.create("bot", pem, scopes=["write"]),
            lambda: client.api_keys.create("bot", pem, scopes=["admin"]),
            lambda: client.api_keys.create("bot", pem, subaccount=64),
            lambda: client.api_keys.create("bot", pem, subaccount=1, fcm_subtrader_id="u_1"),
            lambda: client.api_keys.generate("bot", key_type="dsa"),
            lambda: client.api_keys.generate("bot", subaccount=True),  # type: ignore[arg-type]
            lambda: client.api_keys.delete(""),
        ]
        for call in bad:
            with pytest.raises(ValidationError):
                call()
    assert wire.seen == []


def _open(data_dir: Path) -> PersistentExchange:
    now = wall_clock_ms()
    return open_exchange(data_dir, seed=0, markets=40, now_ms=now, clock=wall_clock_ms)


def test_keys_survive_a_restart(tmp_path: Path) -> None:
    persistent = _open(tmp_path)
    key = generate_private_key("ed25519")
    user = persistent.create_user(balance_cents=100_00)
    first = persistent.create_api_key(user, public_key_pem(key), name="first")
    # the app without a notebook user: ``running`` makes one outside the journal
    app = create_app(persistent.exchange, store_writer=persistent)
    with (
        running(app=app) as url,
        KalshiClient(config=config_for(url, first, private_key_to_pem(key))) as client,
    ):
        kept = client.api_keys.generate("kept")
        gone = client.api_keys.create("gone", public_key_pem(generate_private_key("rsa")))
        client.api_keys.delete(gone.api_key_id)
        ticker = Box(url).ticker()
        client.orders.create(ticker, side="yes", action="buy", count=1, price_cents=5)
        client.account.upgrade_usage_level()
    persistent.close()
    again = _open(tmp_path)
    try:
        assert kept.private_key.splitlines()[1] not in repr(again.exchange.state_image())
        with running(app=create_app(again.exchange, store_writer=again)) as url:
            signed = config_for(url, kept.api_key_id, kept.private_key)
            with KalshiClient(config=signed) as client:
                names = [(k.api_key_id, k.name) for k in client.api_keys.list().api_keys]
                assert names == [(first, "first"), (kept.api_key_id, "kept")]
                assert client.account.limits().usage_tier == "advanced"
    finally:
        again.close()


def test_cli_keys(
    box: Box,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sign_in(box, tmp_path, monkeypatch)
    monkeypatch.setattr(_output.stdout, "width", 80)  # type: ignore[misc]
    public = tmp_path / "bot.pub"
    public.write_text(public_key_pem(generate_private_key("ed25519")))
    assert main(["keys", "create", "--public-key", str(public), "--name", "bot"]) == 0
    said = capsys.readouterr().out
    assert said.startswith("created API key ")
    assert said.rstrip().endswith("(bot)")
    made_id = said.split()[3]
    out = tmp_path / "gen.pem"
    assert main(["keys", "generate", "--out", str(out), "--name", "gen"]) == 0
    said = capsys.readouterr().out
    assert f"private key written to {out}" in said
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    pem = out.read_text()
    assert pem.startswith("-----BEGIN RSA PRIVATE KEY-----")
    assert pem.splitlines()[1] not in said
    assert main(["keys", "generate", "--out", str(out)]) == 2  # never over a key
    assert "exists" in capsys.readouterr().err
    assert main(["keys", "list"]) == 0
    table = capsys.readouterr().out
    assert made_id in table
    assert "bot" in table
    assert "read, write" in table
    assert all(len(line) <= 80 for line in table.splitlines())
    assert main(["keys", "delete", made_id]) == 0
    assert capsys.readouterr().out.strip() == f"deleted API key {made_id}"
    assert main(["--json", "keys", "list"]) == 0
    listed = capsys.readouterr().out
    assert made_id not in listed
    assert "gen" in listed
