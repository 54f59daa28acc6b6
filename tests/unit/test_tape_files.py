"""The tape's files: whatever rows go in come back out exactly, in arrival order, from complete
Parquet files partitioned by UTC day; filters return exactly the matching rows; a crash midway
through a write leaves no file a reader would take."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kalshikit.tape import SCHEMA, TapeWriter, day_of, read_table, tape_files
from kalshikit.tape.rows import DELTA_ROW

DAY_NS = 86_400 * 10**9
START = 1_796_000_000 * 10**9  # late 2026

TICKERS = st.sampled_from(["KXA-1", "KXB-2", "KXMVE-C-3"])
ROW = st.fixed_dictionaries(
    {
        "dt": st.integers(0, 3 * DAY_NS // 1000),  # microseconds after the previous row
        "kind": st.sampled_from(["delta", "snapshot", "trade", "reset"]),
        "ticker": TICKERS,
        "side": st.one_of(st.none(), st.integers(0, 1)),
        "price": st.one_of(st.none(), st.integers(1, 9999)),
        "size": st.one_of(st.none(), st.integers(-(10**12), 10**12)),
        "text": st.one_of(st.none(), st.text(max_size=8)),
    }
)


def write(root: Path, rows: list[dict[str, Any]]) -> list[tuple[object, ...]]:
    """Write ``rows`` (in arrival order) in two flushes; returns them as tuples. Each row goes
    into the buffer the encoder would put it in: packed deltas, the trade and book-level
    tuples, and ``add`` for the rest (and for any row those layouts cannot hold)."""
    writer = TapeWriter(root, row_group_rows=7)
    expected, recv = [], START
    for n, row in enumerate(rows):
        recv += row["dt"] * 1000
        buffer = writer.rows
        kind, side, price, size, text = (row[k] for k in ("kind", "side", "price", "size", "text"))
        market = buffer.ticker_id(row["ticker"])
        if kind == "delta" and None not in (side, price, size) and text is None:
            buffer.deltas += DELTA_ROW.pack(recv, n, market, n, 1, n, side, price, size)
        elif kind == "trade":
            buffer.trades.append((recv, n, market, None, 1, side, price, size, text))
        elif kind == "snapshot":
            buffer.levels.append((recv, n, kind, market, 1, n, side, price, size, text))
        else:
            buffer.add(recv, n, kind, row["ticker"], seq=n, side=side, price=price, size=size,
                       text=text)  # fmt: skip
        expected.append((recv, n, kind, row["ticker"], price, size))
        if n == len(rows) // 2:
            writer.flush()
    writer.close()
    return expected


def got(table: Any) -> list[tuple[object, ...]]:
    names = ["recv_ns", "n", "kind", "ticker", "price", "size"]
    columns = [table[name].to_pylist() for name in names]
    return list(zip(*columns, strict=True))


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(ROW, min_size=1, max_size=60))
def test_rows_come_back_exactly_in_arrival_order(tmp_path_factory: Any, rows: list[Any]) -> None:
    root = tmp_path_factory.mktemp("tape")
    expected = write(root, rows)
    assert got(read_table(root)) == expected
    for path in tape_files(root):  # each file holds one UTC day, named by its partition
        days = {
            day_of(ns) for ns in pq.read_table(path, columns=["recv_ns"])["recv_ns"].to_pylist()
        }
        assert days == {path.parent.name.removeprefix("date=")}
        assert pq.read_schema(path).remove_metadata() == SCHEMA.remove_metadata()
        stored = got(pq.read_table(path))  # by market, each market's rows as they arrived
        assert stored == sorted(stored, key=lambda row: (row[3], row[1]))
    one = got(read_table(root, tickers=["KXB-2"], kinds=["delta"]))
    assert one == [r for r in expected if r[3] == "KXB-2" and r[2] == "delta"]
    middle = expected[len(expected) // 2][0]
    assert got(read_table(root, start_ns=middle)) == [r for r in expected if r[0] >= middle]


def test_a_write_that_dies_leaves_no_file_a_reader_takes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = TapeWriter(tmp_path)
    writer.rows.add(START, 0, "delta", "KXA-1", side=0, price=5000, size=100)
    writer.flush()
    writer.rows.add(START + 1, 1, "delta", "KXA-1", side=0, price=5000, size=-100)

    def crash(*args: object, **kwargs: object) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr("kalshikit.tape.files.os.replace", crash)
    with pytest.raises(OSError, match="disk gone"):
        writer.flush()
    assert len(tape_files(tmp_path)) == 1  # the half-written one is a dot-file .tmp, unread
    assert got(read_table(tmp_path)) == [(START, 0, "delta", "KXA-1", 5000, 100)]


def test_an_empty_tape_reads_as_no_rows(tmp_path: Path) -> None:
    assert read_table(tmp_path).num_rows == 0
    assert TapeWriter(tmp_path).flush() == []


def test_numbers_too_far_apart_for_one_sort_key_still_sort_by_market_then_number(
    tmp_path: Path,
) -> None:
    writer = TapeWriter(tmp_path)
    for n, ticker in ((2**62, "KXB-2"), (0, "KXB-2"), (5, "KXA-1"), (2**62 + 1, "KXA-1")):
        writer.rows.add(START + n % 7, n, "trade", ticker, price=100)
    (path,) = writer.flush()
    stored = got(pq.read_table(path))
    assert [(row[3], row[1]) for row in stored] == [
        ("KXA-1", 5), ("KXA-1", 2**62 + 1), ("KXB-2", 0), ("KXB-2", 2**62),
    ]  # fmt: skip


def test_two_flushes_that_start_at_the_same_instant_keep_both_files(tmp_path: Path) -> None:
    # backfills and capture conversions give rows shared timestamps: one flush must never
    # replace the file of the one before it
    writer = TapeWriter(tmp_path)
    for n in range(2):
        writer.rows.add(START, n, "trade", "KXA-1", price=5_000 + n, size=100)
        writer.flush()
    assert len(tape_files(tmp_path)) == 2
    assert read_table(tmp_path)["price"].to_pylist() == [5_000, 5_001]
