"""The WebSocket frame models: every frame type decodes from its wire shape, units are exact.

Examples are the AsyncAPI spec's own (tests/fixtures/kalshi/reference/spec),
kalshi-websocket.md section 3 and what the sandbox sends (sandbox/_ws_frames.py). Also:
one-sided and empty books, January shapes (cents, whole contracts, centi-cents) reading the
same as the current ones, numbers sent unquoted, unknown types surfaced, bad frames refused
with a clear error, and ``as_record``.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any, get_args

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kalshikit.errors import APIResponseError, KalshiError, ValidationError
from kalshikit.models import OrderbookFp
from kalshikit.models import stream as s
from kalshikit.sandbox.exchange.events import BookChanged, OrderGroupUpdated, TickerChanged
from kalshikit.sandbox.ws import frames as wire
from kalshikit.units import Contracts, Price, centi_to_fp, ticks_to_dollars

TICKER = "FED-23DEC-T3.00"
MARKET_ID = "9b0f6b43-5b68-4f9f-9f02-9a2d1b8ac1a1"


def frame(kind: str, msg: Any = None, **envelope: Any) -> bytes:
    body: dict[str, Any] = {"type": kind, **envelope}
    if msg is not None:
        body["msg"] = msg
    return json.dumps(body).encode()


def decode(kind: str, msg: Any = None, **envelope: Any) -> Any:
    return s.decode_frame(frame(kind, msg, **envelope))


# --- the spec's examples, one per frame type ----------------------------------------------------

SPEC_FRAMES: list[tuple[type[msgspec.Struct], dict[str, Any]]] = [
    (s.SnapshotFrame, {"type": "orderbook_snapshot", "sid": 2, "seq": 2, "msg": {
        "market_ticker": TICKER, "market_id": MARKET_ID,
        "yes_dollars_fp": [["0.0800", "300.00"], ["0.2200", "333.00"]],
        "no_dollars_fp": [["0.5400", "20.00"], ["0.5600", "146.00"]]}}),
    (s.DeltaFrame, {"type": "orderbook_delta", "sid": 2, "seq": 3, "msg": {
        "market_ticker": TICKER, "market_id": MARKET_ID, "price_dollars": "0.960",
        "delta_fp": "-54.00", "side": "yes", "ts": "2022-11-22T20:44:01Z",
        "ts_ms": 1669149841000}}),
    (s.TickerFrame, {"type": "ticker", "sid": 11, "msg": {
        "market_ticker": TICKER, "market_id": MARKET_ID, "price_dollars": "0.480",
        "yes_bid_dollars": "0.450", "yes_ask_dollars": "0.530", "volume_fp": "33896.00",
        "open_interest_fp": "20422.00", "dollar_volume": 16948, "dollar_open_interest": 10211,
        "yes_bid_size_fp": "300.00", "yes_ask_size_fp": "150.00", "last_trade_size_fp": "25.00",
        "ts": 1669149841, "ts_ms": 1669149841000, "time": "2022-11-22T20:44:01Z"}}),
    (s.TradeFrame, {"type": "trade", "sid": 11, "msg": {
        "trade_id": "d91bc706-ee49-470d-82d8-11418bda6fed", "market_ticker": "HIGHNY-22DEC23-B53.5",
        "yes_price_dollars": "0.360", "no_price_dollars": "0.640", "count_fp": "136.00",
        "taker_side": "no", "is_block_trade": False, "ts": 1669149841, "ts_ms": 1669149841000}}),
    (s.FillFrame, {"type": "fill", "sid": 13, "msg": {
        "trade_id": "d91bc706-ee49-470d-82d8-11418bda6fed",
        "order_id": "ee587a1c-8b87-4dcf-b721-9f6f790619fa", "market_ticker": "HIGHNY-22DEC23-B53.5",
        "exchange_index": 2, "is_taker": True, "side": "yes", "yes_price_dollars": "0.750",
        "count_fp": "278.00", "action": "buy", "ts": 1671899397, "ts_ms": 1671899397000,
        "post_position_fp": "500.00", "purchased_side": "yes", "subaccount": 3}}),
    (s.PositionFrame, {"type": "market_position", "sid": 14, "msg": {
        "user_id": "user123", "market_ticker": TICKER, "position_fp": "100.00",
        "position_cost_dollars": "50.0000", "realized_pnl_dollars": "10.0000",
        "fees_paid_dollars": "1.0000", "position_fee_cost_dollars": "0.5000",
        "volume_fp": "15.00"}}),
    (s.UserOrderFrame, {"type": "user_order", "sid": 22, "msg": {
        "order_id": "ee587a1c-8b87-4dcf-b721-9f6f790619fa",
        "user_id": "a1b2c3d4-e5f6-7890-abcd-ef1234567890", "ticker": TICKER, "status": "resting",
        "side": "yes", "is_yes": True, "yes_price_dollars": "0.3500", "fill_count_fp": "0.00",
        "remaining_count_fp": "10.00", "initial_count_fp": "10.00",
        "taker_fill_cost_dollars": "0.0000", "maker_fill_cost_dollars": "0.0000",
        "client_order_id": "my-order-1", "order_group_id": "og_123",
        "self_trade_prevention_type": "taker_at_cross", "created_time": "2024-12-01T10:00:00Z",
        "created_ts_ms": 1733047200000, "expiration_time": "2024-12-01T11:00:00Z",
        "expiration_ts_ms": 1733050800000, "subaccount_number": 0}}),
    (s.MarketLifecycleFrame, {"type": "market_lifecycle_v2", "sid": 13, "msg": {
        "market_ticker": "INXD-23SEP14-B4487", "event_type": "created", "exchange_index": 0,
        "open_ts": 1694635200, "close_ts": 1694721600, "price_level_structure": "linear_cent",
        "additional_metadata": {
            "name": "S&P 500 daily return on Sep 14", "title": "S&P 500 closes up by 0.02% or more",
            "yes_sub_title": "S&P 500 closes up 0.02%+", "no_sub_title": "S&P 500 closes up <0.02%",
            "rules_primary": "The S&P 500 index level at 4:00 PM ET...", "rules_secondary": "",
            "can_close_early": True, "event_ticker": "INXD-23SEP14",
            "expected_expiration_ts": 1694721600, "strike_type": "greater",
            "floor_strike": 4487}}}),
    (s.MultivariateLifecycleFrame, {"type": "multivariate_market_lifecycle", "sid": 14, "msg": {
        "market_ticker": "KXMVE-TEST-EVENT-M1", "event_type": "created", "exchange_index": 0,
        "open_ts": 1773936000, "close_ts": 1774022400, "additional_metadata": {
            "name": "MVE One", "title": "Market 1", "event_ticker": "KXMVE-TEST-EVENT",
            "expected_expiration_ts": 1774029600}}}),
    (s.EventLifecycleFrame, {"type": "event_lifecycle", "sid": 5, "msg": {
        "event_ticker": "KXQUICKSETTLE-26JAN25H2150", "exchange_index": 0,
        "title": "What will 1+1 equal on Jan 25 at 21:50?", "subtitle": "Jan 25 at 21:50",
        "collateral_return_type": "MECNET", "series_ticker": "KXQUICKSETTLE"}}),
    (s.EventFeeUpdateFrame, {"type": "event_fee_update", "sid": 5, "msg": {
        "event_ticker": "KXBTCD-26MAY2018", "fee_type_override": "quadratic",
        "fee_multiplier_override": 1}}),
    (s.OrderGroupFrame, {"type": "order_group_updates", "sid": 21, "seq": 7, "msg": {
        "event_type": "limit_updated", "order_group_id": "og_123",
        "contracts_limit_fp": "150.00"}}),
    (s.RfqCreatedFrame, {"type": "rfq_created", "sid": 15, "msg": {
        "id": "rfq_123", "creator_id": "", "market_ticker": TICKER, "event_ticker": "FED-23DEC",
        "contracts_fp": "100.00", "target_cost_dollars": "0.35",
        "created_ts": "2024-12-01T10:00:00Z"}}),
    (s.RfqDeletedFrame, {"type": "rfq_deleted", "sid": 15, "msg": {
        "id": "rfq_123", "creator_id": "comm_abc123", "market_ticker": TICKER,
        "event_ticker": "FED-23DEC", "contracts_fp": "100.00", "target_cost_dollars": "0.35",
        "deleted_ts": "2024-12-01T10:05:00Z"}}),
    (s.QuoteCreatedFrame, {"type": "quote_created", "sid": 15, "msg": {
        "quote_id": "quote_456", "rfq_id": "rfq_123", "quote_creator_id": "comm_def456",
        "rfq_creator_id": "comm_abc123", "market_ticker": TICKER, "event_ticker": "FED-23DEC",
        "yes_bid_dollars": "0.35", "no_bid_dollars": "0.65", "yes_contracts_offered_fp": "100.00",
        "no_contracts_offered_fp": "200.00", "rfq_target_cost_dollars": "0.35",
        "created_ts": "2024-12-01T10:02:00Z", "subaccount": 3}}),
    (s.QuoteAcceptedFrame, {"type": "quote_accepted", "sid": 15, "msg": {
        "quote_id": "quote_456", "rfq_id": "rfq_123", "quote_creator_id": "comm_def456",
        "rfq_creator_id": "comm_abc123", "market_ticker": TICKER, "yes_bid_dollars": "0.35",
        "no_bid_dollars": "0.65", "accepted_side": "yes", "contracts_accepted_fp": "50.00"}}),
    (s.QuoteExecutedFrame, {"type": "quote_executed", "sid": 15, "msg": {
        "quote_id": "quote_456", "rfq_id": "rfq_123", "quote_creator_id": "a1b2c3d4e5f6...",
        "rfq_creator_id": "f6e5d4c3b2a1...", "order_id": "order_789",
        "client_order_id": "my_client_order_123", "market_ticker": TICKER,
        "executed_ts": "2024-12-01T10:05:00Z", "subaccount": 3}}),
    (s.SubscribedFrame, {"id": 1, "type": "subscribed",
                         "msg": {"channel": "orderbook_delta", "sid": 1}}),
    (s.UnsubscribedFrame, {"id": 102, "sid": 2, "seq": 7, "type": "unsubscribed"}),
    (s.OkFrame, {"id": 123, "sid": 456, "seq": 222, "type": "ok",
                 "msg": {"market_tickers": ["MARKET-1", "MARKET-2", "MARKET-3"]}}),
    (s.CfBenchmarksValueFrame, {"type": "cfbenchmarks_value", "sid": 1, "seq": 42, "msg": {
        "index_id": "BRTI", "received_at": 1710000000123,
        "data": '{"type":"value","id":"BRTI","time":1710000000123,"value":"68000.12"}',
        "avg_60s_data": {"value": "68000.12000000", "window_size": 3,
                         "window_start_ts_ms": 1709999940123,
                         "window_end_ts_exclusive": 1710000000123},
        "last_60s_windowed_average_15min": {"value": "68000.23000000", "window_size": 14,
                                            "window_start_ts_ms": 1709999980000,
                                            "window_end_ts_exclusive": 1710000000123}}}),
    (s.CfBenchmarksIndexListFrame, {"type": "cfbenchmarks_value_indexlist", "id": 2, "sid": 1,
                                    "seq": 1, "msg": {"index_ids": ["BRTI", "ETHUSD_RTI"]}}),
    (s.PythValueFrame, {"type": "pyth_value", "sid": 1, "seq": 42, "msg": {
        "underlying_ticker": "Metal.XAU/USD", "value_usd": "2365.12345000",
        "source_ts_ms": 1710000000100, "received_at": 1710000000123}}),
    (s.PythUnderlyingListFrame, {"type": "pyth_value_underlying_list", "id": 2, "sid": 1,
                                 "seq": 1, "msg": {"underlying_tickers": ["Metal.XAG/USD",
                                                                          "Metal.XAU/USD"]}}),
    (s.ErrorFrame, {"id": 124, "type": "error", "msg": {"code": 8, "msg": "Unknown channel name"}}),
]  # fmt: skip


@pytest.mark.parametrize(("cls", "body"), SPEC_FRAMES, ids=lambda v: getattr(v, "__name__", ""))
def test_every_spec_example_decodes_to_its_frame_class(
    cls: type[msgspec.Struct], body: dict[str, Any]
) -> None:
    decoded = s.decode_frame(json.dumps(body))
    assert type(decoded) is cls
    assert decoded.sid == body.get("sid")
    assert decoded.seq == body.get("seq")
    record = s.as_record(decoded)
    assert record["type"] == body["type"]
    json.dumps(record)  # JSON-ready as it is


def test_every_tagged_frame_class_has_a_spec_example() -> None:
    assert {cls for cls, _ in SPEC_FRAMES} == set(get_args(s.StreamFrame))


def test_the_decoder_class_and_the_shared_function_agree() -> None:
    raw = json.dumps(SPEC_FRAMES[1][1]).encode()
    assert s.FrameDecoder().decode(raw) == s.decode_frame(raw) == s.decode_frame(raw.decode())


PAYLOADS = [
    s.SnapshotMsg, s.DeltaMsg, s.TickerMsg, s.TradeMsg, s.FillMsg, s.PositionMsg, s.UserOrderMsg,
    s.OrderGroupMsg, s.MarketLifecycleMsg, s.LifecycleMetadata, s.EventLifecycleMsg,
    s.EventFeeUpdateMsg, s.RfqMsg, s.QuoteMsg, s.QuoteExecutedMsg, s.SubscribedMsg, s.ErrorMsg,
]  # fmt: skip


def test_no_payload_field_is_invented(reference_dir: Path) -> None:
    """Every wire name declared is in the AsyncAPI spec, the reference or the sandbox's frames."""
    spec = sorted((reference_dir / "spec").glob("asyncapi*"))
    sources = [reference_dir / "kalshi-websocket.md", *spec, Path(wire.__file__)]
    assert spec, f"no AsyncAPI spec under {reference_dir}"
    assert all(path.is_file() for path in sources), sources
    text = "\n".join(path.read_text() for path in sources)
    known = set(re.findall(r"[a-z][a-z0-9_]*", text))
    for payload in PAYLOADS:
        names = {field.encode_name for field in msgspec.structs.fields(payload)}
        assert sorted(names - known) == [], payload.__name__


