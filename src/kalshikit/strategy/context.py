"""What a strategy's callbacks get: the run's clock, books, positions and an order API by intent.

Orders are asked for as ``client.orders.create`` takes them (YES or NO, buy or sell, cents or
dollars): ``ctx.buy("KX-1", "yes", 3, price_cents=42)``. Each is checked exactly as the client
checks it (a bad order raises ``ValidationError`` in the callback, which the runner logs), then
by the risk guard (a refusal is a :class:`~kalshikit.strategy.broker.Ticket` whose ``refused``
says why, logged and audited), then handed to the broker. Results arrive as ``on_order`` and
``on_fill`` callbacks, on every environment alike.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any, Protocol

from kalshikit.http.orders_core import CheckedOrder, OrderSpec, check_order
from kalshikit.orderbook import OrderBook
from kalshikit.strategy.broker import Broker, Resting, Ticket
from kalshikit.units import Contracts

__all__ = ["Context", "Guard", "allow_all"]

_log = logging.getLogger("kalshikit.strategy")
MICRO_PER_DOLLAR = 1_000_000


class Guard(Protocol):
    """The risk guard as the context uses it: None lets the order through, else why not. It
    sees the run's state through the context (``strategy/guarding.py``)."""

    def __call__(self, now_ns: int, order: CheckedOrder, ctx: Context) -> str | None: ...


def allow_all(now_ns: int, order: CheckedOrder, ctx: Context) -> str | None:
    """No guard: every order goes (tests, and runs with no limits set still get the halt)."""
    return None


class Context:
    """The strategy's view of the run; one per run, passed to every callback."""

    def __init__(
        self,
        *,
        env: str,
        broker: Broker,
        books: Mapping[str, OrderBook],
        clock: Callable[[], int],
        params: Mapping[str, Any],
        guard: Guard = allow_all,
        new_id: Callable[[], str],
    ) -> None:
        self.env = env
        self.params = params
        self.broker = broker
        self._books, self._clock, self._guard, self._new_id = books, clock, guard, new_id
        self.refusals: list[tuple[int, str]] = []  # (time, why): the report counts them
        self.sent = 0  # orders handed to the broker
        self.sent_centi = 0  # their contracts

    # --- the run's state ----------------------------------------------------------------------

    @property
    def now_ns(self) -> int:
        """The run's time (the tape's time in a backtest), ns since the epoch."""
        return self._clock()

    def book(self, ticker: str) -> OrderBook | None:
        return self._books.get(ticker)

    def tickers(self) -> Iterator[str]:
        """The markets whose books the run holds."""
        return iter(self._books)

    def position(self, ticker: str) -> Contracts:
        """Signed: positive YES contracts, negative NO."""
        return Contracts.from_centi(self.broker.position(ticker))

    def cash(self) -> Decimal:
        """Dollars free to trade."""
        return Decimal(self.broker.cash_micro()) / MICRO_PER_DOLLAR

    def open_orders(self, ticker: str | None = None) -> Sequence[Resting]:
        return self.broker.resting(ticker)

    # --- orders -------------------------------------------------------------------------------

    def buy(self, ticker: str, side: str, count: Any, **options: Any) -> Ticket:
        """Buy YES or NO: ``price_cents=`` or ``price_dollars=``, and any ``orders.create``
        option (``time_in_force``, ``post_only``...)."""
        return self.place(OrderSpec(ticker, side=side, action="buy", count=count, **options))  # type: ignore[arg-type]

    def sell(self, ticker: str, side: str, count: Any, **options: Any) -> Ticket:
        """Sell YES or NO you hold (on Kalshi, selling YES is buying NO at the complement)."""
        return self.place(OrderSpec(ticker, side=side, action="sell", count=count, **options))  # type: ignore[arg-type]

    def place(self, spec: OrderSpec) -> Ticket:
        """One order by intent: checked, guarded, sent. Bad input raises ``ValidationError``."""
        now_ns = self._clock()
        if spec.client_order_id is None:
            spec = replace(spec, client_order_id=self._new_id())
        checked = check_order(spec, now_ns / 1e9)
        refused = self._guard(now_ns, checked, self)
        if refused is not None:
            self.refusals.append((now_ns, refused))
            _log.warning("refused %s: %s", _words(checked), refused)
            return Ticket(checked.client_order_id, refused)
        self.broker.submit(now_ns, checked)
        self.sent += 1
        self.sent_centi += checked.intent.count.centi
        return Ticket(checked.client_order_id)

    def cancel(self, order_id: str) -> None:
        self.broker.cancel(self._clock(), order_id)

    def cancel_all(self, ticker: str | None = None) -> None:
        """Every resting order of the strategy (of one market when ``ticker`` is given)."""
        self.broker.cancel_all(self._clock(), ticker)

    def log(self, message: str, *args: object) -> None:
        _log.info(message, *args)


def _words(order: CheckedOrder) -> str:
    """``buy YES 3 at 42¢ in KX-1``: an order in the user's words, for the log."""
    intent = order.intent
    action = order.spec.action
    cents = f"{intent.price.cents.normalize():f}"
    return f"{action} {intent.side.upper()} {intent.count} at {cents}¢ in {intent.ticker}"
