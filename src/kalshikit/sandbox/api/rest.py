"""The sandbox's REST handlers: one per ``ENDPOINTS`` name, each ``Ctx -> wire payload``.

Handlers read the query and body (a malformed one is a 400 from ``_http``), call the exchange
(reads) or the writer (writes), and return ``kalshikit.models`` structs in the current shapes. They
do no HTTP of their own: ``api`` wraps them with signatures, rate limits, faults and encoding.
Defaults and maxima follow the real API: page size 100 (events 200), max from ``ENDPOINTS``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import msgspec

from kalshikit.endpoints import ENDPOINTS
from kalshikit.models import (
    AccountLimits,
    AmendOrderV2Request,
    BatchCancelOrdersV2Request,
    BatchCancelOrdersV2RequestOrder,
    BatchCreateOrdersV2Request,
    BucketLimit,
    Candlestick,
    CreateOrderGroupRequest,
    CreateOrderGroupResponse,
    CreateOrderV2Request,
    DecreaseOrderV2Request,
    EndpointCost,
    EndpointCosts,
    MarketCandlesticks,
    MarketOrderbook,
    OrderGroupResponse,
    OrderQueuePosition,
    UpdateOrderGroupLimitRequest,
)
from kalshikit.models.enums import MARKET_FILTER_STATUSES, ORDER_STATUSES
from kalshikit.ratelimit import ENDPOINT_COSTS, BucketSpec
from kalshikit.sandbox.api._handler_kit import candle_window
from kalshikit.sandbox.api.rest_apikeys import ApiKeyHandlers
from kalshikit.sandbox.api.rest_communications import CommunicationsHandlers
from kalshikit.sandbox.api.rest_events import DiscoveryHandlers
from kalshikit.sandbox.api.rest_fcm import FcmHandlers
from kalshikit.sandbox.api.rest_historical import HistoricalHandlers
from kalshikit.sandbox.api.rest_live import LiveDataHandlers
from kalshikit.sandbox.api.rest_money import MoneyHandlers
from kalshikit.sandbox.api.rest_multivariate import MultivariateHandlers
from kalshikit.sandbox.api.rest_subaccounts import SubaccountHandlers
from kalshikit.sandbox.exchange import WriteRoute
from kalshikit.sandbox.gateway import (
    MAX_CLIENT_ORDER_ID_CHARS,
    ApiError,
    Guard,
    Query,
    bad_request,
    check_length,
    decode_body,
)
from kalshikit.units import centi_to_fp, fp_to_centi

if TYPE_CHECKING:
    from kalshikit.sandbox.exchange import Exchange, ExchangeWriter

__all__ = ["Ctx", "Handler", "RestHandlers"]

_MAX_BATCH_CANDLES: Final = 10_000
_SETTLEMENT_STATUSES: Final = ("unsettled", "settled", "all")


@dataclass(frozen=True, slots=True)
class Ctx:
    """What a REST handler gets: the verified user ("" on unsigned public calls), the query,
    the path parameters (already percent-decoded), the raw body and the key that signed it."""

    user: str
    query: Query
    path: Mapping[str, str]
    body: bytes
    key_id: str | None = None


Handler = Callable[[Ctx], object]


def _page(key: str, items: object, cursor: str | None) -> dict[str, object]:
    return {key: items, "cursor": cursor}


def _bucket_limit(spec: BucketSpec) -> BucketLimit:
    return BucketLimit(refill_rate=int(spec.rate), bucket_capacity=int(spec.capacity))


def _endpoint_costs() -> EndpointCosts:
    rows = [
        EndpointCost(method=ENDPOINTS[name].method, path=ENDPOINTS[name].path, cost=cost)
        for name, cost in ENDPOINT_COSTS.costs.items()
        if cost != ENDPOINT_COSTS.default
    ]
    return EndpointCosts(default_cost=ENDPOINT_COSTS.default, endpoint_costs=rows)


def _joined(values: list[str] | None) -> str | None:
    """A list filter as the exchange takes it: one comma-separated string."""
    return ",".join(values) if values else None


def _market_times(q: Query) -> dict[str, int | None]:
    """The six time filters of GET /markets (the exchange checks which statuses they go with)."""
    names = [f"{e}_{g}_ts" for g in ("created", "close", "settled") for e in ("min", "max")]
    return {name: q.integer(name, 0) for name in names}


def _limit_centi(req: UpdateOrderGroupLimitRequest | CreateOrderGroupRequest) -> int:
    """contracts_limit (whole contracts) and/or contracts_limit_fp, which must agree."""
    whole = None if req.contracts_limit is None else req.contracts_limit * 100
    fp = None if req.contracts_limit_fp is None else fp_to_centi(req.contracts_limit_fp)
    if whole is None and fp is None:
        raise bad_request("give contracts_limit or contracts_limit_fp", "contracts_limit")
    if whole is not None and fp is not None and whole != fp:
        raise bad_request("contracts_limit and contracts_limit_fp disagree", "contracts_limit")
    limit = whole if whole is not None else fp
    assert limit is not None  # for mypy: one of the two was given
    if limit <= 0:
        raise bad_request("the contracts limit must be positive", "contracts_limit")
    return limit


def _check_client_ids(req: CreateOrderV2Request | AmendOrderV2Request, where: str = "") -> None:
    """Refuse a client order id too long to store (the exchange keeps it with the order); a
    batch with one such order is refused whole, before anything is placed."""
    check_length(req.client_order_id, f"{where}client_order_id", MAX_CLIENT_ORDER_ID_CHARS)
    if isinstance(req, AmendOrderV2Request):
        updated = req.updated_client_order_id
        check_length(updated, "updated_client_order_id", MAX_CLIENT_ORDER_ID_CHARS)


class RestHandlers(
    HistoricalHandlers, DiscoveryHandlers, MultivariateHandlers, LiveDataHandlers, ApiKeyHandlers,
    SubaccountHandlers, MoneyHandlers, FcmHandlers, CommunicationsHandlers,
):  # fmt: skip
    """One handler per ``ENDPOINTS`` name: ``Ctx -> wire payload``."""

    def __init__(self, exchange: Exchange, writer: ExchangeWriter, guard: Guard) -> None:
        self.ex, self.writer, self.guard = exchange, writer, guard

    def handlers(self) -> dict[str, Handler]:
        """Endpoint ``a.b`` is served by method ``a_b``."""
        methods = {name: name.replace(".", "_") for name in ENDPOINTS}
        return {name: getattr(self, m) for name, m in methods.items() if hasattr(self, m)}

    # exchange, account

    def exchange_status(self, c: Ctx) -> object:
        return self.ex.exchange_status()

    def exchange_schedule(self, c: Ctx) -> object:
        return {"schedule": self.ex.schedule()}

    def historical_cutoff(self, c: Ctx) -> object:
        return self.ex.historical_cutoff()

    def account_limits(self, c: Ctx) -> object:
        budget = self.guard.budget(c.user)
        return AccountLimits(
            usage_tier=budget.name,
            read=_bucket_limit(budget.read),
            write=_bucket_limit(budget.write),
            grants=[],
        )

    def account_endpoint_costs(self, c: Ctx) -> object:
        return _endpoint_costs()

    # markets

    def markets_list(self, c: Ctx) -> object:
        q = c.query
        markets, cursor = self.ex.markets(
            status=q.choice("status", MARKET_FILTER_STATUSES),
            series_ticker=q.text("series_ticker"),
            event_ticker=q.text("event_ticker"),
            tickers=q.csv("tickers", 1000),
            mve_filter=q.choice("mve_filter", ("only", "exclude")),
            limit=q.limit(100, ENDPOINTS["markets.list"].max_limit),
            cursor=q.text("cursor"),
            **_market_times(q),
        )
        return _page("markets", markets, cursor)

    def markets_get(self, c: Ctx) -> object:
        return {"market": self.ex.live_market(c.path["ticker"])}

    def markets_orderbook(self, c: Ctx) -> object:
        depth = c.query.integer("depth", 0, 100) or 0
        return {"orderbook_fp": self.ex.orderbook(c.path["ticker"], depth)}

    def markets_orderbooks(self, c: Ctx) -> object:
        tickers = c.query.csv("tickers", 100)
        if tickers is None:
            raise bad_request("tickers is required", "tickers")
        books = [MarketOrderbook(ticker=t, orderbook_fp=self.ex.orderbook(t)) for t in tickers]
        return {"orderbooks": books}

    def markets_trades(self, c: Ctx) -> object:
        q = c.query
        trades, cursor = self.ex.trades(
            ticker=q.text("ticker"),
            min_ts=q.integer("min_ts", 0),
            max_ts=q.integer("max_ts", 0),
            limit=q.limit(100, ENDPOINTS["markets.trades"].max_limit),
            cursor=q.text("cursor"),
        )
        return _page("trades", trades, cursor)

    def markets_candlesticks(self, c: Ctx) -> object:
        ticker = c.path["ticker"]
        self.ex.market(ticker)  # 404 for an unknown market before the series check
        series = self.ex.catalog.series_of(ticker)
        if series is None or series.ticker != c.path["series_ticker"]:
            # That resource path does not exist, though the market does.
            message = f"market {ticker} is not in series {c.path['series_ticker']}"
            raise ApiError(404, "not_found", message)
        return {"ticker": ticker, "candlesticks": self._candles(ticker, c.query)}

    def markets_batch_candlesticks(self, c: Ctx) -> object:
        tickers = c.query.csv("market_tickers", 100)
        if tickers is None:
            raise bad_request("market_tickers is required", "market_tickers")
        start, end, period = candle_window(c.query)
        if len(tickers) * ((end - start) // (period * 60) + 1) > _MAX_BATCH_CANDLES:
            raise bad_request(f"at most {_MAX_BATCH_CANDLES} candlesticks per request")
        markets = [
            MarketCandlesticks(market_ticker=t, candlesticks=self._candles(t, c.query))
            for t in tickers
        ]
        return {"markets": markets}

    def _candles(self, ticker: str, q: Query) -> list[Candlestick]:
        start, end, period = candle_window(q)
        return self.ex.candlesticks(
            ticker,
            start_ts=start,
            end_ts=end,
            period_minutes=period,
            include_latest_before_start=bool(q.boolean("include_latest_before_start")),
        )

    # events, series

    def events_list(self, c: Ctx) -> object:
        q = c.query
        events, cursor = self.ex.events(
            status=q.choice("status", MARKET_FILTER_STATUSES),
            series_ticker=q.text("series_ticker"),
            with_nested_markets=bool(q.boolean("with_nested_markets")),
            min_close_ts=q.integer("min_close_ts", 0),
            limit=q.limit(200, ENDPOINTS["events.list"].max_limit),
            cursor=q.text("cursor"),
        )
        return _page("events", events, cursor)

    def events_get(self, c: Ctx) -> object:
        nested = bool(c.query.boolean("with_nested_markets"))
        event, markets = self.ex.event(c.path["event_ticker"], with_nested_markets=nested)
        return {"event": event, "markets": markets}

    def series_list(self, c: Ctx) -> object:
        q = c.query
        return {"series": self.ex.series_list(category=q.text("category"), tags=q.text("tags"))}

    def series_get(self, c: Ctx) -> object:
        return {"series": self.ex.series(c.path["series_ticker"])}

    # portfolio reads

    def _shard(self, c: Ctx) -> int | None:
        return c.query.integer("exchange_index", 0, 100)

    def portfolio_balance(self, c: Ctx) -> object:
        found = self.ex.balance(self._account_key(c), exchange_index=self._shard(c))
        if self.ex.key_subaccount(c.key_id) is not None:  # the SDK: omitted for a locked key
            return msgspec.structs.replace(found, balance_breakdown=None)
        return found

    def portfolio_positions(self, c: Ctx) -> object:
        q = c.query
        markets, events, cursor = self.ex.positions(
            self._account_key(c),
            ticker=q.text("ticker"),
            event_ticker=q.text("event_ticker"),
            settlement_status=q.choice("settlement_status", _SETTLEMENT_STATUSES) or "unsettled",
            limit=q.limit(100, ENDPOINTS["portfolio.positions"].max_limit),
            cursor=q.text("cursor"),
            exchange_index=self._shard(c),
        )
        return {"market_positions": markets, "event_positions": events, "cursor": cursor}

    def portfolio_fills(self, c: Ctx) -> object:
        q = c.query
        fills, cursor = self.ex.fills(
            c.user,
            ticker=_joined(q.csv("ticker", 100)),
            order_id=q.text("order_id"),
            min_ts=q.integer("min_ts", 0),
            max_ts=q.integer("max_ts", 0),
            limit=q.limit(100, ENDPOINTS["portfolio.fills"].max_limit),
            cursor=q.text("cursor"),
            subaccount=self._subaccount(c),
            exchange_index=self._shard(c),
        )
        return _page("fills", fills, cursor)

    def portfolio_settlements(self, c: Ctx) -> object:
        q = c.query
        settlements, cursor = self.ex.settlements(
            c.user,
            ticker=q.text("ticker"),
            event_ticker=q.text("event_ticker"),
            limit=q.limit(100, ENDPOINTS["portfolio.settlements"].max_limit),
            cursor=q.text("cursor"),
            subaccount=self._subaccount(c),
        )
        return _page("settlements", settlements, cursor)

    def portfolio_resting_order_value(self, c: Ctx) -> object:
        return {"total_resting_order_value": self.ex.total_resting_order_value(c.user)}

    def orders_list(self, c: Ctx) -> object:
        q = c.query
        orders, cursor = self.ex.orders(
            c.user,
            ticker=q.text("ticker"),
            event_ticker=_joined(q.csv("event_ticker", 10)),
            status=q.choice("status", ORDER_STATUSES),
            min_ts=q.integer("min_ts", 0),
            max_ts=q.integer("max_ts", 0),
            limit=q.limit(100, ENDPOINTS["orders.list"].max_limit),
            cursor=q.text("cursor"),
            subaccount=self._subaccount(c),
            exchange_index=self._shard(c),
        )
        return _page("orders", orders, cursor)

    def orders_get(self, c: Ctx) -> object:
        return {"order": self.ex.order(c.user, c.path["order_id"])}

    def orders_queue_position(self, c: Ctx) -> object:
        ahead = self.ex.queue_position(c.user, c.path["order_id"])
        return {"queue_position_fp": centi_to_fp(ahead)}

    def orders_queue_positions(self, c: Ctx) -> object:
        rows = self.ex.queue_positions(
            self._account_key(c),
            market_tickers=c.query.csv("market_tickers"),
            event_ticker=c.query.text("event_ticker"),
        )
        return {
            "queue_positions": [
                OrderQueuePosition(order_id=o, market_ticker=t, queue_position_fp=centi_to_fp(n))
                for o, t, n in rows
            ]
        }

    # order writes

    def orders_create(self, c: Ctx) -> object:
        req = self._in_lock(c, decode_body(c.body, CreateOrderV2Request))
        _check_client_ids(req)
        return self.writer.create_order(c.user, req)

    def orders_create_batch(self, c: Ctx) -> object:
        batch = decode_body(c.body, BatchCreateOrdersV2Request)
        if not batch.orders:
            raise bad_request("orders must hold at least one order", "orders")
        orders = [self._in_lock(c, req) for req in batch.orders]
        for index, req in enumerate(orders):
            _check_client_ids(req, f"orders[{index}].")
        return {"orders": self.writer.batch_create(c.user, orders)}

    def orders_cancel(self, c: Ctx) -> object:
        route = WriteRoute(c.query.text("market_ticker"), c.query.integer("exchange_index", -1))
        return self.writer.cancel_order(self._account_key(c), c.path["order_id"], route)

    def orders_cancel_batch(self, c: Ctx) -> object:
        batch = decode_body(c.body, BatchCancelOrdersV2Request)
        if not batch.orders:
            raise bad_request("orders must hold at least one order id", "orders")
        items = [self._in_lock(c, item) for item in batch.orders]
        return {"orders": self._cancel_by_subaccount(c.user, items)}

    def _cancel_by_subaccount(
        self, user: str, items: Sequence[BatchCancelOrdersV2RequestOrder]
    ) -> list[Any]:
        """One batch cancel per subaccount named, answered in the order of ``items``."""
        by_key: dict[str, list[int]] = {}
        for index, item in enumerate(items):
            by_key.setdefault(self.ex.subaccount_key(user, item.subaccount), []).append(index)
        answers: list[Any] = [None] * len(items)
        for key, indexes in by_key.items():
            ids = [items[i].order_id for i in indexes]
            routes = [WriteRoute(items[i].market_ticker, items[i].exchange_index) for i in indexes]
            for i, answer in zip(indexes, self.writer.batch_cancel(key, ids, routes), strict=True):
                answers[i] = answer
        return answers

    def orders_cancel_all(self, c: Ctx) -> object:
        for key in self.ex.subaccount_keys(c.user, self._subaccount(c)):
            self.writer.cancel_all(key)
        return None

    def orders_amend(self, c: Ctx) -> object:
        req = decode_body(c.body, AmendOrderV2Request)
        _check_client_ids(req)
        return self.writer.amend_order(self._account_key(c), c.path["order_id"], req)

    def orders_decrease(self, c: Ctx) -> object:
        req = decode_body(c.body, DecreaseOrderV2Request)
        if (req.reduce_by is None) == (req.reduce_to is None):
            raise bad_request("give exactly one of reduce_by and reduce_to", "reduce_by")
        return self.writer.decrease_order(self._account_key(c), c.path["order_id"], req)

    # order groups

    def order_groups_create(self, c: Ctx) -> object:
        req = self._in_lock(c, decode_body(c.body or b"{}", CreateOrderGroupRequest))
        if req.contracts_limit is not None or req.contracts_limit_fp is not None:
            _limit_centi(req)  # refuse a bad or inconsistent limit before creating anything
        group_id = self.writer.create_order_group(c.user, req)
        return CreateOrderGroupResponse(
            order_group_id=group_id,
            subaccount=req.subaccount or 0,
            exchange_index=req.exchange_index,
        )

    def order_groups_list(self, c: Ctx) -> object:
        keys = self.ex.subaccount_keys(c.user, self._subaccount(c))
        return {"order_groups": [g for key in keys for g in self.ex.order_groups(key)]}

    def order_groups_get(self, c: Ctx) -> object:
        group, order_ids = self.ex.order_group(self._account_key(c), c.path["order_group_id"])
        return OrderGroupResponse(
            is_auto_cancel_enabled=group.is_auto_cancel_enabled,
            contracts_limit_fp=group.contracts_limit_fp,
            orders=order_ids,
            exchange_index=group.exchange_index,
        )

    def order_groups_delete(self, c: Ctx) -> object:
        self.writer.delete_order_group(self._account_key(c), c.path["order_group_id"])
        return {}

    def order_groups_reset(self, c: Ctx) -> object:
        self.writer.reset_order_group(self._account_key(c), c.path["order_group_id"])
        return {}

    def order_groups_trigger(self, c: Ctx) -> object:
        self.writer.trigger_order_group(self._account_key(c), c.path["order_group_id"])
        return {}

    def order_groups_set_limit(self, c: Ctx) -> object:
        limit = _limit_centi(decode_body(c.body, UpdateOrderGroupLimitRequest))
        self.writer.set_order_group_limit(self._account_key(c), c.path["order_group_id"], limit)
        return {}
