"""The sandbox WebSocket frames out: exchange events as channel messages, and the envelope.

No I/O and no state here: ``feeds`` decides who gets which frame, ``ws_api`` moves the bytes.
Shapes and units follow kalshi-websocket.md section 3 and the AsyncAPI spec: prices are $4
strings, counts 2-decimal fp strings, money $ strings, ``ts`` seconds (RFC3339 on deltas),
``ts_ms`` milliseconds. Deprecated fields the spec still marks required (``side``, ``action``,
``purchased_side``, ``taker_side``, ``is_yes``) are still sent.

The sandbox catalog has no market UUIDs, so ``market_id`` is a UUID5 of the ticker: stable across
restarts and the same on every frame.
"""

from __future__ import annotations

import functools
import uuid
from datetime import datetime
from typing import Final

import msgspec

from kalshikit.models import Market, OrderbookFp
from kalshikit.sandbox.engine import BookSide
from kalshikit.sandbox.exchange import (
    BookChanged,
    EventFeeChanged,
    EventListed,
    FillRecorded,
    MarketLifecycle,
    MarketTermsChanged,
    OrderGroupUpdated,
    OrderUpdated,
    PositionChanged,
    TickerChanged,
    TradeExecuted,
    datetime_of,
    millis_of,
    split_key,
)
from kalshikit.sandbox.ws.commands import Msg
from kalshikit.units import TICKS_PER_DOLLAR, centi_to_fp, dollars_to_ticks, ticks_to_dollars

__all__ = [
    "delta_msg",
    "encode_frame",
    "event_lifecycle_msg",
    "fee_update_msg",
    "fill_msg",
    "group_msg",
    "lifecycle_msg",
    "market_id",
    "market_terms_msg",
    "order_msg",
    "position_msg",
    "snapshot_msg",
    "ticker_msg",
    "trade_msg",
]


def encode_frame(
    kind: str, sid: int | None, seq: int | None, msg: object, cmd_id: int | None
) -> bytes:
    """One outbound frame: ``id`` (if the command had one), ``type``, ``sid``, ``seq``, ``msg``."""
    frame: Msg = {}
    if cmd_id:
        frame["id"] = cmd_id
    frame["type"] = kind
    if sid is not None:
        frame["sid"] = sid
    if seq is not None:
        frame["seq"] = seq
    if msg is not None:
        frame["msg"] = msg
    return msgspec.json.encode(frame)


@functools.lru_cache(maxsize=8192)
def market_id(ticker: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"kalshikit-sandbox:market:{ticker}"))


def _rfc3339(ms: int) -> str:
    text = datetime_of(ms).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{text}.{ms % 1000:03d}Z" if ms % 1000 else f"{text}Z"


def _leg(side: BookSide, price: int, use_yes_price: bool) -> tuple[str, int]:
    """A YES-book level as the channel names it: bids are YES at p, asks NO at 1 - p (or at p
    when the subscriber asked for YES-leg prices)."""
    if side == "bid":
        return "yes", price
    return "no", price if use_yes_price else TICKS_PER_DOLLAR - price


def delta_msg(event: BookChanged, *, use_yes_price: bool, own: bool) -> Msg:
    side, price = _leg(event.side, event.price, use_yes_price)
    msg: Msg = {
        "market_ticker": event.ticker, "market_id": market_id(event.ticker),
        "price_dollars": ticks_to_dollars(price), "delta_fp": centi_to_fp(event.delta),
        "side": side,
    }  # fmt: skip
    if own and event.client_order_id:
        msg["client_order_id"] = event.client_order_id
    msg["ts"], msg["ts_ms"] = _rfc3339(event.ts_ms), event.ts_ms
    return msg


def snapshot_msg(ticker: str, book: OrderbookFp, *, use_yes_price: bool) -> Msg:
    """The REST book in the snapshot's keys; a side without levels is left out, as on the wire."""
    msg: Msg = {"market_ticker": ticker, "market_id": market_id(ticker)}
    if book.yes_dollars:
        msg["yes_dollars_fp"] = [[price, size] for price, size in book.yes_dollars]
    no = book.no_dollars or []
    if no and use_yes_price:
        no = [(ticks_to_dollars(TICKS_PER_DOLLAR - dollars_to_ticks(p)), s) for p, s in no][::-1]
    if no:
        msg["no_dollars_fp"] = [[price, size] for price, size in no]
    return msg


