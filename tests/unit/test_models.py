"""The wire models against the official SDK 3.34 models, and the behaviour both shapes rely on.

* drift: every field an SDK model declares is declared on our struct (by wire name), and every
  field we declare exists in that SDK model or in a recorded January response;
* current shapes built from the SDK's own field lists decode (required fields only, and all);
* unknown enum values and unknown fields decode; the three order-book shapes agree;
* the typed properties read the current field first and fall back to the January one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec
import pytest

from kalshikit import models as m
from kalshikit.units import Contracts, Price, PriceGrid

# our struct -> the SDK 3.34 model it mirrors
SDK_MODEL: dict[type[msgspec.Struct], str] = {
    # request bodies (models/requests.py)
    m.CreateOrderV2Request: "CreateOrderV2Request",
    m.BatchCreateOrdersV2Request: "BatchCreateOrdersV2Request",
    m.BatchCancelOrdersV2Request: "BatchCancelOrdersV2Request",
    m.BatchCancelOrdersV2RequestOrder: "BatchCancelOrdersV2RequestOrdersInner",
    m.AmendOrderV2Request: "AmendOrderV2Request",
    m.DecreaseOrderV2Request: "DecreaseOrderV2Request",
    m.CreateOrderGroupRequest: "CreateOrderGroupRequest",
    m.UpdateOrderGroupLimitRequest: "UpdateOrderGroupLimitRequest",
    # core objects
    m.Market: "Market",
    m.PriceRange: "PriceRange",
    m.MveSelectedLeg: "MveSelectedLeg",
    m.Event: "EventData",
    m.SettlementSource: "SettlementSource",
    m.Series: "Series",
    m.Trade: "Trade",
    m.OrderbookFp: "OrderbookCountFp",
    m.MarketOrderbook: "MarketOrderbookFp",
    m.Candlestick: "MarketCandlestick",
    m.BidAskOhlc: "BidAskDistribution",
    m.PriceOhlc: "PriceDistribution",
    m.HistoricalCandlestick: "MarketCandlestickHistorical",
    m.HistoricalBidAskOhlc: "BidAskDistributionHistorical",
    m.HistoricalPriceOhlc: "PriceDistributionHistorical",
    m.MarketCandlesticks: "MarketCandlesticksResponse",
    m.Order: "Order",
    m.Fill: "Fill",
    m.MarketPosition: "MarketPosition",
    m.EventPosition: "EventPosition",
    m.Settlement: "Settlement",
    m.Balance: "GetBalanceResponse",
    m.BalanceBreakdown: "IndexedBalance",
    m.ExchangeStatus: "ExchangeStatus",
    m.ExchangeIndexStatus: "ExchangeIndexStatus",
    m.Schedule: "Schedule",
    m.WeeklySchedule: "WeeklySchedule",
    m.DailySchedule: "DailySchedule",
    m.MaintenanceWindow: "MaintenanceWindow",
    m.HistoricalCutoff: "GetHistoricalCutoffResponse",
    m.ErrorResponse: "ErrorResponse",
    # V2 write acks
    m.CreateOrderAck: "CreateOrderV2Response",
    m.BatchCreateItem: "BatchCreateOrdersV2ResponseOrdersInner",
    m.BatchCreateResponse: "BatchCreateOrdersV2Response",
    m.CancelOrderAck: "CancelOrderV2Response",
    m.BatchCancelItem: "BatchCancelOrdersV2ResponseOrdersInner",
    m.BatchCancelResponse: "BatchCancelOrdersV2Response",
    m.AmendOrderAck: "AmendOrderV2Response",
    m.DecreaseOrderAck: "DecreaseOrderV2Response",
    # order groups, queue positions
    m.OrderGroup: "OrderGroup",
    m.OrderGroupsResponse: "GetOrderGroupsResponse",
    m.OrderGroupResponse: "GetOrderGroupResponse",
    m.CreateOrderGroupResponse: "CreateOrderGroupResponse",
    m.QueuePositionResponse: "GetOrderQueuePositionResponse",
    m.OrderQueuePosition: "OrderQueuePosition",
    m.QueuePositionsResponse: "GetOrderQueuePositionsResponse",
    # envelopes
    m.MarketsPage: "GetMarketsResponse",
    m.MarketResponse: "GetMarketResponse",
    m.EventsPage: "GetEventsResponse",
    m.EventResponse: "GetEventResponse",
    m.SeriesList: "GetSeriesListResponse",
    m.SeriesResponse: "GetSeriesResponse",
    m.OrderbookResponse: "GetMarketOrderbookResponse",
    m.OrderbooksResponse: "GetMarketOrderbooksResponse",
    m.TradesPage: "GetTradesResponse",
    m.CandlesticksResponse: "GetMarketCandlesticksResponse",
    m.HistoricalCandlesticksResponse: "GetMarketCandlesticksHistoricalResponse",
    m.BatchCandlesticksResponse: "BatchGetMarketCandlesticksResponse",
    m.EventCandlesticksResponse: "GetEventCandlesticksResponse",
    m.OrdersPage: "GetOrdersResponse",
    m.OrderResponse: "GetOrderResponse",
    m.FillsPage: "GetFillsResponse",
    m.PositionsPage: "GetPositionsResponse",
    m.SettlementsPage: "GetSettlementsResponse",
    m.TotalRestingOrderValue: "GetPortfolioRestingOrderTotalValueResponse",
    m.ScheduleResponse: "GetExchangeScheduleResponse",
    m.TagsByCategories: "GetTagsForSeriesCategoriesResponse",
    m.AccountLimits: "GetAccountApiLimitsResponse",
    m.BucketLimit: "BucketLimit",
    m.ApiUsageLevelGrant: "ApiUsageLevelGrant",
    m.EndpointCosts: "GetAccountEndpointCostsResponse",
    m.EndpointCost: "EndpointTokenCost",
    # discovery: event extras, fee changes, search, incentives, milestones, structured targets
    m.EventFeeChange: "EventFeeChange",
    m.EventFeeChangesPage: "GetEventFeeChangesResponse",
    m.EventMetadata: "GetEventMetadataResponse",
    m.MarketMetadata: "MarketMetadata",
    m.ForecastHistoryResponse: "GetEventForecastPercentilesHistoryResponse",
    m.ForecastPercentilesPoint: "ForecastPercentilesPoint",
    m.PercentilePoint: "PercentilePoint",
    m.SeriesFeeChange: "SeriesFeeChange",
    m.SeriesFeeChangesResponse: "GetSeriesFeeChangesResponse",
    m.FiltersBySports: "GetFiltersBySportsResponse",
    m.SportFilterDetails: "SportFilterDetails",
    m.ScopeList: "ScopeList",
    m.IncentiveProgram: "IncentiveProgram",
    m.IncentiveProgramsPage: "GetIncentiveProgramsResponse",
    m.Milestone: "Milestone",
    m.MilestoneResponse: "GetMilestoneResponse",
    m.MilestonesPage: "GetMilestonesResponse",
    m.StructuredTarget: "StructuredTarget",
    m.StructuredTargetResponse: "GetStructuredTargetResponse",
    m.StructuredTargetsPage: "GetStructuredTargetsResponse",
    m.UserDataTimestamp: "GetUserDataTimestampResponse",
    # live data (models/live.py)
    m.LiveData: "LiveData",
    m.LiveDataResponse: "GetLiveDataResponse",
    m.LiveDatasResponse: "GetLiveDatasResponse",
    m.EventLiveData: "EventLiveData",
    m.EventLiveDataResponse: "GetEventLiveDataResponse",
    m.GameStatsResponse: "GetGameStatsResponse",
    m.PlayByPlay: "PlayByPlay",
    m.PlayByPlayPeriod: "PlayByPlayPeriodsInner",
    m.WeatherIndexResponse: "GetWeatherIndexResponse",
    m.WeatherIndexPoint: "WeatherIndexPoint",
    m.WeatherStationReading: "WeatherIndexStationReading",
    m.WeatherCalibrationsResponse: "GetWeatherIndexCalibrationsResponse",
    m.WeatherCalibration: "WeatherIndexCalibration",
    m.WeatherCalibrationStation: "WeatherIndexCalibrationStation",
    # multivariate event collections (models/multivariate.py)
    m.AssociatedEvent: "AssociatedEvent",
    m.MultivariateCollection: "MultivariateEventCollection",
    m.MultivariateCollectionResponse: "GetMultivariateEventCollectionResponse",
    m.MultivariateCollectionsPage: "GetMultivariateEventCollectionsResponse",
    m.TickerPair: "TickerPair",
    m.CreateMarketInCollectionRequest: "CreateMarketInMultivariateEventCollectionRequest",
    m.CreateMarketInCollectionResponse: "CreateMarketInMultivariateEventCollectionResponse",
    # subaccounts (models/subaccounts.py)
    m.CreateSubaccountRequest: "CreateSubaccountRequest",
    m.CreateSubaccountResponse: "CreateSubaccountResponse",
    m.SubaccountBalance: "SubaccountBalance",
    m.SubaccountBalancesResponse: "GetSubaccountBalancesResponse",
    m.SubaccountNetting: "SubaccountNettingConfig",
    m.SubaccountNettingResponse: "GetSubaccountNettingResponse",
    m.SubaccountTransfer: "SubaccountTransfer",
    m.SubaccountTransferRequest: "ApplySubaccountTransferRequest",
    m.SubaccountTransfersResponse: "GetSubaccountTransfersResponse",
    m.UpdateSubaccountNettingRequest: "UpdateSubaccountNettingRequest",
    # API keys and the API usage level
    m.ApiKey: "ApiKey",
    m.ApiKeysResponse: "GetApiKeysResponse",
    m.CreateApiKeyRequest: "CreateApiKeyRequest",
    m.CreateApiKeyResponse: "CreateApiKeyResponse",
    m.GenerateApiKeyRequest: "GenerateApiKeyRequest",
    m.GenerateApiKeyResponse: "GenerateApiKeyResponse",
    # communications (models/communications.py)
    m.Rfq: "RFQ",
    m.Quote: "Quote",
    m.BlockTradeProposal: "BlockTradeProposal",
    m.CreateRfqRequest: "CreateRFQRequest",
    m.CreateRfqResponse: "CreateRFQResponse",
    m.CreateQuoteRequest: "CreateQuoteRequest",
    m.CreateQuoteResponse: "CreateQuoteResponse",
    m.AcceptQuoteRequest: "AcceptQuoteRequest",
    m.ProposeBlockTradeRequest: "ProposeBlockTradeRequest",
    m.ProposeBlockTradeResponse: "ProposeBlockTradeResponse",
    m.AcceptBlockTradeRequest: "AcceptBlockTradeProposalRequest",
    m.RfqsResponse: "GetRFQsResponse",
    m.RfqResponse: "GetRFQResponse",
    m.QuotesResponse: "GetQuotesResponse",
    m.QuoteResponse: "GetQuoteResponse",
    m.BlockTradeProposalsResponse: "GetBlockTradeProposalsResponse",
    m.CommunicationsIdResponse: "GetCommunicationsIDResponse",
    m.VolumeGoal: "AccountApiUsageLevelVolumeGoal",
    m.VolumeProgress: "AccountApiUsageLevelVolumeProgress",
    m.VolumeProgressResponse: "GetAccountApiUsageLevelVolumeProgressResponse",
    # the FCM member area (models/fcm.py)
    m.FcmSubtrader: "FCMSubtrader",
    m.FcmSubtradersResponse: "ListFCMSubtradersResponse",
    m.CreateFcmSubtraderRequest: "CreateFCMSubtraderRequest",
    m.CreateFcmSubtraderResponse: "CreateFCMSubtraderResponse",
    m.FcmDailyCap: "GetFCMEventContractDailyCapResponse",
    m.SetFcmDailyCapRequest: "UpdateFCMEventContractDailyCapRequest",
    m.FcmBlockedCategories: "GetFCMSubtraderBlockedCategoriesResponse",
    m.UpdateFcmBlockedCategoryRequest: "UpdateFCMSubtraderBlockedCategoriesRequest",
    m.UpdatedFcmBlockedCategories: "UpdateFCMSubtraderBlockedCategoriesResponse",
    m.FcmFill: "FcmFill",
    m.FcmFillsPage: "GetFcmFillsResponse",
    m.FcmPositionTransferRequest: "CreateFCMPositionTransferRequest",
    m.FcmPositionTransferResponse: "CreateFCMPositionTransferResponse",
    # money movement (models/money.py)
    m.ShardTransferRequest: "IntraExchangeInstanceTransferRequest",
    m.ShardTransferResponse: "IntraExchangeInstanceTransferResponse",
    m.ShardTransfer: "IntraExchangeInstanceTransfer",
    m.ShardTransferResult: "GetIntraExchangeInstanceTransferResponse",
    m.ShardTransfersPage: "GetIntraExchangeInstanceTransfersResponse",
    m.TargetAllocation: "TargetBalanceAllocation",
    m.TargetAllocationResponse: "GetTargetBalanceAllocationResponse",
    m.SetTargetAllocationRequest: "SetTargetBalanceAllocationRequest",
    m.Deposit: "Deposit",
    m.DepositsPage: "GetDepositsResponse",
    m.Withdrawal: "Withdrawal",
    m.WithdrawalsPage: "GetWithdrawalsResponse",
}

# public structs with no SDK counterpart, and why
NO_SDK_MODEL: dict[type[msgspec.Struct], str] = {
    m.Orderbook: "the January 2026 `orderbook` wrapper; the SDK only knows orderbook_fp",
    m.OrderbookLevels: "derived view built by normalize_book, never on the wire",
    m.EmptyResponse: "the `{}` of order-group delete/reset/trigger/limit (SDK says `object`)",
}

# SDK fields we deliberately do not declare: none so far (add `(model, field): reason` here)
ALLOWED_MISSING: dict[tuple[str, str], str] = {}

# the core endpoints: each SDK 2xx response model must have a struct above
CORE_ENDPOINTS = [
    ("GET", "/exchange/status"),
    ("GET", "/exchange/schedule"),
    ("GET", "/historical/cutoff"),
    ("GET", "/markets"),
    ("GET", "/markets/{ticker}"),
    ("GET", "/markets/{ticker}/orderbook"),
    ("GET", "/markets/orderbooks"),
    ("GET", "/markets/trades"),
    ("GET", "/series/{series_ticker}/markets/{ticker}/candlesticks"),
    ("GET", "/markets/candlesticks"),
    ("GET", "/series/{series_ticker}/events/{ticker}/candlesticks"),
    ("GET", "/events"),
    ("GET", "/events/{event_ticker}"),
    ("GET", "/series"),
    ("GET", "/series/{series_ticker}"),
    ("GET", "/historical/markets"),
    ("GET", "/historical/markets/{ticker}"),
    ("GET", "/historical/markets/{ticker}/candlesticks"),
    ("GET", "/historical/trades"),
    ("GET", "/historical/fills"),
    ("GET", "/historical/orders"),
    ("GET", "/historical/positions"),
    ("GET", "/portfolio/balance"),
    ("GET", "/portfolio/positions"),
    ("GET", "/portfolio/fills"),
    ("GET", "/portfolio/settlements"),
    ("GET", "/portfolio/orders"),
    ("GET", "/portfolio/orders/{order_id}"),
    ("GET", "/portfolio/orders/{order_id}/queue_position"),
    ("GET", "/portfolio/orders/queue_positions"),
    ("GET", "/portfolio/summary/total_resting_order_value"),
    ("POST", "/portfolio/events/orders"),
    ("POST", "/portfolio/events/orders/batched"),
    ("DELETE", "/portfolio/events/orders/{order_id}"),
    ("DELETE", "/portfolio/events/orders/batched"),
    ("POST", "/portfolio/events/orders/{order_id}/amend"),
    ("POST", "/portfolio/events/orders/{order_id}/decrease"),
    ("POST", "/portfolio/order_groups/create"),
    ("GET", "/portfolio/order_groups"),
    ("GET", "/portfolio/order_groups/{order_group_id}"),
    ("GET", "/account/limits"),
    ("GET", "/account/endpoint_costs"),
    ("GET", "/search/tags_by_categories"),
]


@pytest.fixture(scope="session")
def spec_dir(golden_dir: Path) -> Path:
    return golden_dir.parents[1] / "reference" / "spec"


@pytest.fixture(scope="session")
def sdk(spec_dir: Path) -> dict[str, Any]:
    models: dict[str, Any] = json.loads((spec_dir / "rest-models-sdk-3.34.json").read_text())
    return models


@pytest.fixture(scope="session")
def golden_keys(golden_dir: Path) -> set[str]:
    """Every object key in the recorded January responses."""
    keys: set[str] = set()

    def walk(value: object) -> None:
        if isinstance(value, dict):
            keys.update(value)
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for path in golden_dir.rglob("*.json"):  # the core set and the other recorded areas
        walk(json.loads(path.read_text())["response"])
    return keys


def _wire_names(struct: type[msgspec.Struct]) -> set[str]:
    return {field.encode_name for field in msgspec.structs.fields(struct)}


def _sdk_names(sdk: dict[str, Any], model: str) -> set[str]:
    return {field["name"] for field in sdk[model]["fields"]}


def _name(struct: type[msgspec.Struct]) -> str:
    return struct.__name__


# --- drift against the SDK ------------------------------------------------------------------


@pytest.mark.parametrize("struct", list(SDK_MODEL), ids=_name)
def test_declares_every_sdk_field(sdk: dict[str, Any], struct: type[msgspec.Struct]) -> None:
    model = SDK_MODEL[struct]
    missing = _sdk_names(sdk, model) - _wire_names(struct)
    missing -= {name for (owner, name) in ALLOWED_MISSING if owner == model}
    assert sorted(missing) == [], f"{struct.__name__} lacks fields of SDK {model}"


@pytest.mark.parametrize("struct", [*SDK_MODEL, *NO_SDK_MODEL], ids=_name)
def test_invents_no_field(
    sdk: dict[str, Any], golden_keys: set[str], struct: type[msgspec.Struct]
) -> None:
    """Each declared field is in the SDK model or in a recorded January response."""
    if struct is m.OrderbookLevels:
        return  # not a wire shape
    known = golden_keys | (_sdk_names(sdk, SDK_MODEL[struct]) if struct in SDK_MODEL else set())
    assert sorted(_wire_names(struct) - known) == []


def _public_structs() -> Iterator[type[msgspec.Struct]]:
    for name in m.__all__:
        value = getattr(m, name)
        if isinstance(value, type) and issubclass(value, msgspec.Struct):
            yield value


def test_every_public_struct_is_checked() -> None:
    unchecked = {s.__name__ for s in _public_structs()} - {
        s.__name__ for s in [*SDK_MODEL, *NO_SDK_MODEL]
    }
    assert sorted(unchecked) == []


def test_core_endpoints_have_a_model(spec_dir: Path) -> None:
    endpoints = json.loads((spec_dir / "rest-endpoints-sdk-3.34.json").read_text())
    by_route = {(e["method"], e["path"]): e["responses"] for e in endpoints}
    ours = set(SDK_MODEL.values())
    for route in CORE_ENDPOINTS:
        responses = by_route[route]
        model = responses.get("200") or responses.get("201")
        assert model in ours, f"{route}: SDK answers {model}, which no struct mirrors"


@pytest.mark.parametrize(
    ("values", "model", "field"),
    [
        (m.MARKET_STATUSES, "Market", "status"),
        (m.MARKET_TYPES, "Market", "market_type"),
        (m.MARKET_RESULTS, "Market", "result"),
        (m.STRIKE_TYPES, "Market", "strike_type"),
        (m.SETTLEMENT_BOUNDS_TYPES, "Market", "settlement_bounds_type"),
        (m.ORDER_TYPES, "Order", "type"),
        (m.SIDES, "Order", "side"),
        (m.ACTIONS, "Order", "action"),
        (m.OUTCOME_SIDES, "Order", "outcome_side"),
        (m.SETTLEMENT_RESULTS, "Settlement", "market_result"),
        (m.TIME_IN_FORCE_VALUES, "CreateOrderV2Request", "time_in_force"),
    ],
)
def test_known_values_match_sdk_field_enums(
    sdk: dict[str, Any], values: tuple[str, ...], model: str, field: str
) -> None:
    (spec,) = [f for f in sdk[model]["fields"] if f["name"] == field]
    assert values == tuple(v.strip().strip("'") for v in spec["enum"].split(","))


@pytest.mark.parametrize(
    ("values", "model"),
    [
        (m.ORDER_STATUSES, "OrderStatus"),
        (m.BOOK_SIDES, "BookSide"),
        (m.OUTCOME_SIDES, "OutcomeSide"),
        (m.SELF_TRADE_PREVENTION_TYPES, "SelfTradePreventionType"),
        (m.FEE_TYPES, "FeeType"),
        (m.EXCHANGE_INSTANCES, "ExchangeInstance"),
    ],
)
def test_known_values_match_sdk_enums(
    sdk: dict[str, Any], values: tuple[str, ...], model: str
) -> None:
    assert values == tuple(sdk[model]["enum"])


# --- current-shape samples built from the SDK's field lists ----------------------------------


def _split_args(inner: str) -> list[str]:
    """Top-level comma-separated arguments of a type string's brackets."""
    args, depth, start = [], 0, 0
    for i, char in enumerate(inner):
        if char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
        elif char == "," and depth == 0:
            args.append(inner[start:i].strip())
            start = i + 1
    args.append(inner[start:].strip())
    return args


