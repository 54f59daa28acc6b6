"""Reading and checking the V2 order bodies into the exchange's terms. No I/O here.

Each check raises ``ExchangeError`` with the code the real API uses for that mistake and a
message that says what to send instead; nothing here touches exchange state, so a refused body
changes nothing. Checks that need state (balance, duplicates, groups, position) are ``_core``'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, cast

from kalshikit.errors import ValidationError
from kalshikit.models import CreateOrderV2Request, DecreaseOrderV2Request
from kalshikit.sandbox.engine import BookSide, SelfTradePrevention, TimeInForce
from kalshikit.sandbox.exchange.errors import bad_request
from kalshikit.units import (
    TICKS_PER_DOLLAR,
    Price,
    PriceGrid,
    dollars_to_ticks,
    fp_to_centi,
)

__all__ = [
    "LAST_EXPIRATION_S",
    "SHARD_ZERO",
    "OrderSpec",
    "WriteRoute",
    "check_routing",
    "parse_count",
    "parse_create",
    "parse_decrease",
    "parse_expiration",
    "parse_group_limit",
    "parse_price",
    "parse_side",
]

_TIME_IN_FORCE: Final = frozenset({"good_till_canceled", "immediate_or_cancel", "fill_or_kill"})
_STP: Final = frozenset({"taker_at_cross", "maker"})
_GTC: Final = "good_till_canceled"
LAST_EXPIRATION_S: Final = 253_402_300_799  # 9999-12-31T23:59:59Z, the last RFC 3339 second


@dataclass(frozen=True, slots=True)
class OrderSpec:
    """A create request after every stateless check, in ticks and centi-contracts."""

    side: BookSide
    price: int
    size: int
    time_in_force: TimeInForce
    self_trade_prevention: SelfTradePrevention
    post_only: bool
    reduce_only: bool
    client_order_id: str | None
    expiration_ms: int | None
    order_group_id: str | None
    cancel_on_pause: bool


def parse_side(side: object) -> BookSide:
    if side not in ("bid", "ask"):
        raise bad_request(
            "invalid_order",
            f"side must be 'bid' (buy YES) or 'ask' (sell YES = buy NO), got {side!r}",
        )
    return side


def parse_price(text: object, grid: PriceGrid) -> int:
    """A YES price dollar string on the market's grid, strictly between $0 and $1."""
    try:
        ticks = dollars_to_ticks(cast(str, text))
    except ValidationError as exc:
        raise bad_request(
            "invalid_price", f"price: {exc}; send a dollar string like '0.56'"
        ) from None
    if 0 < ticks < TICKS_PER_DOLLAR and grid.allows_ticks(ticks):
        return ticks
    if ticks > TICKS_PER_DOLLAR:
        raise bad_request("invalid_price", f"price {text!r} is above $1; prices are in dollars")
    try:
        grid.check_order_price(Price.from_ticks(ticks))
    except ValidationError as exc:
        raise bad_request("invalid_price", str(exc)) from None
    raise AssertionError("unreachable: the grid refused nothing")  # pragma: no cover


def parse_count(text: object, what: str = "count", *, allow_zero: bool = False) -> int:
    """A positive (or, with ``allow_zero``, zero) fp count in centi-contracts (2 decimals)."""
    try:
        centi = fp_to_centi(cast(str, text))
    except ValidationError as exc:
        raise bad_request("invalid_count", f"{what}: {exc}; send a string like '10.00'") from None
    if centi < 0 or (centi == 0 and not allow_zero):
        least = "0" if allow_zero else "0.01"
        raise bad_request("invalid_count", f"{what} must be at least {least}, got {text!r}")
    return centi


def parse_expiration(seconds: int, now_ms: int) -> int:
    """An expiration (unix seconds) in the future, as epoch ms."""
    expiration_ms = seconds * 1000
    if expiration_ms <= now_ms:
        raise bad_request(
            "invalid_order",
            f"expiration_time {seconds} is not in the future (now is {now_ms // 1000})",
        )
    if seconds > LAST_EXPIRATION_S:
        # Later than any date can be written: the order would be stored, then fail every read.
        raise bad_request(
            "invalid_order",
            f"expiration_time {seconds} is after 9999-12-31T23:59:59Z ({LAST_EXPIRATION_S})",
        )
    return expiration_ms


