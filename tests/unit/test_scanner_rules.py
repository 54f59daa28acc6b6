"""Scanner rules on constructed states and books: placeholders, points, fees, depth, ranking."""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kalshikit.fees import FeeSchedule, cents_ceil_micro, exact_taker_fee, fee_units, taker_fee
from kalshikit.orderbook import OrderBook
from kalshikit.scanner.rules import (
    ARBITRAGE,
    Signal,
    arbitrage,
    close_races,
    expiring_soon,
    group_by_event,
    high_volume,
    is_two_sided,
    movers,
    new_markets,
    wide_spreads,
)
from kalshikit.scanner.state import HOUR_MS, MINUTE_MS, MarketState

NOW = 1_800_000_000_000
C = 100  # centi-contracts per contract


def state(
    ticker: str = "KX-A",
    bid: int | None = 4800,
    ask: int | None = 5100,
    bid_size: int | None = 100 * C,
    ask_size: int | None = 100 * C,
    **fields: Any,
) -> MarketState:
    """An open, two-sided market unless told otherwise; prices in ticks, sizes in centi."""
    fields.setdefault("event_ticker", "KX-EV")
    fields.setdefault("status", "active")
    fields.setdefault("close_time_ms", NOW + 30 * 24 * HOUR_MS)
    return MarketState(
        ticker, yes_bid=bid, yes_ask=ask, bid_size=bid_size, ask_size=ask_size, **fields
    )


def book(ticker: str, bids: list[tuple[int, int]], asks: list[tuple[int, int]]) -> OrderBook:
    """A trusted book: YES bids as given; a YES ask at p is a NO bid at 1 - p."""
    made = OrderBook(ticker)
    made.apply_snapshot_ticks(bids, [(10_000 - p, s) for p, s in asks], now_ms=NOW)
    return made


def moved(market: MarketState, start: int, end: int, window: int = HOUR_MS) -> MarketState:
    market.seed_history([(NOW - window - 1, start), (NOW - 1, end)])
    return market


# --- placeholders never signal ------------------------------------------------------------------

PLACEHOLDERS = {
    "0/100": dict(bid=0, ask=10_000),
    "0/0": dict(bid=0, ask=0),
    "100/100": dict(bid=10_000, ask=10_000),
    "no bid": dict(bid=0, ask=5100),
    "no ask": dict(bid=4800, ask=10_000),
    "missing quote": dict(bid=None, ask=None, bid_size=None, ask_size=None),
    "zero bid size": dict(bid_size=0),
    "zero ask size": dict(ask_size=0),
    "crossed": dict(bid=5200, ask=5100),
    "locked": dict(bid=5100, ask=5100),
}


def tempting(ticker: str, **quote: Any) -> MarketState:
    """A market that every rule would report if its quote were real."""
    fields: dict[str, Any] = {
        "volume": 10**9,
        "volume_24h": 10**9,
        "close_time_ms": NOW + HOUR_MS,
        "created_time_ms": NOW - MINUTE_MS,
        "mutually_exclusive": True,
    }
    market = state(ticker, **{**fields, **quote})
    return moved(market, 2000, 5000)


RULES: dict[str, Callable[[list[MarketState]], list[Signal]]] = {
    "movers": lambda s: movers(s, HOUR_MS, NOW),
    "close_races": lambda s: close_races(s, NOW, max_spread_ticks=10_000, min_depth_centi=1),
    "wide_spreads": lambda s: wide_spreads(s, NOW, min_spread_ticks=0, min_depth_centi=1),
    "high_volume": lambda s: high_volume(s, NOW),
    "expiring_soon": lambda s: expiring_soon(s, NOW),
    "new_markets": lambda s: new_markets(s, NOW),
    "arbitrage": lambda s: arbitrage(group_by_event(s), NOW),
}


@pytest.mark.parametrize("name", sorted(PLACEHOLDERS))
def test_placeholder_quotes_are_not_two_sided(name: str) -> None:
    assert not is_two_sided(state(**PLACEHOLDERS[name]))


def test_a_real_quote_is_two_sided() -> None:
    assert is_two_sided(state())
    assert is_two_sided(state(bid=1, ask=9999, bid_size=1, ask_size=1))


