"""The simulator's traders: the agents that trade around the latent values (``latent``).

One job: decide and send the orders of the simulated market participants. No I/O here, no clock
(time is an argument), no global randomness (one ``random.Random`` handed in). Every write goes
through the ``SimWriter`` given (the exchange itself or the store's journaled writer), and reads
come from the exchange's public read side (its matching engine's books), so the simulator is
just another set of users.

* ``Desk``: sends one write, records it as an ``Action``, counts refusals (a refused write
  changed nothing and is not an action) and refills a user who ran out of cash;
* ``Makers``: post-only quotes (self-trade prevention ``maker``) on both sides of the latent
  value, moved away from the book first, stale quotes of others picked off with an IOC;
* ``Takers``: noise IOC orders at the best opposite price, and the occasional sweep through
  several levels.
"""

from __future__ import annotations

import random
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from typing import Literal, NamedTuple, Protocol

from kalshikit.models import (
    AmendOrderAck,
    AmendOrderV2Request,
    CancelOrderAck,
    CreateOrderAck,
    CreateOrderV2Request,
    CreateQuoteRequest,
)
from kalshikit.sandbox.engine import MatchingEngine, RestingOrder
from kalshikit.sandbox.exchange import SHARDS, ExchangeError, WriteRoute
from kalshikit.sandbox.sim.shapes import LatentParams
from kalshikit.units import TICKS_PER_DOLLAR, centi_to_fp, ticks_to_dollars

__all__ = [
    "Action",
    "AgentParams",
    "Desk",
    "Makers",
    "SimWriter",
    "Takers",
    "snap_down",
    "snap_up",
]

Side = Literal["bid", "ask"]
_OTHER: dict[Side, Side] = {"bid": "ask", "ask": "bid"}
_GTC, _IOC = "good_till_canceled", "immediate_or_cancel"
_CENTI = 100  # centi-contracts per contract


class SimWriter(Protocol):
    """The write methods the simulator uses: ``Exchange`` and ``PersistentExchange`` fit."""

    def create_user(self, *, balance_cents: int, user_id: str | None = None) -> str: ...
    def deposit(self, user_id: str, cents: int) -> None: ...
    def deposit_to_shard(self, user_id: str, cents: int, exchange_index: int) -> None: ...
    def create_order(self, user: str, req: CreateOrderV2Request) -> CreateOrderAck: ...
    def cancel_order(self, user: str, order_id: str, route: WriteRoute = ...) -> CancelOrderAck: ...
    def amend_order(self, user: str, order_id: str, req: AmendOrderV2Request) -> AmendOrderAck: ...
    def advance(self) -> None: ...
    def determine(self, ticker: str, result: Literal["yes", "no"]) -> None: ...
    def settle(self, ticker: str) -> None: ...
    def list_events(self, series_ticker: str, reference: float | None = None) -> list[str]: ...
    # the RFQ quoter's (quoter.py)
    def create_quote(self, user: str, req: CreateQuoteRequest) -> str: ...
    def confirm_quote(self, user: str, quote_id: str, rfq_id: str | None = None) -> None: ...


class Action(NamedTuple):
    """One write the simulator made. ``price`` in ticks, ``size`` in centi-contracts (0 when
    they do not apply); ``ref`` is the order id, the result, or the user's balance."""

    kind: str
    user: str = ""
    ticker: str = ""
    side: str = ""
    price: int = 0
    size: int = 0
    ref: str = ""


@dataclass(frozen=True, slots=True)
class AgentParams:
    """How the simulated market behaves; ``latent`` how the latent values move."""

    latent: LatentParams = field(default_factory=LatentParams)
    half_spreads: tuple[int, ...] = (100, 200, 300)  # ticks at 50%, one per maker
    quote_contracts: tuple[int, int] = (10, 200)
    refill_below_contracts: int = 10
    pick_off_cap_contracts: int = 500
    noise_mean_contracts: float = 6.0
    sweep_levels: tuple[int, int] = (2, 5)
    sweep_cap_contracts: int = 5000
    takers: int = 4
    makers_per_market: int = 2
    maker_share: float = 0.55  # of turns; the rest are noise takes, and sweeps
    sweep_share: float = 0.02
    balance_cents: int = 10_000_000_000  # $100M a user: agents do not run dry
    settle_delay_ms: int = 60_000


def snap_down(ticks: tuple[int, ...], price: int) -> int | None:
    """The highest tradeable price <= ``price``, or None."""
    i = bisect_right(ticks, price)
    return ticks[i - 1] if i else None


def snap_up(ticks: tuple[int, ...], price: int) -> int | None:
    """The lowest tradeable price >= ``price``, or None."""
    i = bisect_left(ticks, price)
    return ticks[i] if i < len(ticks) else None


def _order(
    ticker: str, side: Side, price: int, size: int, tif: str, stp: str, post_only: bool
) -> CreateOrderV2Request:
    return CreateOrderV2Request(
        ticker=ticker, side=side, price=ticks_to_dollars(price), count=centi_to_fp(size),
        time_in_force=tif, self_trade_prevention_type=stp, post_only=post_only or None,
    )  # fmt: skip


