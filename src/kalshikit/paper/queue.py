"""Queue-position models for resting paper orders: how far back in a price level's queue we are.

No I/O here, and no floats: every input and output is an integer number of centi-contracts.
``ahead`` is the visible size queued in front of our (invisible) order at its price. The source
book only tells us the level's total size and the trades printed at that price, so a model must
guess which part of a shrinking level was in front of us. Two models, after hftbacktest's
``RiskAdverseQueueModel`` and ``ProbQueueModel`` with ``PowerProbQueueFunc``:

* ``RiskAverse``: only trades at our price move us forward; a cancel is assumed to be behind us
  (the pessimistic guess), though ``ahead`` can never exceed what the level still shows.
* ``PowerProb(n)``: a cancel is behind us with probability ``f(behind) / (f(behind) +
  f(ahead))``, ``f(x) = x ** n``; we advance by the expected share in front of us. Larger ``n``
  makes a cancel ever more likely to have come from the larger part of the queue.

Invariants every model keeps (tests assert them): ``0 <= ahead <= new level size``; ``ahead``
never grows on a trade or a decrease; a level increase joins behind us (``ahead`` unchanged).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Final, Protocol, runtime_checkable

from kalshikit.errors import ValidationError

__all__ = ["QUEUE_MODEL_NAMES", "PowerProb", "QueueModel", "RiskAverse", "parse_queue_model"]

QUEUE_MODEL_NAMES: Final = ("risk_averse", "power_prob:2", "power_prob:3")


def _size(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError(
            f"{name} must be a non-negative int of centi-contracts; got {value!r}"
        )
    return value


@runtime_checkable
class QueueModel(Protocol):
    """How ``ahead`` moves. Both methods return the new ``ahead``."""

    @property
    def name(self) -> str:
        """The model's name as ``parse_queue_model`` reads it."""
        ...

    def on_trade(self, ahead: int, traded: int) -> int:
        """A trade of ``traded`` printed at our price (it took from the front of the queue)."""
        ...

    def on_level_change(self, ahead: int, old_size: int, new_size: int) -> int:
        """The level went from ``old_size`` to ``new_size`` with no trade to explain it."""
        ...


def _trade(ahead: int, traded: int) -> int:
    return max(_size(ahead, "ahead") - _size(traded, "traded"), 0)


def _checked_change(ahead: int, old_size: int, new_size: int) -> tuple[int, int, int]:
    _size(ahead, "ahead"), _size(old_size, "old_size"), _size(new_size, "new_size")
    # a stale ahead (over the level) is first brought back inside it
    return min(ahead, old_size), old_size, new_size


@dataclass(frozen=True, slots=True)
class RiskAverse:
    """Advance on trades only; a cancel is always assumed to be behind us."""

    name: str = "risk_averse"

    def on_trade(self, ahead: int, traded: int) -> int:
        return _trade(ahead, traded)

    def on_level_change(self, ahead: int, old_size: int, new_size: int) -> int:
        ahead, _, new_size = _checked_change(ahead, old_size, new_size)
        return min(ahead, new_size)


@dataclass(frozen=True, slots=True)
class PowerProb:
    """A cancel is split between the queue ahead and behind us by ``f(x) = x ** n``."""

    n: int

    def __post_init__(self) -> None:
        if isinstance(self.n, bool) or not isinstance(self.n, int) or not 1 <= self.n <= 10:
            raise ValidationError(f"PowerProb takes a whole power n from 1 to 10; got {self.n!r}")

    @property
    def name(self) -> str:
        return f"power_prob:{self.n}"

    def on_trade(self, ahead: int, traded: int) -> int:
        return _trade(ahead, traded)

    def on_level_change(self, ahead: int, old_size: int, new_size: int) -> int:
        ahead, old_size, new_size = _checked_change(ahead, old_size, new_size)
        if new_size >= old_size:
            return ahead  # growth joins the back of the queue
        decrease = old_size - new_size
        behind = old_size - ahead
        weight_ahead, weight_behind = ahead**self.n, behind**self.n
        if weight_ahead + weight_behind == 0:
            return 0
        # exact: p is the chance the cancel was behind us; the rest came from in front
        p = Fraction(weight_behind, weight_ahead + weight_behind)
        from_behind = p * decrease
        overflow = max(from_behind - behind, Fraction(0))  # more than stood behind us
        estimate = ahead - (1 - p) * decrease - overflow
        # round ahead up (pessimistically: never further forward than the exact expectation)
        rounded = -((-estimate.numerator) // estimate.denominator)
        return min(max(rounded, 0), new_size, ahead)


def parse_queue_model(text: object) -> QueueModel:
    """``"risk_averse"``, ``"power_prob:2"`` or ``"power_prob:3"`` as a model."""
    if text == "risk_averse":
        return RiskAverse()
    if text in ("power_prob:2", "power_prob:3"):
        return PowerProb(int(str(text).split(":")[1]))
    raise ValidationError(
        f"queue model must be one of {', '.join(map(repr, QUEUE_MODEL_NAMES))}; got {text!r}"
    )
