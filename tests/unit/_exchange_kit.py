"""Shared set-up of the exchange tests: a fixed catalog, a clock tests move, order builders.

Nothing is mocked: the exchange runs on the real seeded catalog with a hand-driven clock.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from kalshikit.models import CreateOrderV2Request
from kalshikit.sandbox.catalog import Catalog, build_catalog
from kalshikit.sandbox.exchange.exchange import Exchange
from kalshikit.sandbox.exchange.retention import Retention

NOW = datetime(2026, 10, 20, 15, 0, tzinfo=UTC)
NOW_MS = int(NOW.timestamp()) * 1000


class Clock:
    """Epoch ms that move only when a test says so."""

    def __init__(self, ms: int = NOW_MS) -> None:
        self.ms = ms

    def __call__(self) -> int:
        return self.ms

    def advance(self, seconds: float) -> None:
        self.ms += int(seconds * 1000)


@functools.cache
def catalog() -> Catalog:
    return build_catalog(seed=0, markets=100, now=NOW)


def pick(
    *, fee_type: str = "quadratic", structure: str = "linear_cent", status: str = "active",
    index: int = 0,
) -> str:  # fmt: skip
    """The ticker of the ``index``-th catalog market of that kind."""
    cat = catalog()
    found = [
        m.ticker
        for m in cat.markets
        if m.status == status
        and m.price_level_structure == structure
        and (series := cat.series_of(m.ticker)) is not None
        and series.fee_type == fee_type
    ]
    return found[index]


def new_exchange(clock: Clock | None = None, seed: int = 0) -> Exchange:
    return Exchange(catalog(), clock=clock or Clock(), seed=seed)


def order(
    ticker: str, side: str, price: str, count: str = "10.00", *,
    tif: str = "good_till_canceled", stp: str = "taker_at_cross", **extra: Any,
) -> CreateOrderV2Request:  # fmt: skip
    return CreateOrderV2Request(
        ticker=ticker, side=side, count=count, price=price, time_in_force=tif,
        self_trade_prevention_type=stp, **extra,
    )  # fmt: skip


def ioc(ticker: str, side: str, price: str, count: str = "10.00", **extra: Any) -> Any:
    return order(ticker, side, price, count, tif="immediate_or_cancel", **extra)


def dollars(exchange: Exchange, user: str) -> Decimal:
    """The user's free balance in dollars, exactly."""
    text = exchange.balance(user).balance_dollars
    assert text is not None
    return Decimal(text)


def conserved(exchange: Exchange) -> bool:
    """Money is only moved, never made: cash + held + fees + $1 per open contract pair."""
    t = exchange.money_totals()
    return t["cash"] + t["held"] + t["fees"] + t["open_interest"] == t["deposited"]


def lasting_market() -> str:
    """A cent-grid market open for days yet: in a test of a window, nothing else makes its
    records go."""
    return next(
        m.ticker
        for m in catalog().markets
        if m.status == "active"
        and m.price_level_structure == "linear_cent"
        and m.close_time > NOW + timedelta(days=10)
    )


def exchange_with_users(clock: Clock, retention: Retention) -> Exchange:
    """An exchange on ``clock`` keeping ``retention``, with alice and bob holding $1,000 each."""
    exchange = Exchange(catalog(), clock=clock, retention=retention)
    for user in ("alice", "bob"):
        exchange.create_user(balance_cents=1_000_00, user_id=user)
    return exchange
