"""A text capture (``kalshikit.ws.capture``: one frame per line) converted to a tape.

Frames are read in order and written with the recorder's :class:`~kalshikit.tape.encode.Encoder`,
so a converted tape is the tape a recorder would have written from the same frames. Book frames
are sequence-checked per sid, as the live client does: on a gap every book of that sid gets a
``reset`` row (``text`` "gap") and its deltas are dropped until its next snapshot, so a reader
of the tape never builds a wrong book. Commands sent and frames of other channels are skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kalshikit.errors import KalshiError, ValidationError
from kalshikit.models.stream import (
    DeltaFrame,
    FrameDecoder,
    MarketLifecycleFrame,
    MultivariateLifecycleFrame,
    SnapshotFrame,
    TickerFrame,
    TradeFrame,
)
from kalshikit.tape.encode import Encoder
from kalshikit.tape.files import TapeWriter, tape_files
from kalshikit.tape.rows import Rows
from kalshikit.ws.capture import RECEIVED, read_capture

__all__ = ["ConversionStats", "from_capture"]

_MS_NS = 1_000_000


@dataclass
class ConversionStats:
    frames: int = 0  # received frames read
    rows: int = 0  # rows written
    gaps: int = 0  # seq gaps found (each writes a reset per book of its sid)
    dropped: int = 0  # deltas of a book waiting for its snapshot after a gap
    skipped: int = 0  # frames of other channels, replies, unreadable frames
    files: int = 0


class _Converter:
    def __init__(self, rows: Rows) -> None:
        self.rows, self.encoder, self.stats = rows, Encoder(), ConversionStats()
        self.decoder = FrameDecoder()
        self.seq: dict[int, int] = {}  # sid -> last book seq
        self.books_of: dict[int, set[str]] = {}  # sid -> tickers it carried
        self.waiting: set[str] = set()  # tickers reset, until their next snapshot

    def frame(self, ms: int, text: str) -> None:
        self.stats.frames += 1
        try:
            frame = self.decoder.decode(text)
        except (KalshiError, RecursionError):  # unreadable: the live client skips it too
            self.stats.skipped += 1
            return
        recv_ns, rows, encoder = ms * _MS_NS, self.rows, self.encoder
        if isinstance(frame, SnapshotFrame | DeltaFrame):
            self.book(recv_ns, frame)
        elif isinstance(frame, TradeFrame):
            self.stats.rows += encoder.trade(rows, recv_ns, frame.msg, frame.sid)
        elif isinstance(frame, TickerFrame):
            self.stats.rows += encoder.ticker(rows, recv_ns, frame.msg, frame.sid)
        elif isinstance(frame, MarketLifecycleFrame | MultivariateLifecycleFrame):
            self.stats.rows += encoder.lifecycle(rows, recv_ns, frame.msg, frame.sid)
        else:
            self.stats.skipped += 1

    def book(self, recv_ns: int, frame: SnapshotFrame | DeltaFrame) -> None:
        sid, ticker = frame.sid, frame.msg.market_ticker
        last = self.seq.get(sid)
        if last is not None and frame.seq != last + 1:
            self.gap(recv_ns, sid)
        self.seq[sid] = frame.seq
        self.books_of.setdefault(sid, set()).add(ticker)
        if isinstance(frame, SnapshotFrame):
            self.waiting.discard(ticker)
            self.stats.rows += self.encoder.snapshot(self.rows, recv_ns, frame)
        elif ticker in self.waiting:
            self.stats.dropped += 1
        else:
            self.stats.rows += self.encoder.delta(self.rows, recv_ns, frame)

    def gap(self, recv_ns: int, sid: int) -> None:
        self.stats.gaps += 1
        for ticker in sorted(self.books_of.get(sid, ())):
            if ticker not in self.waiting:
                self.waiting.add(ticker)
                self.stats.rows += self.encoder.reset(self.rows, recv_ns, ticker, "gap")


def from_capture(capture_path: str | Path, root: str | Path) -> ConversionStats:
    """Convert a capture file into a tape under ``root`` (which must hold no tape yet).

    The whole capture is read before anything is written: a malformed line raises
    ValidationError and writes nothing.
    """
    source, target = Path(capture_path), Path(root)
    if not source.is_file():
        raise ValidationError(f"{source} is not a capture file")
    if target.exists() and tape_files(target):
        raise ValidationError(f"{target} already holds a tape: convert into a new folder")
    writer = TapeWriter(target, max_rows=1 << 62)
    converter = _Converter(writer.rows)
    for frame in read_capture(source):
        if frame.direction == RECEIVED:
            converter.frame(frame.ms, frame.text)
    if converter.stats.rows:
        converter.stats.files = len(writer.flush())
    return converter.stats
