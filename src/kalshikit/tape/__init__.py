"""The tape: Kalshi market data recorded to Parquet, read back and replayed (docs/tape.md).

Needs the ``data`` extra (pyarrow, duckdb): ``pip install 'kalshikit[data]'``.
"""

from __future__ import annotations

from kalshikit.tape.files import Rows, TapeWriter, WriterStats, read_table, tape_files
from kalshikit.tape.schema import KINDS, NO, SCHEMA, SCHEMA_VERSION, YES, day_of, partition_dir

__all__ = [
    "KINDS",
    "NO",
    "SCHEMA",
    "SCHEMA_VERSION",
    "YES",
    "Rows",
    "TapeWriter",
    "WriterStats",
    "day_of",
    "partition_dir",
    "read_table",
    "tape_files",
]
