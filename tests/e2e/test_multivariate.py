"""Multivariate collections end to end: our clients against a running sandbox, the stream, and
the CLI at 80 columns.

A combo created from chosen legs is a real market on shard 1: it trades (orders route there by
ticker), its multivariate lifecycle is announced, the same legs find it again, and it settles
from its legs' results. Bad legs are refused by the exchange and change nothing; bad arguments
are refused before anything is sent.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _cli_kit import Box, sign_in
from _client_kit import AsyncWire, Wire

from kalshikit import AsyncKalshiClient, KalshiClient
from kalshikit.auth import Signer, generate_private_key, private_key_to_pem, public_key_pem
from kalshikit.cli import _output
from kalshikit.cli.main import main
from kalshikit.config import APIConfig
from kalshikit.errors import BadRequest, NotFound, ValidationError
from kalshikit.models import TickerPair
from kalshikit.models.stream import MarketLifecycleMsg
from kalshikit.sandbox.server import running
from kalshikit.ws import KalshiWebSocket

pytestmark = pytest.mark.slow

COLLECTION = "KXMVECROSSCATEGORY-SHARD1-R"


@pytest.fixture(scope="module")
def box() -> Iterator[Box]:
    # empty books: the tests place the only orders on the combos they make
    with running(limits_enabled=False, liquidity=False) as url:
        yield Box(url)


def user_config(box: Box) -> APIConfig:
    key = generate_private_key("ed25519")
    made = box.admin("POST", "/users", {"public_key_pem": public_key_pem(key)})
    return APIConfig.resolve(
        "local", rest_url=box.url, api_key_id=made["api_key_id"],
        private_key_pem=private_key_to_pem(key), environ={}, dotenv_path=False,
    )  # fmt: skip


@pytest.fixture
def client(box: Box) -> Iterator[KalshiClient]:
    with KalshiClient(config=user_config(box), transport=Wire()) as c:
        yield c


def fresh_legs(client: KalshiClient, count: int, rng: random.Random) -> list[tuple[str, str]]:
    """``count`` (market, side) legs of distinct associated events that no test used yet."""
    collection = client.multivariate.collection(COLLECTION)
    events = list(collection.associated_event_tickers)
    rng.shuffle(events)
    legs: list[tuple[str, str]] = []
    for event in events:
        markets = [m for m in client.markets.list(event_ticker=event) if m.status == "active"]
        if markets:
            legs.append((rng.choice(markets).ticker, rng.choice(("yes", "no"))))
        if len(legs) == count:
            return legs
    raise AssertionError("not enough open events in the collection")


def test_collections_list_and_get(client: KalshiClient) -> None:
    listed = list(client.multivariate.collections(page_size=1))
    assert [c.collection_ticker for c in listed] == [COLLECTION]
    one = client.multivariate.collection(COLLECTION)
    assert one == listed[0]
    assert (one.exchange_index, one.size_min, one.size_max) == (1, 2, 4)
    assert one.price_level_structure == "deci_cent"
    assert [e.ticker for e in one.associated_events] == one.associated_event_tickers
    event = one.associated_event_tickers[0]
    assert list(client.multivariate.collections(associated_event_ticker=event)) == [one]
    assert list(client.multivariate.collections(status="closed")) == []
    with pytest.raises(NotFound):
        client.multivariate.collection("KXMVENOPE-R")


def test_a_created_combo_trades_on_shard_one_and_settles_from_its_legs(
    box: Box, client: KalshiClient
) -> None:
    legs = fresh_legs(client, 3, random.Random(1))
    made = client.multivariate.create_market(COLLECTION, legs, with_market=True)
    market = made.market
    assert market is not None
    assert (market.ticker, market.event_ticker) == (made.market_ticker, made.event_ticker)
    assert (market.exchange_index, market.status) == (1, "active")
    assert market.mve_collection_ticker == COLLECTION
    chosen = [(leg.market_ticker, leg.side) for leg in market.mve_selected_legs or []]
    assert chosen == legs
    assert client.markets.get(made.market_ticker).exchange_index == 1
    # the same legs, in another order, find it
    again = client.multivariate.create_market(COLLECTION, legs[::-1])
    assert (again.event_ticker, again.market_ticker, again.market) == (
        made.event_ticker, made.market_ticker, None,
    )  # fmt: skip
    # trade it: buyer and seller meet at 20c (routed to shard 1 by ticker)
    ticker = made.market_ticker
    client.transfers.shard("10", from_shard=0, to_shard=1)  # collateral is checked per shard
    client.orders.create(ticker, side="yes", action="buy", count=2, price_cents=20)
    with KalshiClient(config=user_config(box)) as seller:
        seller.transfers.shard("10", from_shard=0, to_shard=1)
        seller.orders.create(ticker, side="yes", action="sell", count=2, price_cents=20)
    held = [p for p in client.portfolio.positions(ticker=ticker)]
    assert [(p.ticker, str(p.position)) for p in held] == [(ticker, "2")]
    # determine every leg the way it was chosen: the combo resolves YES with the last one
    for leg_ticker, side in legs:
        assert client.markets.get(ticker).status == "active"
        box.admin("POST", f"/markets/{leg_ticker}/determine", {"result": side})
    combo = client.markets.get(ticker)
    assert (combo.status, combo.result) == ("determined", "yes")
    box.admin("POST", f"/markets/{ticker}/settle")
    (settled,) = list(client.portfolio.settlements(ticker=ticker))
    assert (settled.market_result, settled.revenue) == ("yes", 200)


def test_one_leg_lost_resolves_the_combo_no(box: Box, client: KalshiClient) -> None:
    legs = fresh_legs(client, 2, random.Random(2))
    made = client.multivariate.create_market(COLLECTION, legs)
    first, side = legs[0]
    box.admin("POST", f"/markets/{first}/determine", {"result": "no" if side == "yes" else "yes"})
    combo = client.markets.get(made.market_ticker)
    assert (combo.status, combo.result) == ("determined", "no")


def test_bad_legs_are_refused_and_change_nothing(box: Box, client: KalshiClient) -> None:
    legs = fresh_legs(client, 5, random.Random(3))
    (m0, _), (m1, _) = legs[0], legs[1]
    event0 = m0.rpartition("-")[0]
    sibling = next(m.ticker for m in client.markets.list(event_ticker=event0) if m.ticker != m0)
    refused = {
        "unknown market": [(event0 + "-NOPE", "yes"), legs[1]],
        "one leg": legs[:1],
        "five legs": legs,
        "two of one event": [(m0, "yes"), (sibling, "no")],
        "wrong event": [TickerPair(market_ticker=m0, event_ticker=m1.rpartition("-")[0],
                                   side="yes"), legs[2]],
    }  # fmt: skip
    before = box.state()
    for name, chosen in refused.items():
        with pytest.raises(BadRequest):
            client.multivariate.create_market(COLLECTION, chosen)
        assert box.state() == before, name
    with pytest.raises(BadRequest):
        client.multivariate.create_market("KXMVENOPE-R", legs[:2])
    assert box.state() == before


def test_bad_arguments_send_nothing(box: Box) -> None:
    wire = Wire()
    with KalshiClient(config=user_config(box), transport=wire) as c:
        for legs in ([], [("T-1", "maybe")], [("T-1", "yes"), ("T-1", "no")], [("NODASH", "yes")]):
            with pytest.raises(ValidationError):
                c.multivariate.create_market(COLLECTION, legs)  # type: ignore[arg-type]
        with pytest.raises(ValidationError):
            c.multivariate.create_market("", [("A-1", "yes"), ("B-1", "no")])
        with pytest.raises(ValidationError):
            c.multivariate.collections(status="live")
        with pytest.raises(ValidationError):
            c.multivariate.collections(page_size=201)
    assert wire.seen == []


def test_the_async_client_matches(box: Box, client: KalshiClient) -> None:
    legs = fresh_legs(client, 2, random.Random(4))
    made = client.multivariate.create_market(COLLECTION, legs)

    async def read() -> tuple[Any, Any, Any]:
        async with AsyncKalshiClient(config=user_config(box), transport=AsyncWire()) as c:
            listed = [x async for x in c.multivariate.collections()]
            one = await c.multivariate.collection(COLLECTION)
            found = await c.multivariate.create_market(COLLECTION, legs)
            return listed, one, found

    listed, one, found = asyncio.run(read())
    assert listed == [one]
    assert (found.event_ticker, found.market_ticker) == (made.event_ticker, made.market_ticker)


async def _announced(config: APIConfig, box: Box, legs: list[tuple[str, str]]) -> list[Any]:
    key = generate_private_key("ed25519")
    made = box.admin("POST", "/users", {"public_key_pem": public_key_pem(key)})
    async with KalshiWebSocket(config=config, signer=Signer(made["api_key_id"], key)) as ws:
        mve = await ws.multivariate_lifecycle()
        life = await ws.lifecycle()
        async with AsyncKalshiClient(config=config) as c:
            created = await c.multivariate.create_market(COLLECTION, legs)
        seen: list[Any] = []
        for _ in range(50):
            try:
                seen.append(await mve.next(0.5))
            except TimeoutError:
                break
        plain: list[Any] = []
        for _ in range(20):
            try:
                plain.append(await life.next(0.2))
            except TimeoutError:
                break
    return [created, seen, plain]


def test_the_multivariate_lifecycle_announces_a_created_combo(
    box: Box, client: KalshiClient
) -> None:
    legs = fresh_legs(client, 2, random.Random(5))
    created, seen, plain = asyncio.run(_announced(user_config(box), box, legs))
    mine = [
        m.event_type for m in seen
        if isinstance(m, MarketLifecycleMsg) and m.market_ticker == created.market_ticker
    ]  # fmt: skip
    assert mine[:2] == ["created", "activated"]
    assert any(getattr(m, "event_ticker", None) == created.event_ticker for m in seen)
    assert not any(getattr(m, "market_ticker", None) == created.market_ticker for m in plain)


def test_the_cli_lists_and_creates_at_80_columns(
    box: Box, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sign_in(box, tmp_path, monkeypatch)
    monkeypatch.setattr(_output.stdout, "width", 80)  # type: ignore[misc]
    assert main(["combos", "list"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split()[:3] == ["collection", "legs", "events"]
    assert COLLECTION in table[1]
    assert "2-4" in table[1]
    assert all(len(line) <= 80 for line in table)
    assert main(["combos", "list", "--status", "closed"]) == 0
    captured = capsys.readouterr()
    assert (captured.out, captured.err.strip()) == ("", "no collections match")
    assert main(["combos", "show", COLLECTION]) == 0
    shown = capsys.readouterr().out.splitlines()
    assert shown[0] == "Cross-category combos"
    assert any(line.split() == ["legs", "2", "to", "4"] for line in shown)
    assert any(line.split()[:3] == ["event", "sides", "most"] for line in shown)
    assert all(len(line) <= 80 for line in shown)
    assert main(["combos", "show", "KXMVENOPE-R"]) == 2  # not found

    with KalshiClient(config=user_config(box)) as c:
        legs = fresh_legs(c, 2, random.Random(6))
    flags = [arg for ticker, side in legs for arg in ("--leg", f"{ticker}:{side}")]
    assert main(["combos", "create", COLLECTION, *flags]) == 0
    said = capsys.readouterr().out.strip()
    assert said.startswith("created combo KXMVECROSSCATEGORY-S")
    assert said.endswith("with 2 legs")
    # the answer does not say whether the market is new: the CLI reads it off created_time,
    # allowing the exchange's clock 2 s of skew, so ask again once that has passed
    time.sleep(3)
    swapped = [*flags[2:], *flags[:2]]
    assert main(["combos", "create", COLLECTION, *swapped, "--show-market"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == said.replace("created combo", "found existing combo")
    assert any(line.split()[:2] == ["status", "active"] for line in lines[1:])
    assert all(len(line) <= 80 for line in lines)
    assert main(["--json", "combos", "create", COLLECTION, *flags]) == 0
    assert '"market_ticker"' in capsys.readouterr().out
    assert main(["combos", "create", COLLECTION, "--leg", "KXFOO-1:maybe"]) == 2
    assert "--leg takes TICKER:yes or TICKER:no" in capsys.readouterr().err
