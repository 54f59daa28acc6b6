"""The sans-I/O WebSocket core fed with wire frames: subscriptions, sids, seq, gaps, books."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kalshikit.errors import ValidationError
from kalshikit.units import Price
from kalshikit.ws import Command, Protocol, StreamEvent

T1, T2 = "KXBTC-26NOV24-B90000", "KXBTC-26NOV24-B91000"


def frame(kind: str, **fields: Any) -> bytes:
    return json.dumps({"type": kind, **fields}).encode()


def snapshot(sid: int, seq: int, ticker: str, yes: Any = (), no: Any = (), **extra: Any) -> bytes:
    msg: dict[str, Any] = {"market_ticker": ticker}
    if yes:
        msg["yes_dollars_fp"] = [list(level) for level in yes]
    if no:
        msg["no_dollars_fp"] = [list(level) for level in no]
    return frame("orderbook_snapshot", sid=sid, seq=seq, msg=msg, **extra)


def delta(sid: int, seq: int, ticker: str, side: str, price: str, size: str) -> bytes:
    msg = {"market_ticker": ticker, "side": side, "price_dollars": price, "delta_fp": size}
    return frame("orderbook_delta", sid=sid, seq=seq, msg=msg)


class Recorder:
    """The hooks a client would give the core: replies and health events, kept for asserts."""

    def __init__(self) -> None:
        self.replies: list[tuple[Command, Any]] = []
        self.events: list[StreamEvent] = []

    def protocol(self, **options: Any) -> Protocol:
        return Protocol(
            on_reply=lambda c, f: self.replies.append((c, f)), on_event=self.events.append,
            **options,
        )  # fmt: skip

    def kinds(self) -> list[str]:
        return [event.kind for event in self.events]


def sent(proto: Protocol) -> list[dict[str, Any]]:
    commands = [json.loads(command.payload) for command in proto.outbox]
    proto.outbox.clear()
    return commands


def book_pairs(proto: Protocol, ticker: str) -> tuple[list[Any], list[Any]]:
    levels = proto.books[ticker].to_levels()
    return [list(level) for level in levels.yes], [list(level) for level in levels.no]


@pytest.fixture
def hooks() -> Recorder:
    return Recorder()


def subscribed_books(hooks: Recorder, tickers: tuple[str, ...] = (T1, T2)) -> Protocol:
    """A connected core with a book subscription on sid 7, each book snapshotted at seq 1, 2."""
    proto = hooks.protocol()
    proto.connection_made()
    proto.subscribe("orderbook_delta", tickers)
    (command,) = sent(proto)
    proto.receive(
        frame("subscribed", id=command["id"], msg={"channel": "orderbook_delta", "sid": 7})
    )
    for seq, ticker in enumerate(tickers, 1):
        proto.receive(snapshot(7, seq, ticker, [("0.4000", "10.00")], [("0.5500", "5.00")]))
    return proto


def test_subscribe_sends_one_command_and_binds_the_sid(hooks: Recorder) -> None:
    proto = hooks.protocol()
    proto.connection_made()
    proto.subscribe("ticker", [T1], send_initial_snapshot=True)
    (command,) = sent(proto)
    assert command["cmd"] == "subscribe"
    assert command["params"] == {
        "channels": ["ticker"], "market_tickers": [T1], "send_initial_snapshot": True,
    }  # fmt: skip
    proto.receive(frame("subscribed", id=command["id"], msg={"channel": "ticker", "sid": 3}))
    assert proto.channel("ticker")[0].sid == 3
    assert hooks.replies[0][0].id == command["id"]


def test_snapshot_then_deltas_build_the_book(hooks: Recorder) -> None:
    proto = subscribed_books(hooks)
    proto.receive(delta(7, 3, T1, "yes", "0.4100", "3.50"))
    proto.receive(delta(7, 4, T1, "no", "0.5500", "-5.00"))
    assert book_pairs(proto, T1) == ([["0.4000", "10.00"], ["0.4100", "3.50"]], [])
    book = proto.books[T1]
    assert book.trusted
    assert book.best_yes_bid == Price.parse("0.41")
    assert book.best_yes_ask is None  # the NO side emptied


def test_a_snapshot_without_a_side_means_that_side_is_empty(hooks: Recorder) -> None:
    proto = subscribed_books(hooks, (T1,))
    proto.receive(snapshot(7, 2, T1, yes=[("0.3000", "1.00")]))
    assert book_pairs(proto, T1) == ([["0.3000", "1.00"]], [])


def test_the_first_snapshots_are_no_recovery(hooks: Recorder) -> None:
    """A fresh subscription's books become exact without a "recovered" event: nothing was lost
    (`kalshi stream book` used to open with "stream recovered")."""
    proto = subscribed_books(hooks)
    assert proto.books[T1].trusted
    assert proto.books[T2].trusted
    assert "recovered" not in hooks.kinds()


def test_a_gap_stales_every_book_of_the_sid_and_asks_for_snapshots(hooks: Recorder) -> None:
    proto = subscribed_books(hooks)
    proto.receive(delta(7, 5, T1, "yes", "0.4100", "1.00"))  # 3 and 4 were lost
    assert "gap" in hooks.kinds()
    assert not proto.books[T1].trusted
    assert not proto.books[T2].trusted
    (request,) = sent(proto)
    assert request["cmd"] == "update_subscription"
    assert request["params"] == {"sid": 7, "action": "get_snapshot", "market_tickers": [T1, T2]}
    proto.receive(delta(7, 6, T2, "yes", "0.4100", "1.00"))  # stale: already in the snapshot
    assert proto.stats.stale_deltas == 2
    for seq, ticker in enumerate((T1, T2), 7):
        proto.receive(snapshot(7, seq, ticker, [("0.2000", "2.00")], id=request["id"]))
    assert proto.books[T1].trusted
    assert proto.books[T2].trusted
    assert book_pairs(proto, T2) == ([["0.2000", "2.00"]], [])
    assert hooks.kinds()[-1] == "recovered"
    assert [c.kind for c, _ in hooks.replies][-1] == "snapshot"  # answered after both snapshots


def test_gaps_that_keep_coming_fall_back_to_a_resubscribe(hooks: Recorder) -> None:
    proto = subscribed_books(hooks)
    for seq in (5, 8, 11):
        proto.receive(delta(7, seq, T1, "yes", "0.4100", "1.00"))
    commands = sent(proto)
    assert [c["cmd"] for c in commands] == [
        "update_subscription", "update_subscription", "unsubscribe", "subscribe",
    ]  # fmt: skip
    assert commands[2]["params"] == {"sids": [7]}
    assert commands[3]["params"]["market_tickers"] == [T1, T2]
    assert "resubscribed" in hooks.kinds()
    proto.receive(delta(7, 12, T1, "yes", "0.4100", "1.00"))  # the old sid is no longer ours
    assert proto.stats.orphan_frames == 1


def test_a_gapped_snapshot_that_forces_a_resubscribe_is_not_applied(hooks: Recorder) -> None:
    proto = subscribed_books(hooks)
    for seq in (5, 8):
        proto.receive(delta(7, seq, T1, "yes", "0.4100", "1.00"))
    requests = sent(proto)
    proto.receive(snapshot(7, 11, T1, [("0.1000", "9.00")], id=requests[-1]["id"]))  # gap again
    assert [c["cmd"] for c in sent(proto)] == ["unsubscribe", "subscribe"]
    assert not proto.books[T1].trusted  # the old sid's snapshot is not trusted into the book
    assert proto.stats.orphan_frames == 1
    proto.receive(snapshot(7, 12, T2, [("0.1000", "9.00")], id=requests[-1]["id"]))
    assert [c.kind for c, _ in hooks.replies][-1] == "snapshot"  # the get_snapshot still ends


def test_duplicates_are_dropped_and_counted(hooks: Recorder) -> None:
    proto = subscribed_books(hooks, (T1,))
    proto.receive(delta(7, 2, T1, "yes", "0.4000", "1.00"))
    proto.receive(delta(7, 2, T1, "yes", "0.4000", "1.00"))
    assert book_pairs(proto, T1)[0] == [["0.4000", "11.00"]]
    assert proto.stats.duplicates == 1
    assert "duplicate" in hooks.kinds()


def test_ok_and_unsubscribed_advance_the_watermark(hooks: Recorder) -> None:
    proto = subscribed_books(hooks, (T1,))
    proto.update("orderbook_delta", add=[T2])
    (update,) = sent(proto)
    proto.receive(frame("ok", id=update["id"], sid=7, seq=2, msg={"market_tickers": [T1, T2]}))
    proto.receive(snapshot(7, 3, T2, [("0.1000", "1.00")]))
    assert proto.stats.gaps == 0
    assert proto.books[T2].trusted


def test_a_refused_subscribe_is_reported_and_forgotten(hooks: Recorder) -> None:
    proto = hooks.protocol()
    proto.connection_made()
    proto.subscribe("fill")
    (command,) = sent(proto)
    proto.receive(frame("error", id=command["id"], msg={"code": 9, "msg": "auth required"}))
    (reply,) = hooks.replies
    assert reply[1].msg.code == 9
    assert proto.subscriptions == []


def test_a_refused_add_markets_is_rolled_back(hooks: Recorder) -> None:
    proto = subscribed_books(hooks, (T1,))
    proto.update("orderbook_delta", add=["NOPE"])
    (command,) = sent(proto)
    proto.receive(frame("error", id=command["id"], sid=7, seq=2, msg={"code": 11, "msg": "no"}))
    assert "NOPE" not in proto.books
    assert proto.channel("orderbook_delta")[0].tickers == {T1}


@pytest.mark.parametrize("code", [10, 25])
def test_a_terminal_error_resubscribes(hooks: Recorder, code: int) -> None:
    proto = subscribed_books(hooks, (T1,))
    proto.receive(frame("error", sid=7, seq=2, msg={"code": code, "msg": "terminal"}))
    assert [c["cmd"] for c in sent(proto)] == ["unsubscribe", "subscribe"]
    assert not proto.books[T1].trusted


def test_unknown_frames_are_surfaced(hooks: Recorder) -> None:
    proto = hooks.protocol()
    got = proto.receive(frame("brand_new_type", msg={"x": 1}))
    assert got is not None
    assert got.type == "brand_new_type"
    assert proto.stats.unknown_frames == 1
    assert hooks.kinds() == ["unknown_frame"]


def test_a_reconnect_restores_every_subscription_and_stales_books(hooks: Recorder) -> None:
    proto = subscribed_books(hooks)
    proto.subscribe("ticker", [T1])
    sent(proto)
    abandoned = proto.connection_lost()
    assert [c.kind for c in abandoned] == ["subscribe"]  # the ticker ack never came
    assert not any(book.trusted for book in proto.books.values())
    commands = proto.connection_made()
    assert sorted(json.loads(c.payload)["params"]["channels"][0] for c in commands) == [
        "orderbook_delta", "ticker",
    ]  # fmt: skip


def test_markets_added_while_a_subscribe_is_in_flight_follow_it(hooks: Recorder) -> None:
    proto = hooks.protocol()
    proto.connection_made()
    proto.subscribe("orderbook_delta", [T1])
    proto.subscribe("orderbook_delta", [T2])  # widened before the ack
    (command,) = sent(proto)
    assert command["params"]["market_tickers"] == [T1]
    proto.receive(
        frame("subscribed", id=command["id"], msg={"channel": "orderbook_delta", "sid": 4})
    )
    (update,) = sent(proto)
    assert update["params"] == {"sid": 4, "action": "add_markets", "market_tickers": [T2]}


def test_a_level_going_negative_recovers_that_book(hooks: Recorder) -> None:
    proto = subscribed_books(hooks, (T1,))
    proto.receive(delta(7, 2, T1, "yes", "0.4000", "-11.00"))
    assert not proto.books[T1].trusted
    (request,) = sent(proto)
    assert request["params"]["market_tickers"] == [T1]


def test_use_yes_price_books_hold_no_prices(hooks: Recorder) -> None:
    proto = hooks.protocol()
    proto.connection_made()
    proto.subscribe("orderbook_delta", [T1], use_yes_price=True)
    (command,) = sent(proto)
    proto.receive(
        frame("subscribed", id=command["id"], msg={"channel": "orderbook_delta", "sid": 1})
    )
    proto.receive(snapshot(1, 1, T1, no=[("0.4500", "5.00")]))  # a YES ask at 0.45
    assert proto.books[T1].best_no_bid == Price.parse("0.55")
    assert proto.books[T1].best_yes_ask == Price.parse("0.45")


@pytest.mark.parametrize(
    ("channel", "tickers", "problem"),
    [("orderbook_delta", None, "needs market tickers"), ("nope", None, "unknown channel"),
     ("ticker", "T1", "list of tickers"), ("market_lifecycle_v2", [T1], "no market filter")],
)  # fmt: skip
def test_bad_subscriptions_are_refused_before_anything_is_sent(
    hooks: Recorder, channel: str, tickers: Any, problem: str
) -> None:
    proto = hooks.protocol()
    proto.connection_made()
    with pytest.raises(ValidationError, match=problem):
        proto.subscribe(channel, tickers)
    assert proto.outbox == []
    assert proto.subscriptions == []


def test_adopt_mode_builds_books_from_a_stream_without_commands() -> None:
    proto = Protocol(adopt=True)
    proto.receive(frame("subscribed", id=1, msg={"channel": "orderbook_delta", "sid": 1}))
    proto.receive(snapshot(1, 1, T1, [("0.1000", "1.00")]))
    proto.receive(delta(1, 2, T1, "yes", "0.1000", "2.00"))
    assert book_pairs(proto, T1) == ([["0.1000", "3.00"]], [])


# --- invariant: the book equals a replay of its messages --------------------------------------

PRICES = st.integers(1, 9999)
LEVELS = st.dictionaries(PRICES, st.integers(1, 100_000), max_size=8)


@st.composite
def sessions(draw: st.DrawFn) -> tuple[dict[int, int], dict[int, int], list[tuple[str, int, int]]]:
    yes, no = draw(LEVELS), draw(LEVELS)
    model = {"yes": dict(yes), "no": dict(no)}
    steps = []
    for _ in range(draw(st.integers(0, 40))):
        side = draw(st.sampled_from(["yes", "no"]))
        price = draw(PRICES)
        held = model[side].get(price, 0)
        change = draw(st.integers(-held, 50_000).filter(lambda d: d != 0))
        model[side][price] = held + change
        if not model[side][price]:
            del model[side][price]
        steps.append((side, price, change))
    return yes, no, steps


def money(ticks: int) -> str:
    return f"{ticks // 10000}.{ticks % 10000:04d}"


def count(centi: int) -> str:
    sign = "-" if centi < 0 else ""
    return f"{sign}{abs(centi) // 100}.{abs(centi) % 100:02d}"


@settings(max_examples=150, deadline=None)
@given(sessions())
def test_any_snapshot_and_deltas_give_the_replayed_book(
    session: tuple[dict[int, int], dict[int, int], list[tuple[str, int, int]]],
) -> None:
    yes, no, steps = session
    proto = Protocol(adopt=True)
    proto.receive(frame("subscribed", id=1, msg={"channel": "orderbook_delta", "sid": 1}))
    proto.receive(snapshot(1, 1, T1, [(money(p), count(s)) for p, s in sorted(yes.items())],
                           [(money(p), count(s)) for p, s in sorted(no.items())]))  # fmt: skip
    model = {"yes": dict(yes), "no": dict(no)}
    for seq, (side, price, change) in enumerate(steps, 2):
        proto.receive(delta(1, seq, T1, side, money(price), count(change)))
        model[side][price] = model[side].get(price, 0) + change
        model[side] = {p: s for p, s in model[side].items() if s}
    expected = tuple(
        [[money(p), count(s)] for p, s in sorted(model[side].items())] for side in ("yes", "no")
    )
    assert book_pairs(proto, T1) == expected
    assert proto.books[T1].trusted
    assert proto.stats.gaps == 0
