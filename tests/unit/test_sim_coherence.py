"""The simulated market prices each event from one latent value, as a real market would.

Real exchange, real catalog, the simulator on a test clock moved over simulated hours (never a
sleep). Checked: the outcomes of a mutually exclusive event are worth exactly $1 together and
their quoted mids sum to about $1; an "above X" ladder is monotone at all times; a mispricing
that pays after fees is taken at once (the arbitrage rule of ``kalshi scan arbitrage``, and the
same rule for ladders), and none survives a simulated hour of shocks; results come from one
number (a monotone ladder, one winning range); games hardly move before tip-off. New modules are
imported inside the tests that need them.
"""

from __future__ import annotations

import functools
import math
import random
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal

from _exchange_kit import NOW, NOW_MS, Clock, catalog, order
from hypothesis import given, settings
from hypothesis import strategies as st

from kalshikit.fees import taker_fee
from kalshikit.models import Event, Market
from kalshikit.sandbox.catalog import Catalog, build_catalog
from kalshikit.sandbox.exchange.exchange import Exchange
from kalshikit.sandbox.sim.liquidity import seed_liquidity
from kalshikit.sandbox.sim.simulator import Action, Simulator
from kalshikit.scanner.rules import arbitrage, group_by_event
from kalshikit.scanner.state import MarketState
from kalshikit.units import TICKS_PER_DOLLAR

DOLLAR = TICKS_PER_DOLLAR
MINUTE_MS = 60_000
HOUR_S = 3600


def start(seed: int = 1, activity: float = 10.0) -> tuple[Exchange, Simulator, Clock]:
    clock = Clock()
    exchange = Exchange(catalog(), clock=clock, seed=0)
    seed_liquidity(exchange, exchange.catalog)
    return exchange, Simulator(exchange, seed=seed, activity=activity), clock


def run(sim: Simulator, clock: Clock, seconds: int, step_s: float = 1.0) -> Iterator[list[Action]]:
    """Step the simulator ``seconds`` of simulated time; yields each step's actions."""
    for _ in range(int(seconds / step_s)):
        clock.advance(step_s)
        yield sim.step(clock.ms)


def exclusive_events(exchange: Exchange, now_ms: int) -> Iterator[list[Market]]:
    """The markets of every mutually exclusive event that trades now."""
    for event in exchange.catalog.events:
        markets = exchange.catalog.markets_of_event(event.event_ticker)
        if event.mutually_exclusive and all(tradeable(exchange, m, now_ms) for m in markets):
            yield markets


def ladders(exchange: Exchange, now_ms: int) -> Iterator[list[Market]]:
    """Every trading event's "above X" markets, lowest strike first."""
    for event in exchange.catalog.events:
        above = [
            m
            for m in exchange.catalog.markets_of_event(event.event_ticker)
            if m.strike_type == "greater" and tradeable(exchange, m, now_ms)
        ]
        if len(above) >= 2 and not event.mutually_exclusive:
            yield sorted(above, key=lambda m: m.floor_strike or 0.0)


def tradeable(exchange: Exchange, market: Market, now_ms: int) -> bool:
    """Open now: on the books and past its open time (cheaper than rendering the market)."""
    return exchange.engine.has_market(market.ticker) and market.open_time <= datetime_of(now_ms)


def open_tickers(exchange: Exchange, now_ms: int) -> list[str]:
    return [
        m.ticker
        for m in exchange.catalog.markets
        if tradeable(exchange, m, now_ms) and m.mve_collection_ticker is None
    ]


