"""OrderBook: snapshot + deltas, derived asks, depth, VWAP walks, integrity and update events."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kalshikit.errors import KalshiError, ValidationError
from kalshikit.models.orderbook import OrderbookLevels
from kalshikit.orderbook import BookIntegrityError, Fill, OrderBook
from kalshikit.units import Contracts, Price, centi_to_fp, ticks_to_dollars

P = Price
C = Contracts


def sample_book() -> OrderBook:
    """YES bids 0.40 x10, 0.42 x5; NO bids 0.55 x10 (YES ask 0.45), 0.60 x7 (YES ask 0.40)."""
    book = OrderBook("KX-TEST")
    book.apply_snapshot(
        [("0.4000", "10.00"), ("0.4200", "5.00")],
        [("0.5500", "10.00"), ("0.6000", "7.00")],
        now_ms=1_000,
    )
    return book


# --- snapshot and reading -----------------------------------------------------------------------


def test_new_book_is_empty_and_untrusted() -> None:
    book = OrderBook("KX")
    assert (book.ticker, book.version, book.trusted) == ("KX", 0, False)
    assert book.yes_bids == []
    assert book.no_bids == []
    assert book.best_yes_bid is None
    assert book.best_yes_ask is None
    assert book.spread is None
    assert book.mid is None
    assert book.age_ms(5) is None


def test_snapshot_levels_best_first() -> None:
    book = sample_book()
    assert book.trusted
    assert book.version == 1
    assert book.yes_bids == [(P("0.42"), C(5)), (P("0.40"), C(10))]
    assert book.no_bids == [(P("0.60"), C(7)), (P("0.55"), C(10))]


def test_best_prices_and_derived_asks() -> None:
    book = sample_book()
    assert book.best_yes_bid == P("0.42")
    assert book.best_no_bid == P("0.60")
    assert book.best_yes_ask == P("0.40")  # 1 - best NO bid
    assert book.best_no_ask == P("0.58")  # 1 - best YES bid


def test_spread_and_mid() -> None:
    book = OrderBook("KX")
    book.apply_snapshot([("0.4200", "1.00")], [("0.5500", "1.00")])
    assert book.spread == P("0.03")
    assert book.mid == Decimal("0.435")


def test_mid_is_exact_at_half_a_tick() -> None:
    book = OrderBook("KX")
    book.apply_snapshot_ticks([(4_201, 100)], [(5_798, 100)])
    assert book.mid == Decimal("0.42015")  # (0.4201 + 0.4202) / 2


def test_spread_none_when_crossed() -> None:
    book = sample_book()  # YES bid 0.42 above YES ask 0.40
    assert book.spread is None
    assert book.mid == Decimal("0.41")


def test_depth_and_size_at() -> None:
    book = sample_book()
    assert book.depth(1) == [(P("0.42"), C(5))]
    assert book.depth(5, "no") == book.no_bids
    assert book.depth(0) == []
    assert book.size_at("yes", P("0.40")) == C(10)
    assert book.size_at("no", "0.55") == C(10)
    assert book.size_at("yes", P("0.41")) == C(0)
    with pytest.raises(ValidationError):
        book.depth(-1)
    with pytest.raises(ValidationError):
        book.size_at("maybe", P("0.40"))  # type: ignore[arg-type]


def test_snapshot_replaces_and_drops_empty_levels() -> None:
    book = sample_book()
    book.apply_snapshot([("0.3000", "2.00"), ("0.3100", "0.00")], [])
    assert book.yes_bids == [(P("0.30"), C(2))]
    assert book.no_bids == []
    assert book.version == 2


def test_snapshot_accepts_other_dollar_forms() -> None:
    book = OrderBook("KX")
    book.apply_snapshot([("0.56", "1.50"), ("0.560000", "1.00")], [])
    assert book.yes_bids == [(P("0.56"), C("2.5"))]  # repeated prices add up


# --- deltas ------------------------------------------------------------------------------------


def test_delta_adds_changes_and_removes_levels() -> None:
    book = sample_book()
    book.apply_delta("yes", "0.4100", "3.00")
    assert book.size_at("yes", P("0.41")) == C(3)
    book.apply_delta("yes", "0.4100", "-1.50")
    assert book.size_at("yes", P("0.41")) == C("1.5")
    book.apply_delta("yes", "0.4100", "-1.50")
    assert P("0.41") not in [price for price, _ in book.yes_bids]
    assert book.version == 4


def test_delta_ticks_form() -> None:
    book = sample_book()
    book.apply_delta_ticks("no", 6_000, -700)
    assert book.best_no_bid == P("0.55")
    assert book.best_yes_ask == P("0.45")


def test_negative_level_raises_and_marks_untrusted() -> None:
    book = sample_book()
    with pytest.raises(BookIntegrityError, match="untrusted") as caught:
        book.apply_delta("yes", "0.4200", "-6.00")
    assert isinstance(caught.value, KalshiError)
    assert not book.trusted
    assert book.size_at("yes", P("0.42")) == C(5)  # nothing changed
    assert book.version == 1


def test_delta_at_missing_level_going_negative_raises() -> None:
    book = sample_book()
    with pytest.raises(BookIntegrityError):
        book.apply_delta_ticks("no", 1_234, -1)
    assert not book.trusted


@pytest.mark.parametrize(
    ("side", "price", "delta"),
    [("yes", "1.5000", "1.00"), ("yes", "0.4000", "abc"), ("maybe", "0.4000", "1.00")],
)
def test_bad_delta_is_refused_and_marks_untrusted(side: str, price: str, delta: str) -> None:
    book = sample_book()
    with pytest.raises(ValidationError):
        book.apply_delta(side, price, delta)  # type: ignore[arg-type]
    assert not book.trusted
    assert book.version == 1


def test_bad_snapshot_changes_nothing() -> None:
    book = sample_book()
    with pytest.raises(BookIntegrityError):
        book.apply_snapshot_ticks([(4_000, 100)], [(5_000, -1)])
    assert not book.trusted
    assert book.best_yes_bid == P("0.42")
    with pytest.raises(ValidationError):
        book.apply_snapshot([("0.40", "1.001")], [])


# --- use_yes_price -----------------------------------------------------------------------------


def test_yes_terms_snapshot_converts_no_side() -> None:
    book = OrderBook("KX")
    # a NO bid at 0.60 arrives as the YES ask it implies, 0.40
    book.apply_snapshot([("0.3500", "1.00")], [("0.4000", "7.00")], yes_terms=True)
    assert book.no_bids == [(P("0.60"), C(7))]
    assert book.yes_bids == [(P("0.35"), C(1))]  # the YES side is never converted
    assert book.best_yes_ask == P("0.40")


def test_yes_terms_delta_converts_no_side_only() -> None:
    book = sample_book()
    book.apply_delta("no", "0.4500", "-10.00", yes_terms=True)  # the NO bid at 0.55
    assert book.size_at("no", P("0.55")) == C(0)
    book.apply_delta("yes", "0.4500", "1.00", yes_terms=True)
    assert book.size_at("yes", P("0.45")) == C(1)


def test_yes_terms_round_trip_with_plain_book() -> None:
    plain, yes_terms = OrderBook("KX"), OrderBook("KX")
    plain.apply_snapshot([], [("0.5500", "3.00"), ("0.6000", "2.00")])
    yes_terms.apply_snapshot([], [("0.4000", "2.00"), ("0.4500", "3.00")], yes_terms=True)
    assert plain.to_levels() == yes_terms.to_levels()


# --- walking the book --------------------------------------------------------------------------


def asks_book() -> OrderBook:
    """YES asks of 10 @ 0.40 and 5 @ 0.45 (NO bids at 0.60 and 0.55); YES bids 0.30 x4, 0.35 x2."""
    book = OrderBook("KX")
    book.apply_snapshot(
        [("0.3000", "4.00"), ("0.3500", "2.00")], [("0.5500", "5.00"), ("0.6000", "10.00")]
    )
    return book


def test_cost_to_buy_vwap() -> None:
    fill = asks_book().cost_to_buy("yes", 12)
    assert fill.total == Decimal("4.90")  # 10 * 0.40 + 2 * 0.45
    assert fill.filled == C(12)
    assert fill.vwap == Decimal("4.90") / Decimal(12)
    assert str(fill.vwap).startswith("0.408333")


def test_cost_to_buy_partial_when_book_is_thin() -> None:
    total, vwap, filled = asks_book().cost_to_buy("yes", "20")
    assert (total, filled) == (Decimal("6.25"), C(15))
    assert vwap == Decimal("6.25") / Decimal(15)


def test_cost_to_buy_no_walks_yes_bids() -> None:
    fill = asks_book().cost_to_buy("no", Decimal("3"))  # NO asks 0.65 x2, 0.70 x4
    assert fill == Fill(Decimal("2.00"), Decimal("2.00") / Decimal(3), C(3))


def test_proceeds_to_sell_walks_own_bids() -> None:
    fill = asks_book().proceeds_to_sell("yes", C("2.5"))  # 2 @ 0.35 + 0.5 @ 0.30
    assert fill.total == Decimal("0.85")
    assert fill.vwap == Decimal("0.34")
    assert asks_book().proceeds_to_sell("no", 1).total == Decimal("0.60")


def test_walk_on_empty_side_fills_nothing() -> None:
    fill = OrderBook("KX").cost_to_buy("yes", 1)
    assert fill == Fill(Decimal(0), None, C(0))


@pytest.mark.parametrize("count", [0, -1, "0.00"])
def test_walk_refuses_non_positive_count(count: int | str) -> None:
    with pytest.raises(ValidationError):
        asks_book().cost_to_buy("yes", count)


def test_walk_refuses_float_count() -> None:
    with pytest.raises(ValidationError, match="float"):
        asks_book().proceeds_to_sell("yes", 1.5)  # type: ignore[arg-type]


# --- integrity, time and events ----------------------------------------------------------------


def test_mark_stale_until_next_snapshot() -> None:
    book = sample_book()
    book.mark_stale()
    assert not book.trusted
    book.apply_delta("yes", "0.4000", "1.00")
    assert not book.trusted  # deltas alone cannot restore trust
    book.apply_snapshot([], [])
    assert book.trusted


def test_age_from_callers_clock() -> None:
    book = sample_book()
    assert book.last_update_ms == 1_000
    assert book.age_ms(1_250) == 250
    book.apply_delta("yes", "0.4000", "1.00")  # no time given: the last one stands
    assert book.age_ms(1_250) == 250
    book.apply_delta("yes", "0.4000", "1.00", now_ms=1_200)
    assert book.age_ms(1_250) == 50


def test_on_update_fires_after_each_change_and_unsubscribes() -> None:
    book = OrderBook("KX")
    seen: list[tuple[int, Price | None]] = []
    unsubscribe = book.on_update(lambda b: seen.append((b.version, b.best_yes_bid)))
    book.apply_snapshot([("0.4000", "1.00")], [])
    book.apply_delta("yes", "0.4100", "1.00")
    with pytest.raises(BookIntegrityError):
        book.apply_delta("yes", "0.4100", "-2.00")  # not applied: no event
    book.mark_stale()
    unsubscribe()
    unsubscribe()  # twice is harmless
    book.apply_delta("yes", "0.4200", "1.00")
    assert seen == [(1, P("0.40")), (2, P("0.41"))]


def test_callback_may_unsubscribe_itself() -> None:
    book = OrderBook("KX")
    calls: list[int] = []
    unsubscribers: list[Callable[[], None]] = []

    def once(b: OrderBook) -> None:
        calls.append(b.version)
        unsubscribers[0]()

    unsubscribers.append(book.on_update(once))
    book.on_update(lambda b: calls.append(-b.version))
    book.apply_snapshot([], [])
    book.apply_snapshot([], [])
    assert calls == [1, -1, -2]


def test_repr_names_state() -> None:
    assert repr(sample_book()) == "OrderBook('KX-TEST', v1, trusted, bid=$0.42, ask=$0.40)"


# --- REST round trip ---------------------------------------------------------------------------


def test_from_rest_and_to_levels() -> None:
    levels = OrderbookLevels(yes=[("0.0100", "1.50"), ("0.4200", "13.00")], no=[])
    book = OrderBook.from_rest("KX", levels)
    assert book.trusted
    assert book.ticker == "KX"
    assert book.to_levels() == levels


# --- properties --------------------------------------------------------------------------------

prices = st.integers(min_value=1, max_value=9_999)
sizes = st.integers(min_value=1, max_value=10**6)
side_books = st.dictionaries(prices, sizes, max_size=8)


def wire(side: dict[int, int]) -> list[tuple[str, str]]:
    return [(ticks_to_dollars(p), centi_to_fp(s)) for p, s in sorted(side.items())]


@given(levels=st.fixed_dictionaries({"yes": side_books, "no": side_books}))
def test_rest_round_trip(levels: dict[str, dict[int, int]]) -> None:
    rest = OrderbookLevels(yes=wire(levels["yes"]), no=wire(levels["no"]))
    assert OrderBook.from_rest("KX", rest).to_levels() == rest


@given(snapshot=st.fixed_dictionaries({"yes": side_books, "no": side_books}), data=st.data())
def test_deltas_equal_their_net_effect(
    snapshot: dict[str, dict[int, int]], data: st.DataObject
) -> None:
    book = OrderBook("KX")
    book.apply_snapshot(wire(snapshot["yes"]), wire(snapshot["no"]))
    replay = {side: dict(levels) for side, levels in snapshot.items()}
    for _ in range(data.draw(st.integers(min_value=0, max_value=30))):
        side = data.draw(st.sampled_from(["yes", "no"]))
        # mostly touch existing levels, so removals and partial reductions happen often
        known = sorted(replay[side]) or [5_000]
        price = data.draw(st.sampled_from(known) | prices)
        held = replay[side].get(price, 0)
        delta = data.draw(st.integers(min_value=-held, max_value=10**5))
        book.apply_delta(side, ticks_to_dollars(price), centi_to_fp(delta))  # type: ignore[arg-type]
        replay[side][price] = held + delta
    net = {side: {p: s for p, s in levels.items() if s} for side, levels in replay.items()}
    direct = OrderBook("KX")
    direct.apply_snapshot(wire(net["yes"]), wire(net["no"]))
    assert book.to_levels() == direct.to_levels()
    assert book.to_levels() == OrderbookLevels(yes=wire(net["yes"]), no=wire(net["no"]))
    assert book.trusted


@given(book_levels=st.fixed_dictionaries({"yes": side_books, "no": side_books}), wanted=sizes)
def test_walk_matches_sorted_levels(book_levels: dict[str, dict[int, int]], wanted: int) -> None:
    book = OrderBook("KX")
    book.apply_snapshot_ticks(book_levels["yes"].items(), book_levels["no"].items())
    fill = book.cost_to_buy("yes", C.from_centi(wanted))
    asks = sorted((10_000 - p, s) for p, s in book_levels["no"].items())
    left, micro = wanted, 0
    for price, size in asks:
        take = min(size, left)
        micro, left = micro + price * take, left - take
    assert fill.filled == C.from_centi(wanted - left)
    assert fill.total == Decimal(micro).scaleb(-6)
