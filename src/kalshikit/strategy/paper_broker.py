"""The strategy's broker on paper: one account of a :class:`~kalshikit.paper.PaperEngine`.

Orders go to the engine at the run's time (it applies its entry latency); a refusal the
exchange would make (no cash, post-only crossing, ...) comes back, as on the live stream, as an
order message with a ``canceled`` status rather than an exception, and is logged. What the
engine did arrives through its events, which the runner drains after every market message.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from kalshikit.errors import ValidationError
from kalshikit.http.orders_core import CheckedOrder
from kalshikit.paper import PaperEngine
from kalshikit.strategy.broker import Resting

__all__ = ["PaperBroker"]

_log = logging.getLogger("kalshikit.strategy")


class PaperBroker:
    """The :class:`~kalshikit.strategy.broker.Broker` of one paper account."""

    def __init__(self, engine: PaperEngine, account: str) -> None:
        self.engine, self.account = engine, account
        self.exchange_refusals = 0

    def submit(self, now_ns: int, order: CheckedOrder) -> None:
        try:
            self.engine.submit(now_ns, self.account, order)  # checked once, by the context
        except ValidationError as error:  # refused as the exchange would: cash, post-only...
            self.exchange_refusals += 1
            _log.info("the paper exchange refused %s: %s", order.client_order_id, error)

    def cancel(self, now_ns: int, order_id: str) -> None:
        try:
            self.engine.cancel(now_ns, self.account, order_id)
        except ValidationError as error:  # filled or canceled meanwhile, as live
            _log.info("cancel of %s: %s", order_id, error)

    def cancel_all(self, now_ns: int, ticker: str | None) -> None:
        self.engine.cancel_all(now_ns, self.account, ticker)

    def position(self, ticker: str) -> int:
        return self.engine.position_size(self.account, ticker)

    def positions(self) -> dict[str, int]:
        return self.engine.position_sizes(self.account)

    def cash_micro(self) -> int:
        """Free cash; ``total_cash_micro`` adds what resting orders hold."""
        return self.engine.cash_micro(self.account)

    def total_cash_micro(self) -> int:
        return self.engine.cash_micro(self.account) + self.engine.held_micro(self.account)

    def cost_micro(self, ticker: str) -> int:
        return self.engine.position_cost(self.account, ticker)

    def resting(self, ticker: str | None) -> Sequence[Resting]:
        return [
            Resting(o.order_id, o.client_order_id, o.ticker, o.side, o.price, o.remaining)
            for o in self.engine.resting_orders(self.account, ticker)
        ]
