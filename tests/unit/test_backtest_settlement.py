"""A backtest through a determination: the strategy's position settles on the tape's lifecycle
row, and the report's realized P&L (the P&L core's) is the payout less the cost and the fee,
equal to the change of equity once the account is flat."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from kalshikit.fees import taker_fee
from kalshikit.strategy import Strategy, backtest
from kalshikit.tape import TapeWriter

START = 1_796_000_000 * 10**9
TICKER = "KXTEST-26DEC04-T50"


def tape(root: Path, settlement_ticks: int) -> Path:
    """A book with a 40¢ YES ask, then the market determined at ``settlement_ticks``."""
    writer = TapeWriter(root)
    rows = writer.rows
    rows.add(START, 1, "snapshot", TICKER, side=0, price=3_000, size=1_000)  # YES bids 30¢
    rows.add(START, 1, "snapshot", TICKER, side=1, price=6_000, size=1_000)  # NO 60¢: ask 40¢
    rows.add(START + 10**9, 2, "ticker", TICKER, price=3_500, bid=3_000, ask=4_000)
    rows.add(START + 5 * 10**9, 3, "lifecycle", TICKER, text="determined", price=settlement_ticks)
    writer.flush()
    return root


class BuyOnce(Strategy):
    def __init__(self) -> None:
        super().__init__()
        self.sent = False

    def on_book(self, ctx: Any, ticker: str, book: Any) -> None:
        if not self.sent:
            self.sent = True
            ctx.buy(ticker, "yes", 5, price_cents=40)


@pytest.mark.parametrize(("value", "payout"), [(10_000, 5), (0, 0), (2_500, Decimal("1.25"))])
def test_a_settled_position_is_realized_at_its_payout(
    tmp_path: Path, value: int, payout: Decimal | int
) -> None:
    report = backtest(BuyOnce(), tape(tmp_path, value))
    fee = taker_fee([(4_000, 500)])  # 5 contracts at 40¢, one order
    expected = Decimal(payout) - Decimal("2.00") - fee
    assert report.fills == 1
    assert report.realized == expected
    assert report.pnl == expected  # flat after the settlement: equity moved by exactly that
