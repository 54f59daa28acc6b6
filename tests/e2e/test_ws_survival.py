"""No frame a server sends and no callback of the user's can stop KalshiWebSocket's reader.

Hostile frames (any JSON shape, invalid JSON, deep nesting, known types with missing or wrong
fields, unknown types on a live sid, frames over the size limit) and callbacks that raise are
driven through the client's real reader over a real socket (tests/e2e/_scripted_ws.py). After
each script the reader still runs, every stream still delivers, ``close()`` is clean, the
trouble was counted and reported, and every book is either exact or marked untrusted, and exact
again once its snapshot is in.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from _scripted_ws import ScriptedExchange
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kalshikit.orderbook import OrderBook
from kalshikit.ws import Backoff, KalshiWebSocket, StreamEvent

TICKERS = ("KXA-1", "KXB-2")
FAST = Backoff(initial_s=0.01, max_s=0.05, healthy_after_s=0.5)
SMALL_FRAMES = 64 * 1024  # the client's frame limit in these tests: huge frames stay cheap

Step = Callable[[ScriptedExchange], Awaitable[None]]
Books = dict[str, OrderBook]


# --- hostile frames ------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)
known_types = st.sampled_from(
    ["orderbook_snapshot", "orderbook_delta", "ticker", "trade", "fill", "subscribed", "ok",
     "error", "unsubscribed", "user_order", "market_position", "market_lifecycle_v2"]
)  # fmt: skip
wrong_values = st.sampled_from(["abc", "", [], {}, None, True, -1, "1e999", 2**70])


def _deep(depth: int) -> str:
    return '{"type":"ticker","sid":2,"msg":' + "[" * depth + "]" * depth + "}"


@st.composite
def hostile_frames(draw: st.DrawFn) -> str | bytes:
    """One frame no well-behaved exchange sends; every kind the issue names."""
    kind = draw(st.integers(0, 6))
    if kind == 0:  # any JSON value at all
        return json.dumps(draw(json_values))
    if kind == 1:  # not JSON, or not text
        return draw(st.sampled_from(["", "{", "nope", '{"type":', "\x00\xff"])) or draw(
            st.binary(max_size=20)
        )
    if kind == 2:  # nested far past any parser's recursion limit
        return _deep(draw(st.sampled_from([2_000, 50_000])))
    if kind == 3:  # a known type, on a live sid, with fields missing or wrong
        frame: dict[str, Any] = {"type": draw(known_types), "sid": draw(st.sampled_from([1, 2])),
                                 "msg": draw(json_values)}  # fmt: skip
        if draw(st.booleans()):
            frame[draw(st.sampled_from(["sid", "seq", "id", "msg"]))] = draw(wrong_values)
        return json.dumps(frame)
    if kind == 4:  # a type this version does not know, on a live sid
        kind_name = draw(st.sampled_from(["zebra", "orderbook_v3"]))
        sid = draw(st.sampled_from([1, 2]))
        return json.dumps({"type": kind_name, "sid": sid, "msg": draw(json_values)})
    if kind == 5:  # a frame over the client's size limit
        return json.dumps({"type": "ticker", "sid": 2, "msg": {"pad": "x" * (SMALL_FRAMES + 10)}})
    return ""  # kind 6 is a corrupted delta: built by the step, which knows the live seq


async def corrupted_delta(exchange: ScriptedExchange, field_name: str, value: Any) -> None:
    """A delta on the live book sid and in sequence, with one field wrong: the book missed it."""
    msg = {
        "market_ticker": TICKERS[0],
        "side": "yes",
        "price_dollars": "0.4000",
        "delta_fp": "1.00",
    }
    msg[field_name] = value
    await exchange.bad_delta(TICKERS[0], msg)


@st.composite
def steps(draw: st.DrawFn) -> Step:
    """A real delta (the truth changes too) or a hostile frame."""
    choice = draw(st.integers(0, 2))
    if choice == 0:
        ticker, side = draw(st.sampled_from(TICKERS)), draw(st.sampled_from(["yes", "no"]))
        ticks, size = draw(st.integers(1, 99)) * 100, draw(st.integers(1, 500))

        async def real(exchange: ScriptedExchange) -> None:
            await exchange.delta(ticker, side, ticks, size)

        return real
    if choice == 1:
        field_name = draw(st.sampled_from(["market_ticker", "side", "price_dollars", "delta_fp"]))
        value = draw(st.sampled_from(["abc", [], {}, "maybe", "0.4"]))  # never a valid value
        if (field_name, value) == ("price_dollars", "0.4"):  # still a valid price
            value = "0.40001"
        if (field_name, value) == ("delta_fp", "0.4"):  # a valid fractional count
            value = "0.4.0"

        async def bad(exchange: ScriptedExchange) -> None:
            await corrupted_delta(exchange, field_name, value)

        return bad
    frame = draw(hostile_frames())

    async def hostile(exchange: ScriptedExchange) -> None:
        if frame:
            await exchange.send_raw(frame)

    return hostile


# --- the client under test -----------------------------------------------------------------------


class Watcher:
    """The user's side: callbacks that raise, and a record of every health event."""

    def __init__(self) -> None:
        self.events: list[StreamEvent] = []
        self.raised = 0

    def on_event(self, event: StreamEvent) -> None:
        self.events.append(event)
        self.raise_sometimes()

    def raise_sometimes(self, *_: object) -> None:
        self.raised += 1
        if self.raised % 3 == 0:
            raise RuntimeError("a user's callback bug")

    def kinds(self) -> set[str]:
        return {event.kind for event in self.events}


