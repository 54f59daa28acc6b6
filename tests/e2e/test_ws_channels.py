"""Every channel of the AsyncAPI spec through kalshikit's clients against a live sandbox.

The sandbox runs in-process on a clock that follows the wall clock plus an offset the tests move
(so the simulator's index ticks flow once a second, and a jump reaches a crypto close), with the
simulator stepping on the server's loop. Checked here: the CF Benchmarks and Pyth ticks the
stream published at a close are the number the crypto markets were determined on, with their
averages over the right windows; the lifecycle channel carries every event type the sandbox
makes, combos only on the multivariate channel; the sync facade has a working helper for each
channel; each helper exists on both clients for every channel the spec file names; and the
index messages' averages hold for any tick sequence (hypothesis).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kalshikit.auth import KalshiAuth, Signer, generate_private_key, public_key_pem
from kalshikit.config import APIConfig
from kalshikit.models.stream import (
    CfBenchmarksValueMsg,
    EventFeeUpdateMsg,
    EventLifecycleMsg,
    MarketLifecycleMsg,
    OrderGroupMsg,
    PythValueMsg,
)
from kalshikit.sandbox.api.app import create_app
from kalshikit.sandbox.catalog import INDEX_FEEDS, build_catalog
from kalshikit.sandbox.exchange import EventListed, Exchange, MarketLifecycle
from kalshikit.sandbox.server import running
from kalshikit.sandbox.sim import Simulator
from kalshikit.sandbox.ws import FeedHub
from kalshikit.sandbox.ws.indices import IndexHistory
from kalshikit.ws import KalshiStream, KalshiWebSocket
from kalshikit.ws.channels import CHANNEL_HELPERS

SPEC = Path(__file__).parents[1] / "fixtures/kalshi/reference/spec/asyncapi-2026-08-22.yaml"
HOUR_MS = 3_600_000


class Clock:
    """The wall clock plus an offset the tests move forward."""

    def __init__(self) -> None:
        self.offset = 0

    def __call__(self) -> int:
        return time.time_ns() // 1_000_000 + self.offset


@dataclass
class Box:
    url: str  # .../trade-api/v2
    clock: Clock
    exchange: Exchange

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        base = self.url.replace("/trade-api/v2", "/sandbox/admin")
        answer = httpx.request(method, base + path, json=body, timeout=30)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def admin_status(self, method: str, path: str, body: Any = None) -> int:
        base = self.url.replace("/trade-api/v2", "/sandbox/admin")
        return httpx.request(method, base + path, json=body, timeout=30).status_code

    def get(self, url: str) -> Any:
        return httpx.get(url, timeout=30).json()

    def signer(self) -> Signer:
        key = generate_private_key("ed25519")
        made = self.admin("POST", "/users", {"public_key_pem": public_key_pem(key)})
        return Signer(made["api_key_id"], key)

    def config(self) -> APIConfig:
        return APIConfig.resolve("local", rest_url=self.url, environ={}, dotenv_path=False)

    def markets(self, **params: Any) -> list[dict[str, Any]]:
        page = httpx.get(f"{self.url}/markets", params={"limit": 1000, **params}, timeout=30)
        return list(page.json()["markets"])


@pytest.fixture(scope="module")
def box() -> Iterator[Box]:
    clock = Clock()
    start = datetime.fromtimestamp(clock() / 1000, UTC)
    exchange = Exchange(build_catalog(seed=11, markets=200, now=start), clock=clock, seed=11)
    simulator = Simulator(exchange, seed=11, activity=2.0)

    async def drive() -> None:
        while True:
            await asyncio.sleep(0.02)
            simulator.step(clock())

    app = create_app(
        exchange, clock=clock, limits_enabled=False, signature_window_ms=3 * 86_400_000,
        background=[drive],
    )  # fmt: skip
    with running(app=app) as url:
        yield Box(url, clock, exchange)


async def _collect(stream: Any, until: Any, within_s: float = 30.0) -> list[Any]:
    """Messages of ``stream`` until ``until(seen)`` holds (fails after ``within_s``)."""
    seen: list[Any] = []
    deadline = time.monotonic() + within_s
    while not until(seen):
        left = deadline - time.monotonic()
        assert left > 0, f"gave up after {len(seen)} messages"
        try:
            seen.append(await stream.next(min(left, 1.0)))
        except TimeoutError:
            continue
    return seen


def _wins(market: dict[str, Any], value: Decimal) -> bool:
    """Whether a crypto market resolves YES on the index printing ``value``."""
    floor, cap = market.get("floor_strike"), market.get("cap_strike")
    if market["strike_type"] == "greater":
        return value > Decimal(str(floor))
    return Decimal(str(floor)) <= value <= Decimal(str(cap))


# --- the index feeds and the markets they settle ---------------------------------------------


async def test_the_index_published_at_a_close_is_what_the_crypto_markets_settle_on(
    box: Box,
) -> None:
    btc = [m for m in box.markets(series_ticker="KXBTCD", status="open")]

    def ms(when: str) -> int:
        return int(datetime.fromisoformat(when.replace("Z", "+00:00")).timestamp() * 1000)

    # an event whose final minute is still ahead: its every tick is heard from the start (a
    # close within the minute, when the test runs just before the hour, began before it)
    close = min(m["close_time"] for m in btc if ms(m["close_time"]) - box.clock() > 120_000)
    event = [m for m in btc if m["close_time"] == close]
    close_ms = ms(close)
    tickers = {m["ticker"] for m in event}
    async with KalshiWebSocket(config=box.config(), signer=box.signer()) as ws:
        cf = await ws.cfbenchmarks(["BRTI"])
        pyth = await ws.pyth(["Crypto.BTC/USD"])
        life = await ws.lifecycle()
        # a plausible cadence: one tick a second of the index asked for, none of the others
        live = await _collect(cf, lambda seen: len(seen) >= 3, within_s=10)
        assert {m.index_id for m in live} == {"BRTI"}
        times = [m.source_ts_ms for m in live]
        assert all(b - a == 1000 for a, b in itertools.pairwise(times))
        box.clock.offset += close_ms + 420_000 - box.clock()  # past the close and its expiry

        def determined(seen: list[Any]) -> bool:
            return tickers <= {
                m.market_ticker for m in seen
                if isinstance(m, MarketLifecycleMsg) and m.event_type == "determined"
            }  # fmt: skip

        lifecycle = await _collect(life, determined)
        ticks = await _collect(cf, lambda seen: any(m.source_ts_ms == close_ms for m in seen))
        prices = await _collect(pyth, lambda seen: any(m.source_ts_ms == close_ms for m in seen))
    at_close = next(m for m in ticks if m.source_ts_ms == close_ms)
    assert isinstance(at_close, CfBenchmarksValueMsg)
    value = at_close.value
    assert value is not None
    assert value == value.quantize(Decimal("0.01"))
    pyth_close = next(m for m in prices if m.source_ts_ms == close_ms)
    assert isinstance(pyth_close, PythValueMsg)
    assert pyth_close.value == value
    results = {
        m.market_ticker: m.result
        for m in lifecycle
        if isinstance(m, MarketLifecycleMsg) and m.event_type == "determined"
    }
    for market in event:  # every strike of the event, decided by the number published
        assert results[market["ticker"]] == ("yes" if _wins(market, value) else "no"), market
    # the averages at the close: the full minute before it, and the final minute with it
    minute = [m.value for m in ticks if close_ms - 60_000 <= (m.source_ts_ms or 0) < close_ms]
    assert len(minute) == 60
    assert at_close.avg_60s_data.window_size == 60
    assert at_close.avg_60s_data.amount == (sum(minute, Decimal(0)) / 60).quantize(Decimal("1E-8"))
    final = at_close.last_60s_windowed_average_15min
    assert final is not None
    assert final.window_size == 60
    assert final.window_start_ts_ms == close_ms - 60_000
    # the next hour was listed as this one stopped trading: the event first, then its markets
    listed = [m for m in lifecycle if isinstance(m, EventLifecycleMsg)]
    assert any(m.series_ticker == "KXBTCD" for m in listed)
    created = {m.market_ticker for m in lifecycle if getattr(m, "event_type", "") == "created"}
    assert any(t.startswith(listed[0].event_ticker) for t in created)


async def test_lifecycle_and_multivariate_channels_split_combos_off(box: Box) -> None:
    plain = next(m for m in box.markets(status="open") if not m.get("mve_collection_ticker"))
    combo = next(m for m in box.markets(status="open") if m.get("mve_collection_ticker"))
    async with KalshiWebSocket(config=box.config(), signer=box.signer()) as ws:
        life = await ws.lifecycle()
        mve = await ws.multivariate_lifecycle()
        box.admin("POST", "/trading", {"active": False})
        box.admin("POST", "/trading", {"active": True})
        for market in (plain, combo):
            box.admin("POST", f"/markets/{market['ticker']}/determine", {"result": "no"})
            box.admin("POST", f"/markets/{market['ticker']}/settle")

        def settled(ticker: str) -> Any:
            return lambda seen: any(
                getattr(m, "event_type", "") == "settled" and m.market_ticker == ticker
                for m in seen
            )

        on_v2 = await _collect(life, settled(plain["ticker"]))
        on_mve = await _collect(mve, settled(combo["ticker"]))
    kinds = {m.event_type for m in on_v2 if isinstance(m, MarketLifecycleMsg)}
    assert {"deactivated", "activated", "close_date_updated", "determined", "settled"} <= kinds
    assert all(
        not m.market_ticker.startswith("KXMVE") for m in on_v2 if isinstance(m, MarketLifecycleMsg)
    )
    mine = [m for m in on_mve if isinstance(m, MarketLifecycleMsg)]
    assert all(m.market_ticker.startswith("KXMVE") for m in mine)
    assert [m.event_type for m in mine if m.market_ticker == combo["ticker"]] == [
        "deactivated", "activated", "close_date_updated", "determined", "settled",
    ]  # fmt: skip


async def test_fee_overrides_read_as_event_fee_updates(box: Box) -> None:
    event_ticker = next(
        m["event_ticker"] for m in box.markets(status="open") if not m.get("mve_collection_ticker")
    )
    rest = f"{box.url}/events/{event_ticker}"
    async with KalshiWebSocket(config=box.config(), signer=box.signer()) as ws:
        life = await ws.lifecycle()
        mve = await ws.multivariate_lifecycle()
        terms = {"fee_type_override": "quadratic_with_maker_fees", "fee_multiplier_override": 0.5}
        box.admin("PUT", f"/events/{event_ticker}/fees", terms)
        shown = box.get(rest)["event"]
        cleared = {"fee_type_override": None, "fee_multiplier_override": None}
        box.admin("PUT", f"/events/{event_ticker}/fees", cleared)
        refused = box.admin_status(
            "PUT", f"/events/{event_ticker}/fees",
            {"fee_type_override": "percent", "fee_multiplier_override": 1},
        )  # fmt: skip
        seen = await _collect(
            life, lambda seen: sum(isinstance(m, EventFeeUpdateMsg) for m in seen) >= 2
        )
        assert not mve.drain()  # the multivariate channel has no fee message
    assert refused == 400
    assert (shown["fee_type_override"], shown["fee_multiplier_override"]) == (
        "quadratic_with_maker_fees", 0.5,
    )  # fmt: skip
    updates = [
        (m.event_ticker, m.fee_type_override, m.fee_multiplier_override)
        for m in seen
        if isinstance(m, EventFeeUpdateMsg)
    ]
    assert updates == [
        (event_ticker, "quadratic_with_maker_fees", Decimal("0.5")), (event_ticker, None, None),
    ]  # fmt: skip


async def test_grid_and_metadata_changes_read_as_lifecycle_updates(box: Box) -> None:
    indexed = {feed.series_ticker for feed in INDEX_FEEDS}  # their strikes settle other tests
    market = [
        m for m in box.markets(status="open")
        if not m.get("mve_collection_ticker") and m["event_ticker"].split("-")[0] not in indexed
    ][-1]  # fmt: skip
    ticker = market["ticker"]
    meta = {"strike_type": "between", "floor_strike": 95000, "cap_strike": 95250}
    async with KalshiWebSocket(config=box.config(), signer=box.signer()) as ws:
        life = await ws.lifecycle()
        box.admin(
            "PUT",
            f"/markets/{ticker}/price_level_structure",
            {"price_level_structure": "deci_cent"},
        )
        box.admin("PUT", f"/markets/{ticker}/metadata", meta)
        box.admin("PUT", f"/markets/{ticker}/metadata", {"yes_sub_title": "above $95,000"})
        refused = [
            box.admin_status("PUT", f"/markets/{ticker}/price_level_structure", body)
            for body in ({"price_level_structure": "half_cent"}, {})
        ] + [
            box.admin_status("PUT", f"/markets/{ticker}/metadata", body)
            for body in ({"strike_type": "sideways"}, {"no_sub_title": "x"}, {})
        ]  # fmt: skip

        def mine(seen: list[Any]) -> list[MarketLifecycleMsg]:
            return [
                m for m in seen
                if isinstance(m, MarketLifecycleMsg) and m.market_ticker == ticker
                and m.event_type in ("price_level_structure_updated", "metadata_updated")
            ]  # fmt: skip

        seen = mine(await _collect(life, lambda seen: len(mine(seen)) >= 3))
    assert refused == [400] * 5
    shown = box.get(f"{box.url}/markets/{ticker}")["market"]
    assert shown["price_level_structure"] == "deci_cent"
    assert shown["price_ranges"] == [{"start": "0.0000", "end": "1.0000", "step": "0.0010"}]
    assert (shown["strike_type"], shown["floor_strike"], shown["cap_strike"]) == (
        "between", 95000, 95250,
    )  # fmt: skip
    assert shown["yes_sub_title"] == "above $95,000"
    grid, strikes, title = seen
    assert (grid.event_type, grid.price_level_structure) == (
        "price_level_structure_updated", "deci_cent",
    )  # fmt: skip
    assert [(r.start, r.end, r.step) for r in grid.price_ranges or []] == [
        ("0.0000", "1.0000", "0.0010")
    ]
    assert (strikes.event_type, strikes.strike_type, strikes.floor_strike, strikes.cap_strike) == (
        "metadata_updated", "between", Decimal(95000), Decimal(95250),
    )  # fmt: skip
    assert strikes.yes_sub_title is None
    assert (title.event_type, title.yes_sub_title, title.floor_strike) == (
        "metadata_updated", "above $95,000", None,
    )  # fmt: skip


def test_the_sync_facade_has_a_working_helper_for_every_channel(box: Box) -> None:
    signer = box.signer()
    ticker = next(m["ticker"] for m in box.markets(status="open", series_ticker="KXBTCD"))
    with KalshiStream(config=box.config(), signer=signer) as stream:
        cf, pyth = stream.cfbenchmarks(), stream.pyth(["Crypto.ETH/USD"])
        groups, mve, life = (
            stream.order_groups(),
            stream.multivariate_lifecycle(),
            stream.lifecycle(),
        )
        stream.communications()
        for helper in ("ticker", "trades", "fills", "positions", "user_orders"):
            getattr(stream, helper)([ticker])
        books = stream.orderbooks([ticker])
        with httpx.Client(base_url=box.url, auth=KalshiAuth(signer)) as http:
            made = http.post("/portfolio/order_groups/create", json={"contracts_limit_fp": "5.00"})
            assert made.status_code < 300, made.text
        box.admin("POST", "/trading", {"active": False})
        box.admin("POST", "/trading", {"active": True})
        listed = {s["channel"] for s in stream.list_subscriptions()}
        assert listed == set(CHANNEL_HELPERS)
        assert books[ticker].trusted
        values = [cf.get(timeout=10) for _ in range(6)]  # every index, once a second
        assert all(isinstance(m, CfBenchmarksValueMsg) for m in values)
        assert {getattr(m, "index_id", "") for m in values} == {"BRTI", "ETHUSD_RTI", "SOLUSD_RTI"}
        price = pyth.get(timeout=10)
        assert isinstance(price, PythValueMsg)
        assert price.underlying_ticker == "Crypto.ETH/USD"
        assert (price.value or 0) > 0
        group = groups.get(timeout=10)
        assert isinstance(group, OrderGroupMsg)
        assert group.event_type == "created"
        assert isinstance(life.get(timeout=10), MarketLifecycleMsg | EventLifecycleMsg)
        assert isinstance(mve.get(timeout=10), MarketLifecycleMsg)


# --- the server side, without a socket --------------------------------------------------------


def test_combo_creation_reads_on_the_multivariate_channel_only() -> None:
    now = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
    catalog = build_catalog(seed=7, markets=200, now=now)
    exchange = Exchange(catalog, clock=lambda: int(now.timestamp() * 1000), seed=7)
    hub = FeedHub(exchange, clock=lambda: 0)
    conn = hub.connect("u")
    for sid, channel in enumerate(("market_lifecycle_v2", "multivariate_market_lifecycle"), 1):
        hub.handle(conn, json.dumps({"id": sid, "cmd": "subscribe",
                                     "params": {"channels": [channel]}}))  # fmt: skip
    combo = next(m for m in catalog.markets if m.mve_collection_ticker is not None)
    event = catalog.event(combo.event_ticker)
    assert event is not None
    hub.on_event(EventListed(event, 0))
    hub.on_event(MarketLifecycle(combo.ticker, "created", 0))
    frames = [f for f in conn.queue if not isinstance(f, tuple) or f[0] != "subscribed"]
    assert [(f[0], f[1]) for f in frames if isinstance(f, tuple)] == [
        ("event_lifecycle", 2), ("multivariate_market_lifecycle", 2),
    ]  # fmt: skip
    created = frames[-1][3] if isinstance(frames[-1], tuple) else {}
    assert isinstance(created, dict)
    assert "price_ranges" not in created
    assert created["additional_metadata"]["event_ticker"] == combo.event_ticker


def test_index_commands_list_add_remove_and_refuse() -> None:
    now = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
    exchange = Exchange(build_catalog(seed=7, markets=80, now=now), clock=lambda: 0, seed=7)
    hub = FeedHub(exchange, clock=lambda: 0)
    conn = hub.connect("u")

    def send(cmd: str, **params: Any) -> tuple[Any, ...]:
        conn.queue.clear()
        hub.handle(conn, json.dumps({"id": 5, "cmd": cmd, "params": params}))
        last = conn.queue[-1]
        assert isinstance(last, tuple)
        return last

    assert send("subscribe", channels=["cfbenchmarks_value"], index_ids=["BRTI"])[0] == "subscribed"
    assert send("subscribe", channels=["pyth_value"])[0] == "subscribed"
    listing = send("update_subscription", sid=1, action="indexlist")
    assert listing[:3] == ("cfbenchmarks_value_indexlist", 1, 1)
    assert listing[3] == {"index_ids": ["BRTI", "ETHUSD_RTI", "SOLUSD_RTI"]}
    added = send("update_subscription", sid=1, action="subscribe_indices", index_ids=["SOLUSD_RTI"])
    assert added[0] == "ok"
    assert added[3] == {"index_ids": ["BRTI", "SOLUSD_RTI"]}
    gone = send("update_subscription", sid=1, action="unsubscribe_indices", index_ids=["BRTI"])
    assert gone[3] == {"index_ids": ["SOLUSD_RTI"]}
    for sid, action, code in ((1, "subscribe_indices", 24), (2, "subscribe_underlyings", 28),
                              (2, "indexlist", 13), (1, "add_markets", 13)):  # fmt: skip
        refused = send("update_subscription", sid=sid, action=action)
        assert (refused[0], refused[3]["code"]) == ("error", code), action
    assert send("update_subscription", sid=2, action="underlying_list")[3] == {
        "underlying_tickers": []
    }


# --- coverage of the spec ---------------------------------------------------------------------


def _spec_channels() -> set[str]:
    """The data channels of the AsyncAPI file: each ``channels:`` entry with its own address."""
    text = SPEC.read_text()
    section = text[text.index("\nchannels:\n") : text.index("\noperations:\n")]
    found = re.findall(r"^  ([a-z0-9_]+):\n    address: ([^\n]+)$", section, re.MULTILINE)
    return {name for name, address in found if address.strip() != "/"}


def test_every_channel_of_the_spec_has_a_helper_on_both_clients() -> None:
    channels = _spec_channels()
    assert len(channels) >= 12
    assert "pyth_value" in channels
    assert channels == set(CHANNEL_HELPERS)
    for channel in channels:
        helper = CHANNEL_HELPERS[channel]
        assert callable(getattr(KalshiWebSocket, helper, None)), (channel, helper)
        assert callable(getattr(KalshiStream, helper, None)), (channel, helper)


# --- the averages, for any ticks ----------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    start=st.integers(1_700_000_000, 1_800_000_000).map(lambda s: s * 1000),
    steps=st.lists(st.integers(1, 20_000), min_size=1, max_size=150),
    cents=st.lists(st.integers(1, 10_000_000), min_size=150, max_size=150),
)
def test_index_averages_cover_exactly_their_windows(
    start: int, steps: list[int], cents: list[int]
) -> None:
    history = IndexHistory()
    ticks: list[tuple[int, Decimal]] = []
    at = start
    for step, cent in zip(steps, cents, strict=False):
        at += step
        value = Decimal(cent) / 100
        made = history.cf_msg("BRTI", at, value)
        assert made is not None
        msg: dict[str, Any] = made
        assert history.cf_msg("BRTI", at, value) is None
        prior = [v for t, v in ticks if at - 60_000 <= t < at]
        avg = msg["avg_60s_data"]
        assert avg["window_size"] == len(prior)
        expected = sum(prior, Decimal(0)) / len(prior) if prior else value
        assert Decimal(avg["value"]) == expected.quantize(Decimal("1E-8"))
        close = -(-at // 900_000) * 900_000
        final = msg.get("last_60s_windowed_average_15min")
        assert (final is not None) == (at > close - 60_000)
        if final is not None:
            inside = [v for t, v in ticks if t > close - 60_000] + [value]
            assert final["window_size"] == len(inside)
        assert json.loads(msg["data"]) == {
            "type": "value", "id": "BRTI", "time": at, "value": str(value),
        }  # fmt: skip
        ticks.append((at, value))
