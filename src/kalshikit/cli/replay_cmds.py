"""`kalshi replay DIR`: a recorded tape in the terminal, as `kalshi stream` showed it live.

Messages print one line each (JSON lines with ``--json``, the records of ``kalshi stream
--json`` plus ``recv_ns``); ``--book T`` prints only the exact book of T at the end of the tape
(or ``--at`` a time), rebuilt on the fast path. A summary goes to stderr: messages, markets,
resets, cross-checks and speed. ``--from-capture FILE --to DIR`` turns a text capture of
``KalshiWebSocket(capture=...)`` into a tape first: a capture is what one replays, so the
conversion lives here rather than in a group of its own.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import msgspec
import typer

from kalshikit.cli._output import note, stdout
from kalshikit.cli._state import state
from kalshikit.cli.market_cmds import book_json
from kalshikit.cli.replay_views import line, record, summary
from kalshikit.cli.stream_views import ladder
from kalshikit.errors import ValidationError
from kalshikit.tape.books import replay_books
from kalshikit.tape.capture import from_capture
from kalshikit.tape.replay import replay_frames
from kalshikit.tape.timing import parse_time


def replay(
    ctx: typer.Context,
    path: Annotated[Path | None, typer.Argument(help="The tape's folder.")] = None,
    tickers: Annotated[
        list[str] | None, typer.Option("--ticker", "-t", help="Only this market (repeatable).")
    ] = None,
    start: Annotated[
        str | None, typer.Option(help="From this time (ISO 8601, UTC unless it says; or ns).")
    ] = None,
    end: Annotated[str | None, typer.Option(help="Until this time, excluded.")] = None,
    speed: Annotated[
        str, typer.Option(help="max (as fast as possible), or N times real time (1 = live).")
    ] = "max",
    book: Annotated[
        str | None, typer.Option("--book", help="Print the book of this market instead.")
    ] = None,
    at: Annotated[
        str | None, typer.Option("--at", help="With --book: the book at this time.")
    ] = None,
    depth: Annotated[int, typer.Option(help="With --book: levels shown per side.", min=1)] = 10,
    capture: Annotated[
        Path | None, typer.Option("--from-capture", help="Convert this text capture to a tape.")
    ] = None,
    to: Annotated[
        Path | None, typer.Option("--to", help="With --from-capture: the new tape's folder.")
    ] = None,
) -> None:
    """Replay a recorded tape: messages as lines, or the exact book of one market.

    Example: kalshi replay tape/ --ticker KXHIGHNY-26DEC03-B49.5 --speed 10
    """
    as_json = state(ctx).json
    if capture is not None:
        _convert(capture, to, as_json)
        return
    if path is None:
        raise ValidationError(
            "name the tape's folder: kalshi replay DIR (or --from-capture FILE --to DIR)"
        )
    start_ns, end_ns = _time(start), _time(end)
    if book is not None:
        _book(path, book, _time(at) if at is not None else end_ns, start_ns, depth, as_json)
        return
    if at is not None:
        raise ValidationError("--at goes with --book T: the book of T at that time")
    _lines(path, tickers, start_ns, end_ns, _pace(speed), as_json)


def _time(text: str | None) -> int | None:
    return None if text is None else parse_time(text)


def _pace(speed: str) -> float | None:
    if speed == "max":
        return None
    try:
        pace = float(speed)
    except ValueError:
        pace = 0.0
    if not pace > 0:
        raise ValidationError(
            f"--speed takes max or a number > 0 (10: ten times real time), got {speed!r}"
        )
    return pace


def _convert(capture: Path, to: Path | None, as_json: bool) -> None:
    if to is None:
        raise ValidationError("--from-capture needs --to DIR: the folder of the new tape")
    stats = from_capture(capture, to)
    if as_json:
        _write_line(asdict(stats) | {"tape": str(to)})
        return
    note(f"{capture} -> {to}: {stats.frames:,} frames, {stats.rows:,} rows in {stats.files} files, "
         f"{stats.gaps} gaps (each a reset), {stats.skipped:,} frames skipped")  # fmt: skip


def _write_line(value: dict[str, Any]) -> None:
    sys.stdout.write(msgspec.json.encode(value).decode() + "\n")


def _lines(
    path: Path, tickers: list[str] | None, start_ns: int | None, end_ns: int | None,
    pace: float | None, as_json: bool,
) -> None:  # fmt: skip
    started, count, markets = time.perf_counter(), 0, set()
    resets = 0
    frames = replay_frames(path, tickers=tickers, start=start_ns, end=end_ns, pace=pace)
    try:
        for recv_ns, frame in frames:
            shown = record(recv_ns, frame)
            count += 1
            markets.add(shown.get("market_ticker"))
            resets += shown["type"] == "reset"
            sys.stdout.write(
                (msgspec.json.encode(shown).decode() if as_json else line(shown)) + "\n"
            )
    except BrokenPipeError:  # `kalshi replay ... | head`: the reader has all it wanted
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - the exit flush must not hit the pipe
    finally:
        note(summary(count, len(markets), time.perf_counter() - started, resets=resets))


def _book(
    path: Path, ticker: str, at_ns: int | None, start_ns: int | None, depth: int, as_json: bool
) -> None:
    replayed = replay_books(path, tickers=[ticker], start=start_ns, end=at_ns)
    stats = replayed.stats
    note(summary(stats.messages, len(replayed.books), stats.seconds, book_stats=stats))
    found = replayed.books.get(ticker)
    if found is None:
        raise ValidationError(f"{ticker} is not on this tape (before that time)")
    if not found.trusted:
        raise ValidationError(
            f"the book of {ticker} is not known then: no snapshot since its last reset"
        )
    if as_json:
        _write_line(book_json(ticker, found.to_levels()))
        return
    stdout.print(ladder(found, depth))
