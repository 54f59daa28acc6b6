"""Combo markets created from chosen legs, on the exchange alone and through the store.

Checked: any valid legs make one market, created once (the same legs in any order find it, and
finding changes nothing: hypothesis); bad legs are refused and change nothing; a created combo
is determined by its legs; the simulator models a created combo and settles it from its legs; a
restart (the whole log, or a snapshot) lists the same combo again; the January recordings of the
collection endpoints parse; the collection reads as the SDK model wants it.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import msgspec
import pytest
from _exchange_kit import NOW_MS, Clock, new_exchange
from _store_kit import NEVER
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kalshikit import models as m
from kalshikit.fees import FeeSchedule
from kalshikit.sandbox.exchange.exchange import Exchange, ExchangeError
from kalshikit.sandbox.sim.simulator import Simulator
from kalshikit.sandbox.store import PersistentExchange, SnapshotPolicy, open_exchange

COLLECTION = "KXMVECROSSCATEGORY-SHARD1-R"
Leg = tuple[str, str, str]


def open_legs(exchange: Exchange) -> dict[str, list[str]]:
    """Each associated event's open markets."""
    collection = exchange.collection(COLLECTION)
    found: dict[str, list[str]] = {}
    for event in collection.associated_event_tickers:
        tickers = [
            mk.ticker
            for mk in exchange.catalog.markets_of_event(event)
            if exchange.market(mk.ticker).status == "active"
        ]
        if tickers:
            found[event] = tickers
    return found


def some_legs(exchange: Exchange, count: int, seed: int = 0, side: str = "yes") -> list[Leg]:
    rng = random.Random(seed)
    by_event = open_legs(exchange)
    events = rng.sample(sorted(by_event), count)
    return [(e, rng.choice(by_event[e]), side) for e in events]


@st.composite
def leg_sets(draw: st.DrawFn) -> tuple[int, list[int], list[str], int]:
    count = draw(st.integers(2, 4))
    picks = draw(st.lists(st.integers(0, 10**6), min_size=count, max_size=count))
    sides = draw(st.lists(st.sampled_from(["yes", "no"]), min_size=count, max_size=count))
    return count, picks, sides, draw(st.integers(0, 10**6))


def _choose(exchange: Exchange, drawn: tuple[int, list[int], list[str], int]) -> list[Leg]:
    count, picks, sides, seed = drawn
    by_event = open_legs(exchange)
    events = random.Random(seed).sample(sorted(by_event), count)
    return [
        (e, by_event[e][p % len(by_event[e])], s)
        for e, p, s in zip(events, picks, sides, strict=True)
    ]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(drawn=leg_sets(), order_seed=st.integers(0, 10**6))
def test_any_valid_legs_make_one_market_created_once(
    drawn: tuple[int, list[int], list[str], int], order_seed: int
) -> None:
    exchange = new_exchange()
    legs = _choose(exchange, drawn)
    event, ticker, created = exchange.create_combo(COLLECTION, legs)
    assert created
    market = exchange.market(ticker)
    assert (market.event_ticker, market.exchange_index, market.status) == (event, 1, "active")
    assert market.mve_collection_ticker == COLLECTION
    chosen = [(leg.event_ticker, leg.market_ticker, leg.side) for leg in market.mve_selected_legs]
    assert chosen == legs
    digest = exchange.state_digest()
    shuffled = list(legs)
    random.Random(order_seed).shuffle(shuffled)
    assert exchange.find_combo(COLLECTION, shuffled) == (event, ticker)
    assert exchange.create_combo(COLLECTION, shuffled) == (event, ticker, False)
    assert exchange.state_digest() == digest  # finding changed nothing


def test_the_catalogs_own_combos_are_found_by_their_legs() -> None:
    exchange = new_exchange()
    combo = next(
        mk
        for mk in exchange.catalog.markets
        if mk.mve_selected_legs and exchange.market(mk.ticker).status == "active"
        and all(exchange.market(leg.market_ticker or "").status == "active"
                for leg in mk.mve_selected_legs)
    )  # fmt: skip
    legs = [(leg.event_ticker or "", leg.market_ticker or "", leg.side or "")
            for leg in combo.mve_selected_legs or []]  # fmt: skip
    assert exchange.create_combo(COLLECTION, legs) == (combo.event_ticker, combo.ticker, False)


