"""Rendering for the CLI: rich tables for people, one JSON document (or JSON lines) for pipes."""

from __future__ import annotations

import re
import sys
from collections.abc import Collection, Iterable, Sequence
from typing import Any, Final

import msgspec
from rich.console import Console, JustifyMethod
from rich.markup import escape
from rich.table import Table

from kalshikit.models.base import to_wire_builtins
from kalshikit.units.display import MISSING

stdout = Console(soft_wrap=True)
stderr = Console(stderr=True, soft_wrap=True)


def to_plain(value: Any) -> Any:
    """Builtins ready for JSON, as the API shows them: structs become dicts with wire names,
    Decimals strings, datetimes RFC3339, and None-valued keys are left out."""
    return to_wire_builtins(value)


def emit_json(value: Any) -> None:
    """One JSON document on stdout, nothing else (so it pipes into jq)."""
    sys.stdout.write(msgspec.json.encode(to_plain(value)).decode() + "\n")
    sys.stdout.flush()


GAP: Final = 2  # spaces between columns, as `gh` and `ls -l` print them
_MIN_SHRUNK: Final = 16  # narrower than this, a shrinkable column is dropped, not cut


def _looks_numeric(cells: Iterable[str]) -> bool:
    """A column of amounts (prices, money, sizes) reads right-aligned."""
    shown = [c for c in cells if c != MISSING]
    return bool(shown) and all(_NUMERIC.fullmatch(c) for c in shown)


_NUMERIC: Final = re.compile(r"-?\$?[\d,]+(\.\d+)?[¢%]?")


def fit_columns(
    columns: Sequence[str],
    widths: Sequence[int],
    width: int,
    shrink: Collection[str],
    optional: Sequence[str],
) -> list[tuple[int, int | None]]:
    """Which columns fit in ``width``: (index, maximum width or None for its full width).

    Optional columns go first, in the order given, until the rest fits; shrinkable ones (titles)
    share what is left, and are dropped when that would cut them below a readable width. Ids
    and tickers are never optional, so they are never dropped or cut."""
    kept = list(range(len(columns)))

    def flexible(i: int) -> bool:
        return columns[i] in shrink

    def fixed() -> int:
        return sum(widths[i] for i in kept if not flexible(i)) + GAP * (len(kept) - 1)

    for name in optional:
        if fixed() + _MIN_SHRUNK * sum(map(flexible, kept)) <= width:
            break
        kept = [i for i in kept if columns[i] != name]
    shrinking = [i for i in kept if flexible(i)]
    if not shrinking:
        return [(i, None) for i in kept]
    share = (width - fixed()) // len(shrinking)
    if share < _MIN_SHRUNK:
        kept = [i for i in kept if not flexible(i)]
        return [(i, None) for i in kept]
    return [(i, min(share, widths[i]) if flexible(i) else None) for i in kept]


def emit_table(
    title: str | None,
    columns: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    shrink: Collection[str] = ("title",),
    optional: Sequence[str] = (),
) -> None:
    """A borderless table that fits the terminal (80 columns when it is not one). Columns
    named in ``shrink`` give way first (cut with an ellipsis); those in ``optional`` are
    dropped, in order, when the table would not fit; the others keep their full width, so a
    ticker, an id or a price always reads as one piece. Numbers align right."""
    cells = [[MISSING if cell is None else str(cell) for cell in row] for row in rows]
    widths = [max([len(c), *(len(row[i]) for row in cells)]) for i, c in enumerate(columns)]
    shown = fit_columns(columns, widths, stdout.width, shrink, optional)
    table = Table(
        title=title, title_justify="left", box=None, header_style="bold", pad_edge=False,
        padding=(0, GAP // 2), show_edge=False,
    )  # fmt: skip
    for i, limit in shown:
        justify: JustifyMethod = "right" if _looks_numeric(row[i] for row in cells) else "left"
        if limit is None:
            table.add_column(columns[i], no_wrap=True, min_width=widths[i], justify=justify)
        else:
            table.add_column(columns[i], overflow="ellipsis", no_wrap=True, max_width=limit)
    for row in cells:
        table.add_row(*(row[i] for i, _ in shown))
    stdout.print(table)


def emit_fields(title: str | None, fields: Iterable[tuple[str, object]]) -> None:
    """One record as a key/value view (like `gh pr view`): the title on its own line, then a
    key and its value per line, long values wrapped under the value column."""
    grid = Table.grid(padding=(0, GAP))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    for key, value in fields:
        grid.add_row(key, MISSING if value is None else escape(str(value)))
    if title:
        stdout.print(f"[bold]{escape(title)}[/]")
    stdout.print(grid)


def emit(
    as_json: bool,
    value: Any,
    title: str | None,
    columns: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    empty: str | None = None,
    **options: Any,
) -> None:
    """``value`` as one JSON document under --json, else ``rows`` as a table (rows are only
    read for the table, so pass a generator). With no rows, ``empty`` is said in words
    instead of an empty table."""
    if as_json:
        emit_json(value)
        return
    listed = list(rows)
    if not listed and empty is not None:
        note(empty)
        return
    emit_table(title, columns, listed, **options)


def say(message: str) -> None:
    """The command's answer in words, on stdout (a write's summary, an empty result)."""
    stdout.print(escape(message), highlight=False)


def note(message: str) -> None:
    """A line for the person at the terminal, on stderr, so --json output stays clean."""
    stderr.print(escape(message), highlight=False)


def fail(message: str) -> None:
    stderr.print(f"[bold red]error:[/] {escape(message)}", highlight=False)
