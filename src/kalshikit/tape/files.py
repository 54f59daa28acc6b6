"""Writing and reading tape files: the writer that turns a row buffer (``tape/rows.py``) into
complete Parquet files, and the reader that gives rows back in arrival order.

A file is never half written: the writer builds each one as ``.part-...parquet.tmp``, fsyncs
it, then renames it into place, so a reader (which reads ``*.parquet`` only) sees whole files,
and a crash loses at most the rows buffered since the last flush (``flush_every_s``). Each flush
writes one file per UTC day present in the buffer, its rows sorted by ``(ticker, n)``
in row groups of ``row_group_rows``: per-market row-group statistics, and deltas of one market
side by side compress to a few bytes each.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from kalshikit.tape.rows import Rows
from kalshikit.tape.schema import SCHEMA, partition_dir

__all__ = ["TapeWriter", "WriterStats", "read_table", "tape_files"]

# columns that rise row by row within a market: stored as small differences (faster to write
# than zstd over plain values, and smaller); every reader of Parquet 2 encodings reads them
_ENCODINGS: Final = {name: "DELTA_BINARY_PACKED" for name in ("recv_ns", "n", "ts_ms", "seq")}
_ARRIVAL: Final = [("recv_ns", "ascending"), ("n", "ascending")]


@dataclass
class WriterStats:
    rows: int = 0
    files: int = 0
    bytes: int = 0


class TapeWriter:
    """Buffers rows and writes them as complete Parquet files under ``root``."""

    def __init__(
        self,
        root: Path,
        *,
        flush_every_s: float = 60.0,
        max_rows: int = 2_000_000,
        row_group_rows: int = 250_000,
        compression: str = "zstd",
        writer_id: str | None = None,
    ) -> None:
        self.root = Path(root)
        self.flush_every_s = flush_every_s
        self.max_rows = max_rows
        self.row_group_rows = row_group_rows
        self.compression = compression
        self.writer_id = writer_id or uuid.uuid4().hex[:8]
        self.rows = Rows()
        self.stats = WriterStats()
        self._last_flush = time.monotonic()

    def due(self) -> bool:
        """Time (or room) to write what is buffered."""
        if self.rows.length >= self.max_rows:
            return True
        return bool(self.rows.length) and time.monotonic() - self._last_flush >= self.flush_every_s

    def flush(self) -> list[Path]:
        """Write every buffered row (one file per day); returns the files written."""
        self._last_flush = time.monotonic()
        if not self.rows.length:
            return []
        table, self.rows = self.rows.table(), Rows()
        return [self._write(part, day_ns) for part, day_ns in _by_day(table)]

    def close(self) -> list[Path]:
        return self.flush()

    def _write(self, table: pa.Table, recv_ns: int) -> Path:
        folder = partition_dir(self.root, recv_ns)
        folder.mkdir(parents=True, exist_ok=True)
        # the writer's file count too: two flushes may start at the same recv_ns (rows from
        # backfills and conversions share timestamps) and must not replace each other
        name = f"part-{recv_ns:020d}-{self.writer_id}-{self.stats.files:06d}.parquet"
        final = folder / name
        temporary = final.with_name("." + final.name + ".tmp")
        table = _sorted_for_files(table)
        pq.write_table(
            table, temporary, compression=self.compression, row_group_size=self.row_group_rows,
            use_dictionary=["kind", "ticker", "text"], column_encoding=_ENCODINGS,
            write_statistics=True,
        )  # fmt: skip
        _fsync(temporary)
        os.replace(temporary, final)
        _fsync_dir(folder)
        self.stats.rows += table.num_rows
        self.stats.files += 1
        self.stats.bytes += final.stat().st_size
        return final


def _sorted_for_files(table: pa.Table) -> pa.Table:
    """Rows by ticker (alphabetical), each market's rows by ``n`` (the order they arrived in).
    The key is one integer, each ticker's rank among the (few) distinct tickers times the span
    of ``n`` plus ``n``: one integer sort is far faster than sorting strings then numbers.
    (Readers order by ``(recv_ns, n)`` themselves.) The buffer's parts are joined into one
    chunk first: Arrow takes from one chunk several times faster than across chunks."""
    table = table.unify_dictionaries().combine_chunks()
    tickers = table["ticker"].chunk(0)
    ranks = pc.rank(tickers.dictionary, sort_keys="ascending", tiebreaker="first")
    ticker_rank = pc.take(ranks, tickers.indices).cast(pa.int64())
    low, high = (scalar.as_py() for scalar in pc.min_max(table["n"]).values())
    span = high - low + 1
    if span * (len(tickers.dictionary) + 1) >= 2**63:  # beyond one integer: two keys
        keys = pa.table({"rank": ticker_rank, "n": table["n"]})
        return table.take(pc.sort_indices(keys, sort_keys=[("rank", "ascending"),
                                                            ("n", "ascending")]))  # fmt: skip
    key = pc.add(pc.multiply(ticker_rank, span), pc.subtract(table["n"], low))
    return table.take(pc.sort_indices(key))


def _by_day(table: pa.Table) -> Iterable[tuple[pa.Table, int]]:
    """The table cut by UTC day of ``recv_ns``: (rows, the first recv_ns among them)."""
    day_ns = 86_400 * 10**9
    low, high = pc.min_max(table["recv_ns"]).values()
    if low.as_py() // day_ns == high.as_py() // day_ns:  # the usual flush: one day
        yield table, int(low.as_py())
        return
    days = pc.divide(table["recv_ns"], pa.scalar(day_ns, pa.int64()))
    for day in pc.unique(days).to_pylist():
        part = table.filter(pc.equal(days, day))
        yield part, int(pc.min(part["recv_ns"]).as_py())


def _fsync(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def tape_files(root: Path) -> list[Path]:
    """The tape's complete files (never a ``.tmp`` one), in name order (= time order per day)."""
    return sorted(Path(root).glob("date=*/*.parquet"))


def read_table(
    root: Path,
    *,
    tickers: Sequence[str] | None = None,
    start_ns: int | None = None,
    end_ns: int | None = None,
    kinds: Sequence[str] | None = None,
    columns: Sequence[str] | None = None,
) -> pa.Table:
    """The rows of a tape that match, in arrival order (``recv_ns``, then ``n``).

    ``start_ns``/``end_ns`` bound ``recv_ns`` (end excluded). Filters are pushed down to the
    row groups, so a few markets of a long tape read only their own row groups.
    """
    files = tape_files(root)
    if not files:
        return SCHEMA.empty_table()
    dataset = ds.dataset([str(f) for f in files], schema=SCHEMA, format="parquet")
    wanted = _filter(tickers, start_ns, end_ns, kinds)
    table = dataset.to_table(filter=wanted, columns=list(columns) if columns else None)
    if columns and not {"recv_ns", "n"} <= set(columns):
        return table
    return table.sort_by(_ARRIVAL)


def _filter(
    tickers: Sequence[str] | None, start_ns: int | None, end_ns: int | None,
    kinds: Sequence[str] | None,
) -> ds.Expression | None:  # fmt: skip
    parts: list[ds.Expression] = []
    if tickers is not None:
        parts.append(ds.field("ticker").isin(list(tickers)))
    if kinds is not None:
        parts.append(ds.field("kind").isin(list(kinds)))
    if start_ns is not None:
        parts.append(ds.field("recv_ns") >= start_ns)
    if end_ns is not None:
        parts.append(ds.field("recv_ns") < end_ns)
    if not parts:
        return None
    combined = parts[0]
    for part in parts[1:]:
        combined = combined & part
    return combined
