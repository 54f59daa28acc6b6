"""Replaying a tape: random book row streams rebuild the books a plain model predicts, by the
fast column path and by the messages path alike; filters and pacing do what they say."""

from __future__ import annotations

import json
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kalshikit.errors import BookIntegrityError, ValidationError
from kalshikit.models.stream import DeltaMsg, SnapshotMsg, TradeMsg
from kalshikit.orderbook import OrderBook
from kalshikit.tape import BookCheck, BookReset, TapeWebSocket, TapeWriter, replay, replay_books
from kalshikit.tape.timing import Pacer, parse_time, to_ns

T0 = 1_764_720_000 * 10**9  # 2025-12-03 00:00 UTC
TICKERS = ("KXA-1", "KXB-2", "KXC-3")
Model = dict[str, dict[int, dict[int, int]] | None]  # ticker -> side -> price -> size, or unknown

prices = st.integers(1, 9_999)
levels = st.dictionaries(st.tuples(st.integers(0, 1), prices), st.integers(1, 5_000), max_size=6)
ops = st.lists(
    st.one_of(
        st.tuples(st.just("snapshot"), st.sampled_from(TICKERS), levels),
        st.tuples(st.just("delta"), st.sampled_from(TICKERS), st.integers(0, 1),
                  st.sampled_from((100, 200, 300, 4_500)), st.integers(-3_000, 3_000)),
        st.tuples(st.just("reset"), st.sampled_from(TICKERS)),
        st.tuples(st.just("check"), st.sampled_from(TICKERS), st.booleans()),
    ),
    max_size=60,
)  # fmt: skip


def _write(root: Path, script: list[tuple[Any, ...]]) -> tuple[Model, dict[str, int]]:
    """Write the script as tape rows (in two files) and play it on the model."""
    writer = TapeWriter(root)
    model: Model = dict.fromkeys(TICKERS)
    checks = {"ok": 0, "mismatch": 0, "unknown": 0}
    for n, op in enumerate(script, 1):
        recv = T0 + n * 1_000_000
        if n == len(script) // 2:
            writer.flush()
        kind, ticker = op[0], op[1]
        book = model[ticker]
        if kind == "snapshot":
            _book_rows(writer, recv, n, "snapshot", ticker, op[2])
            model[ticker] = {0: {}, 1: {}}
            for (side, price), size in op[2].items():
                model[ticker][side][price] = size  # type: ignore[index]
        elif kind == "delta":
            side, price, change = op[2], op[3], op[4] or 1
            writer.rows.add(recv, n, "delta", ticker, side=side, price=price, size=change, seq=n)
            if book is not None:
                new = book[side].get(price, 0) + change
                if new < 0:
                    model[ticker] = None  # a missed message: unknown until the next snapshot
                elif new == 0:
                    book[side].pop(price, None)
                else:
                    book[side][price] = new
        elif kind == "reset":
            writer.rows.add(recv, n, "reset", ticker, text="gap")
            model[ticker] = None
        else:
            shown = {} if book is None else {(s, p): z for s in (0, 1) for p, z in book[s].items()}
            if op[2] and book is not None:  # a REST read that disagrees with the stream
                shown[(0, 1)] = shown.get((0, 1), 0) + 7
            _book_rows(writer, recv, n, "check", ticker, shown)
            checks["unknown" if book is None else "mismatch" if op[2] else "ok"] += 1
    writer.close()
    return model, checks


def _book_rows(writer: TapeWriter, recv: int, n: int, kind: str, ticker: str,
               levels: dict[tuple[int, int], int]) -> None:  # fmt: skip
    for (side, price), size in levels.items():
        writer.rows.add(recv, n, kind, ticker, side=side, price=price, size=size)
    if not levels:
        writer.rows.add(recv, n, kind, ticker)


