"""Record a WebSocket session to a file and replay it, deterministically.

A capture is text, one line per frame: ``<receive ms>\\t<direction>\\t<frame>``, where the
direction is ``<`` for a frame received and ``>`` for a command sent. Replaying feeds the sent
commands and received frames, in order and with their recorded times, to a fresh
:class:`Protocol`, so its books, stats and events come out as they did live. Tests, benchmarks
and the scanner use it. Handshake headers (the signature) are never recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple, TextIO

from kalshikit.errors import ValidationError
from kalshikit.ws.protocol import Protocol

__all__ = ["CaptureWriter", "CapturedFrame", "read_capture", "replay"]

RECEIVED, SENT = "<", ">"


class CapturedFrame(NamedTuple):
    ms: int
    direction: str
    text: str


def _one_line(raw: str | bytes) -> str:
    text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    # a raw newline can only be JSON whitespace (strings escape theirs), so a space is the same
    return text.replace("\r", " ").replace("\n", " ")


class CaptureWriter:
    """Appends frames to a capture file as they pass."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file: TextIO = path.open("w", encoding="utf-8")

    def received(self, ms: int, raw: str | bytes) -> None:
        self._file.write(f"{ms}\t{RECEIVED}\t{_one_line(raw)}\n")

    def sent(self, ms: int, payload: str | bytes) -> None:
        self._file.write(f"{ms}\t{SENT}\t{_one_line(payload)}\n")

    def close(self) -> None:
        self._file.close()


def read_capture(path: str | Path) -> Iterator[CapturedFrame]:
    """The frames of a capture file, in order; a malformed line raises ValidationError."""
    with Path(path).open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            yield _parse_line(line.rstrip("\n"), number, path)


def _parse_line(line: str, number: int, path: str | Path) -> CapturedFrame:
    ms, direction, text = ([*line.split("\t", 2), "", ""])[:3]
    if not ms.isdigit() or direction not in (RECEIVED, SENT) or not text:
        raise ValidationError(f"{path}:{number} is not a capture line (ms, <|>, frame)")
    return CapturedFrame(int(ms), direction, text)


def replay(
    path: str | Path,
    protocol: Protocol | None = None,
    *,
    on_frame: Callable[[CapturedFrame], None] | None = None,
) -> Protocol:
    """Feed a capture to ``protocol`` (a fresh one by default) and return it.

    Captures made by other tools, with no commands in them, replay too: the protocol then
    adopts a subscription per ``subscribed`` ack and a book per snapshot.
    """
    frames = list(read_capture(path))
    if protocol is None:
        protocol = Protocol(adopt=not any(frame.direction == SENT for frame in frames))
    for frame in frames:
        if frame.direction == SENT:
            protocol.replay_command(frame.text)
        else:
            protocol.receive(frame.text, frame.ms)
        if on_frame is not None:
            on_frame(frame)
    return protocol
