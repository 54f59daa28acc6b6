"""The small parts of the WebSocket client: backoff policy, stream views, capture files."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kalshikit.errors import StreamOverflow, ValidationError
from kalshikit.ws import Backoff, CaptureWriter, Stream, read_capture, replay


@given(st.integers(1, 200))
def test_backoff_waits_stay_under_a_capped_doubling(attempt: int) -> None:
    policy = Backoff(initial_s=0.5, max_s=30.0, rng=random.Random(attempt))
    assert policy.ceiling(attempt) == min(30.0, 0.5 * 2 ** (attempt - 1))
    assert 0.0 <= policy.delay(attempt) <= policy.ceiling(attempt)


def test_backoff_jitter_spreads_the_waits() -> None:
    policy = Backoff(rng=random.Random(1))
    waits = {round(policy.delay(6), 3) for _ in range(50)}
    assert len(waits) > 40  # not one fixed delay that would stampede a recovering exchange


def test_backoff_gives_up_only_when_told() -> None:
    assert not Backoff().gives_up(10_000)
    assert Backoff(max_attempts=3).gives_up(4)
    assert not Backoff(max_attempts=3).gives_up(3)


@pytest.mark.parametrize(
    "options",
    [{"initial_s": 0}, {"initial_s": 5, "max_s": 1}, {"factor": 0.5}, {"max_attempts": 0}],
)
def test_backoff_refuses_nonsense(options: dict[str, float]) -> None:
    with pytest.raises(ValidationError):
        Backoff(**options)  # type: ignore[arg-type]


def msg_frame(ticker: str, n: int) -> SimpleNamespace:
    return SimpleNamespace(msg=SimpleNamespace(market_ticker=ticker, n=n))


async def test_a_stream_keeps_its_markets_and_ends_cleanly() -> None:
    stream: Stream[SimpleNamespace] = Stream("ticker", frozenset({"A"}))
    for n, ticker in enumerate(["A", "B", "A"]):
        stream.push(msg_frame(ticker, n))
    stream.finish()
    assert [m.n async for m in stream] == [0, 2]


async def test_an_overflowing_stream_raises_after_what_it_holds() -> None:
    stream: Stream[SimpleNamespace] = Stream("fill", None, maxsize=2)
    for n in range(5):
        stream.push(msg_frame("A", n))
    assert [await stream.next(1), await stream.next(1)] == [
        msg_frame("A", 0).msg,
        msg_frame("A", 1).msg,
    ]
    with pytest.raises(StreamOverflow):
        await stream.next(1)


async def test_a_failing_callback_does_not_stop_the_stream(
    caplog: pytest.LogCaptureFixture,
) -> None:
    seen: list[int] = []

    def callback(msg: SimpleNamespace) -> None:
        seen.append(msg.n)
        if msg.n == 0:
            raise RuntimeError("user bug")

    stream: Stream[SimpleNamespace] = Stream("trade", None, callback=callback, iterate=False)
    stream.push(msg_frame("A", 0))
    stream.push(msg_frame("A", 1))
    assert seen == [0, 1]
    assert "callback raised" in caplog.text
    assert stream.drain() == []


async def test_waiting_for_a_message_times_out() -> None:
    stream: Stream[SimpleNamespace] = Stream("trade", None)
    with pytest.raises(asyncio.TimeoutError):
        await stream.next(0.01)


def test_a_capture_round_trips_and_replays(tmp_path: Path) -> None:
    path = tmp_path / "s.capture"
    writer = CaptureWriter(path)
    writer.sent(1, b'{"id":1,"cmd":"subscribe","params":{"channels":["orderbook_delta"],'
                   b'"market_tickers":["T"]}}')  # fmt: skip
    writer.received(2, '{"id":1,"type":"subscribed","msg":{"channel":"orderbook_delta","sid":4}}')
    writer.received(3, '{"type":"orderbook_snapshot","sid":4,"seq":1,\n"msg":{"market_ticker":"T",'
                       '"yes_dollars_fp":[["0.5000","2.00"]]}}')  # fmt: skip
    writer.close()
    assert [f.direction for f in read_capture(path)] == [">", "<", "<"]
    protocol = replay(path)
    assert protocol.books["T"].to_levels().yes == [("0.5000", "2.00")]


def test_a_malformed_capture_line_names_its_place(tmp_path: Path) -> None:
    path = tmp_path / "bad.capture"
    path.write_text("12\t<\t{}\nnot a line\n")
    with pytest.raises(ValidationError, match=r"bad\.capture:2"):
        list(read_capture(path))
