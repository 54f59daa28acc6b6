"""``PaperEngine``: paper orders matched against a source's books and trades. No I/O, no clock.

Market data comes in time order (``on_snapshot``, ``on_delta``, ``on_trade``, ``on_lifecycle``);
orders come by intent (an ``OrderSpec``, checked exactly as the real client checks it). Every
call takes ``now_ns``, which may never go back. Order and fill ids come from counters, so the
same inputs give the same outputs bit for bit. Accounts are isolated: each sees the source book
less only what it took itself, and paper orders never match each other. Reads return the wire
models; ``drain`` hands over the private-stream messages (fill, user_order, market_position).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from typing import Final

from kalshikit.errors import ValidationError
from kalshikit.fees import FeeSchedule
from kalshikit.http.orders_core import CheckedOrder, OrderSpec, check_order, order_id_arg
from kalshikit.models import (
    Balance,
    CancelOrderAck,
    CreateOrderAck,
    DecreaseOrderAck,
    Fill,
    MarketPosition,
    Order,
    Settlement,
)
from kalshikit.paper.accounts import PaperAccount
from kalshikit.paper.book import SourceBook, check_price, check_size
from kalshikit.paper.core import OrderRefused, PaperCore, PaperEvent
from kalshikit.paper.queue import QueueModel, RiskAverse
from kalshikit.paper.records import BookLevel, PaperOrder
from kalshikit.paper.settlement import settle_market, settlement_terms
from kalshikit.paper.wire import (
    money,
    order_msg,
    render_balance,
    render_fill,
    render_order,
    render_position,
    render_settlement,
)
from kalshikit.units import TICKS_PER_DOLLAR, centi_to_fp, ticks_to_dollars

__all__ = ["PaperEngine"]

_NS_PER_S: Final = 1_000_000_000
_ORDER_STATUSES: Final = ("resting", "canceled", "executed")
_SETTLING_EVENTS: Final = ("determined", "settled")


def _default_fees(ticker: str) -> FeeSchedule:
    return FeeSchedule.for_series("quadratic", 1)


def _averages(order: PaperOrder) -> tuple[str | None, str | None]:
    if not order.filled:
        return None, None
    price = (2 * order.fill_value * 100 + order.filled) // (2 * order.filled)
    fees = (order.taker_fees + order.maker_fees) * 100
    return money(price), money((2 * fees + order.filled) // (2 * order.filled))


class PaperEngine(PaperCore):
    """Paper trading against mirrored source books; see the module docstring."""

    def __init__(
        self,
        queue_model: QueueModel | None = None,
        entry_latency_ns: int = 0,
        fees: Callable[[str], FeeSchedule] = _default_fees,
    ) -> None:
        super().__init__(
            RiskAverse() if queue_model is None else queue_model, entry_latency_ns, fees
        )

    # ------------------------------------------------------------------ accounts

    def open_account(self, name: str, *, cash_micro: int) -> None:
        """A new isolated account holding ``cash_micro`` micro-dollars (1_000_000 = $1)."""
        if not isinstance(name, str) or not name.strip():
            raise ValidationError(f"an account name must be a non-empty string; got {name!r}")
        if name in self._accounts:
            raise ValidationError(f"paper account {name!r} is already open")
        if isinstance(cash_micro, bool) or not isinstance(cash_micro, int) or cash_micro < 0:
            raise ValidationError(
                f"cash_micro must be a non-negative int of micro-dollars; got {cash_micro!r}"
            )
        self._accounts[name] = PaperAccount(name, cash_micro, self._now)

    # ------------------------------------------------------------------ market data

    def _begin(self, now: int) -> None:
        self._now = now
        self._advance(now)

    def on_snapshot(
        self, now_ns: int, ticker: str, *, yes: Iterable[tuple[int, int]],
        no: Iterable[tuple[int, int]],
    ) -> None:  # fmt: skip
        """The source's whole book: (ticks, centi) YES bids and NO bids (NO prices)."""
        now = self._check_time(now_ns)
        name = _ticker(ticker)
        scratch = SourceBook(name)
        scratch.replace(list(yes), list(no))  # checked on a scratch book: bad input changes nothing
        self._begin(now)
        book = self._book(name)
        book.replace(scratch.yes.items(), scratch.no.items())
        for order in self._active_orders(name):
            if order.ahead is not None:
                order.ahead = min(order.ahead, book.size_at(order.level))
        self._fill_crossed(name, now)

    def on_delta(self, now_ns: int, ticker: str, *, side: str, price: int, delta: int) -> None:
        """``level += delta`` on the source's ``side`` ("yes" or "no") at ``price`` ticks."""
        now = self._check_time(now_ns)
        book = self._book(_ticker(ticker))
        level, new = book.check_delta(side, price, delta)
        self._begin(now)
        old = book.size_at(level)
        traded = min(max(old - new, 0), book.trades_pending.get(level, 0))
        if traded:
            book.trades_pending[level] -= traded
        book.set_level(level, new)
        if self._has_orders(book.ticker):  # most deltas touch no paper order: nothing to move
            self._level_changed(book.ticker, level, old, new, traded)
            self._fill_crossed(book.ticker, now)

    def on_trade(
        self, now_ns: int, ticker: str, *, yes_price: int, count: int, taker_side: str
    ) -> None:
        """A source trade of ``count`` at ``yes_price``; ``taker_side`` "yes" bought YES."""
        now = self._check_time(now_ns)
        name = _ticker(ticker)
        price, size = check_price(yes_price, "yes_price"), check_size(count, "count")
        if taker_side not in ("yes", "no"):
            raise ValidationError(f"taker_side must be 'yes' or 'no'; got {taker_side!r}")
        self._begin(now)
        self._last_price[name] = price
        # the taker bought YES from a YES ask (a NO bid at 1 - p), or sold YES to a YES bid
        level: BookLevel = (
            ("no", TICKS_PER_DOLLAR - price) if taker_side == "yes" else ("yes", price)
        )
        book = self._book(name)
        book.trades_pending[level] = book.trades_pending.get(level, 0) + size
        self._trade_fills(name, level, price, size, now)

    def on_lifecycle(
        self, now_ns: int, ticker: str, event_type: str, *, result: str | None = None,
        settlement_value: int | None = None,
    ) -> None:  # fmt: skip
        """A market lifecycle event. ``determined``/``settled`` with a result (or only a
        ``settlement_value``, as the lifecycle channel sends it) settles the market; without
        either it closes it (resting orders canceled, new ones refused)."""
        now = self._check_time(now_ns)
        name = _ticker(ticker)
        if not isinstance(event_type, str) or not event_type:
            raise ValidationError(f"event_type must be a lifecycle event name; got {event_type!r}")
        closing = event_type in _SETTLING_EVENTS
        terms = settlement_terms(result, settlement_value) if closing else None
        self._begin(now)
        if not closing or self._closed.get(name) == "settled":
            return
        for account in self._accounts.values():
            for order in account.resting(name):
                self._end_order(order, "market_closed", now)
        self._closed[name] = "determined" if terms is None else "settled"
        if terms is not None:
            events = settle_market(self._accounts.values(), name, *terms, now)
            self._events.extend(events)

    def advance(self, now_ns: int) -> None:
        """Time passes: orders whose entry latency elapsed become active; expired ones cancel."""
        self._begin(self._check_time(now_ns))

    def _advance(self, now: int) -> None:
        if not self._timed:  # the usual case: nothing waits on the clock
            return
        for order in list(self._timed.values()):
            if order.is_resting and order.expiration_ns is not None and order.expiration_ns <= now:
                self._end_order(order, "expired", now)
        due = [o for o in self._timed.values()
               if o.is_resting and not o.active and o.active_at_ns <= now]  # fmt: skip
        for order in sorted(due, key=lambda o: (o.active_at_ns, o.seq)):
            if order.is_resting:
                self._activate(order, now)
        for order_id, order in list(self._timed.items()):
            if not order.is_resting or (order.active and order.expiration_ns is None):
                del self._timed[order_id]

    # ------------------------------------------------------------------ orders

    def submit(self, now_ns: int, account: str, spec: OrderSpec | CheckedOrder) -> CreateOrderAck:
        """Place an order; a refusal raises ``OrderRefused`` (or ``ValidationError``) and
        changes nothing. With no entry latency it trades at once. An order the caller already
        checked (``orders_core.check_order``, as a strategy's context does) is not checked
        again."""
        now = self._check_time(now_ns)
        owner = self._account(account)
        order = self._new_order(owner, spec, now)
        self._begin(now)
        self._check_entry(owner, order)
        self._order_seq += 1
        owner.add_order(order)
        if order.active_at_ns > now or order.expiration_ns is not None:
            self._timed[order.order_id] = order
        self._emit(now, owner.name, order_msg(order, None))
        self._rebalance(owner, order.ticker, now)
        if order.active_at_ns <= now:
            self._activate(order, now)
        price, fee = _averages(order)
        return CreateOrderAck(
            order_id=order.order_id, client_order_id=order.client_order_id,
            fill_count=centi_to_fp(order.filled), remaining_count=centi_to_fp(order.remaining),
            average_fill_price=price, average_fee_paid=fee, ts_ms=now // 1_000_000,
        )  # fmt: skip

    def _new_order(
        self, owner: PaperAccount, order: OrderSpec | CheckedOrder, now: int
    ) -> PaperOrder:
        if not isinstance(order, OrderSpec | CheckedOrder):
            raise ValidationError(f"submit takes an OrderSpec; got {order!r}")
        spec = order.spec if isinstance(order, CheckedOrder) else order
        if spec.subaccount or spec.order_group_id is not None:
            raise ValidationError(
                "paper accounts have no subaccounts or order groups: open another paper "
                "account instead (leave subaccount and order_group_id unset)"
            )
        seq = self._order_seq + 1
        if isinstance(order, CheckedOrder):
            checked = order
        else:
            if spec.client_order_id is None:  # deterministic, unlike the client's uuid4
                spec = dataclasses.replace(spec, client_order_id=f"paper-client-{seq}")
            checked = check_order(spec, now // _NS_PER_S)
        intent = checked.intent
        expiration = checked.expiration
        return PaperOrder(
            order_id=f"paper-{seq}", account=owner.name, ticker=intent.ticker,
            side=intent.book_side, price=intent.yes_price.ticks, initial=intent.count.centi,
            remaining=intent.count.centi, client_order_id=checked.client_order_id,
            time_in_force=spec.time_in_force, self_trade_prevention=spec.self_trade_prevention,
            seq=seq, created_ns=now, updated_ns=now, active_at_ns=now + self.entry_latency_ns,
            post_only=bool(spec.post_only), reduce_only=bool(spec.reduce_only),
            expiration_ns=None if expiration is None else expiration * _NS_PER_S,
            cancel_on_pause=bool(spec.cancel_order_on_pause),
        )  # fmt: skip

    def _check_entry(self, owner: PaperAccount, order: PaperOrder) -> None:
        """Every refusal the sandbox would give, before any change."""
        if order.ticker in self._closed:
            raise OrderRefused("market_closed", f"market {order.ticker} no longer trades")
        if order.client_order_id in owner.live_ids:
            raise OrderRefused(
                "duplicate_client_order_id",
                f"client_order_id {order.client_order_id!r} is already used by a resting order; "
                "use a new one per order",
            )
        if order.reduce_only:
            position = owner.position_size(order.ticker)
            reducible = position if order.side == "ask" else -position
            if reducible <= 0:
                raise OrderRefused(
                    "invalid_order",
                    "reduce_only: there is no position this order would reduce "
                    "(an ask reduces YES, a bid reduces NO)",
                )
            order.initial = order.remaining = min(order.remaining, reducible)
        refusal = self._collateral_refusal(owner, order)
        if refusal is None and self.entry_latency_ns == 0:
            refusal = self._book_refusal(order)
        if refusal is not None:
            raise refusal

    def _resting_order(self, account: str, order_id: str) -> PaperOrder:
        owner = self._account(account)
        order = owner.orders.get(order_id_arg(order_id))
        if order is None:
            raise OrderRefused("order_not_found", f"no order {order_id!r} in account {account!r}")
        if not order.is_resting:
            raise OrderRefused(
                "order_not_found", f"order {order_id} is {order.status}; only resting orders change"
            )
        return order

    def cancel(self, now_ns: int, account: str, order_id: str) -> CancelOrderAck:
        now = self._check_time(now_ns)
        order = self._resting_order(account, order_id)
        self._begin(now)
        reduced = order.remaining
        if order.is_resting:  # it may have expired as time advanced
            self._end_order(order, None, now)
        return CancelOrderAck(
            order_id=order.order_id, client_order_id=order.client_order_id,
            reduced_by=centi_to_fp(reduced), ts_ms=now // 1_000_000,
        )  # fmt: skip

    def cancel_all(self, now_ns: int, account: str, ticker: str | None = None) -> int:
        """Cancel the account's resting orders (in ``ticker`` only, if given); how many."""
        now = self._check_time(now_ns)
        owner = self._account(account)
        if ticker is not None:
            _ticker(ticker)
        self._begin(now)
        orders = owner.resting(ticker)
        for order in orders:
            self._end_order(order, None, now)
        return len(orders)

    def decrease(
        self, now_ns: int, account: str, order_id: str, *, reduce_by: int
    ) -> DecreaseOrderAck:
        """Shrink a resting order in place (it keeps its queue place); to 0 cancels it."""
        now = self._check_time(now_ns)
        order = self._resting_order(account, order_id)
        by = check_size(reduce_by, "reduce_by")
        self._begin(now)
        if order.is_resting and by >= order.remaining:
            self._end_order(order, "decreased", now)
        elif order.is_resting:
            order.remaining -= by  # initial_count stays, as the sandbox keeps it
            order.updated_ns = now
            self._rebalance(self._accounts[order.account], order.ticker, now)
            self._emit(now, order.account, order_msg(order, "decreased"))
        return DecreaseOrderAck(
            order_id=order.order_id, client_order_id=order.client_order_id,
            remaining_count=centi_to_fp(order.remaining), ts_ms=now // 1_000_000,
        )  # fmt: skip

    # ------------------------------------------------------------------ reads

    def balance(self, account: str) -> Balance:
        """Free cash and the open positions marked at the last source trade (at cost before)."""
        owner = self._account(account)
        return render_balance(owner, owner.portfolio_value(self._last_price))

    def position_size(self, account: str, ticker: str) -> int:
        """Signed centi-contracts held in ``ticker``: positive YES, negative NO."""
        return self._account(account).position_size(_ticker(ticker))

    def position_sizes(self, account: str) -> dict[str, int]:
        """Every non-zero position, by ticker."""
        owner = self._account(account)
        return {t: p.size for t, p in sorted(owner.positions.items()) if p.size}

    def position_cost(self, account: str, ticker: str) -> int:
        """What the open position in ``ticker`` cost, micro-dollars (Kalshi's market exposure)."""
        found = self._account(account).positions.get(ticker)
        return 0 if found is None else found.cost

    def resting_orders(self, account: str, ticker: str | None = None) -> list[PaperOrder]:
        """The account's resting orders (in ``ticker`` if given), oldest first: the engine's
        own records (``side`` is the book side, ``price`` YES ticks); read them, don't change
        them."""
        return self._account(account).resting(None if ticker is None else _ticker(ticker))

    def cash_micro(self, account: str) -> int:
        """Free cash in micro-dollars (collateral of resting orders excluded)."""
        return self._account(account).cash

    def held_micro(self, account: str) -> int:
        """Collateral the account's resting orders hold, in micro-dollars."""
        return self._account(account).total_held

    def positions(self, account: str) -> list[MarketPosition]:
        """Every market the account traded, by ticker (settled ones at zero)."""
        owner = self._account(account)
        return [render_position(owner.positions[t]) for t in sorted(owner.positions)]

    def orders(self, account: str, status: str | None = None) -> list[Order]:
        """The account's orders, newest first; ``status`` resting / canceled / executed."""
        owner = self._account(account)
        if status is not None and status not in _ORDER_STATUSES:
            raise ValidationError(f"status must be one of {_ORDER_STATUSES}; got {status!r}")
        found = [o for o in owner.orders.values() if status in (None, o.status)]
        return [render_order(o) for o in reversed(found)]

    def fills(self, account: str) -> list[Fill]:
        """The account's fills, newest first."""
        return [render_fill(f) for f in reversed(self._account(account).fills)]

    def settlements(self, account: str) -> list[Settlement]:
        return [render_settlement(s) for s in reversed(self._account(account).settlements)]

    def queue_position(self, account: str, order_id: str) -> int | None:
        """Centi-contracts ahead of a resting order at its price; None before it is active or
        once it no longer rests."""
        order = self._account(account).orders.get(order_id_arg(order_id))
        if order is None:
            raise OrderRefused("order_not_found", f"no order {order_id!r} in account {account!r}")
        return order.ahead if order.is_resting else None

    def best_prices(self, ticker: str) -> tuple[str | None, str | None]:
        """The source's best YES bid and YES ask as dollar strings (None for an empty side)."""
        book = self._book(_ticker(ticker))
        bid = max(book.yes, default=None)
        ask = None if not book.no else TICKS_PER_DOLLAR - max(book.no)
        return (
            None if bid is None else ticks_to_dollars(bid),
            None if ask is None else ticks_to_dollars(ask),
        )

    def drain(self) -> list[PaperEvent]:
        """The private-stream messages since the last drain, in order; then cleared."""
        events, self._events = self._events, []
        return events


def _ticker(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"ticker must be a market ticker such as 'KXBTCD-...'; got {value!r}")
    return value
