"""``calibrate``: real post-only orders beside their paper twins, scored against the exchange.

One ``PaperEngine`` per queue model (each its own account, cash as the real account's), all fed
by one ``PaperFeed`` from the same stream. Each order is submitted to every engine and, at the
same moment, placed for real with the same ``client_order_id``; the exchange's queue position is
read right after placement beside each engine's estimate; the order rests ``hold_s`` and what
rests is canceled on both sides. Real fills come from the private ``fill`` stream, paper fills
from the engines' events, both timed on the one local clock. ``far_from_touch`` (real money
sources) prices orders well behind the touch: they never trade, only queues are compared.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import random
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any, Final, NamedTuple

from kalshikit.config import APIConfig
from kalshikit.errors import KalshiError, ValidationError
from kalshikit.http.client import AsyncKalshiClient
from kalshikit.http.orders_core import OrderSpec
from kalshikit.models.base import contracts_of
from kalshikit.models.stream import FillMsg
from kalshikit.paper.calibration import CalibrationReport, PaperSide, Trial, summarize
from kalshikit.paper.core import OrderRefused
from kalshikit.paper.engine import PaperEngine
from kalshikit.paper.feed import PaperFeed
from kalshikit.paper.queue import parse_queue_model
from kalshikit.paper.wire import PaperEvent
from kalshikit.units import TICKS_PER_DOLLAR, ticks_to_dollars
from kalshikit.ws import KalshiWebSocket

__all__ = ["DEFAULT_MODELS", "calibrate"]

DEFAULT_MODELS: Final = ("risk_averse", "power_prob:2", "power_prob:3")
_CENT: Final = 100  # ticks; only linear-cent markets are used, so every cent is a valid price
_MICRO_PER_CENT: Final = 10_000
_NS_PER_S: Final = 1_000_000_000
_TOUCH_OFFSETS: Final = (0, 0, 0, 1, 2)  # cents behind the best: mostly at it
_FAR_CENTS: Final = 15  # far_from_touch: this far behind the best, at least
_SIZES: Final = (1, 1, 2, 3)  # contracts
_GRACE_S: Final = 1.0  # late fill messages of the last orders
_QUOTE_WAITS: Final = 5  # seconds to wait for enough quoted markets


async def calibrate(
    config: APIConfig,
    *,
    orders: int = 200,
    models: Sequence[str] = DEFAULT_MODELS,
    markets: int = 8,
    hold_s: float = 5.0,
    seed: int = 0,
    progress: Callable[[str], object] | None = None,
    far_from_touch: bool = False,
    in_flight: int | None = None,
) -> CalibrationReport:
    """Place ``orders`` real post-only orders (``in_flight`` at a time, default two per market)
    and their paper twins; score each model (module docstring)."""
    _check_args(orders, markets, hold_s, seed, in_flight)
    names = [] if isinstance(models, str) else list(dict.fromkeys(models))
    if not names:
        raise ValidationError(f"models must be a list of queue model names, e.g. {DEFAULT_MODELS}")
    engines = {name: PaperEngine(parse_queue_model(name)) for name in names}
    started = time.monotonic()
    async with AsyncKalshiClient(config=config) as client, KalshiWebSocket(config=config) as ws:
        run = _Run(client, ws, engines, seed, far_from_touch, progress or (lambda _: None))
        tickers = await run.setup(markets)
        trials = await run.place_all(orders, hold_s, in_flight or 2 * markets)
    hold_ns = int(hold_s * _NS_PER_S)
    return CalibrationReport(
        source=config.environment.value, markets=tickers, hold_s=hold_s, seed=seed,
        far_from_touch=far_from_touch, orders_placed=len(trials), orders_skipped=run.skipped,
        run_seconds=round(time.monotonic() - started, 3),
        scores=[summarize(name, trials, hold_ns) for name in names], trials=trials,
    )  # fmt: skip


def _check_args(
    orders: object, markets: object, hold_s: object, seed: object, in_flight: object
) -> None:
    for name, value, least in (("orders", orders, 1), ("markets", markets, 1), ("seed", seed, 0)):
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise ValidationError(f"{name} must be an int of at least {least}; got {value!r}")
    if in_flight is not None and (not isinstance(in_flight, int) or in_flight < 1):
        raise ValidationError(f"in_flight must be a positive int or None; got {in_flight!r}")
    if isinstance(hold_s, bool) or not isinstance(hold_s, int | float) or not 0 < hold_s <= 3600:
        raise ValidationError(f"hold_s must be seconds between 0 and 3600, e.g. 5; got {hold_s!r}")


class _Run:
    """The state of one calibration: engines, feed, the orders and the fills seen."""

    def __init__(
        self,
        client: AsyncKalshiClient,
        ws: KalshiWebSocket,
        engines: dict[str, PaperEngine],
        seed: int,
        far: bool,
        progress: Callable[[str], object],
    ) -> None:
        self.client, self.ws, self.engines = client, ws, engines
        self.rng = random.Random(seed)
        self.far = far
        self.progress = progress
        self.feed = PaperFeed(list(engines.values()), ws, on_events=self._paper_events)
        self.tag = f"cal{seed}-{uuid.uuid4().hex[:8]}"  # unique ids; the order mix is seeded
        self.tickers: list[str] = []
        self.real_fills: dict[str, int] = {}  # order id -> first fill, local ns
        self.paper_fills: dict[tuple[str, str], int] = {}  # (account, client id) -> first fill
        self.open_real: dict[str, str] = {}  # resting real order id -> ticker (for cleanup)
        self.skipped = 0

    # ------------------------------------------------------------------ setup

    async def setup(self, markets: int) -> list[str]:
        balance = await self.client.portfolio.balance()
        for name, engine in self.engines.items():
            engine.open_account(_account(name), cash_micro=balance.balance_cents * _MICRO_PER_CENT)
        await self.ws.fills(on_message=self._real_fill, iterate=False)
        candidates = await self._quoted_markets()
        for _ in range(_QUOTE_WAITS):  # a fresh exchange quotes its markets within seconds
            if len(candidates) >= markets:
                break
            await asyncio.sleep(1.0)
            candidates = await self._quoted_markets()
        if not candidates:
            raise ValidationError(
                f"{self.ws.config.rest_url} has no open linear-cent market quoted on both sides"
            )
        self.rng.shuffle(candidates)
        self.tickers = sorted(candidates[:markets])
        await self.feed.follow(self.tickers)
        await self._until_snapshotted()
        self.progress(f"following {len(self.tickers)} markets: {', '.join(self.tickers)}")
        return self.tickers

    async def _quoted_markets(self) -> list[str]:
        found = []
        async for market in self.client.markets.list(status="open", max_pages=2):
            quoted = market.yes_bid is not None and market.yes_ask is not None
            if quoted and market.price_level_structure == "linear_cent":
                bid, ask = market.yes_bid.ticks, market.yes_ask.ticks  # type: ignore[union-attr]
                if 0 < bid < ask < TICKS_PER_DOLLAR:
                    found.append(market.ticker)
        return sorted(found)

    async def _until_snapshotted(self, within_s: float = 10.0) -> None:
        deadline = time.monotonic() + within_s
        while not self.feed.mirrored() >= set(self.tickers):
            if time.monotonic() > deadline:
                raise KalshiError("the stream sent no order book snapshots within 10 s")
            await asyncio.sleep(0.02)

    # ------------------------------------------------------------------ fills

    def _real_fill(self, msg: FillMsg) -> None:
        if msg.order_id is not None:
            self.real_fills.setdefault(msg.order_id, self.feed.now())

    def _paper_events(self, events: list[PaperEvent]) -> None:
        for now, account, msg in events:
            if isinstance(msg, FillMsg) and msg.client_order_id is not None:
                self.paper_fills.setdefault((account, msg.client_order_id), now)

    # ------------------------------------------------------------------ orders

    async def place_all(self, orders: int, hold_s: float, in_flight: int) -> list[Trial]:
        slots = asyncio.Semaphore(in_flight)
        done: list[Trial | None] = []

        async def one(plan: _Plan | None) -> None:
            try:
                done.append(await self._trial(plan, hold_s))
            finally:
                slots.release()
            if len(done) % 10 == 0 or len(done) == orders:
                self.progress(f"{len(done)}/{orders} orders done ({self.skipped} skipped)")

        tasks = []
        try:
            for index in range(orders):
                await slots.acquire()
                tasks.append(asyncio.create_task(one(self._next_plan(index))))
            await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()
            await self._cancel_leftovers()
        await asyncio.sleep(_GRACE_S)
        self._paper_events([e for engine in self.engines.values() for e in engine.drain()])
        trials = [t for t in done if t is not None]
        for trial in trials:
            trial.real_first_fill_ns = self.real_fills.get(trial.real_order_id)
            for name, paper in trial.paper.items():
                paper.first_fill_ns = self.paper_fills.get((_account(name), trial.client_order_id))
        return trials

    def _next_plan(self, index: int) -> _Plan | None:
        """The seeded mix: a market, a side, a level at or behind its best, a small size."""
        ticker = self.rng.choice(self.tickers)
        bid = self.rng.random() < 0.5
        offset = self.rng.choice(_TOUCH_OFFSETS)
        size = 1 if self.far else self.rng.choice(_SIZES)  # real money: the least there is
        price = self._price(ticker, bid, offset)
        if price is None:
            return None
        spec = OrderSpec(
            ticker, side="yes", action="buy" if bid else "sell", count=size,
            price_dollars=ticks_to_dollars(price), post_only=True,
            client_order_id=f"{self.tag}-{index}",
        )  # fmt: skip
        return _Plan(spec, "bid" if bid else "ask", price, size * 100)

    def _price(self, ticker: str, bid: bool, offset: int) -> int | None:
        """YES ticks ``offset`` cents behind the stream's best (at least 15 when far)."""
        book = self.ws.books.get(ticker)
        best = None if book is None else (book.best_yes_bid if bid else book.best_yes_ask)
        if best is None:
            return None
        behind = (offset + (_FAR_CENTS if self.far else 0)) * _CENT
        price = best.ticks - behind if bid else best.ticks + behind
        price = min(max(price, _CENT), TICKS_PER_DOLLAR - _CENT)
        return price if price % _CENT == 0 else None

    async def _trial(self, plan: _Plan | None, hold_s: float) -> Trial | None:
        if plan is None:
            self.skipped += 1
            return None
        spec = plan.spec
        placed = self.feed.now()
        paper = self._submit_paper(placed, spec)
        if paper is None:
            self.skipped += 1
            return None
        try:
            result = await self.client.orders.create(**_create_args(spec))
        except KalshiError:  # the book moved: post-only would cross now
            self._cancel_paper(paper)
            self.skipped += 1
            return None
        order_id = result.order_id  # type: ignore[union-attr]
        self.open_real[order_id] = spec.ticker
        trial = Trial(
            client_order_id=str(spec.client_order_id), ticker=spec.ticker, side=plan.side,
            price=plan.price, count_centi=plan.count_centi, placed_ns=placed,
            real_order_id=order_id, paper=paper,
        )  # fmt: skip
        await self._read_queues(trial)
        await asyncio.sleep(max(0.0, hold_s - (self.feed.now() - placed) / _NS_PER_S))
        await self._cancel_real(order_id, spec.ticker)
        self._cancel_paper(paper)
        return trial

    def _submit_paper(self, now: int, spec: OrderSpec) -> dict[str, PaperSide] | None:
        """Every engine takes the order, or none keeps it (a refusal is a skipped trial)."""
        sides: dict[str, PaperSide] = {}
        for name, engine in self.engines.items():
            try:
                ack = engine.submit(now, _account(name), spec)
            except ValidationError:  # OrderRefused too: the paper book says it would cross
                self._cancel_paper(sides)
                return None
            sides[name] = PaperSide(ack.order_id, str(ack.client_order_id))
        return sides

    def _cancel_paper(self, sides: dict[str, PaperSide]) -> None:
        now = self.feed.now()
        for name, side in sides.items():
            with contextlib.suppress(OrderRefused):  # it filled on paper: nothing rests
                self.engines[name].cancel(now, _account(name), side.order_id)

    async def _read_queues(self, trial: Trial) -> None:
        """The exchange's queue position right after placement, and each model's estimate."""
        answers = await self.client.orders.queue_positions(market_tickers=[trial.ticker])
        for answer in answers:
            if answer.order_id == trial.real_order_id:
                ahead = contracts_of(answer.queue_position_fp, answer.queue_position_int)
                trial.real_queue_centi = None if ahead is None else ahead.centi
        for name, side in trial.paper.items():
            side.queue_centi = self.engines[name].queue_position(_account(name), side.order_id)

    async def _cancel_real(self, order_id: str, ticker: str) -> None:
        with contextlib.suppress(KalshiError):  # it filled meanwhile: nothing rests
            await self.client.orders.cancel(order_id, market_ticker=ticker)
        self.open_real.pop(order_id, None)

    async def _cancel_leftovers(self) -> None:
        """Whatever still rests after a failure or an interrupt: ours only, never cancel-all."""
        for order_id, ticker in list(self.open_real.items()):
            await self._cancel_real(order_id, ticker)


class _Plan(NamedTuple):
    """One order of the mix: its spec, V2 book side, YES ticks and centi-contracts."""

    spec: OrderSpec
    side: str
    price: int
    count_centi: int


def _account(model: str) -> str:
    return f"paper-{model}"


def _create_args(spec: OrderSpec) -> dict[str, Any]:
    """``client.orders.create``'s keywords are the spec's fields, one for one."""
    return {f.name: getattr(spec, f.name) for f in dataclasses.fields(spec)}