def _unwrap(type_: str) -> tuple[str, list[str]]:
    head, _, rest = type_.partition("[")
    return head, (_split_args(rest[:-1]) if rest else [])


class Sampler:
    """Builds a JSON-ready body for an SDK model from its field list (name, type, required)."""

    def __init__(self, sdk: dict[str, Any], *, optional: bool) -> None:
        self.sdk, self.optional = sdk, optional

    def model(self, name: str) -> dict[str, Any]:
        return {
            f["name"]: self.value(f["name"], f["type"], f["enum"])
            for f in self.sdk[name]["fields"]
            if f["required"] or self.optional
        }

    def value(self, name: str, type_: str, enum: str | None = None) -> Any:
        head, args = _unwrap(type_)
        if head in ("Optional", "Annotated") or (head == "Union" and args):
            return self.value(name, args[0], enum)
        if head == "List":
            if name in ("yes_dollars", "no_dollars"):
                return [["0.4200", "13.00"], ["0.1500", "2.50"]]
            return [self.value(name, args[0], enum)]
        if head == "Dict":
            return {"Crypto": ["BTC"]} if name == "tags_by_categories" else {}
        head = head.removeprefix("<enum '")
        if head in self.sdk:
            spec = self.sdk[head]
            return spec["enum"][0] if "enum" in spec else self.model(head)
        return self.scalar(name, head, enum)

    @staticmethod
    def scalar(name: str, head: str, enum: str | None) -> Any:
        if head == "str":
            if enum:
                return enum.split(",")[0].strip().strip("'")
            if name.endswith("_dollars") or name in ("start", "end", "average_fill_price"):
                return {"start": "0.0000", "end": "1.0000"}.get(name, "0.4200")
            if name == "step":
                return "0.0100"
            if name.endswith("_fp") or name in ("fill_count", "remaining_count", "reduced_by"):
                return "13.00"
            return f"sample-{name}"
        if head == "datetime":
            return "2026-10-01T12:00:00Z"
        if head == "bool":
            return True
        if head == "float":
            return 1.5
        if head == "int":
            return 7
        if head == "UUID":
            return "0b5e7a52-9c1d-4f3e-8a55-2f1f6f0c3d21"
        raise AssertionError(f"no sample for type {head!r} of field {name!r}")