def ticker_msg(event: TickerChanged) -> Msg:
    return {
        "market_ticker": event.ticker, "market_id": market_id(event.ticker),
        "price_dollars": ticks_to_dollars(event.last_price),
        "yes_bid_dollars": ticks_to_dollars(event.yes_bid),
        "yes_ask_dollars": ticks_to_dollars(event.yes_ask),
        "yes_bid_size_fp": centi_to_fp(event.yes_bid_size),
        "yes_ask_size_fp": centi_to_fp(event.yes_ask_size),
        "last_trade_size_fp": centi_to_fp(event.last_trade_size),
        "volume_fp": centi_to_fp(event.volume),
        "open_interest_fp": centi_to_fp(event.open_interest),
        # whole dollars on this channel (int$); the event carries micro-dollars
        "dollar_volume": event.dollar_volume // 1_000_000,
        "dollar_open_interest": event.dollar_open_interest // 1_000_000,
        "ts": event.ts_ms // 1000, "ts_ms": event.ts_ms, "time": _rfc3339(event.ts_ms),
    }  # fmt: skip


def trade_msg(event: TradeExecuted) -> Msg:
    trade = event.trade
    return {
        "trade_id": trade.trade_id, "market_ticker": trade.ticker,
        "yes_price_dollars": trade.yes_price_dollars, "no_price_dollars": trade.no_price_dollars,
        "count_fp": trade.count_fp, "taker_side": trade.taker_outcome_side,
        "taker_outcome_side": trade.taker_outcome_side, "taker_book_side": trade.taker_book_side,
        "is_block_trade": trade.is_block_trade, "ts": event.ts_ms // 1000, "ts_ms": event.ts_ms,
    }  # fmt: skip


def fill_msg(event: FillRecorded) -> Msg:
    fill = event.fill
    msg: Msg = {"trade_id": fill.trade_id, "order_id": fill.order_id}
    if event.client_order_id:
        msg["client_order_id"] = event.client_order_id
    # A bid buys YES and an ask buys NO, so the deprecated trio reads side/buy/side.
    msg |= {
        "market_ticker": fill.market_ticker, "exchange_index": fill.exchange_index or 0,
        "is_taker": fill.is_taker, "side": fill.outcome_side,
        "yes_price_dollars": fill.yes_price_dollars, "count_fp": fill.count_fp,
        "fee_cost": fill.fee_cost, "action": "buy", "ts": event.ts_ms // 1000,
        "ts_ms": event.ts_ms, "post_position_fp": centi_to_fp(event.post_position),
        "purchased_side": fill.outcome_side, "outcome_side": fill.outcome_side,
        "book_side": fill.book_side,
    }  # fmt: skip
    if fill.subaccount_number:
        msg["subaccount"] = fill.subaccount_number
    return msg


def position_msg(event: PositionChanged) -> Msg:
    position = event.position
    user_id, subaccount = split_key(event.user_id)
    msg: Msg = {
        "user_id": user_id, "market_ticker": position.ticker,
        "position_fp": position.position_fp,
        "position_cost_dollars": position.market_exposure_dollars,
        "realized_pnl_dollars": position.realized_pnl_dollars,
        "fees_paid_dollars": position.fees_paid_dollars,
        # the sandbox charges fees per fill only, so the position's fee cost is the fees paid
        "position_fee_cost_dollars": position.fees_paid_dollars,
        "volume_fp": centi_to_fp(event.volume),
    }  # fmt: skip
    if subaccount:
        msg["subaccount"] = subaccount
    return msg


_UPDATE_REASONS: Final = {
    "trade": "Trade", "decreased": "Decrease", "amended": "Amend", "expired": "ExpiryCancel",
    "self_trade": "SelfTradeCancel", "market_closed": "CloseCancel", "pause": "HaltCancel",
}  # fmt: skip


def order_msg(event: OrderUpdated) -> Msg:
    order = event.order
    msg: Msg = {
        "order_id": order.order_id, "user_id": order.user_id, "ticker": order.ticker,
        "exchange_index": order.exchange_index or 0, "status": order.status,
        "side": order.outcome_side, "is_yes": order.outcome_side == "yes",
        "outcome_side": order.outcome_side, "book_side": order.book_side,
        "yes_price_dollars": order.yes_price_dollars, "fill_count_fp": order.fill_count_fp,
        "remaining_count_fp": order.remaining_count_fp,
        "initial_count_fp": order.initial_count_fp,
        "taker_fill_cost_dollars": order.taker_fill_cost_dollars,
        "maker_fill_cost_dollars": order.maker_fill_cost_dollars,
        "taker_fees_dollars": order.taker_fees_dollars,
        "maker_fees_dollars": order.maker_fees_dollars,
        "client_order_id": order.client_order_id, "subaccount_number": order.subaccount_number or 0,
    }  # fmt: skip
    for key, value in (
        ("order_group_id", order.order_group_id),
        ("self_trade_prevention_type", order.self_trade_prevention_type),
        ("last_update_reason", _UPDATE_REASONS.get(event.reason)),
    ):
        if value is not None:
            msg[key] = value
    msg |= _order_times(order.created_time, "created_time", "created_ts_ms")
    msg |= _order_times(order.last_update_time, "last_update_time", "last_updated_ts_ms")
    return msg | _order_times(order.expiration_time, "expiration_time", "expiration_ts_ms")


