"""The sandbox WebSocket API end to end: a real server on loopback, plain `websockets` clients
with signed handshakes, orders through signed REST calls.

Checks the handshake refusals, every command reply and error code, each channel's frames, that
a book rebuilt from snapshot + deltas equals the REST book after a burst from several users,
the WebSocket faults (drop, skipped seq, delay), the heartbeat, and that a slow reader is cut
off with error 25 while a fast one keeps up.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from starlette.applications import Starlette
from websockets.asyncio.client import ClientConnection, connect
from websockets.client import ClientProtocol
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.frames import Frame as WsFrame
from websockets.frames import Opcode
from websockets.uri import parse_uri

from kalshikit.auth import KalshiAuth, PrivateKey, Signer, generate_private_key, public_key_pem
from kalshikit.endpoints import REST_PREFIX, WS_PATH
from kalshikit.sandbox.api.app import create_app
from kalshikit.sandbox.server import default_exchange, running

Frame = dict[str, Any]
Book = dict[str, dict[Decimal, Decimal]]


# --- set-up -----------------------------------------------------------------------------------


@dataclass
class Box:
    """A running sandbox: its URLs and its app (for the Python fault handle)."""

    url: str
    app: Starlette
    tickers: Iterator[str]

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://").replace(REST_PREFIX, WS_PATH)

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        base = self.url.replace(REST_PREFIX, "/sandbox/admin")
        answer = httpx.request(method, base + path, json=body)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def user(self) -> Trader:
        key = generate_private_key("ed25519")
        created = self.admin("POST", "/users", {"public_key_pem": public_key_pem(key)})
        return Trader(created["user_id"], Signer(created["api_key_id"], key), self)


@dataclass
class Trader:
    user_id: str
    signer: Signer
    box: Box

    http: httpx.AsyncClient | None = None

    @contextlib.asynccontextmanager
    async def session(self) -> AsyncIterator[None]:
        """Reuse one HTTP connection for the calls made inside (much faster for bursts)."""
        async with httpx.AsyncClient(base_url=self.box.url, auth=KalshiAuth(self.signer)) as http:
            self.http = http
            try:
                yield
            finally:
                self.http = None

    async def rest(self, method: str, path: str, body: Any = None, *, check: bool = True) -> Any:
        if self.http is None:
            async with self.session():
                return await self.rest(method, path, body, check=check)
        answer = await self.http.request(method, path, json=body)
        assert answer.status_code < 300 or not check, answer.text
        return answer.json() if answer.content else None

    async def order(
        self, ticker: str, side: str, price: str, count: str = "1.00", **extra: Any
    ) -> Any:
        body = {
            "ticker": ticker, "side": side, "count": count, "price": price,
            "time_in_force": "good_till_canceled", "self_trade_prevention_type": "maker",
        } | extra  # fmt: skip
        return await self.rest("POST", "/portfolio/events/orders", body)

    async def feed(self) -> Feed:
        headers = self.signer.ws_headers(self.box.ws_url)
        return Feed(await connect(self.box.ws_url, additional_headers=headers))


@dataclass
class Feed:
    """A signed client that keeps every frame it reads, in order."""

    ws: ClientConnection
    frames: list[Frame] = field(default_factory=list)
    next_id: int = 1

    async def send(self, cmd: str, params: Any = None, **extra: Any) -> int:
        self.next_id += 1
        frame = {"id": self.next_id, "cmd": cmd} | (
            {"params": params} if params is not None else {}
        )
        await self.ws.send(json.dumps(frame | extra))
        return self.next_id

    async def until(self, done: Callable[[Frame], bool], within: float = 5.0) -> Frame:
        """Read (and keep) frames until one satisfies ``done``; return it."""
        async with asyncio.timeout(within):
            while True:
                frame: Frame = json.loads(await self.ws.recv())
                self.frames.append(frame)
                if done(frame):
                    return frame

    async def reply(self, cmd: str, params: Any = None) -> Frame:
        cmd_id = await self.send(cmd, params)
        return await self.until(
            lambda f: f.get("id") == cmd_id and f["type"] != "orderbook_snapshot"
        )

    async def subscribe(self, params: dict[str, Any]) -> dict[str, int]:
        """Subscribe; the sid of each channel."""
        cmd_id = await self.send("subscribe", params)
        sids: dict[str, int] = {}
        while len(sids) < len(params["channels"]):
            frame = await self.until(lambda f: f.get("id") == cmd_id)
            assert frame["type"] == "subscribed", frame
            sids[frame["msg"]["channel"]] = frame["msg"]["sid"]
        return sids

    async def barrier(self) -> None:
        """Every frame queued before now has arrived once this returns (replies are queued
        behind data frames)."""
        await self.reply("list_subscriptions")

    def of(self, kind: str, sid: int | None = None) -> list[Frame]:
        return [f for f in self.frames if f["type"] == kind and sid in (None, f.get("sid"))]

    def read_in_background(self) -> asyncio.Task[Frame]:
        """Keep reading (as a fast client does) until the task is cancelled."""
        return asyncio.create_task(self.until(lambda f: False, within=120))

    async def close(self) -> None:
        await self.ws.close()


@pytest.fixture(scope="module")
def box() -> Iterator[Box]:
    app = create_app(default_exchange(seed=3), limits_enabled=False)
    with running(app=app) as url:
        markets = httpx.get(f"{url}/markets", params={"status": "open", "limit": 1000}).json()
        tickers = [
            m["ticker"] for m in markets["markets"] if m["price_level_structure"] == "linear_cent"
        ]
        yield Box(url, app, iter(tickers))


@pytest.fixture
def ticker(box: Box) -> str:
    """An open market no other test has touched."""
    return next(box.tickers)


@pytest.fixture
def alice(box: Box) -> Trader:
    return box.user()


@pytest.fixture
def bob(box: Box) -> Trader:
    return box.user()


def seqs_contiguous(frames: list[Frame]) -> bool:
    seqs = [f["seq"] for f in frames]
    return seqs == list(range(seqs[0], seqs[0] + len(seqs)))


# --- the handshake ----------------------------------------------------------------------------


async def test_handshake_needs_a_valid_signature(
    box: Box, alice: Trader, rsa_key: PrivateKey
) -> None:
    now = int(time.time() * 1000)
    wrong_path = alice.signer.headers("GET", REST_PREFIX + "/markets", now_ms=now)
    forged = Signer(alice.signer.key_id, rsa_key).ws_headers(box.ws_url)
    stale = alice.signer.ws_headers(box.ws_url, now_ms=now - 120_000)
    unknown = Signer("no-such-key", rsa_key).ws_headers(box.ws_url)
    for headers, code in [
        ({}, "missing_authentication"), (wrong_path, "invalid_signature"),
        (forged, "invalid_signature"), (stale, "timestamp_out_of_window"),
        (unknown, "unknown_api_key"),
    ]:  # fmt: skip
        with pytest.raises(InvalidStatus) as refused:
            await connect(box.ws_url, additional_headers=headers)
        assert refused.value.response.status_code == 401
        assert json.loads(refused.value.response.body)["error"]["code"] == code
    # the query string is not signed, as on the real host
    headers = alice.signer.ws_headers(box.ws_url)
    feed = Feed(await connect(box.ws_url + "?client=test", additional_headers=headers))
    assert (await feed.reply("list_subscriptions")) == {"id": 2, "type": "ok", "msg": []}
    await feed.close()


# --- channels ---------------------------------------------------------------------------------


async def test_snapshot_then_deltas_with_own_client_order_id(
    box: Box, ticker: str, alice: Trader, bob: Trader
) -> None:
    await bob.order(ticker, "ask", "0.6100", "3.00", client_order_id="bob-ask")  # rests first
    feeds = [await alice.feed(), await bob.feed()]
    sids = [
        await f.subscribe({"channels": ["orderbook_delta"], "market_ticker": ticker}) for f in feeds
    ]
    snapshots = [await f.until(lambda x: x["type"] == "orderbook_snapshot") for f in feeds]
    for snapshot, sid in zip(snapshots, sids, strict=True):
        assert snapshot["sid"] == sid["orderbook_delta"]
        assert snapshot["seq"] == 1
        assert snapshot["msg"]["no_dollars_fp"] == [["0.3900", "3.00"]]
        assert "yes_dollars_fp" not in snapshot["msg"]  # an empty side is left out
    await alice.order(ticker, "bid", "0.4200", "2.00", client_order_id="alice-1")
    await bob.order(ticker, "bid", "0.4100", "1.00", client_order_id="bob-1")
    await alice.order(ticker, "bid", "0.6100", "1.00", client_order_id="alice-2")  # takes bob's ask
    for feed in feeds:
        await feed.barrier()
    alice_deltas, bob_deltas = (f.of("orderbook_delta") for f in feeds)
    assert [d["msg"]["price_dollars"] for d in alice_deltas] == ["0.4200", "0.4100", "0.3900"]
    assert [d["msg"]["delta_fp"] for d in alice_deltas] == ["2.00", "1.00", "-1.00"]
    assert [d["msg"].get("client_order_id") for d in alice_deltas] == ["alice-1", None, None]
    # the fill shrinks bob's resting ask: the delta names bob's order, to bob only
    assert [d["msg"].get("client_order_id") for d in bob_deltas] == [None, "bob-1", "bob-ask"]
    for deltas in (alice_deltas, bob_deltas):
        assert [d["seq"] for d in deltas] == [2, 3, 4]
        assert deltas[0]["msg"]["side"] == "yes"
        assert deltas[2]["msg"]["side"] == "no"
        assert {"market_ticker", "market_id", "ts", "ts_ms"} <= deltas[0]["msg"].keys()
    for feed in feeds:
        await feed.close()


async def test_ticker_trade_and_private_channels(
    box: Box, ticker: str, alice: Trader, bob: Trader
) -> None:
    watch = await alice.feed()
    sids = await watch.subscribe({
        "channels": ["ticker", "trade", "fill", "market_positions", "user_orders"],
        "market_tickers": [ticker], "send_initial_snapshot": True,
    })  # fmt: skip
    (initial,) = watch.of("ticker")  # sent right after its "subscribed"
    assert initial["msg"]["volume_fp"] == "0.00"
    assert "seq" not in initial
    maker = await bob.feed()
    await maker.subscribe({"channels": ["fill"]})
    await bob.order(ticker, "ask", "0.5500", "2.00", client_order_id="bob-ask")
    await alice.order(ticker, "bid", "0.5500", "2.00", client_order_id="alice-bid")
    await watch.barrier()
    await maker.barrier()
    (trade,) = watch.of("trade")
    assert trade["sid"] == sids["trade"]
    assert trade["seq"] == 1
    assert trade["msg"] | {"trade_id": "", "ts": 0, "ts_ms": 0} == {
        "trade_id": "", "market_ticker": ticker, "yes_price_dollars": "0.5500",
        "no_price_dollars": "0.4500", "count_fp": "2.00", "taker_side": "yes",
        "taker_outcome_side": "yes", "taker_book_side": "bid", "is_block_trade": False,
        "ts": 0, "ts_ms": 0,
    }  # fmt: skip
    (fill,) = watch.of("fill")  # alice's only: bob's fill goes to bob
    assert fill["msg"]["client_order_id"] == "alice-bid"
    assert fill["msg"]["is_taker"] is True
    assert fill["msg"]["post_position_fp"] == "2.00"
    assert "seq" not in fill
    (bob_fill,) = maker.of("fill")
    assert bob_fill["msg"]["client_order_id"] == "bob-ask"
    assert bob_fill["msg"]["is_taker"] is False
    assert bob_fill["msg"]["trade_id"] == fill["msg"]["trade_id"]
    (position,) = watch.of("market_position")
    assert position["msg"]["user_id"] == alice.user_id
    assert position["msg"]["position_fp"] == "2.00"
    orders = watch.of("user_order")
    assert [o["msg"]["status"] for o in orders] == ["executed"]
    assert orders[0]["msg"]["last_update_reason"] == "Trade"
    last = watch.of("ticker")[-1]["msg"]
    assert (last["price_dollars"], last["volume_fp"], last["open_interest_fp"]) == (
        "0.5500",
        "2.00",
        "2.00",
    )
    assert last["dollar_volume"] == 1
    assert last["dollar_open_interest"] == 2
    await watch.close()
    await maker.close()


async def test_lifecycle_and_order_group_updates(box: Box, ticker: str, alice: Trader) -> None:
    feed = await alice.feed()
    sids = await feed.subscribe({"channels": ["market_lifecycle_v2", "order_group_updates"]})
    group = await alice.rest(
        "POST", "/portfolio/order_groups/create", {"contracts_limit_fp": "5.00"}
    )
    await alice.rest(
        "PUT",
        f"/portfolio/order_groups/{group['order_group_id']}/limit",
        {"contracts_limit_fp": "7.00"},
    )
    box.admin("POST", f"/markets/{ticker}/determine", {"result": "yes"})
    box.admin("POST", f"/markets/{ticker}/settle")
    box.admin("POST", "/trading", {"active": False})
    box.admin("POST", "/trading", {"active": True})
    await feed.barrier()
    groups = feed.of("order_group_updates")
    assert [(g["msg"]["event_type"], g["msg"].get("contracts_limit_fp")) for g in groups] == [
        ("created", "5.00"), ("limit_updated", "7.00"),
    ]  # fmt: skip
    assert [g["seq"] for g in groups] == [1, 2]
    lifecycle = feed.of("market_lifecycle_v2")
    assert seqs_contiguous(lifecycle)
    assert all(f["sid"] == sids["market_lifecycle_v2"] for f in lifecycle)
    mine = [f["msg"] for f in lifecycle if f["msg"]["market_ticker"] == ticker]
    assert [m["event_type"] for m in mine] == ["close_date_updated", "determined", "settled"]
    assert mine[1]["result"] == "yes"
    assert mine[1]["settlement_value"] == "1.0000"
    pauses = [
        m for m in (f["msg"] for f in lifecycle) if m["event_type"] in ("deactivated", "activated")
    ]
    assert pauses
    assert {m["is_deactivated"] for m in pauses} == {True, False}
    await feed.close()


async def test_book_from_the_feed_equals_the_rest_book(box: Box, ticker: str) -> None:
    other = next(box.tickers)
    traders = [box.user() for _ in range(3)]
    plain, yes_priced = await traders[0].feed(), await traders[1].feed()
    await plain.subscribe({"channels": ["orderbook_delta"], "market_tickers": [ticker, other]})
    await yes_priced.subscribe(
        {"channels": ["orderbook_delta"], "market_tickers": [ticker, other], "use_yes_price": True}
    )
    rng = random.Random(11)
    await asyncio.gather(
        *(_trade_randomly(t, [ticker, other], rng.randrange(1 << 30)) for t in traders)
    )
    await plain.barrier()
    await yes_priced.barrier()
    for feed in (plain, yes_priced):
        assert seqs_contiguous(feed.of("orderbook_snapshot") + feed.of("orderbook_delta"))
    for market in (ticker, other):
        rest = (await traders[0].rest("GET", f"/markets/{market}/orderbook"))["orderbook_fp"]
        assert _rebuilt(plain.frames, market) == _levels(rest["yes_dollars"], rest["no_dollars"])
        no_as_yes = [[str(1 - Decimal(p)), s] for p, s in rest["no_dollars"]]
        assert _rebuilt(yes_priced.frames, market) == _levels(rest["yes_dollars"], no_as_yes)
    await plain.close()
    await yes_priced.close()


async def _trade_randomly(trader: Trader, tickers: list[str], seed: int, orders: int = 150) -> None:
    async with trader.session():
        await _orders_and_cancels(trader, tickers, random.Random(seed), orders)


async def _orders_and_cancels(
    trader: Trader, tickers: list[str], rng: random.Random, orders: int
) -> None:
    resting: list[str] = []
    for _ in range(orders):
        if resting and rng.random() < 0.25:
            order_id = resting.pop(rng.randrange(len(resting)))
            # it may have traded meanwhile: a refused cancel changes nothing
            await trader.rest("DELETE", f"/portfolio/events/orders/{order_id}", check=False)
            continue
        side = rng.choice(["bid", "ask"])
        cents = rng.randint(40, 60)
        ack = await trader.order(
            rng.choice(tickers), side, f"0.{cents:02d}00", f"{rng.randint(1, 5)}.00",
            time_in_force=rng.choice(["good_till_canceled"] * 4 + ["immediate_or_cancel"]),
        )  # fmt: skip
        if ack["remaining_count"] != "0.00":
            resting.append(ack["order_id"])


def _levels(yes: list[list[str]], no: list[list[str]]) -> Book:
    return {
        "yes": {Decimal(p): Decimal(s) for p, s in yes},
        "no": {Decimal(p): Decimal(s) for p, s in no},
    }


def _rebuilt(frames: list[Frame], ticker: str) -> Book:
    """The book a client holds after applying its snapshot and then every delta."""
    book: Book = {"yes": {}, "no": {}}
    for frame in frames:
        msg = frame.get("msg")
        if not isinstance(msg, dict) or msg.get("market_ticker") != ticker:
            continue
        if frame["type"] == "orderbook_snapshot":
            book = _levels(msg.get("yes_dollars_fp", []), msg.get("no_dollars_fp", []))
        elif frame["type"] == "orderbook_delta":
            side, price = book[msg["side"]], Decimal(msg["price_dollars"])
            side[price] = side.get(price, Decimal(0)) + Decimal(msg["delta_fp"])
            if side[price] <= 0:
                del side[price]
    return book


# --- commands ---------------------------------------------------------------------------------


async def test_update_unsubscribe_and_list(box: Box, ticker: str, alice: Trader) -> None:
    other = next(box.tickers)
    feed = await alice.feed()
    sids = await feed.subscribe(
        {"channels": ["orderbook_delta", "ticker"], "market_ticker": ticker}
    )
    book, quotes = sids["orderbook_delta"], sids["ticker"]
    await alice.order(other, "bid", "0.3000")
    added = await feed.reply(
        "update_subscription", {"sid": book, "action": "add_markets", "market_tickers": [other]}
    )
    assert added == {
        "id": feed.next_id,
        "sid": book,
        "seq": 2,
        "type": "ok",
        "msg": {"market_tickers": [ticker, other]},
    }
    snapshot = await feed.until(lambda f: f["type"] == "orderbook_snapshot" and f["seq"] == 3)
    assert snapshot["msg"]["yes_dollars_fp"] == [["0.3000", "1.00"]]
    assert "id" not in snapshot
    asked = await feed.send(
        "update_subscription", {"sids": [book], "action": "get_snapshot", "market_tickers": [other]}
    )
    again = await feed.until(lambda f: f.get("id") == asked)
    assert (again["type"], again["sid"], again["seq"]) == ("orderbook_snapshot", book, 4)
    deleted = await feed.reply(
        "update_subscription", {"sid": book, "action": "delete_markets", "market_ticker": ticker}
    )
    assert deleted["msg"] == {"market_tickers": [other]}
    assert deleted["seq"] == 5
    by_id = await feed.reply("list_subscriptions")
    assert by_id["msg"] == [
        {"channel": "orderbook_delta", "sid": book},
        {"channel": "ticker", "sid": quotes},
    ]
    gone = await feed.reply("unsubscribe", {"sids": [book, quotes]})
    assert gone == {"id": feed.next_id, "sid": book, "seq": 6, "type": "unsubscribed"}
    gone = await feed.until(lambda f: f.get("sid") == quotes)
    assert gone == {"id": feed.next_id, "sid": quotes, "seq": 1, "type": "unsubscribed"}
    quiet = await feed.subscribe(
        {"channels": ["ticker"], "market_tickers": [ticker], "skip_ticker_ack": True}
    )
    ack = await feed.reply(
        "update_subscription",
        {"sid": quiet["ticker"], "action": "add_markets", "market_tickers": [other]},
    )
    assert "msg" not in ack
    assert ack["type"] == "ok"
    assert quiet["ticker"] == 3  # sids are never reused on a connection
    await feed.close()


async def test_every_command_error_code(box: Box, ticker: str, alice: Trader) -> None:
    feed = await alice.feed()
    sids = await feed.subscribe({"channels": ["orderbook_delta", "trade"], "market_ticker": ticker})
    book, trades = sids["orderbook_delta"], sids["trade"]
    cases: list[tuple[Any, int]] = [
        ("not json", 1), ([1, 2], 1), ({"id": "x", "cmd": "subscribe"}, 1),
        ({"id": 9, "cmd": "subscribe"}, 2), ({"id": 9, "cmd": "subscribe", "params": {}}, 3),
        ({"id": 9, "cmd": "unsubscribe", "params": {}}, 4), ({"id": 9, "cmd": "explode"}, 5),
        ({"id": 9, "cmd": "unsubscribe", "params": {"sids": [999]}}, 7),
        ({"id": 9, "cmd": "subscribe", "params": {"channels": ["multivariate"]}}, 8),
        ({"id": 9, "cmd": "subscribe", "params": {"channels": ["pyth_value"],
                                                  "underlying_tickers": "BTC"}}, 11),
        ({"id": 9, "cmd": "subscribe", "params": {"channels": ["trade"], "market_id": 7}}, 11),
        ({"id": 9, "cmd": "update_subscription", "params": {"action": "add_markets"}}, 12),
        ({"id": 9, "cmd": "update_subscription", "params": {"sid": book, "action": "explode"}}, 13),
        ({"id": 9, "cmd": "subscribe", "params": {"channels": ["orderbook_delta"]}}, 14),
        ({"id": 9, "cmd": "update_subscription", "params": {"sid": book}}, 15),
    ]  # fmt: skip
    for frame, code in cases:
        await feed.ws.send(frame if isinstance(frame, str) else json.dumps(frame))
        error = await feed.until(lambda f: f["type"] == "error")
        assert error["msg"]["code"] == code, (frame, error)
        assert error.get("id") == (
            frame.get("id") if isinstance(frame, dict) and code != 1 else None
        )
        assert isinstance(error["msg"]["msg"], str)
        assert "sid" not in error
    # errors about an existing subscription name it and advance its seq
    unknown = {"sid": book, "action": "add_markets", "market_tickers": ["NO-SUCH-MARKET"]}
    scoped = await feed.reply("update_subscription", unknown)
    assert scoped["msg"] | {"msg": ""} == {"code": 11, "msg": "", "market_ticker": "NO-SUCH-MARKET"}
    assert (scoped["sid"], scoped["seq"]) == (book, 2)
    wrong = await feed.reply("update_subscription", {"sid": trades, "action": "get_snapshot"})
    assert (wrong["msg"]["code"], wrong["sid"], wrong["seq"]) == (13, trades, 1)
    empty = await feed.reply("update_subscription", {"sid": book, "action": "add_markets"})
    assert (empty["msg"]["code"], empty["seq"]) == (14, 3)
    await feed.close()


# --- faults -----------------------------------------------------------------------------------


async def test_drop_fault_cuts_connections_without_a_close_frame(
    box: Box, alice: Trader, bob: Trader
) -> None:
    first, second, survivor = await alice.feed(), await alice.feed(), await bob.feed()
    await first.barrier()
    dropped = box.admin("POST", "/faults", {"kind": "ws_drop", "user_id": alice.user_id})
    assert dropped["dropped"] == 2
    for feed in (first, second):
        with pytest.raises(ConnectionClosed) as closed:
            await feed.until(lambda f: False)
        assert closed.value.rcvd is None  # no close frame: a network failure, not a goodbye
    await survivor.barrier()
    # the Python handle works from the test's thread too
    listing = box.app.state.feeds.faults.connections()
    mine = next(c for c in listing if c["user_id"] == bob.user_id)
    assert box.app.state.feeds.faults.drop(connection_id=mine["connection_id"]) == 1
    with pytest.raises(ConnectionClosed):
        await survivor.until(lambda f: False)


async def test_skip_seq_fault_shows_as_a_gap_that_get_snapshot_heals(
    box: Box, ticker: str, alice: Trader
) -> None:
    feed = await alice.feed()
    sid = (await feed.subscribe({"channels": ["orderbook_delta"], "market_ticker": ticker}))[
        "orderbook_delta"
    ]
    box.app.state.feeds.faults.skip_seq(sid=sid, connection_id=_connection_of(box, alice))
    await alice.order(ticker, "bid", "0.2000")
    await alice.order(ticker, "bid", "0.2100")
    await feed.barrier()
    assert [d["seq"] for d in feed.of("orderbook_delta")] == [3, 4]  # 2 never came: a gap
    asked = await feed.send(
        "update_subscription", {"sid": sid, "action": "get_snapshot", "market_tickers": [ticker]}
    )
    healed = await feed.until(lambda f: f.get("id") == asked)
    assert healed["seq"] == 5
    assert healed["msg"]["yes_dollars_fp"] == [
        ["0.2000", "1.00"],
        ["0.2100", "1.00"],
    ]
    await feed.close()


async def test_delay_fault_holds_frames_back(box: Box, ticker: str, alice: Trader) -> None:
    feed = await alice.feed()
    await feed.subscribe({"channels": ["orderbook_delta"], "market_ticker": ticker})
    await feed.until(lambda f: f["type"] == "orderbook_snapshot")
    box.admin(
        "POST",
        "/faults",
        {
            "kind": "ws_delay",
            "delay_ms": 400,
            "count": 1,
            "connection_id": _connection_of(box, alice),
        },
    )
    started = time.monotonic()
    await alice.order(ticker, "bid", "0.2000")
    await feed.until(lambda f: f["type"] == "orderbook_delta")
    assert time.monotonic() - started >= 0.4
    assert box.admin("GET", "/faults")["ws_delay_count"] == 0
    await feed.close()


def _connection_of(box: Box, trader: Trader) -> int:
    listing = box.admin("GET", "/ws/connections")["connections"]
    return int(next(c["connection_id"] for c in listing if c["user_id"] == trader.user_id))


# --- keep-alive and back-pressure -------------------------------------------------------------


@pytest.mark.slow
async def test_heartbeat_pings_and_drops_a_silent_client() -> None:
    with running(heartbeat_s=0.2, heartbeat_timeout_s=0.4) as url:
        box = Box(url, Starlette(), iter(()))
        trader = box.user()
        alive = await trader.feed()
        await asyncio.sleep(1.0)  # several pings, answered by the client library
        await alive.barrier()
        pings, lasted = await _silent_client(box.ws_url, trader.signer)
        assert pings
        assert set(pings) == {b"heartbeat"}
        assert 0.2 <= lasted < 2.0
        await alive.close()


async def _silent_client(ws_url: str, signer: Signer) -> tuple[list[bytes], float]:
    """A client that completes the handshake, then never answers a ping: the pings it saw and
    how long the server kept it."""
    protocol = ClientProtocol(parse_uri(ws_url))
    request = protocol.connect()
    for name, value in signer.ws_headers(ws_url).items():
        request.headers[name] = value
    protocol.send_request(request)
    where = urlsplit(ws_url)
    reader, writer = await asyncio.open_connection(where.hostname, where.port)
    writer.write(b"".join(protocol.data_to_send()))
    started, pings = time.monotonic(), []
    while data := await asyncio.wait_for(reader.read(65536), 5):
        protocol.receive_data(data)
        for event in protocol.events_received():
            if isinstance(event, WsFrame) and event.opcode is Opcode.PING:
                pings.append(bytes(event.data))
        protocol.data_to_send()  # the pongs it queued are thrown away
    writer.close()
    return pings, time.monotonic() - started


@pytest.mark.slow
async def test_slow_reader_gets_error_25_while_a_fast_one_keeps_up() -> None:
    app = create_app(default_exchange(seed=5), limits_enabled=False, ws_queue_limit=200)
    # small kernel buffers on both ends, so a reader that stops shows up within kilobytes
    with running(app=app, ws_send_buffer_bytes=8192) as url:
        box = Box(url, app, iter(()))
        trader, ticker = box.user(), _open_ticker(url)
        fast = await trader.feed()
        slow = Feed(await _tiny_window_client(box.ws_url, trader.signer))
        for feed in (fast, slow):
            await feed.subscribe({"channels": ["orderbook_delta"], "market_ticker": ticker})
        reading = fast.read_in_background()
        async with httpx.AsyncClient(base_url=url, auth=KalshiAuth(trader.signer)) as http:
            started, rounds = time.monotonic(), 0
            while not _overflowed(app) and rounds < 300:  # the slow client reads nothing
                await _sweep(http, ticker)
                rounds += 1
            elapsed = time.monotonic() - started
        reading.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reading
        await fast.barrier()
        deltas = fast.of("orderbook_delta")
        assert rounds < 300
        assert len(deltas) == 20 * rounds
        assert seqs_contiguous(fast.of("orderbook_snapshot") + deltas)
        with pytest.raises(ConnectionClosed) as closed:  # it reads again: the error, then close
            await slow.until(lambda f: False, within=10)
        assert slow.frames[-1]["type"] == "error"
        assert slow.frames[-1]["msg"]["code"] == 25
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 1013
        assert len(slow.frames) < len(fast.frames)
        rate = len(deltas) / elapsed
        print(f"\nfast reader: {len(deltas)} deltas in {elapsed:.2f}s ({rate:.0f}/s)")  # noqa: T201
        await fast.close()


def _overflowed(app: Starlette) -> bool:
    return any(c["closing"] for c in app.state.feeds.faults.connections())


async def _sweep(http: httpx.AsyncClient, ticker: str) -> None:
    """20 book changes in two requests: ten resting asks, then one bid that takes them all."""
    order = {"ticker": ticker, "count": "1.00", "self_trade_prevention_type": "maker"}
    asks = [
        order | {"side": "ask", "price": f"0.{50 + i}00", "time_in_force": "good_till_canceled"}
        for i in range(10)
    ]
    answer = await http.post("/portfolio/events/orders/batched", json={"orders": asks})
    assert answer.status_code == 201, answer.text
    take = order | {"side": "bid", "price": "0.6000", "count": "10.00"}
    answer = await http.post(
        "/portfolio/events/orders", json=take | {"time_in_force": "immediate_or_cancel"}
    )
    assert answer.status_code == 201, answer.text


def _open_ticker(url: str) -> str:
    markets = httpx.get(f"{url}/markets", params={"status": "open", "limit": 1000}).json()[
        "markets"
    ]
    return str(next(m["ticker"] for m in markets if m["price_level_structure"] == "linear_cent"))


async def _tiny_window_client(ws_url: str, signer: Signer) -> ClientConnection:
    """A client that reads nothing on its own: a 4 KiB receive buffer, a one-frame queue and
    no compression (deflate shrinks these frames twentyfold), so the server's writes back up
    after a few hundred frames."""
    import socket

    where = urlsplit(ws_url)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, (where.hostname, where.port))
    headers = signer.ws_headers(ws_url)
    return await connect(
        ws_url, sock=sock, additional_headers=headers, max_queue=1, compression=None
    )