def _decode(struct: type[Any], body: object) -> Any:
    return msgspec.json.decode(msgspec.json.encode(body), type=struct)


@pytest.mark.parametrize("optional", [False, True], ids=["required", "all-fields"])
@pytest.mark.parametrize("struct", list(SDK_MODEL), ids=_name)
def test_current_shape_decodes(
    sdk: dict[str, Any], struct: type[msgspec.Struct], optional: bool
) -> None:
    body = Sampler(sdk, optional=optional).model(SDK_MODEL[struct])
    parsed = _decode(struct, body)
    assert _decode(struct, msgspec.json.decode(msgspec.json.encode(parsed))) == parsed


def test_current_market_reads_current_fields(sdk: dict[str, Any]) -> None:
    market = _decode(m.Market, Sampler(sdk, optional=False).model("Market"))
    assert market.yes_bid_cents is None
    assert market.volume_int is None
    assert market.yes_bid == market.no_ask == market.last_price == Price.from_dollars("0.42")
    assert market.volume == market.open_interest == Contracts.from_fp("13.00")
    assert market.grid == PriceGrid.for_structure("linear_cent")
    assert market.updated_time is not None
    assert market.updated_time.tzinfo is not None


def test_current_order_fill_position_balance(sdk: dict[str, Any]) -> None:
    sample = Sampler(sdk, optional=False)
    order = _decode(m.Order, sample.model("Order"))
    assert order.fill_count == order.remaining_count == Contracts.from_fp("13.00")
    assert order.yes_price == Price.from_dollars("0.42")
    assert order.book_side == "bid"
    assert order.status == "resting"
    fill = _decode(m.Fill, sample.model("Fill"))
    assert fill.count == Contracts.from_fp("13.00")
    assert fill.yes_price == Price.from_dollars("0.42")
    position = _decode(m.MarketPosition, sample.model("MarketPosition"))
    assert position.position == Contracts.from_fp("13.00")
    balance = _decode(m.Balance, sample.model("GetBalanceResponse"))
    assert balance.balance == Decimal("0.4200")
    assert balance.balance_cents == 7


