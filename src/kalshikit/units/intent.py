"""The order-intent mapping: yes/no + buy/sell + the named side's price, to the V2 book and back.

Users say yes/no + buy/sell + the price of the side they name; the V2 API speaks of one book,
YES bids and asks at YES prices. ``intent_to_wire`` and ``wire_to_intent`` turn one into the
other (the table in docs/architecture.md). No I/O here.
"""

from __future__ import annotations

from typing import Final, Literal, cast

from kalshikit.errors import ValidationError
from kalshikit.units.prices import Price

__all__ = [
    "ACTIONS",
    "BOOK_SIDES",
    "SIDES",
    "Action",
    "BookSide",
    "Side",
    "intent_to_wire",
    "parse_action",
    "parse_book_side",
    "parse_side",
    "wire_to_intent",
]

Side = Literal["yes", "no"]
Action = Literal["buy", "sell"]
BookSide = Literal["bid", "ask"]

SIDES: Final[tuple[Side, ...]] = ("yes", "no")
ACTIONS: Final[tuple[Action, ...]] = ("buy", "sell")
BOOK_SIDES: Final[tuple[BookSide, ...]] = ("bid", "ask")


def _one_of(value: object, allowed: tuple[str, ...], name: str) -> str:
    if value not in allowed:
        choices = ", ".join(repr(choice) for choice in allowed)
        raise ValidationError(f"{name} must be one of {choices}; got {value!r}")
    return value


def parse_side(value: object) -> Side:
    return cast(Side, _one_of(value, SIDES, "side"))


def parse_action(value: object) -> Action:
    return cast(Action, _one_of(value, ACTIONS, "action"))


def parse_book_side(value: object) -> BookSide:
    return cast(BookSide, _one_of(value, BOOK_SIDES, "book side"))


def _require_price(price: object) -> Price:
    if not isinstance(price, Price):
        raise ValidationError(f"expected a Price such as Price('0.56'), got {price!r}")
    return price


def intent_to_wire(side: Side, action: Action, price: Price) -> tuple[BookSide, Price]:
    """What the user says (buy NO at $0.40) to the V2 order: (YES-book side, YES price).

    buy YES p -> bid p; sell YES p -> ask p; buy NO q -> ask 1-q; sell NO q -> bid 1-q.
    """
    side, action, price = parse_side(side), parse_action(action), _require_price(price)
    buys_yes = (side == "yes") == (action == "buy")  # selling NO is economically buying YES
    yes_price = price if side == "yes" else price.complement()
    return ("bid" if buys_yes else "ask"), yes_price


def wire_to_intent(book_side: BookSide, yes_price: Price, side: Side) -> tuple[Action, Price]:
    """A V2 (book side, YES price) seen from ``side``: ("ask", $0.60) as "no" -> ("buy", $0.40)."""
    book_side, side = parse_book_side(book_side), parse_side(side)
    yes_price = _require_price(yes_price)
    buys_yes = book_side == "bid"
    buys = buys_yes if side == "yes" else not buys_yes
    price = yes_price if side == "yes" else yes_price.complement()
    return ("buy" if buys else "sell"), price
