"""Compact text charts for a terminal: unicode block columns, labels, a volume strip. No I/O.

Deterministic and library-free, so a chart reads the same in a pipe, a test and a terminal, and
no line is ever wider than the width asked (80 columns by default, as the CLI's tables). A
column is drawn in eighths of a row (``▁▂▃▄▅▆▇█``); when there are more points than columns, a
column shows the last value of its span (a close) and the sum of its volume. The labels are the
data's own lowest and highest values, not the drawn columns', so a squeezed chart never hides a
spike's number.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from typing import Final

from kalshikit.charts.series import EquityPoint, PricePoint, carried_closes, drawdowns
from kalshikit.errors import ValidationError

__all__ = [
    "BLOCKS",
    "cents_label",
    "dollars_label",
    "equity_chart",
    "line_chart",
    "pnl_bars",
    "price_chart",
    "volume_strip",
]

BLOCKS: Final = " ▁▂▃▄▅▆▇█"  # a cell filled 0/8 .. 8/8 from the bottom
_EIGHTHS: Final = len(BLOCKS) - 1
_MIN_COLUMNS: Final = 8  # narrower than this, a chart says nothing a number would not


def cents_label(dollars: Decimal) -> str:
    """A price as Kalshi writes it: ``72¢``, ``72.5¢``."""
    return f"{(dollars * 100).normalize():f}¢"


def dollars_label(dollars: Decimal) -> str:
    """Money to the cent, half up: ``$1,234.56``, ``-$0.05``."""
    amount = dollars.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"-${-amount:,.2f}" if amount < 0 else f"${amount:,.2f}"


def _spans(count: int, columns: int) -> list[range]:
    """``count`` points shared over at most ``columns`` columns, in order, none empty."""
    if count <= columns:
        return [range(i, i + 1) for i in range(count)]
    return [range(i * count // columns, (i + 1) * count // columns) for i in range(columns)]


def _level(value: Decimal, low: Decimal, high: Decimal, units: int) -> int:
    """How many eighths of the chart's height ``value`` fills: 1 at the low, all at the high
    (half the height for a flat series, which has no scale)."""
    if high == low:
        return units // 2
    scaled = (value - low) * (units - 1) / (high - low)
    return 1 + int(scaled.to_integral_value(rounding=ROUND_HALF_UP))


def _block_rows(levels: Sequence[int], height: int) -> list[str]:
    rows = []
    for row in range(height - 1, -1, -1):  # the top row first
        floor = row * _EIGHTHS
        rows.append("".join(BLOCKS[min(max(lv - floor, 0), _EIGHTHS)] for lv in levels))
    return rows


def _check_size(width: int, height: int, gutter: int) -> int:
    if height < 1:
        raise ValidationError(f"a chart needs a height of at least 1 row, got {height}")
    columns = width - gutter
    if columns < _MIN_COLUMNS:
        raise ValidationError(
            f"a chart {width} columns wide leaves {columns} for data; pass a width of at least "
            f"{gutter + _MIN_COLUMNS}"
        )
    return columns


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def line_chart(
    values: Sequence[Decimal],
    *,
    width: int = 80,
    height: int = 8,
    label: Callable[[Decimal], str] = str,
    gutter: int | None = None,
) -> list[str]:
    """``values`` as ``height`` rows of block columns, the highest value's label on the top
    row and the lowest's on the bottom one; each row at most ``width`` characters."""
    if not values:
        raise ValidationError("nothing to chart: the series is empty (pass at least one value)")
    low, high = min(values), max(values)
    low_text, high_text = label(low), label(high)
    pad = max(gutter or 0, len(low_text), len(high_text))
    columns = _check_size(width, height, pad + 2)
    shown = [values[span[-1]] for span in _spans(len(values), columns)]
    units = height * _EIGHTHS
    rows = _block_rows([_level(v, low, high, units) for v in shown], height)
    labels = [""] * height
    labels[0], labels[-1] = high_text, low_text  # one row: the low's label wins
    ticks = {0, height - 1}
    return [
        f"{labels[i].rjust(pad)} {'┤' if i in ticks else '│'}{row}".rstrip()
        for i, row in enumerate(rows)
    ]


