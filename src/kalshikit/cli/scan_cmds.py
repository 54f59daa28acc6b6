"""`kalshi scan KIND`: live market rankings, seeded by REST and kept current by the stream.

Without ``--watch`` the scan seeds, listens for ``--duration`` seconds and prints once (a table,
or one JSON document with ``--json``). With ``--watch`` a table refreshes as the stream moves,
until ``--duration`` ends it or Ctrl-C; a short summary of what was seen follows.
"""

from __future__ import annotations

import asyncio
import time
from typing import Annotated, Any

import typer
from rich.console import Group
from rich.live import Live
from rich.progress import Progress, SpinnerColumn, TextColumn
from rich.table import Table
from rich.text import Text

from kalshikit.cli._output import emit_json, emit_table, note, stderr, stdout
from kalshikit.cli._state import state
from kalshikit.cli.stream_cmds import stream_config
from kalshikit.config import APIConfig
from kalshikit.scanner.rules import Signal
from kalshikit.scanner.scanner import KINDS, WINDOWS, MarketScanner

_HELP = "What to rank: " + ", ".join(KINDS) + "."
_REFRESH_PER_S = 4


def _check(kind: str, window: str) -> None:
    if kind not in KINDS:
        raise typer.BadParameter(f"unknown scan {kind!r}; one of {', '.join(KINDS)}")
    if window not in WINDOWS:
        raise typer.BadParameter(f"unknown window {window!r}; one of {', '.join(WINDOWS)}")


def scan(
    ctx: typer.Context,
    kind: Annotated[str, typer.Argument(help=_HELP)],
    series: Annotated[str | None, typer.Option("--series", help="Series ticker")] = None,
    category: Annotated[str | None, typer.Option("--category", help="Category")] = None,
    event: Annotated[str | None, typer.Option("--event", help="Event ticker")] = None,
    top: Annotated[int, typer.Option("--top", min=1, help="Rows to show.")] = 10,
    window: Annotated[str, typer.Option("--window", help="Movers window: 5m, 1h, 24h.")] = "1h",
    watch: Annotated[bool, typer.Option("--watch", help="A live table.")] = False,
    duration: Annotated[
        float | None,
        typer.Option("--duration", min=0.0, help="Seconds to listen (5; with --watch: forever)."),
    ] = None,
) -> None:
    """Rank markets live: movers, close races, wide spreads, volume, expiring, arbitrage, new.

    Example: kalshi scan movers --window 5m --watch
    """
    _check(kind, window)
    app = state(ctx)
    config = stream_config(app)
    listen = duration if duration is not None else (None if watch else 5.0)
    view = _View(kind, top, window, as_json=app.json)
    options = {"series": series, "category": category, "event": event}
    asyncio.run(_scan(config, options, view, listen, watch))


def _why(signal: Signal) -> str:
    """The reason without the market's name, which the row already shows."""
    return signal.reason.removeprefix(f"{signal.ticker} ")


class _View:
    """What the command shows: the table of the top signals, and the closing summary."""

    def __init__(self, kind: str, top: int, window: str, *, as_json: bool) -> None:
        self.kind, self.top, self.window, self.as_json = kind, top, window, as_json
        self.started = time.monotonic()
        self.leaders: dict[str, int] = {}

    def signals(self, scanner: MarketScanner) -> list[Signal]:
        found = scanner.top(self.kind, self.top, window=self.window)
        if found:
            self.leaders[found[0].ticker] = self.leaders.get(found[0].ticker, 0) + 1
        return found

    def table(self, scanner: MarketScanner) -> Group:
        title = f"{self.kind}" + (f" ({self.window})" if self.kind == "movers" else "")
        table = Table(title=f"kalshi scan {title}", header_style="bold")
        for column in ("#", "market", "score", "why"):
            table.add_column(column, overflow="fold" if column == "why" else "ellipsis")
        for rank, signal in enumerate(self.signals(scanner), 1):
            table.add_row(str(rank), signal.ticker, f"{signal.score:g}", _why(signal))
        status = Text(
            f"{len(scanner.states)} markets, {scanner.messages} stream updates, "
            f"{time.monotonic() - self.started:.0f}s",
            style="dim",
        )
        return Group(table, status)

    def print_once(self, scanner: MarketScanner) -> None:
        found = self.signals(scanner)
        if self.as_json:
            emit_json([signal.to_json() for signal in found])
            return
        rows = ([rank, s.ticker, f"{s.score:g}", _why(s)] for rank, s in enumerate(found, 1))
        emit_table(f"kalshi scan {self.kind}", ["#", "market", "score", "why"], rows,
                   shrink=("why",))  # fmt: skip
        if not found:
            note(f"no {self.kind} signal among {len(scanner.states)} markets right now")

    def summary(self, scanner: MarketScanner) -> None:
        report = scanner.report
        requests = ", ".join(f"{n} {kind}" for kind, n in sorted(report.requests.items()))
        note(
            f"seeded {report.markets} markets with {report.total_requests} requests "
            f"({requests}) in {report.seconds:.2f}s; first ranking after "
            f"{scanner.first_ranking_s or 0:.2f}s; {scanner.messages} stream updates since"
        )
        best = self.signals(scanner)[:3]
        for signal in best:
            note(f"  {signal.reason}")
        if self.leaders:
            leader, times = max(self.leaders.items(), key=lambda item: item[1])
            note(f"  most often on top: {leader} ({times} refreshes)")


async def _scan(
    config: APIConfig,
    options: dict[str, Any],
    view: _View,
    listen: float | None,
    watch: bool,
) -> None:
    progress = None if view.as_json else _progress()
    try:
        update = None if progress is None else progress.update
        scanner = MarketScanner(config=config, progress=update, freeze_gc=True, **options)
        async with scanner:
            if progress is not None:
                progress.stop()
                progress = None
            if watch and not view.as_json:
                await _watch(scanner, view, listen)
                stdout.print()
                view.summary(scanner)
            else:
                await asyncio.sleep(listen if listen is not None else float("inf"))
                view.print_once(scanner)
    finally:
        if progress is not None:
            progress.stop()


async def _watch(scanner: MarketScanner, view: _View, listen: float | None) -> None:
    with Live(view.table(scanner), console=stdout, refresh_per_second=_REFRESH_PER_S) as live:
        deadline = None if listen is None else time.monotonic() + listen
        while deadline is None or time.monotonic() < deadline:
            await asyncio.sleep(1 / _REFRESH_PER_S)
            live.update(view.table(scanner))


class _SeedProgress:
    """A spinner with counts on stderr while the seed pages through REST."""

    def __init__(self) -> None:
        self._bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), console=stderr,
                             transient=True)  # fmt: skip
        self._task = self._bar.add_task("seeding ...", total=None)
        self._bar.start()

    def update(self, what: str, count: int) -> None:
        self._bar.update(self._task, description=f"seeding: {count} {what}")

    def stop(self) -> None:
        self._bar.stop()


def _progress() -> _SeedProgress:
    return _SeedProgress()