@pytest.mark.parametrize("rule", sorted(RULES))
@pytest.mark.parametrize("name", sorted(PLACEHOLDERS))
def test_placeholder_quotes_never_signal(rule: str, name: str) -> None:
    # the placeholder leg sits beside a real one in the same exclusive event (cheap asks)
    real = tempting("KX-REAL", bid=100, ask=200)
    fake = tempting("KX-FAKE", **PLACEHOLDERS[name])
    signals = RULES[rule]([fake, real])
    assert all("KX-FAKE" not in s.tickers for s in signals)


@pytest.mark.parametrize("rule", sorted(RULES))
def test_every_rule_fires_on_a_tempting_real_market(rule: str) -> None:
    """The control for the test above: the same markets with real quotes do signal."""
    markets = [tempting("KX-1", bid=1000, ask=1100), tempting("KX-2", bid=4000, ask=4100)]
    if rule == "arbitrage":
        markets = [tempting("KX-1", bid=1000, ask=1100), tempting("KX-2", bid=8000, ask=8100)]
    assert RULES[rule](markets)


@pytest.mark.parametrize("rule", sorted(RULES))
def test_closed_or_expired_markets_never_signal(rule: str) -> None:
    closed = [tempting("KX-1", status="closed"), tempting("KX-2", status="closed")]
    expired = [tempting("KX-1", close_time_ms=NOW), tempting("KX-2", close_time_ms=NOW - 1)]
    assert RULES[rule](closed) == []
    assert RULES[rule](expired) == []


# --- movers -------------------------------------------------------------------------------------


def test_mover_from_030_to_050_is_twenty_points() -> None:
    [signal] = movers([moved(state(), 3000, 5000)], HOUR_MS, NOW)
    assert signal.values["change_points"] == Decimal(20)
    assert (signal.values["from"], signal.values["to"]) == (Decimal("0.3"), Decimal("0.5"))
    assert signal.score == 20.0
    assert "moved +20 points in 1h (30¢ -> 50¢)" in signal.reason


def test_a_move_from_002_to_004_is_two_points_not_a_hundred_percent() -> None:
    [signal] = movers([moved(state(), 200, 400)], HOUR_MS, NOW)
    assert signal.values["change_points"] == Decimal(2)
    assert signal.score == 2.0
    assert "%" not in signal.reason


def test_movers_rank_by_absolute_points_and_keep_the_sign() -> None:
    up = moved(state("KX-UP"), 4000, 4500)
    down = moved(state("KX-DOWN"), 6000, 3000)
    small = moved(state("KX-SMALL"), 4000, 4100)  # one point is not a move
    signals = movers([up, down, small], HOUR_MS, NOW)
    assert [s.ticker for s in signals] == ["KX-DOWN", "KX-UP"]
    assert signals[0].values["change_points"] == Decimal(-30)
    assert "moved -30 points" in signals[0].reason


def test_movers_younger_than_the_window_say_over_how_long() -> None:
    market = state()
    market.seed_history([(NOW - 30 * MINUTE_MS, 3000), (NOW - 1, 5000)])
    [partial] = movers([market], HOUR_MS, NOW)
    assert partial.values["window_s"] == str(30 * 60)  # the history's span, not the hour asked
    assert "in 30m" in partial.reason
    assert [s.ticker for s in movers([market], 30 * MINUTE_MS, NOW)] == ["KX-A"]
    assert movers([state()], 5 * MINUTE_MS, NOW) == []  # no history at all
    lone = state()
    lone.seed_history([(NOW - MINUTE_MS, 3000)])
    assert movers([lone], 5 * MINUTE_MS, NOW) == []  # one price is not a move


def test_movers_window_picks_the_price_in_effect_at_its_start() -> None:
    market = state()
    market.seed_history(
        [(NOW - 24 * HOUR_MS, 1000), (NOW - 2 * HOUR_MS, 4000), (NOW - 10 * MINUTE_MS, 4500)]
    )
    [day] = movers([market], 24 * HOUR_MS, NOW)
    [hour] = movers([market], HOUR_MS, NOW)
    assert (day.values["change_points"], hour.values["change_points"]) == (35, 5)
    assert movers([market], 5 * MINUTE_MS, NOW) == []


