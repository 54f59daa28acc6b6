"""The sandbox store: each command logged before it is applied, replayed into the same state.

Real SQLite files in a temporary directory; a busy random session (orders, cancels, amends,
decreases, groups, refusals, expiries, a settlement) must replay to an identical state digest.
A command is checked first (a refused one is not logged), then logged, then applied: one the log
cannot take (here: SQLite in query-only mode, as a full or read-only disk refuses writes) is
refused with a 503 and changes nothing. Snapshots: ``test_snapshots.py``.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from _exchange_kit import NOW_MS, Clock, order, pick
from _store_kit import MARKETS, PRICES, USERS, busy_session, open_box, setup_users

from kalshikit.auth import generate_private_key, public_key_pem
from kalshikit.models import (
    AmendOrderV2Request,
    CreateOrderGroupRequest,
    DecreaseOrderV2Request,
)
from kalshikit.sandbox.exchange.events import ExchangeEvent
from kalshikit.sandbox.exchange.exchange import Exchange, ExchangeError
from kalshikit.sandbox.exchange.requests import WriteRoute
from kalshikit.sandbox.store import (
    DB_NAME,
    PersistentExchange,
    ReplayError,
    Store,
    StoreError,
    open_exchange,
    replay,
    reset,
)


def log_refuses_writes(box: PersistentExchange, refuses: bool) -> None:
    """Make SQLite refuse (or take again) every write, as a full or read-only disk would."""
    box.store._db.execute(f"PRAGMA query_only={int(refuses)}")


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


def test_orders_the_book_refuses_are_not_logged(tmp_path: Path) -> None:
    """Refusals the matching engine decides (post-only crossing, fill-or-kill short of size)
    are made before the command is logged, like every other refusal."""
    box = open_box(tmp_path, Clock())
    box.create_user(balance_cents=100_00, user_id="ann")
    box.create_user(balance_cents=100_00, user_id="ben")
    bid = box.create_order("ann", order(MARKETS[0], "bid", "0.50", post_only=True)).order_id
    box.create_order("ben", order(MARKETS[0], "ask", "0.55", post_only=True))
    digest, logged = box.exchange.state_digest(), len(box.store)
    refusals = {
        "post_only_cross": lambda: box.create_order(
            "ben", order(MARKETS[0], "ask", "0.50", post_only=True)
        ),
        "fill_or_kill_insufficient": lambda: box.create_order(
            "ben", order(MARKETS[0], "ask", "0.50", "20.00", tif="fill_or_kill")
        ),
    }
    amend = AmendOrderV2Request(ticker=MARKETS[0], side="bid", price="0.55", count="10.00")
    for code, refused in refusals.items():
        with pytest.raises(ExchangeError) as caught:
            refused()
        assert caught.value.code == code
    with pytest.raises(ExchangeError, match="post_only"):
        box.amend_order("ann", bid, amend)
    assert (box.exchange.state_digest(), len(box.store)) == (digest, logged)


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
    box.deposit_to_shard("ann", 100_00, 1)  # a combo lives on shard 1: its collateral too
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


# ---------------------------------------------------------------------- write-ahead


def test_a_command_is_logged_before_it_changes_anything(tmp_path: Path) -> None:
    box = open_box(tmp_path, Clock())
    box.create_user(balance_cents=100_00, user_id="amy")
    last_logged: list[str] = []

    def on_change(event: ExchangeEvent) -> None:  # the exchange tells listeners as it changes
        last_logged.append(list(box.store.commands())[-1].name)

    box.exchange.add_listener(on_change)
    box.create_order("amy", order(MARKETS[0], "bid", "0.50"))
    assert last_logged
    assert set(last_logged) == {"create_order"}


def _every_write(box: PersistentExchange, clock: Clock) -> dict[str, Callable[[], object]]:
    """One valid call of each write method on the state ``_ready`` leaves, in an order in which
    each still succeeds after the ones before it ran."""
    resting = [o.order_id for o in box.exchange.orders("ann", status="resting")[0]]
    group = box.exchange.order_groups("ann")[0].id
    pem = public_key_pem(generate_private_key("ed25519"))
    pem2 = public_key_pem(generate_private_key("ed25519"))
    return {
        "create_user": lambda: box.create_user(balance_cents=1_00, user_id="dan"),
        "add_api_key": lambda: box.add_api_key("ann", pem),
        "create_api_key": lambda: box.create_api_key(
            "ann", pem2, name="bot", scopes=["read"], subaccount=1
        ),
        "delete_api_key": lambda: box.delete_api_key(
            "ann", box.exchange.api_keys("ann")[-1].key_id
        ),
        "upgrade_api_usage": lambda: box.upgrade_api_usage("ann"),
        "deposit": lambda: box.deposit("ann", 1_00),
        "deposit_to_shard": lambda: box.deposit_to_shard("ann", 1_00, 1),
        "create_subaccount": lambda: box.create_subaccount("ben"),
        "transfer_between_subaccounts": lambda: box.transfer_between_subaccounts(
            "ann", "5b0c1e5e-8f5c-4d8e-9c1e-2f3a4b5c6d7e", 0, 1, 1_00
        ),
        "set_netting": lambda: box.set_netting("ann", 1, False),
        "create_order": lambda: box.create_order("ben", order(MARKETS[0], "ask", "0.45")),
        "batch_create": lambda: box.batch_create("ben", [order(MARKETS[0], "ask", "0.45")]),
        "amend_order": lambda: box.amend_order(
            "ann",
            resting[0],
            AmendOrderV2Request(ticker=MARKETS[0], side="bid", price="0.41", count="20.00"),
        ),
        "decrease_order": lambda: box.decrease_order(
            "ann", resting[0], DecreaseOrderV2Request(reduce_by="1.00")
        ),
        "cancel_order": lambda: box.cancel_order("ann", resting[0]),
        "batch_cancel": lambda: box.batch_cancel("ann", resting[:2]),
        "cancel_all": lambda: box.cancel_all("ann"),
        "create_order_group": lambda: box.create_order_group(
            "ann", CreateOrderGroupRequest(contracts_limit=9)
        ),
        "trigger_order_group": lambda: box.trigger_order_group("ann", group),
        "reset_order_group": lambda: box.reset_order_group("ann", group),
        "set_order_group_limit": lambda: box.set_order_group_limit("ann", group, 700),
        "delete_order_group": lambda: box.delete_order_group("ann", group),
        "advance": box.advance,
        "determine": lambda: box.determine(MARKETS[2], "no"),
        "settle": lambda: box.settle(MARKETS[1]),
        "set_trading_active": lambda: box.set_trading_active(False),
    }


def _last_key(box: PersistentExchange, user: str) -> str:
    return box.exchange.api_keys(user)[-1].key_id


def _ready(box: PersistentExchange) -> None:
    setup_users(box)  # ann: an order group and a resting bid in it, and an API key
    box.create_api_key("ann", public_key_pem(generate_private_key("ed25519")), name="ready")
    box.create_subaccount("ann")
    for price in ("0.40", "0.42"):
        box.create_order("ann", order(MARKETS[0], "bid", price))
    box.create_order("ann", order(MARKETS[1], "bid", "0.50"))
    box.create_order("ben", order(MARKETS[1], "ask", "0.50"))
    box.determine(MARKETS[1], "yes")


def test_a_command_the_log_cannot_take_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    clock = Clock()
    box = open_box(tmp_path, clock)
    _ready(box)
    digest, logged = box.exchange.state_digest(), len(box.store)
    log_refuses_writes(box, True)
    for name, write in _every_write(box, clock).items():
        with pytest.raises(StoreError) as refused:
            write()
        assert (refused.value.status, refused.value.code) == (503, "store_unavailable"), name
        assert f"could not record {name}" in refused.value.message
        assert "nothing changed" in refused.value.message
        assert box.exchange.state_digest() == digest, name
    log_refuses_writes(box, False)
    assert len(box.store) == logged
    # once the log takes writes again, each of them works and is replayed after a restart
    for write in _every_write(box, clock).values():
        write()
    after = box.exchange.state_digest()
    box.close()
    assert open_box(tmp_path, clock).exchange.state_digest() == after


def test_a_due_advance_the_log_cannot_take_changes_nothing(tmp_path: Path) -> None:
    clock = Clock()
    box = open_box(tmp_path, clock)
    box.create_user(balance_cents=10_00, user_id="amy")
    expiring = order(MARKETS[0], "bid", "0.50", expiration_time=clock.ms // 1000 + 5)
    ack = box.create_order("amy", expiring)
    clock.advance(10)
    digest = box.exchange.state_digest()
    log_refuses_writes(box, True)
    with pytest.raises(StoreError, match="could not record advance"):
        box.deposit("amy", 1_00)
    assert box.exchange.state_digest() == digest
    assert box.exchange.order("amy", ack.order_id).status == "resting"


def test_every_write_passes_its_commit_point_once(tmp_path: Path) -> None:
    """Each command is appended exactly once, by the exchange's write-ahead hook."""
    clock = Clock()
    box = open_box(tmp_path, clock)
    _ready(box)
    for name, write in _every_write(box, clock).items():
        before = box.store.last_seq
        write()
        assert [c.name for c in box.store.commands(after=before)] == [name]


def test_batch_cancel_with_routes_that_do_not_match_changes_nothing(tmp_path: Path) -> None:
    box = open_box(tmp_path, Clock())
    box.create_user(balance_cents=100_00, user_id="ann")
    ids = [box.create_order("ann", order(MARKETS[0], "bid", p)).order_id for p in PRICES[:2]]
    digest, logged = box.exchange.state_digest(), len(box.store)
    with pytest.raises(ValueError, match="one per order"):
        box.batch_cancel("ann", ids, [WriteRoute()])
    assert (box.exchange.state_digest(), len(box.store)) == (digest, logged)


def test_numbering_goes_on_and_orders_of_users_replay(tmp_path: Path) -> None:
    clock = Clock()
    box = open_box(tmp_path, clock)
    for user in USERS:
        box.create_user(balance_cents=10_00, user_id=user)
    assert [c.seq for c in box.store.commands()] == [1, 2, 3]
    assert box.store.last_seq == 3
