"""Running a strategy against a live exchange: the local sandbox, Kalshi demo or prod.

:class:`LiveBroker` places the strategy's orders through the async client (exactly once: the
client fixes each order's ``client_order_id`` before its first attempt) and keeps the strategy's
positions, resting orders and cash current from the private streams (``fill``,
``user_orders``, ``market_positions``) after one REST read at the start. :func:`run_live` wires
the public streams of the strategy's markets to its callbacks until ``duration`` passes, the
halt file is set (``kalshi kill``) or the task is cancelled; it then cancels the strategy's
resting orders when halted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from kalshikit.errors import KalshiError, NotFound
from kalshikit.http.client import AsyncKalshiClient
from kalshikit.http.orders_core import CheckedOrder
from kalshikit.models.stream import (
    DeltaFrame,
    FillFrame,
    PositionFrame,
    SnapshotFrame,
    UserOrderFrame,
)
from kalshikit.strategy.broker import Resting
from kalshikit.units import Contracts, Price, parse_book_side

__all__ = ["LiveBroker", "book_frame_ticker"]

_log = logging.getLogger("kalshikit.strategy")
_MICRO_PER_CENT = 10_000
_DONE = frozenset({"canceled", "executed"})


class LiveBroker:
    """Orders through ``client``; state from the private streams (see the module's text)."""

    def __init__(self, client: AsyncKalshiClient, on_error: Callable[[str], None]) -> None:
        self.client = client
        self._on_error = on_error
        self._positions: dict[str, int] = {}
        self._costs: dict[str, int] = {}  # micro-dollars each position cost
        self._resting: dict[str, Resting] = {}  # by client_order_id
        self._cash_micro = 0
        self._tasks: set[asyncio.Task[Any]] = set()

    async def load(self) -> None:
        """Cash, positions and resting orders as the exchange has them now."""
        balance = await self.client.portfolio.balance()
        self._cash_micro = _micro(str(balance.balance))
        async for position in self.client.portfolio.positions():
            held = position.position
            if held is not None and held.centi:
                self._positions[position.ticker] = held.centi
                self._costs[position.ticker] = _micro(position.market_exposure_dollars)
        async for order in self.client.orders.list(status="resting"):
            self._track(order.client_order_id, order.order_id, order.ticker, order.book_side,
                        order.yes_price_dollars, order.remaining_count_fp)  # fmt: skip

    # --- the Broker protocol ------------------------------------------------------------------

    def submit(self, now_ns: int, order: CheckedOrder) -> None:
        intent = order.intent
        self._resting[order.client_order_id] = Resting(
            None, order.client_order_id, intent.ticker, intent.book_side,
            intent.yes_price.ticks, intent.count.centi,
        )  # fmt: skip
        self._spawn(self._create(order))

    async def _create(self, order: CheckedOrder) -> None:
        spec = order.spec
        try:
            await self.client.orders.create(
                spec.ticker, side=spec.side, action=spec.action, count=spec.count,
                price_cents=spec.price_cents, price_dollars=spec.price_dollars,
                time_in_force=spec.time_in_force, post_only=spec.post_only,
                reduce_only=spec.reduce_only, expiration=spec.expiration,
                client_order_id=order.client_order_id,
            )  # fmt: skip
        except KalshiError as error:
            self._resting.pop(order.client_order_id, None)
            self._on_error(f"order {order.client_order_id} was refused: {error}")

    def cancel(self, now_ns: int, order_id: str) -> None:
        self._spawn(self._cancel(order_id))

    async def _cancel(self, order_id: str) -> None:
        try:
            await self.client.orders.cancel(order_id)
        except NotFound:  # it filled or was canceled before the stream told us: nothing to do
            _log.debug("cancel of %s: the order no longer rests", order_id)
        except KalshiError as error:
            self._on_error(f"cancel of {order_id}: {error}")

    def cancel_all(self, now_ns: int, ticker: str | None) -> None:
        for resting in list(self._resting.values()):
            if resting.order_id is not None and ticker in (None, resting.ticker):
                self.cancel(now_ns, resting.order_id)

    async def halt(self) -> None:
        """The kill switch: every resting order of the account, through the V2 cancel-all
        (as `kalshi kill` does), after the orders still in flight have landed."""
        await self.settle()
        try:
            await self.client.orders.cancel_all()
        except KalshiError as error:  # the halt stays on; the person is told
            self._on_error(f"cancel-all on halt failed: {error}; run `kalshi kill` again")

    def position(self, ticker: str) -> int:
        return self._positions.get(ticker, 0)

    def positions(self) -> dict[str, int]:
        return dict(self._positions)

    def cash_micro(self) -> int:
        return self._cash_micro

    def total_cash_micro(self) -> int:
        """Kalshi's balance is the cash free to trade; a live run marks equity on it."""
        return self._cash_micro

    def cost_micro(self, ticker: str) -> int:
        return self._costs.get(ticker, 0)

    def resting(self, ticker: str | None) -> Sequence[Resting]:
        return [r for r in self._resting.values() if ticker in (None, r.ticker)]

    # --- the private streams ------------------------------------------------------------------

    def on_private(self, frame: Any) -> None:
        kind, msg = type(frame), frame.msg
        if kind is UserOrderFrame:
            if msg.status in _DONE or msg.client_order_id is None:
                self._resting.pop(msg.client_order_id or "", None)
            else:
                self._track(msg.client_order_id, msg.order_id, msg.ticker, msg.book_side,
                            msg.yes_price_dollars, msg.remaining_count_fp)  # fmt: skip
        elif kind is PositionFrame and msg.position is not None:
            self._positions[msg.market_ticker] = msg.position.centi
            self._costs[msg.market_ticker] = _micro(None if msg.cost is None else str(msg.cost))
        elif kind is FillFrame:
            self._spawn(self._refresh_cash())

    async def _refresh_cash(self) -> None:
        with contextlib.suppress(KalshiError):
            balance = await self.client.portfolio.balance()
            self._cash_micro = int(balance.balance * 1_000_000)

    def _track(self, client_id: str, order_id: str, ticker: str, book_side: str | None,
               yes_price: str | None, remaining: str | None) -> None:  # fmt: skip
        if yes_price is None or remaining is None or book_side is None:
            return
        self._resting[client_id] = Resting(
            order_id, client_id, ticker, parse_book_side(book_side), Price(yes_price).ticks,
            Contracts.from_fp(remaining).centi,
        )  # fmt: skip

    def _spawn(self, work: Any) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def settle(self) -> None:
        """Wait (up to 5 s) for orders and cancels in flight, at the end of a run."""
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=5.0)


def _micro(dollars: str | None) -> int:
    return 0 if not dollars else int(Decimal(dollars) * 1_000_000)


def book_frame_ticker(frame: Any) -> str | None:
    """The market a book frame changed, for ``on_book``; None for other frames."""
    if type(frame) is DeltaFrame or type(frame) is SnapshotFrame:
        return str(frame.msg.market_ticker)
    return None
