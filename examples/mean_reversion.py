"""A mean-reversion taker: when a market's mid strays from its moving average, take the other way.

    kalshi run examples/mean_reversion.py --env tape:tape/ --param threshold=3
    kalshi run examples/mean_reversion.py --env local --ticker KXHIGHNY-26DEC04-T45 --duration 60s

Parameters: ``threshold`` (cents from the average that trigger a trade, default 3), ``size``
(contracts, default 1), ``alpha`` (the average's weight of each new mid, default 0.05),
``max_position`` (contracts either way, default 3).
"""

from __future__ import annotations

from decimal import Decimal

from kalshikit.strategy import Strategy


class MeanReversion(Strategy):
    def __init__(
        self,
        threshold: int = 3,
        size: int = 1,
        alpha: Decimal = Decimal("0.05"),
        max_position: int = 3,
    ) -> None:
        super().__init__(threshold=threshold, size=size, alpha=alpha, max_position=max_position)
        self.threshold = Decimal(threshold) / 100
        self.size, self.alpha, self.max_position = size, Decimal(alpha), max_position
        self.average: dict[str, Decimal] = {}

    def on_book(self, ctx, ticker, book):
        mid = book.mid
        if mid is None:
            return
        average = self.average.get(ticker, mid)
        self.average[ticker] = average + self.alpha * (mid - average)
        held = ctx.position(ticker).count
        ask, bid = book.best_yes_ask, book.best_yes_bid
        if mid < average - self.threshold and ask is not None and held < self.max_position:
            ctx.buy(
                ticker,
                "yes",
                self.size,
                price_dollars=ask.dollars,
                time_in_force="immediate_or_cancel",
            )
        elif mid > average + self.threshold and bid is not None and held > -self.max_position:
            ctx.sell(
                ticker,
                "yes",
                self.size,
                price_dollars=bid.dollars,
                time_in_force="immediate_or_cancel",
            )
