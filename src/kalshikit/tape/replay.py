"""Replaying a tape: its messages in arrival order, as the live WebSocket client yields them.

``for msg in replay("tape/"):`` gives ``SnapshotMsg``, ``DeltaMsg``, ``TradeMsg``, ``TickerMsg``
and ``MarketLifecycleMsg`` (plus :class:`BookReset` and :class:`BookCheck` markers) in the order
they were received, as fast as they can be read or paced (``pace=1.0`` is real time). The
filters are pushed down to the Parquet row groups. For exact books, :mod:`kalshikit.tape.books`
is much faster: it never builds a message.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from kalshikit.errors import ValidationError
from kalshikit.tape.files import read_table, tape_files
from kalshikit.tape.messages import BookCheck, BookReset, replayed_rows
from kalshikit.tape.timing import Pacer, TimeLike, to_ns

__all__ = ["BookCheck", "BookReset", "replay", "replay_frames"]


def check_tape(path: str | Path) -> Path:
    """The tape folder, or a ValidationError that says what is wrong with it."""
    root = Path(path)
    if not root.is_dir():
        raise ValidationError(f"{root} is not a folder: pass the tape's folder (date=... inside)")
    if not tape_files(root):
        raise ValidationError(f"{root} holds no tape files (date=*/*.parquet)")
    return root


def replay_frames(
    path: str | Path,
    *,
    tickers: Sequence[str] | None = None,
    start: TimeLike | None = None,
    end: TimeLike | None = None,
    pace: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[tuple[int, Any]]:
    """(recv_ns, frame) per message: the frames (``DeltaFrame`` ...) with their ``sid``/``seq``,
    or a :class:`BookReset`/:class:`BookCheck`. A bad folder or time raises here, at once."""
    pacer = Pacer(pace)
    table = read_table(
        check_tape(path), tickers=list(tickers) if tickers else None, start_ns=to_ns(start),
        end_ns=to_ns(end),
    )  # fmt: skip
    return _paced(replayed_rows(table), pacer, sleep)


def _paced(
    frames: Iterator[tuple[int, Any]], pacer: Pacer, sleep: Callable[[float], None]
) -> Iterator[tuple[int, Any]]:
    for recv_ns, frame in frames:
        wait = pacer.delay(recv_ns)
        if wait:
            sleep(wait)
        yield recv_ns, frame


def replay(
    path: str | Path,
    *,
    tickers: Sequence[str] | None = None,
    start: TimeLike | None = None,
    end: TimeLike | None = None,
    pace: float | None = None,
) -> Iterator[Any]:
    """The tape's messages in arrival order (``start`` included, ``end`` excluded).

    ``pace=None`` is as fast as possible, ``1.0`` real time, ``10`` ten times faster.
    """
    for _, frame in replay_frames(path, tickers=tickers, start=start, end=end, pace=pace):
        yield frame if isinstance(frame, BookReset | BookCheck) else frame.msg
