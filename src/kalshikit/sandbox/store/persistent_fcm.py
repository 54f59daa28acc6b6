"""The FCM area's journaled writes, a mixin of ``PersistentExchange``: each recorded with the
arguments a replay hands back to the exchange (``commands._APPLY``), before it is applied."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from kalshikit.sandbox.exchange import Exchange

__all__ = ["FcmWrites"]

T = TypeVar("T")


class FcmWrites:
    """create_fcm_subtrader, the caps, the blocked categories and position transfers."""

    exchange: Exchange

    def _run(self, name: str, args: dict[str, object], apply: Callable[[], T]) -> T:
        raise NotImplementedError  # PersistentExchange's

    def create_fcm_subtrader(self, fcm: str, subtrader_suffix: str) -> str:
        args: dict[str, object] = {"fcm": fcm, "subtrader_suffix": subtrader_suffix}
        return self._run(
            "create_fcm_subtrader",
            args,
            lambda: self.exchange.create_fcm_subtrader(fcm, subtrader_suffix),
        )

    def set_fcm_daily_cap(self, fcm: str, subtrader_id: str, limit: str) -> None:
        args: dict[str, object] = {"fcm": fcm, "subtrader_id": subtrader_id, "limit": limit}
        self._run(
            "set_fcm_daily_cap",
            args,
            lambda: self.exchange.set_fcm_daily_cap(fcm, subtrader_id, limit),
        )

    def delete_fcm_daily_cap(self, fcm: str, subtrader_id: str) -> None:
        args: dict[str, object] = {"fcm": fcm, "subtrader_id": subtrader_id}
        self._run(
            "delete_fcm_daily_cap",
            args,
            lambda: self.exchange.delete_fcm_daily_cap(fcm, subtrader_id),
        )

    def set_fcm_category_blocked(
        self, fcm: str, subtrader_id: str, category: str, blocked: bool
    ) -> list[str]:
        args: dict[str, object] = {
            "fcm": fcm, "subtrader_id": subtrader_id, "category": category, "blocked": blocked,
        }  # fmt: skip
        return self._run(
            "set_fcm_category_blocked",
            args,
            lambda: self.exchange.set_fcm_category_blocked(fcm, subtrader_id, category, blocked),
        )

    def transfer_fcm_position(
        self, fcm: str, source: str, target: str, ticker: str, centicount: int, price: int
    ) -> str:
        args: dict[str, object] = {
            "fcm": fcm, "source": source, "target": target, "ticker": ticker,
            "centicount": centicount, "price": price,
        }  # fmt: skip
        return self._run(
            "transfer_fcm_position",
            args,
            lambda: self.exchange.transfer_fcm_position(
                fcm, source, target, ticker, centicount, price
            ),
        )