# --- exact values --------------------------------------------------------------------------------


def test_delta_reads_price_and_signed_size_exactly() -> None:
    delta = s.decode_frame(json.dumps(SPEC_FRAMES[1][1]))
    assert (delta.msg.price_ticks(), delta.msg.delta_centi()) == (9600, -5400)
    assert delta.msg.price == Price("0.96")
    assert delta.msg.delta == Contracts("-54")
    assert delta.msg.ts_ms == 1669149841000


def test_ticker_units() -> None:
    msg = s.decode_frame(json.dumps(SPEC_FRAMES[2][1])).msg
    assert (msg.price, msg.yes_bid, msg.yes_ask) == (Price("0.48"), Price("0.45"), Price("0.53"))
    assert (msg.yes_bid_size, msg.yes_ask_size) == (Contracts(300), Contracts(150))
    assert (msg.last_trade_size, msg.volume) == (Contracts(25), Contracts(33896))
    assert msg.open_interest == Contracts(20422)
    assert (msg.volume_dollars, msg.open_interest_dollars) == (Decimal(16948), Decimal(10211))
    assert (msg.ts, msg.ts_ms) == (1669149841, 1669149841000)


def test_ticker_dollar_volume_as_a_string_is_read_too() -> None:
    msg = decode("ticker", {"market_ticker": TICKER, "dollar_volume": "16948"}, sid=1).msg
    assert msg.volume_dollars == Decimal(16948)