def bad_leg_sets(exchange: Exchange) -> dict[str, tuple[str, list[Leg]]]:
    good = some_legs(exchange, 3)
    (e0, m0, _), (e1, m1, _) = good[0], good[1]
    combo = next(mk for mk in exchange.catalog.markets if mk.mve_selected_legs)
    later = next(
        mk for mk in exchange.catalog.markets
        if exchange.market(mk.ticker).status == "initialized"
    )  # fmt: skip
    by_event = open_legs(exchange)
    twin = next(e for e, tickers in by_event.items() if len(tickers) >= 2)
    five = some_legs(exchange, 5)
    return {
        "unknown market": (COLLECTION, [(e0, e0 + "-NOPE", "yes"), good[1]]),
        "wrong event": (COLLECTION, [(e1, m0, "yes"), good[2]]),
        "a combo as a leg": (COLLECTION, [(combo.event_ticker, combo.ticker, "yes"), good[0]]),
        "not open yet": (COLLECTION, [(later.event_ticker, later.ticker, "yes"), good[0]]),
        "one leg": (COLLECTION, [good[0]]),
        "five legs": (COLLECTION, five),
        "two of one event": (
            COLLECTION, [(twin, by_event[twin][0], "yes"), (twin, by_event[twin][1], "no")]
        ),
        "bad side": (COLLECTION, [(e0, m0, "maybe"), (e1, m1, "yes")]),
        "unknown collection": ("KXMVENOPE-R", good),
    }  # fmt: skip


def test_bad_legs_are_refused_and_change_nothing() -> None:
    exchange = new_exchange()
    digest = exchange.state_digest()
    events = len(exchange.catalog.events)
    for name, (collection, legs) in bad_leg_sets(exchange).items():
        with pytest.raises(ExchangeError) as refused:
            exchange.create_combo(collection, legs)
        assert refused.value.status == 400, name
        assert exchange.state_digest() == digest, name
        assert len(exchange.catalog.events) == events, name


def test_a_created_combo_is_determined_by_its_legs() -> None:
    exchange = new_exchange()
    legs = some_legs(exchange, 3, seed=1)
    _, won, _ = exchange.create_combo(COLLECTION, legs)
    for _, market, side in legs[:-1]:
        exchange.determine(market, side)  # type: ignore[arg-type]
        assert exchange.market(won).status == "active"  # undecided while a leg is open
    exchange.determine(legs[-1][1], legs[-1][2])  # type: ignore[arg-type]
    assert (exchange.market(won).status, exchange.market(won).result) == ("determined", "yes")

    other = new_exchange()
    legs = some_legs(other, 3, seed=2)
    _, lost, _ = other.create_combo(COLLECTION, legs)
    against = "no" if legs[1][2] == "yes" else "yes"
    other.determine(legs[1][1], against)  # type: ignore[arg-type]
    assert (other.market(lost).status, other.market(lost).result) == ("determined", "no")


def test_the_simulator_prices_and_settles_a_created_combo_from_its_legs() -> None:
    clock = Clock()
    exchange = new_exchange(clock)
    sim = Simulator(exchange, seed=4, activity=5)
    sim.step(clock.ms)
    by_event = open_legs(exchange)
    soonest = sorted(by_event, key=lambda e: exchange.market(by_event[e][0]).close_time)
    legs = [(e, by_event[e][0], side) for e, side in zip(soonest[:2], ("yes", "no"), strict=True)]
    _, ticker, _ = exchange.create_combo(COLLECTION, legs)
    sim.step(clock.ms)
    assert 0 < sim.latent(ticker) < 10_000  # modelled at the next step: priced off its legs
    for _ in range(3 * 24 * 12):  # three days in five-minute steps
        clock.advance(300)
        sim.step(clock.ms)
        if exchange.market(ticker).status == "finalized":
            break
    combo = exchange.market(ticker)
    results = [exchange.market(market).result for _, market, _ in legs]
    assert combo.status == "finalized"
    assert combo.result == ("yes" if results == [s for _, _, s in legs] else "no")


