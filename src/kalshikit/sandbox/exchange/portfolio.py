"""User-scoped reads: balance, positions, fills, settlements, orders, queue positions.

No I/O here. Another user's order reads as not found, as on the real API. Lists are newest
first (positions in the order the user first traded each market) and paged with cursors.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from kalshikit.fees import MICRO_PER_CENT
from kalshikit.models import (
    Balance,
    BalanceBreakdown,
    EventPosition,
    Fill,
    MarketPosition,
    Order,
    Settlement,
)
from kalshikit.sandbox.exchange.accounts import Account, Position
from kalshikit.sandbox.exchange.errors import bad_request, not_found
from kalshikit.sandbox.exchange.orders import FillRecord, OrderRecord, SettlementRecord
from kalshikit.sandbox.exchange.pages import (
    check_limit,
    in_order,
    newest_first,
    newest_first_merged,
)
from kalshikit.sandbox.exchange.render import (
    money,
    render_event_position,
    render_fill,
    render_order,
    render_position,
    render_settlement,
)
from kalshikit.sandbox.exchange.subaccounts import (
    SHARDS,
    SubaccountsMixin,
    check_shard,
    owner_of,
)
from kalshikit.units import TICKS_PER_DOLLAR

__all__ = ["PortfolioMixin"]

T = TypeVar("T")
_SETTLEMENT_STATUSES = ("unsettled", "settled", "all")
_ORDER_STATUSES = ("resting", "canceled", "executed")


def _csv(value: str | Sequence[str] | None) -> set[str] | None:
    """A filter given as 'A,B' or as a list; None when absent."""
    if value is None:
        return None
    parts = value.split(",") if isinstance(value, str) else list(value)
    return {p.strip() for p in parts if p.strip()}


def _in_range(value: int, low: int | None, high: int | None) -> bool:
    return (low is None or value >= low) and (high is None or value <= high)


def _notional(order: OrderRecord) -> int:
    """What a resting order would pay if it all filled (micro-dollars)."""
    price = order.price if order.side == "bid" else TICKS_PER_DOLLAR - order.price
    return price * order.remaining


def _page(
    listings: Sequence[Sequence[T]], stamp: Callable[[T], int], name: str, cursor: str | None,
    limit: int, keep: Callable[[T], bool],
) -> tuple[list[T], str]:  # fmt: skip
    """One account's listing as before; several (every subaccount) merged newest first."""
    if len(listings) == 1:
        return newest_first(listings[0], name, cursor, limit, keep)
    return newest_first_merged(listings, stamp, f"{name}-all", cursor, limit, keep)


def _fill_ts(fill: FillRecord) -> int:
    return fill.ts_ms


def _created_ts(order: OrderRecord) -> int:
    return order.created_ms


def _settled_ts(record: SettlementRecord) -> int:
    return record.ts_ms


