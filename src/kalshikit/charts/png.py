"""PNG charts with matplotlib (the ``charts`` extra): price with volume, equity with drawdown,
P&L by series. Each writes one file and returns its path.

matplotlib is imported here, inside the functions, with the Agg backend (no display, the same
pixels on a server and a laptop), so ``import kalshikit.charts`` costs nothing without it and a
missing extra is one line that says what to install. The series stay exact Decimals up to this
edge; they become floats only as plot coordinates, where a pixel is the unit.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

from kalshikit.charts.series import EquityPoint, PricePoint, carried_closes, drawdowns
from kalshikit.charts.terminal import cents_label, dollars_label
from kalshikit.errors import KalshiError, ValidationError

__all__ = ["INSTALL_HINT", "check_png_path", "equity_png", "pnl_by_series_png", "price_png"]

INSTALL_HINT: Final = "PNG charts need matplotlib: pip install 'kalshikit[charts]'"
_SIZE: Final = (10.0, 6.0)  # inches at 100 dpi: 1000 x 600 pixels, readable in a doc or a PR
_DPI: Final = 100
_UP: Final = "#1f77b4"
_DOWN: Final = "#d62728"


def _pyplot() -> Any:
    """matplotlib's pyplot on the Agg backend, or one clear line naming the extra."""
    try:
        import matplotlib
    except ImportError:
        raise KalshiError(INSTALL_HINT) from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def check_png_path(path: str | Path) -> Path:
    """``path`` if a chart can be written there (a .png name in an existing folder), else a
    ValidationError that says what to pass; callers check before fetching anything."""
    target = Path(path)
    if target.suffix.lower() != ".png":
        raise ValidationError(f"write the chart to a .png file, got {str(target)!r}")
    if not target.parent.is_dir():
        raise ValidationError(f"no folder {str(target.parent)!r} to write {target.name} in")
    return target


def _save(plt: Any, figure: Any, target: Path) -> Path:
    figure.savefig(target, format="png", dpi=_DPI)
    plt.close(figure)
    return target


def _money_axis(axis: Any, label: Callable[[Decimal], str]) -> None:
    from matplotlib.ticker import FuncFormatter

    axis.yaxis.set_major_formatter(FuncFormatter(lambda y, _: label(Decimal(str(round(y, 6))))))


def _utc_dates(axis: Any) -> None:
    # typed Any: matplotlib.dates leaves these constructors unannotated
    dates: Any = importlib.import_module("matplotlib.dates")
    locator = dates.AutoDateLocator(tz="UTC")
    axis.xaxis.set_major_locator(locator)
    axis.xaxis.set_major_formatter(dates.ConciseDateFormatter(locator, tz="UTC"))
    axis.set_xlabel("time (UTC)")


def price_png(points: Sequence[PricePoint], path: str | Path, *, title: str) -> Path:
    """The traded YES price (cents, a quiet candle keeps the last close) above a volume panel
    (contracts per candle), dates in UTC."""
    target = check_png_path(path)
    traded = carried_closes(points)
    if not traded:
        raise ValidationError(f"nothing to chart: no trades in {title}; widen --since/--until")
    plt = _pyplot()
    figure, (price, volume) = plt.subplots(
        2, 1, sharex=True, figsize=_SIZE, gridspec_kw={"height_ratios": [3, 1]}
    )
    times = [point.end for point, _ in traded]
    # "pre": a candle's close is drawn across its own period, above its volume bar
    price.step(times, [float(close) for _, close in traded], where="pre", color=_UP)
    price.set_title(title)
    price.set_ylabel("YES price")
    price.grid(alpha=0.3)
    _money_axis(price, cents_label)
    bar_width = _bar_width(traded[0][0], traded[-1][0], len(traded))
    # a bar spans its candle, (end - period, end]: a negative width grows left from the end
    volume.bar(
        times, [float(p.volume) for p, _ in traded], width=-bar_width, align="edge",
        color="#7f7f7f",
    )  # fmt: skip
    volume.set_ylabel("contracts")
    _utc_dates(volume)
    figure.tight_layout()
    return _save(plt, figure, target)


def _bar_width(first: PricePoint, last: PricePoint, count: int) -> float:
    """A volume bar's width in days (matplotlib's date unit): the candle spacing, or an hour."""
    span_s = last.end_period_ts - first.end_period_ts
    step_s = span_s / (count - 1) if count > 1 and span_s > 0 else 3600
    return 0.9 * step_s / 86400


def equity_png(points: Sequence[EquityPoint], path: str | Path, *, title: str) -> Path:
    """An equity curve (dollars) above its drawdown from the running peak, dates in UTC."""
    target = check_png_path(path)
    if not points:
        raise ValidationError(f"nothing to chart: {title} has no equity samples")
    plt = _pyplot()
    figure, (curve, fall) = plt.subplots(
        2, 1, sharex=True, figsize=_SIZE, gridspec_kw={"height_ratios": [3, 1]}
    )
    times = [p.at for p in points]
    curve.plot(times, [float(p.equity) for p in points], color=_UP)
    curve.set_title(title)
    curve.set_ylabel("equity")
    curve.grid(alpha=0.3)
    _money_axis(curve, dollars_label)
    falls = [-float(d) for d in drawdowns([p.equity for p in points])]
    fall.fill_between(times, falls, 0, color=_DOWN, alpha=0.5)
    fall.set_ylabel("drawdown")
    _money_axis(fall, dollars_label)
    _utc_dates(fall)
    figure.tight_layout()
    return _save(plt, figure, target)


def pnl_by_series_png(rows: Sequence[tuple[str, Decimal]], path: str | Path, *, title: str) -> Path:
    """P&L per series as bars (gains blue, losses red), dollars on the axis."""
    target = check_png_path(path)
    if not rows:
        raise ValidationError(f"nothing to chart: {title} has no P&L by series")
    plt = _pyplot()
    figure, axis = plt.subplots(figsize=_SIZE)
    names = [name for name, _ in rows]
    amounts = [float(pnl) for _, pnl in rows]
    axis.bar(names, amounts, color=[_UP if pnl >= 0 else _DOWN for _, pnl in rows])
    axis.axhline(0, color="black", linewidth=0.8)
    axis.set_title(title)
    axis.set_xlabel("series")
    axis.set_ylabel("P&L")
    _money_axis(axis, dollars_label)
    axis.tick_params(axis="x", labelrotation=30)
    figure.tight_layout()
    return _save(plt, figure, target)
