"""kalshikit: a typed toolkit for the Kalshi Trade API v2."""

from __future__ import annotations

__version__ = "0.1.0"
