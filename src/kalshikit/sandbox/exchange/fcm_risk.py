"""FCM subtraders' state and the risk controls their FCM sets on them, checked on every order.

No I/O here. A subtrader is a user of its own (``{fcm_id}_{suffix}``, an ``Account`` in
``_accounts``) whose owner is an FCM member; this module keeps who is an FCM, who owns which
subtrader, and per subtrader its event-contract daily cap and blocked categories. Order entry
calls ``_check_fcm_limits`` among its checks (before any change), so a subtrader's order in a
blocked category (403) or over its cap (400) is refused and nothing changes.

The cap follows docs.kalshi.com: it bounds the net premium at risk per New York trading day:
executed utilization (premium paid by today's fills less what closing fills took back, plus
fees), plus the worst-case cost of resting orders (the collateral they hold), plus the new
order's worst-case cost. No cap configured means no cap check: the sandbox's subtrader keys act
as the FCM's own sessions, which the exchange does not close for want of a cap.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time
from typing import TYPE_CHECKING, Final
from zoneinfo import ZoneInfo

from kalshikit.netting import unit_cost
from kalshikit.sandbox.exchange.account_keys import owner_of
from kalshikit.sandbox.exchange.accounts import Account, Position
from kalshikit.sandbox.exchange.core import ExchangeCore
from kalshikit.sandbox.exchange.errors import ExchangeError, bad_request
from kalshikit.sandbox.exchange.render import money

if TYPE_CHECKING:
    from kalshikit.sandbox.catalog import Catalog
    from kalshikit.sandbox.exchange.lifecycle import MarketState
    from kalshikit.sandbox.exchange.requests import OrderSpec
    from kalshikit.sandbox.exchange.retention import Retention

__all__ = ["FcmRiskMixin", "cap_day"]

NEW_YORK: Final = ZoneInfo("America/New_York")  # executed utilization resets at its midnight


def cap_day(now_ms: int) -> tuple[str, int]:
    """(the New York date of ``now_ms``, epoch ms of that date's midnight)."""
    local = datetime.fromtimestamp(now_ms / 1000, NEW_YORK)
    midnight = datetime.combine(local.date(), time(0), NEW_YORK)
    return local.date().isoformat(), int(midnight.timestamp() * 1000)


class FcmRiskMixin(ExchangeCore):
    """Who is an FCM, its subtraders, their caps and blocks; the check order entry calls."""

    def __init__(
        self,
        catalog: Catalog,
        *,
        clock: Callable[[], int],
        seed: int = 0,
        retention: Retention | None = None,
    ) -> None:
        super().__init__(catalog, clock=clock, seed=seed, retention=retention)
        self._fcm_members: set[str] = set()
        self._fcm_subtraders: dict[str, str] = {}  # subtrader id -> its FCM, in creation order
        self._fcm_caps: dict[str, int] = {}  # subtrader id -> daily cap, micro-dollars
        self._fcm_blocked: dict[str, list[str]] = {}  # subtrader id -> sorted categories
        # [transfer id, source, target, ticker, centi-contracts (YES +), ticks, ms]
        self._fcm_transfers: list[list[object]] = []

    # ------------------------------------------------------------------ the order check

    def _check_fcm_limits(
        self, account: Account, state: MarketState, spec: OrderSpec, size: int
    ) -> None:
        """Refuse a subtrader's order in a blocked category or over its daily cap."""
        subtrader = owner_of(account.user_id)  # a subaccount's limits are its user's
        if subtrader not in self._fcm_subtraders:
            return
        category = state.series.category if state.series is not None else ""
        if category and category in self._fcm_blocked.get(subtrader, ()):
            raise ExchangeError(
                403,
                "category_blocked",
                f"your FCM blocked trading in the {category!r} category for subtrader "
                f"{subtrader}; it can unblock it (PUT /fcm/subtraders/blocked_categories)",
            )
        cap = self._fcm_caps.get(subtrader)
        if cap is None:
            return
        executed, resting = self._cap_usage(subtrader)
        need = unit_cost(spec.side, spec.price) * size
        if executed + resting + need > cap:
            raise bad_request(
                "event_contract_daily_cap_exceeded",
                f"this order's ${money(need)} at risk would take subtrader {subtrader} past "
                f"its daily cap of ${money(cap)} (${money(executed)} executed today, "
                f"${money(resting)} resting); trade smaller or ask the FCM to raise the cap",
            )

    # ------------------------------------------------------------------ utilization

    def _cap_usage(self, subtrader: str) -> tuple[int, int]:
        """(executed premium today, resting orders' worst-case cost), micro-dollars."""
        account = self._accounts[subtrader]
        _, midnight = cap_day(self._clock())
        return _executed_premium(account, midnight), account.total_held


def _executed_premium(account: Account, since_ms: int) -> int:
    """Premium the account's fills since ``since_ms`` paid, less what closing fills took back
    (replayed from the positions as they were before them), plus their fees; never below 0."""
    today = []
    for fill in reversed(account.fills):
        if fill.ts_ms < since_ms:
            break
        today.append(fill)
    today.reverse()
    sizes = {ticker: p.size for ticker, p in account.positions.items()}
    for fill in today:
        sizes[fill.ticker] = sizes.get(fill.ticker, 0) - (
            fill.size if fill.side == "bid" else -fill.size
        )
    probes: dict[str, Position] = {}
    net = 0
    for fill in today:
        probe = probes.get(fill.ticker)
        if probe is None:
            probe = probes[fill.ticker] = Position(fill.ticker, "", size=sizes[fill.ticker])
        net += fill.fee - probe.apply_fill(fill.side, fill.price, fill.size, fill.ts_ms)
    return max(net, 0)
