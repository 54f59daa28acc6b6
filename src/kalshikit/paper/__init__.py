"""Paper trading: orders matched locally against a source's live books and trade prints.

The pure core (no I/O, time as ``now_ns``): ``PaperEngine`` with its queue models
(``RiskAverse``, ``PowerProb``), accounts that follow the sandbox's accounting, and the
rendering of what happens to the wire models and private-stream messages.
"""

from __future__ import annotations

from kalshikit.paper.core import OrderRefused
from kalshikit.paper.engine import PaperEngine
from kalshikit.paper.queue import (
    QUEUE_MODEL_NAMES,
    PowerProb,
    QueueModel,
    RiskAverse,
    parse_queue_model,
)
from kalshikit.paper.settlement import RESULTS
from kalshikit.paper.wire import PaperEvent

__all__ = [
    "QUEUE_MODEL_NAMES",
    "RESULTS",
    "OrderRefused",
    "PaperEngine",
    "PaperEvent",
    "PowerProb",
    "QueueModel",
    "RiskAverse",
    "parse_queue_model",
]
