"""A market's price grid and metadata (``set_price_level_structure``, ``set_market_metadata``):
applied at once (orders are checked on the new grid, REST shows the new terms), heard by
listeners, refused with nothing changed when invalid, and kept by the store's replay and by a
snapshot's restore.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from _exchange_kit import Clock, new_exchange, order, pick
from _store_kit import NEVER, open_box

from kalshikit.models.stream import MarketLifecycleFrame, decode_frame
from kalshikit.sandbox.exchange import ExchangeError, MarketTermsChanged
from kalshikit.sandbox.store import SnapshotPolicy
from kalshikit.sandbox.ws.feeds import FeedHub
from kalshikit.sandbox.ws.frames import encode_frame

EVERY_COMMAND = SnapshotPolicy(every_commands=1, every_ms=10**15, on_close=10**9)
DECI = [{"start": "0.0000", "end": "1.0000", "step": "0.0010"}]


def _terms(box: Any, ticker: str) -> tuple[object, ...]:
    market = box.exchange.market(ticker)
    ranges = [(r.start, r.end, r.step) for r in market.price_ranges]
    return (
        market.price_level_structure, ranges, market.strike_type, market.floor_strike,
        market.cap_strike, market.yes_sub_title,
    )  # fmt: skip


def _refused(box: Any, status: int, call: Any, *args: Any) -> None:
    before = box.exchange.state_digest()
    with pytest.raises(ExchangeError) as refusal:
        call(*args)
    assert refusal.value.status == status
    assert box.exchange.state_digest() == before


@pytest.mark.parametrize("policy", [NEVER, EVERY_COMMAND], ids=["log", "snapshot"])
def test_grid_and_metadata_changes_apply_are_heard_refused_and_replayed(
    tmp_path: Path, policy: SnapshotPolicy
) -> None:
    clock = Clock()
    box = open_box(tmp_path, clock, snapshots=policy)
    heard: list[object] = []
    box.exchange.add_listener(heard.append)
    ticker = pick()
    box.create_user(balance_cents=100_00, user_id="ann")
    box.create_order("ann", order(ticker, "bid", "0.40"))
    with pytest.raises(ExchangeError):  # off the linear_cent grid
        box.create_order("ann", order(ticker, "bid", "0.405"))

    box.set_price_level_structure(ticker, "deci_cent")
    box.create_order("ann", order(ticker, "bid", "0.405"))  # on the new grid at once
    _refused(box, 400, box.create_order, "ann", order(ticker, "bid", "0.4055"))
    # a coarser grid would strand the 0.405 bid: refused, nothing changed
    _refused(box, 400, box.set_price_level_structure, ticker, "linear_cent")
    _refused(box, 400, box.set_price_level_structure, ticker, "tapered_deci_cent")
    _refused(box, 400, box.set_price_level_structure, ticker, "half_cent")
    _refused(box, 404, box.set_price_level_structure, "NO-SUCH-MARKET", "deci_cent")

    box.set_market_metadata(ticker, {"yes_sub_title": "above $95,000", "floor_strike": 95000})
    _refused(box, 400, box.set_market_metadata, ticker, {"no_sub_title": "x"})
    _refused(box, 400, box.set_market_metadata, ticker, {"strike_type": "sideways"})
    _refused(box, 400, box.set_market_metadata, ticker, {"floor_strike": "high"})
    _refused(box, 400, box.set_market_metadata, ticker, {})
    _refused(box, 404, box.set_market_metadata, "NO-SUCH-MARKET", {"yes_sub_title": "x"})

    after = _terms(box, ticker)
    assert after[:2] == ("deci_cent", [("0.0000", "1.0000", "0.0010")])
    assert (after[3], after[5]) == (95000.0, "above $95,000")
    changes = [e for e in heard if isinstance(e, MarketTermsChanged)]
    assert changes == [
        MarketTermsChanged(
            ticker, "price_level_structure_updated",
            (("price_level_structure", "deci_cent"), ("price_ranges", DECI)), changes[0].ts_ms,
        ),
        MarketTermsChanged(
            ticker, "metadata_updated",
            (("floor_strike", 95000.0), ("yes_sub_title", "above $95,000")), changes[1].ts_ms,
        ),
    ]  # fmt: skip
    digest = box.exchange.state_digest()
    box.store.close()  # a crash: no clean close

    again = open_box(tmp_path, clock, snapshots=NEVER)
    assert _terms(again, ticker) == after
    assert again.exchange.state_digest() == digest
    again.create_order("ann", order(ticker, "bid", "0.415"))  # still on the finer grid
    with pytest.raises(ExchangeError):
        again.create_order("ann", order(ticker, "bid", "0.4155"))
    again.close()


def test_a_finer_grid_keeps_resting_orders_and_the_book_matches_on_it() -> None:
    exchange = new_exchange()
    ticker = pick()
    for user in ("ann", "ben"):
        exchange.create_user(balance_cents=100_00, user_id=user)
    exchange.create_order("ann", order(ticker, "bid", "0.40"))
    exchange.set_price_level_structure(ticker, "tapered_deci_cent")  # 0.40 stays on it
    with pytest.raises(ExchangeError):  # tapered: cents only between $0.10 and $0.90
        exchange.create_order("ann", order(ticker, "bid", "0.405"))
    exchange.create_order("ann", order(ticker, "bid", "0.055"))
    ack = exchange.create_order("ben", order(ticker, "ask", "0.40", tif="immediate_or_cancel"))
    assert ack.fill_count == "10.00"
    # the 0.055 bid would be off linear_cent: that grid is refused while it rests
    with pytest.raises(ExchangeError):
        exchange.set_price_level_structure(ticker, "linear_cent")
    assert exchange.market(ticker).price_level_structure == "tapered_deci_cent"


# --- every lifecycle event type of the spec, from the sandbox's hub -------------------------


SPEC = Path(__file__).parents[1] / "fixtures/kalshi/reference/spec/asyncapi-2026-08-22.yaml"


def _spec_lifecycle_types() -> set[str]:
    """The ``event_type`` enum of the spec's ``market_lifecycle_v2`` payload."""
    text = SPEC.read_text()
    start = text.index("Market price level structure changed")
    enum = re.search(r"enum: \[([^\]]*)\]", text[start:])
    assert enum is not None
    return {item.strip().strip('"') for item in enum.group(1).split(",")}


