"""kalshikit.scanner: live market rankings (pure rules and state, and the MarketScanner)."""

from kalshikit.scanner.rules import Signal
from kalshikit.scanner.scanner import KINDS, WINDOWS, MarketScanner

__all__ = ["KINDS", "WINDOWS", "MarketScanner", "Signal"]
