"""What the sandbox exchange tells its listeners: one frozen dataclass per kind of change.

No I/O here. The exchange calls every listener synchronously, in order, for each change; the
WebSocket feeds are built only from these, so each event carries what its channel needs
(reference kalshi-websocket.md section 3). Units are the exchange's own: prices in ticks of
$0.0001 on the YES book, sizes in centi-contracts, money in micro-dollars, times in epoch ms.
Wire structs (``Order``, ``Fill``, ``Trade``, ``MarketPosition``) are the current shapes the REST
answers use, so a feed can forward their fields unchanged.

Within one command the order is: book changes and trades (each followed by both sides' fills) as
they happen, then, at the end of the command, ticker updates, order updates and position changes.
Catalog markets exist from the start; a market listed later (a recurring series' next hour or
day) is announced by ``EventListed`` for its event, then ``MarketLifecycle(kind="created")``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal, TypeAlias

from kalshikit.models import Event, Fill, MarketPosition, Order, Quote, Rfq, Trade
from kalshikit.sandbox.engine import BookSide

__all__ = [
    "ApiKeyDeleted",
    "BookChanged",
    "CommsUpdated",
    "EventFeeChanged",
    "EventListed",
    "ExchangeEvent",
    "FillRecorded",
    "IndexTick",
    "LifecycleKind",
    "MarketLifecycle",
    "MarketTermsChanged",
    "OrderGroupKind",
    "OrderGroupUpdated",
    "OrderUpdated",
    "PositionChanged",
    "TickerChanged",
    "TradeExecuted",
    "TradingStatusChanged",
]

LifecycleKind: TypeAlias = Literal[
    "created", "activated", "deactivated", "closed", "close_date_updated", "determined", "settled"
]
OrderGroupKind: TypeAlias = Literal["created", "triggered", "reset", "deleted", "limit_updated"]


@dataclass(frozen=True, slots=True)
class BookChanged:
    """Resting size at one YES-book level changed by ``delta`` to ``new_size``.

    ``side`` is the YES book side: an ``ask`` at p is shown to NO traders as a NO bid at 1 - p.
    ``user_id`` and ``client_order_id`` name the order that caused it (private annotations).
    """

    ticker: str
    side: BookSide
    price: int
    delta: int
    new_size: int
    user_id: str
    client_order_id: str | None
    ts_ms: int


@dataclass(frozen=True, slots=True)
class TradeExecuted:
    """One public trade (the ``trade`` channel)."""

    trade: Trade
    ts_ms: int


@dataclass(frozen=True, slots=True)
class FillRecorded:
    """One side of a trade, for the user who owns the order (the ``fill`` channel).

    ``post_position`` is the user's signed position in centi-contracts after the fill.
    """

    user_id: str
    fill: Fill
    client_order_id: str | None
    post_position: int
    ts_ms: int


@dataclass(frozen=True, slots=True)
class OrderUpdated:
    """An order's state after a change (the ``user_orders`` channel).

    ``reason``: created, trade, canceled, decreased, amended, expired, self_trade, market_closed,
    group, pause or ioc_remainder (what last changed it in this command).
    """

    order: Order
    reason: str
    ts_ms: int


@dataclass(frozen=True, slots=True)
class PositionChanged:
    """A user's position in one market after fills or settlement (``market_positions``).

    ``volume`` is the centi-contracts this user has traded in the market.
    """

    user_id: str
    position: MarketPosition
    volume: int
    ts_ms: int


@dataclass(frozen=True, slots=True)
class TickerChanged:
    """A market's quote or statistics changed (the ``ticker`` channel): the full new state.

    Prices in ticks (0 when there is no such quote or trade yet), sizes in centi-contracts,
    ``dollar_volume`` and ``dollar_open_interest`` in micro-dollars.
    """

    ticker: str
    last_price: int
    yes_bid: int
    yes_ask: int
    yes_bid_size: int
    yes_ask_size: int
    last_trade_size: int
    volume: int
    open_interest: int
    dollar_volume: int
    dollar_open_interest: int
    ts_ms: int


@dataclass(frozen=True, slots=True)
class MarketLifecycle:
    """A market changed status (``market_lifecycle_v2``).

    ``closed`` is the sandbox's own kind for a scheduled or early close (the real channel has
    none; feeds may skip it). ``result`` and ``settlement_value`` (ticks) come with
    ``determined``; ``close_ms`` with ``close_date_updated``.
    """

    ticker: str
    kind: LifecycleKind
    ts_ms: int
    result: str = ""
    settlement_value: int | None = None
    close_ms: int | None = None
    is_deactivated: bool | None = None


@dataclass(frozen=True, slots=True)
class EventListed:
    """A new event was listed (``event_lifecycle`` on ``market_lifecycle_v2``); its markets'
    ``created`` follow."""

    event: Event
    ts_ms: int


@dataclass(frozen=True, slots=True)
class OrderGroupUpdated:
    """An order group was created, triggered (limit hit or on request), reset, deleted or had
    its limit changed (``order_group_updates``). ``contracts_limit`` is in centi-contracts."""

    user_id: str
    group_id: str
    kind: OrderGroupKind
    contracts_limit: int | None
    ts_ms: int


@dataclass(frozen=True, slots=True)
class TradingStatusChanged:
    """The exchange paused or resumed trading (``set_trading_active``)."""

    trading_active: bool
    ts_ms: int


@dataclass(frozen=True, slots=True)
class EventFeeChanged:
    """An event's fee override was set, or cleared (both None): ``event_fee_update`` on
    ``market_lifecycle_v2``."""

    event_ticker: str
    fee_type_override: str | None
    fee_multiplier_override: float | None
    ts_ms: int


@dataclass(frozen=True, slots=True)
class MarketTermsChanged:
    """A market's price grid (``price_level_structure_updated``: ``price_level_structure`` and
    ``price_ranges``) or metadata (``metadata_updated``: the fields changed) changed, on
    ``market_lifecycle_v2``; ``fields`` are the message's keys and wire values, in order."""

    ticker: str
    kind: Literal["price_level_structure_updated", "metadata_updated"]
    fields: tuple[tuple[str, object], ...]
    ts_ms: int


