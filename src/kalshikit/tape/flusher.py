"""Flushing a :class:`~kalshikit.tape.files.TapeWriter` off the event loop.

A flush turns up to a minute of rows into Arrow columns, sorts them and writes zstd Parquet:
long enough to stall a WebSocket reader. :class:`BackgroundFlusher` hands the full buffer to a
worker thread (a second writer with the same id writes it, so file names stay unique by their
first ``recv_ns``) while the stream fills a fresh buffer, and :meth:`close` waits for a flush in
flight before writing what is left, so a cancelled recording still ends with complete files.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from kalshikit.tape.files import TapeWriter
from kalshikit.tape.rows import Rows

__all__ = ["BackgroundFlusher"]


class BackgroundFlusher:
    """``await flush()`` when the writer is due; ``await close()`` at the end."""

    def __init__(self, writer: TapeWriter) -> None:
        self.writer = writer
        self._done_files = 0  # files and bytes of the worker-thread flushes that finished
        self._done_bytes = 0
        self._pending: asyncio.Future[list[Path]] | None = None
        self._side: TapeWriter | None = None

    @property
    def files(self) -> int:
        return self.writer.stats.files + self._done_files

    @property
    def bytes(self) -> int:
        return self.writer.stats.bytes + self._done_bytes

    async def flush(self) -> None:
        """Write the buffer in a worker thread; new rows go to a fresh buffer meanwhile."""
        writer = self.writer
        rows, writer.rows = writer.rows, Rows()
        writer.flush()  # nothing left to write: this restarts the writer's flush clock
        side = TapeWriter(writer.root, writer_id=writer.writer_id, compression=writer.compression,
                          row_group_rows=writer.row_group_rows)  # fmt: skip
        side.rows = rows
        self._side = side
        self._pending = asyncio.ensure_future(asyncio.to_thread(side.flush))
        # shielded: a cancel stops the wait, not the write, which close() then waits for
        await asyncio.shield(self._pending)
        self._settle()

    def _settle(self) -> None:
        if self._side is not None:
            self._done_files += self._side.stats.files
            self._done_bytes += self._side.stats.bytes
        self._pending = self._side = None

    async def close(self) -> None:
        """A flush in flight finished first, then everything still buffered written."""
        if self._pending is not None:
            with contextlib.suppress(Exception):
                await self._pending
            self._settle()
        self.writer.close()
