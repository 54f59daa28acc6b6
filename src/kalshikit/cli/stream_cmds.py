"""`kalshi stream ...`: live tickers, trades, fills and order books from the WebSocket.

``--json`` prints JSON lines, one per message, with units converted and named (``*_dollars``,
``*_contracts``, ``*_ms``); ``stream book --json`` prints the book after every change in the
shape of ``kalshi markets book --json``, so the last line can be compared with REST.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import msgspec
import typer
from rich.live import Live

from kalshikit.cli._clients import ensure_local_sandbox, is_default_local
from kalshikit.cli._clients import with_default_sandbox_key as default_key
from kalshikit.cli._output import note, stdout
from kalshikit.cli._state import AppState, state
from kalshikit.cli.market_cmds import book_json
from kalshikit.cli.stream_views import fill_line, ladder, ticker_line, trade_line
from kalshikit.config import APIConfig, Environment
from kalshikit.models.stream import as_record
from kalshikit.ws import KalshiWebSocket, StreamEvent

app = typer.Typer(help="Live data from the WebSocket (Ctrl-C stops; --duration S stops by itself).")

DurationOption = Annotated[
    float | None, typer.Option("--duration", help="Stop after this many seconds.", min=0.0)
]
TickersArgument = Annotated[
    list[str] | None, typer.Argument(help="Market tickers (none: every market).")
]


def stream_config(app_state: AppState) -> APIConfig:
    """The stream always signs its handshake: at the default local URL the sandbox is started
    when needed and its default user's key is used when none is configured."""
    config = app_state.config()
    if is_default_local(config):
        config = ensure_local_sandbox(config)
        if not config.has_credentials:
            config = default_key(config)
    if config.environment is Environment.PAPER:
        from kalshikit.cli._clients import paper_config

        config = paper_config(config)
    return config


def _emit_line(record: dict[str, Any]) -> None:
    sys.stdout.write(msgspec.json.encode(record).decode() + "\n")
    sys.stdout.flush()


def _health(event: StreamEvent) -> None:
    if event.kind != "connected":
        note(f"stream {event.kind}: {event.detail}")


class ReaderGone:
    """Set when whoever reads our output closed it (`kalshi stream ... | head -3`). A callback's
    exception is counted, not raised, by the stream, so the printer says so here instead."""

    def __init__(self) -> None:
        self.event = asyncio.Event()

    def wait(self, duration: float | None) -> Awaitable[Any]:
        return asyncio.wait({asyncio.ensure_future(self.event.wait())}, timeout=duration)


async def _listen(
    config: APIConfig,
    duration: float | None,
    start: Callable[[KalshiWebSocket], Awaitable[Any]],
    gone: ReaderGone,
) -> None:
    async with KalshiWebSocket(config=config) as ws:
        ws.on_event(_health)
        await start(ws)
        await gone.wait(duration)


def _run(
    app_state: AppState,
    duration: float | None,
    start: Callable[[KalshiWebSocket], Awaitable[Any]],
    gone: ReaderGone | None = None,
) -> None:
    config = stream_config(app_state)
    if not app_state.json:
        until = "until Ctrl-C" if duration is None else f"for {duration:g}s"
        note(f"streaming from {config.ws_url} {until}")
    gone = gone or ReaderGone()
    asyncio.run(_listen(config, duration, start, gone))
    if gone.event.is_set():
        raise BrokenPipeError  # the CLI ends quietly: the reader has what it wanted


# --- messages as lines ------------------------------------------------------------------------


def _line_printer(
    as_json: bool, columns: Callable[[dict[str, Any]], str], gone: ReaderGone
) -> Callable[[Any], None]:
    def show(frame: Any) -> None:
        if gone.event.is_set():
            return
        record = as_record(frame)
        try:
            if as_json:
                _emit_line(record)
            else:  # plain text, not rich: a closed pipe must raise BrokenPipeError, not exit
                sys.stdout.write(columns(record) + "\n")
                sys.stdout.flush()
        except BrokenPipeError:
            gone.event.set()

    return show


