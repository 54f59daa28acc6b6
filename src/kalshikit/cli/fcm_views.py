"""What `kalshi fcm ...` shows: rows and lines, pure (no I/O)."""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from kalshikit.models import FcmDailyCap, FcmFill, FcmSubtrader, MarketPosition
from kalshikit.units.display import contracts, money, when

__all__ = [
    "FILL_COLUMNS",
    "POSITION_COLUMNS",
    "SUBTRADER_COLUMNS",
    "cap_fields",
    "fill_row",
    "position_row",
    "subtrader_row",
]

SUBTRADER_COLUMNS: Final = ["subtrader", "shards", "blocked"]
FILL_COLUMNS: Final = ["ticker", "taker", "contracts", "YES price", "maker", "taker id", "at UTC"]
POSITION_COLUMNS: Final = ["ticker", "side", "contracts", "exposure", "realized P&L", "fees"]


def subtrader_row(s: FcmSubtrader) -> list[object]:
    blocked = "yes" if s.trading_blocked or s.fcm_trading_blocked else "no"
    return [s.subtrader_id, ", ".join(str(i) for i in s.exchange_indices) or None, blocked]


def _short(subtrader_id: str | None) -> str | None:
    # a subtrader id is the FCM's id, "_", then its suffix: the suffix names it in a table
    return None if subtrader_id is None else subtrader_id.rpartition("_")[2]


def fill_row(f: FcmFill) -> list[object]:
    price = Decimal(f.yes_price_dollars) * 100
    return [
        f.ticker, f"buy {f.taker_outcome_side.upper()}", contracts(Decimal(f.count_fp)),
        f"{price.normalize():f}¢", _short(f.maker_subtrader_id), _short(f.taker_subtrader_id),
        when(f.created_time),
    ]  # fmt: skip


def position_row(p: MarketPosition) -> list[object]:
    held = p.position
    side = None if held is None else ("YES" if held.centi > 0 else "NO")
    return [
        p.ticker, side, contracts(None if held is None else abs(held)),
        money(p.market_exposure_dollars), money(p.realized_pnl_dollars), money(p.fees_paid_dollars),
    ]  # fmt: skip


def cap_fields(cap: FcmDailyCap) -> list[tuple[str, object]]:
    return [
        ("subtrader", cap.subtrader_id),
        ("daily cap", money(cap.limit)),
        ("executed today", money(cap.executed_utilization)),
        ("resting orders", money(cap.resting_order_utilization)),
        ("pending orders", money(cap.pending_order_utilization)),
        ("New York date", cap.cap_date),
    ]
