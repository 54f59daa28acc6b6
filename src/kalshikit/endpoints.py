"""Every REST operation of the Trade API v2 that kalshikit speaks, as data: the one truth.

Per operation (``"orders.create"``...): method, path (below :data:`REST_PREFIX`), whether it is
signed, its rate-limit bucket and cost (per order in it for batches), the page-size maximum, how
list parameters are sent, and the status of a successful answer. The client builds requests from
it, the limiter charges by it, and the sandbox serves and meters exactly it; adding an endpoint
starts here (docs/architecture.md).

Costs (kalshi-rest.md 5.4, late 2026): default 10 tokens; single cancel 2; batch cancel 2 per
order; batch create 10 per order (no batching discount). Single-order reads are "below default"
without a published number: they are charged the default until ``GET /account/endpoint_costs``
says otherwise (the limiter refreshes its table from it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

__all__ = [
    "DEFAULT_COST",
    "ENDPOINTS",
    "PER_ITEM",
    "REST_PREFIX",
    "WS_PATH",
    "Bucket",
    "Endpoint",
    "ListStyle",
    "Method",
    "endpoint",
]

REST_PREFIX: Final = "/trade-api/v2"  # every REST path is below it, on every exchange
WS_PATH: Final = "/trade-api/ws/v2"  # the WebSocket's path, on every exchange
DEFAULT_COST: Final = 10

Method = Literal["GET", "POST", "PUT", "DELETE"]
Bucket = Literal["read", "write"]
ListStyle = Literal["csv", "repeat"]


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One REST operation: what the client sends, the sandbox serves and the limiter charges."""

    name: str
    method: Method
    path: str
    auth: bool = False
    bucket: Bucket = "read"
    max_limit: int | None = None
    list_style: Mapping[str, ListStyle] = field(default_factory=dict)
    cost: int = DEFAULT_COST  # rate-limit tokens, per request or (per_item) per order in it
    per_item: bool = False
    success: int = 200  # the status of a successful answer

    @property
    def idempotent(self) -> bool:
        """Safe to send twice: reads are; writes are made safe by client_order_id elsewhere."""
        return self.method == "GET"


def _ep(name: str, method: Method, path: str, **kw: Any) -> tuple[str, Endpoint]:
    return name, Endpoint(name, method, path, **kw)


_W: Final = {"auth": True, "bucket": "write"}
_CREATED: Final = {**_W, "success": 201}