def _stream_lines(
    ctx: typer.Context,
    subscribe: Callable[..., Awaitable[Any]],
    tickers: list[str] | None,
    duration: float | None,
    columns: Callable[[dict[str, Any]], str],
) -> None:
    """Subscribe (``KalshiWebSocket.ticker`` etc.) and print each message as a line or JSON line."""
    app_state = state(ctx)
    gone = ReaderGone()
    show = _line_printer(app_state.json, columns, gone)
    wanted = tickers or None

    def start(ws: KalshiWebSocket) -> Awaitable[Any]:
        return subscribe(ws, wanted, on_message=show, iterate=False, frames=True)

    _run(app_state, duration, start, gone)


@app.command("ticker")
def stream_ticker(
    ctx: typer.Context, tickers: TickersArgument = None, duration: DurationOption = None
) -> None:
    """Ticker updates: best bid and ask with sizes, last price, volume.

    Example: kalshi stream ticker --duration 10 | head -5
    """
    _stream_lines(ctx, KalshiWebSocket.ticker, tickers, duration, ticker_line)


@app.command("trades")
def stream_trades(
    ctx: typer.Context, tickers: TickersArgument = None, duration: DurationOption = None
) -> None:
    """Public trades as they print.

    Example: kalshi stream trades --duration 10 | head -5
    """
    _stream_lines(ctx, KalshiWebSocket.trades, tickers, duration, trade_line)


@app.command("fills")
def stream_fills(
    ctx: typer.Context, tickers: TickersArgument = None, duration: DurationOption = None
) -> None:
    """Your fills (private).

    Example: kalshi stream fills
    """
    _stream_lines(ctx, KalshiWebSocket.fills, tickers, duration, fill_line)


# --- the live book ----------------------------------------------------------------------------


async def _book_lines(ws: KalshiWebSocket, ticker: str) -> None:
    books = await ws.orderbooks([ticker])
    book = books[ticker]
    _emit_line(book_json(ticker, book.to_levels()))
    book.on_update(lambda b: _emit_line(book_json(ticker, b.to_levels())) if b.trusted else None)


async def _book_live(ws: KalshiWebSocket, ticker: str, depth: int, duration: float | None) -> None:
    books = await ws.orderbooks([ticker])
    book = books[ticker]
    with Live(ladder(book, depth), console=stdout, auto_refresh=False) as live:

        def redraw(_: object = None) -> None:
            live.update(ladder(book, depth), refresh=True)

        def health(event: StreamEvent) -> None:
            # above the ladder, through the live display: a line written past it would leave a
            # stale copy of the ladder on the screen when it redraws
            if event.kind != "connected":
                live.console.print(f"stream {event.kind}: {event.detail}", highlight=False)
            redraw()  # the state shown (recovering or not) follows every connection event

        book.on_update(redraw)
        ws.on_event(health)
        await asyncio.sleep(duration if duration is not None else float("inf"))
    if not stdout.is_terminal:  # a pipe gets the last frame once, ended like any other output
        stdout.line()


@app.command("book")
def stream_book(
    ctx: typer.Context,
    ticker: Annotated[str, typer.Argument(help="Market ticker")],
    depth: Annotated[int, typer.Option(help="Levels shown per side.", min=1)] = 10,
    duration: DurationOption = None,
) -> None:
    """A live order book ladder (JSON lines of the whole book with --json).

    Example: kalshi stream book KXHIGHNY-26DEC03-B49.5 --depth 5
    """
    app_state = state(ctx)
    if app_state.json:
        _run(app_state, duration, lambda ws: _book_lines(ws, ticker))
        return
    config = stream_config(app_state)

    async def live() -> None:
        async with KalshiWebSocket(config=config) as ws:
            await _book_live(ws, ticker, depth, duration)

    asyncio.run(live())