Client = tuple[ScriptedExchange, KalshiWebSocket, Books, Watcher]


async def settled(ws: KalshiWebSocket, books: dict[str, OrderBook]) -> None:
    """Wait until the reader has handled everything sent and every book is trusted again."""
    for _ in range(300):
        if ws.connected:
            try:
                await ws.list_subscriptions()  # a round trip: every earlier frame is handled
            except Exception:  # the connection dropped meanwhile: it comes back
                await asyncio.sleep(0.02)
                continue
            if all(book.trusted for book in books.values()):
                return
        await asyncio.sleep(0.02)
    raise AssertionError(f"never settled: {[b.ticker for b in books.values() if not b.trusted]}")


def book_of(book: OrderBook) -> dict[str, dict[int, int]]:
    return {
        side: {p.ticks: c.centi for p, c in book.depth(100_000, side)} for side in ("yes", "no")
    }  # type: ignore[arg-type]


async def seed(exchange: ScriptedExchange) -> None:
    for n, ticker in enumerate(TICKERS):
        exchange.truth[ticker]["yes"][4000 + 100 * n] = 1000
        exchange.truth[ticker]["no"][5000] = 500


@contextlib.asynccontextmanager
async def watched_client() -> AsyncIterator[
    tuple[ScriptedExchange, KalshiWebSocket, Books, Watcher]
]:
    """A client on a seeded scripted exchange, small frame limit, books of both markets."""
    async with ScriptedExchange() as exchange:
        await seed(exchange)
        watcher = Watcher()
        ws = KalshiWebSocket(config=exchange.config(), signer=exchange.signer(), backoff=FAST,
                             max_frame_bytes=SMALL_FRAMES)  # fmt: skip
        ws.on_event(watcher.on_event)
        async with ws:
            books = await ws.orderbooks(TICKERS, wait_s=5)
            yield exchange, ws, books, watcher


async def run_script(script: list[Step]) -> None:
    async with watched_client() as (exchange, ws, books, watcher):
        for book in books.values():
            book.on_update(watcher.raise_sometimes)
        tickers = await ws.ticker(TICKERS, on_message=watcher.raise_sometimes)
        for step in script:
            await step(exchange)
        await settled(ws, books)
        for ticker, book in books.items():
            assert book_of(book) == exchange.truth[ticker], ticker
        msg = await _still_delivers(exchange, tickers)
        assert msg.price.ticks == 4200
        assert ws._runner is not None
        assert not ws._runner.done()
    # close() returned without raising; what went wrong was counted
    assert ws.stats.frames > 0