def test_trade_fill_and_position_units() -> None:
    trade = s.decode_frame(json.dumps(SPEC_FRAMES[3][1])).msg
    assert (trade.yes_price, trade.no_price, trade.count) == (
        Price("0.36"), Price("0.64"), Contracts(136),
    )  # fmt: skip
    fill = decode("fill", {**SPEC_FRAMES[4][1]["msg"], "fee_cost": "0.012500"}, sid=13).msg
    assert (fill.yes_price, fill.count) == (Price("0.75"), Contracts(278))
    assert fill.fee == Decimal("0.0125")
    assert fill.post_position == Contracts(500)
    position = decode("market_position", {**SPEC_FRAMES[5][1]["msg"], "position_fp": "-2.50"},
                      sid=14).msg  # fmt: skip
    assert position.position == Contracts("-2.5")
    assert (position.cost, position.realized_pnl) == (Decimal(50), Decimal(10))
    assert (position.fees_paid, position.position_fee_cost) == (Decimal(1), Decimal("0.5"))


def test_user_order_units_and_a_null_creation_time() -> None:
    msg = dict(SPEC_FRAMES[6][1]["msg"], created_ts_ms=None, created_time=None)
    order = decode("user_order", msg, sid=22).msg
    assert order.created_ts_ms is None
    assert order.yes_price == Price("0.35")
    assert (order.fill_count, order.remaining_count) == (Contracts(0), Contracts(10))
    assert order.initial_count == Contracts(10)
    assert order.taker_fill_cost == Decimal(0)


