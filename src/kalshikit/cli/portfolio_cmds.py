"""`kalshi portfolio balance|positions|fills|settlements`: what you hold, in dollars and contracts.

Views that do not lie: an unknown value shows as "-", never as $0; a position's side is YES when
positive and NO when negative; money is in dollars from the exact wire strings.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import typer

from kalshikit.cli._output import emit, emit_json, emit_table
from kalshikit.cli._state import state
from kalshikit.cli.market_cmds import LimitOption, take
from kalshikit.models import Fill, MarketPosition, Settlement

app = typer.Typer(help="Your balance, positions, fills and settlements.", no_args_is_help=True)
TickerOption = Annotated[str | None, typer.Option("--ticker", help="One market.")]


def dollars(text: str | None) -> str | None:
    """A wire dollar string shown as $1,234.56 (cents rounded half-up); None stays unknown."""
    if text is None:
        return None
    value = Decimal(text).quantize(Decimal("0.01"))
    return f"-${-value:,.2f}" if value < 0 else f"${value:,.2f}"


@app.command("balance")
def balance(ctx: typer.Context) -> None:
    """Cash available and the value of open positions."""
    app_state = state(ctx)
    with app_state.client(authenticated=True) as client:
        found = client.portfolio.balance()
    if app_state.json:
        emit_json(found)
        return
    cash = str(found.balance)
    value = str(Decimal(found.portfolio_value) / 100)
    emit_table(None, ["balance", "portfolio value"], [[dollars(cash), dollars(value)]])


def _position_row(p: MarketPosition) -> list[object]:
    held = p.position
    side = (
        None if held is None else ("YES" if held.centi > 0 else "NO" if held.centi < 0 else "flat")
    )
    count = None if held is None else abs(held)
    return [
        p.ticker,
        side,
        count,
        dollars(p.market_exposure_dollars),
        dollars(p.realized_pnl_dollars),
        dollars(p.fees_paid_dollars),
    ]


@app.command("positions")
def positions(ctx: typer.Context, ticker: TickerOption = None, limit: LimitOption = 0) -> None:
    """Open positions: side (YES when positive), contracts, exposure, realized P&L and fees."""
    app_state = state(ctx)
    with app_state.client(authenticated=True) as client:
        found = take(client.portfolio.positions(ticker=ticker), limit, "positions", False)
    held = [p for p in found if p.position is None or p.position.centi != 0]
    columns = ["ticker", "side", "contracts", "exposure", "realized P&L", "fees"]
    emit(app_state.json, held, None, columns, map(_position_row, held))


def _fill_row(f: Fill) -> list[object]:
    return [
        f.created_time.strftime("%Y-%m-%d %H:%M:%S") if f.created_time else None,
        f.ticker,
        f.outcome_side or f.side,
        f.book_side,
        f.count,
        f.yes_price,
        "taker" if f.is_taker else "maker",
        dollars(f.fee_cost),
    ]


@app.command("fills")
def fills(ctx: typer.Context, ticker: TickerOption = None, limit: LimitOption = 50) -> None:
    """Your fills, newest first."""
    app_state = state(ctx)
    with app_state.client(authenticated=True) as client:
        found = take(client.portfolio.fills(ticker=ticker), limit, "fills", False)
    columns = ["time", "ticker", "outcome", "book", "contracts", "YES price", "role", "fee"]
    emit(app_state.json, found, None, columns, map(_fill_row, found))


def _settlement_row(s: Settlement) -> list[object]:
    revenue = str(Decimal(s.revenue) / 100)
    return [s.ticker, s.market_result, dollars(revenue), dollars(s.fee_cost), s.settled_time]


@app.command("settlements")
def settlements(ctx: typer.Context, ticker: TickerOption = None, limit: LimitOption = 50) -> None:
    """Settled markets: result, payout and fees."""
    app_state = state(ctx)
    with app_state.client(authenticated=True) as client:
        found = take(client.portfolio.settlements(ticker=ticker), limit, "settlements", False)
    emit(
        app_state.json,
        found,
        None,
        ["ticker", "result", "payout", "fees", "settled"],
        map(_settlement_row, found),
    )