def test_current_write_acks(sdk: dict[str, Any]) -> None:
    sample = Sampler(sdk, optional=False)
    create = _decode(m.CreateOrderAck, sample.model("CreateOrderV2Response"))
    assert create.order_id == "sample-order_id"
    assert create.ts_ms == 7
    assert create.order is None
    assert create.fill_count == "13.00"
    cancel = _decode(m.CancelOrderAck, sample.model("CancelOrderV2Response"))
    assert cancel.reduced_by == "13.00"
    amend = _decode(m.AmendOrderAck, sample.model("AmendOrderV2Response"))
    assert amend.old_order is None
    assert amend.ts_ms == 7


# --- tolerance ------------------------------------------------------------------------------


def test_unknown_enum_values_and_fields_decode(sdk: dict[str, Any]) -> None:
    body = Sampler(sdk, optional=False).model("Market")
    body |= {"status": "paused_for_lunch", "market_type": "ternary", "brand_new_field": {"a": 1}}
    market = _decode(m.Market, body)
    assert market.status == "paused_for_lunch"
    assert market.status not in m.MARKET_STATUSES
    assert market.market_type == "ternary"
    order_body = Sampler(sdk, optional=False).model("Order")
    order_body |= {"status": "pending", "book_side": "sideways", "queue_position": 3, "x": [1]}
    order = _decode(m.Order, order_body)
    assert (order.status, order.book_side) == ("pending", "sideways")


