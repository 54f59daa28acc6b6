"""One RFQ from creation to fills on both sides, through our client against the sandbox: the
requester asks, the maker quotes, the requester takes YES, the maker confirms, and after the
execution timer both hold the position, see the fill and paid exactly price plus fee; both
heard it all on the ``communications`` channel. Then the same flow survives a restart."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from _cli_kit import Box, cli_json, sign_in
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kalshikit import KalshiClient
from kalshikit.auth import generate_private_key, private_key_to_pem, public_key_pem
from kalshikit.cli import _output
from kalshikit.cli.main import main
from kalshikit.config import APIConfig
from kalshikit.errors import APIStatusError, BadRequest
from kalshikit.http._core import prepare
from kalshikit.models import CreateQuoteRequest, CreateRfqRequest
from kalshikit.sandbox.exchange import RfqTiming
from kalshikit.sandbox.launch import wall_clock_ms
from kalshikit.sandbox.server import default_exchange, running
from kalshikit.sandbox.store import PersistentExchange, open_exchange
from kalshikit.ws import KalshiStream

pytestmark = pytest.mark.slow

FAST = RfqTiming(execution_ms=1_000)


@pytest.fixture(scope="module")
def box() -> Iterator[Box]:
    exchange = default_exchange(markets=60)
    exchange.rfq_timing = FAST
    with running(exchange, limits_enabled=False, liquidity=False) as url:
        yield Box(url)


def new_user(box: Box) -> tuple[str, APIConfig]:
    key = generate_private_key("ed25519")
    made = box.admin("POST", "/users", {"public_key_pem": public_key_pem(key)})
    config = APIConfig.resolve(
        "local", rest_url=box.url, api_key_id=made["api_key_id"],
        private_key_pem=private_key_to_pem(key), environ={}, dotenv_path=False,
    )  # fmt: skip
    return str(made["user_id"]), config


def executed(client: KalshiClient, rfq_id: str, quote_id: str, within_s: float = 6.0) -> Any:
    """The quote once the exchange executed it (the timer runs on the advance loop)."""
    deadline = time.monotonic() + within_s
    while True:
        quote = client.communications.rfq_quote(rfq_id, quote_id)
        if quote.status == "executed" or time.monotonic() > deadline:
            return quote
        time.sleep(0.2)


def kinds(stream: Any, count: int) -> list[Any]:
    return [stream.get(timeout=8) for _ in range(count)]


def test_an_rfq_trades_on_both_sides(box: Box) -> None:
    (_, asks), (_, makes) = new_user(box), new_user(box)
    ticker = box.ticker()
    with (
        KalshiClient(config=asks) as requester,
        KalshiClient(config=makes) as maker,
        KalshiStream(config=asks) as asker_ws,
        KalshiStream(config=makes) as maker_ws,
    ):
        heard_asker = asker_ws.communications(frames=True)
        heard_maker = maker_ws.communications(frames=True)
        cash = {c: c.portfolio.balance().balance for c in (requester, maker)}
        rfq_id = requester.communications.create_rfq(ticker, 10).id
        quote_id = maker.communications.create_quote(rfq_id, yes_bid="0.60", no_bid="0.35").id
        requester.communications.accept_rfq_quote(rfq_id, quote_id, "yes")
        maker.communications.confirm_rfq_quote(rfq_id, quote_id)
        quote = executed(requester, rfq_id, quote_id)
        assert quote.status == "executed"
        assert quote.rfq_creator_order_id
        assert requester.communications.rfq(rfq_id).status == "closed"
        for client, held in ((requester, Decimal(10)), (maker, Decimal(-10))):
            (fill,) = list(client.portfolio.fills(ticker=ticker))
            (position,) = list(client.portfolio.positions(ticker=ticker))
            assert position.position_fp == f"{held:.2f}"
            price = Decimal("0.60") if held > 0 else Decimal("0.40")
            paid = price * 10 + Decimal(fill.fee_cost or "0")
            assert cash[client] - client.portfolio.balance().balance == paid
        said = [type(f).__name__ for f in kinds(heard_asker, 5)]
        assert said == [
            "RfqCreatedFrame", "QuoteCreatedFrame", "QuoteAcceptedFrame", "QuoteExecutedFrame",
            "RfqDeletedFrame",
        ]  # fmt: skip
        frames = kinds(heard_maker, 5)
        assert [type(f).__name__ for f in frames][1:4] == [
            "QuoteCreatedFrame", "QuoteAcceptedFrame", "QuoteExecutedFrame",
        ]  # fmt: skip
        (maker_fill,) = list(maker.portfolio.fills(ticker=ticker))
        assert frames[3].msg.order_id == maker_fill.order_id


def test_withdraw_and_delete(box: Box) -> None:
    (_, asks), (_, makes) = new_user(box), new_user(box)
    ticker = box.ticker()
    with KalshiClient(config=asks) as requester, KalshiClient(config=makes) as maker:
        rfq_id = requester.communications.create_rfq(ticker, 5).id
        quote_id = maker.communications.create_quote(rfq_id, yes_bid="0.55", no_bid="0.40").id
        maker.communications.delete_rfq_quote(rfq_id, quote_id)
        withdrawn = requester.communications.rfq_quote(rfq_id, quote_id)
        assert (withdrawn.status, withdrawn.cancellation_reason) == ("cancelled", "withdrawn")
        again = maker.communications.create_quote(rfq_id, yes_bid="0.55", no_bid="0.40").id
        requester.communications.delete_rfq(rfq_id)
        assert requester.communications.rfq(rfq_id).cancellation_reason == "cancelled"
        assert maker.communications.rfq_quote(rfq_id, again).status == "cancelled"


def _open(data_dir: Path) -> PersistentExchange:
    return open_exchange(data_dir, seed=0, markets=40, now_ms=wall_clock_ms(), clock=wall_clock_ms)


def test_an_rfq_flow_survives_a_restart(tmp_path: Path) -> None:
    persistent = _open(tmp_path)
    exchange = persistent.exchange
    # a journaled setting: the replay runs the timers on the same clocks
    persistent.set_rfq_timing(FAST.execution_ms, FAST.confirm_ms, FAST.rfq_life_ms)
    asker, maker = (persistent.create_user(balance_cents=100_00) for _ in range(2))
    ticker = next(m.ticker for m in exchange.catalog.markets if m.status == "active")
    asked = CreateRfqRequest(market_ticker=ticker, contracts_fp="4", rest_remainder=False)
    rfq_id = persistent.create_rfq(asker, asked)
    offer = CreateQuoteRequest(rfq_id=rfq_id, yes_bid="0.30", no_bid="0.60", rest_remainder=False)
    quote_id = persistent.create_quote(maker, offer)
    persistent.accept_quote(asker, quote_id, "no", rfq_id)
    persistent.snapshot()  # the restart reads this image, then replays the rest of the log
    persistent.confirm_quote(maker, quote_id, rfq_id)
    time.sleep(FAST.execution_ms / 1000 + 0.05)
    persistent.advance()  # what the app's advance loop does once the timer is due
    assert exchange.quote_view(asker, quote_id).status == "executed"
    before = exchange.state_digest()
    persistent.close()
    again = _open(tmp_path)
    try:
        assert again.exchange.state_digest() == before
        assert again.exchange.rfq_timing == FAST
    finally:
        again.close()


def test_cli_rfq_and_quote(
    box: Box, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sign_in(box, tmp_path, monkeypatch)  # the CLI's user: the requester
    monkeypatch.setattr(_output.stdout, "width", 80)  # type: ignore[misc]
    ticker = box.ticker()
    assert main(["rfq", "create", ticker, "--contracts", "3", "--dry-run"]) == 0
    planned = json.loads(capsys.readouterr().out)
    assert planned["body"] == {"market_ticker": ticker, "contracts_fp": "3.00",
                               "rest_remainder": False}  # fmt: skip
    assert main(["rfq", "list"]) == 0
    assert "no RFQs" in capsys.readouterr().err  # the dry run sent nothing
    rfq_id = cli_json(capsys, "rfq", "create", ticker, "--contracts", "3")["id"]
    _, makes = new_user(box)
    with KalshiClient(config=makes) as maker:
        quote_id = maker.communications.create_quote(rfq_id, yes_bid="0.72", no_bid="0").id
        assert main(["rfq", "quotes", rfq_id[:8]]) == 0
        table = capsys.readouterr().out
        assert "buy YES at 72¢" in table
        assert all(len(line) <= 80 for line in table.splitlines())
        assert main(["rfq", "accept", rfq_id[:8], quote_id[:8], "--side", "yes"]) == 0
        assert capsys.readouterr().out.startswith("accepted buy YES at 72¢: 3.00 of ")
        assert main(["rfq", "accept", rfq_id[:8], quote_id[:8], "--side", "maybe"]) == 2
        capsys.readouterr()
        maker.communications.confirm_rfq_quote(rfq_id, quote_id)
        assert executed(maker, rfq_id, quote_id).status == "executed"
    (closed,) = cli_json(capsys, "rfq", "list")
    assert closed["status"] == "closed"
    assert "cancellation_reason" not in closed  # closed by the trade, not withdrawn


# --- hostile bodies: a 400, and the exchange's state is what it was ---------------------------

_RFQ_HOSTILE = [
    ("contracts", 0), ("contracts", -5), ("contracts", 2.5), ("contracts", "5"),
    ("contracts_fp", "0"), ("contracts_fp", "-1"), ("contracts_fp", "1.234"), ("contracts_fp", 7),
    ("contracts_fp", "ten"), ("target_cost_dollars", "-3"), ("target_cost_dollars", "abc"),
    ("target_cost_dollars", "0"), ("rest_remainder", "yes"), ("rest_remainder", None),
    ("replace_existing", 1), ("obscure_creator_id", "true"), ("subaccount", 99),
    ("subaccount", -1), ("subtrader_id", "fcm_1"), ("target_cost_centi_cents", "100"),
]  # fmt: skip
_QUOTE_HOSTILE = [
    ("yes_bid", "1.5"), ("yes_bid", "-0.10"), ("yes_bid", "abc"), ("yes_bid", 0.5),
    ("no_bid", "0.555"), ("no_bid", "1"), ("no_bid", None), ("rest_remainder", "no"),
    ("post_only", 3), ("subaccount", 64), ("yes_bid", "0.0001"),
]  # fmt: skip


@pytest.fixture(scope="module")
def hostile_setup(box: Box) -> Iterator[tuple[KalshiClient, KalshiClient, str, str]]:
    (_, asks), (_, makes) = new_user(box), new_user(box)
    with KalshiClient(config=asks) as requester, KalshiClient(config=makes) as maker:
        ticker = box.ticker()
        yield requester, maker, ticker, requester.communications.create_rfq(ticker, 5).id


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rfq_change=st.sampled_from(_RFQ_HOSTILE),
    quote_change=st.sampled_from(_QUOTE_HOSTILE),
    junk=st.dictionaries(st.text(max_size=8), st.integers() | st.text(max_size=8), max_size=3),
)
def test_hostile_bodies_are_refused_and_change_nothing(
    box: Box,
    hostile_setup: tuple[KalshiClient, KalshiClient, str, str],
    rfq_change: tuple[str, object],
    quote_change: tuple[str, object],
    junk: dict[str, object],
) -> None:
    requester, maker, ticker, rfq_id = hostile_setup
    good_rfq = {"market_ticker": ticker, "contracts_fp": "5", "rest_remainder": False}
    good_quote = {"rfq_id": rfq_id, "yes_bid": "0.60", "no_bid": "0.35", "rest_remainder": False}
    before = box.state()
    sends = [
        (requester, "communications.create_rfq", {**good_rfq, rfq_change[0]: rfq_change[1]}),
        (maker, "communications.create_quote", {**good_quote, quote_change[0]: quote_change[1]}),
        (requester, "communications.create_rfq", junk),
        (maker, "communications.create_quote", junk),
    ]
    for client, name, body in sends:
        with pytest.raises(APIStatusError) as refused:
            client.send(prepare(name, body=body))
        assert refused.value.status == 400, (name, body, refused.value)
    assert box.state() == before


def test_a_combo_rfq_names_its_legs_and_needs_cash_on_its_shard(box: Box) -> None:
    (_, asks), (_, makes) = new_user(box), new_user(box)
    combo = box.combo_ticker()  # shard 1; a new user's cash is on shard 0
    with KalshiClient(config=asks) as requester, KalshiClient(config=makes) as maker:
        rfq_id = requester.communications.create_rfq(combo, 2).id
        shown = requester.communications.rfq(rfq_id)
        assert shown.mve_collection_ticker is not None
        assert shown.mve_selected_legs
        quote_id = maker.communications.create_quote(rfq_id, yes_bid="0.30", no_bid="0.60").id
        with pytest.raises(BadRequest) as refused:
            requester.communications.accept_rfq_quote(rfq_id, quote_id, "yes")
        assert "shard" in str(refused.value)
        assert requester.communications.rfq_quote(rfq_id, quote_id).status == "open"
