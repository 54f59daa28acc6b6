"""The market simulator: seeded, replayable activity that keeps the sandbox's markets moving.

Real exchange, real catalog, real store; the clock is a test clock the steps move. Checked:
determinism (same seed and steps -> same actions and state; another seed differs), the market's
invariants after every step (grid, no crossed book, money and YES/NO contracts conserved), the
lifecycle (determined and settled after close), ``push``, the rate, and a replay of the store.
"""

from __future__ import annotations

import asyncio
import functools
from collections import Counter
from pathlib import Path

import pytest
from _exchange_kit import NOW_MS, Clock, catalog, pick

from kalshikit.cli.main import main
from kalshikit.models import Market
from kalshikit.sandbox import launch
from kalshikit.sandbox.api.app import create_app
from kalshikit.sandbox.exchange.exchange import Exchange
from kalshikit.sandbox.sim.liquidity import HOUSE_USER, seed_liquidity
from kalshikit.sandbox.sim.simulator import MAKERS, Action, Simulator
from kalshikit.sandbox.store import open_exchange
from kalshikit.units import TICKS_PER_DOLLAR, PriceGrid

HOUR_S = 3600


def session(
    seed: int = 1, *, activity: float = 30.0, steps: int = 120, step_s: float = 1.0
) -> tuple[Exchange, Simulator, list[Action], Clock]:
    """A fresh exchange with the house ladder and a simulator run for ``steps`` steps."""
    clock = Clock()
    exchange = Exchange(catalog(), clock=clock, seed=0)
    seed_liquidity(exchange, exchange.catalog)
    sim = Simulator(exchange, seed=seed, activity=activity)
    actions: list[Action] = []
    for _ in range(steps):
        clock.advance(step_s)
        actions += sim.step(clock.ms)
    return exchange, sim, actions, clock


def grid_of(exchange: Exchange, ticker: str) -> PriceGrid:
    market = exchange.catalog.market(ticker)
    assert market is not None
    return PriceGrid.for_market(market.price_ranges, market.price_level_structure)


def check_invariants(exchange: Exchange) -> None:
    """Books uncrossed and on grid, money conserved, YES == NO contracts in every market."""
    for ticker in (m.ticker for m in exchange.catalog.markets):
        if not exchange.engine.has_market(ticker):
            continue
        bid, ask = exchange.engine.best_bid(ticker), exchange.engine.best_ask(ticker)
        assert bid is None or ask is None or bid < ask, (ticker, bid, ask)
    for order in exchange.engine.resting_orders():
        assert 0 < order.price < TICKS_PER_DOLLAR
        assert grid_of(exchange, order.ticker).allows_ticks(order.price), order
    totals = exchange.money_totals()
    held = totals["cash"] + totals["held"] + totals["fees"] + totals["open_interest"]
    assert held == totals["deposited"]
    net: Counter[str] = Counter()
    for account in exchange.state_digest()["accounts"].values():  # type: ignore[attr-defined]
        for ticker, position in account["positions"].items():
            net[ticker] += position[0]  # YES held is positive, NO negative
    assert all(size == 0 for size in net.values()), net


# ---------------------------------------------------------------------- determinism


def test_same_seed_and_steps_give_the_same_actions_and_state() -> None:
    first, _, actions, _ = session(seed=5)
    second, _, again, _ = session(seed=5)
    assert actions == again
    assert len(actions) > 1000
    assert first.state_digest() == second.state_digest()


def test_another_seed_takes_other_actions() -> None:
    first, _, actions, _ = session(seed=5, steps=30)
    second, _, other, _ = session(seed=6, steps=30)
    assert actions != other
    assert first.state_digest() != second.state_digest()


def test_the_agents_are_ordinary_users_with_fixed_ids() -> None:
    exchange, sim, actions, _ = session(steps=1)
    created = [a.user for a in actions if a.kind == "user"]
    assert created == sim.users
    assert set(MAKERS) <= set(created)
    assert all(exchange.balance(user).balance > 0 for user in created)


# ---------------------------------------------------------------------- invariants


def test_every_step_keeps_the_market_sound() -> None:
    clock = Clock()
    exchange = Exchange(catalog(), clock=clock, seed=0)
    seed_liquidity(exchange, exchange.catalog)
    sim = Simulator(exchange, seed=2, activity=60)
    kinds: Counter[str] = Counter()
    for step in range(150):
        clock.advance(1 if step % 10 else 120)  # now and then a jump in time: drift, jumps
        kinds.update(a.kind for a in sim.step(clock.ms))
        check_invariants(exchange)
    assert {"quote", "amend", "take", "sweep"} <= set(kinds)
    assert sim.refusals == {}  # quotes never cross: post-only is never refused


def test_trades_happen_on_the_grid_inside_zero_and_one() -> None:
    exchange, _, _, _ = session(steps=60)
    trades, _ = exchange.trades(limit=1000)
    assert len(trades) > 100
    for trade in trades:
        ticks = round(float(trade.yes_price_dollars or 0) * TICKS_PER_DOLLAR)
        assert 0 < ticks < TICKS_PER_DOLLAR
        assert grid_of(exchange, trade.ticker).allows_ticks(ticks)