@dataclass(frozen=True, slots=True)
class IndexTick:
    """Where the reference index a series settles on (a crypto index) stands at ``ts_ms``:
    ``value`` in dollars, to the cent, as it prints (``cfbenchmarks_value``, ``pyth_value``).

    Not state: the exchange keeps nothing of it and a store journals nothing. The simulator
    derives the ticks from its seeded latent path (the one the series' markets settle on) and
    hands them over with ``publish``; a replay of the same seed and steps gives the same ticks.
    """

    series_ticker: str
    value: Decimal
    ts_ms: int


@dataclass(frozen=True, slots=True)
class ApiKeyDeleted:
    """A user deleted one of their API keys: the connections it opened are closed."""

    user_id: str
    key_id: str


@dataclass(frozen=True, slots=True)
class CommsUpdated:
    """An RFQ or quote changed (the ``communications`` channel): ``kind`` is the message type
    (rfq_created, rfq_deleted, quote_created, quote_accepted, quote_executed). ``rfq`` is the
    public view; ``quote`` the full one (both parties' ids and orders): the feed shows each
    party only its own."""

    kind: str
    rfq: Rfq
    quote: Quote | None
    event_ticker: str
    ts_ms: int
    owner: str = ""  # the user whose RFQ it is (``user_filter: "self"``)


ExchangeEvent: TypeAlias = (
    ApiKeyDeleted
    | CommsUpdated
    | BookChanged
    | TradeExecuted
    | FillRecorded
    | OrderUpdated
    | PositionChanged
    | TickerChanged
    | MarketLifecycle
    | EventListed
    | OrderGroupUpdated
    | TradingStatusChanged
    | EventFeeChanged
    | MarketTermsChanged
    | IndexTick
)