# --- close races, wide spreads ------------------------------------------------------------------


def test_close_races_rank_by_distance_from_even() -> None:
    even = state("KX-EVEN", bid=4900, ask=5100)
    near = state("KX-NEAR", bid=4300, ask=4500)
    far = state("KX-FAR", bid=3800, ask=3900)  # mid 0.385: outside 0.40..0.60
    signals = close_races([near, far, even], NOW)
    assert [s.ticker for s in signals] == ["KX-EVEN", "KX-NEAR"]
    assert signals[0].score == 1.0
    assert signals[1].score == pytest.approx(0.88)
    assert signals[1].values["mid"] == Decimal("0.44")
    assert "spread 2¢" in signals[1].reason


def test_close_races_need_a_tight_spread_and_depth_on_both_sides() -> None:
    wide = state("KX-WIDE", bid=4000, ask=6000)
    thin = state("KX-THIN", bid=4900, ask=5100, ask_size=5 * C)
    assert close_races([wide, thin], NOW) == []
    deep = state("KX-DEEP", bid=4900, ask=5100, ask_size=5 * C)
    deep.attach_book(book("KX-DEEP", [(4900, 20 * C)], [(5100, 5 * C), (5200, 5 * C)]))
    [signal] = close_races([deep], NOW)  # 10 offered within 2 cents of the touch
    assert signal.values["ask_depth"] == Decimal(10)


def test_wide_spreads_need_real_size_at_both_touches_and_rank_by_width() -> None:
    six = state("KX-SIX", bid=4000, ask=4600)
    twenty = state("KX-TWENTY", bid=3000, ask=5000)
    stray = state("KX-STRAY", bid=1000, ask=9000, bid_size=1 * C)
    narrow = state("KX-NARROW", bid=4000, ask=4400)
    signals = wide_spreads([six, twenty, stray, narrow], NOW)
    assert [s.ticker for s in signals] == ["KX-TWENTY", "KX-SIX"]
    assert signals[0].values["spread_cents"] == Decimal(20)
    assert signals[0].reason == ("KX-TWENTY has a 20¢ spread: 100 bid at 30¢, 100 offered at 50¢")


# --- volume, expiry, new markets ----------------------------------------------------------------


def test_high_volume_uses_24h_volume_by_default() -> None:
    busy = state("KX-BUSY", volume_24h=50_000 * C, volume=60_000 * C)
    quiet = state("KX-QUIET", volume_24h=10 * C, volume=90_000 * C)
    unknown = state("KX-UNKNOWN")
    assert [s.ticker for s in high_volume([busy, quiet, unknown], NOW)] == ["KX-BUSY"]
    lifetime = high_volume([busy, quiet, unknown], NOW, last_24h=False)
    assert [s.ticker for s in lifetime] == ["KX-QUIET", "KX-BUSY"]
    assert lifetime[0].values["volume"] == Decimal(90_000)


def test_expiring_soon_is_soonest_first_within_the_horizon() -> None:
    soon = state("KX-SOON", close_time_ms=NOW + 30 * MINUTE_MS)
    later = state("KX-LATER", close_time_ms=NOW + 5 * HOUR_MS)
    beyond = state("KX-BEYOND", close_time_ms=NOW + 25 * HOUR_MS)
    signals = expiring_soon([later, beyond, soon], NOW)
    assert [s.ticker for s in signals] == ["KX-SOON", "KX-LATER"]
    assert signals[0].values["closes_in_s"] == "1800"
    assert "closes in 0h 30m" in signals[0].reason
    assert [s.ticker for s in expiring_soon([beyond], NOW, 26 * HOUR_MS)] == ["KX-BEYOND"]