def test_the_lifecycle_channel_carries_every_event_type_of_the_spec() -> None:
    clock = Clock()
    exchange = new_exchange(clock)
    hub = FeedHub(exchange, clock=clock)
    exchange.add_listener(hub.on_event)
    conn = hub.connect("watcher")
    hub.handle(conn, json.dumps({"id": 1, "cmd": "subscribe", "params": {
        "channels": ["market_lifecycle_v2"]}}))  # fmt: skip
    conn.queue.clear()
    ticker = pick()
    exchange.set_trading_active(False)
    exchange.set_trading_active(True)
    exchange.set_price_level_structure(ticker, "deci_cent")
    exchange.set_market_metadata(ticker, {"strike_type": "between", "cap_strike": 95250})
    exchange.set_market_metadata(ticker, {"yes_sub_title": "above $95,000"})
    exchange.determine(ticker, "yes")
    exchange.settle(ticker)
    clock.advance(3600)
    assert exchange.list_events("KXBTCD", reference=101_234.5)
    frames = [decode_frame(encode_frame(*item)) for item in conn.queue]  # type: ignore[misc]
    mine = [f.msg for f in frames if isinstance(f, MarketLifecycleFrame)]
    assert {m.event_type for m in mine} == _spec_lifecycle_types()
    grid = next(m for m in mine if m.event_type == "price_level_structure_updated")
    assert (grid.market_ticker, grid.price_level_structure) == (ticker, "deci_cent")
    assert [(r.start, r.end, r.step) for r in grid.price_ranges or []] == [
        ("0.0000", "1.0000", "0.0010")
    ]
    meta = [m for m in mine if m.event_type == "metadata_updated"]
    assert [(m.strike_type, m.cap_strike, m.floor_strike, m.yes_sub_title) for m in meta] == [
        ("between", Decimal("95250"), None, None), (None, None, None, "above $95,000"),
    ]  # fmt: skip


def test_a_combo_has_no_grid_to_change_and_its_metadata_goes_on_the_multivariate_channel() -> None:
    clock = Clock()
    exchange = new_exchange(clock)
    hub = FeedHub(exchange, clock=clock)
    exchange.add_listener(hub.on_event)
    conn = hub.connect("watcher")
    for sid, channel in enumerate(("market_lifecycle_v2", "multivariate_market_lifecycle"), 1):
        hub.handle(conn, json.dumps({"id": sid, "cmd": "subscribe", "params": {
            "channels": [channel]}}))  # fmt: skip
    conn.queue.clear()
    combo = next(m.ticker for m in exchange.catalog.markets if m.mve_collection_ticker)
    with pytest.raises(ExchangeError) as refusal:
        exchange.set_price_level_structure(combo, "deci_cent")
    assert refusal.value.status == 400
    exchange.set_market_metadata(combo, {"yes_sub_title": "yes both"})
    frames = [decode_frame(encode_frame(*item)) for item in conn.queue]  # type: ignore[misc]
    assert [(type(f).__name__, f.msg.event_type) for f in frames] == [  # type: ignore[attr-defined]
        ("MultivariateLifecycleFrame", "metadata_updated")
    ]
    assert exchange.market(combo).yes_sub_title == "yes both"