def test_lifecycle_grid_strikes_and_settlement_are_exact() -> None:
    created = s.decode_frame(json.dumps(SPEC_FRAMES[7][1])).msg
    assert created.additional_metadata.floor_strike == Decimal(4487)
    assert created.additional_metadata.can_close_early is True
    grid = decode(
        "market_lifecycle_v2",
        {
            "market_ticker": TICKER,
            "event_type": "price_level_structure_updated",
            "price_level_structure": "deci_cent",
            "price_ranges": [{"start": "0.0000", "end": "1.0000", "step": "0.0010"}],
        },
        sid=13,
    ).msg
    assert [(r.start, r.end, r.step) for r in grid.price_ranges] == [("0.0000", "1.0000", "0.0010")]
    strikes = decode(
        "market_lifecycle_v2",
        {
            "market_ticker": TICKER,
            "event_type": "metadata_updated",
            "strike_type": "between",
            "floor_strike": 95000.25,
            "cap_strike": 95250,
        },
        sid=13,
    ).msg
    assert (strikes.floor_strike, strikes.cap_strike) == (Decimal("95000.25"), Decimal(95250))
    determined = decode(
        "market_lifecycle_v2",
        {
            "market_ticker": TICKER,
            "event_type": "determined",
            "result": "yes",
            "determination_ts": 1700000000,
            "settlement_value": "1.0000",
        },
        sid=13,
    ).msg
    assert determined.settlement_price == Price("1")
    paused = decode("market_lifecycle_v2", {"market_ticker": TICKER, "event_type": "deactivated",
                                            "is_deactivated": True}, sid=13).msg  # fmt: skip
    assert paused.is_deactivated is True


