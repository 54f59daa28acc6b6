"""Paper records on the wire (kalshikit.paper.wire): the sandbox's fixed-point strings, and a
fill event that the stream's own decoder reads back."""

from __future__ import annotations

import msgspec
import pytest

from kalshikit.http.orders_core import OrderSpec
from kalshikit.models.stream import FillFrame, FillMsg, FrameDecoder, PositionMsg, UserOrderMsg
from kalshikit.paper import PaperEngine
from kalshikit.paper.accounts import PaperPosition
from kalshikit.paper.wire import money, render_position
from kalshikit.sandbox.exchange.accounts import Position
from kalshikit.sandbox.exchange.render import money as sandbox_money
from kalshikit.sandbox.exchange.render import render_position as sandbox_render_position

T = "KXTEST-26JAN01-T50"


def traded_engine() -> PaperEngine:
    engine = PaperEngine()
    engine.open_account("a", cash_micro=100_000_000)
    engine.on_snapshot(1_000_000_000, T, yes=[], no=[(5500, 300)])
    spec = OrderSpec(T, side="yes", action="buy", count="2.5", price_cents=45)
    engine.submit(2_000_000_000, "a", spec)
    return engine


def test_a_fill_event_round_trips_through_the_streams_decoder() -> None:
    events = traded_engine().drain()
    (fill,) = [msg for _, _, msg in events if isinstance(msg, FillMsg)]
    raw = msgspec.json.encode({"type": "fill", "sid": 7, "seq": 1, "msg": fill})
    frame = FrameDecoder().decode(raw)
    assert isinstance(frame, FillFrame)
    assert frame.msg == fill
    assert (fill.count_fp, fill.yes_price_dollars, fill.post_position_fp) == (
        "2.50", "0.4500", "2.50",
    )  # fmt: skip
    assert (fill.ts, fill.ts_ms, fill.book_side, fill.is_taker) == (2, 2000, "bid", True)


@pytest.mark.parametrize("kind", [UserOrderMsg, PositionMsg])
def test_order_and_position_events_round_trip_as_json(kind: type) -> None:
    msgs = [msg for _, _, msg in traded_engine().drain() if isinstance(msg, kind)]
    assert msgs
    for msg in msgs:
        assert msgspec.json.decode(msgspec.json.encode(msg), type=kind) == msg


@pytest.mark.parametrize("micro", [0, 1, 99, 100, 10_000, 1_234_567, -450_000, -1])
def test_money_strings_are_the_sandboxs(micro: int) -> None:
    assert money(micro) == sandbox_money(micro)


def test_a_position_renders_as_the_sandbox_renders_it() -> None:
    paper, sandbox = PaperPosition(T), Position(T, "KXTEST-26JAN01")
    for position in (paper, sandbox):
        position.apply_fill("bid", 4567, 333, 0)
        position.apply_fill("ask", 5123, 111, 0)
    mine, theirs = render_position(paper), sandbox_render_position(sandbox, 0)
    assert msgspec.structs.replace(mine, last_updated_ts=theirs.last_updated_ts) == theirs


def test_reads_are_wire_models() -> None:
    engine = traded_engine()
    balance = engine.balance("a")
    assert balance.balance_dollars == "98.8250"  # $100 - 2.5 x $0.45 - $0.05 fee (0.0433 up)
    assert balance.balance_cents == 9882
    (order,) = engine.orders("a")
    assert (order.status, order.fill_count_fp, order.taker_fill_cost_dollars) == (
        "executed", "2.50", "1.1250",
    )  # fmt: skip
