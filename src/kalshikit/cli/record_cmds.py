"""`kalshi record`: the live market data of Kalshi into a tape (Parquet files, docs/tape.md).

The work is :class:`kalshikit.tape.Recorder`; this module parses the options, shows the status
line on stderr (a terminal only) and prints the summary: a line, or JSON with ``--json``.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Annotated, Any, Final

import typer

from kalshikit.cli._output import emit_json, note, say, stderr
from kalshikit.cli._state import state
from kalshikit.cli.stream_cmds import stream_config
from kalshikit.errors import ValidationError

_UNITS: Final = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86_400}
_DURATION: Final = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
INTERRUPTED: Final = 130


def seconds(text: str | None, option: str) -> float | None:
    """``90``, ``90s``, ``10m``, ``2h``, ``1d`` as seconds; a one-line error otherwise."""
    if text is None:
        return None
    match = _DURATION.match(text.lower())
    value = float(match.group(1)) * _UNITS[match.group(2)] if match else 0.0
    if not value > 0:
        raise ValidationError(
            f"{option} takes a positive duration such as 90s, 10m, 2h or 1d, got {text!r}"
        )
    return value


def record(
    ctx: typer.Context,
    out: Annotated[
        Path,
        typer.Option("--out", help="The tape's folder (made when needed; a new run adds files)."),
    ] = Path("tape"),
    series: Annotated[
        list[str] | None,
        typer.Option("--series", help="Record this series' markets (repeat for more)."),
    ] = None,
    event: Annotated[
        str | None, typer.Option("--event", help="Record this event's markets.")
    ] = None,
    category: Annotated[
        str | None, typer.Option("--category", help="Record the markets of this category.")
    ] = None,
    ticker: Annotated[
        list[str] | None,
        typer.Option("--ticker", help="Record this market only (repeat for more)."),
    ] = None,
    duration: Annotated[
        str | None, typer.Option("--duration", help="Stop after this long (90s, 10m, 2h, 1d).")
    ] = None,
    flush_every: Annotated[
        str, typer.Option("--flush-every", help="Write a file this often: at most this is lost.")
    ] = "60s",
    check_every: Annotated[
        str, typer.Option("--check-every", help="Cross-check sampled books with REST this often.")
    ] = "30s",
) -> None:
    """Record order books, trades, tickers and lifecycle of every open market (or a filter)
    into Parquet files under `--out` (default: `./tape`), until `--duration` or Ctrl-C.

    Markets created later join within seconds; determined ones are dropped. Every seq gap and
    reconnect is written as a reset followed by a fresh snapshot, and sampled books are
    cross-checked against REST into the tape. Files are written whole every `--flush-every`
    and when the recording stops: a crash loses at most the last unflushed seconds. A status
    line (markets, messages/s, gaps, checks, bytes) shows on stderr.

    Example: kalshi record --series KXBTC --duration 10m --out tape
    """
    from kalshikit.tape.recorder import Recorder  # pyarrow: only when a recording starts

    app = state(ctx)
    options: dict[str, Any] = {
        "tickers": ticker, "series": series, "event": event, "category": category,
        "flush_every_s": seconds(flush_every, "--flush-every"),
        "check_every_s": seconds(check_every, "--check-every"),
    }  # fmt: skip
    limit = seconds(duration, "--duration")
    config = stream_config(app)
    recorder = Recorder(config, out, **options)
    until = "until Ctrl-C" if limit is None else f"for {duration}"
    note(f"recording {recorder.filter.describe} from {config.ws_url} into {out}/ {until}")
    interrupted = _run(recorder, limit)
    summary = recorder.stats.summary()
    if app.json:
        emit_json(summary)
    else:
        say(
            f"recorded {summary['messages']:,} messages of {summary['markets']} markets in "
            f"{summary['seconds']:g}s: {summary['files']} files, {summary['bytes']:,} bytes; "
            f"gaps {summary['gaps']} ({summary['repaired']} repaired), checks "
            f"{summary['checks_ok']} ok, {summary['checks_mismatch']} mismatch"
        )
    if interrupted:
        raise typer.Exit(INTERRUPTED)


def _run(recorder: Any, limit: float | None) -> bool:
    """Record with the status line; True when Ctrl-C stopped it (after the final flush)."""
    with stderr.status("recording: connecting") as status:
        recorder.on_status = lambda stats, rate: status.update(f"recording: {stats.line(rate)}")
        try:
            asyncio.run(recorder.run(limit))
        except KeyboardInterrupt:
            return True
    return False
