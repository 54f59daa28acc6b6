"""The discovery reads at the exchange level (no HTTP): the recorded January answers of these
endpoints parse into our models; what the sandbox publishes around its catalog is the same from
the same seed, follows the catalog as it rolls, and moves with the clock (a game under way)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import msgspec
import pytest
from _exchange_kit import NOW, Clock, new_exchange

from kalshikit import models as m
from kalshikit.sandbox.catalog import build_catalog, game_milestones, team_targets
from kalshikit.sandbox.exchange.exchange import ExchangeError
from kalshikit.sandbox.exchange.render import millis_of

OTHER = {
    "event_metadata_response.json": m.EventMetadata,
    "events_multivariate_list_response.json": m.EventsPage,
    "filters_by_sport_response.json": m.FiltersBySports,
    "incentive_programs_response.json": m.IncentiveProgramsPage,
    "milestone_single_response.json": m.MilestoneResponse,
    "milestones_list_response.json": m.MilestonesPage,
    "series_fee_changes_response.json": m.SeriesFeeChangesResponse,
    "structured_target_single_response.json": m.StructuredTargetResponse,
    "structured_targets_list_response.json": m.StructuredTargetsPage,
    "user_data_timestamp_response.json": m.UserDataTimestamp,
}


@pytest.mark.parametrize("name", sorted(OTHER))
def test_recorded_discovery_answers_parse(golden_dir: Path, name: str) -> None:
    recorded = json.loads((golden_dir / "other" / name).read_text(encoding="utf-8"))
    parsed = msgspec.json.decode(json.dumps(recorded["response"]), type=OTHER[name])
    assert msgspec.json.decode(msgspec.json.encode(parsed), type=OTHER[name]) == parsed


def test_recorded_incentive_programs_read_januarys_target_size(golden_dir: Path) -> None:
    path = golden_dir / "other" / "incentive_programs_response.json"
    body = json.dumps(json.loads(path.read_text(encoding="utf-8"))["response"])
    page = msgspec.json.decode(body, type=m.IncentiveProgramsPage)
    assert page.cursor == page.next_cursor
    assert page.cursor
    first = page.incentive_programs[0]
    assert first.target_size is not None
    assert first.target_size.count == 300
    assert first.market_id is None  # January had none; SDK 3.34 requires it


def test_the_same_seed_publishes_the_same_discovery_data() -> None:
    one, two = new_exchange(), new_exchange()
    assert one.milestones(limit=500) == two.milestones(limit=500)
    assert one.structured_targets(page_size=2000) == two.structured_targets(page_size=2000)
    assert one.incentive_programs() == two.incentive_programs()
    assert one.series_fee_changes() == two.series_fee_changes()


def test_every_game_has_a_milestone_naming_its_teams() -> None:
    exchange = new_exchange()
    everything, cursor = exchange.milestones(limit=500)
    assert cursor == ""
    milestones = [ms for ms in everything if ms.type == "basketball_game"]
    games = exchange.catalog.events_of_series("KXNBAGAME")
    assert [ms.primary_event_tickers for ms in milestones] == [[g.event_ticker] for g in games]
    targets = {t.id: t for t in exchange.structured_targets(page_size=2000)[0]}
    for milestone in milestones:
        event, markets = exchange.event(milestone.primary_event_tickers[0])
        away, home = (targets[milestone.details[k]] for k in ("away_team_id", "home_team_id"))
        assert [away.name, home.name] == [mk.yes_sub_title for mk in markets]
        assert milestone.title == f"{away.name} at {home.name}"
        assert milestone.start_date == event.strike_date


def test_the_election_is_a_political_race() -> None:
    exchange = new_exchange()
    races = exchange.milestones(limit=500, kind="political_race")[0]
    elections = exchange.catalog.events_of_series("KXPRESDEMSTATES")
    assert [r.primary_event_tickers for r in races] == [[e.event_ticker] for e in elections]
    assert {r.category for r in races} == {"Elections"}
    assert exchange.milestones(limit=500, category="elections")[0] == races
    assert exchange.milestones(limit=500, competition="Pro Basketball (M)")[0]
    assert not exchange.milestones(limit=500, competition="None")[0]


def test_a_listed_game_night_gets_its_milestones_too() -> None:
    clock = Clock()
    exchange = new_exchange(clock)
    before = {ms.id for ms in exchange.milestones(limit=500)[0]}
    clock.advance(40 * 24 * 3600)  # past every game built
    listed = exchange.list_events("KXNBAGAME")
    assert listed
    new_events = {t.rpartition("-")[0] for t in listed}
    after = exchange.milestones(limit=500)[0]
    fresh = [ms for ms in after if ms.id not in before]
    assert {ms.primary_event_tickers[0] for ms in fresh} == new_events
    found = exchange.milestones(limit=500, related_event_ticker=sorted(new_events)[0])[0]
    assert [ms.primary_event_tickers[0] for ms in found] == [sorted(new_events)[0]]


def test_a_game_is_under_way_after_tip_off() -> None:
    clock = Clock()
    exchange = new_exchange(clock)
    first = exchange.milestones(limit=1)[0][0]
    assert first.details["status"] == "created"
    clock.advance((millis_of(first.start_date) - clock()) / 1000 + 60)
    live = exchange.milestone(first.id)
    assert live.details["status"] == "inprogress"
    assert live.last_updated_ts >= first.start_date
    updated_after = int((first.start_date - timedelta(seconds=1)).timestamp())
    assert first.id in {
        ms.id for ms in exchange.milestones(limit=500, min_updated_ts=updated_after)[0]
    }


def test_pages_and_filters_are_complete_and_bad_ones_refused() -> None:
    exchange = new_exchange()
    everything = exchange.incentive_programs(limit=10_000)[0]
    pages, cursor = [], None
    while True:
        page, cursor = exchange.incentive_programs(limit=3, cursor=cursor)
        pages += page
        if not cursor:
            break
    assert pages == everything
    kinds = {p.incentive_type for p in everything}
    assert kinds == {"liquidity", "volume"}
    assert all(p.incentive_type == "volume" for p in exchange.incentive_programs(kind="volume")[0])
    for refused in (
        lambda: exchange.milestones(limit=501),
        lambda: exchange.structured_targets(page_size=0),
        lambda: exchange.incentive_programs(status="soon"),
        lambda: exchange.multivariate_events(series_ticker="A", collection_ticker="B"),
        lambda: exchange.milestone("nope"),
        lambda: exchange.event_metadata("NOPE-1"),
    ):
        with pytest.raises(ExchangeError):
            refused()


def test_the_series_fee_change_is_ahead_until_its_date_passes() -> None:
    clock = Clock()
    exchange = new_exchange(clock)
    (change,) = exchange.series_fee_changes()
    assert change.series_ticker in {s.ticker for s in exchange.catalog.series}
    assert change.fee_type in m.FEE_TYPES
    clock.advance((millis_of(change.scheduled_ts) - clock()) / 1000 + 1)
    assert exchange.series_fee_changes() == []
    assert exchange.series_fee_changes(show_historical=True) == [change]


def test_ids_follow_the_catalog_seed() -> None:
    zero, again, one = (build_catalog(seed=s, markets=200, now=NOW) for s in (0, 0, 1))
    assert game_milestones(zero) == game_milestones(again)
    assert team_targets(zero) == team_targets(again)
    assert {t.id for t in team_targets(zero)}.isdisjoint(t.id for t in team_targets(one))
