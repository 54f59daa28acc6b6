"""The WebSocket data payloads (the ``msg`` of each data frame) and their exact units. No I/O here.

One struct per ``msg`` shape of kalshi-websocket.md section 3 and the AsyncAPI spec, current
fields first, January fields (integer cents and counts, centi-cents) after them. A January field
whose plain name a typed property needs is declared under a unit-suffixed attribute with the wire
name kept (``price_cents`` reads ``"price"``), as in :mod:`kalshikit.models.base`. The deprecated
RFC3339 twins of the ``*_ms`` times (``ts`` on deltas, ``time`` on tickers, ``created_time``,
``last_update_time`` and ``expiration_time`` on user orders) are left undeclared: msgspec skips
undeclared keys, which is cheaper than reading them. Every other field is declared, deprecated
or not. Prices come back as :class:`Price`, sizes as :class:`Contracts` and money as ``Decimal``
dollars, all through :mod:`kalshikit.units`.

:data:`RECORD_UNITS` says how :func:`kalshikit.models.stream.as_record` names each converted
value: prices and money ``<name>_dollars``, counts ``<name>_contracts`` (or the name alone when it
already says contracts). The lifecycle, communications and reply payloads are in
:mod:`kalshikit.models._stream_events`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

import msgspec

from kalshikit.errors import ValidationError
from kalshikit.models.base import contracts_of, price_of
from kalshikit.units import (
    Contracts,
    Price,
    cached_dollars_to_ticks,
    cached_fp_to_centi,
    cents_to_ticks,
    money_from_centicents,
    parse_money,
)

__all__ = [
    "RECORD_UNITS",
    "DeltaMsg",
    "FillMsg",
    "OrderGroupMsg",
    "PositionMsg",
    "SnapshotMsg",
    "TickerMsg",
    "TradeMsg",
    "Units",
    "UserOrderMsg",
    "money_of",
]

Levels = list[tuple[int, int]]
Units = dict[type[msgspec.Struct], tuple[tuple[str, str, tuple[str, ...]], ...]]
"""Per payload: (record key, property or method giving the exact value, wire keys it replaces)."""


def money_of(text: str | int | None) -> Decimal | None:
    return None if text is None else parse_money(text)


def _money_or_cc(text: str | None, centicents: int | None) -> Decimal | None:
    if text is not None:
        return parse_money(text)
    return None if centicents is None else money_from_centicents(centicents)


def _legacy(value: int | None, field: str, ticker: str) -> int:
    if value is None:
        raise ValidationError(
            f"an orderbook_delta for {ticker} has no {field} (nor its January twin)"
        )
    return value


def _levels(
    fp: list[tuple[str, str]] | None,
    dollars: list[tuple[str, int]] | None,
    cents: list[tuple[int, int]] | None,
) -> Levels:
    """(ticks, centi-contracts) of the current pairs, else the January ones, else none."""
    if fp is not None:
        return [(cached_dollars_to_ticks(p), cached_fp_to_centi(c)) for p, c in fp]
    if dollars is not None:
        return [(cached_dollars_to_ticks(p), Contracts.parse(c).centi) for p, c in dollars]
    return [(cents_to_ticks(p), Contracts.parse(c).centi) for p, c in cents or ()]


# --- order book ----------------------------------------------------------------------------------


class SnapshotMsg(msgspec.Struct, kw_only=True, gc=False):
    """``orderbook_snapshot``: YES bids and NO bids as [price $, count fp]; an empty side is absent.

    January shape: ``yes``/``no`` as [cents, contracts] and ``yes_dollars``/``no_dollars`` as
    [price $, contracts].
    """

    market_ticker: str
    market_id: str | None = None
    yes_dollars_fp: list[tuple[str, str]] | None = None
    no_dollars_fp: list[tuple[str, str]] | None = None
    yes: list[tuple[int, int]] | None = None
    no: list[tuple[int, int]] | None = None
    yes_dollars: list[tuple[str, int]] | None = None
    no_dollars: list[tuple[str, int]] | None = None

    def yes_levels(self) -> Levels:
        """YES bids as (ticks, centi-contracts), whichever shape they came in; [] when empty."""
        return _levels(self.yes_dollars_fp, self.yes_dollars, self.yes)

    def no_levels(self) -> Levels:
        """NO bids as (ticks, centi-contracts), in the subscription's price terms."""
        return _levels(self.no_dollars_fp, self.no_dollars, self.no)


