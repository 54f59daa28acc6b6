"""History end to end: the real clients and CLI against a running sandbox whose clock the test
moves on. A fill seen live before the cutoff is found under ``/historical`` after it; the reads
across the cutoff return each record exactly once; settled markets, their candles and the
event's positions move too; the CLI shows it all in 80 columns, as CSV or JSON.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from decimal import Decimal

import pytest
from _history_kit import WINDOW_S, HistoryBox, history_sandbox

from kalshikit import AsyncKalshiClient, KalshiClient
from kalshikit.cli.main import main
from kalshikit.errors import NotFound

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def box() -> Iterator[HistoryBox]:
    with history_sandbox() as running_box:
        yield running_box


def trade(maker: KalshiClient, taker: KalshiClient, ticker: str, cents: int, count: int) -> None:
    """The maker offers YES at ``cents``; the taker buys ``count`` of it at once."""
    maker.orders.create(
        ticker, side="yes", action="sell", count=count, price_cents=cents, post_only=True
    )
    taker.orders.create(
        ticker, side="yes", action="buy", count=count, price_cents=cents,
        time_in_force="immediate_or_cancel",
    )  # fmt: skip


def test_a_fill_moves_behind_the_cutoff_and_is_read_across_it(box: HistoryBox) -> None:
    with KalshiClient(config=box.config()) as maker, KalshiClient(config=box.config()) as taker:
        ticker = box.ticker()
        start = box.now() - 1
        trade(maker, taker, ticker, 40, 2)
        [live_fill] = taker.portfolio.fills(ticker=ticker).to_list()
        assert taker.historical.fills(ticker=ticker).to_list() == []

        box.later(2 * WINDOW_S)  # the sweep passes the fill
        cutoff = taker.historical.cutoff()
        assert live_fill.created_time is not None
        assert live_fill.created_time < cutoff.trades_created_ts
        assert taker.portfolio.fills(ticker=ticker).to_list() == []
        assert taker.historical.fills(ticker=ticker).to_list() == [live_fill]
        archived_orders = taker.historical.orders(ticker=ticker).to_list()
        assert [o.status for o in archived_orders] == ["executed"]

        trade(maker, taker, ticker, 45, 1)  # after the cutoff: live
        end = box.now() + 1
        fills = taker.historical.fills_between(start, end, ticker=ticker)
        assert [f.yes_price_dollars for f in fills] == ["0.4000", "0.4500"]
        assert len({f.fill_id for f in fills}) == 2
        trades = taker.historical.trades_between(start, end, ticker=ticker)
        assert [t.count_fp for t in trades] == ["2.00", "1.00"]
        orders = taker.historical.orders_between(start, end, ticker=ticker)
        assert len(orders) == len({o.order_id for o in orders}) == 2
        # a range wholly after the cutoff reads only the live part, and still finds its own
        assert [f.yes_price_dollars for f in taker.historical.fills_between(end - 5, end)] == [
            "0.4500"
        ]


async def test_the_async_client_reads_across_the_cutoff(box: HistoryBox) -> None:
    with KalshiClient(config=box.config()) as maker, KalshiClient(config=box.config()) as taker:
        ticker = box.ticker()
        start = box.now() - 1
        trade(maker, taker, ticker, 30, 1)
        box.later(2 * WINDOW_S)
        trade(maker, taker, ticker, 31, 1)
        config = taker.config
    async with AsyncKalshiClient(config=config) as client:
        fills = await client.historical.fills_between(start, box.now() + 1, ticker=ticker)
        archived = await client.historical.fills(ticker=ticker).to_list()
    assert [f.yes_price_dollars for f in fills] == ["0.3000", "0.3100"]
    assert [f.yes_price_dollars for f in archived] == ["0.3000"]


def test_settled_markets_candles_and_positions_move(box: HistoryBox) -> None:
    with KalshiClient(config=box.config()) as maker, KalshiClient(config=box.config()) as taker:
        market = taker.markets.get(box.ticker())
        ticker, event = market.ticker, market.event_ticker
        traded_at = box.now()
        trade(maker, taker, ticker, 60, 3)
        box.settle_event(ticker, event)
        box.later(2 * WINDOW_S)

        with pytest.raises(NotFound):
            taker.markets.get(ticker)
        assert taker.historical.market(ticker).result == "yes"
        assert [m.ticker for m in taker.historical.markets(tickers=ticker)] == [ticker]
        candles = taker.historical.candlesticks(
            ticker, start_ts=traded_at - 60, end_ts=traded_at + 60, period_interval=1
        )
        assert [(c.price.close, c.volume) for c in candles if c.price.close] == [("0.6000", "3.00")]
        positions = taker.historical.positions(event_ticker=event).to_list()
        # settled: nothing held any more, but what was traded and earned stays on record
        assert [(p.ticker, p.position_fp) for p in positions] == [(ticker, "0.00")]
        assert Decimal(positions[0].total_traded_dollars) == Decimal("1.80")
        events = taker.historical.event_positions(event_ticker=event).to_list()
        assert [e.event_ticker for e in events] == [event]
        assert taker.portfolio.positions(ticker=ticker, settlement_status="all").to_list() == []


# --- the CLI ------------------------------------------------------------------------------------


@pytest.fixture
def signed_in(box: HistoryBox, monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> KalshiClient:
    """The CLI signed in as a fresh user (the env the CLI reads), who has traded once and seen
    that trade archived; returns the user's client for comparisons."""
    import os
    from pathlib import Path

    for name in [n for n in os.environ if n.startswith("KALSHI_")]:
        monkeypatch.delenv(name)
    key_id, pem = box.user()
    path = Path(str(tmp_path)) / "key.pem"
    path.write_text(pem)
    path.chmod(0o600)
    monkeypatch.setenv("KALSHI_API_URL", box.url)
    for prefix in ("KALSHI_", "KALSHI_PROD_"):
        monkeypatch.setenv(f"{prefix}API_KEY_ID", key_id)
        monkeypatch.setenv(f"{prefix}PRIVATE_KEY_PATH", str(path))
    monkeypatch.setenv("XDG_DATA_HOME", str(Path(str(tmp_path)) / "data"))
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("TERMINAL_WIDTH", "80")
    monkeypatch.chdir(str(tmp_path))
    from kalshikit import APIConfig

    config = APIConfig.resolve(
        "local", rest_url=box.url, api_key_id=key_id, private_key_pem=pem, environ={},
        dotenv_path=False,
    )  # fmt: skip
    return KalshiClient(config=config)


