"""Exact order books rebuilt from a tape, fast: column by column, no message objects.

:func:`replay_books` reads only the book rows (snapshot, delta, reset, check) and applies them
in arrival order to one :class:`~kalshikit.orderbook.OrderBook` per market through its tick
APIs. A ``reset`` makes a book unknown (untrusted, deltas ignored) until its next snapshot; a
``check`` row group (a REST read of the book) is compared with the rebuilt book and counted as
ok, mismatch, or unknown (the book was not known then). The result is the books at ``end``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import pyarrow as pa
import pyarrow.compute as pc

from kalshikit.errors import BookIntegrityError
from kalshikit.orderbook import OrderBook
from kalshikit.tape.files import read_table
from kalshikit.tape.replay import check_tape
from kalshikit.tape.timing import TimeLike, to_ns
from kalshikit.units import centi_to_fp, ticks_to_dollars

__all__ = ["BookStats", "TapeBooks", "replay_books"]

BOOK_KINDS: Final = ("snapshot", "delta", "reset", "check")
_SNAPSHOT, _DELTA, _RESET, _CHECK = range(4)
_SIDES: Final = ("yes", "no")
_COLUMNS: Final = ["recv_ns", "n", "kind", "ticker", "side", "price", "size"]

Levels = list[tuple[int, int]]


@dataclass
class BookStats:
    """What a replay did: messages by kind, and the verdict on every cross-check."""

    rows: int = 0
    snapshots: int = 0
    deltas: int = 0
    resets: int = 0
    checks_ok: int = 0
    checks_mismatch: int = 0
    checks_unknown: int = 0  # the book was unknown (after a reset) when it was checked
    ignored_deltas: int = 0  # deltas of an unknown book
    broken: int = 0  # deltas that would make a level negative: the book is unknown after
    seconds: float = 0.0
    mismatched: list[str] = field(default_factory=list)  # tickers, first few

    @property
    def messages(self) -> int:
        return (self.snapshots + self.deltas + self.resets + self.checks_ok
                + self.checks_mismatch + self.checks_unknown)  # fmt: skip

    @property
    def per_second(self) -> float:
        return self.messages / self.seconds if self.seconds > 0 else 0.0


class TapeBooks:
    """The books of every market on a tape, as of the last row applied."""

    def __init__(self) -> None:
        self.books: dict[str, OrderBook] = {}
        self.stats = BookStats()
        self._names: list[str] = []

    def apply(self, table: pa.Table) -> None:
        """Apply book rows (arrival order; other kinds are skipped)."""
        started = time.perf_counter()
        table = table.filter(pc.is_in(table["kind"].cast(pa.string()), pa.array(BOOK_KINDS)))
        if table.num_rows:
            self._run(*_columns(table))
        self.stats.rows += table.num_rows
        self.stats.seconds += time.perf_counter() - started

    def _run(self, names: list[str], *columns: Sequence[int]) -> None:
        # a file's ticker dictionary may name markets the filters left out: books are made
        # on their first snapshot or reset, so only the markets replayed have one
        books = [self.books.get(name) for name in names]
        live = [b if b is not None and b.trusted else None for b in books]
        self._names = names
        stats, sides = self.stats, _SIDES
        group: list[Any] | None = None  # [kind, n, ticker, yes levels, no levels]
        deltas = ignored = 0
        apply = OrderBook.apply_parsed_delta
        for kind, ticker, side, price, size, n in zip(*columns):  # noqa: B905 - equal by build
            if group is not None:
                if n == group[1] and kind == group[0]:
                    if side >= 0:
                        group[3 + side].append((price, size))
                    continue
                self._finish(group, books, live)
                group = None
            if kind == _DELTA:  # the hot path: most rows
                book = live[ticker]
                if book is None:
                    ignored += 1
                    continue
                deltas += 1
                try:
                    apply(book, sides[side], price, size, None, False)
                except BookIntegrityError:
                    live[ticker] = None
                    stats.broken += 1
            elif kind == _RESET:
                self._book(books, ticker).mark_stale()
                live[ticker] = None
                stats.resets += 1
            else:  # the first row of a snapshot or a check
                group = [kind, n, ticker, [], []]
                if side >= 0:
                    group[3 + side].append((price, size))
        if group is not None:
            self._finish(group, books, live)
        stats.deltas += deltas
        stats.ignored_deltas += ignored

    def _book(self, books: list[OrderBook | None], code: int) -> OrderBook:
        book = books[code]
        if book is None:
            name = self._names[code]
            book = books[code] = self.books[name] = OrderBook(name)
        return book

    def _finish(
        self, group: list[Any], books: list[OrderBook | None], live: list[OrderBook | None]
    ) -> None:
        kind, _, ticker, yes, no = group
        book = self._book(books, ticker)
        if kind == _SNAPSHOT:
            book.apply_snapshot_ticks(yes, no)
            live[ticker] = book
            self.stats.snapshots += 1
        elif live[ticker] is None:
            self.stats.checks_unknown += 1
        elif _same(book, yes, no):
            self.stats.checks_ok += 1
        else:
            self.stats.checks_mismatch += 1
            if len(self.stats.mismatched) < 20:
                self.stats.mismatched.append(book.ticker)


def _same(book: OrderBook, yes: Levels, no: Levels) -> bool:
    levels = book.to_levels()
    return levels.yes == _wire(yes) and levels.no == _wire(no)


def _wire(levels: Levels) -> list[tuple[str, str]]:
    return [(ticks_to_dollars(p), centi_to_fp(s)) for p, s in sorted(levels) if s]


def _columns(
    table: pa.Table,
) -> tuple[list[str], *tuple[Sequence[int], ...]]:
    """Plain Python ints per column: kind codes, ticker codes (with their names), then side,
    price, size and n. A level-less row (an empty book) has side -1."""
    kinds, tickers = _dictionary(table["kind"]), _dictionary(table["ticker"])
    kind_codes = pc.index_in(kinds.dictionary.cast(pa.string()), value_set=pa.array(BOOK_KINDS))
    return (
        tickers.dictionary.to_pylist(),
        _ints(pc.take(kind_codes, kinds.indices)),
        _ints(tickers.indices),
        _ints(pc.fill_null(table["side"], -1)),
        _ints(pc.fill_null(table["price"], 0)),
        _ints(pc.fill_null(table["size"], 0)),
        _ints(table["n"]),
    )


def _dictionary(column: pa.ChunkedArray) -> pa.DictionaryArray:
    """One dictionary array (the files' columns are dictionaries; a table built in memory may
    hold plain strings)."""
    if not pa.types.is_dictionary(column.type):
        column = column.dictionary_encode()
    return column.unify_dictionaries().combine_chunks()


def _ints(column: pa.Array | pa.ChunkedArray) -> Sequence[int]:
    """A null-free integer column as Python ints, read straight from its buffer as the loop
    goes: no list of millions of ints is ever built (allocating it cost more than the loop),
    and no numpy is needed."""
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    array = array.cast(pa.int64())
    data = memoryview(array.buffers()[1]).cast("q")
    return data[array.offset : array.offset + len(array)]


def replay_books(
    path: str | Path,
    *,
    tickers: Sequence[str] | None = None,
    start: TimeLike | None = None,
    end: TimeLike | None = None,
) -> TapeBooks:
    """The exact books of a tape at ``end`` (excluded; None: the end of the tape).

    A book is known from its first snapshot on (``book.trusted``); ``start`` skips what came
    before it, so books start unknown there. ``stats`` counts what was applied and checked.
    """
    table = read_table(
        check_tape(path), tickers=list(tickers) if tickers else None, start_ns=to_ns(start),
        end_ns=to_ns(end), kinds=BOOK_KINDS, columns=_COLUMNS,
    )  # fmt: skip
    result = TapeBooks()
    result.apply(table)
    return result