class DeltaMsg(msgspec.Struct, kw_only=True, gc=False):
    """``orderbook_delta``: a signed change of the resting size at one price of one side."""

    market_ticker: str
    side: str
    price_dollars: str | None = None
    delta_fp: str | None = None
    market_id: str | None = None
    client_order_id: str | None = None
    subaccount: int | None = None
    ts_ms: int | None = None
    price_cents: int | None = msgspec.field(default=None, name="price")
    delta_int: int | None = msgspec.field(default=None, name="delta")

    def price_ticks(self) -> int:
        """The price in ticks (hot path); raises ValidationError when neither shape has one."""
        text = self.price_dollars
        if text is not None:
            return cached_dollars_to_ticks(text)
        return cents_to_ticks(_legacy(self.price_cents, "price_dollars", self.market_ticker))

    def delta_centi(self) -> int:
        """The change in centi-contracts (hot path); raises ValidationError when none is sent."""
        text = self.delta_fp
        if text is not None:
            return cached_fp_to_centi(text)
        return Contracts.parse(_legacy(self.delta_int, "delta_fp", self.market_ticker)).centi

    @property
    def price(self) -> Price:
        return Price.from_ticks(self.price_ticks())

    @property
    def delta(self) -> Contracts:
        return Contracts.from_centi(self.delta_centi())


# --- market data ---------------------------------------------------------------------------------


class TickerMsg(msgspec.Struct, kw_only=True, gc=False):
    """``ticker``: the full quote state of one market (no seq: the latest wins).

    ``dollar_volume``/``dollar_open_interest`` are whole dollars (an int per the spec; one third
    party saw strings, so both are read). Before March 2026: cents and integer counts.
    """

    market_ticker: str
    market_id: str | None = None
    price_dollars: str | None = None
    yes_bid_dollars: str | None = None
    yes_ask_dollars: str | None = None
    yes_bid_size_fp: str | None = None
    yes_ask_size_fp: str | None = None
    last_trade_size_fp: str | None = None
    volume_fp: str | None = None
    open_interest_fp: str | None = None
    dollar_volume: int | str | None = None
    dollar_open_interest: int | str | None = None
    ts: int | None = None
    ts_ms: int | None = None
    price_cents: int | None = msgspec.field(default=None, name="price")
    yes_bid_cents: int | None = msgspec.field(default=None, name="yes_bid")
    yes_ask_cents: int | None = msgspec.field(default=None, name="yes_ask")
    volume_int: int | None = msgspec.field(default=None, name="volume")
    open_interest_int: int | None = msgspec.field(default=None, name="open_interest")

    @property
    def price(self) -> Price | None:
        """The last trade price."""
        return price_of(self.price_dollars, self.price_cents)

    @property
    def yes_bid(self) -> Price | None:
        return price_of(self.yes_bid_dollars, self.yes_bid_cents)

    @property
    def yes_ask(self) -> Price | None:
        return price_of(self.yes_ask_dollars, self.yes_ask_cents)

    @property
    def yes_bid_size(self) -> Contracts | None:
        return contracts_of(self.yes_bid_size_fp, None)

    @property
    def yes_ask_size(self) -> Contracts | None:
        return contracts_of(self.yes_ask_size_fp, None)

    @property
    def last_trade_size(self) -> Contracts | None:
        return contracts_of(self.last_trade_size_fp, None)

    @property
    def volume(self) -> Contracts | None:
        return contracts_of(self.volume_fp, self.volume_int)

    @property
    def open_interest(self) -> Contracts | None:
        return contracts_of(self.open_interest_fp, self.open_interest_int)

    @property
    def volume_dollars(self) -> Decimal | None:
        """Dollars traded so far (``dollar_volume``)."""
        return money_of(self.dollar_volume)

    @property
    def open_interest_dollars(self) -> Decimal | None:
        """Dollars positioned in the market now (``dollar_open_interest``)."""
        return money_of(self.dollar_open_interest)


class TradeMsg(msgspec.Struct, kw_only=True, gc=False):
    """``trade``: one public trade; YES and NO prices sum to $1."""

    market_ticker: str
    trade_id: str | None = None
    yes_price_dollars: str | None = None
    no_price_dollars: str | None = None
    count_fp: str | None = None
    taker_outcome_side: str | None = None
    taker_book_side: str | None = None
    taker_side: str | None = None
    is_block_trade: bool | None = None
    ts: int | None = None
    ts_ms: int | None = None

    @property
    def yes_price(self) -> Price | None:
        return price_of(self.yes_price_dollars, None)

    @property
    def no_price(self) -> Price | None:
        return price_of(self.no_price_dollars, None)

    @property
    def count(self) -> Contracts | None:
        return contracts_of(self.count_fp, None)


