"""`kalshi stream ...`: live tickers, trades, fills and order books from the WebSocket.

``--json`` prints JSON lines, one per message, with units converted and named (``*_dollars``,
``*_contracts``, ``*_ms``); ``stream book --json`` prints the book after every change in the
shape of ``kalshi markets book --json``, so the last line can be compared with REST.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import msgspec
import typer
from rich.live import Live
from rich.table import Table

from kalshikit.cli._output import note, stdout
from kalshikit.cli._state import AppState, ensure_local_sandbox, is_default_local, state
from kalshikit.cli._state import with_default_sandbox_key as default_key
from kalshikit.cli.market_cmds import book_json
from kalshikit.config import APIConfig
from kalshikit.models.stream import as_record
from kalshikit.orderbook import OrderBook
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
            else:
                stdout.print(columns(record), highlight=False)
        except BrokenPipeError:
            gone.event.set()

    return show


def _clock(record: dict[str, Any]) -> str:
    ms = record.get("ts_ms")
    return (
        time.strftime("%H:%M:%S", time.localtime(ms / 1000)) if isinstance(ms, int) else "--:--:--"
    )


def _ticker_line(r: dict[str, Any]) -> str:
    return (
        f"{_clock(r)}  {r.get('market_ticker', '?'):<32} bid {r.get('yes_bid_dollars', '-')} "
        f"x {r.get('yes_bid_size_contracts', '-')}  ask {r.get('yes_ask_dollars', '-')} "
        f"x {r.get('yes_ask_size_contracts', '-')}  last {r.get('price_dollars', '-')}  "
        f"vol {r.get('volume_contracts', '-')}"
    )


def _trade_line(r: dict[str, Any]) -> str:
    return (
        f"{_clock(r)}  {r.get('market_ticker', '?'):<32} {r.get('count_contracts', '?')} @ YES "
        f"{r.get('yes_price_dollars', '?')}  taker {r.get('taker_outcome_side', '?')}"
    )


def _fill_line(r: dict[str, Any]) -> str:
    role = "taker" if r.get("is_taker") else "maker"
    return (
        f"{_clock(r)}  {r.get('market_ticker', '?'):<32} {r.get('book_side', '?')} "
        f"{r.get('count_contracts', '?')} @ YES {r.get('yes_price_dollars', '?')} ({role}, "
        f"fee {r.get('fee_cost_dollars', '?')}, position {r.get('post_position_contracts', '?')})"
    )


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
    """Ticker updates: best bid and ask with sizes, last price, volume."""
    _stream_lines(ctx, KalshiWebSocket.ticker, tickers, duration, _ticker_line)


@app.command("trades")
def stream_trades(
    ctx: typer.Context, tickers: TickersArgument = None, duration: DurationOption = None
) -> None:
    """Public trades as they print."""
    _stream_lines(ctx, KalshiWebSocket.trades, tickers, duration, _trade_line)


@app.command("fills")
def stream_fills(
    ctx: typer.Context, tickers: TickersArgument = None, duration: DurationOption = None
) -> None:
    """Your fills (private)."""
    _stream_lines(ctx, KalshiWebSocket.fills, tickers, duration, _fill_line)


# --- the live book ----------------------------------------------------------------------------


def _ladder(book: OrderBook, depth: int) -> Table:
    state_text = "trusted" if book.trusted else "[red]recovering[/]"
    table = Table(
        title=f"{book.ticker}  v{book.version}  {state_text}  spread {book.spread or '-'}"
    )
    for column in ("YES bid", "size", "NO bid", "size"):
        table.add_column(column, justify="right")
    yes, no = book.depth(depth, "yes"), book.depth(depth, "no")
    for row in range(max(len(yes), len(no))):
        y = yes[row] if row < len(yes) else ("", "")
        n = no[row] if row < len(no) else ("", "")
        table.add_row(str(y[0]), str(y[1]), str(n[0]), str(n[1]))
    return table


async def _book_lines(ws: KalshiWebSocket, ticker: str) -> None:
    books = await ws.orderbooks([ticker])
    book = books[ticker]
    _emit_line(book_json(ticker, book.to_levels()))
    book.on_update(lambda b: _emit_line(book_json(ticker, b.to_levels())) if b.trusted else None)


async def _book_live(ws: KalshiWebSocket, ticker: str, depth: int, duration: float | None) -> None:
    books = await ws.orderbooks([ticker])
    book = books[ticker]
    with Live(_ladder(book, depth), console=stdout, auto_refresh=False) as live:
        book.on_update(lambda b: live.update(_ladder(b, depth), refresh=True))
        await asyncio.sleep(duration if duration is not None else float("inf"))


@app.command("book")
def stream_book(
    ctx: typer.Context,
    ticker: Annotated[str, typer.Argument(help="Market ticker")],
    depth: Annotated[int, typer.Option(help="Levels shown per side.", min=1)] = 10,
    duration: DurationOption = None,
) -> None:
    """A live order book ladder (JSON lines of the whole book with --json)."""
    app_state = state(ctx)
    if app_state.json:
        _run(app_state, duration, lambda ws: _book_lines(ws, ticker))
        return
    config = stream_config(app_state)

    async def live() -> None:
        async with KalshiWebSocket(config=config) as ws:
            ws.on_event(_health)
            await _book_live(ws, ticker, depth, duration)

    asyncio.run(live())
