"""Wire structs from the exchange's internal records: the current shapes only. No I/O here.

Prices are ticks -> ``"0.5600"``, sizes centi-contracts -> ``"10.00"``, money micro-dollars ->
``"0.1800"`` (4 decimals, or 6 when a sub-cent price times a fractional size needs them), times
epoch ms -> aware UTC datetimes. January-only attributes (``*_cents``, ``*_int``, embedded
orders) stay None. The deprecated fields real Kalshi still sends are sent too (SDK 3.34 keeps
them as optional, the January recordings carry them): ``side``/``action`` on orders and fills,
``taker_side`` on trades, ``ts`` on fills and ``liquidity_dollars`` on markets.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Final

import msgspec

from kalshikit.models import (
    EventPosition,
    Fill,
    Market,
    MarketPosition,
    Order,
    OrderbookFp,
    OrderGroup,
    Settlement,
    Trade,
)
from kalshikit.sandbox.exchange.account_keys import owner_of, split_key
from kalshikit.sandbox.exchange.accounts import Position
from kalshikit.sandbox.exchange.lifecycle import DAY_MS, MarketState
from kalshikit.sandbox.exchange.orders import (
    FillRecord,
    OrderGroupState,
    OrderRecord,
    SettlementRecord,
    TradeRecord,
)
from kalshikit.units import TICKS_PER_DOLLAR, centi_to_fp, ticks_to_dollars

__all__ = [
    "datetime_of",
    "millis_of",
    "money",
    "render_event_position",
    "render_fill",
    "render_group",
    "render_market",
    "render_order",
    "render_orderbook",
    "render_position",
    "render_settlement",
    "render_trade",
]

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_MS: Final = timedelta(milliseconds=1)
_MICRO_PER_TICK: Final = 100


def datetime_of(ms: int) -> datetime:
    """Epoch milliseconds as an aware UTC datetime (exact: no float on the way)."""
    return _EPOCH + timedelta(milliseconds=ms)


def millis_of(when: datetime) -> int:
    return (when - _EPOCH) // _ONE_MS


def money(micro: int) -> str:
    """Micro-dollars as a wire dollar string: 4 decimals, 6 when needed."""
    if micro % _MICRO_PER_TICK == 0:
        return ticks_to_dollars(micro // _MICRO_PER_TICK)
    whole, frac = divmod(abs(micro), 1_000_000)
    return f"{'-' if micro < 0 else ''}{whole}.{frac:06d}"


def _outcome(side: str) -> str:
    return "yes" if side == "bid" else "no"


# V2 orders name only the book side, so the deprecated pair reads as the legacy buy that maps
# to it (reference 4.4: buy YES -> bid, buy NO -> ask), as the sandbox's WS frames do.
_LEGACY_ACTION: Final = "buy"


def render_order(order: OrderRecord, exchange_index: int | None) -> Order:
    expiration = order.expiration_ms
    return Order(
        order_id=order.order_id,
        user_id=owner_of(order.user_id),
        client_order_id=order.client_order_id or "",
        ticker=order.ticker,
        side=_outcome(order.side),
        action=_LEGACY_ACTION,
        outcome_side=_outcome(order.side),
        book_side=order.side,
        type="limit",
        status=order.status,
        yes_price_dollars=ticks_to_dollars(order.price),
        no_price_dollars=ticks_to_dollars(TICKS_PER_DOLLAR - order.price),
        fill_count_fp=centi_to_fp(order.filled),
        remaining_count_fp=centi_to_fp(order.remaining),
        initial_count_fp=centi_to_fp(order.initial),
        taker_fill_cost_dollars=money(order.taker_cost),
        maker_fill_cost_dollars=money(order.maker_cost),
        taker_fees_dollars=money(order.taker_fees),
        maker_fees_dollars=money(order.maker_fees),
        expiration_time=None if expiration is None else datetime_of(expiration),
        created_time=datetime_of(order.created_ms),
        last_update_time=datetime_of(order.updated_ms),
        self_trade_prevention_type=order.self_trade_prevention,
        order_group_id=order.order_group_id,
        cancel_order_on_pause=order.cancel_on_pause,
        subaccount_number=split_key(order.user_id)[1],
        exchange_index=exchange_index,
    )


def render_fill(fill: FillRecord, exchange_index: int | None) -> Fill:
    return Fill(
        fill_id=fill.fill_id,
        trade_id=fill.fill_id,
        order_id=fill.order_id,
        ticker=fill.ticker,
        market_ticker=fill.ticker,
        side=_outcome(fill.side),
        action=_LEGACY_ACTION,
        outcome_side=_outcome(fill.side),
        book_side=fill.side,
        count_fp=centi_to_fp(fill.size),
        yes_price_dollars=ticks_to_dollars(fill.price),
        no_price_dollars=ticks_to_dollars(TICKS_PER_DOLLAR - fill.price),
        is_taker=fill.is_taker,
        fee_cost=money(fill.fee),
        created_time=datetime_of(fill.ts_ms),
        ts=fill.ts_ms // 1000,
        subaccount_number=split_key(fill.user_id)[1],
        exchange_index=exchange_index,
    )


def render_trade(trade: TradeRecord) -> Trade:
    return Trade(
        trade_id=trade.trade_id,
        ticker=trade.ticker,
        count_fp=centi_to_fp(trade.size),
        yes_price_dollars=ticks_to_dollars(trade.price),
        no_price_dollars=ticks_to_dollars(TICKS_PER_DOLLAR - trade.price),
        taker_side=_outcome(trade.taker_side),
        taker_outcome_side=_outcome(trade.taker_side),
        taker_book_side=trade.taker_side,
        created_time=datetime_of(trade.ts_ms),
    )


def render_position(position: Position, exchange_index: int | None) -> MarketPosition:
    return MarketPosition(
        ticker=position.ticker,
        exchange_index=exchange_index,
        total_traded_dollars=money(position.traded),
        position_fp=centi_to_fp(position.size),
        market_exposure_dollars=money(position.cost),
        realized_pnl_dollars=money(position.realized),
        fees_paid_dollars=money(position.fees),
        last_updated_ts=datetime_of(position.updated_ms),
    )


def render_event_position(event_ticker: str, positions: Sequence[Position]) -> EventPosition:
    """One event's total over the user's positions in its markets."""
    return EventPosition(
        event_ticker=event_ticker,
        total_cost_dollars=money(sum(p.traded for p in positions)),
        total_cost_shares_fp=centi_to_fp(sum(abs(p.size) for p in positions)),
        event_exposure_dollars=money(sum(p.cost for p in positions)),
        realized_pnl_dollars=money(sum(p.realized for p in positions)),
        fees_paid_dollars=money(sum(p.fees for p in positions)),
    )


def render_settlement(record: SettlementRecord, exchange_index: int | None) -> Settlement:
    return Settlement(
        ticker=record.ticker,
        exchange_index=exchange_index,
        event_ticker=record.event_ticker,
        market_result=record.result,
        yes_count_fp=centi_to_fp(record.yes_count),
        yes_total_cost_dollars=money(record.yes_cost),
        no_count_fp=centi_to_fp(record.no_count),
        no_total_cost_dollars=money(record.no_cost),
        revenue=record.revenue_cents,
        settled_time=datetime_of(record.ts_ms),
        fee_cost=money(record.fee_cost),
        value=record.value_cents,
    )


def render_group(group: OrderGroupState) -> OrderGroup:
    limit = group.limit
    return OrderGroup(
        id=group.group_id,
        contracts_limit_fp=None if limit is None else centi_to_fp(limit),
        is_auto_cancel_enabled=limit is not None,
        exchange_index=0,
    )


def _settlement_fields(state: MarketState) -> dict[str, object]:
    if state.settled_ms is None and state.determined_ms is None:
        return {}
    value = TICKS_PER_DOLLAR if state.result == "yes" else 0
    fields: dict[str, object] = {"settlement_value_dollars": ticks_to_dollars(value)}
    if state.settled_ms is not None:
        fields["settlement_ts"] = datetime_of(state.settled_ms)
    return fields


def render_market(state: MarketState, now_ms: int, resting_value: int) -> Market:
    """The catalog market with its live status, result, quotes and statistics.

    As on the real wire, a side without orders quotes 0 and the NO quotes are 1 minus the YES
    ones (so an empty book reads yes 0/0, no 1/1). ``resting_value`` (micro-dollars) is what
    the resting orders would pay if they all filled: the deprecated ``liquidity_dollars``.
    """
    bid, ask = state.best_bid, state.best_ask
    return msgspec.structs.replace(
        state.market,
        status=state.status,
        result=state.result,
        close_time=datetime_of(state.close_ms),
        yes_bid_dollars=ticks_to_dollars(bid),
        yes_bid_size_fp=centi_to_fp(state.bid_size),
        yes_ask_dollars=ticks_to_dollars(ask),
        yes_ask_size_fp=centi_to_fp(state.ask_size),
        no_bid_dollars=ticks_to_dollars(TICKS_PER_DOLLAR - ask),
        no_ask_dollars=ticks_to_dollars(TICKS_PER_DOLLAR - bid),
        last_price_dollars=ticks_to_dollars(state.last_price),
        volume_fp=centi_to_fp(state.volume),
        volume_24h_fp=centi_to_fp(state.volume_since(now_ms - DAY_MS)),
        open_interest_fp=centi_to_fp(state.open_interest),
        liquidity_dollars=money(resting_value),
        **_settlement_fields(state),
    )


def render_orderbook(
    bids: list[tuple[int, int]], asks: list[tuple[int, int]], depth: int
) -> OrderbookFp:
    """Levels best first in, wire arrays ascending out; YES asks become NO bids at 1 - p."""
    if depth:
        bids, asks = bids[:depth], asks[:depth]
    yes = [(ticks_to_dollars(p), centi_to_fp(s)) for p, s in reversed(bids)]
    no = [(ticks_to_dollars(TICKS_PER_DOLLAR - p), centi_to_fp(s)) for p, s in reversed(asks)]
    return OrderbookFp(yes_dollars=yes, no_dollars=no)