def test_a_cleared_fee_override_is_null_and_a_set_one_exact() -> None:
    cleared = decode("event_fee_update", {"event_ticker": "E", "fee_type_override": None,
                                          "fee_multiplier_override": None}, sid=5).msg  # fmt: skip
    assert (cleared.fee_type_override, cleared.fee_multiplier_override) == (None, None)
    set_ = decode("event_fee_update", {"event_ticker": "E", "fee_type_override": "flat",
                                       "fee_multiplier_override": 0.5}, sid=5).msg  # fmt: skip
    assert set_.fee_multiplier_override == Decimal("0.5")


def test_communications_units() -> None:
    rfq = s.decode_frame(json.dumps(SPEC_FRAMES[12][1])).msg
    assert (rfq.id, rfq.contracts, rfq.target_cost) == ("rfq_123", Contracts(100), Decimal("0.35"))
    quote = s.decode_frame(json.dumps(SPEC_FRAMES[14][1])).msg
    assert (quote.yes_bid, quote.no_bid) == (Price("0.35"), Price("0.65"))
    assert (quote.yes_contracts_offered, quote.no_contracts_offered) == (
        Contracts(100), Contracts(200),
    )  # fmt: skip
    accepted = s.decode_frame(json.dumps(SPEC_FRAMES[15][1])).msg
    assert (accepted.accepted_side, accepted.contracts_accepted) == ("yes", Contracts(50))


def test_replies() -> None:
    subscribed = s.decode_frame(json.dumps(SPEC_FRAMES[17][1]))
    assert (subscribed.id, subscribed.msg.channel, subscribed.msg.sid) == (1, "orderbook_delta", 1)
    assert decode("subscribed", id=4).msg is None  # older servers sent no msg
    listing = decode("ok", [{"channel": "ticker", "sid": 2}], id=3)
    assert listing.msg == [{"channel": "ticker", "sid": 2}]
    error = decode("error", {"code": 10, "msg": "Channel error", "market_tickers": ["A"]},
                   sid=4, seq=9)  # fmt: skip
    assert (error.sid, error.seq, error.msg.code, error.msg.market_tickers) == (4, 9, 10, ["A"])


def test_a_get_snapshot_answer_carries_the_command_id() -> None:
    answer = decode("orderbook_snapshot", {"market_ticker": TICKER}, id=12, sid=2, seq=40)
    assert (answer.id, answer.sid, answer.seq) == (12, 2, 40)
    assert decode("orderbook_snapshot", {"market_ticker": TICKER}, sid=2, seq=41).id is None


# --- books: one-sided, empty, January ------------------------------------------------------------


def test_snapshot_levels_in_ticks_and_centi_contracts() -> None:
    msg = s.decode_frame(json.dumps(SPEC_FRAMES[0][1])).msg
    assert msg.yes_levels() == [(800, 30000), (2200, 33300)]
    assert msg.no_levels() == [(5400, 2000), (5600, 14600)]


def test_an_absent_side_is_an_empty_side() -> None:
    one_sided = decode("orderbook_snapshot", {"market_ticker": TICKER,
                                              "no_dollars_fp": [["0.4500", "2.50"]]},
                       sid=1, seq=1)  # fmt: skip
    assert (one_sided.msg.yes_levels(), one_sided.msg.no_levels()) == ([], [(4500, 250)])
    empty = decode("orderbook_snapshot", {"market_ticker": TICKER}, sid=1, seq=2)
    assert (empty.msg.yes_levels(), empty.msg.no_levels()) == ([], [])


def test_january_snapshot_shapes_give_the_same_levels() -> None:
    current = {"yes_dollars_fp": [["0.0800", "300.00"]], "no_dollars_fp": [["0.5600", "1.00"]]}
    cents = {"yes": [[8, 300]], "no": [[56, 1]]}
    dollars = {"yes_dollars": [["0.08", 300]], "no_dollars": [["0.56", 1]]}
    books = [
        decode("orderbook_snapshot", {"market_ticker": TICKER, **shape}, sid=1, seq=1).msg
        for shape in (current, cents, dollars)
    ]
    assert {(tuple(b.yes_levels()), tuple(b.no_levels())) for b in books} == {
        (((800, 30000),), ((5600, 100),))
    }


