"""The WebSocket feeds without sockets: command parsing, frame shapes, and the hub fed by a real
exchange (orders go in through its methods; frames come out of the connection queues)."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest
from _exchange_kit import Clock, catalog, new_exchange, order, pick

from kalshikit.models import OrderbookFp
from kalshikit.sandbox.exchange.events import (
    BookChanged,
    MarketLifecycle,
    OrderGroupUpdated,
    TickerChanged,
)
from kalshikit.sandbox.exchange.exchange import Exchange
from kalshikit.sandbox.ws.commands import (
    CommandError,
    Subscribe,
    UpdateSubscription,
    parse_command,
)
from kalshikit.sandbox.ws.feeds import Close, Connection, FeedHub
from kalshikit.sandbox.ws.frames import (
    delta_msg,
    encode_frame,
    group_msg,
    lifecycle_msg,
    market_id,
    snapshot_msg,
    ticker_msg,
)

# --- commands in ------------------------------------------------------------------------------


def _code(frame: Any) -> int:
    with pytest.raises(CommandError) as refused:
        parse_command(frame if isinstance(frame, str) else json.dumps(frame))
    return refused.value.code


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("{", 1), ("[]", 1), ({"id": -1, "cmd": "subscribe"}, 1), ({"id": True, "cmd": "x"}, 1),
        ({"cmd": 7}, 1), ({"cmd": "subscribe", "params": []}, 1),
        ({"cmd": "subscribe"}, 2), ({"cmd": "update_subscription", "params": None}, 2),
        ({"cmd": "subscribe", "params": {}}, 3),
        ({"cmd": "subscribe", "params": {"channels": []}}, 3),
        ({"cmd": "unsubscribe", "params": {}}, 4),
        ({"cmd": "unsubscribe", "params": {"sids": []}}, 4),
        ({"cmd": "ping"}, 5), ({"cmd": "subscribe", "params": {"channels": ["ticker_v2"]}}, 8),
        ({"cmd": "subscribe", "params": {"channels": ["cfbenchmarks_value"], "index_ids": []}}, 11),
        ({"cmd": "subscribe", "params": {"channels": "ticker"}}, 11),
        ({"cmd": "subscribe", "params": {"channels": ["ticker"], "market_tickers": []}}, 11),
        ({"cmd": "subscribe", "params": {"channels": ["ticker"], "market_ticker": "A",
                                         "market_tickers": ["B"]}}, 11),
        ({"cmd": "subscribe", "params": {"channels": ["ticker"], "market_ticker": "A",
                                         "market_id": "B"}}, 11),
        ({"cmd": "subscribe", "params": {"channels": ["fill"], "market_ids": ["x"]}}, 11),
        ({"cmd": "subscribe", "params": {"channels": ["ticker"], "use_yes_price": 1}}, 11),
        ({"cmd": "unsubscribe", "params": {"sids": [0]}}, 11),
        ({"cmd": "update_subscription", "params": {"sid": 1, "sids": [1],
                                                   "action": "add_markets"}}, 12),
        ({"cmd": "update_subscription", "params": {"sids": [1, 2], "action": "add_markets"}}, 12),
        ({"cmd": "update_subscription", "params": {"sid": 1, "action": "index_please"}}, 13),
        ({"cmd": "subscribe", "params": {"channels": ["orderbook_delta"], "market_id": "x"}}, 14),
        ({"cmd": "update_subscription", "params": {"sid": 1}}, 15),
    ],
)  # fmt: skip
def test_each_malformed_command_gets_its_code(frame: Any, code: int) -> None:
    assert _code(frame) == code


def test_a_refusal_keeps_the_command_id_when_it_was_readable() -> None:
    with pytest.raises(CommandError) as refused:
        parse_command('{"id": 12, "cmd": "nope"}')
    assert refused.value.cmd_id == 12
    assert refused.value.msg() == {"code": 5, "msg": "Unknown command: 'nope'"}


def test_a_subscribe_reads_every_option() -> None:
    command = parse_command(
        json.dumps(
            {
                "id": 3,
                "cmd": "subscribe",
                "params": {
                    "channels": ["orderbook_delta", "ticker", "ticker"],
                    "market_tickers": ["A", "B", "A"],
                    "send_initial_snapshot": True,
                    "skip_ticker_ack": True,
                    "use_yes_price": True,
                },
            }
        )
    )
    assert isinstance(command, Subscribe)
    assert command.channels == ("orderbook_delta", "ticker")
    assert command.markets.tickers == ("A", "B")
    assert (command.send_initial_snapshot, command.skip_ticker_ack, command.use_yes_price) == (
        True, True, True,
    )  # fmt: skip
    update = parse_command(
        b'{"cmd":"update_subscription","params":{"sids":[4],"action":"get_snapshot"}}'
    )
    assert isinstance(update, UpdateSubscription)
    assert (update.id, update.sid, update.action) == (0, 4, "get_snapshot")


# --- frames out -------------------------------------------------------------------------------


def test_the_envelope_leaves_out_what_a_frame_lacks() -> None:
    assert encode_frame("ok", None, None, [], 0) == b'{"type":"ok","msg":[]}'
    assert encode_frame("unsubscribed", 2, 7, None, 102) == (
        b'{"id":102,"type":"unsubscribed","sid":2,"seq":7}'
    )


def _book_change(side: str, price: int, delta: int, coid: str | None = "mine") -> BookChanged:
    return BookChanged("T-1", side, price, delta, 500, "u1", coid, 1_700_000_000_250)  # type: ignore[arg-type]


def test_deltas_name_the_no_side_in_no_or_yes_prices() -> None:
    ask = _book_change("ask", 4000, -250)
    assert delta_msg(ask, use_yes_price=False, own=True) == {
        "market_ticker": "T-1", "market_id": market_id("T-1"), "price_dollars": "0.6000",
        "delta_fp": "-2.50", "side": "no", "client_order_id": "mine",
        "ts": "2023-11-14T22:13:20.250Z", "ts_ms": 1_700_000_000_250,
    }  # fmt: skip
    shown = delta_msg(ask, use_yes_price=True, own=False)
    assert (shown["price_dollars"], "client_order_id" in shown) == ("0.4000", False)
    assert delta_msg(_book_change("bid", 123, 1), use_yes_price=True, own=True)["side"] == "yes"


def test_a_snapshot_leaves_out_an_empty_side_and_can_price_no_in_yes_terms() -> None:
    book = OrderbookFp(yes_dollars=[], no_dollars=[("0.3000", "1.00"), ("0.4500", "2.00")])
    plain = snapshot_msg("T-1", book, use_yes_price=False)
    assert "yes_dollars_fp" not in plain
    assert plain["no_dollars_fp"] == [["0.3000", "1.00"], ["0.4500", "2.00"]]
    yes = snapshot_msg("T-1", book, use_yes_price=True)["no_dollars_fp"]
    assert yes == [["0.5500", "2.00"], ["0.7000", "1.00"]]


def test_ticker_money_is_whole_dollars() -> None:
    event = TickerChanged(
        "T-1", 5600, 5500, 5700, 100, 200, 300, 1000, 400, 5_600_000, 4_000_000, 1_000
    )
    msg = ticker_msg(event)
    assert (msg["dollar_volume"], msg["dollar_open_interest"], msg["ts"]) == (5, 4, 1)
    assert (msg["price_dollars"], msg["yes_bid_size_fp"], msg["volume_fp"]) == (
        "0.5600",
        "1.00",
        "10.00",
    )


def test_lifecycle_fields_by_kind() -> None:
    determined = MarketLifecycle("T-1", "determined", 2_000, result="no", settlement_value=0)
    assert lifecycle_msg(determined, None) == {
        "market_ticker": "T-1", "event_type": "determined", "result": "no",
        "determination_ts": 2, "settlement_value": "0.0000",
    }  # fmt: skip
    moved = MarketLifecycle("T-1", "close_date_updated", 2_000, close_ms=9_000)
    assert lifecycle_msg(moved, None)["close_ts"] == 9  # type: ignore[index]
    assert lifecycle_msg(MarketLifecycle("T-1", "closed", 1), None) is None
    paused = lifecycle_msg(MarketLifecycle("T-1", "deactivated", 1), None)
    assert paused == {"market_ticker": "T-1", "event_type": "deactivated", "is_deactivated": True}
    market = catalog().markets[0]
    created = lifecycle_msg(MarketLifecycle(market.ticker, "created", 1), market)
    assert created is not None
    assert created["additional_metadata"]["event_ticker"] == market.event_ticker  # type: ignore[index]
    assert created["price_ranges"]
    assert created["open_ts"] > 0  # type: ignore[operator]


def test_group_limits_only_where_the_spec_has_them() -> None:
    created = group_msg(OrderGroupUpdated("u", "g", "created", 500, 7))
    assert created == {
        "event_type": "created",
        "order_group_id": "g",
        "contracts_limit_fp": "5.00",
        "ts_ms": 7,
    }
    assert "contracts_limit_fp" not in group_msg(OrderGroupUpdated("u", "g", "triggered", 500, 7))


# --- the hub ----------------------------------------------------------------------------------


def _hub(limit: int = 1000) -> tuple[FeedHub, Exchange]:
    exchange = new_exchange(Clock())
    hub = FeedHub(exchange, clock=Clock(), queue_limit=limit)
    exchange.add_listener(hub.on_event)
    return hub, exchange


def _frames(conn: Connection) -> list[dict[str, Any]]:
    """Everything queued on ``conn``, as the client would read it (Close as a pseudo-frame)."""
    out = []
    while conn.queue:
        item = conn.queue.popleft()
        if isinstance(item, Close):
            out.append({"type": "<close>", "code": item.code})
        else:
            out.append(msgspec.json.decode(encode_frame(*item)))
    return out


def _send(hub: FeedHub, conn: Connection, cmd: str, **params: Any) -> list[dict[str, Any]]:
    hub.handle(conn, json.dumps({"id": 1, "cmd": cmd, "params": params}))
    return _frames(conn)


def test_book_subscribers_get_a_snapshot_then_numbered_deltas() -> None:
    hub, exchange = _hub()
    ticker, user = pick(), exchange.create_user(balance_cents=100_000)
    exchange.create_order(user, order(ticker, "bid", "0.4000", "2.00"))
    mine, theirs = hub.connect(user), hub.connect("someone-else")
    for conn in (mine, theirs):
        frames = _send(hub, conn, "subscribe", channels=["orderbook_delta"], market_ticker=ticker)
        assert [f["type"] for f in frames] == ["subscribed", "orderbook_snapshot"]
        assert frames[1]["msg"]["yes_dollars_fp"] == [["0.4000", "2.00"]]
    exchange.create_order(user, order(ticker, "bid", "0.4100", "1.00", client_order_id="c-1"))
    (own,), (other,) = _frames(mine), _frames(theirs)
    assert (own["seq"], own["msg"]["client_order_id"]) == (2, "c-1")
    assert other["seq"] == 2
    assert "client_order_id" not in other["msg"]


def test_private_channels_reach_only_their_owner() -> None:
    hub, exchange = _hub()
    ticker = pick()
    maker, taker = (exchange.create_user(balance_cents=100_000) for _ in range(2))
    conns = {user: hub.connect(user) for user in (maker, taker)}
    for conn in conns.values():
        _send(hub, conn, "subscribe", channels=["fill", "market_positions", "user_orders"])
    exchange.create_order(maker, order(ticker, "ask", "0.5000", "1.00"))
    exchange.create_order(taker, order(ticker, "bid", "0.5000", "1.00"))
    for user, conn in conns.items():
        frames = _frames(conn)
        assert {f["msg"].get("user_id", user) for f in frames} == {user}
        fill = next(f for f in frames if f["type"] == "fill")
        assert fill["msg"]["is_taker"] is (user == taker)
        assert any(f["type"] == "market_position" for f in frames)


def test_a_full_queue_ends_with_error_25_then_close() -> None:
    hub, exchange = _hub(limit=3)
    ticker, user = pick(), exchange.create_user(balance_cents=100_000)
    conn = hub.connect(user)
    _send(hub, conn, "subscribe", channels=["orderbook_delta"], market_ticker=ticker)
    for cents in range(10, 20):
        exchange.create_order(user, order(ticker, "bid", f"0.{cents}00", "1.00"))
    frames = _frames(conn)
    assert frames[0]["msg"]["code"] == 25
    assert frames[0]["sid"] == 1
    assert frames[1] == {"type": "<close>", "code": 1013}
    assert conn.closed
    assert conn.doomed.is_set()


def test_faults_drop_skip_and_delay() -> None:
    hub, exchange = _hub()
    ticker, user = pick(), exchange.create_user(balance_cents=100_000)
    first, second = hub.connect(user), hub.connect("other")
    _send(hub, first, "subscribe", channels=["orderbook_delta"], market_ticker=ticker)
    hub.faults.skip_seq(sid=1, connection_id=first.id)
    hub.faults.delay(250, count=1, connection_id=second.id)
    exchange.create_order(user, order(ticker, "bid", "0.3000", "1.00"))
    assert [f["seq"] for f in _frames(first)] == [3]
    assert (hub.faults.take_delay(first.id), hub.faults.take_delay(second.id)) == (0.0, 0.25)
    assert hub.faults.drop(user_id="other") == 1
    assert second.doomed.is_set()
    assert list(hub.connections) == [first.id]


def test_update_subscription_by_market_id_acks_ids_too() -> None:
    hub, _ = _hub()
    conn = hub.connect("u")
    first, second = pick(index=0), pick(index=1)
    _send(hub, conn, "subscribe", channels=["ticker"], market_id=market_id(first))
    (ack,) = _send(
        hub,
        conn,
        "update_subscription",
        sid=1,
        action="add_markets",
        market_ids=[market_id(second)],
    )
    assert ack["msg"] == {
        "market_tickers": [first, second], "market_ids": [market_id(first), market_id(second)],
    }  # fmt: skip


def test_a_pause_reads_as_deactivated_for_every_open_market() -> None:
    hub, exchange = _hub()
    conn = hub.connect("u")
    _send(hub, conn, "subscribe", channels=["market_lifecycle_v2"])
    exchange.set_trading_active(False)
    frames = _frames(conn)
    open_markets = [
        m for m in catalog().markets if m.status == "active" and m.mve_collection_ticker is None
    ]  # combos go to multivariate_market_lifecycle
    assert len(frames) == len(open_markets)
    assert {f["msg"]["event_type"] for f in frames} == {"deactivated"}
    assert [f["seq"] for f in frames] == list(range(1, len(frames) + 1))
