"""Typed WebSocket messages to tape rows: exact numbers in, exact numbers out, odd frames skipped.

Messages are decoded from wire JSON as the stream decodes them; the rows are turned into the
tape's Arrow table (as a flush does), so a row that would not fit the schema fails here.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from kalshikit.models.stream import FrameDecoder
from kalshikit.tape.encode import Encoder
from kalshikit.tape.rows import Rows
from kalshikit.tape.schema import SCHEMA

decode = FrameDecoder().decode


def rows_of(rows: Rows) -> list[dict[str, Any]]:
    table: pa.Table = rows.table().cast(SCHEMA)  # what a flush writes: it must fit
    return list(table.sort_by([("n", "ascending")]).to_pylist())  # the buffer has no order


def frame(kind: str, msg: dict[str, Any], sid: int = 1, seq: int | None = 7) -> Any:
    body: dict[str, Any] = {"type": kind, "sid": sid, "msg": msg}
    if seq is not None:
        body["seq"] = seq
    return decode(json.dumps(body))


def dollars(ticks: int) -> str:
    return f"{Decimal(ticks) / 10_000:.4f}"


def fp(centi: int) -> str:
    return f"{Decimal(centi) / 100:.2f}"


def test_a_snapshot_is_one_row_per_level_under_one_number() -> None:
    rows, encoder = Rows(), Encoder()
    snapshot = frame("orderbook_snapshot", {"market_ticker": "KXA-1",
                     "yes_dollars_fp": [["0.4000", "10.00"], ["0.4100", "2.50"]],
                     "no_dollars_fp": [["0.5500", "1.00"]]})  # fmt: skip
    assert encoder.snapshot(rows, 5, snapshot) == 3
    got = rows_of(rows)
    assert {r["n"] for r in got} == {1}
    assert [(r["side"], r["price"], r["size"]) for r in got] == [
        (0, 4000, 1000), (0, 4100, 250), (1, 5500, 100),
    ]  # fmt: skip
    assert all(r["kind"] == "snapshot" and r["sid"] == 1 and r["seq"] == 7 for r in got)


def test_an_empty_book_is_one_row_without_a_level() -> None:
    rows = Rows()
    assert Encoder().snapshot(rows, 5, frame("orderbook_snapshot", {"market_ticker": "KXA-1"})) == 1
    (row,) = rows_of(rows)
    assert (row["side"], row["price"], row["size"]) == (None, None, None)


def test_a_delta_keeps_its_sign_sid_and_seq() -> None:
    rows = Rows()
    msg = {"market_ticker": "KXA-1", "side": "no", "price_dollars": "0.0300", "delta_fp": "-3.50",
           "ts_ms": 17}  # fmt: skip
    delta = frame("orderbook_delta", msg, sid=4, seq=99)
    assert Encoder().delta(rows, 5, delta) == 1
    (row,) = rows_of(rows)
    assert row["kind"] == "delta"
    assert (row["sid"], row["seq"], row["side"], row["price"], row["size"]) == (4, 99, 1, 300, -350)
    assert row["ts_ms"] == 17


def test_trades_tickers_and_lifecycle() -> None:
    rows, encoder = Rows(), Encoder()
    trade = frame("trade", {"market_ticker": "KXA-1", "trade_id": "t1",
                  "yes_price_dollars": "0.6200", "count_fp": "5.00",
                  "taker_outcome_side": "no", "ts": 3}, seq=None)  # fmt: skip
    ticker = frame("ticker", {"market_ticker": "KXA-1", "price_dollars": "0.6200",
                   "yes_bid_dollars": "0.6100", "yes_ask_dollars": "0.6300", "volume_fp":
                   "120.00", "open_interest_fp": "80.00", "ts_ms": 9}, seq=None)  # fmt: skip
    life = frame("market_lifecycle_v2", {"market_ticker": "KXA-1", "event_type": "determined",
                 "settlement_value": "1.0000", "determination_ts": 11}, seq=None)  # fmt: skip
    encoder.trade(rows, 1, trade.msg, trade.sid)
    encoder.ticker(rows, 2, ticker.msg, ticker.sid)
    encoder.lifecycle(rows, 3, life.msg, life.sid)
    got = rows_of(rows)
    assert [r["n"] for r in got] == [1, 2, 3]
    assert (got[0]["price"], got[0]["size"], got[0]["side"], got[0]["text"]) == (6200, 500, 1, "t1")
    assert got[0]["ts_ms"] == 3000
    assert (got[1]["price"], got[1]["bid"], got[1]["ask"]) == (6200, 6100, 6300)
    assert (got[1]["size"], got[1]["open_interest"]) == (12_000, 8_000)
    assert (got[2]["text"], got[2]["price"], got[2]["ts_ms"]) == ("determined", 10_000, 11_000)


levels = st.lists(st.tuples(st.integers(0, 10_000), st.integers(1, 10**12)), max_size=20,
                  unique_by=lambda level: level[0])  # fmt: skip


@given(yes=levels, no=levels)
def test_snapshot_levels_come_back_exactly(
    yes: list[tuple[int, int]], no: list[tuple[int, int]]
) -> None:
    rows = Rows()
    msg = {"market_ticker": "KXA-1",
           "yes_dollars_fp": [[dollars(p), fp(c)] for p, c in yes],
           "no_dollars_fp": [[dollars(p), fp(c)] for p, c in no]}  # fmt: skip
    Encoder().snapshot(rows, 1, frame("orderbook_snapshot", msg))
    got = [r for r in rows_of(rows) if r["side"] is not None]
    assert sorted((r["price"], r["size"]) for r in got if r["side"] == 0) == sorted(yes)
    assert sorted((r["price"], r["size"]) for r in got if r["side"] == 1) == sorted(no)


odd_text = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["1.5000", "-0.1000", "0.12345", "1e3", "99999999999999999999.00",
                     "0.4", "", "NaN", "0x10", "9" * 30 + ".00"]),
    st.integers(-(2**70), 2**70).map(str),
)  # fmt: skip
odd_int = st.one_of(st.none(), st.integers(-(2**64) + 1, 2**64 - 1))


@settings(max_examples=300)
@given(
    kind=st.sampled_from(["orderbook_delta", "orderbook_snapshot", "trade", "ticker",
                          "market_lifecycle_v2"]),
    price=odd_text, size=odd_text, side=st.sampled_from(["yes", "no", "maybe", ""]),
    sid=st.integers(0, 2**63 - 1), seq=st.integers(0, 2**63 - 1), ts=odd_int,
)  # fmt: skip
def test_odd_frames_never_raise_and_every_row_fits_the_tape(
    kind: str, price: str, size: str, side: str, sid: int, seq: int, ts: int | None
) -> None:
    msg: dict[str, Any] = {"market_ticker": "KXA-1", "side": side, "price_dollars": price,
        "delta_fp": size, "yes_dollars_fp": [[price, size]], "yes_price_dollars": price,
        "count_fp": size, "volume_fp": size, "event_type": "created", "settlement_value": price,
        "ts_ms": ts, "determination_ts": ts}  # fmt: skip
    try:
        decoded = frame(kind, msg, sid=sid, seq=seq)
    except Exception:  # the stream's decoder refuses it first: never reaches the recorder
        return
    rows, encoder = Rows(), Encoder()
    if kind == "orderbook_delta":
        written = encoder.delta(rows, 1, decoded)
    elif kind == "orderbook_snapshot":
        written = encoder.snapshot(rows, 1, decoded)
    else:
        method = {"trade": encoder.trade, "ticker": encoder.ticker,
                  "market_lifecycle_v2": encoder.lifecycle}[kind]  # fmt: skip
        written = method(rows, 1, decoded.msg, decoded.sid)
    assert written == rows.length
    assert written or encoder.skipped == 1
    for row in rows_of(rows):
        assert row["price"] is None or 0 <= row["price"] <= 10_000


def test_running_totals_do_not_fill_the_streams_shared_memo() -> None:
    """Volumes and open interest rarely repeat: memoizing them would fill the shared memo in
    minutes and crowd out the book sizes that do repeat (the stream's hot path)."""
    from kalshikit.units import CENTI_MEMO

    rows, encoder = Rows(), Encoder()
    totals = [fp(987_654_300 + n) for n in range(50)]
    for n, total in enumerate(totals):
        quote = {"market_ticker": "KXA-1", "price_dollars": "0.5000", "volume_fp": total,
                 "open_interest_fp": total, "ts": 1}  # fmt: skip
        message = frame("ticker", quote)
        assert encoder.ticker(rows, n, message.msg, message.sid) == 1
    assert not set(totals) & set(CENTI_MEMO)
    assert [r["size"] for r in rows_of(rows)] == [987_654_300 + n for n in range(50)]