class Desk:
    """Sends the simulator's writes, one Action each; refusals are counted, not raised."""

    def __init__(self, writer: SimWriter, engine: MatchingEngine, params: AgentParams) -> None:
        self.writer = writer
        self.engine = engine
        self.actions: list[Action] = []
        self.refusals: dict[str, int] = {}
        self._refill_cents = params.balance_cents

    def take_actions(self) -> list[Action]:
        taken, self.actions = self.actions, []
        return taken

    def refused(self, error: ExchangeError, user: str) -> None:
        self.refusals[error.code] = self.refusals.get(error.code, 0) + 1
        if error.code == "insufficient_balance" and user:
            # a long session can tie up an agent's cash in positions: top it up, next time works
            self.writer.deposit(user, self._refill_cents)
            self.fund_other_shards(user, self._refill_cents)
            self.actions.append(Action("deposit", user, ref=str(self._refill_cents)))

    def fund_other_shards(self, user: str, cents: int) -> None:
        """Collateral is checked per shard: an agent trades combos (shard 1) from its own
        cash there, as a Kalshi member would after funding that shard."""
        for shard in SHARDS[1:]:
            self.writer.deposit_to_shard(user, cents, shard)

    def place(
        self, kind: str, user: str, ticker: str, side: Side, price: int, size: int, *,
        quote: bool = False,
    ) -> str | None:  # fmt: skip
        """A post-only GTC quote (``quote``), else an IOC; returns the order id, or None."""
        tif, post_only = (_GTC, True) if quote else (_IOC, False)
        # makers cancel their own resting order rather than trade with it; takers never rest
        req = _order(ticker, side, price, size, tif, "maker", post_only)
        try:
            ack = self.writer.create_order(user, req)
        except ExchangeError as error:
            self.refused(error, user)
            return None
        self.actions.append(Action(kind, user, ticker, side, price, size, ack.order_id))
        return ack.order_id

    def amend(self, user: str, order: RestingOrder, price: int, remaining: int) -> bool:
        """Re-price and/or re-size a resting order (``remaining`` after what already filled)."""
        total = order.filled + remaining
        req = AmendOrderV2Request(
            ticker=order.ticker, side=order.side, price=ticks_to_dollars(price),
            count=centi_to_fp(total),
        )  # fmt: skip
        try:
            self.writer.amend_order(user, order.order_id, req)
        except ExchangeError as error:
            self.refused(error, user)
            return False
        self.actions.append(
            Action("amend", user, order.ticker, order.side, price, remaining, order.order_id)
        )
        return True

    def cancel(self, user: str, order: RestingOrder) -> None:
        try:
            # routed by its market, as a client must (a combo rests on shard 1)
            self.writer.cancel_order(user, order.order_id, WriteRoute(market_ticker=order.ticker))
        except ExchangeError as error:
            self.refused(error, user)
            return
        self.actions.append(Action("cancel", user, order.ticker, order.side, ref=order.order_id))


