"""Charts: the exact series behind them, the terminal chart's promises (never wider than asked,
labels that are the data's own), and real PNG files."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kalshikit.charts import (
    PricePoint,
    drawdowns,
    equity_png,
    line_chart,
    max_drawdown,
    pnl_by_series,
    pnl_by_series_png,
    price_chart,
    price_png,
    price_points,
    run_chart_files,
    run_chart_text,
)
from kalshikit.charts.series import equity_points
from kalshikit.charts.terminal import cents_label, dollars_label
from kalshikit.errors import ValidationError
from kalshikit.models import (
    BidAskOhlc,
    Candlestick,
    HistoricalBidAskOhlc,
    HistoricalCandlestick,
    HistoricalPriceOhlc,
    PriceOhlc,
)

PNG_HEADER = b"\x89PNG\r\n\x1a\n"
START = 1_796_297_580  # a minute boundary, 2026-12-03 UTC

money = st.decimals(min_value=-10_000, max_value=10_000, places=2, allow_nan=False)
prices = st.integers(min_value=1, max_value=9_999).map(lambda t: Decimal(t) / 10_000)


def candle(end: int, close: str | None, volume: str | None) -> Candlestick:
    return Candlestick(
        end_period_ts=end, yes_bid=BidAskOhlc(), yes_ask=BidAskOhlc(),
        price=PriceOhlc(close_dollars=close), volume_fp=volume,
    )  # fmt: skip


def points(closes: list[Decimal | None], volume: Decimal = Decimal(1)) -> list[PricePoint]:
    return [PricePoint(START + 60 * i, c, volume) for i, c in enumerate(closes)]


# --- series ---------------------------------------------------------------------------------


def test_candles_become_exact_points_in_time_order() -> None:
    live = [candle(START + 60, "0.4100", "3.00"), candle(START, None, "0.00")]
    archived = HistoricalCandlestick(
        end_period_ts=START + 120, yes_bid=HistoricalBidAskOhlc(), yes_ask=HistoricalBidAskOhlc(),
        price=HistoricalPriceOhlc(close="0.4250"), volume="1.50", open_interest="9.00",
    )  # fmt: skip
    found = price_points(live)
    assert [(p.end_period_ts, p.close_dollars, p.volume) for p in found] == [
        (START, None, Decimal("0.00")),
        (START + 60, Decimal("0.4100"), Decimal("3.00")),
    ]
    assert found[1].to_json() == {
        "end_period_ts": START + 60, "close_dollars": "0.4100", "volume_fp": "3.00"
    }  # fmt: skip
    assert found[0].end == datetime.fromtimestamp(START, UTC)
    [old] = price_points([archived])
    assert (old.close_dollars, old.volume) == (Decimal("0.4250"), Decimal("1.50"))


def test_a_january_candle_counts_its_integer_volume() -> None:
    old = Candlestick(
        end_period_ts=START, yes_bid=BidAskOhlc(), yes_ask=BidAskOhlc(),
        price=PriceOhlc(close_dollars="0.5000"), volume_int=7,
    )  # fmt: skip
    assert price_points([old])[0].volume == Decimal(7)


def brute_max_drawdown(values: list[Decimal]) -> Decimal:
    """The largest fall from any point to any later one."""
    falls = [values[i] - values[j] for i in range(len(values)) for j in range(i, len(values))]
    return max(falls, default=Decimal(0))


@given(st.lists(money, max_size=40))
def test_drawdown_is_the_largest_peak_to_trough_fall(values: list[Decimal]) -> None:
    assert max_drawdown(values) == brute_max_drawdown(values)
    falls = drawdowns(values)
    assert len(falls) == len(values)
    assert all(f >= 0 for f in falls)
    for i, fall in enumerate(falls):
        assert fall == max(values[: i + 1]) - values[i]


def test_pnl_sums_per_series_largest_gain_first() -> None:
    rows = pnl_by_series(
        {"KXA-26DEC03-B1": Decimal("2.50"), "KXB-1": Decimal("-1"), "KXA-26DEC04": Decimal(1)}
    )
    assert rows == [("KXA", Decimal("3.50")), ("KXB", Decimal(-1))]


def test_floats_and_naive_times_are_refused() -> None:
    with pytest.raises(ValidationError, match="Decimal"):
        pnl_by_series({"KXA-1": 1.5})  # type: ignore[dict-item]
    with pytest.raises(ValidationError, match="Decimal"):
        equity_points([(datetime.now(UTC), 10.0)])  # type: ignore[list-item]
    with pytest.raises(ValidationError, match="timezone-aware"):
        equity_points([(datetime(2026, 12, 3), Decimal(1))])  # noqa: DTZ001


# --- terminal -------------------------------------------------------------------------------


@settings(max_examples=60)
@given(
    st.lists(prices, min_size=1, max_size=300),
    st.integers(min_value=20, max_value=160),
    st.integers(min_value=1, max_value=12),
)
def test_a_line_chart_fits_the_width_and_labels_the_data(
    values: list[Decimal], width: int, height: int
) -> None:
    rows = line_chart(values, width=width, height=height, label=cents_label)
    assert len(rows) == height
    assert all(len(row) <= width for row in rows)
    assert rows[0].split()[0] == cents_label(max(values)) or height == 1
    assert rows[-1].split()[0] == cents_label(min(values))


@settings(max_examples=40)
@given(
    st.lists(st.one_of(st.none(), prices), min_size=1, max_size=300).filter(
        lambda closes: any(c is not None for c in closes)
    ),
    st.integers(min_value=30, max_value=160),
    st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False),
)
def test_a_price_chart_never_exceeds_the_width(
    closes: list[Decimal | None], width: int, volume: Decimal
) -> None:
    text = price_chart(points(closes, volume), title="KXHIGHNY-26DEC03-B49.5", width=width)
    lines = text.splitlines()
    assert all(len(line) <= width for line in lines)
    traded = [c for c in closes if c is not None]
    assert lines[1].split()[0] == cents_label(max(traded))
    assert lines[8].split()[0] == cents_label(min(traded))
    assert lines[9].split()[0] == "vol"


def test_empty_and_one_point_series_say_so() -> None:
    with pytest.raises(ValidationError, match="nothing to chart"):
        line_chart([])
    with pytest.raises(ValidationError, match="no trades in KXA-1"):
        price_chart(points([None, None]), title="KXA-1")
    one = price_chart(points([Decimal("0.4")]), title="KXA-1").splitlines()
    assert one[0].startswith("KXA-1  (last 40¢, 1 candle)")
    assert one[-1] == "one candle traded: the line is flat"
    assert one[1].split()[0] == one[8].split()[0] == "40¢"


def test_a_chart_too_narrow_to_read_is_refused() -> None:
    with pytest.raises(ValidationError, match="pass a width of at least"):
        line_chart([Decimal(1), Decimal(2)], width=6)


def test_labels_are_kalshis_own_words() -> None:
    assert cents_label(Decimal("0.7250")) == "72.5¢"
    assert cents_label(Decimal("0.4000")) == "40¢"
    assert dollars_label(Decimal("-1234.565")) == "-$1,234.57"


def test_the_run_text_has_an_equity_curve_and_bars() -> None:
    start = datetime(2026, 12, 3, tzinfo=UTC)
    equity = [(start + timedelta(minutes=i), Decimal(100 + (i % 7) - i // 10)) for i in range(90)]
    text = run_chart_text(
        equity=equity, pnl_by_ticker={"KXA-1": Decimal(5), "KXB-2": Decimal(-2)}, title="run"
    )
    lines = text.splitlines()
    assert all(len(line) <= 80 for line in lines)
    worst = dollars_label(max_drawdown([e for _, e in equity]))
    assert lines[0] == f"run  (last $97.00, max drawdown {worst})"
    assert lines[-2].startswith("KXA   $5.00 █")
    assert lines[-1].startswith("KXB  -$2.00 ░")


# --- PNG ------------------------------------------------------------------------------------


def assert_png(path: Path) -> None:
    data = path.read_bytes()
    assert data[:8] == PNG_HEADER
    assert len(data) > 1000


def test_png_files_are_written(tmp_path: Path) -> None:
    closes = [Decimal(40 + (i % 9)) / 100 if i % 4 else None for i in range(60)]
    assert_png(price_png(points(closes), tmp_path / "price.png", title="KXA-1"))
    start = datetime(2026, 12, 3, tzinfo=UTC)
    samples = [(start + timedelta(hours=i), Decimal(1000 - 3 * (i % 5))) for i in range(24)]
    assert_png(equity_png(equity_points(samples), tmp_path / "equity.png", title="run"))
    rows = [("KXA", Decimal("3.50")), ("KXB", Decimal(-1))]
    assert_png(pnl_by_series_png(rows, tmp_path / "pnl.png", title="run"))
    written = run_chart_files(
        tmp_path, equity=samples, pnl_by_ticker={"KXA-1": Decimal(1)}, title="run"
    )
    assert [p.name for p in written] == ["equity.png", "pnl_by_series.png"]
    for path in written:
        assert_png(path)


def test_a_bad_png_path_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match=r"\.png"):
        price_png(points([Decimal("0.5")]), tmp_path / "chart.jpg", title="KXA-1")
    with pytest.raises(ValidationError, match="no folder"):
        price_png(points([Decimal("0.5")]), tmp_path / "missing" / "c.png", title="KXA-1")
    with pytest.raises(ValidationError, match="no trades"):
        price_png(points([None]), tmp_path / "c.png", title="KXA-1")
    assert list(tmp_path.iterdir()) == []


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )


def test_matplotlib_is_loaded_only_to_draw_a_png() -> None:
    found = run_python(
        "import sys, kalshikit.charts as c; from decimal import Decimal as D\n"
        "c.price_chart([c.PricePoint(60, D('0.5'), D(1))], title='KXA-1')\n"
        "print('matplotlib' in sys.modules)"
    )
    assert found.stdout.strip() == "False", found.stderr


def test_without_matplotlib_a_png_is_one_line_naming_the_extra(tmp_path: Path) -> None:
    found = run_python(
        "import sys; sys.modules['matplotlib'] = None\n"  # as if the extra was not installed
        "from decimal import Decimal as D\n"
        "from kalshikit.charts import PricePoint, price_png\n"
        "from kalshikit.errors import KalshiError\n"
        "try:\n"
        f"    price_png([PricePoint(60, D('0.5'), D(1))], {str(tmp_path / 'c.png')!r}, title='t')\n"
        "except KalshiError as error:\n"
        "    print(error)\n"
    )
    assert found.stdout.strip() == "PNG charts need matplotlib: pip install 'kalshikit[charts]'"
    assert list(tmp_path.iterdir()) == []
