"""The sandbox store: commands recorded as applied, replayed into the same state after a restart.

Real SQLite files in a temporary directory; a busy random session (orders, cancels, amends,
decreases, groups, refusals, expiries, a settlement) must replay to an identical state digest.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from _exchange_kit import NOW_MS, Clock, ioc, order, pick

from kalshikit.models import (
    AmendOrderV2Request,
    CreateOrderGroupRequest,
    DecreaseOrderV2Request,
)
from kalshikit.sandbox._requests import WriteRoute
from kalshikit.sandbox.exchange import Exchange, ExchangeError
from kalshikit.sandbox.store import (
    DB_NAME,
    PersistentExchange,
    ReplayError,
    Store,
    open_exchange,
    replay,
    reset,
)
from kalshikit.units import centi_to_fp

MARKETS = (pick(), pick(index=1), pick(fee_type="quadratic_with_maker_fees"))
PRICES = ("0.40", "0.45", "0.48", "0.50", "0.52", "0.55", "0.60")
USERS = ("ann", "ben", "cat")


def open_box(data_dir: Path, clock: Clock) -> PersistentExchange:
    return open_exchange(data_dir, seed=0, markets=100, now_ms=NOW_MS, clock=clock)


def busy_session(box: PersistentExchange, clock: Clock, rng: random.Random, steps: int) -> None:
    """Random trading through the journaled writer, refusals included."""
    ex = box.exchange
    for step in range(steps):
        user, ticker = rng.choice(USERS), rng.choice(MARKETS)
        resting = ex.orders(user, status="resting", limit=1000)[0]
        choice = rng.random()
        try:
            if choice < 0.5 or not resting:
                side, price = rng.choice(("bid", "ask")), rng.choice(PRICES)
                extra: dict[str, object] = {}
                if rng.random() < 0.1:
                    extra["expiration_time"] = clock.ms // 1000 + rng.randint(1, 20)
                if rng.random() < 0.1:
                    extra["client_order_id"] = f"c{rng.randint(0, 5)}"  # duplicates get 409
                req = order(ticker, side, price, centi_to_fp(rng.randint(1, 1500)), **extra)
                box.create_order(user, req if rng.random() < 0.7 else ioc(ticker, side, price))
            elif choice < 0.65:
                box.cancel_order(user, rng.choice(resting).order_id)
            elif choice < 0.8:
                target = rng.choice(resting)
                box.amend_order(user, target.order_id, AmendOrderV2Request(
                    ticker=target.ticker, side=target.book_side, price=rng.choice(PRICES),
                    count=centi_to_fp(rng.randint(1, 2000)),
                ))  # fmt: skip
            elif choice < 0.9:
                target = rng.choice(resting)
                req_d = DecreaseOrderV2Request(reduce_by=centi_to_fp(rng.randint(1, 500)))
                box.decrease_order(user, target.order_id, req_d)
            else:
                box.batch_cancel(user, [o.order_id for o in resting[:2]] + ["missing"])
        except ExchangeError:
            pass
        if step % 7 == 0:
            clock.advance(rng.randint(1, 9))


def setup_users(box: PersistentExchange) -> None:
    for user in USERS:
        box.create_user(balance_cents=300_00, user_id=user)
    group = box.create_order_group("ann", CreateOrderGroupRequest(contracts_limit=20))
    box.create_order("ann", order(MARKETS[0], "bid", "0.49", order_group_id=group))


def test_replay_rebuilds_the_same_state(tmp_path: Path) -> None:
    clock = Clock()
    box = open_box(tmp_path, clock)
    setup_users(box)
    busy_session(box, clock, random.Random(11), 300)
    box.determine(MARKETS[1], "yes")
    box.settle(MARKETS[1])
    busy_session(box, clock, random.Random(12), 100)
    assert box.exchange.money_totals()["fees"] > 0  # the session really traded
    before = box.exchange.state_digest()
    recorded = len(box.store)
    box.close()

    later = Clock(clock.ms + 3_600_000)
    again = open_box(tmp_path, later)
    assert again.exchange.state_digest() == before
    assert len(again.store) == recorded
    # and it goes on as the original would have: same ids from the same RNG
    ack = again.create_order("ben", order(MARKETS[0], "bid", "0.41", "1.00"))
    assert ack.order_id == before["next_ids"][0]  # type: ignore[index]


def test_failed_command_leaves_no_record(tmp_path: Path) -> None:
    clock = Clock()
    box = open_box(tmp_path, clock)
    box.create_user(balance_cents=1_00, user_id="poor")
    count, digest = len(box.store), box.exchange.state_digest()
    with pytest.raises(ExchangeError):
        box.create_order("poor", order(MARKETS[0], "bid", "0.50", "100.00"))
    with pytest.raises(ExchangeError):
        box.create_user(balance_cents=1, user_id="poor")
    assert len(box.store) == count
    assert box.exchange.state_digest() == digest
    assert [c.name for c in box.store.commands()] == ["create_user"]


def test_due_advance_is_recorded_before_a_refused_command(tmp_path: Path) -> None:
    clock = Clock()
    box = open_box(tmp_path, clock)
    box.create_user(balance_cents=10_00, user_id="amy")
    expiring = order(MARKETS[0], "bid", "0.50", expiration_time=clock.ms // 1000 + 5)
    ack = box.create_order("amy", expiring)
    clock.advance(10)
    with pytest.raises(ExchangeError):
        box.create_order("amy", order(MARKETS[0], "bid", "0.50", "1000.00"))
    assert box.exchange.order("amy", ack.order_id).status == "canceled"
    names = [c.name for c in box.store.commands()]
    assert names == ["create_user", "create_order", "advance"]
    digest = box.exchange.state_digest()
    box.close()
    assert open_box(tmp_path, clock).exchange.state_digest() == digest


def test_recorded_time_is_the_time_the_exchange_saw(tmp_path: Path) -> None:
    ticks = iter(range(NOW_MS, NOW_MS + 1000, 7))  # a clock that moves on every reading
    box = open_exchange(tmp_path, seed=0, markets=100, now_ms=NOW_MS, clock=lambda: next(ticks))
    box.create_user(balance_cents=10_00, user_id="amy")
    ack = box.create_order("amy", order(MARKETS[0], "bid", "0.50"))
    recorded = list(box.store.commands())[-1]
    assert recorded.ts_ms == ack.ts_ms


def test_stored_catalog_parameters_win_on_reopen(tmp_path: Path) -> None:
    clock = Clock()
    first = open_box(tmp_path, clock)
    tickers = [m.ticker for m in first.exchange.catalog.markets]
    first.close()
    other = open_exchange(tmp_path, seed=99, markets=150, now_ms=NOW_MS + 10**9, clock=clock)
    assert [m.ticker for m in other.exchange.catalog.markets] == tickers
    assert other.store.meta()["seed"] == "0"


def test_reset_starts_afresh(tmp_path: Path) -> None:
    clock = Clock()
    box = open_box(tmp_path, clock)
    box.create_user(balance_cents=10_00, user_id="amy")
    box.close()
    assert reset(tmp_path) is True
    assert not (tmp_path / DB_NAME).exists()
    assert reset(tmp_path) is False
    fresh = open_exchange(tmp_path, seed=5, markets=100, now_ms=NOW_MS, clock=clock)
    assert fresh.exchange.state_digest()["accounts"] == {}
    assert fresh.store.meta()["seed"] == "5"


def test_store_is_wal_and_one_table_of_commands(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.sqlite3")
    store.append(5, "deposit", {"user_id": "x", "cents": 3})
    store.close()
    with sqlite3.connect(tmp_path / "s.sqlite3") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        rows = db.execute("SELECT seq, ts_ms, name, args FROM commands").fetchall()
    assert rows == [(1, 5, "deposit", '{"user_id":"x","cents":3}')]


def test_replay_with_a_factory_and_a_bad_log(tmp_path: Path) -> None:
    clock = Clock()
    box = open_box(tmp_path, clock)
    box.create_user(balance_cents=10_00, user_id="amy")
    catalog = box.exchange.catalog

    def factory(exchange_clock: Callable[[], int]) -> Exchange:
        return Exchange(catalog, clock=exchange_clock, seed=0)

    rebuilt = replay(box.store, factory)
    assert rebuilt.state_digest() == box.exchange.state_digest()
    box.store.append(clock.ms, "cancel_order", {"user": "amy", "order_id": "missing"})
    with pytest.raises(ReplayError, match="cancel_order"):
        replay(box.store, factory)


def test_routed_cancels_replay_as_routed(tmp_path: Path) -> None:
    """A cancel that reached shard 1 by its market replays as the same cancel; a batch item
    sent to shard 0 (no market) stays refused on replay too."""
    clock, combo = Clock(), pick(fee_type="quadratic_with_combo_maker_fees", structure="deci_cent")
    box = open_box(tmp_path, clock)
    box.create_user(balance_cents=100_00, user_id="ann")
    ids = [box.create_order("ann", order(combo, "bid", price)).order_id for price in PRICES[:3]]
    box.cancel_order("ann", ids[0], WriteRoute(market_ticker=combo))
    routes = [WriteRoute(exchange_index=1), WriteRoute()]
    items = box.batch_cancel("ann", ids[1:], routes)
    assert [i.error.code if i.error else None for i in items] == [None, "order_not_found"]
    before = box.exchange.state_digest()
    box.close()
    again = open_box(tmp_path, Clock(clock.ms + 60_000))
    assert again.exchange.state_digest() == before
    assert again.exchange.order("ann", ids[2]).status == "resting"
