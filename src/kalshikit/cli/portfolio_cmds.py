"""`kalshi portfolio balance|positions|fills|settlements`: what you hold, in dollars and contracts.

Views that do not lie: an unknown value shows as "—", never as $0; a position's side is YES when
positive and NO when negative; money is in dollars from the exact wire strings.
"""

from __future__ import annotations

from typing import Annotated

import typer

from kalshikit.cli._output import emit, emit_fields, emit_json
from kalshikit.cli._state import state
from kalshikit.cli.market_cmds import LimitOption, take
from kalshikit.models import Fill, MarketPosition, Settlement
from kalshikit.units.display import contracts, money, money_cents, order_words, when

app = typer.Typer(help="Your balance, positions, fills and settlements.", no_args_is_help=True)
TickerOption = Annotated[str | None, typer.Option("--ticker", help="One market.")]


@app.command("balance")
def balance(
    ctx: typer.Context,
    subaccount: Annotated[
        int | None, typer.Option(help="One subaccount's (0 is the primary, 1-63).")
    ] = None,
) -> None:
    """Cash available (in all, and on each shard) and the value of open positions.

    Example: kalshi portfolio balance --subaccount 1
    """
    app_state = state(ctx)
    with app_state.client(authenticated=True) as client:
        found = client.portfolio.balance(subaccount=subaccount)
    if app_state.json:
        emit_json(found)
        return
    shards = [
        (f"  on shard {b.exchange_index}", money(b.balance)) for b in found.balance_breakdown or []
    ]
    emit_fields(
        None,
        [
            ("cash", money(found.balance)),
            *shards,
            ("positions", f"{money_cents(found.portfolio_value)} (marked by the exchange)"),
        ],
    )


def _position_row(p: MarketPosition) -> list[object]:
    held = p.position
    side = None if held is None else ("YES" if held.centi > 0 else "NO")
    count = None if held is None else abs(held)
    return [
        p.ticker,
        side,
        contracts(count),
        money(p.market_exposure_dollars),
        money(p.realized_pnl_dollars),
        money(p.fees_paid_dollars),
    ]


@app.command("positions")
def positions(ctx: typer.Context, ticker: TickerOption = None, limit: LimitOption = 0) -> None:
    """Open positions: side (YES when positive), contracts, exposure, realized P&L and fees.

    Example: kalshi portfolio positions
    """
    app_state = state(ctx)
    with app_state.client(authenticated=True) as client:
        found = take(client.portfolio.positions(ticker=ticker), limit, "positions", False)
    held = [p for p in found if p.position is None or p.position.centi != 0]
    columns = ["ticker", "side", "contracts", "exposure", "realized P&L", "fees"]
    where = f" in {ticker}" if ticker else ""
    emit(
        app_state.json, held, None, columns, map(_position_row, held),
        empty=f"no open positions{where}",
    )  # fmt: skip


def _fill_row(f: Fill) -> list[object]:
    side = f.outcome_side or f.side or ""
    return [
        when(f.created_time),
        f.ticker,
        order_words(f.book_side, f.yes_price, side),
        contracts(f.count),
        "taker" if f.is_taker else "maker",
        money(f.fee_cost),
    ]


@app.command("fills")
def fills(ctx: typer.Context, ticker: TickerOption = None, limit: LimitOption = 50) -> None:
    """Your fills, newest first: what traded, at what price, and the fee.

    Example: kalshi portfolio fills --limit 10
    """
    app_state = state(ctx)
    with app_state.client(authenticated=True) as client:
        found = take(client.portfolio.fills(ticker=ticker), limit, "fills", False)
    columns = ["time UTC", "ticker", "fill", "contracts", "role", "fee"]
    where = f" in {ticker}" if ticker else ""
    emit(
        app_state.json, found, None, columns, map(_fill_row, found),
        optional=("role", "time UTC"), empty=f"no fills yet{where}",
    )  # fmt: skip


def _settlement_row(s: Settlement) -> list[object]:
    return [
        s.ticker,
        s.market_result.upper() if s.market_result in ("yes", "no") else s.market_result,
        money_cents(s.revenue),
        money(s.fee_cost),
        when(s.settled_time),
    ]


@app.command("settlements")
def settlements(ctx: typer.Context, ticker: TickerOption = None, limit: LimitOption = 50) -> None:
    """Settled markets you held: result, payout and fees.

    Example: kalshi portfolio settlements
    """
    app_state = state(ctx)
    with app_state.client(authenticated=True) as client:
        found = take(client.portfolio.settlements(ticker=ticker), limit, "settlements", False)
    emit(
        app_state.json, found, None, ["ticker", "result", "payout", "fees", "settled UTC"],
        map(_settlement_row, found), optional=("settled UTC",), empty="no settlements yet",
    )  # fmt: skip


# money movement (allocation, deposits, withdrawals) lives in its own module, under this group
from kalshikit.cli.money_cmds import allocation, deposits, withdrawals  # noqa: E402

app.command("allocation")(allocation)
app.command("deposits")(deposits)
app.command("withdrawals")(withdrawals)

# P&L (kalshikit.portfolio) lives in its own module, under this group
from kalshikit.cli.pnl_cmds import pnl, pnl_chart  # noqa: E402

app.command("pnl")(pnl)
app.command("chart")(pnl_chart)