def volume_strip(volumes: Sequence[Decimal], columns: int) -> str:
    """One row of blocks as tall as each column's share of the largest volume; a column with
    no volume is blank, one with any is at least ``▁``."""
    sums = [sum((volumes[i] for i in span), Decimal(0)) for span in _spans(len(volumes), columns)]
    top = max(sums, default=Decimal(0))
    if top <= 0:
        return " " * len(sums)
    return "".join(
        BLOCKS[max(1, int((v * _EIGHTHS / top).to_integral_value(rounding=ROUND_CEILING)))]
        if v > 0
        else " "
        for v in sums
    )


def _time_axis(first: datetime, last: datetime, gutter: int, width: int) -> str:
    start, end = first.strftime("%b %d %H:%M"), last.strftime("%b %d %H:%M")
    room = width - gutter
    if first == last or room < len(start) + len(end) + 1:
        return _fit(" " * gutter + start, width)
    return " " * gutter + start + end.rjust(room - len(start))


def _candles(count: int) -> str:
    return "1 candle" if count == 1 else f"{count:,} candles"


def _contracts(count: Decimal) -> str:
    if count == count.to_integral_value():
        return f"{count:,.0f}"
    return f"{count.normalize():,f}"


def price_chart(
    points: Sequence[PricePoint], *, title: str, width: int = 80, height: int = 8
) -> str:
    """A market's traded price (a quiet candle keeps the last close) over a volume strip and
    a UTC time axis, under ``title``; every line at most ``width`` characters."""
    traded = carried_closes(points)
    if not traded:
        raise ValidationError(f"nothing to chart: no trades in {title}; widen --since/--until")
    closes = [close for _, close in traded]
    volumes = [point.volume for point, _ in traded]
    low, high = cents_label(min(closes)), cents_label(max(closes))
    gutter = max(len(low), len(high), len("vol"))
    rows = line_chart(closes, width=width, height=height, label=cents_label, gutter=gutter)
    columns = width - gutter - 2
    strip = volume_strip(volumes, columns)
    volume_note = f"  max {_contracts(max(volumes))}"
    volume_note = volume_note if len(strip) + len(volume_note) <= columns else ""
    lines = [
        _fit(f"{title}  (last {cents_label(closes[-1])}, {_candles(len(traded))})", width),
        *rows,
        f"{'vol'.rjust(gutter)} │{strip}{volume_note}".rstrip(),
        _time_axis(traded[0][0].end, traded[-1][0].end, gutter + 2, width),
    ]
    if len(traded) == 1:
        lines.append(_fit("one candle traded: the line is flat", width))
    return "\n".join(lines)


def equity_chart(
    points: Sequence[EquityPoint], *, title: str, width: int = 80, height: int = 8
) -> str:
    """An equity curve over its drawdown (how far below the peak so far), under ``title``."""
    if not points:
        raise ValidationError(f"nothing to chart: {title} has no equity samples")
    equity = [p.equity for p in points]
    falls = drawdowns(equity)
    low, high = dollars_label(min(equity)), dollars_label(max(equity))
    gutter = max(len(low), len(high), len("dd"))
    rows = line_chart(equity, width=width, height=height, label=dollars_label, gutter=gutter)
    columns = width - gutter - 2
    worst = max(falls)
    lines = [
        _fit(f"{title}  (last {dollars_label(equity[-1])}, max drawdown "
             f"{dollars_label(worst)})", width),
        *rows,
        f"{'dd'.rjust(gutter)} │{volume_strip(falls, columns)}".rstrip(),
        _time_axis(points[0].at, points[-1].at, gutter + 2, width),
    ]  # fmt: skip
    return "\n".join(lines)


def pnl_bars(rows: Sequence[tuple[str, Decimal]], *, width: int = 80) -> str:
    """P&L per series as horizontal bars: ``KXHIGHNY   $12.00 ██████`` (losses drawn ``░``)."""
    if not rows:
        raise ValidationError("nothing to chart: no P&L by series")
    names = max(len(name) for name, _ in rows)
    amounts = [dollars_label(pnl) for _, pnl in rows]
    figures = max(len(a) for a in amounts)
    room = _check_size(width, 1, names + figures + 3)
    top = max(abs(pnl) for _, pnl in rows)
    lines = []
    for (name, pnl), amount in zip(rows, amounts, strict=True):
        length = 0 if top == 0 else int((abs(pnl) * room / top).to_integral_value(ROUND_CEILING))
        bar = ("█" if pnl >= 0 else "░") * length
        lines.append(f"{_fit(name, names).ljust(names)}  {amount.rjust(figures)} {bar}".rstrip())
    return "\n".join(lines)
