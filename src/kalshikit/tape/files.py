"""Writing and reading tape files: a column buffer, the writer that turns it into complete
Parquet files, and the reader that gives rows back in arrival order.

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
from typing import Any, Final

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from kalshikit.tape.schema import COLUMNS, SCHEMA, partition_dir

__all__ = ["DELTA_COLUMNS", "DeltaRow", "Rows", "TapeWriter", "WriterStats", "read_table",
           "tape_files"]  # fmt: skip

# a buffered delta: recv_ns, n, ticker (its id in the buffer), ts_ms, sid, seq, side, price, size
DeltaRow = tuple[int, int, int, int | None, int, int, int, int, int]
DELTA_COLUMNS: Final = ("recv_ns", "n", "ticker", "ts_ms", "sid", "seq", "side", "price", "size")
_DELTA_STRUCT: Final = pa.struct(
    [pa.field(name, pa.int32()) if name == "ticker" else SCHEMA.field(name)
     for name in DELTA_COLUMNS]
)  # fmt: skip
_ROW_STRUCT: Final = pa.struct(list(SCHEMA))
_OPTIONAL: Final = COLUMNS[4:]  # the columns after recv_ns, n, kind, ticker

_ARRIVAL: Final = [("recv_ns", "ascending"), ("n", "ascending")]


class Rows:
    """Rows buffered until a flush, appended one message at a time (the recorder's hot path).

    Every row is one tuple: a book delta (most of a feed) in :data:`DELTA_COLUMNS` order,
    appended by the encoder straight to :attr:`deltas`; any other row through :meth:`add`, in
    the schema's column order. A delta names its market by an id of this buffer
    (:attr:`ticker_ids`, :meth:`ticker_id`): Arrow reads integers far faster than strings,
    and the ids are the ticker column's dictionary indices as they are. :meth:`table` has
    Arrow read the tuples as structs (one pass in C, far faster than building a Python list
    per column) and joins them into the tape's schema.
    """

    __slots__ = ("_tables", "deltas", "others", "ticker_ids", "tickers")

    def __init__(self) -> None:
        self.others: list[tuple[object, ...]] = []
        self.deltas: list[DeltaRow] = []
        self.ticker_ids: dict[str, int] = {}  # the hot path looks ids up here first
        self.tickers: list[str] = []  # by id
        self._tables: list[pa.Table] = []  # rows that came as ready columns

    def ticker_id(self, ticker: str) -> int:
        """The buffer's id of ``ticker`` (a new one the first time it is seen)."""
        found = self.ticker_ids.get(ticker)
        if found is None:
            found = self.ticker_ids[ticker] = len(self.tickers)
            self.tickers.append(ticker)
        return found

    @classmethod
    def of_columns(cls, columns: dict[str, Any]) -> Rows:
        """A buffer holding ready columns (lists or Arrow arrays), each in the schema's type
        or its plain counterpart (strings for the dictionary columns); absent ones are null."""
        length = len(next(iter(columns.values())))
        arrays = [
            _column(columns[field.name], field.type)
            if field.name in columns else pa.nulls(length, field.type)
            for field in SCHEMA
        ]  # fmt: skip
        rows = cls()
        rows._tables.append(pa.Table.from_arrays(arrays, schema=SCHEMA))
        return rows

    @property
    def length(self) -> int:
        ready: int = sum(table.num_rows for table in self._tables)
        return len(self.others) + len(self.deltas) + ready

    def add(self, recv_ns: int, n: int, kind: str, ticker: str, **values: object) -> None:
        """One row; ``values`` are its other columns by name (the rest are null)."""
        self.others.append((recv_ns, n, kind, ticker, *map(values.get, _OPTIONAL)))

    def table(self) -> pa.Table:
        """The rows as an Arrow table of the tape's schema (the writer sorts them by market
        and ``n``; deltas come after the other rows here)."""
        parts = list(self._tables)
        if self.others:
            parts.append(_tuples_table(self.others, _ROW_STRUCT, {}))
        if self.deltas:
            parts.append(_tuples_table(self.deltas, _DELTA_STRUCT, {"kind": "delta"},
                                       self.tickers))  # fmt: skip
        if not parts:
            return SCHEMA.empty_table()
        return parts[0] if len(parts) == 1 else pa.concat_tables(parts)


def _column(values: Any, kind: pa.DataType) -> pa.Array:
    """A column in the schema's type from a list or an Arrow array (cast: ``pa.array`` of an
    Arrow array to a dictionary type crashes pyarrow)."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if isinstance(values, pa.Array):
        return values.cast(kind)
    return pa.array(values, type=kind)


def _tuples_table(
    rows: list[Any], struct: pa.StructType, same: dict[str, str],
    tickers: list[str] | None = None,
) -> pa.Table:  # fmt: skip
    """Tuples read as ``struct``s, whose fields become columns; a schema column not among
    them is ``same`` for every row (a dictionary column) or null. With ``tickers``, the
    ticker field holds indices into it."""
    fields = pa.array(rows, type=struct).flatten()
    values = dict(zip((field.name for field in struct), fields, strict=True))
    if tickers is not None:
        values["ticker"] = pa.DictionaryArray.from_arrays(values["ticker"], tickers)
    count = len(rows)
    for name, value in same.items():
        values[name] = pa.DictionaryArray.from_arrays(
            pa.nulls(count, pa.int32()).fill_null(0), [value]
        )
    arrays = [values.get(field.name, pa.nulls(count, field.type)) for field in SCHEMA]
    return pa.Table.from_arrays(arrays, schema=SCHEMA)


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
            use_dictionary=["kind", "ticker", "text"], write_statistics=True,
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
    (Readers order by ``(recv_ns, n)`` themselves.)"""
    tickers = table["ticker"].unify_dictionaries().combine_chunks()
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
