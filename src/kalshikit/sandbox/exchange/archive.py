"""The historical tier: what the sweep moves off the live endpoints, kept behind ``/historical``.

No I/O here. Kalshi keeps recent data on its live endpoints and moves older records behind
``/historical/*``; ``GET /historical/cutoff`` says where the line is (kalshi-rest.md 2.2). The
sandbox's line is its live window (``Retention.window_ms``): each sweep (part of ``advance``,
so inside a recorded command, and a replay archives exactly what the original run did) moves

* public trades created at or before ``now - window`` (``trades_created_ts``);
* each user's fills and canceled or executed orders past the window, but for the newest
  ``Retention.per_user`` of each, which stay live as before (so a record can be older than the
  cutoff and still live; it is then not in the archive: each record is in exactly one place);
* markets settled at or before ``now - window`` (``market_settled_ts``), with their candlesticks
  (the candle history a market held when it stopped trading: the sweep no longer trims it);
* and, once every market of an event is archived, each user's settled positions in it
  (the "whole-event handoff" of ``GET /historical/positions``).

The archive is bounded as the live window is: the newest ``MAX_TRADES`` public trades and, per
user, the newest ``MAX_PER_USER`` fills, orders and positions are kept; older ones are
forgotten. Archived markets stay (markets are always kept; their state was never dropped).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final, TypeVar

from kalshikit.sandbox.exchange.accounts import Account, Position
from kalshikit.sandbox.exchange.lifecycle import MarketState
from kalshikit.sandbox.exchange.listing import Listing
from kalshikit.sandbox.exchange.orders import FillRecord, OrderRecord, TradeRecord

__all__ = ["MAX_PER_USER", "MAX_TRADES", "Archive", "take_older"]

MAX_TRADES: Final = 100_000
MAX_PER_USER: Final = 1_000
T = TypeVar("T")


def take_older(
    records: Listing[T], cutoff_ms: int, time_of: Callable[[T], int], keep: int
) -> list[T]:
    """Take records stamped at or before ``cutoff_ms`` from the front of a time-ordered listing,
    leaving at least the newest ``keep``; returns them, oldest first."""
    limit, count = len(records) - keep, 0
    # a scan, not a bisect: a wall clock stepped back leaves the stamps only nearly sorted
    while count < limit and time_of(records[count]) <= cutoff_ms:
        count += 1
    return records.drop_oldest(count) if count else []


def _bounded(listing: Listing[T], items: Iterable[T], most: int) -> None:
    for item in items:
        listing.append(item)
    if len(listing) > most:
        listing.drop_oldest(len(listing) - most)


@dataclass(slots=True, eq=False)
class Archive:
    """The records moved off the live endpoints, and the line the last sweep drew (ms)."""

    cutoff_ms: int | None = None
    trades: Listing[TradeRecord] = field(default_factory=Listing)
    fills: dict[str, Listing[FillRecord]] = field(default_factory=dict)
    orders: dict[str, Listing[OrderRecord]] = field(default_factory=dict)
    positions: dict[str, Listing[Position]] = field(default_factory=dict)
    markets: list[str] = field(default_factory=list)  # tickers, in the order they moved
    market_set: set[str] = field(default_factory=set)
    events_done: set[str] = field(default_factory=set)

    def add_trades(self, trades: list[TradeRecord]) -> None:
        if trades:
            _bounded(self.trades, trades, MAX_TRADES)

    def add_fills(self, user_id: str, fills: list[FillRecord]) -> None:
        if fills:
            _bounded(self.fills.setdefault(user_id, Listing()), fills, MAX_PER_USER)

    def add_orders(self, user_id: str, orders: list[OrderRecord]) -> None:
        if orders:
            # dropped from anywhere in the live listing: archive them in time order
            ordered = sorted(orders, key=lambda order: order.updated_ms)
            _bounded(self.orders.setdefault(user_id, Listing()), ordered, MAX_PER_USER)

    def take_markets(
        self,
        states: Iterable[MarketState],
        cutoff_ms: int,
        markets_of_event: Callable[[str], Iterable[str]],
        accounts: Mapping[str, Account],
    ) -> list[str]:
        """Archive the markets settled at or before ``cutoff_ms``; hand over the settled
        positions of every event now wholly archived. Returns the tickers archived now."""
        settled = [
            s
            for s in states
            if s.settled_ms is not None
            and s.settled_ms <= cutoff_ms
            and s.ticker not in self.market_set
        ]
        settled.sort(key=lambda s: (s.settled_ms or 0, s.ticker))
        for state in settled:
            self.markets.append(state.ticker)
            self.market_set.add(state.ticker)
        events = dict.fromkeys(s.event_ticker for s in settled)
        for event_ticker in events:
            tickers = list(markets_of_event(event_ticker))
            if event_ticker not in self.events_done and all(t in self.market_set for t in tickers):
                self.events_done.add(event_ticker)
                self._hand_over(tickers, accounts)
        return [s.ticker for s in settled]

    def _hand_over(self, tickers: list[str], accounts: Mapping[str, Account]) -> None:
        for user_id, account in accounts.items():
            moved = [account.positions.pop(t) for t in tickers if t in account.positions]
            if moved:
                listing = self.positions.setdefault(user_id, Listing())
                _bounded(listing, moved, MAX_PER_USER)

    def digest(self) -> list[object]:
        """A canonical summary (for ``Exchange.state_digest``)."""
        return [
            self.cutoff_ms,
            [t.trade_id for t in self.trades],
            {u: [f.fill_id for f in fills] for u, fills in sorted(self.fills.items())},
            {u: [o.order_id for o in orders] for u, orders in sorted(self.orders.items())},
            {u: [p.ticker for p in held] for u, held in sorted(self.positions.items())},
            list(self.markets),
        ]