def _sides(book: OrderBook) -> dict[int, dict[int, int]]:
    levels = book.to_levels()
    return {
        0: {round(float(p) * 10_000): round(float(c) * 100) for p, c in levels.yes},
        1: {round(float(p) * 10_000): round(float(c) * 100) for p, c in levels.no},
    }


def _from_messages(root: Path) -> dict[str, OrderBook | None]:
    """The slow path: the typed messages applied as a live client would."""
    books: dict[str, OrderBook | None] = dict.fromkeys(TICKERS)
    for msg in replay(root):
        if isinstance(msg, SnapshotMsg):
            book = books[msg.market_ticker] = OrderBook(msg.market_ticker)
            book.apply_snapshot_ticks(msg.yes_levels(), msg.no_levels())
        elif isinstance(msg, BookReset):
            books[msg.market_ticker] = None
        elif isinstance(msg, DeltaMsg) and (book := books[msg.market_ticker]) is not None:
            try:
                book.apply_delta(msg.side, msg.price_dollars or "", msg.delta_fp or "")  # type: ignore[arg-type]
            except BookIntegrityError:
                books[msg.market_ticker] = None
    return books


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(script=ops)
def test_books_replayed_equal_the_model_by_both_paths(script: list[tuple[Any, ...]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        model, checks = _write(root, script)
        if not any(root.rglob("*.parquet")):
            return
        replayed = replay_books(root)
        slow = _from_messages(root)
        for ticker in TICKERS:
            expected = model[ticker]
            book = replayed.books.get(ticker)
            if expected is None:
                assert book is None or not book.trusted
                assert slow[ticker] is None
            else:
                assert book is not None
                assert book.trusted
                assert _sides(book) == expected
                assert _sides(slow[ticker]) == expected  # type: ignore[arg-type]
        stats = replayed.stats
        assert (stats.checks_ok, stats.checks_mismatch, stats.checks_unknown) == (
            checks["ok"], checks["mismatch"], checks["unknown"],
        )  # fmt: skip
        assert stats.resets == sum(op[0] == "reset" for op in script)


def _small_tape(root: Path) -> None:
    writer = TapeWriter(root)
    for i, ticker in enumerate(TICKERS):
        writer.rows.add(T0 + i, i + 1, "snapshot", ticker, side=0, price=4_000, size=1_000)
    for i in range(30):
        ticker = TICKERS[i % 3]
        recv = T0 + (i + 1) * 10**9  # one message a second
        writer.rows.add(
            recv, 10 + i, "delta", ticker, side=0, price=4_000, size=100, ts_ms=recv // 10**6
        )
    writer.rows.add(T0 + 40 * 10**9, 99, "trade", "KXA-1", price=4_100, size=300, side=1,
                    text="t-1", ts_ms=(T0 + 40 * 10**9) // 10**6)  # fmt: skip
    writer.close()


def test_messages_carry_the_wire_strings(tmp_path: Path) -> None:
    _small_tape(tmp_path)
    messages = list(replay(tmp_path))
    snapshot, trade = messages[0], messages[-1]
    assert isinstance(snapshot, SnapshotMsg)
    assert snapshot.yes_dollars_fp == [("0.4000", "10.00")]
    assert snapshot.no_dollars_fp is None  # an empty side is absent, as on the wire
    assert isinstance(trade, TradeMsg)
    assert (trade.yes_price_dollars, trade.no_price_dollars, trade.count_fp) == (
        "0.4100",
        "0.5900",
        "3.00",
    )
    assert (trade.taker_outcome_side, trade.trade_id) == ("no", "t-1")
    delta = messages[3]
    assert isinstance(delta, DeltaMsg)
    assert (delta.side, delta.price_dollars, delta.delta_fp) == (
        "yes",
        "0.4000",
        "1.00",
    )


def test_start_end_and_tickers_filter(tmp_path: Path) -> None:
    _small_tape(tmp_path)
    start = datetime.fromtimestamp(T0 / 1e9 + 10, UTC)
    picked = list(replay(tmp_path, tickers=["KXB-2"], start=start, end=T0 + 20 * 10**9))
    assert all(m.market_ticker == "KXB-2" for m in picked)
    assert len(picked) == 3  # seconds 10..19: deltas 11, 14, 17 are KXB-2's (i = 10, 13, 16)
    at_five = replay_books(tmp_path, end=T0 + 5 * 10**9 + 1)  # the book of every market at 5 s
    assert at_five.books["KXA-1"].size_at("yes", "0.40").centi == 1_000 + 2 * 100
    assert replay_books(tmp_path).books["KXA-1"].size_at("yes", "0.40").centi == 1_000 + 10 * 100
    late = replay_books(tmp_path, start=T0 + 10**9)  # after the snapshots: nothing known
    assert not any(book.trusted for book in late.books.values())


def test_pacing_is_real_time_divided_by_speed() -> None:
    now = [100.0]
    pacer = Pacer(10.0, clock=lambda: now[0])
    assert pacer.delay(T0) == 0.0
    assert pacer.delay(T0 + 5 * 10**9) == pytest.approx(0.5)  # 5 s of tape at 10x
    now[0] += 0.2
    assert pacer.delay(T0 + 5 * 10**9) == pytest.approx(0.3)
    now[0] += 5
    assert pacer.delay(T0 + 5 * 10**9) == 0.0  # late: no wait, no catching up by skipping
    assert Pacer(None).delay(T0 + 10**18) == 0.0
    with pytest.raises(ValidationError):
        Pacer(0)


def test_paced_replay_sleeps_the_gaps(tmp_path: Path) -> None:
    from kalshikit.tape.replay import replay_frames

    _small_tape(tmp_path)
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        time.sleep(seconds)

    started = time.monotonic()
    frames = list(replay_frames(tmp_path, pace=1_000.0, sleep=sleep))
    assert len(frames) == 34
    assert 0.02 < sum(slept) <= 0.04  # 40 s of tape at 1000x, less the time spent reading
    assert 0.04 <= time.monotonic() - started < 1.0


def test_times_and_bad_input() -> None:
    assert to_ns(datetime(1970, 1, 1, 0, 0, 1, 5, tzinfo=UTC)) == 1_000_005_000
    naive = datetime(1970, 1, 1, 0, 0, 1)  # noqa: DTZ001 - a naive time is read as UTC
    assert to_ns(naive) == 10**9
    assert parse_time("2026-12-03T00:00:00Z") == parse_time("2026-12-03T01:00:00+01:00")
    with pytest.raises(ValidationError, match="ISO 8601"):
        parse_time("yesterday")
    with pytest.raises(ValidationError, match="not a folder"):
        list(replay("/nonexistent/tape"))


def test_a_check_row_is_a_marker_message(tmp_path: Path) -> None:
    writer = TapeWriter(tmp_path)
    writer.rows.add(T0, 1, "check", "KXA-1", side=1, price=300, size=200, text="ok")
    writer.rows.add(T0, 1, "check", "KXA-1", side=0, price=200, size=100, text="ok")
    writer.close()
    (check,) = list(replay(tmp_path))
    assert check == BookCheck(
        market_ticker="KXA-1", yes=[(200, 100)], no=[(300, 200)], verdict="ok"
    )


SNAP = (
    '{"type":"orderbook_snapshot","sid":1,"seq":%d,'
    '"msg":{"market_ticker":"KXA","yes_dollars_fp":[["%s","%s"]]}}'
)
DELTA = (
    '{"type":"orderbook_delta","sid":1,"seq":%d,'
    '"msg":{"market_ticker":"KXA","side":"yes","price_dollars":"%s","delta_fp":"%s"}}'
)
TRADE = (
    '{"type":"trade","sid":2,"msg":{"market_ticker":"KXA","trade_id":"t9",'
    '"yes_price_dollars":"0.4100","no_price_dollars":"0.5900","count_fp":"3.00",'
    '"taker_outcome_side":"yes","ts":1764720001}}'
)


def _capture(path: Path) -> None:
    frames = [
        (1_764_720_000_000, SNAP % (1, "0.4000", "10.00")),
        (1_764_720_000_100, DELTA % (2, "0.4000", "1.00")),
        (1_764_720_000_200, DELTA % (4, "0.4000", "-2.00")),  # seq 3 is missing: a gap
        (1_764_720_000_300, DELTA % (5, "0.4000", "-1.00")),
        (1_764_720_000_400, SNAP % (6, "0.4100", "2.00")),
        (1_764_720_000_500, TRADE),
    ]
    path.write_text("".join(f"{ms}\t<\t{text}\n" for ms, text in frames))


def test_a_capture_converts_with_its_gap_marked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from kalshikit.cli.main import main

    capture, tape = tmp_path / "s.capture", tmp_path / "tape"
    _capture(capture)
    assert main(["--json", "replay", "--from-capture", str(capture), "--to", str(tape)]) == 0
    stats = json.loads(capsys.readouterr().out)
    # the delta that shows the gap and the one after it wait for the snapshot: both dropped
    assert (stats["gaps"], stats["dropped"], stats["frames"]) == (1, 2, 6)
    kinds = [type(m).__name__ for m in replay(tape)]
    assert kinds == ["SnapshotMsg", "DeltaMsg", "BookReset", "SnapshotMsg", "TradeMsg"]
    replayed = replay_books(tape)
    assert replayed.stats.resets == 1
    assert replayed.books["KXA"].to_levels().yes == [("0.4100", "2.00")]
    before_gap = str(1_764_720_000_150 * 10**6)
    assert main(["--json", "replay", str(tape), "--book", "KXA", "--at", before_gap]) == 0
    assert json.loads(capsys.readouterr().out)["yes_dollars"] == [["0.4000", "11.00"]]
    during_gap = str(1_764_720_000_350 * 10**6)
    assert main(["replay", str(tape), "--book", "KXA", "--at", during_gap]) == 2
    assert "not known" in capsys.readouterr().err
    # converting again into a tape, or from a malformed capture, writes nothing
    assert main(["replay", "--from-capture", str(capture), "--to", str(tape)]) == 2
    capture.write_text("not a capture line\n")
    assert main(["replay", "--from-capture", str(capture), "--to", str(tmp_path / "t2")]) == 2
    assert not (tmp_path / "t2").exists()


async def test_a_tape_streams_like_the_live_client(tmp_path: Path) -> None:
    _small_tape(tmp_path)
    async with TapeWebSocket(tmp_path) as ws:
        books = await ws.orderbooks(["KXA-1"])
        trades = await ws.trades(["KXA-1"])
        seen = [msg async for msg in trades]  # the first read starts the tape
    assert [m.trade_id for m in seen] == ["t-1"]
    assert books["KXA-1"].trusted
    assert books["KXA-1"].size_at("yes", "0.40").centi == 1_000 + 10 * 100
    assert ws.clock() == (T0 + 40 * 10**9) / 1e9


async def test_a_tape_feeds_on_frame_the_frames_the_live_client_would(tmp_path: Path) -> None:
    """Code written against the live client's low-level hook (as the recorder is) replays."""
    _small_tape(tmp_path)
    frames: list[Any] = []
    async with TapeWebSocket(tmp_path) as ws:
        await ws.subscribe("orderbook_delta", ["KXA-1"], iterate=False, on_frame=frames.append)
        trades = await ws.trades(["KXA-1"])
        _ = [msg async for msg in trades]  # plays the whole tape
    kinds = [type(frame).__name__ for frame in frames]
    assert kinds == ["SnapshotFrame"] + ["DeltaFrame"] * 10
    assert {frame.msg.market_ticker for frame in frames} == {"KXA-1"}
