"""Calling a strategy's callbacks safely: one that raises is logged and counted, never fatal.

:class:`Dispatch` binds only the callbacks the strategy overrides (the rest are None, and a
runner skips them without a call), and turns every exception a callback raises into a log line
and a count in the run's :class:`~kalshikit.strategy.report.Tally`: no strategy bug may stop
the feed or lose the run's state.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from kalshikit.strategy.base import CALLBACKS, Strategy, overridden
from kalshikit.strategy.context import Context
from kalshikit.strategy.report import Tally

__all__ = ["Dispatch"]

_log = logging.getLogger("kalshikit.strategy")


class Dispatch:
    """``dispatch.call("on_fill", fill)``; ``dispatch.wants("on_book")`` says if it is defined."""

    def __init__(self, strategy: Strategy, ctx: Context, tally: Tally) -> None:
        self.strategy, self.ctx, self.tally = strategy, ctx, tally
        self._bound: dict[str, Callable[..., Any] | None] = {
            name: getattr(strategy, name) if overridden(strategy, name) else None
            for name in CALLBACKS
        }

    def wants(self, name: str) -> bool:
        return self._bound[name] is not None

    def call(self, name: str, *args: Any) -> None:
        callback = self._bound[name]
        if callback is None:
            return
        try:
            callback(self.ctx, *args)
        except Exception:  # a strategy bug must not stop the run: logged, counted
            self.tally.callback_errors += 1
            _log.exception("%s.%s raised", type(self.strategy).__name__, name)