class PortfolioMixin(SubaccountsMixin):
    """The authenticated, user-scoped reads."""

    def balance(self, user: str, exchange_index: int | None = None) -> Balance:
        """Free cash (resting orders' collateral excluded) and the positions' value, in cents,
        on one shard or (None) all of them, with each shard's free cash."""
        account = self._account(user)
        if exchange_index is not None:
            check_shard(exchange_index)
        cash = account.total_free if exchange_index is None else account.free(exchange_index)
        breakdown = [
            BalanceBreakdown(exchange_index=shard, balance=money(account.free(shard)))
            for shard in SHARDS
        ]
        return Balance(
            balance_cents=cash // MICRO_PER_CENT,
            balance_dollars=money(cash),
            portfolio_value=self._positions_value(account, exchange_index) // MICRO_PER_CENT,
            updated_ts=account.updated_ms // 1000,
            balance_breakdown=breakdown,
        )

    def _positions_value(self, account: Account, shard: int | None = None) -> int:
        """Open positions marked at the last traded price (at cost before any trade)."""
        total = 0
        for position in account.positions.values():
            if shard is not None and self._exchange_index(position.ticker) != shard:
                continue
            last = self._markets[position.ticker].last_price
            if position.size == 0 or position.settled:
                continue
            if not last:
                total += position.cost
            elif position.size > 0:
                total += last * position.size
            else:
                total += (TICKS_PER_DOLLAR - last) * -position.size
        return total

    def positions(
        self, user: str, *, ticker: str | None = None, event_ticker: str | None = None,
        settlement_status: str = "unsettled", limit: int = 100, cursor: str | None = None,
        exchange_index: int | None = None,
    ) -> tuple[list[MarketPosition], list[EventPosition], str]:  # fmt: skip
        """Market positions (every market the user traded), the totals of their events, and
        the next cursor. ``settlement_status``: unsettled (default), settled or all."""
        account = self._account(user)
        check_limit(limit, 1000)
        if settlement_status not in _SETTLEMENT_STATUSES:
            raise bad_request(
                "invalid_parameters", "settlement_status must be unsettled, settled or all"
            )

        def keep(position: Position) -> bool:
            settled_ok = settlement_status == "all" or (
                position.settled == (settlement_status == "settled")
            )
            return (
                settled_ok
                and (ticker is None or position.ticker == ticker)
                and (event_ticker is None or position.event_ticker == event_ticker)
                and self._on_shard(position.ticker, exchange_index)
            )

        listing = f"positions-{settlement_status}"
        everything = list(account.positions.values())
        page, next_cursor = in_order(everything, listing, cursor, limit, keep)
        events = list(dict.fromkeys(p.event_ticker for p in page))
        event_positions = [
            render_event_position(e, [p for p in everything if p.event_ticker == e and keep(p)])
            for e in events
        ]
        rendered = [render_position(p, self._exchange_index(p.ticker)) for p in page]
        return rendered, event_positions, next_cursor

    def fills(
        self, user: str, *, ticker: str | None = None, order_id: str | None = None,
        min_ts: int | None = None, max_ts: int | None = None, limit: int = 100,
        cursor: str | None = None, subaccount: int | None = 0, exchange_index: int | None = None,
    ) -> tuple[list[Fill], str]:  # fmt: skip
        """The user's fills, newest first; ``ticker`` may list several ('A,B');
        ``subaccount`` None: every subaccount's."""
        accounts = self._accounts_for(user, subaccount)
        check_limit(limit, 1000)
        tickers = _csv(ticker)

        def keep(fill: FillRecord) -> bool:
            return (
                (tickers is None or fill.ticker in tickers)
                and (order_id is None or fill.order_id == order_id)
                and _in_range(fill.ts_ms // 1000, min_ts, max_ts)
                and self._on_shard(fill.ticker, exchange_index)
            )

        listings = [a.fills for a in accounts]
        page, next_cursor = _page(listings, _fill_ts, "fills", cursor, limit, keep)
        return [render_fill(f, self._exchange_index(f.ticker)) for f in page], next_cursor

    def settlements(
        self, user: str, *, ticker: str | None = None, event_ticker: str | None = None,
        limit: int = 100, cursor: str | None = None, subaccount: int | None = 0,
    ) -> tuple[list[Settlement], str]:  # fmt: skip
        accounts = self._accounts_for(user, subaccount)
        check_limit(limit, 1000)

        def keep(record: SettlementRecord) -> bool:
            return (ticker is None or record.ticker == ticker) and (
                event_ticker is None or record.event_ticker == event_ticker
            )

        listings = [a.settlements for a in accounts]
        page, next_cursor = _page(listings, _settled_ts, "settlements", cursor, limit, keep)
        return [render_settlement(s, self._exchange_index(s.ticker)) for s in page], next_cursor

    def orders(
        self, user: str, *, ticker: str | None = None, event_ticker: str | None = None,
        status: str | None = None, min_ts: int | None = None, max_ts: int | None = None,
        limit: int = 100, cursor: str | None = None, subaccount: int | None = 0,
        exchange_index: int | None = None,
    ) -> tuple[list[Order], str]:  # fmt: skip
        """The user's orders, newest first; ``event_ticker`` may list several ('A,B');
        ``subaccount`` None: every subaccount's."""
        accounts = self._accounts_for(user, subaccount)
        check_limit(limit, 1000)
        if status is not None and status not in _ORDER_STATUSES:
            raise bad_request("invalid_parameters", "status must be resting, canceled or executed")
        events = _csv(event_ticker)

        def keep(order: OrderRecord) -> bool:
            return (
                (ticker is None or order.ticker == ticker)
                and (events is None or order.event_ticker in events)
                and (status is None or order.status == status)
                and _in_range(order.created_ms // 1000, min_ts, max_ts)
                and self._on_shard(order.ticker, exchange_index)
            )

        listings = [a.orders for a in accounts]
        page, next_cursor = _page(listings, _created_ts, "orders", cursor, limit, keep)
        return [render_order(o, self._exchange_index(o.ticker)) for o in page], next_cursor

    def _accounts_for(self, user: str, subaccount: int | None) -> list[Account]:
        return [self._accounts[k] for k in self.subaccount_keys(user, subaccount)]

    def _on_shard(self, ticker: str, exchange_index: int | None) -> bool:
        return exchange_index is None or self._exchange_index(ticker) == exchange_index

    def _own_order(self, user: str, order_id: str) -> OrderRecord:
        """One of the user's orders, in whichever subaccount (GET /portfolio/orders/{id} and
        its queue position take no subaccount)."""
        order = None
        for account in self._accounts_for(user, None if user == owner_of(user) else 0):
            order = account.order_index.get(order_id)
            if order is not None:
                break
        if order is None:
            raise not_found("order_not_found", f"no order {order_id!r} for this user")
        return order

    def order(self, user: str, order_id: str) -> Order:
        """One of the user's orders (another user's reads as not found)."""
        order = self._own_order(user, order_id)
        return render_order(order, self._exchange_index(order.ticker))

    def order_by_client_id(self, user: str, client_order_id: str) -> Order | None:
        """The resting order with this client id, else the newest order that had it."""
        account = self._account(user)
        order_id = account.open_client_ids.get(client_order_id)
        found = account.order_index.get(order_id) if order_id else None
        if found is None:
            found = next(
                (o for o in reversed(account.orders) if o.client_order_id == client_order_id),
                None,
            )
        return None if found is None else render_order(found, self._exchange_index(found.ticker))

    def queue_position(self, user: str, order_id: str) -> int:
        """Centi-contracts resting ahead of the order at its price (0 once it is final)."""
        order = self._own_order(user, order_id)
        if order.status != "resting":
            return 0
        return self.engine.queue_position(order_id)

    def queue_positions(
        self, user: str, *, market_tickers: Sequence[str] | str | None = None,
        event_ticker: str | None = None,
    ) -> list[tuple[str, str, int]]:  # fmt: skip
        """(order id, ticker, centi-contracts ahead) of each of the user's resting orders."""
        account = self._account(user)
        tickers = _csv(market_tickers)
        return [
            (order.order_id, order.ticker, self.engine.queue_position(order.order_id))
            for book in account.resting.values()
            for order in book.values()
            if (tickers is None or order.ticker in tickers)
            and (event_ticker is None or order.event_ticker == event_ticker)
        ]

    def total_resting_order_value(self, user: str) -> int:
        """What all resting orders would cost if filled, in cents (rounded up)."""
        account = self._account(user)
        micro = sum(_notional(o) for book in account.resting.values() for o in book.values())
        return -(-micro // MICRO_PER_CENT)