# --- private channels ----------------------------------------------------------------------------


class FillMsg(msgspec.Struct, kw_only=True, gc=False):
    """``fill``: one of your fills; ``post_position_fp`` is the signed position after it."""

    market_ticker: str
    trade_id: str | None = None
    order_id: str | None = None
    client_order_id: str | None = None
    exchange_index: int | None = None
    subaccount: int | None = None
    is_taker: bool | None = None
    yes_price_dollars: str | None = None
    count_fp: str | None = None
    fee_cost: str | None = None
    post_position_fp: str | None = None
    outcome_side: str | None = None
    book_side: str | None = None
    side: str | None = None
    action: str | None = None
    purchased_side: str | None = None
    ts: int | None = None
    ts_ms: int | None = None

    @property
    def yes_price(self) -> Price | None:
        return price_of(self.yes_price_dollars, None)

    @property
    def count(self) -> Contracts | None:
        return contracts_of(self.count_fp, None)

    @property
    def fee(self) -> Decimal | None:
        """The exchange fee of this fill, in dollars (``fee_cost``)."""
        return money_of(self.fee_cost)

    @property
    def post_position(self) -> Contracts | None:
        return contracts_of(self.post_position_fp, None)


class PositionMsg(msgspec.Struct, kw_only=True, gc=False):
    """``market_position``: your position in one market. Until April 2026 the money fields were
    integer centi-cents (``position_cost`` ...)."""

    market_ticker: str
    user_id: str | None = None
    subaccount: int | None = None
    position_fp: str | None = None
    volume_fp: str | None = None
    position_cost_dollars: str | None = None
    realized_pnl_dollars: str | None = None
    fees_paid_dollars: str | None = None
    position_fee_cost_dollars: str | None = None
    position_cost_cc: int | None = msgspec.field(default=None, name="position_cost")
    realized_pnl_cc: int | None = msgspec.field(default=None, name="realized_pnl")
    fees_paid_cc: int | None = msgspec.field(default=None, name="fees_paid")
    position_fee_cost_cc: int | None = msgspec.field(default=None, name="position_fee_cost")

    @property
    def position(self) -> Contracts | None:
        """Signed: positive is YES, negative NO."""
        return contracts_of(self.position_fp, None)

    @property
    def volume(self) -> Contracts | None:
        return contracts_of(self.volume_fp, None)

    @property
    def cost(self) -> Decimal | None:
        return _money_or_cc(self.position_cost_dollars, self.position_cost_cc)

    @property
    def realized_pnl(self) -> Decimal | None:
        return _money_or_cc(self.realized_pnl_dollars, self.realized_pnl_cc)

    @property
    def fees_paid(self) -> Decimal | None:
        return _money_or_cc(self.fees_paid_dollars, self.fees_paid_cc)

    @property
    def position_fee_cost(self) -> Decimal | None:
        return _money_or_cc(self.position_fee_cost_dollars, self.position_fee_cost_cc)


class UserOrderMsg(msgspec.Struct, kw_only=True, gc=False):
    """``user_order``: one of your orders after a change. ``created_ts_ms`` may be null."""

    order_id: str
    ticker: str
    user_id: str | None = None
    client_order_id: str | None = None
    order_group_id: str | None = None
    exchange_index: int | None = None
    subaccount_number: int | None = None
    status: str | None = None
    self_trade_prevention_type: str | None = None
    last_update_reason: str | None = None
    outcome_side: str | None = None
    book_side: str | None = None
    side: str | None = None
    is_yes: bool | None = None
    yes_price_dollars: str | None = None
    fill_count_fp: str | None = None
    remaining_count_fp: str | None = None
    initial_count_fp: str | None = None
    taker_fill_cost_dollars: str | None = None
    maker_fill_cost_dollars: str | None = None
    taker_fees_dollars: str | None = None
    maker_fees_dollars: str | None = None
    created_ts_ms: int | None = None
    last_updated_ts_ms: int | None = None
    expiration_ts_ms: int | None = None

    @property
    def yes_price(self) -> Price | None:
        return price_of(self.yes_price_dollars, None)

    @property
    def fill_count(self) -> Contracts | None:
        return contracts_of(self.fill_count_fp, None)

    @property
    def remaining_count(self) -> Contracts | None:
        return contracts_of(self.remaining_count_fp, None)

    @property
    def initial_count(self) -> Contracts | None:
        return contracts_of(self.initial_count_fp, None)

    @property
    def taker_fill_cost(self) -> Decimal | None:
        return money_of(self.taker_fill_cost_dollars)

    @property
    def maker_fill_cost(self) -> Decimal | None:
        return money_of(self.maker_fill_cost_dollars)

    @property
    def taker_fees(self) -> Decimal | None:
        return money_of(self.taker_fees_dollars)

    @property
    def maker_fees(self) -> Decimal | None:
        return money_of(self.maker_fees_dollars)