def test_makers_keep_at_most_one_quote_a_side_even_after_a_restart() -> None:
    exchange, _, _, clock = session(steps=60)
    restarted = Simulator(exchange, seed=9, activity=30)  # adopts the quotes on the books
    for _ in range(30):
        clock.advance(1)
        restarted.step(clock.ms)
    for maker in MAKERS:
        sides = Counter((o.ticker, o.side) for o in exchange.engine.orders_of(maker))
        assert sides
        assert max(sides.values()) == 1
    check_invariants(exchange)


# ---------------------------------------------------------------------- lifecycle


@functools.cache
def day_session() -> tuple[Exchange, Simulator, list[Action], Clock]:
    """A quiet day in 15-minute steps: crypto hours, the chart, NBA games and a day's weather
    all reach their determination. Shared by the lifecycle tests, which only read it."""
    return session(activity=5, steps=100, step_s=900)


def determination_ms(market: Market) -> int:
    moment = market.expected_expiration_time or market.close_time
    return int(moment.timestamp()) * 1000


def test_markets_are_determined_and_settled_on_their_schedule() -> None:
    exchange, sim, actions, clock = day_session()
    settle_delay = sim.params.settle_delay_ms
    due = [m for m in exchange.catalog.markets if determination_ms(m) + settle_delay < clock.ms]
    assert len(due) > 20
    for market in due:
        assert exchange.market(market.ticker).status == "finalized", market.ticker
    determined = {a.ticker: a.ref for a in actions if a.kind == "determine"}
    settled = {a.ticker for a in actions if a.kind == "settle"}
    assert {m.ticker for m in due} <= settled <= set(determined)
    for market in exchange.catalog.markets:  # the ones listed as the day went on too
        if market.ticker not in determined:
            status = exchange.market(market.ticker).status
            closed = int(market.close_time.timestamp()) * 1000 <= clock.ms
            assert status == "closed" if closed else status in ("initialized", "active")
            assert determination_ms(market) > clock.ms - 900_000
    check_invariants(exchange)
    assert exchange.money_totals()["paid_out"] > 0


def test_a_game_that_ends_before_its_close_date_closes_early() -> None:
    exchange, sim, _, clock = day_session()
    over = clock.ms - sim.params.settle_delay_ms  # the next night's games were listed meanwhile
    games = [
        m
        for m in exchange.catalog.markets
        if m.ticker.startswith("KXNBAGAME") and determination_ms(m) < over
    ]
    assert games
    for market in games:
        assert determination_ms(market) < int(market.close_time.timestamp()) * 1000
        assert exchange.market(market.ticker).status == "finalized"


def test_a_mutually_exclusive_event_has_exactly_one_winner() -> None:
    exchange, _, actions, _ = day_session()
    results: dict[str, list[str]] = {}
    for action in actions:
        if action.kind == "determine":
            market = exchange.catalog.market(action.ticker)
            assert market is not None
            results.setdefault(market.event_ticker, []).append(action.ref)
    complete = [
        e for e, found in results.items()
        if (event := exchange.catalog.event(e)) is not None and event.mutually_exclusive
        and len(found) == len(exchange.catalog.markets_of_event(e))
    ]  # fmt: skip
    assert len(complete) >= 3
    for event_ticker in complete:
        assert results[event_ticker].count("yes") == 1, event_ticker


def test_markets_open_on_schedule_and_get_traded() -> None:
    unopened = [m for m in catalog().markets if m.status == "initialized"]
    first = min(unopened, key=lambda m: m.open_time)
    opens_in = int(first.open_time.timestamp()) - NOW_MS // 1000
    exchange, _, actions, _ = session(activity=20, steps=2, step_s=opens_in)
    assert exchange.market(first.ticker).status == "active"
    assert Action("advance") in actions


# ---------------------------------------------------------------------- latent value and push


def test_the_latent_value_drifts() -> None:
    _, sim, _, _ = session(activity=20, steps=60, step_s=60)
    moved = [
        m.ticker
        for m in catalog().markets
        if sim.latent(m.ticker) != catalog().fair_value[m.ticker]
    ]
    assert len(moved) > 30


def test_push_moves_the_latent_value_and_the_quotes_follow() -> None:
    exchange, sim, _, clock = session(activity=50, steps=20)
    ticker = pick(index=3)
    start = sim.latent(ticker)
    target = 8000 if start < 5000 else 2000
    sim.push(ticker, target)
    assert sim.latent(ticker) == target
    for _ in range(3):
        clock.advance(1)
        sim.step(clock.ms)
    bid, ask = exchange.engine.best_bid(ticker), exchange.engine.best_ask(ticker)
    assert bid is not None
    assert ask is not None
    latent = sim.latent(ticker)
    assert abs(latent - target) < 300
    assert bid < latent < ask
    assert ask - bid <= 800
    check_invariants(exchange)


