"""The row buffer a tape writer fills between flushes, and its turn into an Arrow table.

The recorder appends a row per message it receives (the hot path), so each common kind of
row has a layout of its own, holding only the columns the kind uses, in a container that
costs little to fill and little to hand to Arrow:

- a book delta (most of a feed): nine int64s packed into one ``bytearray``
  (:data:`DELTA_ROW`), which Arrow then reads as it lies, without a Python object per value;
- a trade, a ticker update, a book level (snapshots and checks): one tuple, read by Arrow as
  a struct of just its columns;
- anything else (:meth:`Rows.add`): one tuple of the whole schema.

Every layout names its market by an id of this buffer (:meth:`Rows.ticker_id`), which is the
ticker column's dictionary index as it is: Arrow reads integers far faster than strings.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any, Final

import pyarrow as pa
import pyarrow.compute as pc

from kalshikit.tape.schema import COLUMNS, SCHEMA

__all__ = ["BOOK_LEVEL", "DELTA_COLUMNS", "DELTA_ROW", "QUOTE", "TRADE", "Layout", "Rows"]

DELTA_COLUMNS: Final = ("recv_ns", "n", "ticker", "ts_ms", "sid", "seq", "side", "price", "size")
# one delta as native int64s (Arrow's own layout): DELTA_COLUMNS, ticker as its buffer id
DELTA_ROW: Final = struct.Struct("=" + "q" * len(DELTA_COLUMNS))
_OPTIONAL: Final = COLUMNS[4:]  # the columns after recv_ns, n, kind, ticker
# a whole-schema row (Rows.add): kind and ticker as strings
_ROW_STRUCT: Final = pa.struct(
    [pa.field(name, pa.string()) if name in ("kind", "ticker") else SCHEMA.field(name)
     for name in COLUMNS]
)  # fmt: skip


@dataclass(frozen=True)
class Layout:
    """The columns of one kind of tuple row; ``kind`` None: each row names its own kind
    (a string in the ``kind`` column of the tuple)."""

    kind: str | None
    columns: tuple[str, ...]

    @property
    def struct(self) -> pa.StructType:
        return pa.struct(
            [pa.field(name, pa.int32()) if name == "ticker" else
             pa.field(name, pa.string()) if name == "kind" else SCHEMA.field(name)
             for name in self.columns]
        )  # fmt: skip


TRADE: Final = Layout(
    "trade", ("recv_ns", "n", "ticker", "ts_ms", "sid", "side", "price", "size", "text")
)
QUOTE: Final = Layout(
    "ticker",
    ("recv_ns", "n", "ticker", "ts_ms", "sid", "price", "bid", "ask", "size", "open_interest"),
)
BOOK_LEVEL: Final = Layout(
    None, ("recv_ns", "n", "kind", "ticker", "sid", "seq", "side", "price", "size", "text")
)
_LAYOUTS: Final = (TRADE, QUOTE, BOOK_LEVEL)


class Rows:
    """Rows buffered until a flush.

    :attr:`deltas` takes ``DELTA_ROW.pack(...)``; :attr:`trades`, :attr:`quotes` and
    :attr:`levels` take tuples of :data:`TRADE`, :data:`QUOTE` and :data:`BOOK_LEVEL`;
    :meth:`add` takes any row by column name.
    """

    __slots__ = ("_tables", "deltas", "levels", "others", "quotes", "ticker_ids", "tickers",
                 "trades")  # fmt: skip

    def __init__(self) -> None:
        self.deltas = bytearray()
        self.trades: list[tuple[object, ...]] = []
        self.quotes: list[tuple[object, ...]] = []
        self.levels: list[tuple[object, ...]] = []
        self.others: list[tuple[object, ...]] = []  # whole-schema rows, ticker as a string
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
        tuples = len(self.trades) + len(self.quotes) + len(self.levels) + len(self.others)
        ready: int = sum(table.num_rows for table in self._tables)
        return len(self.deltas) // DELTA_ROW.size + tuples + ready

    def add(self, recv_ns: int, n: int, kind: str, ticker: str, **values: object) -> None:
        """One row; ``values`` are its other columns by name (the rest are null)."""
        self.others.append((recv_ns, n, kind, ticker, *map(values.get, _OPTIONAL)))

    def table(self) -> pa.Table:
        """The rows as an Arrow table of the tape's schema, in no particular order (the
        writer sorts them)."""
        parts = list(self._tables)
        if self.others:
            parts.append(_tuples_table(self.others, _ROW_STRUCT, None, None))
        for layout, rows in zip(_LAYOUTS, (self.trades, self.quotes, self.levels), strict=True):
            if rows:
                parts.append(_tuples_table(rows, layout.struct, layout.kind, self.tickers))
        if self.deltas:
            parts.append(_deltas_table(self.deltas, self.tickers))
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


def _same(count: int, value: str) -> pa.DictionaryArray:
    """A dictionary column holding ``value`` in every one of ``count`` rows."""
    return pa.DictionaryArray.from_arrays(pa.nulls(count, pa.int32()).fill_null(0), [value])


def _in_schema(values: dict[str, pa.Array], count: int) -> pa.Table:
    """Columns by name as a table of the tape's schema; a column not given is null."""
    arrays = [values.get(field.name, pa.nulls(count, field.type)) for field in SCHEMA]
    return pa.Table.from_arrays(arrays, schema=SCHEMA)


def _tuples_table(
    rows: list[Any], struct_type: pa.StructType, kind: str | None, tickers: list[str] | None
) -> pa.Table:
    """Tuples read by Arrow as ``struct_type`` (one pass in C), whose fields become columns.
    ``kind``: the kind of every row (else each row's own string); with ``tickers``, the
    ticker field holds ids into it."""
    fields = pa.array(rows, type=struct_type).flatten()
    values = dict(zip((field.name for field in struct_type), fields, strict=True))
    count = len(rows)
    values["kind"] = _same(count, kind) if kind else values["kind"].dictionary_encode()
    if tickers is not None:
        values["ticker"] = pa.DictionaryArray.from_arrays(values["ticker"], tickers)
    else:
        values["ticker"] = values["ticker"].dictionary_encode()
    return _in_schema(values, count)


def _deltas_table(packed: bytearray, tickers: list[str]) -> pa.Table:
    """The packed deltas as a table of the tape's schema: Arrow reads the buffer as rows of
    nine int64s and gathers each column from it."""
    width = len(DELTA_COLUMNS)
    flat = pa.Array.from_buffers(pa.int64(), len(packed) // 8, [None, pa.py_buffer(packed)])
    rows = pa.FixedSizeListArray.from_arrays(flat, width)
    values = {
        name: pc.list_element(rows, index).cast(SCHEMA.field(name).type)
        for index, name in enumerate(DELTA_COLUMNS) if name != "ticker"
    }  # fmt: skip
    ids = pc.list_element(rows, DELTA_COLUMNS.index("ticker")).cast(pa.int32())
    values["ticker"] = pa.DictionaryArray.from_arrays(ids, tickers)
    values["kind"] = _same(len(rows), "delta")
    return _in_schema(values, len(rows))
