"""Rendering for the CLI: rich tables for people, one JSON document (or JSON lines) for pipes."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from typing import Any

import msgspec
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from kalshikit.models.base import to_wire_builtins

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


def emit_table(
    title: str | None,
    columns: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    shrink: Sequence[str] = ("title",),
) -> None:
    """A table. Columns named in ``shrink`` give way first (cut with an ellipsis); the others
    keep their full width, so a ticker or a price always reads as one piece."""
    cells = [["-" if cell is None else str(cell) for cell in row] for row in rows]
    widths = [max([len(c), *(len(row[i]) for row in cells)]) for i, c in enumerate(columns)]
    fixed = sum(w + 3 for w, c in zip(widths, columns, strict=True) if c not in shrink) + 1
    shrinkable = max(12, (stdout.width - fixed) // max(1, sum(c in shrink for c in columns)) - 3)
    table = Table(title=title, header_style="bold", show_lines=False)
    for column, width in zip(columns, widths, strict=True):
        if column in shrink:
            table.add_column(column, overflow="ellipsis", no_wrap=True, max_width=shrinkable)
        else:
            table.add_column(column, no_wrap=True, min_width=width)
    for row in cells:
        table.add_row(*row)
    stdout.print(table)


def emit(
    as_json: bool,
    value: Any,
    title: str | None,
    columns: Sequence[str],
    rows: Iterable[Sequence[object]],
    **options: Any,
) -> None:
    """``value`` as one JSON document under --json, else ``rows`` as a table (rows are only
    read for the table, so pass a generator)."""
    if as_json:
        emit_json(value)
    else:
        emit_table(title, columns, rows, **options)


def note(message: str) -> None:
    """A line for the person at the terminal, on stderr, so --json output stays clean."""
    stderr.print(escape(message), highlight=False)


def fail(message: str) -> None:
    stderr.print(f"[bold red]error:[/] {escape(message)}", highlight=False)
