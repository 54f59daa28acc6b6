"""Wire units and the order-intent mapping: the one place prices, sizes and money are converted.

Every unit the Trade API speaks is parsed and formatted here, exactly (integers or ``Decimal``,
never ``float``), and nowhere else. No I/O here.

Wire units (kalshi-rest.md 4.2):

* ``$``  dollar strings with 2-6 decimals (``"0.5600"``): prices and money;
* ``fp`` fixed-point contract counts with 2 decimals (``"10.00"``), negative in deltas/positions;
* ``¢``  integer cents (legacy prices; still used for balances);
* ``c¢`` integer centi-cents (10000 = $1).

Inside kalshikit a price is an ``int`` number of ticks of $0.0001 (``0..10000``) and a size an
``int`` number of centi-contracts; ``Price`` and ``Contracts`` wrap them at the edges. Money is
``Decimal`` dollars. Users say yes/no + buy/sell + the price of the side they name;
``intent_to_wire`` turns that into the V2 book side and YES price (the table in
docs/architecture.md).

Import everything from here; each part has its own module:

* :mod:`~kalshikit.units.wire`: wire strings and integers to ticks and centi-contracts, and back;
* :mod:`~kalshikit.units.money`: ``Decimal`` dollars;
* :mod:`~kalshikit.units.prices`: ``Price`` and the price grids markets accept;
* :mod:`~kalshikit.units.contracts`: ``Contracts``;
* :mod:`~kalshikit.units.intent`: sides, actions and the order-intent mapping;
* ``_exact``: the exact number reading and the value type they all build on.
"""

from __future__ import annotations

from kalshikit.units._exact import refuse_float
from kalshikit.units.contracts import Contracts
from kalshikit.units.intent import (
    ACTIONS,
    BOOK_SIDES,
    SIDES,
    Action,
    BookSide,
    Side,
    intent_to_wire,
    parse_action,
    parse_book_side,
    parse_side,
    wire_to_intent,
)
from kalshikit.units.money import (
    Money,
    format_money,
    money_from_centicents,
    money_from_cents,
    parse_money,
)
from kalshikit.units.prices import Price, PriceGrid, TickRange
from kalshikit.units.prices import RangeLike as RangeLike
from kalshikit.units.wire import (
    CENTI_MEMO,
    CENTI_PER_CONTRACT,
    TICKS_MEMO,
    TICKS_PER_CENT,
    TICKS_PER_DOLLAR,
    cached_dollars_to_ticks,
    cached_fp_to_centi,
    centi_to_fp,
    centicents_to_ticks,
    cents_to_ticks,
    dollars_to_ticks,
    fp_to_centi,
    ticks_to_dollars,
)

__all__ = [
    "ACTIONS",
    "BOOK_SIDES",
    "CENTI_MEMO",
    "CENTI_PER_CONTRACT",
    "SIDES",
    "TICKS_MEMO",
    "TICKS_PER_CENT",
    "TICKS_PER_DOLLAR",
    "Action",
    "BookSide",
    "Contracts",
    "Money",
    "Price",
    "PriceGrid",
    "Side",
    "TickRange",
    "cached_dollars_to_ticks",
    "cached_fp_to_centi",
    "centi_to_fp",
    "centicents_to_ticks",
    "cents_to_ticks",
    "dollars_to_ticks",
    "format_money",
    "fp_to_centi",
    "intent_to_wire",
    "money_from_centicents",
    "money_from_cents",
    "parse_action",
    "parse_book_side",
    "parse_money",
    "parse_side",
    "refuse_float",
    "ticks_to_dollars",
    "wire_to_intent",
]
