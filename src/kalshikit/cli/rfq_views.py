"""How `kalshi rfq ...` and `kalshi quote ...` show RFQs and quotes (pure rendering).

A quote reads in the requester's words: ``buy YES at 60¢`` (its yes_bid) and ``buy NO at 35¢``
(its no_bid); a declined side (0) is ``—``. Ids show their first 8 characters, as orders do.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from kalshikit.errors import ValidationError
from kalshikit.models import Quote, Rfq
from kalshikit.units import Contracts, Price
from kalshikit.units.display import ID_PREFIX, MISSING, cents, contracts, money, when

__all__ = [
    "QUOTE_COLUMNS",
    "RFQ_COLUMNS",
    "quote_rows",
    "resolve_id",
    "rfq_rows",
    "side_words",
    "size_words",
]

RFQ_COLUMNS = ["rfq", "market", "size", "status", "created"]
QUOTE_COLUMNS = ["quote", "rfq", "market", "yes side", "no side", "status"]


def side_words(side: str, dollars: str) -> str:
    """``buy YES at 60¢`` (the requester's side of a quote); ``—`` when the side is declined."""
    price = Price(dollars)
    return MISSING if price.ticks == 0 else f"buy {side.upper()} at {cents(price)}"


def size_words(rfq: Rfq) -> str:
    """``10`` contracts, or a target cost (``$25.00``) when the RFQ was sized in dollars."""
    if rfq.target_cost_dollars is not None:
        return money(rfq.target_cost_dollars)
    return contracts(Contracts.from_fp(rfq.contracts_fp))


def rfq_rows(rfqs: Iterable[Rfq]) -> Iterable[Sequence[object]]:
    for r in rfqs:
        yield [r.id[:ID_PREFIX], r.market_ticker, size_words(r), r.status, when(r.created_ts)]


def quote_rows(quotes: Iterable[Quote]) -> Iterable[Sequence[object]]:
    for q in quotes:
        yield [
            q.id[:ID_PREFIX], q.rfq_id[:ID_PREFIX], q.market_ticker,
            side_words("yes", q.yes_bid_dollars), side_words("no", q.no_bid_dollars), q.status,
        ]  # fmt: skip


def resolve_id(prefix: str, known: Iterable[str], what: str) -> str:
    """The one id among ``known`` that starts with ``prefix`` (a whole id is kept as is)."""
    prefix = prefix.strip()
    matches = sorted({k for k in known if k.startswith(prefix)}) if prefix else []
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise ValidationError(f"no {what} starts with {prefix!r}; list them with --json")
    raise ValidationError(f"{prefix!r} matches {len(matches)} {what}s; give more of the id")
