"""History backfill end to end: the real client and CLI against a sandbox that enforces the
Basic tier, whose clock the test moves so one event's markets are archived and another's are
settled but still live. The tape holds exactly what the REST endpoints return, no request is
answered 429, an interrupted run resumed gives the same tape row for row, DuckDB reads it.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import httpx
import pytest
from _history_kit import RETENTION, WINDOW_S, HistoryBox, ShiftedClock

from kalshikit import KalshiClient
from kalshikit.cli.main import main
from kalshikit.endpoints import REST_PREFIX
from kalshikit.errors import NotFound
from kalshikit.models import Market, Trade
from kalshikit.sandbox.catalog import build_catalog
from kalshikit.sandbox.exchange import Exchange
from kalshikit.sandbox.server import running
from kalshikit.tape import read_table
from kalshikit.tape.backfill import BackfillProgress, backfill

pytestmark = pytest.mark.slow

SERIES = "KXCPIYOY"  # an event of 7 markets in this catalog


class Counted(httpx.HTTPTransport):
    """Real HTTP, every answer's status kept (how tests/e2e/test_rate_limits.py counts)."""

    def __init__(self) -> None:
        super().__init__()
        self.statuses: list[tuple[str, int]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        self.statuses.append((request.url.path.removeprefix(REST_PREFIX), response.status_code))
        return response


@dataclass
class World:
    box: HistoryBox
    start: datetime
    end: datetime


def _settle(box: HistoryBox, ticker: str, result: str) -> None:
    box.admin("POST", f"/markets/{ticker}/determine", {"result": result})
    box.admin("POST", f"/markets/{ticker}/settle")


def _trade(maker: KalshiClient, taker: KalshiClient, ticker: str, cents: int, count: int) -> None:
    maker.orders.create(
        ticker, side="yes", action="sell", count=count, price_cents=cents, post_only=True
    )
    taker.orders.create(
        ticker, side="yes", action="buy", count=count, price_cents=cents,
        time_in_force="immediate_or_cancel",
    )  # fmt: skip


def _open_event(box: HistoryBox) -> str:
    answer = httpx.get(box.url + "/events", params={"series_ticker": SERIES, "status": "open"})
    return str(answer.json()["events"][0]["event_ticker"])


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    """Four settled markets of one event: two archived with trades, one live with trades, one
    live without any."""
    clock = ShiftedClock()
    catalog = build_catalog(seed=5, markets=40, now=datetime.now(UTC))
    exchange = Exchange(catalog, clock=clock, seed=5, retention=RETENTION)
    with running(exchange, liquidity=False, limits_enabled=True, lifecycle_interval_s=None) as url:
        box = HistoryBox(url, clock)
        tickers = [m["ticker"] for m in box.admin_markets(_open_event(box))][:4]
        with KalshiClient(config=box.config()) as maker, KalshiClient(config=box.config()) as taker:
            for cents, ticker in zip((40, 43), tickers, strict=False):
                _trade(maker, taker, ticker, cents, 2)
                _trade(maker, taker, ticker, cents + 1, 1)
                _settle(box, ticker, "yes" if cents == 40 else "no")
            box.later(2 * WINDOW_S)  # these two move behind the cutoff
            _trade(maker, taker, tickers[2], 61, 2)
            _trade(maker, taker, tickers[2], 62, 1)
        _settle(box, tickers[2], "yes")
        _settle(box, tickers[3], "no")
        now = datetime.fromtimestamp(box.now(), UTC)
        yield World(box, now - timedelta(days=1), now + timedelta(days=1))


def _rows(root: Path) -> list[tuple[object, ...]]:
    table = read_table(root)
    return sorted(zip(*(table[c].to_pylist() for c in table.column_names), strict=True))


def test_backfill_writes_what_rest_returns_without_a_429(world: World, tmp_path: Path) -> None:
    transport = Counted()
    with KalshiClient(config=world.box.config(), transport=transport) as client:
        summary = backfill(client, tmp_path, series=SERIES, start=world.start, end=world.end)
        assert summary.markets == summary.fetched == len(summary.tickers) == 4
        assert [s for s in transport.statuses if s[1] == 429] == []
        assert summary.rate_limited == 0
        assert summary.requests == len(transport.statuses)
        events = read_table(tmp_path, kinds=["trade", "lifecycle"]).to_pylist()
        candles = read_table(tmp_path, kinds=["candle"], columns=["ticker", "size", "price"])
        candles = candles.to_pylist()
        for ticker in summary.tickers:
            market = _market(client, ticker)
            start, end = market.open_time - timedelta(seconds=5), _settled(market)
            rest = client.historical.trades_between(
                start, end + timedelta(seconds=5), ticker=ticker
            )
            mine = [r for r in events if r["ticker"] == ticker]
            trades = [r for r in mine if r["kind"] == "trade"]
            assert [(r["text"], r["price"], r["size"], r["ts_ms"]) for r in trades] == [
                _as_row(t) for t in rest
            ]
            [settled] = [r for r in mine if r["kind"] == "lifecycle"]
            assert (settled["text"], settled["ts_ms"]) == ("settled", _ms(end))
            assert settled["price"] in (0, 10_000)
            # the candles count every traded contract once
            volume = sum(r["size"] for r in candles if r["ticker"] == ticker)
            assert volume == sum(r["size"] for r in trades)
    assert summary.trades == 6  # 2 + 2 in two archived markets, 2 in a live one, 0 in one
    closes = {r["price"] for r in candles if r["price"]}
    for traded in ({4000, 4100}, {4300, 4400}, {6100, 6200}):  # a candle closed at each
        assert closes & traded


def _market(client: KalshiClient, ticker: str) -> Market:
    try:
        return client.markets.get(ticker)
    except NotFound:
        return client.historical.market(ticker)


def _settled(market: Market) -> datetime:
    return market.settlement_ts or market.close_time


def _as_row(trade: Trade) -> tuple[str, int, int, int]:
    """A REST trade as the tape should hold it: id, YES ticks, centi-contracts, ms."""
    assert trade.yes_price is not None
    assert trade.count is not None
    return trade.trade_id, trade.yes_price.ticks, trade.count.centi, _ms(trade.created_time)


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def test_an_interrupted_backfill_resumed_equals_an_uninterrupted_one(
    world: World, tmp_path: Path
) -> None:
    whole, resumed = tmp_path / "whole", tmp_path / "resumed"
    run = partial(backfill, series=SERIES, start=world.start, end=world.end, candles="1h")
    with KalshiClient(config=world.box.config()) as client:
        run(client, whole)

        def stop_after_two(progress: BackfillProgress) -> None:
            if progress.done == 2:
                raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            run(client, resumed, progress=stop_after_two)
        # a third market half written when the run died: a leftover of its files
        done = json.loads((resumed / "_backfill" / f"{SERIES}.json").read_text())["markets"]
        assert len(done) == 2
        some_file = next(resumed.glob("date=*/*.parquet"))
        third = backfill_tickers(client, world)[2]
        shutil.copy(some_file, some_file.with_name(f"part-{0:020d}-bf-{third}-000000.parquet"))

        seen: list[BackfillProgress] = []
        summary = run(client, resumed, progress=seen.append)
    assert (summary.skipped, summary.fetched) == (2, summary.markets - 2)
    assert seen[-1].done == summary.markets
    assert _rows(resumed) == _rows(whole)
    assert len(_rows(whole)) == len(set(_rows(whole)))

    import duckdb

    query = (
        f"select kind, count(*) from read_parquet('{resumed}/*/*.parquet', hive_partitioning=true)"
        " group by kind order by kind"
    )
    kinds = duckdb.execute(query).fetchall()
    assert [k for k, _ in kinds] == ["candle", "lifecycle", "trade"]
    assert dict(kinds)["trade"] == 6


def backfill_tickers(client: KalshiClient, world: World) -> list[str]:
    from kalshikit.tape.backfill import settled_markets

    markets, _ = settled_markets(client, SERIES, world.start, world.end)
    return [m.ticker for m in markets]


# --- the CLI ------------------------------------------------------------------------------------


def test_cli_backfill(
    world: World,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name in ("COLUMNS", "TERMINAL_WIDTH"):
        monkeypatch.setenv(name, "80")
    monkeypatch.setenv("KALSHI_API_URL", world.box.url)
    first, last = world.start.date(), world.end.date()
    args = ["history", "backfill", "--series", SERIES, "--from", str(first), "--to", str(last)]
    out = tmp_path / "tape"

    assert main([*args, "--out", str(out), "--candles", "1d"]) == 0
    text = capsys.readouterr().out
    assert "4 of 4 markets fetched" in text
    assert "0 rate-limited" in text
    assert max(len(line) for line in text.splitlines()) <= 80

    assert main(["--json", *args, "--out", str(out), "--candles", "1d"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["skipped"] == summary["markets"] == 4
    assert summary["fetched"] == 0
    assert summary["rate_limited"] == 0

    assert main([*args[:3], "KXNOSUCH", *args[4:], "--out", str(out)]) == 0
    empty = capsys.readouterr()
    assert empty.out == ""
    assert "no KXNOSUCH markets settled" in empty.err

    started = time.monotonic()
    for bad in (["--from", "yesterday"], ["--to", str(first - timedelta(days=1))],
                ["--candles", "5m"]):  # fmt: skip
        fresh = tmp_path / "never"
        assert main([*args, *bad, "--out", str(fresh)]) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: ")
        assert len(err.strip().splitlines()) == 2  # the error and where to read more
        assert not fresh.exists()
    assert time.monotonic() - started < 2