def _check_options(req: CreateOrderV2Request) -> None:
    tif, stp = req.time_in_force, req.self_trade_prevention_type
    if tif not in _TIME_IN_FORCE:
        known = ", ".join(sorted(_TIME_IN_FORCE))
        raise bad_request("invalid_order", f"time_in_force must be one of {known}, got {tif!r}")
    if stp not in _STP:
        raise bad_request(
            "invalid_order",
            f"self_trade_prevention_type must be 'taker_at_cross' or 'maker', got {stp!r}",
        )
    if req.reduce_only and tif != "immediate_or_cancel":
        raise bad_request("invalid_order", "reduce_only orders must be immediate_or_cancel")
    if req.expiration_time is not None and tif != _GTC:
        raise bad_request(
            "invalid_order", "expiration_time is only allowed with good_till_canceled"
        )


def parse_create(req: CreateOrderV2Request, grid: PriceGrid, now_ms: int) -> OrderSpec:
    """Every stateless check of a create, in the order a reader would make them."""
    side = parse_side(req.side)
    price = parse_price(req.price, grid)
    size = parse_count(req.count)
    _check_options(req)
    expiration = req.expiration_time
    return OrderSpec(
        side=side,
        price=price,
        size=size,
        time_in_force=cast(TimeInForce, req.time_in_force),
        self_trade_prevention=cast(SelfTradePrevention, req.self_trade_prevention_type),
        post_only=bool(req.post_only),
        reduce_only=bool(req.reduce_only),
        client_order_id=req.client_order_id or None,
        expiration_ms=None if expiration is None else parse_expiration(expiration, now_ms),
        order_group_id=req.order_group_id or None,
        cancel_on_pause=bool(req.cancel_order_on_pause),
    )


@dataclass(frozen=True, slots=True)
class WriteRoute:
    """Where a cancel or decrease goes: the shard of ``market_ticker``'s market when it is
    given, else ``exchange_index`` (-1: route by ticker), else shard 0 (kalshi-rest.md 5.5)."""

    market_ticker: str | None = None
    exchange_index: int | None = None

    def shard(self, market_shard: int) -> int:
        """The shard reached, given the shard of the market ``market_ticker`` names."""
        if self.market_ticker:
            return market_shard
        return self.exchange_index if self.exchange_index not in (None, -1) else 0


SHARD_ZERO: Final = WriteRoute()


def check_routing(exchange_index: int | None, market_index: int) -> None:
    """An explicit shard must be the market's own."""
    if exchange_index not in (None, -1, market_index):
        raise bad_request(
            "invalid_parameters",
            f"this market lives on exchange_index {market_index}, not {exchange_index}; "
            "omit it (or pass -1) to route by ticker",
        )


def parse_decrease(req: DecreaseOrderV2Request) -> tuple[int | None, int | None]:
    """(reduce_by, reduce_to) in centi-contracts, exactly one of them set."""
    if (req.reduce_by is None) == (req.reduce_to is None):
        raise bad_request("invalid_parameters", "send exactly one of reduce_by and reduce_to")
    if req.reduce_by is not None:
        return parse_count(req.reduce_by, "reduce_by"), None
    return None, parse_count(req.reduce_to, "reduce_to", allow_zero=True)


def parse_group_limit(contracts_limit: int | None, contracts_limit_fp: str | None) -> int | None:
    """A group's limit in centi-contracts from either field (equal if both); None = no limit."""
    from_int = None
    if contracts_limit is not None:
        if isinstance(contracts_limit, bool) or contracts_limit < 1:
            raise bad_request(
                "invalid_parameters", f"contracts_limit must be >= 1, got {contracts_limit!r}"
            )
        from_int = contracts_limit * 100
    from_fp = None if contracts_limit_fp is None else parse_count(contracts_limit_fp)
    if from_int is not None and from_fp is not None and from_int != from_fp:
        raise bad_request(
            "invalid_parameters", "contracts_limit and contracts_limit_fp disagree; send one"
        )
    return from_fp if from_fp is not None else from_int
