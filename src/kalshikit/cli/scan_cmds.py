"""`kalshi scan KIND`: live market rankings, seeded by REST and kept current by the stream.

Without ``--watch`` the scan seeds, listens for ``--duration`` seconds and prints once (a table,
or one JSON document with ``--json``). With ``--watch`` a table refreshes as the stream moves,
until ``--duration`` ends it or Ctrl-C; a short summary of what was seen follows.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Annotated, Any

import typer
from rich.console import Group
from rich.live import Live
from rich.progress import Progress, SpinnerColumn, TextColumn

from kalshikit.cli._output import emit_json, note, stderr, stdout
from kalshikit.cli._state import state
from kalshikit.cli.scan_views import live_view, nothing_found, ranking, status_line
from kalshikit.cli.stream_cmds import stream_config
from kalshikit.config import APIConfig
from kalshikit.errors import NotFound, ValidationError
from kalshikit.http.client import KalshiClient
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
    with app.client() as client:  # a name that matches nothing is a mistake, said before seeding
        category = known_filter(client, series, category, event)
    options = {"series": series, "category": category, "event": event}
    asyncio.run(_scan(config, options, view, listen, watch))


def known_filter(
    client: KalshiClient, series: str | None, category: str | None, event: str | None
) -> str | None:
    """Check that the series, category and event named exist; returns the category as the
    exchange spells it (the user's case does not matter)."""
    _exists(client.series.get, series, "series", "series list")
    _exists(client.events.get, event, "event", "events list")
    if category is None:
        return None
    spelled = {s.category.lower(): s.category for s in client.series.list() if s.category}
    if category.lower() not in spelled:
        known = ", ".join(sorted(spelled.values()))
        raise ValidationError(f"unknown category {category!r}; one of: {known}")
    return spelled[category.lower()]


def _exists(read: Callable[[str], object], name: str | None, what: str, listing: str) -> None:
    if name is None:
        return
    try:
        read(name)
    except NotFound:
        raise ValidationError(f"unknown {what} {name!r}: `kalshi {listing}` shows them") from None


class _View:
    """What the command shows: the table of the top signals, and the closing summary."""

    def __init__(self, kind: str, top: int, window: str, *, as_json: bool) -> None:
        self.kind, self.top, self.window, self.as_json = kind, top, window, as_json
        self.started = time.monotonic()
        self.leaders: dict[str, int] = {}
        self.title = f"kalshi scan {kind}" + (f" ({window})" if kind == "movers" else "")

    def signals(self, scanner: MarketScanner) -> list[Signal]:
        found = scanner.top(self.kind, self.top, window=self.window)
        if found:
            self.leaders[found[0].ticker] = self.leaders.get(found[0].ticker, 0) + 1
        return found

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def live(self, scanner: MarketScanner, left_s: float | None) -> Group:
        found = self.signals(scanner)
        status = status_line(len(scanner.states), scanner.messages, self.elapsed(), left_s)
        return live_view(ranking(self.title, found, scanner.states), found, status)

    def print_once(self, scanner: MarketScanner) -> None:
        found = self.signals(scanner)
        if self.as_json:
            emit_json([signal.to_json() for signal in found])
        elif found:
            stdout.print(ranking(self.title, found, scanner.states))
        else:
            note(nothing_found(self.kind, self.window, scanner.states, self.elapsed()))

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
        if not best:
            note(f"  {nothing_found(self.kind, self.window, scanner.states, self.elapsed())}")
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
    progress = _progress() if stderr.is_terminal and not view.as_json else None
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
    deadline = None if listen is None else time.monotonic() + listen

    def left() -> float | None:
        return None if deadline is None else max(0.0, deadline - time.monotonic())

    with Live(
        view.live(scanner, left()), console=stdout, refresh_per_second=_REFRESH_PER_S
    ) as live:
        while deadline is None or time.monotonic() < deadline:
            await asyncio.sleep(1 / _REFRESH_PER_S)
            live.update(view.live(scanner, left()))


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
