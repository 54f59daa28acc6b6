"""Paper records as the wire models: REST (Order, Fill, MarketPosition, Balance, Settlement) and
the private stream messages (FillMsg, UserOrderMsg, PositionMsg). No I/O here.

The fixed-point strings are the sandbox's (``sandbox/exchange/render.py``, ``sandbox/ws/frames``):
prices ``"0.5600"``, sizes ``"10.00"``, money 4 decimals or 6 when a sub-cent amount needs them.
Times are the engine's nanoseconds, rendered at millisecond precision as the sandbox does. The
deprecated ``side``/``action`` pair reads as the legacy buy that maps to the book side.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Final

from kalshikit.models import Balance, Fill, MarketPosition, Order, Settlement
from kalshikit.models.stream import FillMsg, PositionMsg, UserOrderMsg
from kalshikit.paper.accounts import PaperAccount, PaperPosition
from kalshikit.paper.records import PaperFill, PaperOrder, PaperSettlement
from kalshikit.units import TICKS_PER_CENT, TICKS_PER_DOLLAR, centi_to_fp, ticks_to_dollars

__all__ = [
    "PaperEvent",
    "datetime_of_ns",
    "fill_msg",
    "money",
    "order_msg",
    "position_msg",
    "render_balance",
    "render_fill",
    "render_order",
    "render_position",
    "render_settlement",
]

PaperEvent = tuple[int, str, FillMsg | UserOrderMsg | PositionMsg]
"""(now_ns, account, message) for the private streams."""

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO_PER_TICK: Final = 100
_MICRO_PER_CENT: Final = 10_000
_NS_PER_MS: Final = 1_000_000
_LEGACY_ACTION: Final = "buy"
_UPDATE_REASONS: Final = {
    "trade": "Trade", "decreased": "Decrease", "expired": "ExpiryCancel",
    "market_closed": "CloseCancel", "settled": "CloseCancel",
}  # fmt: skip


def money(micro: int) -> str:
    """Micro-dollars as a wire dollar string: 4 decimals, 6 when needed."""
    if micro % _MICRO_PER_TICK == 0:
        return ticks_to_dollars(micro // _MICRO_PER_TICK)
    whole, frac = divmod(abs(micro), 1_000_000)
    return f"{'-' if micro < 0 else ''}{whole}.{frac:06d}"


def _ms(ns: int) -> int:
    return ns // _NS_PER_MS


def datetime_of_ns(ns: int) -> datetime:
    """Nanoseconds since the epoch as an aware UTC datetime, to the millisecond (exact)."""
    return _EPOCH + timedelta(milliseconds=_ms(ns))


def _outcome(side: str) -> str:
    return "yes" if side == "bid" else "no"


def render_order(order: PaperOrder) -> Order:
    expiration = order.expiration_ns
    return Order(
        order_id=order.order_id, user_id=order.account, client_order_id=order.client_order_id,
        ticker=order.ticker, side=_outcome(order.side), action=_LEGACY_ACTION,
        outcome_side=_outcome(order.side), book_side=order.side, type="limit",
        status=order.status, yes_price_dollars=ticks_to_dollars(order.price),
        no_price_dollars=ticks_to_dollars(TICKS_PER_DOLLAR - order.price),
        fill_count_fp=centi_to_fp(order.filled), remaining_count_fp=centi_to_fp(order.remaining),
        initial_count_fp=centi_to_fp(order.initial),
        taker_fill_cost_dollars=money(order.taker_cost),
        maker_fill_cost_dollars=money(order.maker_cost),
        taker_fees_dollars=money(order.taker_fees), maker_fees_dollars=money(order.maker_fees),
        expiration_time=None if expiration is None else datetime_of_ns(expiration),
        created_time=datetime_of_ns(order.created_ns),
        last_update_time=datetime_of_ns(order.updated_ns),
        self_trade_prevention_type=order.self_trade_prevention,
        order_group_id=order.order_group_id, cancel_order_on_pause=order.cancel_on_pause,
        subaccount_number=0, exchange_index=0,
    )  # fmt: skip


def render_fill(fill: PaperFill) -> Fill:
    return Fill(
        fill_id=fill.fill_id, trade_id=fill.fill_id, order_id=fill.order_id, ticker=fill.ticker,
        market_ticker=fill.ticker, side=_outcome(fill.side), action=_LEGACY_ACTION,
        outcome_side=_outcome(fill.side), book_side=fill.side, count_fp=centi_to_fp(fill.size),
        yes_price_dollars=ticks_to_dollars(fill.price),
        no_price_dollars=ticks_to_dollars(TICKS_PER_DOLLAR - fill.price),
        is_taker=fill.is_taker, fee_cost=money(fill.fee),
        created_time=datetime_of_ns(fill.ts_ns), ts=fill.ts_ns // 1_000_000_000,
        subaccount_number=0, exchange_index=0,
    )  # fmt: skip


def render_position(position: PaperPosition) -> MarketPosition:
    return MarketPosition(
        ticker=position.ticker, exchange_index=0, total_traded_dollars=money(position.traded),
        position_fp=centi_to_fp(position.size), market_exposure_dollars=money(position.cost),
        realized_pnl_dollars=money(position.realized), fees_paid_dollars=money(position.fees),
        last_updated_ts=datetime_of_ns(position.updated_ns),
    )  # fmt: skip


def render_settlement(record: PaperSettlement) -> Settlement:
    return Settlement(
        ticker=record.ticker, exchange_index=0, event_ticker=record.event_ticker,
        market_result=record.result, yes_count_fp=centi_to_fp(record.yes_count),
        yes_total_cost_dollars=money(record.yes_cost), no_count_fp=centi_to_fp(record.no_count),
        no_total_cost_dollars=money(record.no_cost), revenue=record.revenue // _MICRO_PER_CENT,
        settled_time=datetime_of_ns(record.ts_ns), fee_cost=money(record.fee_cost),
        value=record.value // TICKS_PER_CENT,
    )  # fmt: skip


def render_balance(account: PaperAccount, portfolio_value: int) -> Balance:
    """Free cash (resting orders' collateral excluded) and the positions' value (micro-dollars
    in, cents out as on the wire)."""
    return Balance(
        balance_cents=account.cash // _MICRO_PER_CENT,
        balance_dollars=money(account.cash),
        portfolio_value=portfolio_value // _MICRO_PER_CENT,
        updated_ts=account.updated_ns // 1_000_000_000,
    )


def fill_msg(fill: PaperFill) -> FillMsg:
    outcome = _outcome(fill.side)
    return FillMsg(
        market_ticker=fill.ticker, trade_id=fill.fill_id, order_id=fill.order_id,
        client_order_id=fill.client_order_id, exchange_index=0, is_taker=fill.is_taker,
        yes_price_dollars=ticks_to_dollars(fill.price), count_fp=centi_to_fp(fill.size),
        fee_cost=money(fill.fee), post_position_fp=centi_to_fp(fill.post_position),
        outcome_side=outcome, book_side=fill.side, side=outcome, action=_LEGACY_ACTION,
        purchased_side=outcome, ts=fill.ts_ns // 1_000_000_000, ts_ms=_ms(fill.ts_ns),
    )  # fmt: skip


def position_msg(account: str, position: PaperPosition) -> PositionMsg:
    fees = money(position.fees)
    return PositionMsg(
        market_ticker=position.ticker, user_id=account, position_fp=centi_to_fp(position.size),
        volume_fp=centi_to_fp(position.volume), position_cost_dollars=money(position.cost),
        realized_pnl_dollars=money(position.realized), fees_paid_dollars=fees,
        # fees are charged per fill only, so the position's fee cost is the fees paid
        position_fee_cost_dollars=fees,
    )  # fmt: skip


def order_msg(order: PaperOrder, reason: str | None) -> UserOrderMsg:
    outcome = _outcome(order.side)
    return UserOrderMsg(
        order_id=order.order_id, ticker=order.ticker, user_id=order.account,
        client_order_id=order.client_order_id, order_group_id=order.order_group_id,
        exchange_index=0, subaccount_number=0, status=order.status,
        self_trade_prevention_type=order.self_trade_prevention,
        last_update_reason=None if reason is None else _UPDATE_REASONS.get(reason),
        outcome_side=outcome, book_side=order.side, side=outcome, is_yes=outcome == "yes",
        yes_price_dollars=ticks_to_dollars(order.price), fill_count_fp=centi_to_fp(order.filled),
        remaining_count_fp=centi_to_fp(order.remaining),
        initial_count_fp=centi_to_fp(order.initial),
        taker_fill_cost_dollars=money(order.taker_cost),
        maker_fill_cost_dollars=money(order.maker_cost),
        taker_fees_dollars=money(order.taker_fees), maker_fees_dollars=money(order.maker_fees),
        created_ts_ms=_ms(order.created_ns), last_updated_ts_ms=_ms(order.updated_ns),
        expiration_ts_ms=None if order.expiration_ns is None else _ms(order.expiration_ns),
    )  # fmt: skip