def test_nulls_seen_on_the_wire_are_tolerated() -> None:
    series = _decode(
        m.Series,
        {
            "ticker": "S",
            "frequency": "daily",
            "title": "t",
            "category": "c",
            "tags": None,
            "settlement_sources": None,
            "additional_prohibitions": None,
            "contract_url": "",
            "contract_terms_url": "",
            "fee_type": "flat",
            "fee_multiplier": 0.5,
        },
    )
    assert series.tags is None
    assert series.categories == []
    book = _decode(m.OrderbookResponse, {"orderbook_fp": {"yes_dollars": None, "no_dollars": None}})
    assert book.book == m.OrderbookLevels(yes=[], no=[])


def test_models_are_frozen() -> None:
    leg = m.MveSelectedLeg(side="yes")
    with pytest.raises(AttributeError):
        leg.side = "no"  # type: ignore[misc]


# --- the order book -------------------------------------------------------------------------

EXPECTED_BOOK = m.OrderbookLevels(
    yes=[("0.1500", "100.00"), ("0.4200", "13.00")],
    no=[("0.5000", "1.00")],
)


@pytest.mark.parametrize(
    "body",
    [
        # current: string pairs (here best first, which the docs dispute)
        {
            "orderbook_fp": {
                "yes_dollars": [["0.42", "13.00"], ["0.15", "100"]],
                "no_dollars": [["0.5000", "1.00"]],
            }
        },
        # January, dollar pairs with integer counts (cent arrays present too: ignored)
        {
            "orderbook": {
                "yes": [[15, 1]],
                "no": None,
                "yes_dollars": [["0.15", 100], ["0.4200", 13]],
                "no_dollars": [["0.50", 1]],
            }
        },
        # January, cent pairs only
        {
            "orderbook": {
                "yes": [[42, 13], [15, 100]],
                "no": [[50, 1]],
                "yes_dollars": None,
                "no_dollars": None,
            }
        },
    ],
    ids=["orderbook_fp", "january-dollars", "january-cents"],
)
def test_order_book_shapes_normalize_alike(body: dict[str, Any]) -> None:
    assert _decode(m.OrderbookResponse, body).book == EXPECTED_BOOK


