"""The market simulator: seeded activity that keeps the sandbox's markets moving.

One job: on each ``Simulator.step(now_ms)``, take the actions that are due, through the writer it
was given (the store's journaled writer when serving, so everything is recorded and replays),
and return them. No I/O here, no wall clock (the caller's clock is the argument), no global
randomness (one ``random.Random(seed)``): the same seed, exchange and steps give the same actions
and the same exchange state.

What is due at a step:

* start-up (first step): the agents' users, with fixed ids and large balances; on a restart
  their resting quotes are adopted instead;
* lifecycle, on the catalog's schedule: ``advance`` when the exchange has opens, closes or
  expiries due; a market is determined at its expected expiration time (the close when it has
  none; a game that ends before its close date closes early), its result read off its event's
  latent value then (``latent``: one number, one winner, one margin per event), and settled
  ``settle_delay_ms`` later; a recurring series lists its next period when one stops trading
  (``rolling``), so the catalog stays full;
* trading, at ``activity`` writes a second: first the arbitrageur, when the quotes of a watched
  event changed and a gap pays after fees (``arbitrage``); then markets whose fair value moved
  (a push, news, a sibling re-priced, a sweep to refill) are re-quoted; else a market maker
  re-quotes a market, a noise taker crosses the spread, or (rarely) a sweep takes several
  levels. Unused time banks at most one second of writes, so a stalled caller never bursts.

``activity == 0`` turns the simulator off: ``step`` does nothing.
"""

from __future__ import annotations

import heapq
import random
from typing import Final, Literal

from kalshikit.fees import FeeSchedule
from kalshikit.models import Event, Market
from kalshikit.sandbox.exchange import Exchange, ExchangeError, millis_of
from kalshikit.sandbox.sim.agents import Action, AgentParams, Desk, Makers, SimWriter, Takers
from kalshikit.sandbox.sim.arbitrage import Arbitrageur
from kalshikit.sandbox.sim.indexfeed import IndexPublisher
from kalshikit.sandbox.sim.latent import LatentModel
from kalshikit.sandbox.sim.livefeed import LivePublisher
from kalshikit.sandbox.sim.quoter import RFQ_MAKER, RfqQuoter
from kalshikit.sandbox.sim.rolling import SeriesRolls
from kalshikit.units import TICKS_PER_DOLLAR, PriceGrid

__all__ = ["ARBITRAGEUR", "Action", "AgentParams", "Simulator"]

MAKERS: Final = ("sim-maker-1", "sim-maker-2", "sim-maker-3")
SWEEPER: Final = "sim-sweeper"
ARBITRAGEUR: Final = "sim-arbitrageur"
_NOOP_COST: Final = 0.25  # a turn that found nothing to do still uses a little of the budget
_BACKLOG_S: Final = 1.0
_STALE_TICKS: Final = 100  # a quote a cent off its fair value is re-quoted first
_MAX_ROLLS: Final = 64  # listings one series may need at once (after a long pause)
_ARBITRAGE_PER_STEP: Final = 8  # baskets taken out of turn, at most, in one step


