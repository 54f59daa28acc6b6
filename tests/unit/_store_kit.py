"""Shared set-up of the store tests: a persisted sandbox and random sessions through it.

Nothing is mocked: real SQLite files in a temporary directory, the real exchange and catalog,
a clock the tests move.
"""

from __future__ import annotations

import random
from pathlib import Path

from _exchange_kit import NOW_MS, Clock, ioc, order, pick

from kalshikit.models import (
    AmendOrderV2Request,
    CreateOrderGroupRequest,
    DecreaseOrderV2Request,
)
from kalshikit.sandbox.exchange.exchange import ExchangeError
from kalshikit.sandbox.exchange.retention import Retention
from kalshikit.sandbox.store import PersistentExchange, SnapshotPolicy, open_exchange
from kalshikit.units import centi_to_fp

# a window of a minute swept every 10 s, keeping 5 records a user: a short session drops a lot
SHORT = Retention(window_ms=60_000, per_user=5, every_ms=10_000)
NEVER = SnapshotPolicy(every_commands=10**9, every_ms=10**15, on_close=10**9)


MARKETS = (pick(), pick(index=1), pick(fee_type="quadratic_with_maker_fees"))
PRICES = ("0.40", "0.45", "0.48", "0.50", "0.52", "0.55", "0.60")
USERS = ("ann", "ben", "cat")


def open_box(
    data_dir: Path,
    clock: Clock,
    retention: Retention | None = None,
    snapshots: SnapshotPolicy = NEVER,
) -> PersistentExchange:
    return open_exchange(
        data_dir, seed=0, markets=100, now_ms=NOW_MS, clock=clock, retention=retention,
        snapshots=snapshots,
    )  # fmt: skip


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


def varied_session(box: PersistentExchange, clock: Clock, rng: random.Random, steps: int) -> None:
    """``busy_session`` in short bursts, with what else changes state in between: deposits,
    order groups tripped and reset, a market determined and settled, and clock jumps past the
    retention window (so old records are swept)."""
    for _ in range(max(1, steps // 10)):
        busy_session(box, clock, rng, 10)
        user, roll = rng.choice(USERS), rng.random()
        try:
            if roll < 0.2:
                box.deposit(user, rng.randint(1, 5000))
            elif roll < 0.35:
                group = box.create_order_group(user, CreateOrderGroupRequest(contracts_limit=5))
                box.create_order(user, order(MARKETS[0], "bid", "0.45", order_group_id=group))
                box.trigger_order_group(user, group)
                box.reset_order_group(user, group)
            elif roll < 0.4:
                box.determine(MARKETS[1], rng.choice(("yes", "no")))
                box.settle(MARKETS[1])
        except ExchangeError:
            pass
        clock.advance(rng.choice((1, 5, 30, 90)))