ENDPOINTS: Final[Mapping[str, Endpoint]] = dict(
    [
        _ep("exchange.status", "GET", "/exchange/status"),
        _ep("exchange.schedule", "GET", "/exchange/schedule"),
        _ep("historical.cutoff", "GET", "/historical/cutoff"),
        _ep(
            "historical.markets",
            "GET",
            "/historical/markets",
            max_limit=1000,
            list_style={"tickers": "csv"},
        ),
        _ep("historical.market", "GET", "/historical/markets/{ticker}"),
        _ep("historical.candlesticks", "GET", "/historical/markets/{ticker}/candlesticks"),
        _ep("historical.trades", "GET", "/historical/trades", max_limit=1000),
        _ep("historical.fills", "GET", "/historical/fills", auth=True, max_limit=1000),
        _ep("historical.orders", "GET", "/historical/orders", auth=True, max_limit=1000),
        _ep("historical.positions", "GET", "/historical/positions", auth=True, max_limit=1000),
        _ep("markets.list", "GET", "/markets", max_limit=1000, list_style={"tickers": "csv"}),
        _ep("markets.get", "GET", "/markets/{ticker}"),
        _ep("markets.orderbook", "GET", "/markets/{ticker}/orderbook"),
        _ep("markets.orderbooks", "GET", "/markets/orderbooks", list_style={"tickers": "repeat"}),
        _ep("markets.trades", "GET", "/markets/trades", max_limit=1000),
        _ep(
            "markets.candlesticks",
            "GET",
            "/series/{series_ticker}/markets/{ticker}/candlesticks",
        ),
        _ep(
            "markets.batch_candlesticks",
            "GET",
            "/markets/candlesticks",
            list_style={"market_tickers": "csv"},
        ),
        _ep("events.list", "GET", "/events", max_limit=200, list_style={"tickers": "csv"}),
        _ep("events.get", "GET", "/events/{event_ticker}"),
        _ep("series.list", "GET", "/series"),
        _ep("series.get", "GET", "/series/{series_ticker}"),
        # discovery: event metadata, candles and forecasts, fee changes, search, incentives,
        # milestones and structured targets (page maxima: kalshi-rest.md 5.1, SDK 3.34)
        _ep("exchange.user_data_timestamp", "GET", "/exchange/user_data_timestamp"),
        _ep("events.metadata", "GET", "/events/{event_ticker}/metadata"),
        _ep("events.candlesticks", "GET", "/series/{series_ticker}/events/{ticker}/candlesticks"),
        _ep(
            "events.forecast_percentiles",
            "GET",
            "/series/{series_ticker}/events/{ticker}/forecast_percentile_history",
            auth=True,
            list_style={"percentiles": "repeat"},
        ),
        _ep("events.multivariate", "GET", "/events/multivariate", max_limit=200),
        _ep("events.fee_changes", "GET", "/events/fee_changes", max_limit=1000),
        _ep("series.fee_changes", "GET", "/series/fee_changes"),
        _ep("search.tags_by_categories", "GET", "/search/tags_by_categories"),
        _ep("search.filters_by_sport", "GET", "/search/filters_by_sport"),
        _ep("incentive_programs.list", "GET", "/incentive_programs", max_limit=10000),
        _ep("milestones.list", "GET", "/milestones", max_limit=500),
        _ep("milestones.get", "GET", "/milestones/{milestone_id}"),
        # pages by page_size (1..2000), not limit
        _ep("structured_targets.list", "GET", "/structured_targets", list_style={"ids": "repeat"}),
        _ep("structured_targets.get", "GET", "/structured_targets/{structured_target_id}"),
        # live data (SDK 3.34, all public); the routes with literal tails come before the
        # legacy /live_data/{type}/milestone/{milestone_id}, which would otherwise match them
        _ep("live_data.event", "GET", "/live_data/events/{event_ticker}"),
        _ep("live_data.game_stats", "GET", "/live_data/milestone/{milestone_id}/game_stats"),
        _ep("live_data.weather_calibrations", "GET", "/live_data/weather/{city}/calibrations"),
        _ep("live_data.by_type", "GET", "/live_data/{type}/milestone/{milestone_id}"),
        _ep("live_data.milestone", "GET", "/live_data/milestone/{milestone_id}"),
        _ep("live_data.batch", "GET", "/live_data/batch", list_style={"milestone_ids": "repeat"}),
        _ep("live_data.weather", "GET", "/live_data/weather/{city}"),
        # multivariate collections (SDK 3.34: limit 1..200); creating a combo market is signed
        # but no order write: the read bucket, default cost (kalshi-rest.md 5.4)
        _ep("multivariate.collections", "GET", "/multivariate_event_collections", max_limit=200),
        _ep(
            "multivariate.collection",
            "GET",
            "/multivariate_event_collections/{collection_ticker}",
        ),
        _ep(
            "multivariate.create_market",
            "POST",
            "/multivariate_event_collections/{collection_ticker}",
            auth=True,
        ),
        _ep("account.limits", "GET", "/account/limits", auth=True),
        _ep("account.endpoint_costs", "GET", "/account/endpoint_costs"),
        # the API usage level and API keys (SDK 3.34): signed writes, but no order writes, so
        # the read bucket at the default cost (kalshi-rest.md 5.4: the write bucket is orders,
        # order groups and the RFQ quote flow)
        _ep(
            "account.volume_progress", "GET", "/account/api_usage_level/volume_progress", auth=True
        ),
        _ep(
            "account.upgrade_usage_level",
            "POST",
            "/account/api_usage_level/upgrade",
            auth=True,
            success=201,
        ),
        _ep("api_keys.list", "GET", "/api_keys", auth=True),
        _ep("api_keys.create", "POST", "/api_keys", auth=True, success=201),
        _ep("api_keys.generate", "POST", "/api_keys/generate", auth=True, success=201),
        _ep("api_keys.delete", "DELETE", "/api_keys/{api_key}", auth=True, success=204),
        # the FCM member area (SDK 3.34 FcmApi): signed, no order writes, so the read bucket
        # at the default cost like the API keys above
        _ep("fcm.subtraders", "GET", "/fcm/subtraders", auth=True),
        _ep("fcm.create_subtrader", "POST", "/fcm/subtraders", auth=True, success=201),
        _ep("fcm.daily_cap", "GET", "/fcm/subtraders/event_contract_daily_cap", auth=True),
        _ep("fcm.set_daily_cap", "PUT", "/fcm/subtraders/event_contract_daily_cap", auth=True),
        _ep(
            "fcm.delete_daily_cap",
            "DELETE",
            "/fcm/subtraders/event_contract_daily_cap",
            auth=True,
        ),
        _ep("fcm.blocked_categories", "GET", "/fcm/subtraders/blocked_categories", auth=True),
        _ep("fcm.block_category", "PUT", "/fcm/subtraders/blocked_categories", auth=True),
        _ep("fcm.orders", "GET", "/fcm/orders", auth=True, max_limit=1000),
        _ep("fcm.fills", "GET", "/fcm/fills", auth=True),
        _ep("fcm.positions", "GET", "/fcm/positions", auth=True, max_limit=1000),
        _ep("fcm.transfer_position", "POST", "/fcm/positions/transfers", auth=True, success=201),
        # money movement (SDK 3.34): signed, no order writes, so the read bucket as API keys
        _ep("transfers.shard", "POST", "/portfolio/intra_exchange_instance_transfer", auth=True),
        _ep(
            "transfers.list",
            "GET",
            "/portfolio/intra_exchange_instance_transfers",
            auth=True,
            max_limit=500,
        ),
        _ep(
            "transfers.get",
            "GET",
            "/portfolio/intra_exchange_instance_transfers/{transfer_id}",
            auth=True,
        ),
        _ep("funding.allocation", "GET", "/portfolio/target_balance_allocation", auth=True),
        _ep("funding.set_allocation", "POST", "/portfolio/target_balance_allocation", auth=True),
        _ep("funding.deposits", "GET", "/portfolio/deposits", auth=True, max_limit=500),
        _ep("funding.withdrawals", "GET", "/portfolio/withdrawals", auth=True, max_limit=500),
        # communications (SDK 3.34 CommunicationsApi): RFQs, quotes, block-trade proposals.
        # The RFQ quote flow's writes meter in the write bucket (kalshi-rest.md 5.4); block-trade
        # proposals are not in it, so the read bucket. Ops the SDK marks DEPRECATED say so.
        _ep("communications.communications_id", "GET", "/communications/id", auth=True),
        _ep("communications.rfqs", "GET", "/communications/rfqs", auth=True, max_limit=100),
        _ep("communications.create_rfq", "POST", "/communications/rfqs", **_CREATED),
        _ep("communications.rfq", "GET", "/communications/rfqs/{rfq_id}", auth=True),
        _ep(
            "communications.delete_rfq",
            "DELETE",
            "/communications/rfqs/{rfq_id}",
            **_W,
            success=204,
        ),
        _ep("communications.quotes", "GET", "/communications/quotes", auth=True, max_limit=500),
        _ep("communications.create_quote", "POST", "/communications/quotes", **_CREATED),
        # DEPRECATED (SDK): the unscoped quote ops; use the RFQ-scoped ones below
        _ep("communications.quote", "GET", "/communications/quotes/{quote_id}", auth=True),
        _ep(
            "communications.delete_quote",
            "DELETE",
            "/communications/quotes/{quote_id}",
            **_W,
            success=204,
        ),
        _ep(
            "communications.accept_quote",
            "PUT",
            "/communications/quotes/{quote_id}/accept",
            **_W,
            success=204,
        ),
        _ep(
            "communications.confirm_quote",
            "PUT",
            "/communications/quotes/{quote_id}/confirm",
            **_W,
            success=204,
        ),
        _ep(
            "communications.rfq_quote",
            "GET",
            "/communications/rfqs/{rfq_id}/quotes/{quote_id}",
            auth=True,
        ),
        _ep(
            "communications.delete_rfq_quote",
            "DELETE",
            "/communications/rfqs/{rfq_id}/quotes/{quote_id}",
            **_W,
            success=204,
        ),
        _ep(
            "communications.accept_rfq_quote",
            "PUT",
            "/communications/rfqs/{rfq_id}/quotes/{quote_id}/accept",
            **_W,
            success=204,
        ),
        _ep(
            "communications.confirm_rfq_quote",
            "PUT",
            "/communications/rfqs/{rfq_id}/quotes/{quote_id}/confirm",
            **_W,
            success=204,
        ),
        _ep(
            "communications.block_trades",
            "GET",
            "/communications/block-trade-proposals",
            auth=True,
            max_limit=100,
        ),
        _ep(
            "communications.propose_block_trade",
            "POST",
            "/communications/block-trade-proposals",
            auth=True,
            success=201,
        ),
        _ep(
            "communications.accept_block_trade",
            "POST",
            "/communications/block-trade-proposals/{block_trade_proposal_id}/accept",
            auth=True,
            success=204,
        ),
        _ep("portfolio.balance", "GET", "/portfolio/balance", auth=True),
        _ep("portfolio.positions", "GET", "/portfolio/positions", auth=True, max_limit=1000),
        _ep(
            "portfolio.fills",
            "GET",
            "/portfolio/fills",
            auth=True,
            max_limit=1000,
            list_style={"ticker": "csv"},
        ),
        _ep("portfolio.settlements", "GET", "/portfolio/settlements", auth=True, max_limit=1000),
        _ep(
            "portfolio.resting_order_value",
            "GET",
            "/portfolio/summary/total_resting_order_value",
            auth=True,
        ),
        # subaccounts (SDK 3.34 PortfolioApi): money moves, not order writes, so the read
        # bucket at the default cost (kalshi-rest.md 5.4)
        _ep("subaccounts.create", "POST", "/portfolio/subaccounts", auth=True, success=201),
        _ep("subaccounts.balances", "GET", "/portfolio/subaccounts/balances", auth=True),
        _ep("subaccounts.transfer", "POST", "/portfolio/subaccounts/transfer", auth=True),
        _ep(
            "subaccounts.transfers",
            "GET",
            "/portfolio/subaccounts/transfers",
            auth=True,
            max_limit=1000,
        ),
        _ep("subaccounts.netting", "GET", "/portfolio/subaccounts/netting", auth=True),
        _ep("subaccounts.set_netting", "PUT", "/portfolio/subaccounts/netting", auth=True),
        _ep(
            "orders.list",
            "GET",
            "/portfolio/orders",
            auth=True,
            max_limit=1000,
            list_style={"event_ticker": "csv"},
        ),
        _ep("orders.get", "GET", "/portfolio/orders/{order_id}", auth=True),
        _ep(
            "orders.queue_position",
            "GET",
            "/portfolio/orders/{order_id}/queue_position",
            auth=True,
        ),
        _ep(
            "orders.queue_positions",
            "GET",
            "/portfolio/orders/queue_positions",
            auth=True,
            list_style={"market_tickers": "csv"},
        ),
        _ep("orders.create", "POST", "/portfolio/events/orders", **_CREATED),
        _ep(
            "orders.create_batch",
            "POST",
            "/portfolio/events/orders/batched",
            **_CREATED,
            cost=10,
            per_item=True,
        ),
        _ep("orders.cancel", "DELETE", "/portfolio/events/orders/{order_id}", **_W, cost=2),
        _ep(
            "orders.cancel_batch",
            "DELETE",
            "/portfolio/events/orders/batched",
            **_W,
            cost=2,
            per_item=True,
        ),
        _ep("orders.cancel_all", "DELETE", "/portfolio/events/orders", **_W, success=204),
        _ep("orders.amend", "POST", "/portfolio/events/orders/{order_id}/amend", **_W),
        _ep("orders.decrease", "POST", "/portfolio/events/orders/{order_id}/decrease", **_W),
        _ep("order_groups.create", "POST", "/portfolio/order_groups/create", **_CREATED),
        _ep("order_groups.list", "GET", "/portfolio/order_groups", auth=True),
        _ep("order_groups.get", "GET", "/portfolio/order_groups/{order_group_id}", auth=True),
        _ep("order_groups.delete", "DELETE", "/portfolio/order_groups/{order_group_id}", **_W),
        _ep("order_groups.reset", "PUT", "/portfolio/order_groups/{order_group_id}/reset", **_W),
        _ep(
            "order_groups.trigger", "PUT", "/portfolio/order_groups/{order_group_id}/trigger", **_W
        ),
        _ep(
            "order_groups.set_limit", "PUT", "/portfolio/order_groups/{order_group_id}/limit", **_W
        ),
    ]
)


PER_ITEM: Final = frozenset(name for name, ep in ENDPOINTS.items() if ep.per_item)


def endpoint(name: str) -> Endpoint:
    """The operation called ``name``; a KeyError names an operation that does not exist."""
    return ENDPOINTS[name]
