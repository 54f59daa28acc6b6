"""The source's book of one market as paper orders see it. No I/O here.

Two ladders as Kalshi sends them: YES bids by YES price and NO bids by NO price (a NO bid at q
is a YES ask at 1 - q), sizes in centi-contracts. On top of the source's sizes each paper
account has its own *consumed* depth per level: what its taker orders took, which it may not
take again until the source's level shrinks by at least that much (the source catching up with
the trade) or a snapshot replaces the book. Accounts never see each other's consumption.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from kalshikit.errors import ValidationError
from kalshikit.paper.records import BookLevel, SourceSide
from kalshikit.units import TICKS_PER_DOLLAR, BookSide

__all__ = ["SourceBook", "check_price", "check_size"]


def check_price(value: object, name: str = "price") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < TICKS_PER_DOLLAR:
        raise ValidationError(
            f"{name} must be an int of ticks strictly between 0 and {TICKS_PER_DOLLAR} "
            f"($0.0001 each, so 5600 is $0.56); got {value!r}"
        )
    return value


def check_size(value: object, name: str = "size", *, allow_zero: bool = False) -> int:
    least = 0 if allow_zero else 1
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise ValidationError(
            f"{name} must be an int of centi-contracts, at least {least} (100 is 1 contract); "
            f"got {value!r}"
        )
    return value


def check_side(value: object) -> SourceSide:
    if value not in ("yes", "no"):
        raise ValidationError(f"side must be 'yes' or 'no'; got {value!r}")
    return value


def _ladder(pairs: Iterable[tuple[int, int]], side: str) -> dict[int, int]:
    sizes: dict[int, int] = {}
    for pair in pairs:
        if not isinstance(pair, tuple) or len(pair) != 2:
            raise ValidationError(f"{side} levels must be (ticks, centi) pairs; got {pair!r}")
        price = check_price(pair[0], f"a {side} level's price")
        size = check_size(pair[1], f"a {side} level's size", allow_zero=True)
        if size:
            sizes[price] = sizes.get(price, 0) + size
    return sizes


@dataclass(slots=True)
class SourceBook:
    """One market's source book, plus each account's consumed depth."""

    ticker: str
    yes: dict[int, int] = field(default_factory=dict)
    no: dict[int, int] = field(default_factory=dict)
    consumed: dict[str, dict[BookLevel, int]] = field(default_factory=dict)
    trades_pending: dict[BookLevel, int] = field(default_factory=dict)

    def ladder(self, side: SourceSide) -> dict[int, int]:
        return self.yes if side == "yes" else self.no

    def size_at(self, level: BookLevel) -> int:
        return self.ladder(level[0]).get(level[1], 0)

    def replace(self, yes: Iterable[tuple[int, int]], no: Iterable[tuple[int, int]]) -> None:
        """A snapshot: both sides checked before either changes; consumption is forgotten."""
        yes_sizes, no_sizes = _ladder(yes, "yes"), _ladder(no, "no")
        self.yes, self.no = yes_sizes, no_sizes
        self.consumed.clear()
        self.trades_pending.clear()

    def check_delta(self, side: object, price: object, delta: object) -> tuple[BookLevel, int]:
        """The level and its size after the delta; raises (changing nothing) if it is bad."""
        level: BookLevel = (check_side(side), check_price(price))
        if isinstance(delta, bool) or not isinstance(delta, int) or delta == 0:
            raise ValidationError(f"delta must be a non-zero int of centi-contracts; got {delta!r}")
        new_size = self.size_at(level) + delta
        if new_size < 0:
            raise ValidationError(
                f"a delta of {delta} at {level[0]} {level[1]} would leave {new_size} on "
                f"{self.ticker}'s book (a missed message?): send a fresh snapshot"
            )
        return level, new_size

    def set_level(self, level: BookLevel, new_size: int) -> None:
        """Apply a checked change; a shrink of d releases up to d of each account's consumption."""
        ladder = self.ladder(level[0])
        shrink = ladder.get(level[1], 0) - new_size
        if new_size:
            ladder[level[1]] = new_size
        else:
            ladder.pop(level[1], None)
        if shrink > 0:
            for taken in self.consumed.values():
                left = taken.get(level, 0) - shrink
                if left > 0:
                    taken[level] = left
                else:
                    taken.pop(level, None)

    def available(self, account: str, level: BookLevel) -> int:
        taken = self.consumed.get(account, {}).get(level, 0)
        return max(self.size_at(level) - taken, 0)

    def consume(self, account: str, level: BookLevel, size: int) -> None:
        taken = self.consumed.setdefault(account, {})
        taken[level] = taken.get(level, 0) + size

    def crossing(
        self, account: str, side: BookSide, limit: int
    ) -> Iterator[tuple[BookLevel, int, int]]:
        """The opposite levels an order on ``side`` at YES price ``limit`` crosses, best first:
        (level, YES price, size this account may still take). A bid takes YES asks (NO bids at
        1 - q <= limit); an ask takes YES bids (at b >= limit)."""
        if side == "bid":
            for q in sorted(self.no, reverse=True):
                if TICKS_PER_DOLLAR - q > limit:
                    break
                level: BookLevel = ("no", q)
                yield level, TICKS_PER_DOLLAR - q, self.available(account, level)
        else:
            for b in sorted(self.yes, reverse=True):
                if b < limit:
                    break
                level = ("yes", b)
                yield level, b, self.available(account, level)

    def crossing_size(self, account: str, side: BookSide, limit: int) -> int:
        return sum(size for _, _, size in self.crossing(account, side, limit))
