"""Every recorded January 2026 response parses into its envelope model, and says something true.

One test per file of ``tests/fixtures/kalshi/golden/2026-01/`` (the core set; ``other/`` is out
of scope). A file without an entry in ``GOLDEN`` fails ``test_every_golden_file_is_mapped``:
nothing is skipped.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec
import pytest

from kalshikit import models as m
from kalshikit.units import Contracts, Price


@dataclass(frozen=True)
class Golden:
    model: type[Any]
    check: Callable[[Any], None]


def _price(text: str) -> Price:
    return Price.from_dollars(text)


# --- markets, events, series ----------------------------------------------------------------


def _markets_list(page: m.MarketsPage) -> None:
    assert page.markets
    assert page.cursor
    for market in page.markets:
        assert market.ticker.startswith(market.event_ticker)
        assert market.status in m.MARKET_STATUSES
        assert market.created_time.tzinfo is not None
        assert market.created_time.utcoffset() == UTC.utcoffset(None)
        assert market.yes_bid is not None
        assert market.no_ask is not None
        assert market.yes_bid_cents is not None  # January carried cents beside the dollars
        assert market.yes_bid == Price.from_cents(market.yes_bid_cents)
        assert market.volume == Contracts.parse(market.volume_int or 0)
        assert market.grid.allows(_price("0.0010"))  # deci_cent grid of the combo markets


def _market_single(resp: m.MarketResponse) -> None:
    market = resp.market
    assert market.ticker == "KXMVENFLSINGLEGAME-S202513E70FA7695-688BECB3826"
    assert market.market_type == "binary"
    assert market.mve_selected_legs
    assert all(leg.market_ticker for leg in market.mve_selected_legs)
    assert market.custom_strike is not None
    assert market.price_ranges == [m.PriceRange(start="0.0000", end="1.0000", step="0.0010")]
    assert market.yes_bid == _price("0")
    assert market.no_bid == _price("1")
    assert market.last_price == _price("0")
    assert market.open_interest == Contracts.parse(0)
    assert market.yes_bid_size_fp is None  # not sent in January


def _event_single(resp: m.EventResponse) -> None:
    assert resp.event.event_ticker == "KXELONMARS-99"
    assert resp.event.series_ticker == "KXELONMARS"
    assert resp.event.settlement_sources is None
    assert resp.markets
    assert all(market.event_ticker == resp.event.event_ticker for market in resp.markets)


def _events_list(page: m.EventsPage) -> None:
    assert page.events
    assert page.cursor
    assert page.milestones == []
    for event in page.events:
        assert event.event_ticker.startswith(event.series_ticker)
        assert event.title


def _series_list(resp: m.SeriesList) -> None:
    assert len(resp.series) > 10
    assert all(series.ticker and series.fee_type in m.FEE_TYPES for series in resp.series)
    assert any(series.tags is None for series in resp.series)  # null despite the spec
    assert all(series.additional_prohibitions is None for series in resp.series)
    assert all(series.categories == [] for series in resp.series)  # added after January


def _series_single(resp: m.SeriesResponse) -> None:
    assert resp.series.ticker == "CO2"
    assert resp.series.fee_multiplier == 1
    assert resp.series.settlement_sources
    assert resp.series.settlement_sources[0].url


def _tags(resp: m.TagsByCategories) -> None:
    tags = resp.tags_by_categories
    assert tags["Crypto"]
    assert tags["Elections"] is None


# --- order book, trades, candles ------------------------------------------------------------


def _orderbook(resp: m.OrderbookResponse) -> None:
    assert resp.orderbook_fp is None
    assert resp.orderbook == m.Orderbook()  # every array null in the recording
    assert resp.book == m.OrderbookLevels(yes=[], no=[])


def _trades(page: m.TradesPage) -> None:
    assert page.trades
    assert page.cursor
    for trade in page.trades:
        assert trade.ticker == "KXELONMARS-99"
        assert trade.taker_side in m.SIDES
        assert trade.count is not None
        assert trade.count > Contracts.parse(0)
        assert trade.yes_price is not None
        assert trade.no_price_dollars is not None
        assert trade.yes_price.complement() == _price(trade.no_price_dollars)


def _check_candles(candles: list[m.Candlestick]) -> None:
    assert candles
    ends = [candle.end_period_ts for candle in candles]
    assert ends == sorted(ends)
    for candle in candles:
        bid = candle.yes_bid
        assert bid.low_dollars is not None
        assert bid.high_dollars is not None
        assert Decimal(bid.low_dollars) <= Decimal(bid.high_dollars)
        assert candle.volume_int is not None
        assert candle.open_interest_int is not None
        assert candle.volume_fp is None
        assert candle.price.previous_dollars is not None


def _series_candles(resp: m.CandlesticksResponse) -> None:
    assert resp.ticker == "KXELONMARS-99"
    _check_candles(resp.candlesticks)
    assert any(candle.price.close_dollars for candle in resp.candlesticks)  # some traded


def _batch_candles(resp: m.BatchCandlesticksResponse) -> None:
    assert [entry.market_ticker for entry in resp.markets] == ["KXELONMARS-99"]
    _check_candles(resp.markets[0].candlesticks)


def _event_candles(resp: m.EventCandlesticksResponse) -> None:
    assert resp.market_tickers == ["KXELONMARS-99"]
    assert len(resp.market_candlesticks) == len(resp.market_tickers)
    _check_candles(resp.market_candlesticks[0])
    assert resp.adjusted_end_ts > 0


# --- exchange -------------------------------------------------------------------------------


def _exchange_status(status: m.ExchangeStatus) -> None:
    assert status.exchange_active is True
    assert status.trading_active is True
    assert status.exchange_estimated_resume_time is None
    assert status.exchange_index_statuses is None


def _schedule(resp: m.ScheduleResponse) -> None:
    hours = resp.schedule.standard_hours
    assert hours
    assert resp.schedule.maintenance_windows == []
    assert hours[0].start_time < hours[0].end_time
    assert len(hours[0].thursday) == 2  # the weekly maintenance gap
    assert hours[0].thursday[1].open_time == "05:00"


# --- orders and order writes ----------------------------------------------------------------


def _january_order(order: m.Order, status: str) -> None:
    assert order.order_id
    assert order.ticker == "KXEXAMPLE-2FC7AAE94801"
    assert order.status == status
    assert order.side == "yes"
    assert order.action == "buy"
    assert order.outcome_side == ""
    assert order.fill_count_fp is None
    assert order.yes_price == _price("0.30")
    assert order.created_time is not None
    assert order.created_time.tzinfo is not None


def _counts_add_up(order: m.Order) -> None:
    fill, rest, initial = order.fill_count, order.remaining_count, order.initial_count
    assert fill is not None
    assert rest is not None
    assert initial is not None
    assert fill + rest <= initial


def _create(ack: m.CreateOrderAck) -> None:
    assert ack.order is not None
    assert ack.ts_ms is None
    _january_order(ack.order, "resting")
    assert ack.order.initial_count == Contracts.parse(2)
    assert ack.order.remaining_count == Contracts.parse(2)


def _decrease(ack: m.DecreaseOrderAck) -> None:
    assert ack.order is not None
    _january_order(ack.order, "resting")
    assert ack.order.remaining_count == Contracts.parse(1)


def _cancel(ack: m.CancelOrderAck) -> None:
    assert ack.order is not None
    assert ack.reduced_by == 1
    _january_order(ack.order, "canceled")
    assert ack.order.remaining_count == Contracts.parse(0)


def _amend(ack: m.AmendOrderAck) -> None:
    assert ack.old_order is not None
    assert ack.order is not None
    assert ack.old_order.order_id == ack.order.order_id
    assert ack.old_order.client_order_id != ack.order.client_order_id
    _january_order(ack.old_order, "resting")
    _january_order(ack.order, "canceled")


def _batch_create(resp: m.BatchCreateResponse) -> None:
    assert len(resp.orders) == 2
    for item in resp.orders:
        assert item.error is None
        assert item.order is not None
        _january_order(item.order, "resting")


def _batch_cancel(resp: m.BatchCancelResponse) -> None:
    assert len(resp.orders) == 2
    for item in resp.orders:
        assert item.error is None
        assert item.reduced_by == 1
        assert item.order_id == ""
        assert item.order is not None
        _january_order(item.order, "canceled")


def _order_single(resp: m.OrderResponse) -> None:
    _january_order(resp.order, "resting")
    _counts_add_up(resp.order)


def _orders(page: m.OrdersPage) -> None:
    assert page.orders
    assert page.cursor
    for order in page.orders:
        assert order.status in m.ORDER_STATUSES
        assert order.type in m.ORDER_TYPES
        _counts_add_up(order)
        assert order.yes_price is not None
        assert order.no_price_dollars is not None
        assert order.yes_price.complement() == _price(order.no_price_dollars)


def _queue_position(resp: m.QueuePositionResponse) -> None:
    assert resp.queue_position_int == 103
    assert resp.queue_position_fp is None


def _queue_positions(resp: m.QueuePositionsResponse) -> None:
    assert [q.queue_position_int for q in resp.queue_positions] == [1, 2, 103]
    assert all(q.order_id and q.market_ticker for q in resp.queue_positions)


# --- order groups ---------------------------------------------------------------------------


def _group_create(resp: m.CreateOrderGroupResponse) -> None:
    assert resp.order_group_id
    assert resp.subaccount is None


def _group_single(resp: m.OrderGroupResponse) -> None:
    assert resp.is_auto_cancel_enabled is False
    assert resp.orders == []


def _groups(resp: m.OrderGroupsResponse) -> None:
    assert resp.order_groups
    assert all(group.id and group.contracts_limit_fp is None for group in resp.order_groups)


def _empty(resp: m.EmptyResponse) -> None:
    assert msgspec.json.encode(resp) == b"{}"


# --- portfolio ------------------------------------------------------------------------------


def _balance(balance: m.Balance) -> None:
    assert balance.balance == Decimal("100.00")
    assert balance.balance_dollars is None
    assert balance.portfolio_value == 25000


def _fills(page: m.FillsPage) -> None:
    assert page.fills
    for fill in page.fills:
        assert fill.trade_id == fill.fill_id
        assert fill.market_ticker == fill.ticker
        assert fill.count is not None
        assert fill.count > Contracts.parse(0)
        assert fill.yes_price is not None
        assert fill.no_price_fixed is not None
        assert fill.yes_price == Price.from_cents(fill.yes_price_cents or 0)
        assert fill.yes_price.complement() == _price(fill.no_price_fixed)


def _positions(page: m.PositionsPage) -> None:
    assert page.market_positions
    assert page.event_positions
    for position in page.market_positions:
        assert position.position == Contracts.parse(position.position_int or 0)
        assert position.last_updated_ts.tzinfo is not None
    assert all(e.total_cost_shares_int is not None for e in page.event_positions)


def _settlements(page: m.SettlementsPage) -> None:
    assert page.settlements
    for settlement in page.settlements:
        assert settlement.market_result in m.SETTLEMENT_RESULTS
        assert settlement.yes_count_int is not None
        assert settlement.yes_count_fp is None
        assert Decimal(settlement.fee_cost) >= 0


def _forbidden(error: m.ErrorResponse) -> None:
    flat = error.flat()
    assert flat.code == "permission_denied"
    assert flat.message == "permission denied"


GOLDEN: dict[str, Golden] = {
    "amend_order_response.json": Golden(m.AmendOrderAck, _amend),
    "batch_cancel_orders_response.json": Golden(m.BatchCancelResponse, _batch_cancel),
    "batch_create_orders_response.json": Golden(m.BatchCreateResponse, _batch_create),
    "cancel_order_response.json": Golden(m.CancelOrderAck, _cancel),
    "candlesticks_batch_response.json": Golden(m.BatchCandlesticksResponse, _batch_candles),
    "create_order_response.json": Golden(m.CreateOrderAck, _create),
    "decrease_order_response.json": Golden(m.DecreaseOrderAck, _decrease),
    "event_candlesticks_response.json": Golden(m.EventCandlesticksResponse, _event_candles),
    "event_single_response.json": Golden(m.EventResponse, _event_single),
    "events_list_response.json": Golden(m.EventsPage, _events_list),
    "exchange_schedule_response.json": Golden(m.ScheduleResponse, _schedule),
    "exchange_status_response.json": Golden(m.ExchangeStatus, _exchange_status),
    "market_single_response.json": Golden(m.MarketResponse, _market_single),
    "markets_list_response.json": Golden(m.MarketsPage, _markets_list),
    "order_group_create_response.json": Golden(m.CreateOrderGroupResponse, _group_create),
    "order_group_delete_response.json": Golden(m.EmptyResponse, _empty),
    "order_group_reset_response.json": Golden(m.EmptyResponse, _empty),
    "order_group_single_response.json": Golden(m.OrderGroupResponse, _group_single),
    "order_groups_list_response.json": Golden(m.OrderGroupsResponse, _groups),
    "order_queue_position_response.json": Golden(m.QueuePositionResponse, _queue_position),
    "order_queue_positions_response.json": Golden(m.QueuePositionsResponse, _queue_positions),
    "orderbook_response.json": Golden(m.OrderbookResponse, _orderbook),
    "portfolio_balance_response.json": Golden(m.BalanceResponse, _balance),
    "portfolio_fills_response.json": Golden(m.FillsPage, _fills),
    "portfolio_order_single_response.json": Golden(m.OrderResponse, _order_single),
    "portfolio_orders_response.json": Golden(m.OrdersPage, _orders),
    "portfolio_positions_response.json": Golden(m.PositionsPage, _positions),
    "portfolio_settlements_response.json": Golden(m.SettlementsPage, _settlements),
    # recorded as the 403 a non-FCM user gets; the 200 shape is m.TotalRestingOrderValue
    "portfolio_total_resting_order_value_response.json": Golden(m.ErrorResponse, _forbidden),
    "series_candlesticks_response.json": Golden(m.CandlesticksResponse, _series_candles),
    "series_list_response.json": Golden(m.SeriesList, _series_list),
    "series_single_response.json": Golden(m.SeriesResponse, _series_single),
    "tags_by_categories_response.json": Golden(m.TagsByCategories, _tags),
    "trades_list_response.json": Golden(m.TradesPage, _trades),
}


def _body(golden_dir: Path, name: str) -> bytes:
    recorded = json.loads((golden_dir / name).read_text(encoding="utf-8"))
    return json.dumps(recorded["response"]).encode()


def test_every_golden_file_is_mapped(golden_dir: Path) -> None:
    files = {path.name for path in golden_dir.glob("*.json")}
    assert files, f"no recorded responses in {golden_dir}"
    assert sorted(files - GOLDEN.keys()) == [], "recorded files without a model in GOLDEN"
    assert sorted(GOLDEN.keys() - files) == [], "GOLDEN names files that are not recorded"


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_golden_file_parses(golden_dir: Path, name: str) -> None:
    golden = GOLDEN[name]
    parsed = msgspec.json.decode(_body(golden_dir, name), type=golden.model)
    golden.check(parsed)


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_golden_file_round_trips(golden_dir: Path, name: str) -> None:
    """What we parse we can send back unchanged (the sandbox serves these same structs)."""
    model = GOLDEN[name].model
    parsed = msgspec.json.decode(_body(golden_dir, name), type=model)
    assert msgspec.json.decode(msgspec.json.encode(parsed), type=model) == parsed
    assert msgspec.convert(msgspec.to_builtins(parsed), type=model) == parsed
