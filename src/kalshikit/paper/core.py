"""The paper engine's state and its matching primitives. No I/O, no clock: time is ``now_ns``.

``PaperCore`` holds the source books, the accounts and the event list, and knows how an order
takes depth (as taker), how a resting order is filled (as maker: by trades at or through its
price, or by the opposite side crossing it), how its queue position moves, and how a fill moves
cash, position and fees. ``engine.PaperEngine`` adds the public calls on top.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from kalshikit.errors import ValidationError
from kalshikit.fees import FeeSchedule, fee_bound
from kalshikit.models.stream import FillMsg, PositionMsg, UserOrderMsg
from kalshikit.netting import unit_cost
from kalshikit.paper.accounts import PaperAccount, order_cost
from kalshikit.paper.book import SourceBook
from kalshikit.paper.queue import QueueModel
from kalshikit.paper.records import BookLevel, PaperFill, PaperOrder
from kalshikit.paper.wire import PaperEvent, fill_msg, money, order_msg, position_msg

__all__ = ["OrderRefused", "PaperCore", "PaperEvent"]


_REFUSALS: Final = {
    "post_only_cross": "a post_only order may not cross the book: it would trade at once",
    "fill_or_kill_insufficient": "fill_or_kill: not enough size at this price to fill it all",
}


class OrderRefused(ValidationError):
    """An order the exchange would refuse (its ``code`` is the sandbox's error code)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


def _priority(order: PaperOrder) -> tuple[int, int]:
    """Best price first (highest bid, lowest ask), then oldest."""
    return (-order.price if order.side == "bid" else order.price, order.seq)


class PaperCore:
    """State and matching. Subclassed by ``PaperEngine``."""

    def __init__(
        self,
        queue_model: QueueModel,
        entry_latency_ns: int,
        fees: Callable[[str], FeeSchedule],
    ) -> None:
        if not isinstance(queue_model, QueueModel):
            raise ValidationError(
                f"queue_model must be a queue model (RiskAverse(), PowerProb(2) or "
                f"parse_queue_model('power_prob:2')); got {queue_model!r}"
            )
        if (
            isinstance(entry_latency_ns, bool)
            or not isinstance(entry_latency_ns, int)
            or entry_latency_ns < 0
        ):
            raise ValidationError(
                "entry_latency_ns must be a non-negative int of nanoseconds; "
                f"got {entry_latency_ns!r}"
            )
        if not callable(fees):
            raise ValidationError("fees must be a function of the ticker returning a FeeSchedule")
        self.queue_model = queue_model
        self.entry_latency_ns = entry_latency_ns
        self._fees = fees
        self._schedules: dict[str, FeeSchedule] = {}
        self._books: dict[str, SourceBook] = {}
        self._accounts: dict[str, PaperAccount] = {}
        self._closed: dict[str, str] = {}  # ticker -> why it no longer trades
        self._last_price: dict[str, int] = {}
        self._now = 0
        self._order_seq = 0
        # orders still waiting out their latency or with an expiration: all advance() looks at
        self._timed: dict[str, PaperOrder] = {}
        self._fill_seq = 0
        self._events: list[PaperEvent] = []

    # ------------------------------------------------------------------ time and lookups

    def _check_time(self, now_ns: object) -> int:
        if isinstance(now_ns, bool) or not isinstance(now_ns, int) or now_ns < 0:
            raise ValidationError(
                f"now_ns must be a non-negative int of nanoseconds; got {now_ns!r}"
            )
        if now_ns < self._now:
            raise ValidationError(
                f"time went back: now_ns {now_ns} is before the last call's {self._now}; "
                "feed events in time order"
            )
        return now_ns

    def _schedule(self, ticker: str) -> FeeSchedule:
        found = self._schedules.get(ticker)
        if found is None:
            found = self._fees(ticker)
            if not isinstance(found, FeeSchedule):
                raise ValidationError(f"fees({ticker!r}) must return a FeeSchedule; got {found!r}")
            self._schedules[ticker] = found
        return found

    def _book(self, ticker: str) -> SourceBook:
        found = self._books.get(ticker)
        if found is None:
            found = self._books[ticker] = SourceBook(ticker)
        return found

    def _account(self, name: object) -> PaperAccount:
        found = self._accounts.get(name) if isinstance(name, str) else None
        if found is None:
            raise ValidationError(f"no paper account {name!r}: open it with open_account first")
        return found

    def _emit(self, now: int, account: str, msg: FillMsg | UserOrderMsg | PositionMsg) -> None:
        self._events.append((now, account, msg))

    def _has_orders(self, ticker: str) -> bool:
        """Whether any account has an order resting (or on its way) in ``ticker``."""
        return any(ticker in account.live for account in self._accounts.values())

    def _active_orders(self, ticker: str) -> list[PaperOrder]:
        """Every account's active resting orders in ``ticker``, account by account, best first."""
        found: list[PaperOrder] = []
        for account in self._accounts.values():
            mine = [o for o in account.resting(ticker) if o.active]
            found.extend(sorted(mine, key=_priority))
        return found

    # ------------------------------------------------------------------ collateral

    def _rebalance(self, account: PaperAccount, ticker: str, now: int) -> None:
        account.rebalance(ticker, self._schedule(ticker).maker, now)

    def _collateral_refusal(self, account: PaperAccount, order: PaperOrder) -> OrderRefused | None:
        """The new order's own cost, less the position it can close that earlier resting
        orders have not claimed, plus the most taker fee it could pay if it may trade at once."""
        fees = self._schedule(order.ticker)
        covered = min(order.remaining, account.coverage_left(order.ticker, order.side))
        need = order_cost(order, fees.maker) - covered * unit_cost(order.side, order.price)
        book = self._book(order.ticker)
        may_take = self.entry_latency_ns > 0 or book.crossing_size(
            account.name, order.side, order.price
        )
        if may_take:
            need += fee_bound(fees.taker, order.remaining, order.price, order.side, 0, 0)
        if need <= account.cash:
            return None
        return OrderRefused(
            "insufficient_balance",
            f"this needs ${money(need)} of collateral and fees but the available balance is "
            f"${money(account.cash)}; deposit more or trade smaller",
        )

    def _book_refusal(self, order: PaperOrder) -> OrderRefused | None:
        """Post-only that would cross, fill-or-kill that cannot fill all: the sandbox's refusals."""
        crossing = self._book(order.ticker).crossing_size(order.account, order.side, order.price)
        if order.post_only and crossing:
            return OrderRefused("post_only_cross", _REFUSALS["post_only_cross"])
        if order.time_in_force == "fill_or_kill" and crossing < order.remaining:
            return OrderRefused("fill_or_kill_insufficient", _REFUSALS["fill_or_kill_insufficient"])
        return None

    # ------------------------------------------------------------------ fills

    def _fill(self, order: PaperOrder, price: int, size: int, is_taker: bool, now: int) -> None:
        """Move the cash, position and fees of one fill, record it and emit its messages."""
        account = self._accounts[order.account]
        fees = self._schedule(order.ticker)
        position = account.position(order.ticker)
        cash = position.apply_fill(order.side, price, size, now)
        coefficient = fees.taker if is_taker else fees.maker
        fee = order.charge_fee(coefficient, size, price, is_taker)
        order.add_fill(size, price, is_taker, now)
        position.fees += fee
        account.cash += cash - fee
        self._fill_seq += 1
        fill = PaperFill(
            f"paper-fill-{self._fill_seq}", order.order_id, order.client_order_id, account.name,
            order.ticker, order.side, price, size, is_taker, fee, position.size, now,
        )  # fmt: skip
        account.fills.append(fill)
        if not order.is_resting:
            account.retire(order)
        self._rebalance(account, order.ticker, now)
        self._emit(now, account.name, fill_msg(fill))
        self._emit(now, account.name, order_msg(order, "trade"))
        self._emit(now, account.name, position_msg(account.name, position))

    def _take(self, order: PaperOrder, now: int) -> None:
        """Walk the opposite levels best first, each at its own price, as taker."""
        book = self._book(order.ticker)
        for level, price, available in list(book.crossing(order.account, order.side, order.price)):
            size = min(available, order.remaining)
            if size <= 0:
                continue
            book.consume(order.account, level, size)
            self._fill(order, price, size, True, now)
            if order.remaining == 0:
                return

    def _fill_crossed(self, ticker: str, now: int) -> None:
        """The opposite side of the source crossed resting orders: each fills as maker at its
        own price, up to the crossing depth its account has not yet taken."""
        book = self._book(ticker)
        for order in self._active_orders(ticker):
            for level, _, available in list(book.crossing(order.account, order.side, order.price)):
                size = min(available, order.remaining)
                if size > 0:
                    book.consume(order.account, level, size)
                    order.ahead = 0
                    self._fill(order, order.price, size, False, now)
                if not order.is_resting:
                    break

    def _end_order(self, order: PaperOrder, reason: str | None, now: int) -> None:
        """Cancel what rests of ``order`` (the reason goes to the stream), release collateral."""
        order.status = "canceled"
        order.remaining = 0
        order.updated_ns = now
        account = self._accounts[order.account]
        account.retire(order)
        self._rebalance(account, order.ticker, now)
        self._emit(now, account.name, order_msg(order, reason))

    def _activate(self, order: PaperOrder, now: int) -> None:
        """Its latency elapsed: refuse-by-cancel if it may no longer trade, take, then rest."""
        order.active = True
        refusal = self._book_refusal(order)
        if refusal is None and self._book(order.ticker).crossing_size(
            order.account, order.side, order.price
        ):
            fees = self._schedule(order.ticker)
            bound = fee_bound(fees.taker, order.remaining, order.price, order.side, 0, 0)
            if bound > self._accounts[order.account].cash:
                refusal = OrderRefused("insufficient_balance", "not enough cash for taker fees")
        if refusal is not None:
            self._end_order(order, refusal.code, now)
            return
        self._take(order, now)
        if not order.is_resting:
            return
        if order.time_in_force != "good_till_canceled":
            self._end_order(order, None, now)  # IOC: the rest is canceled
            return
        order.ahead = self._book(order.ticker).size_at(order.level)

    # ------------------------------------------------------------------ queue positions

    def _trade_fills(
        self, ticker: str, maker_level: BookLevel, price: int, count: int, now: int
    ) -> None:
        """A source trade: resting orders at its price advance (and fill with what is left once
        nothing is ahead); those at a better price were traded through and fill as maker."""
        maker_side = "bid" if maker_level[0] == "yes" else "ask"
        left: dict[str, int] = {}
        for order in self._active_orders(ticker):
            if order.side != maker_side:
                continue
            pool = left.setdefault(order.account, count)
            through = order.price > price if maker_side == "bid" else order.price < price
            if through:
                size, order.ahead = min(order.remaining, pool), 0
            elif order.price == price:
                before = order.ahead or 0
                order.ahead = self.queue_model.on_trade(before, count)
                size = min(order.remaining, pool, max(count - before, 0))
            else:
                continue
            if size > 0:
                left[order.account] = pool - size
                self._fill(order, order.price, size, False, now)

    def _level_changed(
        self, ticker: str, level: BookLevel, old: int, new: int, traded: int
    ) -> None:
        """Move the queue positions at ``level``: the part of a decrease a trade explains was
        already counted by the trade; the rest goes to the queue model."""
        for orders in (a.resting(ticker) for a in self._accounts.values()):
            for order in orders:
                if not order.active or order.level != level or order.ahead is None:
                    continue
                ahead = min(order.ahead, old - traded)
                order.ahead = self.queue_model.on_level_change(ahead, old - traded, new)