def _order_times(when: datetime | None, rfc_key: str, ms_key: str) -> Msg:
    if when is None:
        return {}
    ms = millis_of(when)
    return {rfc_key: _rfc3339(ms), ms_key: ms}


def lifecycle_msg(
    event: MarketLifecycle, market: Market | None, multivariate: bool = False
) -> Msg | None:
    """``market_lifecycle_v2`` (or ``multivariate_market_lifecycle``, which carries no price
    grid) for one event; None for the sandbox-only ``closed`` kind."""
    msg: Msg = {"market_ticker": event.ticker, "event_type": event.kind}
    if event.kind == "closed":
        return None
    if event.kind == "created" and market is not None:
        msg |= _created(market)
        if multivariate:
            del msg["price_level_structure"], msg["price_ranges"]
    elif event.kind == "close_date_updated" and event.close_ms is not None:
        msg["close_ts"] = event.close_ms // 1000
    elif event.kind == "determined":
        msg |= {"result": event.result, "determination_ts": event.ts_ms // 1000}
        if event.settlement_value is not None:
            msg["settlement_value"] = ticks_to_dollars(event.settlement_value)
    elif event.kind == "settled":
        msg["settled_ts"] = event.ts_ms // 1000
    elif event.kind in ("activated", "deactivated"):
        msg["is_deactivated"] = event.kind == "deactivated"
    return msg


def event_lifecycle_msg(listed: EventListed) -> Msg:
    """``event_lifecycle`` (on ``market_lifecycle_v2``): a new event, before its markets."""
    event = listed.event
    msg: Msg = {
        "event_ticker": event.event_ticker, "exchange_index": event.exchange_index or 0,
        "title": event.title or "", "subtitle": event.sub_title or "",
        "collateral_return_type": event.collateral_return_type or "",
        "series_ticker": event.series_ticker,
    }  # fmt: skip
    if event.strike_date is not None:
        msg["strike_date"] = millis_of(event.strike_date) // 1000
    if event.strike_period:
        msg["strike_period"] = event.strike_period
    return msg


def fee_update_msg(event: EventFeeChanged) -> Msg:
    """``event_fee_update`` (on ``market_lifecycle_v2``): the override set, or both null."""
    return {
        "event_ticker": event.event_ticker, "fee_type_override": event.fee_type_override,
        "fee_multiplier_override": event.fee_multiplier_override,
    }  # fmt: skip


def market_terms_msg(event: MarketTermsChanged) -> Msg:
    """``price_level_structure_updated`` or ``metadata_updated`` (on ``market_lifecycle_v2``):
    the market's new grid, or the metadata fields that changed."""
    return {"market_ticker": event.ticker, "event_type": event.kind, **dict(event.fields)}


def _created(market: Market) -> Msg:
    expected = market.expected_expiration_time or market.latest_expiration_time
    metadata: Msg = {
        "name": market.title or market.ticker, "title": market.title or "",
        "yes_sub_title": market.yes_sub_title, "no_sub_title": market.no_sub_title,
        "rules_primary": market.rules_primary, "rules_secondary": market.rules_secondary,
        "can_close_early": market.can_close_early, "event_ticker": market.event_ticker,
        "expected_expiration_ts": millis_of(expected) // 1000,
    }  # fmt: skip
    for key in ("strike_type", "floor_strike", "cap_strike", "custom_strike"):
        if getattr(market, key) is not None:
            metadata[key] = getattr(market, key)
    return {
        "exchange_index": market.exchange_index or 0,
        "open_ts": millis_of(market.open_time) // 1000,
        "close_ts": millis_of(market.close_time) // 1000,
        "price_level_structure": market.price_level_structure,
        "price_ranges": [
            {"start": band.start, "end": band.end, "step": band.step}
            for band in market.price_ranges
        ],
        "additional_metadata": metadata,
    }


def group_msg(event: OrderGroupUpdated) -> Msg:
    msg: Msg = {"event_type": event.kind, "order_group_id": event.group_id}
    if event.kind in ("created", "limit_updated") and event.contracts_limit is not None:
        msg["contracts_limit_fp"] = centi_to_fp(event.contracts_limit)
    msg["ts_ms"] = event.ts_ms
    return msg
