"""The old name of :mod:`kalshikit.models.base`, kept only while the sandbox still imports it.

Import from ``kalshikit.models.base``; this module goes once nothing uses it.
"""

from __future__ import annotations

from kalshikit.models.base import WireModel, contracts_of, price_of, to_wire_builtins

__all__ = ["WireModel", "contracts_of", "price_of", "to_wire_builtins"]