def test_current_book_wins_over_january() -> None:
    body = {
        "orderbook_fp": {"yes_dollars": [["0.0100", "1.00"]], "no_dollars": []},
        "orderbook": {"yes": [[99, 9]], "no": [[1, 1]]},
    }
    assert _decode(m.OrderbookResponse, body).book == m.OrderbookLevels(
        yes=[("0.0100", "1.00")], no=[]
    )


def test_sub_cent_and_fractional_levels_keep_their_precision() -> None:
    body = {
        "orderbook_fp": {"yes_dollars": [["0.105", "0.5"], ["0.0950", "2.25"]], "no_dollars": []}
    }
    assert _decode(m.OrderbookResponse, body).book.yes == [("0.0950", "2.25"), ("0.1050", "0.50")]


def test_orderbooks_response_books_per_ticker() -> None:
    body = {
        "orderbooks": [
            {"ticker": "A", "orderbook_fp": {"yes_dollars": [["0.42", "13.00"]], "no_dollars": []}},
            {"ticker": "B", "orderbook_fp": {"yes_dollars": None, "no_dollars": None}},
        ]
    }
    books = {b.ticker: b.book for b in _decode(m.OrderbooksResponse, body).orderbooks}
    assert books["A"].yes == [("0.4200", "13.00")]
    assert books["B"] == m.OrderbookLevels(yes=[], no=[])


