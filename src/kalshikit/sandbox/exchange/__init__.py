"""The exchange: all of the sandbox's state (accounts, orders, markets, lifecycle, candles),
built on the engine and the catalog, with an injected clock and no I/O.

Everything above it reads through :class:`Exchange` and writes through an
:class:`ExchangeWriter` (the exchange itself, or the store's write-ahead writer). See
docs/architecture.md for the layers.
"""

from __future__ import annotations

from kalshikit.sandbox.exchange.account_keys import owner_of, split_key
from kalshikit.sandbox.exchange.apikeys import VOLUME_GOALS
from kalshikit.sandbox.exchange.comms_records import RfqTiming, comms_id
from kalshikit.sandbox.exchange.errors import ExchangeError
from kalshikit.sandbox.exchange.events import (
    ApiKeyDeleted,
    BookChanged,
    CommsUpdated,
    EventFeeChanged,
    EventListed,
    ExchangeEvent,
    FillRecorded,
    IndexTick,
    LifecycleKind,
    MarketLifecycle,
    MarketTermsChanged,
    OrderGroupUpdated,
    OrderUpdated,
    PositionChanged,
    TickerChanged,
    TradeExecuted,
    TradingStatusChanged,
)
from kalshikit.sandbox.exchange.exchange import Exchange
from kalshikit.sandbox.exchange.live import GameLive, WeatherObservation
from kalshikit.sandbox.exchange.render import datetime_of, millis_of
from kalshikit.sandbox.exchange.requests import SHARD_ZERO, WriteRoute
from kalshikit.sandbox.exchange.retention import Retention
from kalshikit.sandbox.exchange.snapshot import decode as decode_snapshot
from kalshikit.sandbox.exchange.snapshot import encode as encode_snapshot
from kalshikit.sandbox.exchange.snapshot import read as read_snapshot
from kalshikit.sandbox.exchange.snapshot import write as write_snapshot
from kalshikit.sandbox.exchange.subaccounts import SHARDS
from kalshikit.sandbox.exchange.writer import ExchangeWriter

__all__ = [
    "SHARDS",
    "SHARD_ZERO",
    "VOLUME_GOALS",
    "ApiKeyDeleted",
    "BookChanged",
    "CommsUpdated",
    "EventFeeChanged",
    "EventListed",
    "Exchange",
    "ExchangeError",
    "ExchangeEvent",
    "ExchangeWriter",
    "FillRecorded",
    "GameLive",
    "IndexTick",
    "LifecycleKind",
    "MarketLifecycle",
    "MarketTermsChanged",
    "OrderGroupUpdated",
    "OrderUpdated",
    "PositionChanged",
    "Retention",
    "RfqTiming",
    "TickerChanged",
    "TradeExecuted",
    "TradingStatusChanged",
    "WeatherObservation",
    "WriteRoute",
    "comms_id",
    "datetime_of",
    "decode_snapshot",
    "encode_snapshot",
    "millis_of",
    "owner_of",
    "read_snapshot",
    "split_key",
    "write_snapshot",
]