class Makers:
    """Market makers: one bid and one ask per market each, around the latent value."""

    def __init__(self, users: list[str], rng: random.Random, params: AgentParams) -> None:
        self.users = users
        self._rng = rng
        self._params = params
        self._quotes: dict[tuple[str, str, str], str] = {}  # (user, ticker, side) -> order id

    def adopt(self, order: RestingOrder) -> RestingOrder | None:
        """Take over a resting order found on the books (a restart); returns a duplicate to
        cancel when the maker already quotes that side."""
        key = (order.owner, order.ticker, order.side)
        if key in self._quotes:
            return order
        self._quotes[key] = order.order_id
        return None

    def forget(self, ticker: str) -> None:
        """Drop the quotes of a market that closed (the exchange canceled them)."""
        for user in self.users:
            self._quotes.pop((user, ticker, "bid"), None)
            self._quotes.pop((user, ticker, "ask"), None)

    def of_market(self, index: int) -> list[str]:
        """The makers that quote the ``index``-th market of the catalog (fixed, so a restart
        keeps the same ones)."""
        count = min(self._params.makers_per_market, len(self.users))
        return [self.users[(index + k) % len(self.users)] for k in range(count)]

    def requote(self, desk: Desk, user: str, ticker: str, fair: int, ticks: tuple[int, ...]) -> int:
        """Bring ``user``'s quotes on ``ticker`` to ``fair``; returns the writes made."""
        before = len(desk.actions)
        half = self._half_spread(user, fair)
        targets: dict[Side, int | None] = {
            "bid": snap_down(ticks, fair - half),
            "ask": snap_up(ticks, fair + half),
        }
        size = self._rng.randint(*self._params.quote_contracts) * _CENTI
        later: list[Side] = []
        for side in ("bid", "ask"):
            own = self._own(desk, user, ticker, side)
            target = targets[side]
            # moving away from the book can never cross, so those go first
            if target is None or (own is not None and _is_away(side, own.price, target)):
                self._set(desk, user, ticker, side, target, size, ticks)
            else:
                later.append(side)
        for side in later:
            self._pick_off(desk, user, ticker, side, targets[side])
            self._set(desk, user, ticker, side, targets[side], size, ticks)
        return len(desk.actions) - before

    def _half_spread(self, user: str, fair: int) -> int:
        spreads = self._params.half_spreads
        base = spreads[self.users.index(user) % len(spreads)]
        # narrower toward the tails, where a cent is a large share of the price
        variance = fair * (TICKS_PER_DOLLAR - fair) / (TICKS_PER_DOLLAR * TICKS_PER_DOLLAR)
        return max(1, round(base * (0.25 + 3 * variance)))

    def _own(self, desk: Desk, user: str, ticker: str, side: str) -> RestingOrder | None:
        key = (user, ticker, side)
        order_id = self._quotes.get(key)
        if order_id is None:
            return None
        order = desk.engine.get_order(order_id)
        if order is None:  # filled or canceled since
            del self._quotes[key]
        return order

    def _set(
        self, desk: Desk, user: str, ticker: str, side: Side, target: int | None, size: int,
        ticks: tuple[int, ...],
    ) -> None:  # fmt: skip
        own = self._own(desk, user, ticker, side)
        price = None if target is None else _behind_book(desk.engine, ticker, side, target, ticks)
        if price is None:
            if own is not None:
                desk.cancel(user, own)
                del self._quotes[(user, ticker, side)]
            return
        if own is None:
            order_id = desk.place("quote", user, ticker, side, price, size, quote=True)
            if order_id is not None:
                self._quotes[(user, ticker, side)] = order_id
            return
        refill = own.remaining < self._params.refill_below_contracts * _CENTI
        if own.price != price or refill:
            desk.amend(user, own, price, size if refill else own.remaining)

    def _pick_off(self, desk: Desk, user: str, ticker: str, side: Side, target: int | None) -> None:
        """Trade with others' quotes that are better than our target (stale after a move)."""
        if target is None:
            return
        engine, opposite = desk.engine, _OTHER[side]
        best = engine.best_ask(ticker) if side == "bid" else engine.best_bid(ticker)
        if best is None or not _crosses(side, target, best):
            return
        stale = sum(s for p, s in engine.levels(ticker, opposite) if _crosses(side, target, p))
        size = min(stale, self._params.pick_off_cap_contracts * _CENTI)
        desk.place("pick_off", user, ticker, side, target, size)


def _is_away(side: Side, price: int, target: int) -> bool:
    """Whether moving a quote from ``price`` to ``target`` moves it away from the other side."""
    return target < price if side == "bid" else target > price


def _crosses(side: Side, price: int, other: int) -> bool:
    """Whether an order on ``side`` at ``price`` trades with an opposite quote at ``other``."""
    return other <= price if side == "bid" else other >= price


def _behind_book(
    engine: MatchingEngine, ticker: str, side: Side, target: int, ticks: tuple[int, ...]
) -> int | None:
    """``target``, or the nearest price that does not cross the opposite best quote."""
    if side == "bid":
        best = engine.best_ask(ticker)
        return target if best is None or best > target else snap_down(ticks, best - 1)
    best = engine.best_bid(ticker)
    return target if best is None or best < target else snap_up(ticks, best + 1)


class Takers:
    """Noise takers crossing the spread, and a sweeper that now and then takes several levels."""

    def __init__(
        self, users: list[str], sweeper: str, rng: random.Random, params: AgentParams
    ) -> None:
        self.users = users
        self.sweeper = sweeper
        self._rng = rng
        self._params = params

    def noise(self, desk: Desk, ticker: str) -> int:
        """One IOC at the best opposite price; returns the writes made (0 on an empty side)."""
        rng = self._rng
        side: Side = "bid" if rng.random() < 0.5 else "ask"
        best = desk.engine.best_ask(ticker) if side == "bid" else desk.engine.best_bid(ticker)
        if best is None:
            return 0
        contracts = 1 + int(rng.expovariate(1 / self._params.noise_mean_contracts))
        user = self.users[rng.randrange(len(self.users))]
        return int(desk.place("take", user, ticker, side, best, contracts * _CENTI) is not None)

    def sweep(self, desk: Desk, ticker: str) -> int:
        """One large IOC through 2..5 levels of one side; returns the writes made."""
        rng = self._rng
        side: Side = "bid" if rng.random() < 0.5 else "ask"
        low, high = self._params.sweep_levels
        levels = desk.engine.levels(ticker, _OTHER[side])[: rng.randint(low, high)]
        if len(levels) < low:
            return 0
        size = min(sum(s for _, s in levels), self._params.sweep_cap_contracts * _CENTI)
        return int(desk.place("sweep", self.sweeper, ticker, side, levels[-1][0], size) is not None)