# --- current field first, January second ----------------------------------------------------

_MARKET_BASE: dict[str, Any] = {
    "ticker": "KXT-1",
    "event_ticker": "KXT",
    "market_type": "binary",
    "yes_sub_title": "",
    "no_sub_title": "",
    "created_time": "2026-01-01T00:00:00Z",
    "open_time": "2026-01-01T00:00:00Z",
    "close_time": "2026-02-01T00:00:00Z",
    "latest_expiration_time": "2026-02-01T00:00:00Z",
    "settlement_timer_seconds": 60,
    "status": "active",
    "can_close_early": False,
}


def test_market_prefers_current_fields_over_january() -> None:
    market = _decode(
        m.Market,
        _MARKET_BASE
        | {"yes_bid_dollars": "0.4250", "yes_bid": 42, "volume_fp": "2.50", "volume": 2},
    )
    assert market.yes_bid == Price.from_dollars("0.425")
    assert market.volume == Contracts.from_fp("2.50")


def test_market_falls_back_to_january_then_none() -> None:
    market = _decode(m.Market, _MARKET_BASE | {"yes_ask": 57, "open_interest": 12})
    assert market.yes_ask == Price.from_cents(57)
    assert market.open_interest == Contracts.parse(12)
    assert market.yes_bid is None
    assert market.last_price is None
    assert market.volume is None


