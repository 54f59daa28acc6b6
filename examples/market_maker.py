"""A market maker: quote both sides around the mid, lean away from inventory.

Run it on a tape, the sandbox, paper, demo or prod, unchanged:

    kalshi run examples/market_maker.py --env tape:tape/ --param spread=4
    kalshi run examples/market_maker.py --env local --ticker KXHIGHNY-26DEC04-T45 --duration 60s

Parameters: ``spread`` (cents between the two quotes, default 4), ``size`` (contracts per
quote, default 1), ``max_position`` (contracts either way, default 5).
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from kalshikit.strategy import Strategy


class MarketMaker(Strategy):
    def __init__(self, spread: int = 4, size: int = 1, max_position: int = 5) -> None:
        super().__init__(spread=spread, size=size, max_position=max_position)
        self.spread, self.size, self.max_position = spread, size, max_position
        self.quoted: dict[str, tuple[int, int]] = {}  # ticker -> (bid, ask) in cents

    def on_book(self, ctx, ticker, book):
        mid = book.mid
        if mid is None:
            return
        cents = mid * 100
        half = Decimal(self.spread) / 2
        bid = int((cents - half).to_integral_value(ROUND_FLOOR))
        ask = int((cents + half).to_integral_value(ROUND_CEILING))
        bid, ask = max(1, min(bid, 98)), max(2, min(ask, 99))
        if self.quoted.get(ticker) == (bid, ask):
            return  # still where it should be: no churn
        ctx.cancel_all(ticker)
        self.quoted[ticker] = (bid, ask)
        held = ctx.position(ticker).count
        if held < self.max_position:
            ctx.buy(ticker, "yes", self.size, price_cents=bid, post_only=True)
        if held > -self.max_position:  # selling YES at the ask is buying NO at 100 - ask
            ctx.sell(ticker, "yes", self.size, price_cents=ask, post_only=True)

    def on_stop(self, ctx):
        ctx.cancel_all()
