"""Known values of the wire's enum-like strings. No I/O here.

The structs keep these fields as plain ``str`` so a value Kalshi adds later is kept rather than
failing the decode; code that must validate (order entry, query building, the sandbox) checks
against these tuples. Values are from the SDK 3.34 models and reference section 3.11; the
order-direction ones (``SIDES``, ``ACTIONS``, ``BOOK_SIDES``) are :mod:`kalshikit.units`'s,
re-exported.
"""

from __future__ import annotations

from typing import Final

from kalshikit.units import ACTIONS, BOOK_SIDES, SIDES

__all__ = [
    "ACTIONS",
    "BOOK_SIDES",
    "COLLATERAL_RETURN_TYPES",
    "EXCHANGE_INSTANCES",
    "FEE_TYPES",
    "MARKET_FILTER_STATUSES",
    "MARKET_RESULTS",
    "MARKET_STATUSES",
    "MARKET_TYPES",
    "ORDER_STATUSES",
    "ORDER_TYPES",
    "OUTCOME_SIDES",
    "PRICE_LEVEL_STRUCTURES",
    "SELF_TRADE_PREVENTION_TYPES",
    "SETTLEMENT_BOUNDS_TYPES",
    "SETTLEMENT_RESULTS",
    "SIDES",
    "STRIKE_TYPES",
    "TIME_IN_FORCE_VALUES",
]

MARKET_STATUSES: Final = (
    "initialized",
    "inactive",
    "active",
    "closed",
    "determined",
    "disputed",
    "amended",
    "finalized",
)
"""``Market.status`` as returned (differs from the ``status`` query filter)."""

MARKET_FILTER_STATUSES: Final = ("unopened", "open", "closed", "settled")
"""The ``status`` query filter of ``GET /markets`` and ``GET /events``."""

MARKET_TYPES: Final = ("binary", "scalar")
MARKET_RESULTS: Final = ("yes", "no", "scalar", "")
STRIKE_TYPES: Final = (
    "greater",
    "greater_or_equal",
    "less",
    "less_or_equal",
    "between",
    "functional",
    "custom",
    "structured",
)
SETTLEMENT_BOUNDS_TYPES: Final = ("default", "floor")
PRICE_LEVEL_STRUCTURES: Final = ("linear_cent", "tapered_deci_cent", "deci_cent")
COLLATERAL_RETURN_TYPES: Final = ("MECNET", "DIRECNET", "")
FEE_TYPES: Final = (
    "quadratic",
    "quadratic_with_maker_fees",
    "quadratic_with_combo_maker_fees",
    "flat",
)

ORDER_STATUSES: Final = ("resting", "canceled", "executed")
ORDER_TYPES: Final = ("limit", "market")
OUTCOME_SIDES: Final = ("yes", "no")
TIME_IN_FORCE_VALUES: Final = ("fill_or_kill", "good_till_canceled", "immediate_or_cancel")
SELF_TRADE_PREVENTION_TYPES: Final = ("taker_at_cross", "maker")

SETTLEMENT_RESULTS: Final = ("yes", "no", "scalar")
"""``Settlement.market_result`` (January docs also listed ``void``)."""
EXCHANGE_INSTANCES: Final = ("event_contract", "margined")
