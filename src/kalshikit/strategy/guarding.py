"""The risk guard wired into a run: the guard sees the run's state through its context.

:func:`build_guard` makes the :class:`~kalshikit.strategy.context.Guard` a runner hands its
context: the limits from a TOML file (none when no file is given: the halt still applies), the
environment's halt (`kalshi kill`) and, live, its audit log. :class:`ContextView` is the
guard's :class:`~kalshikit.strategy.view.RiskView` of a running context: positions, costs and
open orders from the broker, books from the run, today's P&L marked at the mid.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from kalshikit.http.orders_core import CheckedOrder
from kalshikit.orderbook import OrderBook
from kalshikit.strategy.audit import AuditLog, default_audit_path
from kalshikit.strategy.context import Context, Guard, allow_all
from kalshikit.strategy.halt import Halt, default_halt_path
from kalshikit.strategy.limits import RiskLimits
from kalshikit.strategy.report import mark_micro
from kalshikit.strategy.risk import RiskGuard
from kalshikit.strategy.view import RestingOrder
from kalshikit.units import Price, wire_to_intent

__all__ = [
    "ContextView",
    "audit_log",
    "backtest_guard",
    "build_guard",
    "event_of",
    "guard_with",
    "halt_for",
]

_DAY_NS = 86_400 * 10**9


def event_of(ticker: str) -> str:
    """A market's event: its ticker without the last ``-`` part (KXHIGHNY-26DEC04-T45 ->
    KXHIGHNY-26DEC04), as Kalshi names them."""
    head, sep, _ = ticker.rpartition("-")
    return head if sep else ticker


class ContextView:
    """The guard's view of a running context (see the module's text)."""

    def __init__(self, ctx: Context, day_start: dict[int, int]) -> None:
        self.ctx, self._day_start = ctx, day_start

    def position(self, ticker: str) -> int:
        return self.ctx.broker.position(ticker)

    def positions(self) -> Mapping[str, int]:
        return self.ctx.broker.positions()

    def cost_micro(self, ticker: str) -> int:
        return self.ctx.broker.cost_micro(ticker)

    def resting(self, ticker: str | None) -> Sequence[RestingOrder]:
        found = []
        for order in self.ctx.broker.resting(ticker):
            action, price = wire_to_intent(
                order.book_side, Price.from_ticks(order.yes_price), "yes"
            )
            found.append(RestingOrder(order.ticker, "yes", action, price, order.remaining))
        return found

    def event_of(self, ticker: str) -> str | None:
        return event_of(ticker)

    def book(self, ticker: str) -> OrderBook | None:
        return self.ctx.book(ticker)

    def day_pnl_micro(self) -> int:
        """Equity now less equity at the first order the guard saw this UTC day."""
        broker = self.ctx.broker
        equity = broker.total_cash_micro()
        for ticker, held in broker.positions().items():
            equity += mark_micro(held, self.ctx.book(ticker)) or 0
        day = self.ctx.now_ns // _DAY_NS
        start = self._day_start.setdefault(day, equity)
        return equity - start


def guard_with(risk: RiskGuard) -> Guard:
    """A context's guard from a :class:`RiskGuard`: a refusal comes back as its rule and why."""
    day_start: dict[int, int] = {}

    def guard(now_ns: int, order: CheckedOrder, ctx: Context) -> str | None:
        refusal = risk.check(now_ns, order, ContextView(ctx, day_start))
        return None if refusal is None else f"{refusal.rule}: {refusal.reason}"

    return guard


def halt_for(env: str) -> Halt:
    """The environment's kill switch (`kalshi kill --env ENV`)."""
    return Halt(default_halt_path(env))


def build_guard(limits: Path | None, env: str, audit: AuditLog | None) -> Guard:
    """The guard of a live run on ``env``: the limits in ``limits`` (TOML; none when None), the
    environment's halt (`kalshi kill`) and the run's audit log (see :func:`audit_log`)."""
    parsed = RiskLimits.from_file(limits) if limits is not None else RiskLimits()
    return guard_with(RiskGuard(parsed, halt=halt_for(env), audit=audit))


def audit_log(env: str) -> AuditLog:
    """The environment's audit log; close it when the run ends (``with audit_log(env) as log``)."""
    return AuditLog(default_audit_path(env), env)


def backtest_guard(limits: Path | None) -> Guard:
    """The guard of a backtest: the limits only. A tape has no kill switch (a halt of a live
    environment says nothing about history) and keeps no audit log (a sweep would write a
    line per order of every run); its report counts the refusals."""
    if limits is None:
        return allow_all
    folder = Path(tempfile.mkdtemp(prefix="kalshikit-backtest-"))  # a halt nobody engages
    return guard_with(RiskGuard(RiskLimits.from_file(limits), halt=Halt(folder / "halt.json")))
