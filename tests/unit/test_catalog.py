"""The sandbox catalog: deterministic, complete, linked, on its price grids, consistent with ``now``
and with the official SDK's models. The catalog is pure, so each test builds one and reads it."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kalshikit.errors import ValidationError
from kalshikit.models import Market, MarketsPage
from kalshikit.sandbox.catalog import Catalog, build_catalog
from kalshikit.units import PriceGrid

NOW = datetime(2026, 11, 25, 16, 37, 12, 345678, tzinfo=UTC)
EARLIEST = datetime(2025, 1, 1)  # noqa: DTZ001 - hypothesis takes naive bounds
LATEST = datetime(2035, 12, 31)  # noqa: DTZ001
COMBO_SERIES = "KXMVECROSSCATEGORY"
KINDS = {
    "KXBTCD": "Crypto",
    "KXHIGHNY": "Climate and Weather",
    "KXFEDDECISION": "Economics",
    "KXCPIYOY": "Economics",
    "KXPRESDEMSTATES": "Elections",
    "KXNBAGAME": "Sports",
    "KXTOPSONG": "Entertainment",
    COMBO_SERIES: "Sports",
}


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return build_catalog(now=NOW)


@pytest.fixture(scope="module")
def sdk_required(golden_dir: Path) -> dict[str, list[str]]:
    """The fields the official SDK (3.34) marks required, per model."""
    spec = golden_dir.parents[1] / "reference" / "spec" / "rest-models-sdk-3.34.json"
    models = json.loads(spec.read_text())
    return {
        model: [f["name"] for f in models[model]["fields"] if f["required"]]
        for model in ("Market", "EventData", "Series")
    }


def encoded(catalog: Catalog) -> bytes:
    return msgspec.json.encode(
        [catalog.series, catalog.events, catalog.markets, catalog.fair_value]
    )


def as_wire(struct: msgspec.Struct) -> dict[str, Any]:
    wire: dict[str, Any] = msgspec.json.decode(msgspec.json.encode(struct))
    return wire


def series_ticker(catalog: Catalog, market: Market) -> str:
    series = catalog.series_of(market.ticker)
    assert series is not None
    return series.ticker


# --- determinism and size ---------------------------------------------------------------------


def test_same_seed_gives_the_same_bytes_and_another_seed_does_not() -> None:
    first = encoded(build_catalog(seed=7, now=NOW))
    assert encoded(build_catalog(seed=7, now=NOW)) == first
    assert encoded(build_catalog(seed=8, now=NOW)) != first


def test_now_in_another_zone_is_the_same_instant() -> None:
    eastern = NOW.astimezone(timezone(timedelta(hours=-5)))
    assert encoded(build_catalog(now=eastern)) == encoded(build_catalog(now=NOW))


@pytest.mark.parametrize("size", [200, 1_000, 5_000])
def test_size_is_within_ten_percent_of_the_request(size: int) -> None:
    assert abs(len(build_catalog(markets=size, now=NOW).markets) - size) <= size // 10


def test_the_default_size_is_200(catalog: Catalog) -> None:
    assert abs(len(catalog.markets) - 200) <= 20


@pytest.mark.slow
def test_twenty_thousand_markets_stay_consistent() -> None:
    # how fast it builds is measured by bench/bench_sandbox_http.py (start-up with 20,000)
    big = build_catalog(seed=3, markets=20_000, now=NOW)
    assert abs(len(big.markets) - 20_000) <= 2_000
    assert len({m.ticker for m in big.markets}) == len(big.markets)
    statuses = Counter(m.status for m in big.markets)
    assert statuses["active"] > 0.8 * len(big.markets)
    structures = Counter(m.price_level_structure for m in big.markets)
    assert structures.most_common(1)[0][0] == "linear_cent"


@pytest.mark.parametrize("bad", [0, -5, 2.5, True, "200"])
def test_refuses_a_size_that_is_not_a_positive_int(bad: Any) -> None:
    with pytest.raises(ValidationError, match="markets"):
        build_catalog(markets=bad, now=NOW)


def test_refuses_a_naive_now() -> None:
    with pytest.raises(ValidationError, match="timezone-aware"):
        build_catalog(now=datetime(2026, 11, 25, 16, 37))  # noqa: DTZ001 - the point of the test


# --- contents ----------------------------------------------------------------------------------


def test_every_kind_of_series_is_there_with_events(catalog: Catalog) -> None:
    assert len(catalog.series) >= 8
    by_ticker = {s.ticker: s for s in catalog.series}
    with_events = {e.series_ticker for e in catalog.events}
    for ticker, category in KINDS.items():
        assert by_ticker[ticker].category == category
        assert ticker in with_events, f"{ticker} has no events"


def test_series_carry_real_looking_fields(catalog: Catalog) -> None:
    for series in catalog.series:
        assert series.contract_url.startswith("https://kalshi-public-docs.s3")
        assert series.contract_terms_url.endswith(".pdf")
        assert series.frequency
        assert series.title
        assert series.tags
        assert series.categories == [series.category]
    fee_types = {s.fee_type for s in catalog.series}
    assert {"quadratic", "quadratic_with_maker_fees"} <= fee_types


def test_markets_events_and_series_link_up(catalog: Catalog) -> None:
    series_tickers = {s.ticker for s in catalog.series}
    for event in catalog.events:
        assert event.series_ticker in series_tickers
        assert event.event_ticker.startswith(f"{event.series_ticker}-")
        assert catalog.markets_of_event(event.event_ticker), f"{event.event_ticker} is empty"
    for market in catalog.markets:
        assert catalog.event(market.event_ticker) is not None
        assert market.ticker.startswith(f"{market.event_ticker}-")


def test_tickers_are_unique(catalog: Catalog) -> None:
    for tickers in (
        [s.ticker for s in catalog.series],
        [e.event_ticker for e in catalog.events],
        [m.ticker for m in catalog.markets],
    ):
        assert len(set(tickers)) == len(tickers)


def test_tickers_look_real(catalog: Catalog) -> None:
    tickers = {m.ticker for m in catalog.markets}
    assert any(t.startswith("KXBTCD-26NOV25") and "-T" in t for t in tickers)
    assert any(t.startswith("KXHIGHNY-26NOV25-B") and t.endswith(".5") for t in tickers)
    assert any(t.startswith("KXFEDDECISION-") and t.endswith("-H0") for t in tickers)


def test_price_ranges_are_the_grid_of_the_structure(catalog: Catalog) -> None:
    for market in catalog.markets:
        from_ranges = PriceGrid.from_ranges(market.price_ranges)
        assert from_ranges == PriceGrid.for_structure(market.price_level_structure), market.ticker
    structures = Counter(m.price_level_structure for m in catalog.markets)
    assert set(structures) == {"linear_cent", "tapered_deci_cent", "deci_cent"}
    assert structures.most_common(1)[0][0] == "linear_cent"


def test_fair_values_cover_every_market_strictly_inside_a_dollar(catalog: Catalog) -> None:
    assert set(catalog.fair_value) == {m.ticker for m in catalog.markets}
    assert all(1 <= value <= 9_999 for value in catalog.fair_value.values())


def test_mutually_exclusive_events_split_a_dollar(catalog: Catalog) -> None:
    exclusive = [e for e in catalog.events if e.mutually_exclusive]
    assert len(exclusive) >= 5
    for event in exclusive:
        assert event.collateral_return_type == "MECNET"
        markets = catalog.markets_of_event(event.event_ticker)
        total = sum(catalog.fair_value[m.ticker] for m in markets)
        assert abs(total - 10_000) <= 10, f"{event.event_ticker} sums to {total}"


def test_independent_events_use_the_real_collateral_types(catalog: Catalog) -> None:
    independent = [e for e in catalog.events if not e.mutually_exclusive]
    assert {e.collateral_return_type for e in independent} == {"", "DIRECNET"}
    assert {e.collateral_return_type for e in catalog.events} == {"MECNET", "DIRECNET", ""}


def test_crypto_ladders_mix_ranges_and_thresholds(catalog: Catalog) -> None:
    bitcoin = [m for m in catalog.markets if m.event_ticker.startswith("KXBTCD-")]
    strikes = Counter(m.strike_type for m in bitcoin)
    assert strikes["between"]
    assert strikes["greater"]
    assert any(m.price_level_structure == "tapered_deci_cent" for m in bitcoin)
    for market in bitcoin:
        assert market.floor_strike is not None
        if market.strike_type == "between":
            assert market.cap_strike is not None
            assert market.floor_strike < market.cap_strike


def test_a_weather_day_is_six_ranges_covering_every_temperature(catalog: Catalog) -> None:
    event = next(e for e in catalog.events if e.series_ticker == "KXHIGHNY")
    markets = catalog.markets_of_event(event.event_ticker)
    assert event.mutually_exclusive
    assert event.strike_date is not None
    assert [m.strike_type for m in markets] == ["less"] + ["between"] * 4 + ["greater"]
    assert markets[0].yes_sub_title.endswith("° or below")
    assert markets[-1].yes_sub_title.endswith("° or above")
    assert markets[0].cap_strike == markets[1].floor_strike
    assert markets[-1].floor_strike == markets[-2].cap_strike


def test_named_outcome_events(catalog: Catalog) -> None:
    fed = next(e for e in catalog.events if e.series_ticker == "KXFEDDECISION")
    labels = {m.yes_sub_title for m in catalog.markets_of_event(fed.event_ticker)}
    assert {"Hold", "Cut 25bps", "Cut >25bps"} <= labels
    for game in (e for e in catalog.events if e.series_ticker == "KXNBAGAME"):
        assert game.mutually_exclusive
        assert len(catalog.markets_of_event(game.event_ticker)) == 2
    election = next(e for e in catalog.events if e.series_ticker == "KXPRESDEMSTATES")
    assert not election.mutually_exclusive
    assert election.collateral_return_type == ""


def test_rules_read_like_the_real_ones(catalog: Catalog) -> None:
    for market in catalog.markets:
        if market.mve_collection_ticker is None:
            assert market.rules_primary.startswith("If ")
            assert market.rules_primary.endswith("then the market resolves to Yes.")
            assert market.rules_secondary
            assert market.title
        assert market.yes_sub_title
        assert market.no_sub_title == market.yes_sub_title


# --- times ---------------------------------------------------------------------------------------


def assert_times_follow(catalog: Catalog, now: datetime) -> None:
    for market in catalog.markets:
        assert market.created_time <= now
        assert market.created_time <= market.open_time
        assert market.updated_time is not None
        assert market.updated_time >= market.created_time
        assert market.open_time < market.close_time <= market.latest_expiration_time
        expected = "initialized" if now < market.open_time else "active"
        assert market.status == expected, market.ticker
        assert now < market.close_time, market.ticker


def test_statuses_follow_the_times(catalog: Catalog) -> None:
    assert_times_follow(catalog, NOW)
    statuses = Counter(m.status for m in catalog.markets)
    assert statuses["initialized"] >= 1
    assert statuses["active"] > 0.8 * len(catalog.markets)


def test_some_markets_close_soon_and_others_days_out(catalog: Catalog) -> None:
    closes = [m.close_time - NOW for m in catalog.markets]
    assert min(closes) <= timedelta(hours=1)
    assert max(closes) >= timedelta(days=7)


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**32),
    now=st.datetimes(EARLIEST, LATEST, timezones=st.just(UTC)),
)
def test_statuses_follow_any_now(seed: int, now: datetime) -> None:
    catalog = build_catalog(seed=seed, markets=150, now=now)
    assert_times_follow(catalog, now)
    assert sum(m.status == "active" for m in catalog.markets) > len(catalog.markets) // 2


# --- the wire ----------------------------------------------------------------------------------


def test_every_sdk_required_field_is_set(
    catalog: Catalog, sdk_required: dict[str, list[str]]
) -> None:
    pairs: list[tuple[str, Sequence[msgspec.Struct]]] = [
        ("Series", catalog.series),
        ("EventData", catalog.events),
        ("Market", catalog.markets),
    ]
    for model, structs in pairs:
        for struct in structs:
            wire = as_wire(struct)
            missing = [name for name in sdk_required[model] if wire.get(name) is None]
            assert not missing, (
                f"{model} {wire.get('ticker') or wire.get('event_ticker')}: {missing}"
            )


def test_markets_use_the_current_shape_with_empty_books(catalog: Catalog) -> None:
    for market in catalog.markets:
        assert market.yes_bid_cents is None
        assert market.volume_int is None
        assert market.yes_bid_dollars == market.yes_ask_dollars == "0.0000"
        assert market.no_bid_dollars == market.no_ask_dollars == market.last_price_dollars
        assert market.yes_bid_size_fp == market.volume_fp == market.open_interest_fp == "0.00"
        assert market.notional_value_dollars == "1.0000"
        assert market.settlement_bounds_type == "default"
        assert (market.result, market.market_type) == ("", "binary")
        assert market.exchange_index == (1 if market.mve_collection_ticker else 0)


def test_the_wire_decodes_back_into_the_same_markets(catalog: Catalog) -> None:
    body = msgspec.json.encode({"markets": catalog.markets, "cursor": ""})
    assert msgspec.json.decode(body, type=MarketsPage).markets == catalog.markets


# --- combos --------------------------------------------------------------------------------------


def test_combo_legs_are_real_open_markets(catalog: Catalog) -> None:
    combos = [m for m in catalog.markets if series_ticker(catalog, m) == COMBO_SERIES]
    assert combos
    for combo in combos:
        assert combo.mve_collection_ticker
        assert combo.mve_selected_legs
        assert combo.price_level_structure == "deci_cent"
        assert combo.strike_type == "custom"
        legs = combo.mve_selected_legs
        assert len(legs) >= 2
        assert len({leg.event_ticker for leg in legs}) == len(legs), "one leg per event"
        for leg in legs:
            assert leg.market_ticker is not None
            assert leg.side in ("yes", "no")
            market = catalog.market(leg.market_ticker)
            assert market is not None
            assert market.event_ticker == leg.event_ticker
            assert market.status == "active"
            assert market.close_time <= combo.close_time
            assert market.open_time <= combo.open_time


def test_combos_live_on_shard_one(catalog: Catalog) -> None:
    combo_series = catalog.series_of(COMBO_SERIES)
    assert combo_series is not None
    assert combo_series.exchange_index == 1
    for event in catalog.events:
        assert event.exchange_index == (1 if event.series_ticker == COMBO_SERIES else 0)


# --- lookups -------------------------------------------------------------------------------------


def test_lookups(catalog: Catalog) -> None:
    market = catalog.markets[0]
    event = catalog.event(market.event_ticker)
    assert catalog.market(market.ticker) is market
    assert event is not None
    assert event.event_ticker == market.event_ticker
    series = catalog.series_of(market.ticker)
    assert series is not None
    assert series.ticker == event.series_ticker
    assert catalog.series_of(event.event_ticker) is series
    assert catalog.series_of(series.ticker) is series
    in_event = catalog.markets_of_event(event.event_ticker)
    assert market in in_event
    in_event.clear()
    assert catalog.markets_of_event(event.event_ticker), "a copy is handed out"


def test_unknown_tickers_find_nothing(catalog: Catalog) -> None:
    assert catalog.market("NOPE-1") is None
    assert catalog.event("NOPE") is None
    assert catalog.series_of("NOPE") is None
    assert catalog.markets_of_event("NOPE") == []