def test_january_delta_ticker_and_position_read_like_current_ones() -> None:
    old = decode("orderbook_delta", {"market_ticker": TICKER, "side": "no", "price": 56,
                                     "delta": -3}, sid=1, seq=2).msg  # fmt: skip
    new = decode("orderbook_delta", {"market_ticker": TICKER, "side": "no",
                                     "price_dollars": "0.5600", "delta_fp": "-3.00"},
                 sid=1, seq=2).msg  # fmt: skip
    assert (old.price_ticks(), old.delta_centi()) == (new.price_ticks(), new.delta_centi())
    assert (old.price, old.delta) == (Price("0.56"), Contracts(-3))
    ticker = decode(
        "ticker",
        {
            "market_ticker": TICKER,
            "price": 48,
            "yes_bid": 45,
            "yes_ask": 53,
            "volume": 100,
            "open_interest": 7,
        },
        sid=3,
    ).msg
    assert (ticker.price, ticker.yes_bid, ticker.yes_ask) == (
        Price("0.48"), Price("0.45"), Price("0.53"),
    )  # fmt: skip
    assert (ticker.volume, ticker.open_interest) == (Contracts(100), Contracts(7))
    position = decode(
        "market_position",
        {"market_ticker": TICKER, "position_cost": 500000, "realized_pnl": -2500, "fees_paid": 100},
        sid=4,
    ).msg
    assert (position.cost, position.realized_pnl) == (Decimal(50), Decimal("-0.25"))
    assert position.fees_paid == Decimal("0.01")


def test_a_delta_without_any_price_or_size_says_so() -> None:
    msg = decode("orderbook_delta", {"market_ticker": TICKER, "side": "yes"}, sid=1, seq=1).msg
    with pytest.raises(ValidationError, match="price_dollars"):
        msg.price_ticks()
    with pytest.raises(ValidationError, match="delta_fp"):
        msg.delta_centi()


# --- the sandbox's frames ------------------------------------------------------------------------


def test_the_sandbox_frames_decode_to_the_values_it_meant() -> None:
    change = BookChanged(TICKER, "ask", 4400, -250, 0, "u1", "c-1", 1_700_000_000_123)
    delta = s.decode_frame(wire.encode_frame("orderbook_delta", 3, 8,
                                             wire.delta_msg(change, use_yes_price=False, own=True),
                                             None))  # fmt: skip
    assert type(delta) is s.DeltaFrame
    assert (delta.msg.side, delta.msg.price_ticks(), delta.msg.delta_centi()) == ("no", 5600, -250)
    assert (delta.msg.client_order_id, delta.msg.ts_ms) == ("c-1", 1_700_000_000_123)
    book = OrderbookFp(yes_dollars=[("0.4000", "10.00")], no_dollars=[])
    snap = s.decode_frame(
        wire.encode_frame(
            "orderbook_snapshot", 3, 9, wire.snapshot_msg(TICKER, book, use_yes_price=False), 5
        )
    )
    assert (snap.id, snap.msg.yes_levels(), snap.msg.no_levels()) == (5, [(4000, 1000)], [])
    quote = TickerChanged(TICKER, 4800, 4500, 5300, 30000, 15000, 2500, 1200, 700,
                          16_948_000_000, 10_211_000_000, 1_700_000_000_000)  # fmt: skip
    ticker = s.decode_frame(wire.encode_frame("ticker", 4, None, wire.ticker_msg(quote), None))
    assert (ticker.msg.yes_bid, ticker.msg.yes_bid_size) == (Price("0.45"), Contracts(300))
    assert (ticker.msg.volume, ticker.msg.volume_dollars) == (Contracts(12), Decimal(16948))
    group = OrderGroupUpdated("u1", "og_1", "created", 15000, 1_700_000_000_000)
    og = s.decode_frame(wire.encode_frame("order_group_updates", 6, 1, wire.group_msg(group), None))
    assert (og.msg.event_type, og.msg.contracts_limit) == ("created", Contracts(150))


# --- numbers sent unquoted -----------------------------------------------------------------------


def test_unquoted_numbers_in_string_fields_are_read_exactly() -> None:
    delta = s.decode_frame(b'{"type":"orderbook_delta","sid":1,"seq":2,"msg":{"market_ticker":'
                           b'"T","side":"yes","price_dollars":0.0001,"delta_fp":-54,'
                           b'"ts_ms":1669149841000}}')  # fmt: skip
    assert (delta.msg.price_ticks(), delta.msg.delta_centi()) == (1, -5400)
    assert delta.msg.ts_ms == 1669149841000  # an int field stays an int
    snap = s.decode_frame(
        b'{"type":"orderbook_snapshot","sid":1,"seq":1,"msg":{"market_ticker":'
        b'"T","yes_dollars_fp":[[0.56,10.5]],"yes_dollars":[[0.56,10]]}}'
    )
    assert snap.msg.yes_levels() == [(5600, 1050)]
    assert snap.msg.yes_dollars == [("0.56", 10)]  # the January count stays an int


def test_an_exponent_form_number_becomes_plain_decimal_text() -> None:
    delta = s.decode_frame(
        b'{"type":"orderbook_delta","sid":1,"seq":2,"msg":{"market_ticker":'
        b'"T","side":"yes","price_dollars":1e-4,"delta_fp":1E2}}'
    )
    assert (delta.msg.price_dollars, delta.msg.delta_fp) == ("0.0001", "100")
    assert (delta.msg.price_ticks(), delta.msg.delta_centi()) == (1, 10000)


