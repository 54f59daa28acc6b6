"""The official SDK (kalshi-python-sync 3.34.0) drives the sandbox's discovery endpoints (event
metadata, event candlesticks and forecast percentiles, multivariate events, fee changes, search,
incentive programs, milestones, structured targets, the user-data timestamp), and every answer
validates in that SDK's own pydantic models."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from _cli_kit import Box

from kalshikit.sandbox.server import running

sdk = pytest.importorskip(
    "kalshi_python_sync", reason="the official SDK is installed by `make test`"
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def box() -> Iterator[Box]:
    # the house's opening books: every market is quoted, so forecasts have prices to read
    with running(limits_enabled=False) as url:
        yield Box(url)


@pytest.fixture(scope="module")
def client(box: Box) -> Any:
    return box.sdk_client()


def an_event(client: Any, series_prefix: str) -> Any:
    events = client.get_events(limit=200).events
    return next(e for e in events if e.series_ticker.startswith(series_prefix))


def test_exchange_user_data_timestamp_validates(client: Any) -> None:
    stamp = client.get_user_data_timestamp().as_of_time
    assert abs(stamp - datetime.now(UTC)) < timedelta(minutes=1)


def test_event_metadata_and_candlesticks_validate(client: Any) -> None:
    event = an_event(client, "KXHIGH")
    meta = client.get_event_metadata(event.event_ticker)
    tickers = [m.ticker for m in client.get_markets(event_ticker=event.event_ticker).markets]
    assert [d.market_ticker for d in meta.market_details] == tickers
    now = int(time.time())
    candles = client.get_market_candlesticks_by_event(
        ticker=event.event_ticker, series_ticker=event.series_ticker,
        start_ts=now - 3600, end_ts=now, period_interval=60,
    )  # fmt: skip
    assert candles.market_tickers == tickers
    assert len(candles.market_candlesticks) == len(tickers)
    assert candles.adjusted_end_ts == now


def test_forecast_percentile_history_validates(client: Any) -> None:
    event = an_event(client, "KXHIGH")
    now = int(time.time())
    history = client.get_event_forecast_percentiles_history(
        ticker=event.event_ticker, series_ticker=event.series_ticker,
        percentiles=[1000, 5000, 9000], start_ts=now - 300, end_ts=now, period_interval=1,
    ).forecast_history  # fmt: skip
    assert history, "the opening books quote every market: there is a forecast"
    point = history[-1]
    assert point.event_ticker == event.event_ticker
    assert [p.percentile for p in point.percentile_points] == [1000, 5000, 9000]


def test_multivariate_events_and_fee_changes_validate(client: Any) -> None:
    combos = client.get_multivariate_events(limit=200, with_nested_markets=True)
    assert combos.events
    assert all(m.mve_collection_ticker for e in combos.events for m in e.markets or [])
    assert client.get_event_fee_changes(limit=10).event_fee_changes == []
    changes = client.get_series_fee_changes(show_historical=True).series_fee_change_arr
    assert changes
    assert all(c.scheduled_ts > datetime.now(UTC) for c in changes)


def test_search_validates(client: Any) -> None:
    tags = client.get_tags_for_series_categories().tags_by_categories
    assert "Sports" in tags
    filters = client.get_filters_for_sports()
    assert filters.sport_ordering[0] == "All sports"
    assert "Basketball" in filters.filters_by_sports


def test_incentive_programs_validate(client: Any) -> None:
    programs = client.get_incentive_programs(limit=3)
    assert len(programs.incentive_programs) == 3
    assert programs.next_cursor
    rest = client.get_incentive_programs(limit=10_000, cursor=programs.next_cursor)
    assert rest.incentive_programs


def test_milestones_and_structured_targets_validate(client: Any) -> None:
    milestones = client.get_milestones(limit=500).milestones
    assert milestones
    one = client.get_milestone(milestones[0].id).milestone
    assert one.id == milestones[0].id
    home = one.details["home_team_id"]
    target = client.get_structured_target(home).structured_target
    assert target.type == "basketball_team"
    both = client.get_structured_targets(ids=[home, one.details["away_team_id"]])
    assert {t.id for t in both.structured_targets} == {home, one.details["away_team_id"]}
    page = client.get_structured_targets(page_size=5)
    assert len(page.structured_targets) == 5
    assert page.cursor
