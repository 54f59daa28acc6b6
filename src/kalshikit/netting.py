"""Kalshi's position netting, exactly: how a fill changes a position in one market. No I/O.

A position is signed centi-contracts (positive YES, negative NO) with what it cost, in
micro-dollars. A fill on the V2 book side ``bid`` (buy YES, or sell NO) first closes NO held,
releasing ``$1 - p`` a contract, then opens YES at ``p``; an ``ask`` closes YES at ``p``, then
opens NO at ``$1 - p``: Kalshi nets YES against NO. A close releases the position's cost pro
rata (all of it when it closes everything, so no rounding is left behind) and realizes the
difference. The sandbox and the paper engine both keep positions by these rules.
"""

from __future__ import annotations

from typing import Protocol

from kalshikit.units import TICKS_PER_DOLLAR

__all__ = ["NettedPosition", "net_fill"]


class NettedPosition(Protocol):
    """The money fields a position keeps (micro-dollars; ``size`` and ``volume`` centi)."""

    size: int
    cost: int
    realized: int
    traded: int
    volume: int


def net_fill(position: NettedPosition, side: str, price: int, size: int) -> int:
    """Net a fill of ``size`` at ``price`` ticks on ``side`` into ``position``; returns the
    cash it moves (fees aside): positive what a close releases, negative what an open costs."""
    held = position.size if side == "ask" else -position.size  # what this side closes
    closing = min(size, held) if held > 0 else 0
    opening = size - closing
    if side == "bid":
        proceeds, opening_cost = (TICKS_PER_DOLLAR - price) * closing, price * opening
        position.size += size
        position.traded += price * size
    else:
        proceeds, opening_cost = price * closing, (TICKS_PER_DOLLAR - price) * opening
        position.size -= size
        position.traded += (TICKS_PER_DOLLAR - price) * size
    if closing:
        released = position.cost if closing == held else position.cost * closing // held
        position.cost -= released
        position.realized += proceeds - released
    position.cost += opening_cost
    position.volume += size
    return proceeds - opening_cost
