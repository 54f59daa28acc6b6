"""The tape: Kalshi market data recorded to Parquet, read back and replayed (docs/tape.md).

Needs the ``data`` extra (pyarrow, duckdb): ``pip install 'kalshikit[data]'``.
"""

from __future__ import annotations

from kalshikit.tape.books import BookStats, TapeBooks, replay_books
from kalshikit.tape.capture import from_capture
from kalshikit.tape.files import TapeWriter, WriterStats, read_table, tape_files
from kalshikit.tape.messages import BookCheck, BookReset
from kalshikit.tape.recorder import Recorder, record
from kalshikit.tape.replay import replay
from kalshikit.tape.rows import Rows
from kalshikit.tape.schema import KINDS, NO, SCHEMA, SCHEMA_VERSION, YES, day_of, partition_dir
from kalshikit.tape.stream import TapeWebSocket

__all__ = [
    "KINDS",
    "NO",
    "SCHEMA",
    "SCHEMA_VERSION",
    "YES",
    "BookCheck",
    "BookReset",
    "BookStats",
    "Recorder",
    "Rows",
    "TapeBooks",
    "TapeWebSocket",
    "TapeWriter",
    "WriterStats",
    "day_of",
    "from_capture",
    "partition_dir",
    "read_table",
    "record",
    "replay",
    "replay_books",
    "tape_files",
]
