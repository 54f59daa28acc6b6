"""A backtest: a strategy on a recorded tape, through the paper engine, on the tape's clock.

The tape's rows are read in arrival order; each updates the strategy's exact books and the
paper engine's mirror of the market, then the strategy hears of it (``on_book``, ``on_trade``,
``on_ticker``) and of what the engine did with its orders (``on_order``, ``on_fill``, in the
private streams' shapes). Timers fire on the tape's time; a market settles when its lifecycle
row says it was determined. Nothing depends on the wall clock or on chance: the same tape, the
same strategy and the same options give the same report, bit for bit.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from kalshikit.errors import BookIntegrityError, ValidationError
from kalshikit.fees import FeeSchedule
from kalshikit.models.stream import FillMsg, UserOrderMsg
from kalshikit.orderbook import OrderBook
from kalshikit.paper import PaperEngine, parse_queue_model
from kalshikit.portfolio import PnlBook, summarize
from kalshikit.portfolio.inputs import fill_from_stream, settlement_at
from kalshikit.strategy.base import Strategy
from kalshikit.strategy.context import Context, Guard, allow_all
from kalshikit.strategy.dispatch import Dispatch
from kalshikit.strategy.paper_broker import PaperBroker
from kalshikit.strategy.report import Report, Tally, mark_micro
from kalshikit.tape.files import read_table
from kalshikit.tape.messages import (
    iter_rows,
    lifecycle_frame,
    split_levels,
    ticker_frame,
    trade_frame,
)
from kalshikit.tape.replay import check_tape
from kalshikit.tape.timing import TimeLike, to_ns

__all__ = ["BacktestOptions", "backtest"]

ACCOUNT = "backtest"
_SETTLES = frozenset({"determined", "settled"})
# the series fee types Kalshi names (fees.py charges maker fees only on the second)
FEE_TYPES = ("quadratic", "quadratic_with_maker_fees", "flat", "quadratic_with_combo_maker_fees")
_SAMPLE_NS = 100_000_000
SIDE_NAMES = ("yes", "no")


@dataclass(frozen=True)
class BacktestOptions:
    """How the paper engine fills: the queue model (``risk_averse``, ``power_prob:N``), the
    latencies, the starting cash and the fee schedule of every market (a tape keeps no series
    terms: one fee type for the run, Kalshi's ``quadratic`` taker fee by default).

    Latency: an order a strategy sends on a message of time t reaches the engine at t + feed
    latency (the message took that long to reach the strategy) + entry latency (the order took
    that long to reach the exchange), and meets the book of that moment. Callbacks still run at
    the message's own time: the feed latency shifts when orders land, not what they saw."""

    queue_model: str = "risk_averse"
    latency_ms: int = 0  # order entry
    cash: Decimal = Decimal("1000")
    fee_type: str = "quadratic"
    fee_multiplier: Decimal = Decimal(1)
    feed_latency_ms: int = 0

    def engine(self) -> PaperEngine:
        for name in ("latency_ms", "feed_latency_ms"):
            if getattr(self, name) < 0:
                raise ValidationError(f"{name} must be >= 0, got {getattr(self, name)}")
        if self.fee_type not in FEE_TYPES:
            raise ValidationError(
                f"unknown fee type {self.fee_type!r}: choose one of {', '.join(FEE_TYPES)}"
            )
        if self.cash < 0:
            raise ValidationError(f"cash must be >= 0, got {self.cash}")
        fees = FeeSchedule.for_series(self.fee_type, self.fee_multiplier)
        engine = PaperEngine(
            queue_model=parse_queue_model(self.queue_model),
            entry_latency_ns=(self.latency_ms + self.feed_latency_ms) * 1_000_000,
            fees=lambda ticker: fees,
        )
        engine.open_account(ACCOUNT, cash_micro=int(self.cash * 1_000_000))
        return engine


def backtest(
    strategy: Strategy,
    path: str | Path,
    *,
    tickers: Sequence[str] | None = None,
    start: TimeLike | None = None,
    end: TimeLike | None = None,
    options: BacktestOptions = BacktestOptions(),
    guard: Guard | None = None,
) -> Report:
    """Run ``strategy`` over the tape at ``path``; its markets (else ``tickers``, else every
    market on the tape). Bad input raises before anything runs."""
    wanted = list(strategy.markets) or (list(tickers) if tickers else None)
    table = read_table(check_tape(path), tickers=wanted, start_ns=to_ns(start), end_ns=to_ns(end))
    run = _Run(strategy, options.engine(), guard)
    return run.play(iter_rows(table))


def _utc(now_ns: int) -> datetime:
    return datetime.fromtimestamp(now_ns / 1e9, UTC)


class _Run:
    """One backtest's state: books, engine, clock, timers and the strategy's context."""

    def __init__(self, strategy: Strategy, engine: PaperEngine, guard: Guard | None) -> None:
        self.engine = engine
        self.books: dict[str, OrderBook] = {}
        self.now_ns = 0
        broker = PaperBroker(engine, ACCOUNT)
        ids = itertools.count(1)
        self.ctx = Context(env="tape", broker=broker, books=self.books, clock=self._clock,
                           params=strategy.params, guard=guard or allow_all,
                           new_id=lambda: f"bt-{next(ids):08d}")  # fmt: skip
        self.broker = broker
        self.tally = Tally(start_equity_micro=broker.total_cash_micro())
        self.dispatch = Dispatch(strategy, self.ctx, self.tally)
        every = strategy.timer_every_s
        self.timer_ns = None if not every else int(Decimal(str(every)) * 1_000_000_000)
        self.next_timer_ns: int | None = None
        self.sampled_ns = 0
        self.pnl = PnlBook()  # the strategy's fills and settlements, in kalshikit.portfolio
        self.on_book = self.dispatch.wants("on_book")
        self.on_trade = self.dispatch.wants("on_trade")
        self.on_ticker = self.dispatch.wants("on_ticker")

    def _clock(self) -> int:
        return self.now_ns

    def play(self, rows: Any) -> Report:
        started = time.perf_counter()
        self.dispatch.call("on_start")
        group: list[tuple[Any, ...]] = []
        for row in rows:
            if group and row[1] != group[0][1]:
                self._book_rows(group)
                group = []
            kind = row[2]
            if kind == "snapshot" or kind == "check":
                group.append(row)
                continue
            self._row(row, kind)
        if group:
            self._book_rows(group)
        self.dispatch.call("on_stop")
        self._events()
        self._sample()
        # the P&L core's figures, as `kalshi portfolio pnl` computes them for an account
        self.tally.realized_net_micro = self.pnl.totals().net
        for row in summarize(self.pnl, "market"):
            self.tally.net_by_ticker[row.key] = Decimal(row.net) / 1_000_000
        return self.tally.report(sent=self.ctx.sent, sent_centi=self.ctx.sent_centi,
                                 refusals=len(self.ctx.refusals),
                                 seconds=time.perf_counter() - started)  # fmt: skip

    # --- one message --------------------------------------------------------------------------

    def _tick(self, now_ns: int) -> None:
        """The clock moves to ``now_ns``: timers due on the way fire first, in order."""
        if self.timer_ns is not None:
            if self.next_timer_ns is None:
                self.next_timer_ns = now_ns + self.timer_ns
            while self.next_timer_ns <= now_ns:
                self.now_ns = self.next_timer_ns
                self.engine.advance(self.now_ns)
                self._events()
                self.dispatch.call("on_timer")
                self._events()
                self._sample()
                self.next_timer_ns += self.timer_ns
        self.now_ns = now_ns
        self.tally.messages += 1

    def _row(self, row: tuple[Any, ...], kind: str) -> None:
        now, ticker = row[0], row[3]
        self._tick(now)
        engine = self.engine
        if kind == "delta":
            side = SIDE_NAMES[row[7]]
            book = self.books.get(ticker)
            if book is None or not book.trusted:
                return  # a book not known since a reset: its deltas wait for the snapshot
            try:
                book.apply_delta_ticks(side, row[8], row[9])  # type: ignore[arg-type]
            except BookIntegrityError:
                return  # the tape's own reset row follows a gap; nothing to trade on
            engine.on_delta(now, ticker, side=side, price=row[8], delta=row[9])
            self._events()
            if self.on_book:
                self.dispatch.call("on_book", ticker, book)
        elif kind == "trade":
            self._trade(row)
        elif kind == "ticker":
            if self.on_ticker:
                self.dispatch.call("on_ticker", ticker_frame(row).msg)
        elif kind == "lifecycle":
            msg = lifecycle_frame(row).msg
            engine.on_lifecycle(now, ticker, msg.event_type, result=None, settlement_value=row[8])
            self._events()
            if msg.event_type in _SETTLES and ticker in self.pnl.markets:
                self.pnl.add_settlement(settlement_at(ticker, _utc(now), row[8]))
        elif kind == "reset":
            book = self.books.get(ticker)
            if book is not None:
                book.mark_stale()

    def _trade(self, row: tuple[Any, ...]) -> None:
        now, ticker, side, price, size = row[0], row[3], row[7], row[8], row[9]
        if side is not None and price is not None and size is not None:
            self.engine.on_trade(now, ticker, yes_price=price, count=size,
                                 taker_side=SIDE_NAMES[side])  # fmt: skip
            self._events()
        if self.on_trade:
            self.dispatch.call("on_trade", trade_frame(row).msg)

    def _book_rows(self, group: list[tuple[Any, ...]]) -> None:
        first = group[0]
        if first[2] != "snapshot":  # a REST cross-check: the books already agree with it
            return
        now, ticker = first[0], first[3]
        self._tick(now)
        yes, no = split_levels(group)
        book = self.books.get(ticker)
        if book is None:
            book = self.books[ticker] = OrderBook(ticker)
        book.apply_snapshot_ticks(yes, no)
        self.engine.on_snapshot(now, ticker, yes=yes, no=no)
        self._events()
        if self.on_book:
            self.dispatch.call("on_book", ticker, book)

    # --- what the engine did ------------------------------------------------------------------

    def _events(self) -> None:
        events = self.engine.drain()
        if not events:
            return
        filled = False
        for _, _account, msg in events:
            if type(msg) is FillMsg:
                filled = True
                self.pnl.add_fill(fill_from_stream(msg, _utc(self.now_ns)))
                count = msg.count
                fee = msg.fee or 0
                self.tally.fill(msg.market_ticker, count.centi if count else 0,
                                int(fee * 1_000_000), not msg.is_taker)  # fmt: skip
                self.dispatch.call("on_fill", msg)
            elif type(msg) is UserOrderMsg:
                self.dispatch.call("on_order", msg)
        if filled and self.now_ns - self.sampled_ns >= _SAMPLE_NS:
            self._sample()

    def _sample(self) -> None:
        """The account marked to market, for the report's exposure and drawdown: after fills
        (at most every 100 ms of tape time: marking every position costs a busy strategy more
        than its trading), at each timer and at the end."""
        self.sampled_ns = self.now_ns
        marked = 0
        for ticker, held in self.broker.positions().items():
            marked += mark_micro(held, self.books.get(ticker)) or 0
        self.tally.equity(self.broker.total_cash_micro() + marked, marked, self.now_ns)