async def _still_delivers(exchange: ScriptedExchange, tickers: Any) -> Any:
    """A fresh ticker reaches the stream. It is sent again until it does: a connection the
    client just dropped (a frame over its limit) may still be the one the script writes to."""
    for _ in range(10):
        await exchange.ticker(TICKERS[0], 4200)
        try:
            return await asyncio.wait_for(_next_with_price(tickers), 1)
        except TimeoutError:
            continue
    raise AssertionError("the ticker stream delivered nothing after the script")


async def _next_with_price(stream: Any) -> Any:
    while True:
        msg = await stream.next(5)
        if getattr(msg, "price", None) is not None and msg.price.ticks == 4200:
            return msg


@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(steps(), min_size=1, max_size=25))
def test_no_frame_and_no_callback_stops_the_reader(script: list[Step]) -> None:
    asyncio.run(run_script(script))


# --- the cases the issue measured, one by one -----------------------------------------------------


@pytest.fixture
async def client() -> AsyncIterator[Client]:
    async with watched_client() as parts:
        yield parts


async def test_an_unknown_frame_on_a_live_sid_is_reported_not_fatal(client: Any) -> None:
    exchange, ws, books, watcher = client
    sid, _ = exchange.book_feed(TICKERS[0])
    await exchange.send_raw(json.dumps({"type": "orderbook_v3", "sid": sid, "msg": {"a": 1}}))
    await exchange.delta(TICKERS[0], "yes", 4500, 300)
    await settled(ws, books)
    unknown = [e for e in watcher.events if e.kind == "unknown_frame"]
    assert unknown
    assert unknown[0].frame is not None
    assert unknown[0].frame.raw["msg"] == {"a": 1}
    assert ws.stats.unknown_frames == 1
    assert book_of(books[TICKERS[0]]) == exchange.truth[TICKERS[0]]


async def test_a_bogus_seq_cannot_stall_the_books_for_good(client: Any) -> None:
    """A frame whose seq runs far ahead marks a gap; the snapshots asked for then look "old".
    The client sees its watermark was wrong and starts over on a new sid (found by the fuzz)."""
    exchange, ws, books, watcher = client
    sid, _ = exchange.book_feed(TICKERS[0])
    await exchange.send_raw(json.dumps({"type": "ok", "sid": sid, "seq": 2**40, "msg": {}}))
    await exchange.delta(TICKERS[0], "yes", 4500, 300)
    await settled(ws, books)
    assert "resubscribed" in watcher.kinds()
    for ticker, book in books.items():
        assert book_of(book) == exchange.truth[ticker], ticker


async def test_a_raising_book_callback_is_counted_and_reported(client: Any) -> None:
    exchange, ws, books, watcher = client
    calls: list[int] = []

    def bad(book: OrderBook) -> None:
        calls.append(book.version)
        raise ValueError("user bug")

    books[TICKERS[0]].on_update(bad)
    await exchange.delta(TICKERS[0], "yes", 4500, 300)
    await exchange.delta(TICKERS[0], "no", 5000, -100)
    await settled(ws, books)
    assert len(calls) == 2  # called again after it raised: the book went on
    assert ws.stats.callback_errors >= 2
    assert books[TICKERS[0]].callback_errors == 2
    assert "callback_error" in watcher.kinds()
    assert book_of(books[TICKERS[0]]) == exchange.truth[TICKERS[0]]


async def test_a_delta_the_book_cannot_apply_refetches_that_book(client: Any) -> None:
    exchange, ws, books, watcher = client
    before = ws.stats.snapshots_requested
    await corrupted_delta(exchange, "price_dollars", "abc")
    await exchange.delta(TICKERS[0], "yes", 4500, 300)
    await settled(ws, books)
    assert ws.stats.malformed_frames == 1
    assert ws.stats.snapshots_requested > before
    assert "malformed_frame" in watcher.kinds()
    assert book_of(books[TICKERS[0]]) == exchange.truth[TICKERS[0]]


