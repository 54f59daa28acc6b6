"""The checks of the communications requests: each returns exchange units or raises a 400
before anything changes. No I/O here."""

from __future__ import annotations

from kalshikit.errors import ValidationError
from kalshikit.fees import cents_ceil_micro, fee_units
from kalshikit.models import CreateQuoteRequest, CreateRfqRequest
from kalshikit.netting import unit_cost
from kalshikit.sandbox.exchange.errors import ExchangeError, bad_request
from kalshikit.sandbox.exchange.requests import parse_price
from kalshikit.units import PriceGrid, dollars_to_ticks, fp_to_centi

__all__ = ["check_flag", "need_micro", "quote_prices", "rfq_size"]

_MICRO_PER_CENTI_CENT = 100  # $0.0001 in micro-dollars
_BAD = "invalid_parameters"


def check_flag(value: object, name: str, *, required: bool = False) -> bool | None:
    if value is None and not required:
        return None
    if not isinstance(value, bool):
        raise bad_request(_BAD, f"{name} must be true or false")
    return value


def _count(req: CreateRfqRequest) -> int | None:
    """The RFQ's size in centi-contracts from ``contracts`` / ``contracts_fp`` (they must
    agree when both are given); None when neither is."""
    centi = None
    if req.contracts_fp is not None:
        try:
            centi = fp_to_centi(req.contracts_fp)
        except (ValidationError, TypeError, AttributeError):
            raise bad_request(_BAD, "contracts_fp must be a count string like '10.00'") from None
    if req.contracts is not None:
        if isinstance(req.contracts, bool) or not isinstance(req.contracts, int):
            raise bad_request(_BAD, "contracts must be a whole number")
        if centi is not None and centi != req.contracts * 100:
            raise bad_request(_BAD, "contracts and contracts_fp must match when both are given")
        centi = req.contracts * 100
    if centi is not None and not 0 < centi <= 100_000_000:
        raise bad_request(_BAD, "the RFQ's size must be above 0 contracts")
    return centi


def _target_cost(req: CreateRfqRequest) -> int | None:
    """The target cost in micro-dollars (``target_cost_dollars``, or the deprecated
    ``target_cost_centi_cents``); None when neither is given."""
    cost = None
    if req.target_cost_dollars is not None:
        try:
            cost = dollars_to_ticks(req.target_cost_dollars) * _MICRO_PER_CENTI_CENT
        except (ValidationError, TypeError, AttributeError):
            raise bad_request(_BAD, "target_cost_dollars must be dollars like '25.00'") from None
    elif req.target_cost_centi_cents is not None:
        if isinstance(req.target_cost_centi_cents, bool) or not isinstance(
            req.target_cost_centi_cents, int
        ):
            raise bad_request(_BAD, "target_cost_centi_cents must be an integer")
        cost = req.target_cost_centi_cents * _MICRO_PER_CENTI_CENT
    if cost is not None and not 0 < cost <= 10**13:
        raise bad_request(_BAD, "the target cost must be above $0")
    return cost


def rfq_size(req: CreateRfqRequest) -> tuple[int, int | None]:
    """(centi-contracts, target cost in micro-dollars or None): exactly one sizing."""
    count, cost = _count(req), _target_cost(req)
    if (count is None) == (cost is None):
        raise bad_request(_BAD, "give the RFQ's size as contracts_fp or target_cost_dollars")
    check_flag(req.rest_remainder, "rest_remainder", required=True)
    for name in ("replace_existing", "obscure_creator_id", "target_cost_excludes_fees"):
        check_flag(getattr(req, name), name)
    if req.subtrader_id is not None:
        raise bad_request(_BAD, "the sandbox has no FCM subtraders: leave subtrader_id out")
    return count or 0, cost


def _bid(text: object, name: str, grid: PriceGrid) -> int:
    """One side of a quote: 0 declines it, else a price on the market's grid."""
    if isinstance(text, str) and text.strip() in ("0", "0.0", "0.00", "0.0000"):
        return 0
    try:
        return parse_price(text, grid)
    except ExchangeError as exc:
        raise bad_request("invalid_price", f"{name}: {exc.message}") from None


def quote_prices(req: CreateQuoteRequest, grid: PriceGrid) -> tuple[int, int]:
    """(yes_bid, no_bid) in ticks; at least one above 0."""
    yes, no = _bid(req.yes_bid, "yes_bid", grid), _bid(req.no_bid, "no_bid", grid)
    if yes == 0 and no == 0:
        raise bad_request("invalid_price", "a quote needs yes_bid or no_bid above 0")
    check_flag(req.rest_remainder, "rest_remainder", required=True)
    check_flag(req.post_only, "post_only")
    return yes, no


def need_micro(side: str, price: int, size: int, coefficient: int) -> int:
    """The most one side of a trade can cost: the opening cost plus its fee."""
    fee = cents_ceil_micro(fee_units(coefficient, size, price)) if coefficient else 0
    return unit_cost(side, price) * size + fee