def test_numbers_in_untyped_places_stay_exact() -> None:
    ok = s.decode_frame(b'{"type":"ok","id":1,"msg":{"value":0.1}}')
    assert ok.msg == {"value": Decimal("0.1")}


# --- unknown and bad frames ----------------------------------------------------------------------


def test_an_unknown_type_is_surfaced_with_its_raw_object() -> None:
    raw = b'{"type":"future_value","sid":9,"seq":4,"msg":{"index_id":"BRTI","value":1.5}}'
    unknown = s.decode_frame(raw)
    assert type(unknown) is s.UnknownFrame
    assert (unknown.type, unknown.sid, unknown.seq) == ("future_value", 9, 4)
    assert unknown.id is None
    assert unknown.raw["msg"] == {"index_id": "BRTI", "value": Decimal("1.5")}
    record = s.as_record(unknown)
    assert (record["type"], record["raw"]["msg"]["index_id"]) == ("future_value", "BRTI")
    json.dumps(record)


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        (b"heartbeat", "not JSON"),
        (b'{"type":"ticker","sid":1', "not JSON"),
        (b"[1, 2]", "string 'type'"),
        (b'{"sid": 1, "msg": {}}', "string 'type'"),
        (b'{"type": 7}', "string 'type'"),
        (b'{"type":"orderbook_delta","sid":1,"seq":2,"msg":{"side":"yes"}}',
         "'orderbook_delta' frame: Object missing required field `market_ticker`"),
        (b'{"type":"ticker","sid":"one","msg":{"market_ticker":"T"}}', "'ticker' frame"),
        (b'{"type":"error","id":1,"msg":{"code":"x"}}', "'error' frame"),
        (b'{"type":"fill","sid":1,"msg":{"market_ticker":"T","is_taker":"yes"}}', "is_taker"),
    ],
)  # fmt: skip
def test_bad_frames_raise_a_clear_error(raw: bytes, says: str) -> None:
    with pytest.raises(APIResponseError, match=says) as caught:
        s.decode_frame(raw)
    assert isinstance(caught.value, KalshiError)
    assert caught.value.body == raw


# --- sequencing ----------------------------------------------------------------------------------


def test_sequenced_types_follow_the_reference() -> None:
    never = {s.TickerFrame, s.FillFrame, s.PositionFrame, s.UserOrderFrame, s.SubscribedFrame}
    assert not never & s.SEQUENCED_TYPES
    always = {s.SnapshotFrame, s.DeltaFrame, s.TradeFrame, s.MarketLifecycleFrame,
              s.MultivariateLifecycleFrame, s.EventLifecycleFrame, s.EventFeeUpdateFrame,
              s.OrderGroupFrame, s.RfqCreatedFrame, s.RfqDeletedFrame, s.QuoteCreatedFrame,
              s.QuoteAcceptedFrame, s.QuoteExecutedFrame, s.UnsubscribedFrame}  # fmt: skip
    assert always <= s.SEQUENCED_TYPES


# --- records -------------------------------------------------------------------------------------


def test_a_ticker_record_names_its_units() -> None:
    record = s.as_record(s.decode_frame(json.dumps(SPEC_FRAMES[2][1])))
    assert record == {
        "type": "ticker", "sid": 11, "seq": None, "market_ticker": TICKER, "market_id": MARKET_ID,
        "ts_ms": 1669149841000, "price_dollars": "0.4800", "yes_bid_dollars": "0.4500",
        "yes_ask_dollars": "0.5300", "yes_bid_size_contracts": "300.00",
        "yes_ask_size_contracts": "150.00", "last_trade_size_contracts": "25.00",
        "volume_contracts": "33896.00", "open_interest_contracts": "20422.00",
        "volume_dollars": "16948.0000", "open_interest_dollars": "10211.0000",
    }  # fmt: skip


def test_fill_and_snapshot_records() -> None:
    fill = s.as_record(decode("fill", {**SPEC_FRAMES[4][1]["msg"], "fee_cost": "0.012345"},
                              sid=13))  # fmt: skip
    assert (fill["count_contracts"], fill["yes_price_dollars"]) == ("278.00", "0.7500")
    assert (fill["fee_cost_dollars"], fill["post_position_contracts"]) == ("0.012345", "500.00")
    assert not {"count_fp", "fee_cost", "ts"} & fill.keys()
    assert fill["ts_ms"] == 1671899397000
    snap = s.as_record(s.decode_frame(json.dumps(SPEC_FRAMES[0][1])))
    assert snap["yes_dollars"] == [["0.0800", "300.00"], ["0.2200", "333.00"]]
    assert snap["no_dollars"] == [["0.5400", "20.00"], ["0.5600", "146.00"]]
    assert "yes_dollars_fp" not in snap


