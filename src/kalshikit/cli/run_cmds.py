"""`kalshi run FILE`: one strategy file on a tape (a backtest), the sandbox, demo or prod.

``--env tape:PATH`` backtests on the recorded tape at PATH through the paper engine and prints
the report (P&L after fees, fills, fill ratio, exposure, drawdown); ``--sweep name=v1,v2``
runs one backtest per combination, ``--workers N`` processes at a time. Any other environment
trades live until ``--duration`` passes, Ctrl-C, or `kalshi kill`; every order passes the risk
guard (``--limits FILE``) and the run's halt.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any

import typer

from kalshikit.cli._output import emit, emit_fields, emit_json, note, say
from kalshikit.cli._state import state
from kalshikit.cli.record_cmds import seconds
from kalshikit.errors import ValidationError
from kalshikit.strategy.report import Report

TAPE = "tape:"


def run(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="The strategy's Python file.")],
    strategy: Annotated[
        str | None, typer.Option("--strategy", help="The Strategy class, when the file has many.")
    ] = None,
    param: Annotated[
        list[str] | None, typer.Option("--param", help="A parameter name=value (repeatable).")
    ] = None,
    sweep: Annotated[
        list[str] | None,
        typer.Option("--sweep", help="Backtest each value: name=v1,v2,... (repeatable)."),
    ] = None,
    workers: Annotated[int, typer.Option(help="Processes for a sweep.", min=1)] = 1,
    ticker: Annotated[
        list[str] | None,
        typer.Option("--ticker", "-t", help="Trade this market (repeatable); default: the file's."),
    ] = None,
    start: Annotated[str | None, typer.Option(help="Tape: from this time (ISO 8601).")] = None,
    end: Annotated[str | None, typer.Option(help="Tape: until this time, excluded.")] = None,
    queue_model: Annotated[
        str, typer.Option(help="Tape: risk_averse, or power_prob:N (e.g. power_prob:2).")
    ] = "risk_averse",
    latency_ms: Annotated[int, typer.Option(help="Tape: order-entry latency.", min=0)] = 0,
    feed_latency_ms: Annotated[
        int, typer.Option(help="Tape: how late the market data reaches the strategy.", min=0)
    ] = 0,
    fee_type: Annotated[
        str, typer.Option(help="Tape: quadratic (takers pay) or quadratic_with_maker_fees.")
    ] = "quadratic",
    cash: Annotated[str, typer.Option(help="Tape: starting cash in dollars.")] = "1000",
    limits: Annotated[
        Path | None, typer.Option("--limits", help="Risk limits (TOML); see docs/strategy.md.")
    ] = None,
    duration: Annotated[
        str | None, typer.Option(help="Live: stop after this long (90s, 10m, 2h).")
    ] = None,
    charts: Annotated[
        Path | None,
        typer.Option("--charts", help="Write equity.png and pnl_by_series.png in this folder."),
    ] = None,
) -> None:
    """Run a strategy file: a backtest with --env tape:PATH, else live trading.

    Example: kalshi run examples/market_maker.py --env tape:tape/ --param spread=2
    """
    from kalshikit.strategy.loader import load_strategy, parse_params

    app_state = state(ctx)
    if charts is not None and not charts.is_dir():
        raise ValidationError(f"--charts names no folder: {charts}; make it first")
    env = app_state.env or ""
    params = parse_params(param or [])
    if env.startswith(TAPE):
        tape = env.removeprefix(TAPE)
        options = _options(queue_model, (latency_ms, feed_latency_ms), cash, fee_type)
        if sweep:
            _sweep(app_state.json, file, strategy, tape, params, sweep, workers, ticker,
                   (start, end), options)  # fmt: skip
            return
        loaded = load_strategy(file, params, strategy)
        report = _backtest(loaded, tape, ticker, start, end, options, limits, app_state.env)
    else:
        if sweep:
            raise ValidationError("--sweep runs backtests: use it with --env tape:PATH")
        loaded = load_strategy(file, params, strategy)
        report = _live(app_state, loaded, ticker, limits, seconds(duration, "--duration"))
    _show(app_state.json, report)
    _charts(app_state.json, report, charts)


def _charts(as_json: bool, report: Report, folder: Path | None) -> None:
    """The run's equity curve and P&L by series: in the terminal after the report, and as PNG
    files with --charts."""
    from kalshikit.charts.runs import run_chart_files, run_chart_text

    if len(report.curve) < 2:
        return
    title = "the run's equity"
    if not as_json:
        say(run_chart_text(equity=report.curve, pnl_by_ticker=report.net_by_ticker, title=title))
    if folder is not None:
        for path in run_chart_files(folder, equity=report.curve,
                                    pnl_by_ticker=report.net_by_ticker, title=title):  # fmt: skip
            note(f"wrote {path}")


def _options(queue_model: str, latency: tuple[int, int], cash: str, fee_type: str) -> Any:
    from kalshikit.paper import parse_queue_model
    from kalshikit.strategy.backtesting import BacktestOptions

    parse_queue_model(queue_model)  # a bad model is refused before the tape is read
    try:
        dollars = Decimal(cash)
    except InvalidOperation:  # the one line names the option and gives an example
        raise ValidationError(
            f"--cash takes dollars such as 1000 or 250.50; got {cash!r}"
        ) from None
    options = BacktestOptions(queue_model=queue_model, latency_ms=latency[0], cash=dollars,
                              fee_type=fee_type, feed_latency_ms=latency[1])  # fmt: skip
    options.engine()  # every option checked before the tape is read
    return options


def _guard(limits: Path | None) -> Any:
    from kalshikit.strategy.guarding import backtest_guard

    return backtest_guard(limits)


def _backtest(
    strategy: Any, tape: str, tickers: list[str] | None, start: str | None, end: str | None,
    options: Any, limits: Path | None, env: str | None,
) -> Report:  # fmt: skip
    from kalshikit.strategy.backtesting import backtest

    guard = _guard(limits)
    return backtest(strategy, tape, tickers=tickers, start=_time(start), end=_time(end),
                    options=options, guard=guard)  # fmt: skip


def _live(
    app_state: Any, strategy: Any, tickers: list[str] | None, limits: Path | None,
    duration: float | None,
) -> Report:  # fmt: skip
    from kalshikit.cli.stream_cmds import stream_config
    from kalshikit.strategy.guarding import audit_log, build_guard, halt_for
    from kalshikit.strategy.live_loop import run_live

    config = stream_config(app_state)
    env = config.environment.value
    halt = halt_for(env)
    note(f"running {type(strategy).__name__} on {env}; stop with Ctrl-C or `kalshi kill`")
    with audit_log(env) as audit, _halt_on_signal(halt):
        guard = build_guard(limits, env, audit)
        try:
            return asyncio.run(run_live(strategy, config, markets=tickers, duration=duration,
                                        guard=guard, halted=lambda: halt.reason,
                                        audit=audit))  # fmt: skip
        except KeyboardInterrupt:
            raise typer.Exit(130) from None


@contextlib.contextmanager
def _halt_on_signal(halt: Any) -> Iterator[None]:
    """`kill -USR1 <pid>` engages the halt, as `kalshi kill` does: the run stops within a poll
    and every later run stays halted. (Only the main thread may set a signal handler.)"""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    engage = lambda *_: halt.engage("SIGUSR1", f"a signal to process {os.getpid()}")  # noqa: E731
    previous = signal.signal(signal.SIGUSR1, engage)
    try:
        yield
    finally:
        signal.signal(signal.SIGUSR1, previous)


def _sweep(
    as_json: bool, file: Path, name: str | None, tape: str, params: dict[str, Any],
    sweeps: list[str], workers: int, tickers: list[str] | None,
    window: tuple[str | None, str | None], options: Any,
) -> None:  # fmt: skip
    from kalshikit.strategy.sweep import SweepJob, combinations, run_sweep

    start, end = (_time(t) for t in window)
    combos = combinations(params, sweeps)
    note(f"{len(combos)} backtests on {workers} worker(s)")
    jobs = [SweepJob(str(file), name, tape, combo, tuple(tickers) if tickers else None,
                     start, end, options) for combo in combos]  # fmt: skip
    reports = run_sweep(jobs, workers)
    rows = [{"params": combo, **report} for combo, report in zip(combos, reports, strict=True)]
    swept = [s.partition("=")[0] for s in sweeps]
    emit(as_json, rows, "sweep", [*swept, "P&L", "fills", "fill ratio", "drawdown"],
         ([*(str(r["params"][k]) for k in swept), _money(r["pnl"]), f"{r['fills']:,}",
           _ratio(r["fill_ratio"]), _money(r["max_drawdown"])] for r in rows))  # fmt: skip


def _time(text: str | None) -> int | None:
    from kalshikit.tape.timing import parse_time

    return None if text is None else parse_time(text)


def _money(text: str) -> str:
    from kalshikit.units.display import money

    return money(Decimal(text))


def _ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _show(as_json: bool, report: Report) -> None:
    from kalshikit.units.display import contracts

    if as_json:
        emit_json(report.to_json())
        return
    emit_fields("run report", [
        ("P&L after fees", _money(str(report.pnl))),
        ("of it, closed", "—" if report.realized is None else _money(str(report.realized))),
        ("fees", _money(str(report.fees))),
        ("fills", f"{report.fills:,} ({contracts(report.contracts_filled)} contracts)"),
        ("fill ratio", _ratio(report.fill_ratio)),
        ("maker share", _ratio(report.maker_share)),
        ("max exposure", _money(str(report.max_exposure))),
        ("max drawdown", _money(str(report.max_drawdown))),
        ("orders", f"{report.orders_sent} sent, {report.orders_refused} refused by the guard"),
        ("markets traded", report.markets_traded),
        ("messages", f"{report.messages:,} in {report.seconds:.1f}s ({report.rate():,.0f}/s)"),
        ("callback errors", report.callback_errors),
    ])  # fmt: skip
