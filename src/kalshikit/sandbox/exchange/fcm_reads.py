"""The FCM member area's reads: subtraders, their caps and blocks, orders, fills, positions.

No I/O here. Only an FCM member reads here (403 otherwise), and only its own subtraders (404
for any other id). Orders and positions are the subtrader's own, read and rendered exactly as
the portfolio endpoints read and render them; fills are merged per trade across the FCM's
subtraders (``FcmFill``: the maker and taker sides the FCM owns, the other left blank).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from kalshikit.models import (
    EventPosition,
    FcmDailyCap,
    FcmFill,
    FcmSubtrader,
    MarketPosition,
    Order,
)
from kalshikit.sandbox.exchange.errors import ExchangeError, bad_request, not_found
from kalshikit.sandbox.exchange.fcm_risk import FcmRiskMixin, cap_day
from kalshikit.sandbox.exchange.orders import FillRecord
from kalshikit.sandbox.exchange.pages import check_limit, decode_cursor, encode_cursor
from kalshikit.sandbox.exchange.portfolio import PortfolioMixin
from kalshikit.sandbox.exchange.render import datetime_of, money, render_order
from kalshikit.units import centi_to_fp, ticks_to_dollars

__all__ = ["FcmReadsMixin"]

FILLS_PAGE: Final = 100  # GET /fcm/fills takes no limit: pages of the portfolio's default size
MAX_CLIENT_IDS: Final = 100
_DAY_MS: Final = 86_400_000


class FcmReadsMixin(PortfolioMixin, FcmRiskMixin):
    """What an FCM member reads about its subtraders."""

    def fcm_subtraders(self, fcm: str) -> list[FcmSubtrader]:
        """The FCM's subtraders in creation order (none blocked: the sandbox has no blocks)."""
        self._require_fcm(fcm)
        return [
            FcmSubtrader(
                subtrader_id=sid,
                exchange_indices=self._shards_of(sid),
                trading_blocked=False,
                fcm_trading_blocked=False,
                propagation_pending=False,
            )
            for sid, owner in self._fcm_subtraders.items()
            if owner == fcm
        ]

    def _shards_of(self, subtrader_id: str) -> list[int]:
        # registered on shard 0 at creation; observed on any other shard it holds a market of
        held = {self._exchange_index(t) for t in self._accounts[subtrader_id].positions}
        return sorted(held | {0})

    def fcm_daily_cap(self, fcm: str, subtrader_id: str) -> FcmDailyCap:
        """The subtrader's cap and utilization; 404 when none is configured."""
        self._own_subtrader(fcm, subtrader_id)
        cap = self._fcm_caps.get(subtrader_id)
        if cap is None:
            raise not_found(
                "daily_cap_not_found",
                f"subtrader {subtrader_id} has no event-contract daily cap; set one with "
                "PUT /fcm/subtraders/event_contract_daily_cap",
            )
        executed, resting = self._cap_usage(subtrader_id)
        return FcmDailyCap(
            subtrader_id=subtrader_id, limit=money(cap), executed_utilization=money(executed),
            resting_order_utilization=money(resting), pending_order_utilization=money(0),
            cap_date=cap_day(self._clock())[0],
        )  # fmt: skip

    def fcm_blocked_categories(self, fcm: str, subtrader_id: str) -> list[str]:
        self._own_subtrader(fcm, subtrader_id)
        return list(self._fcm_blocked.get(subtrader_id, ()))

    # ------------------------------------------------------------------ orders and positions

    def fcm_orders(
        self, fcm: str, *, subtrader_id: str | None = None, client_order_ids: str | None = None,
        ticker: str | None = None, event_ticker: str | None = None, status: str | None = None,
        min_ts: int | None = None, max_ts: int | None = None, limit: int = 100,
        cursor: str | None = None,
    ) -> tuple[list[Order], str]:  # fmt: skip
        """A subtrader's orders as ``GET /portfolio/orders`` gives them, or (``client_order_ids``)
        the FCM's orders of the last 24 hours with those client order ids."""
        self._require_fcm(fcm)
        if subtrader_id is not None:
            self._own_subtrader(fcm, subtrader_id)
        if client_order_ids is None:
            if subtrader_id is None:
                raise bad_request(
                    "invalid_parameters", "give subtrader_id, client_order_ids or both"
                )
            return self.orders(
                subtrader_id, ticker=ticker, event_ticker=event_ticker, status=status,
                min_ts=min_ts, max_ts=max_ts, limit=limit, cursor=cursor,
            )  # fmt: skip
        check_limit(limit, 1000)
        wanted = {c for c in client_order_ids.split(",") if c}
        if not wanted or len(wanted) > MAX_CLIENT_IDS:
            raise bad_request("invalid_parameters", "client_order_ids takes 1 to 100 ids")
        # only the last 24 hours are searched: an earlier min_ts is raised to that (SDK)
        since = max(self._clock() - _DAY_MS, (min_ts or 0) * 1000)
        until = None if max_ts is None else max_ts * 1000 + 999
        owners = [subtrader_id] if subtrader_id else self._subtraders_of(fcm)
        found = [
            o
            for sid in owners
            for o in self._accounts[sid].orders
            if o.client_order_id in wanted and o.created_ms >= since
            and (until is None or o.created_ms <= until)
            and (ticker is None or o.ticker == ticker)
            and (event_ticker is None or o.event_ticker == event_ticker)
            and (status is None or o.status == status)
        ]  # fmt: skip
        found.sort(key=lambda o: o.created_ms, reverse=True)
        return [render_order(o, self._exchange_index(o.ticker)) for o in found[:limit]], ""

    def fcm_positions(
        self, fcm: str, subtrader_id: str | None, *, ticker: str | None = None,
        event_ticker: str | None = None, settlement_status: str = "unsettled",
        limit: int = 100, cursor: str | None = None,
    ) -> tuple[list[MarketPosition], list[EventPosition], str]:  # fmt: skip
        """The subtrader's positions as ``GET /portfolio/positions`` gives them."""
        self._require_fcm(fcm)
        if subtrader_id is None:
            raise bad_request("invalid_parameters", "subtrader_id is required")
        self._own_subtrader(fcm, subtrader_id)
        return self.positions(
            subtrader_id, ticker=ticker, event_ticker=event_ticker,
            settlement_status=settlement_status, limit=limit, cursor=cursor,
        )  # fmt: skip

    # ------------------------------------------------------------------ fills

    def fcm_fills(
        self, fcm: str, *, min_ts: int | None = None, max_ts: int | None = None,
        cursor: str | None = None,
    ) -> tuple[list[FcmFill], str]:  # fmt: skip
        """The fills of every subtrader of the FCM, one per trade, newest first."""
        self._require_fcm(fcm)
        start = decode_cursor("fcm-fills", cursor) or 0
        trades: dict[str, list[FillRecord]] = {}
        for sid in self._subtraders_of(fcm):
            for fill in self._accounts[sid].fills:
                seconds = fill.ts_ms // 1000
                if (min_ts is None or seconds >= min_ts) and (max_ts is None or seconds <= max_ts):
                    trades.setdefault(fill.fill_id, []).append(fill)
        ordered = sorted(trades.values(), key=lambda sides: sides[0].ts_ms, reverse=True)
        page = ordered[start : start + FILLS_PAGE]
        more = start + FILLS_PAGE < len(ordered)
        next_cursor = encode_cursor("fcm-fills", start + FILLS_PAGE) if more else ""
        return [self._fcm_fill(sides) for sides in page], next_cursor

    def _fcm_fill(self, sides: Sequence[FillRecord]) -> FcmFill:
        maker = next((f for f in sides if not f.is_taker), None)
        taker = next((f for f in sides if f.is_taker), None)
        first = sides[0]
        taker_side = taker.side if taker else ("ask" if first.side == "bid" else "bid")
        return FcmFill(
            fill_id=first.fill_id, exchange_index=self._exchange_index(first.ticker),
            ticker=first.ticker, taker_outcome_side="yes" if taker_side == "bid" else "no",
            count_fp=centi_to_fp(first.size), yes_price_dollars=ticks_to_dollars(first.price),
            created_time=datetime_of(first.ts_ms),
            maker_order_id=maker.order_id if maker else None,
            maker_subtrader_id=maker.user_id if maker else None,
            maker_fee_cost=money(maker.fee) if maker else None,
            taker_order_id=taker.order_id if taker else None,
            taker_subtrader_id=taker.user_id if taker else None,
            taker_fee_cost=money(taker.fee) if taker else None,
        )  # fmt: skip

    # ------------------------------------------------------------------ who may

    def _subtraders_of(self, fcm: str) -> list[str]:
        return [sid for sid, owner in self._fcm_subtraders.items() if owner == fcm]

    def _require_fcm(self, user: str) -> None:
        self._account(user)
        if user not in self._fcm_members:
            raise ExchangeError(
                403,
                "permission_denied",
                "FCM endpoints are for FCM members; this user is not one (a sandbox FCM user "
                "comes from `kalshi sandbox keygen --fcm`)",
            )

    def _own_subtrader(self, fcm: str, subtrader_id: str) -> None:
        self._require_fcm(fcm)
        if self._fcm_subtraders.get(subtrader_id) != fcm:
            raise not_found(
                "subtrader_not_found",
                f"{subtrader_id!r} is not a subtrader of this FCM (see GET /fcm/subtraders)",
            )

    def _fcm_digest(self) -> dict[str, object]:
        """The FCM area's state, canonical (for ``state_digest``)."""
        return {
            "members": sorted(self._fcm_members),
            "subtraders": list(self._fcm_subtraders.items()),
            "caps": dict(sorted(self._fcm_caps.items())),
            "blocked": dict(sorted(self._fcm_blocked.items())),
            "transfers": self._fcm_transfers,
        }

    def fcm_owner(self, subtrader_id: str) -> str | None:
        """The FCM that owns ``subtrader_id``; None when it is no subtrader."""
        return self._fcm_subtraders.get(subtrader_id)
