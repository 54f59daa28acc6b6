"""The records the WebSocket protocol core and client share: subscriptions, commands, events.

No I/O here. A :class:`Subscription` is what the user asked for (a channel, its markets, its
options); it outlives connections and server sids, so a reconnect can restore it exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final, Literal, TypeAlias

from kalshikit.models.stream import (
    CfBenchmarksIndexListFrame,
    CfBenchmarksIndexListMsg,
    CfBenchmarksValueFrame,
    CfBenchmarksValueMsg,
    EventFeeUpdateFrame,
    EventFeeUpdateMsg,
    EventLifecycleFrame,
    EventLifecycleMsg,
    MarketLifecycleFrame,
    MarketLifecycleMsg,
    MultivariateLifecycleFrame,
    PythUnderlyingListFrame,
    PythUnderlyingListMsg,
    PythValueFrame,
    PythValueMsg,
    QuoteAcceptedFrame,
    QuoteCreatedFrame,
    QuoteExecutedFrame,
    QuoteExecutedMsg,
    QuoteMsg,
    RfqCreatedFrame,
    RfqDeletedFrame,
    RfqMsg,
)

__all__ = [
    "BOOK_CHANNEL",
    "CHANNELS",
    "CfBenchmarksFrame",
    "CfBenchmarksMsg",
    "Command",
    "CommandKind",
    "EventKind",
    "FrameSink",
    "LifecycleFrame",
    "LifecycleMsg",
    "MultivariateFrame",
    "MultivariateMsg",
    "PythFrame",
    "PythMsg",
    "RfqFrame",
    "RfqQuoteMsg",
    "StreamEvent",
    "Subscription",
]

BOOK_CHANNEL: Final = "orderbook_delta"
# the channels of kalshi-websocket.md section 3 and the AsyncAPI spec a subscribe may name
CHANNELS: Final = frozenset(
    {
        "orderbook_delta", "ticker", "trade", "fill", "market_positions", "user_orders",
        "market_lifecycle_v2", "multivariate_market_lifecycle", "order_group_updates",
        "communications", "cfbenchmarks_value", "pyth_value",
    }
)  # fmt: skip
# channels whose subscription may name markets (the others take none)
MARKET_CHANNELS: Final = frozenset(
    {"orderbook_delta", "ticker", "trade", "fill", "market_positions", "user_orders"}
)

CommandKind = Literal["subscribe", "unsubscribe", "update", "snapshot", "list"]
EventKind = Literal[
    "connected",
    "disconnected",
    "reconnecting",
    "gap",
    "duplicate",
    "recovered",
    "resubscribed",
    "error",
    "unknown_frame",
    "malformed_frame",
    "callback_error",
    "slow_consumer",
    "mismatch",
]
FrameSink = Callable[[Any], None]
# the market_lifecycle_v2 channel carries three message types (kalshi-websocket.md section 3)
LifecycleMsg: TypeAlias = MarketLifecycleMsg | EventLifecycleMsg | EventFeeUpdateMsg
LifecycleFrame: TypeAlias = MarketLifecycleFrame | EventLifecycleFrame | EventFeeUpdateFrame
# multivariate_market_lifecycle: combo markets' lifecycle and their events' creation
MultivariateMsg: TypeAlias = MarketLifecycleMsg | EventLifecycleMsg
MultivariateFrame: TypeAlias = MultivariateLifecycleFrame | EventLifecycleFrame
# communications: RFQs (created, deleted) and quotes (created, accepted, executed)
RfqQuoteMsg: TypeAlias = RfqMsg | QuoteMsg | QuoteExecutedMsg
RfqFrame: TypeAlias = (
    RfqCreatedFrame | RfqDeletedFrame | QuoteCreatedFrame | QuoteAcceptedFrame | QuoteExecutedFrame
)
# the reference-price channels: values, and the list an indexlist / underlying_list asks for
CfBenchmarksMsg: TypeAlias = CfBenchmarksValueMsg | CfBenchmarksIndexListMsg
CfBenchmarksFrame: TypeAlias = CfBenchmarksValueFrame | CfBenchmarksIndexListFrame
PythMsg: TypeAlias = PythValueMsg | PythUnderlyingListMsg
PythFrame: TypeAlias = PythValueFrame | PythUnderlyingListFrame


@dataclass(eq=False)
class Subscription:
    """One channel as the user asked for it: markets (None = all), options, and who listens.

    ``sid`` is the server's id on the current connection (None while not subscribed); it
    changes on every reconnect or resubscribe, the subscription itself does not.
    """

    channel: str
    tickers: set[str] | None
    params: dict[str, Any] = field(default_factory=dict)
    sid: int | None = None
    sinks: list[FrameSink] = field(default_factory=list)
    # True when the NO side of this book channel arrives in YES prices (read per delta)
    yes_terms: bool = field(init=False)

    def __post_init__(self) -> None:
        self.yes_terms = bool(self.params.get("use_yes_price"))

    def subscribe_params(self) -> dict[str, Any]:
        params: dict[str, Any] = {"channels": [self.channel], **self.params}
        if self.tickers is not None:
            params["market_tickers"] = sorted(self.tickers)
        return params


@dataclass(eq=False)
class Command:
    """A command the core wants sent: its id, its kind, and the JSON text to send."""

    id: int
    kind: CommandKind
    payload: bytes
    sub: Subscription | None = None
    tickers: tuple[str, ...] = ()
    action: str | None = None
    waiting: set[str] = field(default_factory=set)  # markets a get_snapshot still owes


@dataclass(frozen=True)
class StreamEvent:
    """A change in the health of the stream, for logs and UIs.

    ``kind`` is one of connected, disconnected, reconnecting, gap, duplicate, recovered,
    resubscribed, error, unknown_frame (a frame type this version does not know; ``frame``
    holds it), malformed_frame (a frame that could not be read or applied; its books are
    re-snapshotted), callback_error (a user callback raised; the stream went on),
    slow_consumer (the server cut the stream because it was read too slowly), mismatch.
    """

    kind: EventKind
    detail: str
    channel: str | None = None
    sid: int | None = None
    tickers: tuple[str, ...] = ()
    frame: Any = None