def test_new_markets_newest_first_and_unpriced_only_on_request() -> None:
    fresh = state("KX-FRESH", created_time_ms=NOW - MINUTE_MS)
    older = state("KX-OLDER", created_time_ms=None, open_time_ms=NOW - 3 * HOUR_MS)
    stale = state("KX-STALE", created_time_ms=NOW - 48 * HOUR_MS)
    unpriced = state("KX-UNPRICED", bid=0, ask=10_000, created_time_ms=NOW - 2 * MINUTE_MS)
    markets = [older, stale, unpriced, fresh]
    assert [s.ticker for s in new_markets(markets, NOW)] == ["KX-FRESH", "KX-OLDER"]
    everything = new_markets(markets, NOW, include_unpriced=True)
    assert [s.ticker for s in everything] == ["KX-FRESH", "KX-UNPRICED", "KX-OLDER"]
    assert "[NO QUOTES]" in everything[1].reason
    assert everything[1].values["priced"] == "false"


# --- arbitrage ----------------------------------------------------------------------------------


def leg(ticker: str, ask: int, ask_size: int, **fields: Any) -> MarketState:
    fields.setdefault("mutually_exclusive", True)
    fields.setdefault("bid", ask - 100)
    return state(ticker, ask=ask, ask_size=ask_size, **fields)


def test_three_outcomes_asking_095_profit_after_fees_sized_by_the_thinnest_leg() -> None:
    legs = [leg("KX-A", 3000, 100 * C), leg("KX-B", 3000, 50 * C), leg("KX-C", 3500, 80 * C)]
    [signal] = arbitrage({"KX-EV": legs}, NOW)
    # 50 sets: asks 50 x 0.95 = $47.50; fees ceil(0.07 x 50 x 0.3 x 0.7) = $0.74 twice and
    # ceil(0.07 x 50 x 0.35 x 0.65) = ceil(0.79625) = $0.80; profit 50 - 47.50 - 2.28
    assert signal.kind == ARBITRAGE
    assert (signal.ticker, signal.tickers) == ("KX-EV", ("KX-A", "KX-B", "KX-C"))
    assert signal.values["direction"] == "buy_yes"
    assert signal.values["count"] == Decimal(50)
    assert signal.values["fees"] == Decimal("2.28")
    assert signal.values["cost"] == Decimal("49.78")
    assert signal.values["profit"] == Decimal("0.22")
    assert signal.values["price_sum"] == Decimal("0.95")
    assert signal.score == pytest.approx(0.22)
    assert "profit $0.22 after fees" in signal.reason


def test_fees_that_eat_the_edge_give_no_signal() -> None:
    # asks sum to $0.99: one cent of edge against about 4.6 cents of fees per set
    legs = [leg("KX-A", 3300, 100 * C), leg("KX-B", 3300, 100 * C), leg("KX-C", 3300, 100 * C)]
    assert arbitrage({"KX-EV": legs}, NOW) == []


def test_fee_rounding_per_leg_can_eat_a_small_trade() -> None:
    # 1 set at asks summing to 0.90: edge $0.10, but each leg's fee rounds up to at least 1 cent
    legs = [leg(f"KX-{i}", 900, 1 * C) for i in range(10)]
    assert arbitrage({"KX-EV": legs}, NOW) == []
    assert arbitrage({"KX-EV": legs[:2]}, NOW)  # 2 legs at 0.09: plenty of edge


def test_depth_walk_stops_where_the_next_contract_loses() -> None:
    a = leg("KX-A", 3000, 10 * C)
    a.attach_book(book("KX-A", [(2900, 10 * C)], [(3000, 10 * C), (4000, 100 * C)]))
    legs = [a, leg("KX-B", 3000, 100 * C), leg("KX-C", 3500, 100 * C)]
    [signal] = arbitrage({"KX-EV": legs}, NOW)
    assert signal.values["count"] == Decimal(10)  # at A's second level the set costs $1.05