def open_box(data_dir: Path, clock: Clock, snapshots: SnapshotPolicy) -> PersistentExchange:
    return open_exchange(
        data_dir, seed=0, markets=100, now_ms=NOW_MS, clock=clock, snapshots=snapshots
    )


@pytest.mark.parametrize("snapshots", [NEVER, SnapshotPolicy(every_commands=1)],
                         ids=["whole-log", "snapshot"])  # fmt: skip
def test_a_restart_keeps_the_created_combo(tmp_path: Path, snapshots: SnapshotPolicy) -> None:
    clock = Clock()
    box = open_box(tmp_path, clock, snapshots)
    legs = some_legs(box.exchange, 3, seed=5)
    with pytest.raises(ExchangeError):
        box.create_combo(COLLECTION, legs[:1])  # refused: nothing journaled
    clock.advance(5)
    event, ticker, created = box.create_combo(COLLECTION, legs)
    assert created
    box.create_combo(COLLECTION, legs[::-1])  # found: journaled, replays as a look-up
    box.set_event_fees(event, "quadratic", 0.5)  # an override on the combo's own event
    clock.advance(5)
    box.determine(legs[0][1], "no" if legs[0][2] == "yes" else "yes")
    digest = box.exchange.state_digest()
    market = box.exchange.market(ticker)
    fees = box.exchange._markets[ticker].fees
    box.close()

    again = open_box(tmp_path, clock, snapshots)
    try:
        assert again.exchange.state_digest() == digest
        assert again.exchange.market(ticker) == market
        assert (
            again.exchange._markets[ticker].fees == fees == FeeSchedule.for_series("quadratic", 0.5)
        )
        assert again.exchange.market(ticker).result == "no"  # its first leg went the other way
        listed = again.exchange.catalog.markets_of_event(event)
        assert [mk.ticker for mk in listed] == [ticker]
    finally:
        again.close()


# ---------------------------------------------------------------------- the wire


@pytest.mark.parametrize(
    ("name", "model"),
    [
        ("multivariate_event_collections_list_response.json", m.MultivariateCollectionsPage),
        ("multivariate_event_collection_single_response.json", m.MultivariateCollectionResponse),
        ("multivariate_event_collection_lookup_tickers_response.json",
         m.CreateMarketInCollectionResponse),
    ],
)  # fmt: skip
def test_the_january_recordings_parse(golden_dir: Path, name: str, model: type[Any]) -> None:
    body = json.loads((golden_dir / "other" / name).read_text())["response"]
    parsed = msgspec.convert(body, model)
    if isinstance(parsed, m.MultivariateCollectionsPage):
        assert parsed.cursor
        assert all(c.size_min == 2 for c in parsed.multivariate_contracts)
        assert all(c.price_level_structure is None for c in parsed.multivariate_contracts)
    elif isinstance(parsed, m.MultivariateCollectionResponse):
        contract = parsed.multivariate_contract
        assert [e.ticker for e in contract.associated_events] == contract.associated_event_tickers
    else:
        assert parsed.market_ticker.startswith(parsed.event_ticker + "-")


def test_the_sandbox_collection_carries_every_field_the_sdk_requires() -> None:
    exchange = new_exchange()
    encoded = msgspec.to_builtins(exchange.collection(COLLECTION))
    assert encoded["price_level_structure"] == "deci_cent"
    assert encoded["exchange_index"] == 1
    assert (encoded["size_min"], encoded["size_max"]) == (2, 4)
    assert all(e["size_max"] == 1 for e in encoded["associated_events"])
    page, cursor = exchange.collections(status="open", limit=1)
    assert [c.collection_ticker for c in page] == [COLLECTION]
    assert cursor == ""
    assert exchange.collections(status="closed")[0] == []
    assert exchange.collections(associated_event_ticker="NOPE")[0] == []
