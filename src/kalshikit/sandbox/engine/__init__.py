"""The matching engine: pure price-time matching of one market's book. The bottom layer.

No clock, no I/O, no knowledge of accounts: orders in, fills and book changes out.
``STATE_CLASSES`` are the engine's internal records a snapshot must know. See
docs/architecture.md for the layers.
"""

from __future__ import annotations

from kalshikit.sandbox.engine import book as _book
from kalshikit.sandbox.engine.compact import Compact
from kalshikit.sandbox.engine.matching import (
    Amended,
    BookChanged,
    BookSide,
    Canceled,
    Event,
    Fill,
    MatchingEngine,
    OrderRequest,
    Rejected,
    Rested,
    RestingOrder,
    SelfTradePrevention,
    TimeInForce,
)

# the engine's own records, which a snapshot of the exchange carries
STATE_CLASSES = (_book._Level, _book._Side, _book._Book)

__all__ = [
    "STATE_CLASSES",
    "Amended",
    "BookChanged",
    "BookSide",
    "Canceled",
    "Compact",
    "Event",
    "Fill",
    "MatchingEngine",
    "OrderRequest",
    "Rejected",
    "Rested",
    "RestingOrder",
    "SelfTradePrevention",
    "TimeInForce",
]