def test_cli_history_fills_and_trades(
    box: HistoryBox, signed_in: KalshiClient, capsys: pytest.CaptureFixture[str]
) -> None:
    ticker = box.ticker()
    start = box.now() - 1
    with KalshiClient(config=box.config()) as maker:
        trade(maker, signed_in, ticker, 55, 2)
    box.later(2 * WINDOW_S)
    trade_args = ["--ticker", ticker, "--from", str(start), "--to", str(box.now() + 1)]

    assert main(["history", "fills", *trade_args]) == 0
    out = capsys.readouterr().out
    assert "buy YES at 55¢" in out
    assert ticker in out
    assert max(len(line) for line in out.splitlines()) <= 80

    assert main(["history", "fills", *trade_args, "--csv"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0][:6] == ["created_time", "ticker", "book_side", "outcome_side",
                           "yes_price_dollars", "count_fp"]  # fmt: skip
    assert [r[1:6] for r in rows[1:]] == [[ticker, "bid", "yes", "0.5500", "2.00"]]

    assert main(["--json", "history", "trades", *trade_args]) == 0
    [archived] = json.loads(capsys.readouterr().out)
    assert (archived["ticker"], archived["count_fp"]) == (ticker, "2.00")

    assert main(["history", "trades", "--ticker", "NO-SUCH", *trade_args[2:]]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "no trades in NO-SUCH" in captured.err

    assert main(["history", "fills", "--csv", "--json"]) == 2
    assert main(["history", "fills", "--from", "yesterday"]) == 2
    signed_in.close()


def test_cli_history_markets_and_candles(
    box: HistoryBox, signed_in: KalshiClient, capsys: pytest.CaptureFixture[str]
) -> None:
    market = signed_in.markets.get(box.ticker())
    ticker = market.ticker
    traded_at = box.now()
    with KalshiClient(config=box.config()) as maker:
        trade(maker, signed_in, ticker, 35, 1)
    box.settle_event(ticker, market.event_ticker, "no")
    box.later(2 * WINDOW_S)

    assert main(["history", "markets", "--event", market.event_ticker]) == 0
    out = capsys.readouterr().out
    assert ticker in out
    assert max(len(line) for line in out.splitlines()) <= 80

    window = ["--from", str(traded_at - 60), "--to", str(traded_at + 60), "--period", "1m"]
    assert main(["history", "candles", "--ticker", ticker, *window]) == 0
    out = capsys.readouterr().out
    assert "35¢" in out
    assert max(len(line) for line in out.splitlines()) <= 80
    assert main(["history", "candles", "--ticker", ticker, *window, "--csv"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0] == ["end_period_ts", "open", "high", "low", "close", "volume"]
    assert ["0.3500", "1.00"] in [[r[4], r[5]] for r in rows[1:]]
    # a market still live: its candles come from the live endpoint (none traded here)
    assert main(["history", "candles", "--ticker", box.ticker(), *window]) == 0
    captured = capsys.readouterr()
    assert (captured.out, "no trades in" in captured.err) == ("", True)
    signed_in.close()