def test_january_and_current_frames_give_the_same_record() -> None:
    pairs = [
        ({"yes_dollars_fp": [["0.0800", "3.00"]]}, {"yes": [[8, 3]]}),
        ({"no_dollars_fp": [["0.5600", "1.00"]]}, {"no_dollars": [["0.56", 1]]}),
    ]
    for current, january in pairs:
        a, b = (decode("orderbook_snapshot", {"market_ticker": TICKER, **shape}, sid=1, seq=1)
                for shape in (current, january))  # fmt: skip
        assert s.as_record(a) == s.as_record(b)
    ticker_now = {
        "price_dollars": "0.480",
        "yes_bid_dollars": "0.45",
        "volume_fp": "12.00",
        "open_interest_fp": "3.00",
        "ts": 1700000000,
        "ts_ms": 1700000000000,
    }
    ticker_jan = {"price": 48, "yes_bid": 45, "volume": 12, "open_interest": 3, "ts": 1700000000}
    a, b = (decode("ticker", {"market_ticker": TICKER, **shape}, sid=2)
            for shape in (ticker_now, ticker_jan))  # fmt: skip
    assert s.as_record(a) == s.as_record(b)
    assert s.as_record(a)["volume_contracts"] == "12.00"
    delta_now = {"price_dollars": "0.56", "delta_fp": "-3.00"}
    a, b = (decode("orderbook_delta", {"market_ticker": TICKER, "side": "no", **shape}, sid=1,
                   seq=2) for shape in (delta_now, {"price": 56, "delta": -3}))  # fmt: skip
    assert s.as_record(a) == s.as_record(b)


def test_lifecycle_and_reply_records() -> None:
    created = s.as_record(s.decode_frame(json.dumps(SPEC_FRAMES[7][1])))
    assert (created["open_ts_ms"], created["close_ts_ms"]) == (1694635200000, 1694721600000)
    assert created["additional_metadata"]["floor_strike"] == "4487"
    determined = s.as_record(decode("market_lifecycle_v2", {
        "market_ticker": TICKER, "event_type": "determined", "settlement_value": "0.5",
        "determination_ts": 1700000000}, sid=13))  # fmt: skip
    assert determined["settlement_value_dollars"] == "0.5000"
    assert determined["determination_ts_ms"] == 1700000000000
    rfq = s.as_record(s.decode_frame(json.dumps(SPEC_FRAMES[12][1])))
    assert (rfq["id"], rfq["contracts"], rfq["target_cost_dollars"]) == ("rfq_123", "100.00",
                                                                         "0.3500")  # fmt: skip
    assert rfq["created_ts"] == "2024-12-01T10:00:00Z"
    error = s.as_record(s.decode_frame(json.dumps(SPEC_FRAMES[-1][1])))
    assert error == {"type": "error", "sid": None, "seq": None, "id": 124, "code": 8,
                     "msg": "Unknown channel name"}  # fmt: skip
    listing = s.as_record(decode("ok", [{"channel": "fill", "sid": 3}], id=3))
    assert listing["msg"] == [{"channel": "fill", "sid": 3}]


# --- round trip ----------------------------------------------------------------------------------

ticks = st.integers(min_value=0, max_value=10_000)
centi = st.integers(min_value=-(10**9), max_value=10**9)


@given(price=ticks, size=centi, quoted=st.booleans())
def test_any_tick_price_and_centi_size_survive_the_wire(
    price: int, size: int, quoted: bool
) -> None:
    price_text, size_text = ticks_to_dollars(price), centi_to_fp(size)
    if quoted:
        price_json, size_json = json.dumps(price_text), json.dumps(size_text)
    else:
        price_json, size_json = price_text, size_text  # the same digits as bare JSON numbers
    raw = (f'{{"type":"orderbook_delta","sid":1,"seq":1,"msg":{{"market_ticker":"T",'
           f'"side":"yes","price_dollars":{price_json},"delta_fp":{size_json}}}}}')  # fmt: skip
    msg = s.decode_frame(raw).msg
    assert (msg.price_ticks(), msg.delta_centi()) == (price, size)
    assert (msg.price.ticks, msg.delta.centi) == (price, size)


@given(levels=st.lists(st.tuples(ticks, st.integers(min_value=1, max_value=10**9)), max_size=5))
def test_any_snapshot_levels_survive_the_wire(levels: list[tuple[int, int]]) -> None:
    msg: dict[str, Any] = {"market_ticker": "T"}
    if levels:
        msg["yes_dollars_fp"] = [[ticks_to_dollars(p), centi_to_fp(c)] for p, c in levels]
    snap = decode("orderbook_snapshot", msg, sid=1, seq=1).msg
    assert snap.yes_levels() == levels
    assert s.as_record(decode("orderbook_snapshot", msg, sid=1, seq=1))["yes_dollars"] == [
        [ticks_to_dollars(p), centi_to_fp(c)] for p, c in levels
    ]
