"""Rendering for the CLI: rich tables for people, one JSON document (or JSON lines) for pipes."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from typing import Any

import msgspec
from rich.console import Console
from rich.markup import escape
from rich.table import Table

stdout = Console(soft_wrap=True)
stderr = Console(stderr=True, soft_wrap=True)


def to_plain(value: Any) -> Any:
    """Builtins ready for JSON: structs become dicts, Decimals strings, datetimes RFC3339."""
    return msgspec.to_builtins(value)


def emit_json(value: Any) -> None:
    """One JSON document on stdout, nothing else (so it pipes into jq)."""
    sys.stdout.write(msgspec.json.encode(to_plain(value)).decode() + "\n")
    sys.stdout.flush()


def emit_table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    table = Table(title=title, header_style="bold", show_lines=False)
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*("-" if cell is None else str(cell) for cell in row))
    stdout.print(table)


def note(message: str) -> None:
    """A line for the person at the terminal, on stderr, so --json output stays clean."""
    stderr.print(escape(message), highlight=False)


def fail(message: str) -> None:
    stderr.print(f"[bold red]error:[/] {escape(message)}", highlight=False)
