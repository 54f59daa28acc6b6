"""Settlement of a determined market for every paper account. No I/O here.

As the sandbox settles (``exchange/admin.py``): resting orders were canceled first, then each
holder is paid and gets one ``Settlement`` record (when it held a position) and a position
message. ``yes`` pays $1 a YES contract, ``no`` $1 a NO contract; a ``scalar`` result pays
``settlement_value`` ticks a YES contract and the rest of $1 a NO contract; ``void`` refunds each
holder the cost of its position (the sandbox has no void; this is Kalshi's rule for a voided
market: positions are returned at cost).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from kalshikit.errors import ValidationError
from kalshikit.paper.accounts import PaperAccount
from kalshikit.paper.records import PaperSettlement
from kalshikit.paper.wire import PaperEvent, position_msg
from kalshikit.units import TICKS_PER_DOLLAR

__all__ = ["RESULTS", "settle_market", "settlement_terms", "yes_value_of"]

RESULTS: Final = ("yes", "no", "scalar", "void")


def yes_value_of(result: object, settlement_value: object) -> int | None:
    """What a YES contract pays in ticks; None for a void market. Raises for a bad pair."""
    if result == "yes":
        return TICKS_PER_DOLLAR
    if result == "no":
        return 0
    if result == "void":
        return None
    if result == "scalar":
        if (
            isinstance(settlement_value, bool)
            or not isinstance(settlement_value, int)
            or not 0 <= settlement_value <= TICKS_PER_DOLLAR
        ):
            raise ValidationError(
                "a scalar result needs settlement_value: the YES payout in ticks, an int from "
                f"0 to {TICKS_PER_DOLLAR}; got {settlement_value!r}"
            )
        return settlement_value
    raise ValidationError(f"result must be one of {', '.join(map(repr, RESULTS))}; got {result!r}")


def settlement_terms(result: object, settlement_value: object) -> tuple[str, int | None] | None:
    """(result, YES value in ticks or None for void) of a settling event; None when neither is
    given. A ``settlement_value`` alone reads as the result it implies ($1 yes, $0 no, else
    scalar), as the lifecycle channel carries only the value."""
    if result is None and settlement_value is None:
        return None
    if result is None:
        value = yes_value_of("scalar", settlement_value)  # checks the range
        implied = {TICKS_PER_DOLLAR: "yes", 0: "no"}.get(value or 0, "scalar")
        return implied, value
    return str(result), yes_value_of(result, settlement_value)


def _event_ticker(ticker: str) -> str:
    """A market ticker is its event's ticker and a suffix (``KXBTCD-25JAN01-T100``)."""
    return ticker.rsplit("-", 1)[0] if "-" in ticker else ticker


def settle_market(
    accounts: Iterable[PaperAccount], ticker: str, result: str, value: int | None, now: int
) -> list[PaperEvent]:
    """Pay every account's position in ``ticker``, record what each got; the position messages."""
    events: list[PaperEvent] = []
    for account in accounts:
        position = account.positions.get(ticker)
        if position is None or position.settled:
            continue
        size, cost = position.size, position.cost
        payout = position.settle(value, now)
        account.cash += payout
        account.updated_ns = now
        if size == 0:
            continue
        yes_value = TICKS_PER_DOLLAR if value is None and size > 0 else value
        account.settlements.append(
            PaperSettlement(
                ticker, _event_ticker(ticker), result, max(size, 0), max(-size, 0),
                cost if size > 0 else 0, cost if size < 0 else 0, payout,
                0 if yes_value is None else yes_value, position.fees, now,
            )
        )  # fmt: skip
        events.append((now, account.name, position_msg(account.name, position)))
    return events
