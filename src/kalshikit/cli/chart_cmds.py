"""`kalshi chart TICKER`: a market's traded price and volume, in the terminal or as a PNG.

The candles come from the live endpoint, or from ``/historical`` for a market that moved there;
``kalshikit.charts`` turns them into an exact series and draws it (docs/charts.md). The terminal
chart fits the terminal (80 columns when it is not one); ``--png`` needs the ``charts`` extra;
``--json`` prints the series (each candle's end, close and volume, as the wire writes them).
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Final

import typer

from kalshikit.cli._output import emit_json, note, say, stdout
from kalshikit.cli._state import state
from kalshikit.units.display import when

PERIODS: Final = {"1m": 1, "1h": 60, "1d": 1440}
# how far back a chart reaches by default: a screenful of candles of each length
DEFAULT_SPANS: Final = {
    "1m": timedelta(hours=3),
    "1h": timedelta(days=7),
    "1d": timedelta(days=180),
}


def chart(
    ctx: typer.Context,
    ticker: Annotated[str, typer.Argument(help="The market's ticker.", show_default=False)],
    period: Annotated[str, typer.Option(help="Candle length: 1m, 1h or 1d.")] = "1h",
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            help="Start: YYYY-MM-DD, an ISO time (UTC if no zone) or unix seconds; default 3 "
            "hours (1m), 7 days (1h) or 180 days (1d) before --until.",
        ),
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="End, in the same forms (default: now).")
    ] = None,
    png: Annotated[
        str | None,
        typer.Option("--png", help="Write a PNG file (price and volume panels) to this path."),
    ] = None,
) -> None:
    """A market's traded YES price over time, with the contracts traded: a compact chart in
    the terminal, or a PNG file with --png (--json: the series).

    Example: kalshi chart KXHIGHNY-26DEC03-B49.5 --period 1m --png price.png
    """
    from kalshikit.charts.png import check_png_path
    from kalshikit.cli.history_cmds import parse_when

    if period not in PERIODS:
        raise typer.BadParameter("use 1m, 1h or 1d", param_hint="--period")
    high = parse_when(until, "--until") if until else datetime.now(UTC)
    low = parse_when(since, "--since") if since else high - DEFAULT_SPANS[period]
    if low > high:
        raise typer.BadParameter("--since is after --until", param_hint="--since")
    target = check_png_path(png) if png else None  # before anything is fetched
    app_state = state(ctx)
    with app_state.client() as client:
        candles = _candles(client, ticker, low, high, PERIODS[period])
    _show(app_state.json, ticker, period, candles, (low, high), target)


def _candles(client: Any, ticker: str, low: datetime, high: datetime, minutes: int) -> list[Any]:
    """Live candles, or the archive's for a market that moved behind the historical cutoff."""
    from kalshikit.errors import NotFound, ValidationError

    window: dict[str, Any] = {"start_ts": low, "end_ts": high, "period_interval": minutes}
    try:
        return list(client.markets.candlesticks(ticker, **window))
    except NotFound:
        try:
            return list(client.historical.candlesticks(ticker, **window))
        except NotFound:
            raise ValidationError(
                f"no market {ticker}, live or archived; `kalshi markets list` shows tickers"
            ) from None


def _show(
    as_json: bool,
    ticker: str,
    period: str,
    candles: list[Any],
    window: tuple[datetime, datetime],
    target: Path | None,
) -> None:
    from kalshikit.charts.series import carried_closes, price_points
    from kalshikit.charts.terminal import price_chart

    points = price_points(candles)
    if as_json:
        emit_json([p.to_json() for p in points])
    if not carried_closes(points):
        written = f": nothing written to {target}" if target else ""
        note(f"no trades in {ticker} from {when(window[0])} to {when(window[1])} UTC{written}")
        return
    title = f"{ticker}  {period} candles, UTC"
    if target is not None:
        from kalshikit.charts.png import price_png

        price_png(points, target, title=title)
        if not as_json:
            say(f"wrote {target} ({len(points):,} {period} candles of {ticker})")
        return
    if not as_json:
        sys.stdout.write(price_chart(points, title=title, width=stdout.width) + "\n")
        sys.stdout.flush()