def test_depth_walk_takes_deeper_levels_while_profitable() -> None:
    a = leg("KX-A", 2500, 10 * C)
    a.attach_book(book("KX-A", [(2400, 10 * C)], [(2500, 10 * C), (2700, 20 * C)]))
    legs = [a, leg("KX-B", 2500, 100 * C), leg("KX-C", 3000, 100 * C)]
    [signal] = arbitrage({"KX-EV": legs}, NOW)
    assert signal.values["count"] == Decimal(30)  # A runs out after both of its levels
    # A: 10 x 0.25 + 20 x 0.27 = 7.90; B: 30 x 0.25 = 7.50; C: 30 x 0.30 = 9.00
    fee_a = Decimal("0.07") * (10 * Decimal("0.1875") + 20 * Decimal("0.27") * Decimal("0.73"))
    fees = [
        _ceil_cent(fee_a),
        _ceil_cent(Decimal("0.07") * 30 * Decimal("0.1875")),
        _ceil_cent(Decimal("0.07") * 30 * Decimal("0.21")),
    ]
    assert Fraction(signal.values["fees"]) == sum(fees)
    assert Fraction(signal.values["profit"]) == 30 - Fraction("24.40") - sum(fees)
    assert signal.values["vwap:KX-B"] == Decimal("0.25")
    assert abs(Fraction(signal.values["vwap:KX-A"]) - Fraction(790, 3000)) < Fraction(1, 10**20)


def test_sell_side_when_bids_sum_above_one() -> None:
    legs = [
        state(f"KX-{i}", bid=bid, ask=bid + 200, bid_size=size, mutually_exclusive=True)
        for i, (bid, size) in enumerate([(4000, 20 * C), (3500, 40 * C), (3000, 60 * C)])
    ]
    [signal] = arbitrage({"KX-EV": legs}, NOW)
    assert signal.values["direction"] == "sell_yes"
    assert signal.values["count"] == Decimal(20)
    # collect 20 x 1.05 = $21.00; fees ceil(0.07 x 20 x p(1-p)) = 0.34 + 0.32 + 0.30
    assert signal.values["fees"] == Decimal("0.96")
    assert signal.values["profit"] == Decimal("21.00") - 20 - Decimal("0.96")
    assert signal.values["cost"] == 3 * 20 - Decimal("21.00") + Decimal("0.96")  # NO on all
    assert "buy NO on all" in signal.reason


def test_no_arbitrage_when_not_mutually_exclusive_or_a_leg_is_not_open() -> None:
    def cheap(**fields: Any) -> list[MarketState]:
        return [leg("KX-A", 2000, 10 * C, **fields), leg("KX-B", 2000, 10 * C)]

    assert arbitrage({"KX-EV": cheap()}, NOW)
    assert arbitrage({"KX-EV": cheap(mutually_exclusive=False)}, NOW) == []
    assert arbitrage({"KX-EV": cheap(status="closed")}, NOW) == []
    assert arbitrage({"KX-EV": cheap(status="initialized")}, NOW) == []
    assert arbitrage({"KX-EV": cheap(close_time_ms=NOW)}, NOW) == []
    assert arbitrage({"KX-EV": cheap()[:1]}, NOW) == []  # one outcome is no set
    assert arbitrage({"KX-EV": cheap(bid=0)}, NOW) == []  # one-sided leg


def test_fee_multiplier_changes_the_fee() -> None:
    def legs(multiplier: str) -> list[MarketState]:
        return [leg(t, 4500, 100 * C, fee_multiplier=Decimal(multiplier)) for t in ("KX-A", "KX-B")]

    [full] = arbitrage({"KX-EV": legs("1")}, NOW)
    [half] = arbitrage({"KX-EV": legs("0.5")}, NOW)
    assert full.values["fees"] == 2 * Decimal("1.74")  # ceil(0.07 x 100 x 0.2475)
    assert half.values["fees"] == 2 * Decimal("0.87")
    assert arbitrage({"KX-EV": legs("0")}, NOW)[0].values["fees"] == 0


def test_whole_contracts_only() -> None:
    legs = [leg("KX-A", 2000, 150), leg("KX-B", 2000, 99)]
    assert arbitrage({"KX-EV": legs}, NOW) == []  # less than one contract on a leg
    [signal] = arbitrage({"KX-EV": [leg("KX-A", 2000, 150), leg("KX-B", 2000, 250)]}, NOW)
    assert signal.values["count"] == Decimal(1)
    assert arbitrage({"KX-EV": legs}, NOW, lot_centi=1)[0].values["count"] == Decimal("0.99")


