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
  none; a game that ends before its close date closes early), its result drawn from the latent
  value then (one winner per mutually exclusive event), and settled ``settle_delay_ms`` later;
* trading, at ``activity`` writes a second: a market maker re-quotes a market, a noise taker
  crosses the spread, or (rarely) a sweep takes several levels. Markets moved by ``push`` or
  swept are re-quoted first. Unused time banks at most one second of writes, so a stalled
  caller never causes a burst.

``activity == 0`` turns the simulator off: ``step`` does nothing.
"""

from __future__ import annotations

import heapq
import random
from collections import deque
from typing import Final, Literal

from kalshikit.models import Market
from kalshikit.sandbox.exchange import Exchange, ExchangeError, millis_of
from kalshikit.sandbox.sim.agents import (
    Action,
    AgentParams,
    Desk,
    LatentModel,
    Makers,
    SimWriter,
    Takers,
)
from kalshikit.units import TICKS_PER_DOLLAR, PriceGrid

__all__ = ["Action", "AgentParams", "Simulator"]

MAKERS: Final = ("sim-maker-1", "sim-maker-2", "sim-maker-3")
SWEEPER: Final = "sim-sweeper"
_NOOP_COST: Final = 0.25  # a turn that found nothing to do still uses a little of the budget
_BACKLOG_S: Final = 1.0


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
        self._latent = LatentModel(self._rng, self.params)
        takers = [f"sim-taker-{n}" for n in range(1, self.params.takers + 1)]
        self._makers = Makers(list(MAKERS), self._rng, self.params)
        self._takers = Takers(takers, SWEEPER, self._rng, self.params)
        self._markets: dict[str, Market] = {m.ticker: m for m in exchange.catalog.markets}
        self._index = {ticker: i for i, ticker in enumerate(self._markets)}
        self._ticks: dict[str, tuple[int, ...]] = {}
        self._active: list[str] = []
        self._slot: dict[str, int] = {}  # ticker -> its place in _active
        self._urgent: deque[str] = deque()
        self._pending: dict[str, int] = {}  # pushes made before the first step
        self._winners: dict[str, str] = {}  # mutually exclusive event -> winning market
        self._schedule: list[tuple[int, int, str, str]] = []
        self._scheduled = 0
        self._credit = 0.0
        self._now: int | None = None

    # ------------------------------------------------------------------ the public face

    @property
    def users(self) -> list[str]:
        """The simulator's own users (makers, takers, sweeper)."""
        return [*self._makers.users, *self._takers.users, SWEEPER]

    @property
    def refusals(self) -> dict[str, int]:
        """Writes the exchange refused, by error code (they changed nothing)."""
        return dict(self._desk.refusals)

    def latent(self, ticker: str) -> int:
        """The market's latent YES probability in ticks of $0.0001 (as of its last update)."""
        if ticker not in self._markets:
            raise KeyError(f"no market {ticker!r} in the catalog")
        if self._now is None:
            return self._pending.get(ticker, self.exchange.catalog.fair_value[ticker])
        return self._latent.value(ticker)

    def push(self, ticker: str, to_ticks: int) -> None:
        """Move the latent value to ``to_ticks`` (1..9999) now; its makers re-quote first
        thing on the next steps (stale quotes of others get picked off)."""
        if ticker not in self._markets:
            raise KeyError(f"no market {ticker!r} in the catalog")
        if type(to_ticks) is not int or not 0 < to_ticks < TICKS_PER_DOLLAR:
            raise ValueError(f"to_ticks must be an int in 1..9999, got {to_ticks!r}")
        if self._now is None:  # before the first step: applied when the model starts
            self._pending[ticker] = to_ticks
        else:
            self._latent.set(ticker, to_ticks, self._now)
        self._urgent.append(ticker)

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
        self._run_schedule(now)
        # at least one write's worth, or a rate below one a second would never act
        ceiling = max(self.activity * _BACKLOG_S, 1.0)
        self._credit = min(self._credit + self.activity * (now - last) / 1000, ceiling)
        self._trade(now)
        return self._desk.take_actions()

    # ------------------------------------------------------------------ start-up

    def _start(self, now_ms: int) -> None:
        """Latent values and the lifecycle schedule from the catalog; the agents' users."""
        fair = self.exchange.catalog.fair_value
        for ticker, market in self._markets.items():
            self._latent.add(ticker, fair[ticker], now_ms)
            if market.status in ("initialized", "active"):
                self._at(millis_of(market.open_time), "open", ticker)
            self._at(millis_of(market.close_time), "close", ticker)
            self._at(_determination_ms(market), "determine", ticker)
        for ticker, ticks in self._pending.items():
            self._latent.set(ticker, ticks, now_ms)
        self._now = now_ms
        for user in self.users:
            try:
                self._desk.writer.create_user(balance_cents=self.params.balance_cents, user_id=user)
            except ExchangeError as error:
                if error.code != "user_exists":
                    raise
                continue  # a restart: the store replayed it
            self._desk.actions.append(Action("user", user, ref=str(self.params.balance_cents)))
        self._adopt()

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
            _, _, kind, ticker = heapq.heappop(schedule)
            if kind == "open":
                self._open(ticker, now_ms)
            elif kind == "close":
                self._close(ticker)
            elif kind == "determine":
                self._determine(ticker, now_ms)
            else:
                self._settle(ticker)

    def _open(self, ticker: str, now_ms: int) -> None:
        market = self._markets[ticker]
        if ticker in self._slot or now_ms >= millis_of(market.close_time):
            return
        if self.exchange.engine.has_market(ticker):
            self._slot[ticker] = len(self._active)
            self._active.append(ticker)

    def _close(self, ticker: str) -> None:
        self._deactivate(ticker)
        self._makers.forget(ticker)

    def _determine(self, ticker: str, now_ms: int) -> None:
        status = self.exchange.market(ticker).status
        if status in ("initialized", "active", "closed"):
            # when the outcome is known before the close, determining closes it early
            self._close(ticker)
            self._latent.advance(ticker, min(now_ms, _determination_ms(self._markets[ticker])))
            result = self._result(ticker)
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
        if self.exchange.market(ticker).status != "determined":
            return
        try:
            self._desk.writer.settle(ticker)
        except ExchangeError as error:
            self._desk.refused(error, "")
            return
        self._desk.actions.append(Action("settle", ticker=ticker))

    def _result(self, ticker: str) -> Literal["yes", "no"]:
        """Drawn from the latent value at close; one winner per mutually exclusive event."""
        market = self._markets[ticker]
        event = self.exchange.catalog.event(market.event_ticker)
        if event is None or not event.mutually_exclusive:
            yes = self._rng.random() * TICKS_PER_DOLLAR < self._latent.value(ticker)
            return "yes" if yes else "no"
        winner = self._winners.get(event.event_ticker)
        if winner is None:
            tickers = [m.ticker for m in self.exchange.catalog.markets_of_event(event.event_ticker)]
            weights = [self._latent.value(t) for t in tickers]
            winner = self._winners[event.event_ticker] = self._rng.choices(tickers, weights)[0]
        return "yes" if winner == ticker else "no"

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

    def _turn(self, now_ms: int) -> int:
        """One agent's go; returns the writes it made."""
        if self._urgent:
            ticker = self._urgent.popleft()
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
        self._urgent.append(ticker)  # the makers refill what the sweep took
        return self._takers.sweep(self._desk, ticker)

    def _tradeable(self, ticker: str) -> bool:
        if ticker in self._slot and self.exchange.engine.has_market(ticker):
            return True
        self._deactivate(ticker)  # closed early (determined by someone else)
        return False

    def _makers_of(self, ticker: str) -> list[str]:
        return self._makers.of_market(self._index[ticker])

    def _requote(self, user: str, ticker: str, now_ms: int) -> int:
        fair = self._latent.advance(ticker, now_ms)
        return self._makers.requote(self._desk, user, ticker, fair, self._grid_ticks(ticker))

    def _grid_ticks(self, ticker: str) -> tuple[int, ...]:
        ticks = self._ticks.get(ticker)
        if ticks is None:
            market = self._markets[ticker]
            grid = PriceGrid.for_market(market.price_ranges, market.price_level_structure)
            ticks = self._ticks[ticker] = tuple(grid.ticks())
        return ticks


def _determination_ms(market: Market) -> int:
    """When the outcome is known: the expected expiration (which may come before the close,
    as for a game that ends early), else the close."""
    expected = market.expected_expiration_time
    return millis_of(expected if expected is not None else market.close_time)
