"""The live run loop: a strategy on the local sandbox, demo or prod (``kalshi run --env local``).

Public streams of the strategy's markets feed ``on_book``/``on_trade``/``on_ticker``; the
private streams keep the :class:`~kalshikit.strategy.live.LiveBroker` current and feed
``on_fill``/``on_order``. The loop ends at ``duration``, on cancellation (Ctrl-C), or within a
poll of the halt being engaged (``kalshi kill`` from another terminal), and then cancels the
strategy's resting orders if halted.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from kalshikit.config import APIConfig
from kalshikit.errors import ValidationError
from kalshikit.http.client import AsyncKalshiClient
from kalshikit.models.stream import FillFrame, TickerFrame, TradeFrame, UserOrderFrame
from kalshikit.strategy.audit import AuditLog
from kalshikit.strategy.base import Strategy
from kalshikit.strategy.context import Context, Guard, allow_all
from kalshikit.strategy.dispatch import Dispatch
from kalshikit.strategy.live import LiveBroker, book_frame_ticker
from kalshikit.strategy.report import Report, Tally, mark_micro
from kalshikit.ws import KalshiWebSocket

__all__ = ["run_live"]

_log = logging.getLogger("kalshikit.strategy")
_POLL_S = 0.2  # how often the loop looks at the clock, the timer and the halt


async def run_live(
    strategy: Strategy,
    config: APIConfig,
    *,
    markets: Sequence[str] | None = None,
    duration: float | None = None,
    guard: Guard | None = None,
    halted: Callable[[], str | None] = lambda: None,
    audit: AuditLog | None = None,
) -> Report:
    """Run ``strategy`` on its markets (or ``markets``) until ``duration`` seconds pass, the
    halt is set, or cancellation. With ``audit``, every order update and fill the exchange
    reports is written there too (the guard writes the intents and refusals)."""
    followed = list(markets or strategy.markets)
    if not followed:
        raise ValidationError(
            "a live run needs markets: set `markets = (...)` in the strategy or pass --ticker"
        )
    started = time.monotonic()
    async with AsyncKalshiClient(config=config) as client, KalshiWebSocket(config=config) as ws:
        broker = LiveBroker(client, on_error=lambda text: _log.warning("%s", text))
        await broker.load()
        ctx = Context(env=config.environment.value, broker=broker, books=ws.books,
                      clock=time.time_ns, params=strategy.params,
                      guard=guard or allow_all,
                      new_id=lambda: str(uuid.uuid4()))  # fmt: skip
        tally = Tally(start_equity_micro=_equity(broker, ws)[0])
        dispatch = Dispatch(strategy, ctx, tally)
        await _subscribe(ws, followed, broker, dispatch, audit)
        dispatch.call("on_start")
        try:
            await _loop(dispatch, broker, ws, started, duration, halted)
        finally:
            dispatch.call("on_stop")
            await broker.settle()
        tally.equity(*_equity(broker, ws), time.time_ns())
    return tally.report(sent=ctx.sent, sent_centi=ctx.sent_centi, refusals=len(ctx.refusals),
                        seconds=time.monotonic() - started)  # fmt: skip


async def _subscribe(
    ws: KalshiWebSocket, markets: list[str], broker: LiveBroker, dispatch: Dispatch,
    audit: AuditLog | None,
) -> None:  # fmt: skip
    tally = dispatch.tally

    def public(frame: Any) -> None:
        tally.messages += 1
        ticker = book_frame_ticker(frame)
        if ticker is not None:
            book = ws.books.get(ticker)
            if book is not None and book.trusted:
                dispatch.call("on_book", ticker, book)
        elif type(frame) is TradeFrame:
            dispatch.call("on_trade", frame.msg)
        elif type(frame) is TickerFrame:
            dispatch.call("on_ticker", frame.msg)

    def private(frame: Any) -> None:
        broker.on_private(frame)
        if audit is not None:
            _audit(audit, frame)
        if type(frame) is FillFrame:
            msg = frame.msg
            fee = msg.fee or 0
            tally.fill(msg.market_ticker, msg.count.centi if msg.count else 0,
                       int(fee * 1_000_000), not msg.is_taker)  # fmt: skip
            dispatch.call("on_fill", msg)
        elif type(frame) is UserOrderFrame:
            dispatch.call("on_order", frame.msg)

    options: dict[str, Any] = {"on_message": public, "iterate": False, "frames": True}
    await ws.subscribe("orderbook_delta", markets, **options)
    if dispatch.wants("on_trade"):
        await ws.subscribe("trade", markets, **options)
    if dispatch.wants("on_ticker"):
        await ws.subscribe("ticker", markets, **options)
    options["on_message"] = private
    for channel in ("fill", "user_orders", "market_positions"):
        await ws.subscribe(channel, None, **options)


async def _loop(
    dispatch: Dispatch, broker: LiveBroker, ws: KalshiWebSocket, started: float,
    duration: float | None, halted: Callable[[], str | None],
) -> None:  # fmt: skip
    every = dispatch.strategy.timer_every_s
    next_timer = started + every if every else None
    while duration is None or time.monotonic() - started < duration:
        await asyncio.sleep(_POLL_S)
        reason = halted()
        if reason is not None:
            _log.warning("halted (%s): canceling every resting order and stopping", reason)
            await broker.halt()
            return
        now = time.monotonic()
        if next_timer is not None and every and now >= next_timer:
            next_timer = now + every
            dispatch.call("on_timer")
            dispatch.tally.equity(*_equity(broker, ws), time.time_ns())


def _audit(audit: AuditLog, frame: Any) -> None:
    """An order update or a fill, as the exchange reported it, in the audit log."""
    msg = frame.msg
    if type(frame) is FillFrame:
        audit.write("fill", {"ticker": msg.market_ticker, "order_id": msg.order_id,
                             "client_order_id": msg.client_order_id, "trade_id": msg.trade_id,
                             "side": msg.side, "action": msg.action,
                             "yes_price": msg.yes_price_dollars, "count": msg.count_fp,
                             "fee": msg.fee_cost, "is_taker": msg.is_taker})  # fmt: skip
    elif type(frame) is UserOrderFrame:
        audit.write("order", {"ticker": msg.ticker, "order_id": msg.order_id,
                              "client_order_id": msg.client_order_id, "status": msg.status,
                              "book_side": msg.book_side, "yes_price": msg.yes_price_dollars,
                              "filled": msg.fill_count_fp, "remaining": msg.remaining_count_fp,
                              "reason": msg.last_update_reason})  # fmt: skip


def _equity(broker: LiveBroker, ws: KalshiWebSocket) -> tuple[int, int]:
    """(cash + positions marked at mid, the marked value of the positions), micro-dollars."""
    marked = 0
    for ticker, held in broker.positions().items():
        value = mark_micro(held, ws.books.get(ticker))
        marked += value or 0
    return broker.cash_micro() + marked, marked