def test_push_before_the_first_step_is_kept() -> None:
    exchange = Exchange(catalog(), clock=Clock(), seed=0)
    sim = Simulator(exchange, seed=1)
    sim.push(pick(), 1234)
    assert sim.latent(pick()) == 1234
    sim.step(NOW_MS)
    assert sim.latent(pick()) == 1234


def test_push_and_latent_refuse_what_they_cannot_do() -> None:
    sim = Simulator(Exchange(catalog(), clock=Clock(), seed=0))
    with pytest.raises(KeyError, match="NOPE"):
        sim.latent("NOPE")
    with pytest.raises(ValueError, match=r"1\.\.9999"):
        sim.push(pick(), 10_000)
    with pytest.raises(ValueError, match="activity"):
        Simulator(Exchange(catalog(), clock=Clock(), seed=0), activity=-1)


# ---------------------------------------------------------------------- rate


def test_rate_zero_takes_no_actions() -> None:
    clock = Clock()
    exchange = Exchange(catalog(), clock=clock, seed=0)
    seed_liquidity(exchange, exchange.catalog)
    before = exchange.state_digest()
    sim = Simulator(exchange, seed=1, activity=0)
    for _ in range(20):
        clock.advance(60)
        assert sim.step(clock.ms) == []
    assert exchange.state_digest() == before


def test_the_rate_is_writes_per_second_and_a_stall_does_not_burst() -> None:
    _, _, actions, _ = session(activity=20, steps=100)
    writes = [a for a in actions if a.kind not in ("user", "advance", "determine", "settle")]
    assert 0.5 * 20 * 100 <= len(writes) <= 20 * 100 + 10
    clock = Clock()
    exchange = Exchange(catalog(), clock=clock, seed=0)
    seed_liquidity(exchange, exchange.catalog)
    sim = Simulator(exchange, seed=1, activity=20)
    sim.step(clock.ms)
    clock.advance(600)  # ten minutes without a step: at most one second of writes is owed
    assert len(sim.step(clock.ms)) <= 20 + 10


def test_a_rate_below_one_a_second_still_acts() -> None:
    _, _, actions, _ = session(activity=0.5, steps=40)
    trading = [a for a in actions if a.kind in ("take", "quote", "amend", "sweep", "pick_off")]
    assert 5 <= len(trading) <= 30


def test_activity_reaches_the_server_settings_and_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = launch.SandboxSettings(data_dir=tmp_path, activity=2.5)
    args = settings.serve_args()
    assert args[args.index("--activity") + 1] == "2.5"
    launch.remember(settings)
    assert launch.remembered(tmp_path).activity == 2.5
    assert launch.SandboxSettings().activity == launch.DEFAULT_ACTIVITY > 0
    assert main(["sandbox", "serve", "--activity", "-1"]) == 2
    assert "--activity" in capsys.readouterr().err


# ---------------------------------------------------------------------- the store


def test_a_journaled_session_replays_to_the_same_state(tmp_path: Path) -> None:
    clock = Clock()
    box = open_exchange(tmp_path, seed=0, markets=100, now_ms=NOW_MS, clock=clock)
    seed_liquidity(box, box.exchange.catalog)
    sim = Simulator(box.exchange, box, seed=3, activity=40)
    for step in range(90):
        clock.advance(1 if step % 15 else 300)
        sim.step(clock.ms)
    recorded = len(box.store)
    digest = box.exchange.state_digest()
    box.close()
    assert recorded > 1000
    again = open_exchange(tmp_path, seed=0, markets=100, now_ms=NOW_MS, clock=clock)
    try:
        assert again.exchange.state_digest() == digest
        assert HOUSE_USER in again.exchange.state_digest()["accounts"]  # type: ignore[operator]
        resumed = Simulator(again.exchange, again, seed=3, activity=40)
        clock.advance(1)
        assert all(a.kind != "user" for a in resumed.step(clock.ms))  # users came back
    finally:
        again.close()


async def test_the_server_runs_the_simulator_through_the_journal(tmp_path: Path) -> None:
    box = open_exchange(
        tmp_path, seed=0, markets=100, now_ms=launch.wall_clock_ms(), clock=launch.wall_clock_ms
    )
    settings = launch.SandboxSettings(data_dir=tmp_path, activity=200)
    loops = launch.simulation_tasks(box, settings)
    app = create_app(box.exchange, store_writer=box, lifecycle_interval_s=None, background=loops)
    try:
        async with app.router.lifespan_context(app):
            await asyncio.sleep(0.5)
        recorded = len(box.store)
        await asyncio.sleep(0.1)
        assert len(box.store) == recorded  # stopped with the app
        assert recorded > 20
        names = {command.name for command in box.store.commands()}
        assert {"create_user", "create_order"} <= names
    finally:
        box.close()
    assert launch.simulation_tasks(box, launch.SandboxSettings(activity=0)) == []
