"""What a runner's context trades through: the :class:`Broker` protocol, and the records both
kinds of broker (the paper engine's, the live client's) report in.

No I/O here. A broker takes orders already checked (``orders_core.check_order``) and already
passed by the risk guard; what happens to them comes back later as ``user_orders`` and ``fill``
messages, exactly as on the live stream, so a strategy reads results one way everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from kalshikit.http.orders_core import CheckedOrder
from kalshikit.units import BookSide

__all__ = ["Broker", "Resting", "Ticket"]


@dataclass(frozen=True, slots=True)
class Resting:
    """One of the strategy's orders still on the book (or on its way there)."""

    order_id: str | None  # None until the exchange has answered
    client_order_id: str
    ticker: str
    book_side: BookSide  # "bid" or "ask" on the YES book (the V2 wire)
    yes_price: int  # ticks
    remaining: int  # centi-contracts


@dataclass(frozen=True, slots=True)
class Ticket:
    """The answer to an order asked for: sent (``client_order_id`` names it in the ``on_order``
    and ``on_fill`` messages that follow) or refused by the risk guard (``refused`` says why)."""

    client_order_id: str
    refused: str | None = None

    @property
    def sent(self) -> bool:
        return self.refused is None


class Broker(Protocol):
    """Orders out, state back. Every method returns at once; results arrive as messages."""

    def submit(self, now_ns: int, order: CheckedOrder) -> None: ...

    def cancel(self, now_ns: int, order_id: str) -> None: ...

    def cancel_all(self, now_ns: int, ticker: str | None) -> None: ...

    def position(self, ticker: str) -> int:
        """Signed centi-contracts: positive YES, negative NO."""
        ...

    def positions(self) -> dict[str, int]: ...

    def cash_micro(self) -> int:
        """Cash free to trade, micro-dollars."""
        ...

    def total_cash_micro(self) -> int:
        """Cash including what resting orders hold, micro-dollars (equity = this + positions)."""
        ...

    def cost_micro(self, ticker: str) -> int:
        """What the open position in ``ticker`` cost, micro-dollars."""
        ...

    def resting(self, ticker: str | None) -> Sequence[Resting]: ...