class OrderGroupMsg(msgspec.Struct, kw_only=True, gc=False):
    """``order_group_updates``: created, triggered, reset, deleted or limit_updated."""

    event_type: str
    order_group_id: str
    contracts_limit_fp: str | None = None
    ts_ms: int | None = None

    @property
    def contracts_limit(self) -> Contracts | None:
        return contracts_of(self.contracts_limit_fp, None)


# --- record naming -------------------------------------------------------------------------------

RECORD_UNITS: Final[Units] = {
    SnapshotMsg: (
        ("yes_dollars", "yes_levels", ("yes_dollars_fp", "yes", "yes_dollars")),
        ("no_dollars", "no_levels", ("no_dollars_fp", "no", "no_dollars")),
    ),
    DeltaMsg: (
        ("price_dollars", "price", ("price_dollars", "price")),
        ("delta_contracts", "delta", ("delta_fp", "delta")),
    ),
    TickerMsg: (
        ("price_dollars", "price", ("price_dollars", "price")),
        ("yes_bid_dollars", "yes_bid", ("yes_bid_dollars", "yes_bid")),
        ("yes_ask_dollars", "yes_ask", ("yes_ask_dollars", "yes_ask")),
        ("yes_bid_size_contracts", "yes_bid_size", ("yes_bid_size_fp",)),
        ("yes_ask_size_contracts", "yes_ask_size", ("yes_ask_size_fp",)),
        ("last_trade_size_contracts", "last_trade_size", ("last_trade_size_fp",)),
        ("volume_contracts", "volume", ("volume_fp", "volume")),
        ("open_interest_contracts", "open_interest", ("open_interest_fp", "open_interest")),
        ("volume_dollars", "volume_dollars", ("dollar_volume",)),
        ("open_interest_dollars", "open_interest_dollars", ("dollar_open_interest",)),
    ),
    TradeMsg: (
        ("yes_price_dollars", "yes_price", ("yes_price_dollars",)),
        ("no_price_dollars", "no_price", ("no_price_dollars",)),
        ("count_contracts", "count", ("count_fp",)),
    ),
    FillMsg: (
        ("yes_price_dollars", "yes_price", ("yes_price_dollars",)),
        ("count_contracts", "count", ("count_fp",)),
        ("fee_cost_dollars", "fee", ("fee_cost",)),
        ("post_position_contracts", "post_position", ("post_position_fp",)),
    ),
    PositionMsg: (
        ("position_contracts", "position", ("position_fp",)),
        ("volume_contracts", "volume", ("volume_fp",)),
        ("position_cost_dollars", "cost", ("position_cost_dollars", "position_cost")),
        ("realized_pnl_dollars", "realized_pnl", ("realized_pnl_dollars", "realized_pnl")),
        ("fees_paid_dollars", "fees_paid", ("fees_paid_dollars", "fees_paid")),
        (
            "position_fee_cost_dollars",
            "position_fee_cost",
            ("position_fee_cost_dollars", "position_fee_cost"),
        ),
    ),
    UserOrderMsg: (
        ("yes_price_dollars", "yes_price", ("yes_price_dollars",)),
        ("fill_count_contracts", "fill_count", ("fill_count_fp",)),
        ("remaining_count_contracts", "remaining_count", ("remaining_count_fp",)),
        ("initial_count_contracts", "initial_count", ("initial_count_fp",)),
        ("taker_fill_cost_dollars", "taker_fill_cost", ("taker_fill_cost_dollars",)),
        ("maker_fill_cost_dollars", "maker_fill_cost", ("maker_fill_cost_dollars",)),
        ("taker_fees_dollars", "taker_fees", ("taker_fees_dollars",)),
        ("maker_fees_dollars", "maker_fees", ("maker_fees_dollars",)),
    ),
    OrderGroupMsg: (("contracts_limit", "contracts_limit", ("contracts_limit_fp",)),),
}
