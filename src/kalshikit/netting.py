"""Kalshi's position netting, exactly: how a fill changes a position in one market. No I/O.

A position is signed centi-contracts (positive YES, negative NO) with what it cost, in
micro-dollars. A fill on the V2 book side ``bid`` (buy YES, or sell NO) first closes NO held,
releasing ``$1 - p`` a contract, then opens YES at ``p``; an ``ask`` closes YES at ``p``, then
opens NO at ``$1 - p``: Kalshi nets YES against NO. A close releases the position's cost pro
rata (all of it when it closes everything, so no rounding is left behind) and realizes the
difference. The sandbox and the paper engine both keep positions by these rules, and hold the
same collateral for a resting order (:func:`unit_cost`, :func:`standalone_cost`).
"""

from __future__ import annotations

from typing import Protocol

from kalshikit.fees import cents_ceil_micro, fee_units
from kalshikit.units import TICKS_PER_DOLLAR

__all__ = [
    "FillCosts",
    "NettedPosition",
    "add_fill_cost",
    "net_fill",
    "standalone_cost",
    "unit_cost",
]


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


def unit_cost(side: str, price: int) -> int:
    """Collateral per centi-contract of an order that opens: p for a bid, 1 - p for an ask."""
    return price if side == "bid" else TICKS_PER_DOLLAR - price


def standalone_cost(
    side: str, price: int, remaining: int, maker: int, accrued: int = 0, charged: int = 0
) -> int:
    """What an order needs ignoring the position: all of it opening, plus the most maker fee
    its rest could still be charged (zero on series without maker fees): ``accrued`` is the
    maker fee it accrued so far (fee units), ``charged`` what was charged of it (micro)."""
    cost = unit_cost(side, price) * remaining
    if maker:
        cost += cents_ceil_micro(accrued + fee_units(maker, remaining, price)) - charged
    return cost


class FillCosts(Protocol):
    """What an order keeps of its fills' costs (micro-dollars; ``filled`` centi)."""

    @property
    def side(self) -> str: ...

    taker_cost: int
    maker_cost: int
    fill_value: int
    filled: int


def add_fill_cost(order: FillCosts, size: int, price: int, is_taker: bool) -> None:
    """Book one fill's cost on its order: what its side paid (p a contract on a bid, 1 - p on
    an ask) as taker or maker, and the fill's YES value."""
    cost = unit_cost(order.side, price) * size
    if is_taker:
        order.taker_cost += cost
    else:
        order.maker_cost += cost
    order.fill_value += price * size
    order.filled += size
