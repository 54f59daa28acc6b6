"""Recurring series roll as Kalshi's do: the next hour, day or game night is listed as old ones
stop trading, so a sandbox left running for days keeps a full catalog, and a restart lists the
same events again (from the log's ``list_events`` commands, or from a snapshot).

Real store in a temporary directory, the real simulator on a test clock moved over simulated
days (never a sleep). The WebSocket side is the feed hub without sockets.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import msgspec
import pytest
from _exchange_kit import NOW_MS, Clock, catalog, new_exchange
from _store_kit import NEVER

from kalshikit.models.stream import EventLifecycleFrame, MarketLifecycleFrame, decode_frame
from kalshikit.sandbox.exchange.exchange import Exchange, ExchangeError
from kalshikit.sandbox.sim.liquidity import seed_liquidity
from kalshikit.sandbox.sim.simulator import Action, Simulator
from kalshikit.sandbox.store import PersistentExchange, SnapshotPolicy, open_exchange
from kalshikit.sandbox.ws.feeds import FeedHub
from kalshikit.sandbox.ws.frames import encode_frame

HOUR_MS = 3_600_000
DAY_S = 86_400
# the tickers of listed events follow each series' pattern, with the new date or hour
PATTERNS = {
    "KXBTCD": r"KXBTCD-\d\d[A-Z]{3}\d{4}",
    "KXETHD": r"KXETHD-\d\d[A-Z]{3}\d{4}",
    "KXHIGHNY": r"KXHIGHNY-\d\d[A-Z]{3}\d\d",
    "KXNBAGAME": r"KXNBAGAME-\d\d[A-Z]{3}\d\d[A-Z]{6}",
    "KXTOPSONG": r"KXTOPSONG-\d\d[A-Z]{3}\d\d",
}


def open_box(data_dir: Path, clock: Clock, snapshots: SnapshotPolicy | None) -> PersistentExchange:
    return open_exchange(
        data_dir, seed=0, markets=100, now_ms=NOW_MS, clock=clock, snapshots=snapshots
    )


def days(sim: Simulator, clock: Clock, count: float, step_s: int = 300) -> list[Action]:
    actions: list[Action] = []
    for _ in range(int(count * DAY_S / step_s)):
        clock.advance(step_s)
        actions += sim.step(clock.ms)
    return actions


def open_by_series(exchange: Exchange) -> Counter[str]:
    markets, _ = exchange.markets(status="open", limit=1000)  # what GET /markets answers
    return Counter(m.event_ticker.partition("-")[0] for m in markets)


@pytest.mark.parametrize("snapshots", [None, NEVER], ids=["snapshot-and-tail", "whole-log"])
def test_days_later_the_catalog_is_still_full_and_a_restart_lists_the_same(
    tmp_path: Path, snapshots: SnapshotPolicy | None
) -> None:
    clock = Clock()
    box = open_box(tmp_path, clock, snapshots)
    seed_liquidity(box, box.exchange.catalog)
    at_start = open_by_series(box.exchange)
    sim = Simulator(box.exchange, box, seed=1, activity=2)
    actions = days(sim, clock, 2.5)
    listed = [a for a in actions if a.kind == "list"]
    assert len(listed) > 60  # two ladders an hour, a day of weather, nights of games, a chart
    assert sim.refusals == {}
    now_open = open_by_series(box.exchange)
    for series in ("KXBTCD", "KXETHD", "KXHIGHNY", "KXNBAGAME", "KXTOPSONG"):
        assert now_open[series] >= at_start[series] > 0, series  # as full as it started
        for action in (a for a in listed if a.ticker == series):
            assert all(
                re.fullmatch(PATTERNS[series], t.rsplit("-", 1)[0]) for t in action.ref.split(",")
            )
    hourly = [e for e in box.exchange.catalog.events if e.series_ticker == "KXBTCD"]
    assert len({e.event_ticker for e in hourly}) == len(hourly) > 50  # one event an hour, no twin
    digest = box.exchange.state_digest()
    box.close()

    again = open_box(tmp_path, clock, snapshots)
    try:
        assert again.exchange.state_digest() == digest
        assert [e.event_ticker for e in again.exchange.catalog.events] == [
            e.event_ticker for e in box.exchange.catalog.events
        ]
    finally:
        again.close()


def test_a_restarted_simulator_rolls_on_without_listing_twice(tmp_path: Path) -> None:
    clock = Clock()
    box = open_box(tmp_path, clock, None)
    seed_liquidity(box, box.exchange.catalog)
    days(Simulator(box.exchange, box, seed=2, activity=2), clock, 1)
    box.close()
    clock.advance(6 * 3600)  # stopped for six hours: the series are short when it comes back
    again = open_box(tmp_path, clock, None)
    try:
        sim = Simulator(again.exchange, again, seed=3, activity=2)
        actions = days(sim, clock, 1)
        assert sim.refusals == {}  # no event listed twice
        assert any(a.kind == "list" for a in actions[:20])  # caught up at once
        tickers = [e.event_ticker for e in again.exchange.catalog.events]
        assert len(tickers) == len(set(tickers))
        assert open_by_series(again.exchange)["KXBTCD"] > 0
    finally:
        again.close()


# ---------------------------------------------------------------------- the exchange's side


def test_a_listed_event_is_in_rest_and_announced_on_the_lifecycle_channel() -> None:
    clock = Clock()
    exchange = new_exchange(clock)
    hub = FeedHub(exchange, clock=clock)
    exchange.add_listener(hub.on_event)
    conn = hub.connect("watcher")
    hub.handle(conn, json.dumps({"id": 1, "cmd": "subscribe", "params": {
        "channels": ["market_lifecycle_v2"]}}))  # fmt: skip
    conn.queue.clear()
    first_page, cursor = exchange.markets(limit=60)
    clock.advance(3600)  # the first hourly ladder closes
    tickers = exchange.list_events("KXBTCD", reference=101_234.5)
    assert tickers
    assert all(t.startswith("KXBTCD-26OCT2012-") for t in tickers)  # the next hour: noon EST
    raw = [encode_frame(*item) for item in conn.queue]  # type: ignore[misc]
    decoded = [decode_frame(r) for r in raw]  # the client's own models read them
    assert isinstance(decoded[0], EventLifecycleFrame)
    assert all(isinstance(f, MarketLifecycleFrame) for f in decoded[1:])
    frames = [msgspec.json.decode(r) for r in raw]
    assert [f["seq"] for f in frames] == list(range(1, len(frames) + 1))
    assert frames[0]["type"] == "event_lifecycle"
    assert frames[0]["msg"]["event_ticker"] == "KXBTCD-26OCT2012"
    assert frames[0]["msg"]["collateral_return_type"] == "DIRECNET"
    created = [f["msg"] for f in frames if f["msg"].get("event_type") == "created"]
    assert [m["market_ticker"] for m in created] == tickers
    assert all(m["additional_metadata"]["event_ticker"] == "KXBTCD-26OCT2012" for m in created)
    # the ladder is centred on the reference, and REST pages on to the new markets
    strikes = [exchange.market(t).floor_strike for t in tickers]
    assert min(s for s in strikes if s) < 101_234.5 < max(s for s in strikes if s)
    rest_pages = [first_page]
    while cursor:
        page, cursor = exchange.markets(limit=60, cursor=cursor)
        rest_pages.append(page)
    seen = [m.ticker for page in rest_pages for m in page]
    assert seen[-len(tickers) :] == tickers
    assert all(exchange.market(t).status == "active" for t in tickers)


def test_only_recurring_series_roll_and_a_bad_reference_is_refused() -> None:
    exchange = new_exchange()
    before = exchange.state_digest()
    for series, reference in (("KXPRESDEMSTATES", None), ("NOPE", None), ("KXBTCD", -1.0)):
        with pytest.raises(ExchangeError) as refused:
            exchange.list_events(series, reference)
        assert refused.value.status == 400
    assert exchange.state_digest() == before


def test_listing_drafts_the_same_events_for_the_same_catalog_and_time() -> None:
    one, two = new_exchange(Clock(NOW_MS + 5 * HOUR_MS)), new_exchange(Clock(NOW_MS + 5 * HOUR_MS))
    for series in ("KXBTCD", "KXHIGHNY", "KXNBAGAME", "KXTOPSONG", "KXFEDDECISION", "KXCPIYOY"):
        assert one.list_events(series) == two.list_events(series)
    assert one.state_digest() == two.state_digest()
    # the shared catalog was copied, not changed: a third exchange still starts from the build
    assert len(new_exchange().catalog.markets) == len(catalog().markets)