class Simulator:
    """Seeded agents trading on ``exchange`` through ``writer`` (default: the exchange)."""

    def __init__(
        self,
        exchange: Exchange,
        writer: SimWriter | None = None,
        *,
        seed: int = 0,
        activity: float = 20.0,
        params: AgentParams | None = None,
        max_step_writes: int | None = None,
    ) -> None:
        if activity < 0:
            raise ValueError(f"activity is writes per second, 0 or more; got {activity!r}")
        self.exchange = exchange
        self.activity = float(activity)
        self.params = params or AgentParams()
        # a server caps each step so that requests are served between steps at any rate
        self._max_step_writes = max_step_writes
        self._rng = random.Random(seed)
        self._desk = Desk(writer or exchange, exchange.engine, self.params)
        self._latent = LatentModel(self._rng, self.params.latent, self._result_elsewhere)
        self._indexes = IndexPublisher(self._latent, exchange.publish)
        self._live = LivePublisher(
            self._latent, lambda: exchange.catalog, self._result_of, exchange.publish_live
        )
        takers = [f"sim-taker-{n}" for n in range(1, self.params.takers + 1)]
        self._makers = Makers(list(MAKERS), self._rng, self.params)
        self._takers = Takers(takers, SWEEPER, self._rng, self.params)
        self._arbitrageur = Arbitrageur(exchange.engine, self._taker_fee, self._tradeable)
        # answers users' RFQs; its own RNG, so the agents' draws stay as they were
        self._rfq_quoter = RfqQuoter(exchange, writer or exchange, seed=seed)
        self._rolls = SeriesRolls(exchange.catalog)
        self._markets: dict[str, Market] = {m.ticker: m for m in exchange.catalog.markets}
        self._index = {ticker: i for i, ticker in enumerate(self._markets)}
        self._ticks: dict[str, tuple[int, ...]] = {}
        self._fees: dict[str, int] = {}
        self._quoted: dict[str, int] = {}  # the fair value each market was last quoted around
        self._active: list[str] = []
        self._slot: dict[str, int] = {}  # ticker -> its place in _active
        self._urgent: dict[str, None] = {}  # re-quote these first, in this order
        self._unquoted: set[str] = set()  # listed while running: quoted as soon as they open
        self._pending: dict[str, int] = {}  # pushes made before the first step
        self._modelled: set[str] = set()  # events with a latent value and a schedule
        self._seen = 0  # catalog events looked at: later ones were listed by someone else
        self._schedule: list[tuple[int, int, str, str]] = []
        self._scheduled = 0
        self._credit = 0.0
        self._now: int | None = None
        if self.activity > 0:
            exchange.watch_quotes(self._arbitrageur.touched)

    # ------------------------------------------------------------------ the public face

    @property
    def users(self) -> list[str]:
        """The simulator's own users (makers, takers, sweeper, arbitrageur, RFQ maker)."""
        return [*self._makers.users, *self._takers.users, SWEEPER, ARBITRAGEUR, RFQ_MAKER]

    @property
    def refusals(self) -> dict[str, int]:
        """Writes the exchange refused, by error code (they changed nothing)."""
        return dict(self._desk.refusals)

    def latent(self, ticker: str) -> int:
        """The market's latent YES probability in ticks of $0.0001 (as of its event's last
        move): its fair value, read off its event's one latent value. A market whose result is
        drawn reads 10000 (YES) or 0."""
        if ticker not in self._markets and self.exchange.catalog.market(ticker) is None:
            raise KeyError(f"no market {ticker!r} in the catalog")
        if self._now is None:
            return self._pending.get(ticker, self.exchange.catalog.fair_value[ticker])
        return self._latent.value(ticker)

    def push(self, ticker: str, to_ticks: int) -> None:
        """Move the market's event so that this market's fair value is ``to_ticks`` (1..9999)
        now; its siblings follow (a range's siblings shrink, a ladder shifts). Their makers
        re-quote first thing on the next steps (stale quotes of others get picked off)."""
        if ticker not in self._markets and self.exchange.catalog.market(ticker) is None:
            raise KeyError(f"no market {ticker!r} in the catalog")
        if type(to_ticks) is not int or not 0 < to_ticks < TICKS_PER_DOLLAR:
            raise ValueError(f"to_ticks must be an int in 1..9999, got {to_ticks!r}")
        if self._now is None:  # before the first step: applied when the model starts
            self._pending[ticker] = to_ticks
            return
        self._latent.push(ticker, to_ticks, self._now)
        self._urgent[ticker] = None
        self._urgent.update(dict.fromkeys(self._latent.siblings(ticker)))

    def step(self, now_ms: int) -> list[Action]:
        """Take whatever is due at ``now_ms`` (the caller's clock); returns the actions."""
        if self.activity <= 0:
            return []
        if self._now is None:
            self._start(now_ms)
            last = now_ms
        else:
            last = self._now
        now = self._now = max(now_ms, last)  # a clock that steps back is held, not followed
        if self.exchange.advance_due():
            self._desk.writer.advance()
            self._desk.actions.append(Action("advance"))
        self._catch_up(now)
        self._run_schedule(now)
        self._indexes.catch_up(now)  # before trading reads the paths at ``now``
        self._live.catch_up(now)  # scores and readings, from the latent values settled on
        # at least one write's worth, or a rate below one a second would never act
        ceiling = max(self.activity * _BACKLOG_S, 1.0)
        self._credit = min(self._credit + self.activity * (now - last) / 1000, ceiling)
        self._trade(now)
        self._desk.actions.extend(self._rfq_quoter.step(now))
        return self._desk.take_actions()

    # ------------------------------------------------------------------ start-up

    def _start(self, now_ms: int) -> None:
        """Latent values, watches and the lifecycle schedule from the catalog; the users."""
        catalog = self.exchange.catalog
        self._now = now_ms
        for event in catalog.events:
            self._add_event(event, now_ms)
        self._indexes.start(now_ms)
        for ticker, ticks in self._pending.items():
            self._latent.push(ticker, ticks, now_ms)
        for user in self.users:
            try:
                self._desk.writer.create_user(balance_cents=self.params.balance_cents, user_id=user)
            except ExchangeError as error:
                if error.code != "user_exists":
                    raise
                continue  # a restart: the store replayed it
            self._desk.fund_other_shards(user, self.params.balance_cents)
            self._desk.actions.append(Action("user", user, ref=str(self.params.balance_cents)))
        self._adopt()
        for series in self._rolls.series:
            self._at(now_ms, "roll", series)  # a restart after a pause may be short of some

    def _add_event(self, event: Event, now_ms: int) -> None:
        """Model, watch and schedule one event (from the catalog, or listed just now)."""
        catalog = self.exchange.catalog
        markets = catalog.markets_of_event(event.event_ticker)
        fairs = [catalog.fair_value[m.ticker] for m in markets]
        anchor = catalog.anchors.get(event.event_ticker)
        self._latent.add_event(event, markets, fairs, anchor, now_ms)
        self._modelled.add(event.event_ticker)
        for market in markets:
            ticker = market.ticker
            self._markets[ticker] = market
            self._index.setdefault(ticker, len(self._index))
            if market.status in ("initialized", "active"):
                self._at(millis_of(market.open_time), "open", ticker)
            self._at(millis_of(market.close_time), "close", ticker)
            self._at(_determination_ms(market), "determine", ticker)
        self._watch(event, markets)
        stops = self._rolls.track(event, markets)
        if stops is not None:
            self._at(stops, "roll", event.series_ticker)

    def _watch(self, event: Event, markets: list[Market]) -> None:
        """Hand the arbitrageur the event's baskets: all outcomes, or its ladders."""
        if event.mutually_exclusive:
            self._arbitrageur.watch_exclusive(event.event_ticker, [m.ticker for m in markets])
            return
        above = sorted(
            (m for m in markets if m.strike_type == "greater" and m.floor_strike is not None),
            key=lambda m: m.floor_strike or 0.0,
        )
        if len(above) >= 2:  # "above 99,500" holds "above 100,000": the lower strike first
            self._arbitrageur.watch_ladder(event.event_ticker, [m.ticker for m in above])

    def _adopt(self) -> None:
        """Take over the makers' resting quotes (a restart), canceling duplicates."""
        for user in self._makers.users:
            for order in self.exchange.engine.orders_of(user):
                duplicate = self._makers.adopt(order)
                if duplicate is not None:
                    self._desk.cancel(user, duplicate)

    # ------------------------------------------------------------------ lifecycle

    def _at(self, at_ms: int, kind: str, ticker: str) -> None:
        self._scheduled += 1  # equal times keep the order they were scheduled in
        heapq.heappush(self._schedule, (at_ms, self._scheduled, kind, ticker))

    def _run_schedule(self, now_ms: int) -> None:
        schedule = self._schedule
        while schedule and schedule[0][0] <= now_ms:
            at_ms, _, kind, ticker = heapq.heappop(schedule)
            # the indexes first, up to this moment: a close then fixes the value just published
            self._indexes.catch_up(at_ms)
            if kind == "open":
                self._open(ticker, now_ms)
            elif kind == "close":
                self._close(ticker, at_ms)
            elif kind == "determine":
                self._determine(ticker, now_ms)
            elif kind == "roll":
                self._roll(ticker, now_ms)
            else:
                self._settle(ticker)

    def _open(self, ticker: str, now_ms: int) -> None:
        market = self._markets[ticker]
        if ticker in self._slot or now_ms >= millis_of(market.close_time):
            return
        if self.exchange.engine.has_market(ticker):
            self._slot[ticker] = len(self._active)
            self._active.append(ticker)
            if ticker in self._unquoted:  # listed while running: nobody quotes it yet
                self._unquoted.discard(ticker)
                self._urgent[ticker] = None

    def _close(self, ticker: str, at_ms: int) -> None:
        self._latent.fix(ticker, at_ms)  # the number it settles on stops here
        self._deactivate(ticker)
        self._makers.forget(ticker)

    def _determine(self, ticker: str, now_ms: int) -> None:
        status = self.exchange.market(ticker).status
        if status in ("initialized", "active", "closed"):
            # when the outcome is known before the close, determining closes it early
            self._close(ticker, min(now_ms, _determination_ms(self._markets[ticker])))
            event_ticker = self._latent.event_of(ticker)
            if event_ticker is not None:
                self._arbitrageur.forget(event_ticker)  # no basket with a closed leg
            result: Literal["yes", "no"] = "yes" if self._latent.result(ticker, now_ms) else "no"
            try:
                self._desk.writer.determine(ticker, result)
            except ExchangeError as error:
                self._desk.refused(error, "")
                return
            self._desk.actions.append(Action("determine", ticker=ticker, ref=result))
        elif status != "determined":
            return  # finalized already (a restart) or being settled by someone else
        self._at(now_ms + self.params.settle_delay_ms, "settle", ticker)

    def _settle(self, ticker: str) -> None:
        for cache in (self._ticks, self._quoted, self._fees):
            cache.pop(ticker, None)
        if self.exchange.market(ticker).status != "determined":
            return
        try:
            self._desk.writer.settle(ticker)
        except ExchangeError as error:
            self._desk.refused(error, "")
            return
        self._desk.actions.append(Action("settle", ticker=ticker))

    def _result_of(self, ticker: str) -> str:
        return self.exchange.market(ticker).result or ""

    def _result_elsewhere(self, ticker: str) -> bool | None:
        """A result the exchange has that the simulator did not draw (set by hand)."""
        if self.exchange.catalog.market(ticker) is None:
            return None
        result = self.exchange.market(ticker).result
        return None if result not in ("yes", "no") else result == "yes"

    # ------------------------------------------------------------------ recurring series

    def _roll(self, series: str, now_ms: int) -> None:
        """List the series' next periods while it has fewer live than it started with."""
        for _ in range(_MAX_ROLLS):
            if not self._rolls.short(series, now_ms):
                return
            reference = self._latent.reference(series, now_ms)
            if reference is not None:
                reference = round(reference, 2)  # the index as it prints, to the cent
            try:
                tickers = self._desk.writer.list_events(series, reference)
            except ExchangeError as error:
                self._desk.refused(error, "")
                return
            self._desk.actions.append(Action("list", ticker=series, ref=",".join(tickers)))
            self._listed(tickers, now_ms)

    def _catch_up(self, now_ms: int) -> None:
        """Events someone else listed (a combo created through the API): modelled, scheduled
        and quoted as the simulator's own listings are (a created combo is priced off its
        legs, and determined by them)."""
        events = self.exchange.catalog.events
        for event in events[self._seen :]:
            if event.event_ticker not in self._modelled:
                self._add_event(event, now_ms)
                markets = self.exchange.catalog.markets_of_event(event.event_ticker)
                self._unquoted.update(m.ticker for m in markets)
        self._seen = len(events)

    def _listed(self, tickers: list[str], now_ms: int) -> None:
        catalog = self.exchange.catalog
        events = dict.fromkeys(self._event_ticker(t) for t in tickers)
        for event_ticker in events:
            event = catalog.event(event_ticker)
            if event is not None:
                self._add_event(event, now_ms)
        self._unquoted.update(tickers)

    def _event_ticker(self, ticker: str) -> str:
        market = self.exchange.catalog.market(ticker)
        assert market is not None
        return market.event_ticker

    # ------------------------------------------------------------------ trading

    def _deactivate(self, ticker: str) -> None:
        slot = self._slot.pop(ticker, None)
        if slot is None:
            return
        last = self._active.pop()
        if last != ticker:  # swap the last one into the hole: O(1), and still deterministic
            self._active[slot] = last
            self._slot[last] = slot

    def _trade(self, now_ms: int) -> None:
        written, limit = 0, self._max_step_writes
        while self._credit >= 1 and (self._active or self._urgent):
            if limit is not None and written >= limit:
                return  # the credit left waits for the next step
            writes = self._turn(now_ms)
            written += writes
            self._credit -= max(writes, _NOOP_COST)
        # an arbitrageur does not wait for its turn: a gap the last writes opened is taken now,
        # on credit (the writes are owed, so the rate holds on average)
        floor = -max(self.activity * _BACKLOG_S, 1.0)
        for _ in range(_ARBITRAGE_PER_STEP):
            if not self._arbitrageur.pending or (limit is not None and written >= limit):
                return
            writes = self._arbitrage()
            written += writes
            self._credit = max(self._credit - writes, floor)

    def _turn(self, now_ms: int) -> int:
        """One agent's go; returns the writes it made."""
        if self._arbitrageur.pending:
            writes = self._arbitrage()
            if writes:
                return writes
        if self._urgent:
            ticker = next(iter(self._urgent))
            del self._urgent[ticker]
            if not self._tradeable(ticker):
                return 0
            return sum(self._requote(user, ticker, now_ms) for user in self._makers_of(ticker))
        ticker = self._active[self._rng.randrange(len(self._active))]
        if not self._tradeable(ticker):
            return 0
        roll = self._rng.random()
        if roll < self.params.maker_share:
            makers = self._makers_of(ticker)
            return self._requote(makers[self._rng.randrange(len(makers))], ticker, now_ms)
        if roll < 1 - self.params.sweep_share:
            return self._takers.noise(self._desk, ticker)
        self._urgent[ticker] = None  # the makers refill what the sweep took
        return self._takers.sweep(self._desk, ticker)

    def _arbitrage(self) -> int:
        """Take the first gap that pays; the makers then refill what it took."""
        plan = self._arbitrageur.next_plan()
        if plan is None:
            return 0
        desk, before = self._desk, len(self._desk.actions)
        for order in plan.orders:
            desk.place("arbitrage", ARBITRAGEUR, order.ticker, order.side, order.price, order.size)
            self._urgent[order.ticker] = None
        return max(len(desk.actions) - before, 1)

    def _tradeable(self, ticker: str) -> bool:
        if ticker in self._slot and self.exchange.engine.has_market(ticker):
            return True
        self._deactivate(ticker)  # closed early (determined by someone else)
        return False

    def _makers_of(self, ticker: str) -> list[str]:
        return self._makers.of_market(self._index[ticker])

    def _requote(self, user: str, ticker: str, now_ms: int) -> int:
        fair = self._latent.fair(ticker, now_ms)
        moved = abs(fair - self._quoted.get(ticker, fair))
        self._quoted[ticker] = fair
        writes = self._makers.requote(self._desk, user, ticker, fair, self._grid_ticks(ticker))
        if moved >= _STALE_TICKS:
            self._freshen(self._latent.siblings(ticker), now_ms)
        self._freshen_news(now_ms)
        return writes

    def _freshen_news(self, now_ms: int) -> None:
        """Events news moved: their markets a cent or more off their quotes go first."""
        while news := self._latent.take_news():
            for event_ticker in news:
                self._freshen(self._latent.markets_of(event_ticker), now_ms)

    def _freshen(self, tickers: list[str], now_ms: int) -> None:
        fair_value = self.exchange.catalog.fair_value
        for ticker in tickers:
            if ticker in self._slot and ticker not in self._urgent:
                quoted = self._quoted.get(ticker, fair_value[ticker])
                if abs(self._latent.fair(ticker, now_ms) - quoted) >= _STALE_TICKS:
                    self._urgent[ticker] = None

    def _grid_ticks(self, ticker: str) -> tuple[int, ...]:
        ticks = self._ticks.get(ticker)
        if ticks is None:
            market = self._markets[ticker]
            grid = PriceGrid.for_market(market.price_ranges, market.price_level_structure)
            ticks = self._ticks[ticker] = tuple(grid.ticks())
        return ticks

    def _taker_fee(self, ticker: str) -> int:
        """The market's taker fee coefficient, as the exchange charges it."""
        fee = self._fees.get(ticker)
        if fee is None:
            fee_type, multiplier = self.exchange.catalog.fee_terms(self._markets[ticker])
            fee = self._fees[ticker] = FeeSchedule.for_series(fee_type, multiplier).taker
        return fee


def _determination_ms(market: Market) -> int:
    """When the outcome is known: the expected expiration (which may come before the close,
    as for a game that ends early), else the close."""
    expected = market.expected_expiration_time
    return millis_of(expected if expected is not None else market.close_time)
