"""The one strategy API: a :class:`Strategy` is a class of callbacks that a runner drives, the
same file on a recorded tape (a backtest), on paper, on the local sandbox, on demo and on prod.

A strategy never holds a client: it asks for orders through the :class:`~kalshikit.strategy.
context.Context` each callback gets, and every ask passes the runner's risk guard first.
Callbacks run one at a time, in the order the market data arrived; one that raises is logged and
counted, and the run goes on (no callback may stop the feed). Override only what you need::

    class Quote(Strategy):
        markets = ("KXHIGHNY-26DEC04-T45",)

        def on_book(self, ctx, ticker, book):
            if ctx.position(ticker) == 0 and not ctx.open_orders(ticker):
                ctx.buy(ticker, "yes", 1, price_cents=40)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from kalshikit.models.stream import FillMsg, TickerMsg, TradeMsg, UserOrderMsg
    from kalshikit.orderbook import OrderBook
    from kalshikit.strategy.context import Context

__all__ = ["CALLBACKS", "Strategy", "overridden"]

CALLBACKS = (
    "on_start", "on_book", "on_trade", "on_ticker", "on_fill", "on_order", "on_timer", "on_stop",
)  # fmt: skip


class Strategy:
    """Subclass it and override the callbacks you need.

    ``markets``: the tickers followed (on a tape, empty means every market on it);
    ``timer_every_s``: how often ``on_timer`` runs (None: never), on the run's clock (the
    tape's time in a backtest). Parameters (``kalshi run --param k=v``) arrive as keyword
    arguments and are kept in ``self.params``.
    """

    markets: ClassVar[Sequence[str]] = ()
    timer_every_s: ClassVar[float | None] = None

    def __init__(self, **params: Any) -> None:
        self.params: Mapping[str, Any] = params

    def on_start(self, ctx: Context) -> None:
        """Once, before the first market data."""

    def on_book(self, ctx: Context, ticker: str, book: OrderBook) -> None:
        """After every change of a followed market's book (snapshot or delta)."""

    def on_trade(self, ctx: Context, trade: TradeMsg) -> None:
        """A public trade in a followed market."""

    def on_ticker(self, ctx: Context, ticker: TickerMsg) -> None:
        """A quote update (last price, best bid and ask, volume) of a followed market."""

    def on_fill(self, ctx: Context, fill: FillMsg) -> None:
        """One of your fills, as the ``fill`` stream sends it."""

    def on_order(self, ctx: Context, order: UserOrderMsg) -> None:
        """One of your orders changed (placed, filled, canceled), as ``user_orders`` sends it."""

    def on_timer(self, ctx: Context) -> None:
        """Every ``timer_every_s`` of the run's clock."""

    def on_stop(self, ctx: Context) -> None:
        """Once, at the end (the tape's end, Ctrl-C, the kill switch or ``--duration``)."""


def overridden(strategy: Strategy, name: str) -> bool:
    """Whether ``strategy`` defines callback ``name`` itself (a runner skips the others: a no-op
    callback per message would cost a backtest a third of its speed)."""
    return getattr(type(strategy), name) is not getattr(Strategy, name)