def test_market_grid_from_ranges_else_structure() -> None:
    ranged = _decode(
        m.Market,
        _MARKET_BASE
        | {
            "price_level_structure": "linear_cent",
            "price_ranges": [{"start": "0.0000", "end": "1.0000", "step": "0.0010"}],
        },
    )
    assert ranged.grid == PriceGrid.for_structure("deci_cent")  # ranges are authoritative
    named = _decode(m.Market, _MARKET_BASE | {"price_level_structure": "tapered_deci_cent"})
    assert named.grid == PriceGrid.for_structure("tapered_deci_cent")


def test_balance_prefers_dollars() -> None:
    both = _decode(
        m.Balance, {"balance": 1, "balance_dollars": "0.014", "portfolio_value": 0, "updated_ts": 0}
    )
    assert both.balance == Decimal("0.014")
    assert msgspec.json.encode(both).startswith(b'{"balance":1,')  # wire name kept


def test_position_is_signed() -> None:
    position = _decode(
        m.MarketPosition,
        {
            "ticker": "T",
            "position_fp": "-3.50",
            "total_traded_dollars": "1",
            "market_exposure_dollars": "1",
            "realized_pnl_dollars": "0",
            "fees_paid_dollars": "0",
            "last_updated_ts": "2026-10-01T00:00:00Z",
        },
    )
    assert position.position == -Contracts.parse("3.5")


# --- write acks and errors ------------------------------------------------------------------


def test_cancel_reduced_by_keeps_either_unit() -> None:
    assert (
        _decode(m.CancelOrderAck, {"order_id": "o", "reduced_by": "1.50", "ts_ms": 1}).reduced_by
        == "1.50"
    )
    assert _decode(m.CancelOrderAck, {"reduced_by": 2}).reduced_by == 2


def test_batch_item_error_is_the_flat_error() -> None:
    body = {"orders": [{"client_order_id": "c", "error": {"code": "bad_request", "message": "no"}}]}
    item = _decode(m.BatchCreateResponse, body).orders[0]
    assert item.error == m.ErrorResponse(code="bad_request", message="no")
    assert item.order_id is None


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        ({"code": "not_found", "message": "nope", "details": "d"}, "not_found", "nope"),
        (
            {"error": {"code": "bad_request", "message": "bad request"}},
            "bad_request",
            "bad request",
        ),
        ({"error": "too many requests"}, None, "too many requests"),
        ({"code": "x", "message": "y", "service": "exchange"}, "x", "y"),
    ],
    ids=["sdk-flat", "january-wrapped", "429-string", "docs-service"],
)
def test_error_shapes_flatten(body: dict[str, Any], code: str | None, message: str) -> None:
    flat = _decode(m.ErrorResponse, body).flat()
    assert (flat.code, flat.message) == (code, message)