def datetime_of(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def top(exchange: Exchange, ticker: str, side: str) -> tuple[int, int] | None:
    levels = exchange.engine.levels(ticker, side)  # type: ignore[arg-type]
    return levels[0] if levels else None


# ---------------------------------------------------------------------- the gap definitions


def scanner_gaps(exchange: Exchange, now_ms: int) -> set[str]:
    """Events where ``kalshi scan arbitrage``'s rule finds a gap in the quotes REST shows."""
    states = []
    for markets in exclusive_events(exchange, now_ms):
        for market in markets:
            state = MarketState(
                ticker=market.ticker, event_ticker=market.event_ticker, status="active",
                mutually_exclusive=True,
            )  # fmt: skip
            state.yes_bid, state.bid_size = top(exchange, market.ticker, "bid") or (0, 0)
            state.yes_ask, state.ask_size = top(exchange, market.ticker, "ask") or (DOLLAR, 0)
            states.append(state)
    return {signal.ticker for signal in arbitrage(group_by_event(states), now_ms)}


def ladder_gaps(exchange: Exchange, now_ms: int) -> set[str]:
    """Ladders where a higher strike's YES bid beats a lower strike's YES ask by more than the
    two taker fees (rounded up to the cent, whole contracts): the same rule, for ladders."""
    found = set()
    for above in ladders(exchange, now_ms):
        asks = [top(exchange, m.ticker, "ask") for m in above]
        bids = [top(exchange, m.ticker, "bid") for m in above]
        pairs = [(i, j) for i in range(len(above)) for j in range(i + 1, len(above))]
        for i, j in pairs:
            ask, bid = asks[i], bids[j]
            if ask is None or bid is None or bid[0] <= ask[0]:
                continue
            size = min(ask[1], bid[1]) // 100 * 100
            gross = Decimal((bid[0] - ask[0]) * size).scaleb(-6)
            fees = taker_fee([(ask[0], size)]) + taker_fee([(bid[0], size)])
            if size and gross > fees:
                found.add(above[i].event_ticker)
    return found


# ---------------------------------------------------------------------- exclusive sums, ladders


def test_exclusive_outcomes_are_worth_a_dollar_and_their_mids_sum_to_about_one() -> None:
    exchange, sim, clock = start()
    shocks = random.Random(3)
    worst_mid = 0
    for step, _ in enumerate(run(sim, clock, HOUR_S // 2)):
        if step % 300 == 0:  # news: one market pushed somewhere new
            sim.push(shocks.choice(open_tickers(exchange, clock.ms)), shocks.randint(500, 9500))
        if step % 20:
            continue
        for markets in exclusive_events(exchange, clock.ms):
            assert sum(sim.latent(m.ticker) for m in markets) == DOLLAR
            quotes = [
                (top(exchange, m.ticker, "bid"), top(exchange, m.ticker, "ask")) for m in markets
            ]
            tops = [(bid[0], ask[0]) for bid, ask in quotes if bid and ask]
            if len(tops) < len(markets):
                continue  # a side swept empty: no mid to read
            mids = sum((bid + ask) / 2 for bid, ask in tops)
            half_spreads = sum((ask - bid) / 2 for bid, ask in tops)
            # within the spreads, give or take what the fees leave (two cents a leg at most)
            assert abs(mids - DOLLAR) <= half_spreads + 200 * len(markets), markets[0].event_ticker
            worst_mid = max(worst_mid, round(abs(mids - DOLLAR)))
    assert worst_mid < 1000


def test_above_ladders_are_monotone_at_every_moment() -> None:
    exchange, sim, clock = start(seed=2)
    checked = 0
    for _ in run(sim, clock, HOUR_S // 2, step_s=5):
        for above in ladders(exchange, clock.ms):
            fair = [sim.latent(m.ticker) for m in above]
            assert fair == sorted(fair, reverse=True), above[0].event_ticker
            checked += 1
    assert checked > 300


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 10_000), pushes=st.lists(st.integers(1, 9_999), min_size=1, max_size=4))
def test_every_shape_prices_coherently_for_any_seed(seed: int, pushes: list[int]) -> None:
    """The latent model alone, over random catalogs, times and pushes."""
    from kalshikit.sandbox.sim.latent import LatentModel
    from kalshikit.sandbox.sim.shapes import LatentParams

    book = build_catalog(seed=seed, markets=100, now=NOW)
    rng = random.Random(seed)
    model = LatentModel(random.Random(seed), LatentParams(), lambda ticker: None)
    for listed in book.events:
        markets = book.markets_of_event(listed.event_ticker)
        fairs = [book.fair_value[m.ticker] for m in markets]
        model.add_event(listed, markets, fairs, book.anchors.get(listed.event_ticker), NOW_MS)
    now = NOW_MS
    for ticks in pushes:
        now += rng.randint(1, 90) * MINUTE_MS
        coherent(book, model, now)
        market = rng.choice([m for m in book.markets if m.close_time > datetime_of(now)])
        model.push(market.ticker, ticks, now)
        event = book.event(market.event_ticker)
        assert event is not None
        siblings = len(book.markets_of_event(event.event_ticker))
        # a range of n outcomes leaves at least a tick to each of the others
        wanted = min(ticks, DOLLAR - siblings + 1) if event.mutually_exclusive else ticks
        if market.mve_collection_ticker is None:
            assert model.value(market.ticker) == wanted
        coherent(book, model, now)


def coherent(book: Catalog, model: object, now_ms: int) -> None:
    fair: Callable[[str, int], int] = model.fair  # type: ignore[attr-defined]
    for event in book.events:
        markets = book.markets_of_event(event.event_ticker)
        values = [fair(m.ticker, now_ms) for m in markets]
        assert all(0 < v < DOLLAR for v in values)
        if event.mutually_exclusive:
            assert sum(values) == DOLLAR, event.event_ticker
    for above in ladders_of(book):
        values = [fair(m.ticker, now_ms) for m in above]
        assert values == sorted(values, reverse=True)


def ladders_of(book: Catalog) -> Iterator[list[Market]]:
    for event in book.events:
        above = [m for m in book.markets_of_event(event.event_ticker) if m.strike_type == "greater"]
        if len(above) >= 2:
            yield sorted(above, key=lambda m: m.floor_strike or 0.0)


# ---------------------------------------------------------------------- arbitrage


def test_no_arbitrage_survives_an_hour_of_shocks() -> None:
    exchange, sim, clock = start(seed=4)
    shocks = random.Random(5)
    since: dict[str, int] = {}
    longest, taken = 0, 0
    for step, actions in enumerate(run(sim, clock, HOUR_S)):
        if step % 120 == 0:  # news every two minutes: a market jumps, its quotes go stale
            sim.push(shocks.choice(open_tickers(exchange, clock.ms)), shocks.randint(500, 9500))
        taken += sum(a.kind == "arbitrage" for a in actions)
        gaps = scanner_gaps(exchange, clock.ms) | ladder_gaps(exchange, clock.ms)
        for gap in gaps:
            since.setdefault(gap, clock.ms)
        for gap in [g for g in since if g not in gaps]:
            longest = max(longest, clock.ms - since.pop(gap))
    longest = max([longest, *(clock.ms - began for began in since.values())])
    assert longest <= 2_000, f"a gap lived {longest / 1000:.0f} s"
    assert taken > 0  # the shocks did open gaps, and they were taken


def quiet_exchange() -> tuple[Exchange, Clock, str]:
    """An exchange with nothing on its books but what the test rests there, and its user."""
    clock = Clock()
    exchange = Exchange(catalog(), clock=clock, seed=0)
    return exchange, clock, exchange.create_user(balance_cents=100_000_000)


def rest(exchange: Exchange, user: str, ticker: str, side: str, ticks: int) -> None:
    exchange.create_order(user, order(ticker, side, f"{ticks / DOLLAR:.4f}", "20.00"))


def first_step(exchange: Exchange, clock: Clock) -> dict[str, str]:
    """The arbitrage the simulator takes on its first step: ticker -> side of its order."""
    sim = Simulator(exchange, seed=12, activity=10)
    clock.advance(1)
    return {a.ticker: a.side for a in sim.step(clock.ms) if a.kind == "arbitrage"}


def test_outcomes_offered_below_a_dollar_are_bought_at_once_unless_fees_eat_it() -> None:
    exchange, clock, user = quiet_exchange()
    rich, thin = list(exclusive_events(exchange, clock.ms))[:2]
    for markets, total in ((rich, 8_000), (thin, 9_900)):
        cents = [total // 100 // len(markets) * 100] * len(markets)
        cents[0] += total - sum(cents)  # asks on the cent grid, summing to exactly ``total``
        for market, ticks in zip(markets, cents, strict=True):
            rest(exchange, user, market.ticker, "ask", ticks)
            rest(exchange, user, market.ticker, "bid", 100)  # two-sided, as the scanner wants
    assert scanner_gaps(exchange, clock.ms) >= {rich[0].event_ticker}
    taken = first_step(exchange, clock)
    assert taken == {m.ticker: "bid" for m in rich}  # YES bought on every outcome
    assert not scanner_gaps(exchange, clock.ms)  # the thin one does not pay after fees
    assert all(exchange.engine.best_ask(m.ticker) for m in thin)


def test_the_arbitrageur_walks_books_as_the_scanner_does() -> None:
    from kalshikit.sandbox.sim import arbitrage as simulated
    from kalshikit.scanner import rules

    assert (simulated.BOOK_LEVELS, simulated.LOT_CENTI) == (rules.BOOK_LEVELS, rules.ARB_LOT_CENTI)


def test_a_ladder_out_of_order_is_taken_at_once_unless_fees_eat_it() -> None:
    exchange, clock, user = quiet_exchange()
    above = next(ladders(exchange, clock.ms))
    low, high, higher = above[0], above[1], above[2]
    rest(exchange, user, low.ticker, "ask", 4000)
    rest(exchange, user, high.ticker, "bid", 4100)  # a cent over: fees eat it
    assert not ladder_gaps(exchange, clock.ms)
    rest(exchange, user, higher.ticker, "bid", 5500)  # fifteen cents over: it pays
    assert ladder_gaps(exchange, clock.ms) == {low.event_ticker}
    taken = first_step(exchange, clock)
    assert taken == {low.ticker: "bid", higher.ticker: "ask"}  # bigger set bought, smaller sold
    assert not ladder_gaps(exchange, clock.ms)


# ---------------------------------------------------------------------- results


@functools.cache
def day() -> tuple[Exchange, list[Action]]:
    """A day in 15-minute steps: every hourly ladder, the weather, games and the chart resolve."""
    exchange, sim, clock = start(seed=8, activity=5.0)
    actions = [a for step in run(sim, clock, 25 * HOUR_S, step_s=900) for a in step]
    return exchange, actions


def test_results_come_from_one_number_per_event() -> None:
    exchange, actions = day()
    results = {a.ticker: a.ref == "yes" for a in actions if a.kind == "determine"}
    resolved = 0
    for event in exchange.catalog.events:
        markets = exchange.catalog.markets_of_event(event.event_ticker)
        if not markets or not all(m.ticker in results for m in markets):
            continue
        resolved += 1
        outcome = [results[m.ticker] for m in markets]
        if event.mutually_exclusive:
            assert outcome.count(True) == 1, event.event_ticker
        above = sorted(
            (m for m in markets if m.strike_type == "greater"), key=lambda m: m.floor_strike or 0
        )
        ladder = [results[m.ticker] for m in above]
        assert ladder == sorted(ladder, reverse=True), event.event_ticker  # YES, then NO
        if all(m.strike_type in ("greater", "less", "between") for m in markets):
            assert one_number_explains(event, markets, outcome), event.event_ticker
    assert resolved >= 10


def one_number_explains(event: Event, markets: list[Market], outcome: list[bool]) -> bool:
    """Whether some reported value (on the strikes' grid) gives exactly these results."""
    steps = {"KXHIGH": 1.0, "KXCPI": 0.1}  # degrees, tenths of a percent; else cents of a price
    step = next((v for k, v in steps.items() if event.series_ticker.startswith(k)), 0.01)
    strikes = {s for m in markets for s in (m.floor_strike, m.cap_strike) if s is not None}
    candidates = {round(s + k * step, 2) for s in strikes for k in range(-2, 3)}
    return any([reported_yes(m, value) for m in markets] == outcome for value in sorted(candidates))


def reported_yes(market: Market, value: float) -> bool:
    low, high = market.floor_strike, market.cap_strike
    if market.strike_type == "greater":
        return low is not None and value > low + 1e-9
    if market.strike_type == "less":
        return high is not None and value < high - 1e-9
    return low is not None and high is not None and low - 1e-9 <= value <= high + 1e-9


# ---------------------------------------------------------------------- games


def test_games_barely_move_before_tip_off_and_play_out_after() -> None:
    exchange, sim, clock = start(seed=9, activity=2.0)
    games = [m for m in exchange.catalog.markets if m.ticker.startswith("KXNBAGAME")]
    tipoffs = {
        m.ticker: int(m.occurrence_datetime.timestamp() * 1000)
        for m in games
        if m.occurrence_datetime
    }
    first: dict[str, int] = {}
    moved: dict[str, int] = {}
    for _ in run(sim, clock, int((max(tipoffs.values()) - NOW_MS) / 1000), step_s=60):
        for ticker, tipoff in tipoffs.items():
            if clock.ms < tipoff:
                value = sim.latent(ticker)
                first.setdefault(ticker, value)
                moved[ticker] = max(moved.get(ticker, 0), abs(value - first[ticker]))
    assert len(moved) == len(games) >= 2
    assert max(moved.values()) <= 1500, moved  # news of a few points at most, no drift

    from kalshikit.sandbox.sim.shapes import Game, LatentParams

    # the shape alone, minute by minute: an hour to tip-off, three hours of play
    tipoff, end = NOW_MS + HOUR_S * 1000, NOW_MS + 4 * HOUR_S * 1000
    game, rng = Game(5000, tipoff, end, NOW_MS, LatentParams()), random.Random(1)
    seen = []
    for minute in range(0, 5 * 60, 5):
        game.advance(NOW_MS + minute * MINUTE_MS, rng)
        seen.append(game.probabilities()[1])
    before, during = seen[:12], seen[12:]
    assert max(before) - min(before) < 0.15
    assert max(during) - min(during) > 0.3  # the score swings it
    assert during[-1] in (0.0, 1.0)  # over: decided
    assert math.isclose(sum(game.probabilities()), 1.0)


def test_a_push_moves_the_event_and_its_siblings_follow() -> None:
    exchange, sim, clock = start(seed=10)
    for _ in run(sim, clock, 60):
        pass
    above = next(ladders(exchange, clock.ms))
    middle = max(above, key=lambda m: -abs(sim.latent(m.ticker) - 5000))
    before = {m.ticker: sim.latent(m.ticker) for m in above}
    sim.push(middle.ticker, min(before[middle.ticker] + 2000, 9000))  # the index jumped up
    after = {m.ticker: sim.latent(m.ticker) for m in above}
    assert all(after[t] >= before[t] for t in before)
    assert sum(after[t] > before[t] for t in before) >= 2  # not the pushed strike alone
    weather = next(
        m for m in exclusive_events(exchange, clock.ms) if m[0].ticker.startswith("KXHIGH")
    )
    sim.push(weather[0].ticker, 9000)  # the low tail: a cold snap
    assert sim.latent(weather[0].ticker) == 9000
    assert sum(sim.latent(m.ticker) for m in weather) == DOLLAR
    assert all(sim.latent(m.ticker) <= 1000 for m in weather[1:])
