"""The discovery reads end to end: our sync and async clients against a running sandbox (the
house's opening books, no traders, so quotes hold still), and the CLI at 80 columns.

What is checked is coherence: an event's candles are its markets' own candles; its forecast
median sits where its markets' prices put half the chance; a milestone's events exist and its
teams are the markets' outcomes; combo events are exactly the ones `events.list` leaves out;
every page is read to the end; bad input sends nothing."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from _cli_kit import Box, cli_json, sign_in
from _client_kit import AsyncWire, Wire

from kalshikit import AsyncKalshiClient, KalshiClient
from kalshikit.cli import _output
from kalshikit.cli.main import main
from kalshikit.errors import ValidationError
from kalshikit.models import Event, Market
from kalshikit.sandbox.server import running

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Any]:
    with running(limits_enabled=False) as url:
        yield url


@pytest.fixture
def client(sandbox: Any) -> Iterator[KalshiClient]:
    with KalshiClient(config=sandbox.config, transport=Wire()) as c:
        yield c


def weather_event(client: KalshiClient) -> Event:
    """An open New York high-temperature event whose markets are quoted and have been open a
    half hour: its candles and forecasts have a history to show (a day's event listed a moment
    ago, by the rolling series, has none yet)."""
    since = datetime.now(UTC) - timedelta(minutes=30)
    for event in client.events.list(status="open"):
        if event.series_ticker != "KXHIGHNY":
            continue
        markets = client.markets.list(event_ticker=event.event_ticker).to_list()
        if markets and all(
            m.yes_bid is not None and m.yes_bid.dollars > 0
            and m.open_time is not None and m.open_time <= since
            for m in markets
        ):  # fmt: skip
            return event
    raise AssertionError("no quoted KXHIGHNY event open for half an hour")


def mid(market: Market) -> Decimal:
    assert market.yes_bid is not None
    assert market.yes_ask is not None
    return (market.yes_bid.dollars + market.yes_ask.dollars) / 2


def test_the_user_data_timestamp_is_now_on_both_clients(sandbox: Any) -> None:
    with KalshiClient(config=sandbox.config) as sync_client:
        stamp = sync_client.exchange.user_data_timestamp()
    assert abs(stamp - datetime.now(UTC)) < timedelta(seconds=30)

    async def read() -> datetime:
        async with AsyncKalshiClient(config=sandbox.config) as async_client:
            return await async_client.exchange.user_data_timestamp()

    assert abs(asyncio.run(read()) - stamp) < timedelta(seconds=30)


def test_event_candles_are_the_markets_own_candles(client: KalshiClient) -> None:
    event = weather_event(client)
    end = int(time.time())  # no traders: the opening books hold still between the reads
    window = {"start_ts": end - 1800, "end_ts": end, "period_interval": 1}
    found = client.events.candlesticks(event.event_ticker, **window)
    tickers = [m.ticker for m in client.markets.list(event_ticker=event.event_ticker)]
    assert found.market_tickers == tickers
    assert found.adjusted_end_ts == end
    for ticker, candles in zip(found.market_tickers, found.market_candlesticks, strict=True):
        assert candles == client.markets.candlesticks(ticker, **window)
    assert any(c.yes_bid.close_dollars != "0.0000" for c in found.market_candlesticks[0])


def test_the_forecast_median_is_where_the_prices_put_half_the_chance(
    client: KalshiClient,
) -> None:
    event = weather_event(client)
    markets = client.markets.list(event_ticker=event.event_ticker).to_list()
    now = int(time.time())
    points = client.events.forecast_percentiles(
        event.event_ticker, percentiles=[1000, 5000, 9000], start_ts=now - 120, end_ts=now,
        period_interval=1,
    )  # fmt: skip
    assert points
    low, median, high = (p.raw_numerical_forecast for p in points[-1].percentile_points)
    assert low <= median <= high
    # the markets in strike order (the low tail first), each a share of the chance
    ordered = sorted(markets, key=lambda m: -1e9 if m.floor_strike is None else m.floor_strike)
    shares = [mid(m) for m in ordered]
    running_total, total = Decimal(0), sum(shares)
    market = ordered[-1]
    for candidate, share in zip(ordered, shares, strict=True):
        running_total += share
        if running_total / total >= Decimal("0.5"):
            market = candidate
            break
    lowest = market.floor_strike if market.floor_strike is not None else market.cap_strike
    highest = market.cap_strike if market.cap_strike is not None else market.floor_strike
    assert lowest is not None
    assert highest is not None
    assert lowest <= median <= highest, (market.ticker, median)
    formatted = points[-1].percentile_points[1].formatted_forecast
    assert formatted.endswith("°")


def test_a_milestone_links_real_events_and_teams(client: KalshiClient) -> None:
    everything = client.milestones.list(page_size=2).to_list()  # two a page: all pages read
    milestones = [m for m in everything if m.type == "basketball_game"]
    assert len(milestones) > 2
    races = client.milestones.list(milestone_type="political_race").to_list()
    assert races
    assert {m.id for m in everything} == {m.id for m in milestones + races}
    assert all(client.events.get(r.primary_event_tickers[0]).title for r in races)
    games = [e for e in client.events.list() if e.series_ticker == "KXNBAGAME"]
    assert sorted(m.primary_event_tickers[0] for m in milestones) == sorted(
        g.event_ticker for g in games
    )
    first = milestones[0]
    assert client.milestones.get(first.id) == first
    event = client.events.get(first.related_event_tickers[0])
    away = client.structured_targets.get(first.details["away_team_id"])
    home = client.structured_targets.get(first.details["home_team_id"])
    assert away is not None
    assert home is not None
    assert [away.name, home.name] == [m.yes_sub_title for m in event.markets or []]
    linked = client.milestones.list(related_event_ticker=event.event_ticker).to_list()
    assert [m.id for m in linked] == [first.id]
    teams = client.structured_targets.list(page_size=7).to_list()
    assert len(teams) == 30
    assert {t.id for t in teams} >= {away.id, home.id}
    chosen = client.structured_targets.list(ids=[home.id or ""]).to_list()
    assert chosen == [home]


def test_combo_events_are_the_ones_events_list_leaves_out(client: KalshiClient) -> None:
    combos = client.events.multivariate(page_size=7, with_nested_markets=True).to_list()
    assert combos
    listed = {e.event_ticker for e in client.events.list()}
    assert not listed & {e.event_ticker for e in combos}
    collections = {m.mve_collection_ticker for e in combos for m in e.markets or []}
    assert None not in collections
    (collection,) = collections
    assert len(client.events.multivariate(collection_ticker=collection).to_list()) == len(combos)


def test_fees_search_and_incentives_come_from_the_catalog(client: KalshiClient) -> None:
    series = {s.ticker: s for s in client.series.list()}
    (change,) = client.series.fee_changes()
    assert change.series_ticker in series
    assert change.fee_type != series[change.series_ticker].fee_type
    assert client.events.fee_changes().to_list() == []
    tags = client.search.tags_by_categories()
    for s in series.values():
        assert set(s.tags or []) <= set(tags[s.category])
    sports = client.search.filters_by_sport()
    assert sports.sport_ordering == list(sports.filters_by_sports)
    programs = client.incentive_programs.list(page_size=3).to_list()
    assert programs == client.incentive_programs.list().to_list()
    for program in programs[:3]:
        market = client.markets.get(program.market_ticker)
        assert (program.start_date, program.end_date) == (market.open_time, market.close_time)


def test_async_reads_match_sync(sandbox: Any, client: KalshiClient) -> None:
    event = weather_event(client)

    async def read() -> tuple[Any, ...]:
        async with AsyncKalshiClient(config=sandbox.config, transport=AsyncWire()) as c:
            return (
                await c.events.metadata(event.event_ticker),
                await c.search.tags_by_categories(),
                await c.series.fee_changes(),
                await c.milestones.list().to_list(),
                await c.structured_targets.list().to_list(),
                await c.incentive_programs.list().to_list(),
                await c.events.multivariate().to_list(),
            )

    assert asyncio.run(read()) == (
        client.events.metadata(event.event_ticker),
        client.search.tags_by_categories(),
        client.series.fee_changes(),
        client.milestones.list().to_list(),
        client.structured_targets.list().to_list(),
        client.incentive_programs.list().to_list(),
        client.events.multivariate().to_list(),
    )


def test_bad_input_sends_nothing(client: KalshiClient) -> None:
    naive = datetime(2026, 12, 1)  # noqa: DTZ001 - the point: a naive datetime is refused
    ev = "KXHIGHNY-26DEC03"
    attempts = [
        lambda: client.events.metadata(""),
        lambda: client.events.candlesticks(ev, start_ts=10, end_ts=5),
        lambda: client.events.candlesticks(ev, start_ts=0, end_ts=5, period_interval=5),
        lambda: client.events.forecast_percentiles(ev, percentiles=[], start_ts=0, end_ts=5),
        lambda: client.events.forecast_percentiles(ev, percentiles=[10_000], start_ts=0, end_ts=5),
        lambda: client.events.forecast_percentiles(ev, percentiles=list(range(11)), start_ts=0,
                                                   end_ts=5),
        lambda: client.events.forecast_percentiles(
            ev, percentiles=[5000], start_ts=0, end_ts=5, period_interval=30
        ),
        lambda: client.events.multivariate(series_ticker="A", collection_ticker="B"),
        lambda: client.events.multivariate(page_size=201),
        lambda: client.events.fee_changes(page_size=0),
        lambda: client.milestones.list(page_size=501),
        lambda: client.milestones.list(minimum_start_date=naive),
        lambda: client.milestones.get(""),
        lambda: client.structured_targets.list(page_size=2001),
        lambda: client.structured_targets.list(ids=[]),
        lambda: client.structured_targets.get(""),
        lambda: client.incentive_programs.list(status="soon"),
        lambda: client.incentive_programs.list(incentive_type="bonus"),
        lambda: client.incentive_programs.list(page_size=10_001),
    ]  # fmt: skip
    for attempt in attempts:
        with pytest.raises(ValidationError):
            attempt()
    transport = client._http._transport
    assert isinstance(transport, Wire)
    assert transport.seen == []


# --- the CLI --------------------------------------------------------------------------------


@pytest.fixture
def user(sandbox: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Box:
    monkeypatch.setattr(_output.stdout, "width", 80)
    box = Box(str(sandbox))
    sign_in(box, tmp_path, monkeypatch)
    return box


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert code == 0, err
    return out, err


def test_cli_discovery_commands_fit_80_columns(
    user: Box, capsys: pytest.CaptureFixture[str]
) -> None:
    event = next(
        e["event_ticker"] for e in cli_json(capsys, "events", "list", "--status", "open",
                                            "--limit", "0")
        if e["series_ticker"] == "KXHIGHNY"
    )  # fmt: skip
    for argv in (
        ("events", "metadata", event),
        ("events", "candles", event, "--period", "1m", "--hours", "1"),
        ("search", "tags"),
        ("search", "sports"),
        ("series", "fee-changes"),
    ):
        out, _ = run(capsys, *argv)
        lines = out.splitlines()
        assert lines, argv
        assert all(len(line) <= 80 for line in lines), (argv, out)
    out, _ = run(capsys, "events", "candles", event, "--period", "1m", "--hours", "1")
    tickers = [m["ticker"] for m in user.markets() if m["event_ticker"] == event]
    assert all(t in out for t in tickers)  # tickers whole
    out, _ = run(capsys, "events", "metadata", event)
    assert all(t in out for t in tickers)
    out, _ = run(capsys, "series", "fee-changes")
    assert "KXTOPSONG" in out
    assert "quadratic_with_maker_fees" in out


def test_cli_json_and_empty_answers(user: Box, capsys: pytest.CaptureFixture[str]) -> None:
    tags = cli_json(capsys, "search", "tags")
    assert "Sports" in tags
    changes = cli_json(capsys, "series", "fee-changes")
    assert changes[0]["series_ticker"] == "KXTOPSONG"
    out, err = run(capsys, "series", "fee-changes", "--series", "KXBTCD")
    assert out == ""
    assert "no fee changes scheduled" in err
    assert cli_json(capsys, "series", "fee-changes", "--series", "KXBTCD") == []
    code = main(["events", "candles", "KXHIGHNY-26DEC03", "--period", "2h"])
    assert code == 2