async def test_deeply_nested_json_is_reported_not_fatal(client: Any) -> None:
    exchange, ws, books, watcher = client
    await exchange.send_raw(_deep(20_000))  # 40 kB: under the size limit
    await exchange.delta(TICKERS[1], "no", 5000, 200)
    await settled(ws, books)
    detail = next(e.detail for e in watcher.events if e.kind == "malformed_frame")
    assert "nested too deep" in detail
    assert book_of(books[TICKERS[1]]) == exchange.truth[TICKERS[1]]


async def test_a_frame_over_the_limit_drops_the_link_and_says_why(client: Any) -> None:
    exchange, ws, books, watcher = client
    await exchange.send_raw("x" * (4 * SMALL_FRAMES))
    await exchange.delta(TICKERS[0], "yes", 4500, 300)  # may be lost with the link: resnapshot
    await settled(ws, books)
    drops = [e.detail for e in watcher.events if e.kind == "disconnected"]
    assert any("size limit" in detail for detail in drops), drops
    assert exchange.connections == 2
    assert book_of(books[TICKERS[0]]) == exchange.truth[TICKERS[0]]


async def test_a_slow_consumer_cut_off_says_so(client: Any) -> None:
    exchange, ws, books, watcher = client
    sid, feed = exchange.book_feed(TICKERS[0])
    error = {"code": 25, "msg": "Subscription buffer overflow"}
    await exchange.send_raw(
        json.dumps({"type": "error", "sid": sid, "seq": feed.next_seq(), "msg": error})
    )
    await exchange.cut(1013, "subscription buffer overflow")
    await settled(ws, books)
    slow = [e.detail for e in watcher.events if e.kind == "slow_consumer"]
    assert slow, watcher.events
    assert any("read too slowly" in detail for detail in slow), watcher.events
    assert any("read too slowly" in e.detail for e in watcher.events if e.kind == "disconnected")
    for ticker, book in books.items():
        assert book_of(book) == exchange.truth[ticker]


async def test_a_raising_event_callback_shows_on_the_event_iterator(client: Any) -> None:
    exchange, ws, books, _ = client
    events = ws.events()

    def always_raises(event: StreamEvent) -> None:
        raise RuntimeError("boom")

    ws.on_event(always_raises)
    await exchange.send_raw("not json")
    await settled(ws, books)
    seen = events.drain()
    assert {"malformed_frame", "callback_error"} <= {event.kind for event in seen}


async def test_an_on_frame_hook_sees_every_frame_and_its_raise_only_refetches(client: Any) -> None:
    """The low-level hook (the recorder's) gets each frame first; one that raises counts as a
    frame not applied: its books are fetched again, and the reader and the hook go on."""
    exchange, ws, books, watcher = client
    seen: list[tuple[str, str]] = []

    def hook(frame: Any) -> None:
        seen.append((type(frame).__name__, frame.msg.market_ticker))
        if len(seen) == 1:
            raise ValueError("hook bug")

    await ws.subscribe("orderbook_delta", list(TICKERS), iterate=False, on_frame=hook)
    await exchange.delta(TICKERS[0], "yes", 4500, 300)
    await exchange.delta(TICKERS[1], "no", 5000, 200)
    await settled(ws, books)
    assert seen[:2] == [("DeltaFrame", TICKERS[0]), ("DeltaFrame", TICKERS[1])]
    assert ("SnapshotFrame", TICKERS[0]) in seen[2:]  # the refetch after the raise
    assert ws.stats.malformed_frames == 1
    assert "malformed_frame" in watcher.kinds()
    for ticker, book in books.items():
        assert book_of(book) == exchange.truth[ticker], ticker