def test_signals_are_sorted_best_first_and_json_ready() -> None:
    small = [leg("KX-S1", 4000, 10 * C, event_ticker="KX-S"), leg("KX-S2", 4000, 10 * C)]
    big = [leg("KX-B1", 4000, 100 * C, event_ticker="KX-B"), leg("KX-B2", 4000, 100 * C)]
    signals = arbitrage({"KX-S": small, "KX-B": big}, NOW)
    assert [s.ticker for s in signals] == ["KX-B", "KX-S"]
    as_json = signals[0].to_json()
    assert as_json["tickers"] == ["KX-B1", "KX-B2"]
    assert isinstance(as_json["values"], dict)
    assert as_json["values"]["profit"] == str(signals[0].values["profit"])


def test_group_by_event() -> None:
    a, b, c = (
        state("A", event_ticker="E1"),
        state("B", event_ticker="E2"),
        state("C", event_ticker="E1"),
    )
    assert group_by_event([a, b, c]) == {"E1": [a, c], "E2": [b]}


# --- properties ---------------------------------------------------------------------------------


def _ceil_cent(value: Decimal | Fraction) -> Fraction:
    return Fraction(math.ceil(Fraction(value) * 100), 100)


legs_strategy = st.lists(
    st.tuples(st.integers(2, 98), st.integers(1, 300), st.integers(1, 300)), min_size=2, max_size=5
)


@given(legs_strategy, st.sampled_from(["1", "0.5", "1.25"]))
def test_arbitrage_profit_is_the_sum_over_legs_recomputed(
    raw: list[tuple[int, int, int]], multiplier: str
) -> None:
    """Top-of-book legs (ask cents, ask size, bid size): the reported figures equal an
    independent recomputation with Fractions, and a set costing $1 or more never signals."""
    m = Fraction(multiplier)
    legs = [
        state(
            f"KX-{i}",
            bid=(a - 1) * 100,
            ask=a * 100,
            bid_size=bs * C,
            ask_size=s * C,
            mutually_exclusive=True,
            fee_multiplier=Decimal(multiplier),
        )
        for i, (a, s, bs) in enumerate(raw)
    ]
    signals = arbitrage({"KX-EV": legs}, NOW)
    asks = [Fraction(a, 100) for a, _, _ in raw]
    bids = [Fraction(a - 1, 100) for a, _, _ in raw]
    for signal in signals:
        n = Fraction(signal.values["count"])
        buying = signal.values["direction"] == "buy_yes"
        prices = asks if buying else bids
        fees = sum(_ceil_cent(Fraction(7, 100) * m * n * p * (1 - p)) for p in prices)
        gross = n - n * sum(prices) if buying else n * sum(prices) - n
        assert Fraction(signal.values["fees"]) == fees
        assert Fraction(signal.values["profit"]) == gross - fees
        assert signal.values["profit"] > 0
        sizes = [s if buying else bs for _, s, bs in raw]
        assert n == min(sizes)  # one level per leg: every contract of the thinnest is profitable
    if sum(asks) >= 1:
        assert all(s.values["direction"] != "buy_yes" for s in signals)
    if sum(bids) <= 1:
        assert all(s.values["direction"] != "sell_yes" for s in signals)


@given(
    st.lists(st.tuples(st.integers(1, 9999), st.integers(1, 10**6)), min_size=1, max_size=4),
    st.sampled_from([1.0, 0.5, 1.25, 2.0, 0.25]),
)
def test_taker_fee_matches_the_sandbox(fills: list[tuple[int, int]], multiplier: float) -> None:
    schedule = FeeSchedule.for_series("quadratic", multiplier)
    units = sum(fee_units(schedule.taker, size, price) for price, size in fills)
    sandbox = Decimal(cents_ceil_micro(units)).scaleb(-6)
    assert taker_fee(fills, Decimal(str(multiplier))) == sandbox


def test_taker_fee_examples() -> None:
    assert taker_fee([(5000, 100 * C)]) == Decimal("1.75")
    assert taker_fee([(100, 1 * C)]) == Decimal("0.01")  # $0.000693 rounds up
    assert exact_taker_fee([(100, 1 * C)]) == Decimal("0.000693")
    assert taker_fee([(3000, 50 * C)]) == Decimal("0.74")
    assert taker_fee([]) == 0
