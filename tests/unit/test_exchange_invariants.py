"""Invariants of the sandbox exchange over random trading sessions (hypothesis, stateful).

Three users trade three markets (plain fees on a cent grid, maker fees, a tapered grid) with
random creates, cancels, amends, decreases, order groups and the clock moving on; every market is
then determined and settled. After every step:

* money is conserved: cash + held collateral + fees + $1 per open YES/NO pair = deposits;
* YES contracts equal NO contracts in every market (they are created in pairs);
* nobody's cash is negative, and no book is crossed;
* a refused command changes nothing;

and collateral held equals what the resting orders require, recomputed here from the public reads
(positions, resting orders in placement order, maker fills) by an independent formula.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from _exchange_kit import Clock, conserved, new_exchange, order, pick
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
)

from kalshikit.models import (
    AmendOrderV2Request,
    CreateOrderGroupRequest,
    DecreaseOrderV2Request,
    Order,
)
from kalshikit.sandbox.exchange.exchange import ExchangeError
from kalshikit.units import centi_to_fp, dollars_to_ticks, fp_to_centi

USERS = ("u0", "u1", "u2")
PLAIN = pick()
MAKER_FEES = pick(fee_type="quadratic_with_maker_fees")
TAPERED = pick(structure="tapered_deci_cent")
MARKETS = (PLAIN, MAKER_FEES, TAPERED)
# mostly around the middle so orders cross; a few sub-cent ones only the tapered grid takes
PRICES = ("0.05", "0.055", "0.45", "0.48", "0.50", "0.50", "0.52", "0.55", "0.95", "0.955")
MAKER_COEFFICIENT = 175_000_000  # 0.0175 x 1e10: fee units of 1e-20 $ per centi x tick x tick
UNITS_PER_CENT = 10**18


def micro(dollars: str | None) -> int:
    """A wire dollar string (4 or 6 decimals) in micro-dollars."""
    assert dollars is not None
    whole, _, frac = dollars.lstrip("-").partition(".")
    value = int(whole) * 1_000_000 + int(frac.ljust(6, "0"))
    return -value if dollars.startswith("-") else value


def reserve(accrued: int, remaining: int, price: int, charged: int) -> int:
    """Most maker fee a resting order could still be charged, in micro-dollars."""
    units = accrued + MAKER_COEFFICIENT * remaining * price * (10_000 - price)
    return -(-units // UNITS_PER_CENT) * 10_000 - charged


class Session(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.clock = Clock()
        self.ex = new_exchange(self.clock)
        self.groups: dict[str, str] = {}
        for user in USERS:
            self.ex.create_user(balance_cents=40_00, user_id=user)
            request = CreateOrderGroupRequest(contracts_limit=3)
            self.groups[user] = self.ex.create_order_group(user, request)

    # ------------------------------------------------------------------ helpers

    def attempt(self, call: Callable[..., object], *args: object) -> None:
        """Run a command; if it is refused, nothing may have changed."""
        before = self.ex.state_digest()
        try:
            call(*args)
        except ExchangeError:
            assert self.ex.state_digest() == before

    def resting(self, user: str) -> list[Order]:
        return self.ex.orders(user, status="resting", limit=1000)[0]

    # ------------------------------------------------------------------ rules

    @initialize(sizes=st.lists(st.integers(1, 800), min_size=18, max_size=18))
    def seed_books(self, sizes: list[int]) -> None:
        """Every user quotes every market around $0.50, so later orders find someone to trade."""
        spots = [(u, t, side) for u in USERS for t in MARKETS for side in ("bid", "ask")]
        for (user, ticker, side), centi in zip(spots, sizes, strict=True):
            price = "0.48" if side == "bid" else "0.52"
            req = order(ticker, side, price, centi_to_fp(centi))
            self.attempt(self.ex.create_order, user, req)

    @rule(
        user=st.sampled_from(USERS), ticker=st.sampled_from(MARKETS),
        side=st.sampled_from(("bid", "ask")), centi=st.integers(1, 1200),
    )  # fmt: skip
    def take(self, user: str, ticker: str, side: str, centi: int) -> None:
        """Sweep the other side of the book (the trades the invariants are really about)."""
        price = "0.95" if side == "bid" else "0.05"
        req = order(ticker, side, price, centi_to_fp(centi), tif="immediate_or_cancel")
        self.attempt(self.ex.create_order, user, req)

    @rule(
        user=st.sampled_from(USERS), ticker=st.sampled_from(MARKETS),
        side=st.sampled_from(("bid", "ask")), price=st.sampled_from(PRICES),
        centi=st.integers(1, 1500), tif=st.sampled_from(
            ("good_till_canceled",) * 3 + ("immediate_or_cancel",) * 2 + ("fill_or_kill",)
        ),
        post_only=st.sampled_from((False, False, False, True)),
        stp=st.sampled_from(("taker_at_cross", "maker")),
        flags=st.sampled_from(("", "", "", "grouped", "expiring", "reduce_only")),
    )  # fmt: skip
    def create(
        self, user: str, ticker: str, side: str, price: str, centi: int, tif: str,
        post_only: bool, stp: str, flags: str,
    ) -> None:  # fmt: skip
        extra: dict[str, Any] = {"post_only": post_only or None}
        if flags == "grouped":
            extra["order_group_id"] = self.groups[user]
        elif flags == "expiring" and tif == "good_till_canceled":
            extra["expiration_time"] = self.clock.ms // 1000 + 10
        elif flags == "reduce_only":
            tif, extra["reduce_only"] = "immediate_or_cancel", True
        req = order(ticker, side, price, centi_to_fp(centi), tif=tif, stp=stp, **extra)
        self.attempt(self.ex.create_order, user, req)

    @rule(user=st.sampled_from(USERS), data=st.data())
    def cancel(self, user: str, data: st.DataObject) -> None:
        orders = self.resting(user)
        if orders:
            target = data.draw(st.sampled_from(orders)).order_id
            self.attempt(self.ex.cancel_order, user, target)

    @rule(
        user=st.sampled_from(USERS), data=st.data(), price=st.sampled_from(PRICES),
        extra=st.integers(-500, 800),
    )  # fmt: skip
    def amend(self, user: str, data: st.DataObject, price: str, extra: int) -> None:
        orders = self.resting(user)
        if not orders:
            return
        target = data.draw(st.sampled_from(orders))
        total = fp_to_centi(target.initial_count_fp or "0") + extra
        req = AmendOrderV2Request(
            ticker=target.ticker, side=target.book_side, price=price,
            count=centi_to_fp(max(total, 1)),
        )  # fmt: skip
        self.attempt(self.ex.amend_order, user, target.order_id, req)

    @rule(user=st.sampled_from(USERS), data=st.data(), by=st.integers(1, 800))
    def decrease(self, user: str, data: st.DataObject, by: int) -> None:
        orders = self.resting(user)
        if orders:
            target = data.draw(st.sampled_from(orders)).order_id
            req = DecreaseOrderV2Request(reduce_by=centi_to_fp(by))
            self.attempt(self.ex.decrease_order, user, target, req)

    @rule(user=st.sampled_from(USERS))
    def reset_group(self, user: str) -> None:
        self.ex.reset_order_group(user, self.groups[user])

    @rule(seconds=st.integers(1, 12))
    def tick(self, seconds: int) -> None:
        self.clock.advance(seconds)
        self.ex.advance()

    # ------------------------------------------------------------------ invariants

    @invariant()
    def money_is_conserved(self) -> None:
        assert conserved(self.ex)

    @invariant()
    def cash_never_negative(self) -> None:
        assert all(self.ex.balance(u).balance_cents >= 0 for u in USERS)
        digest: Any = self.ex.state_digest()["accounts"]
        assert all(c >= 0 for account in digest.values() for c in account["cash"].values())

    @invariant()
    def contracts_come_in_pairs(self) -> None:
        for ticker in MARKETS:
            sizes = [self.position(u, ticker) for u in USERS]
            assert sum(s for s in sizes if s > 0) == -sum(s for s in sizes if s < 0)
            interest = fp_to_centi(self.ex.market(ticker).open_interest_fp or "0")
            assert interest == sum(s for s in sizes if s > 0)

    @invariant()
    def books_never_cross(self) -> None:
        for ticker in MARKETS:
            book = self.ex.orderbook(ticker)
            if book.yes_dollars and book.no_dollars:
                best_bid = dollars_to_ticks(book.yes_dollars[-1][0])
                best_ask = 10_000 - dollars_to_ticks(book.no_dollars[-1][0])
                assert best_bid < best_ask

    @invariant()
    def collateral_matches_resting_orders(self) -> None:
        digest: Any = self.ex.state_digest()["accounts"]
        for user in USERS:
            assert digest[user]["held"] == self.expected_held(user)

    def position(self, user: str, ticker: str) -> int:
        found = self.ex.positions(user, ticker=ticker, settlement_status="all")[0]
        return fp_to_centi(found[0].position_fp or "0") if found else 0

    def expected_held(self, user: str) -> dict[str, int]:
        """Collateral recomputed from public reads: resting orders in placement order claim
        the position they would close; the rest costs p (bid) or 1 - p (ask) per contract."""
        held: dict[str, int] = {}
        free: dict[str, dict[str, int]] = {}
        for o in reversed(self.resting(user)):
            position = self.position(user, o.ticker)
            left = free.setdefault(o.ticker, {"ask": max(position, 0), "bid": max(-position, 0)})
            price, remaining = (
                dollars_to_ticks(o.yes_price_dollars or ""),
                fp_to_centi(o.remaining_count_fp or "0"),
            )
            covered = min(remaining, left[o.book_side])
            left[o.book_side] -= covered
            unit = price if o.book_side == "bid" else 10_000 - price
            need = unit * (remaining - covered)
            if o.ticker == MAKER_FEES:
                need += reserve(self.maker_accrued(user, o), remaining, price,
                                micro(o.maker_fees_dollars))  # fmt: skip
            held[o.ticker] = held.get(o.ticker, 0) + need
        return {t: v for t, v in sorted(held.items()) if v}

    def maker_accrued(self, user: str, o: Order) -> int:
        fills = self.ex.fills(user, order_id=o.order_id, limit=1000)[0]
        return sum(
            MAKER_COEFFICIENT * fp_to_centi(f.count_fp or "0") * (p := dollars_to_ticks(
                f.yes_price_dollars or "")) * (10_000 - p)
            for f in fills
            if not f.is_taker
        )  # fmt: skip

    # ------------------------------------------------------------------ the end

    def teardown(self) -> None:
        self.collateral_matches_resting_orders()
        for index, ticker in enumerate(MARKETS):
            self.ex.determine(ticker, "yes" if index % 2 else "no")
            self.ex.settle(ticker)
        totals = self.ex.money_totals()
        assert totals["held"] == 0
        assert totals["open_interest"] == 0
        assert totals["cash"] + totals["fees"] == totals["deposited"]
        assert all(self.ex.balance(u).balance_cents >= 0 for u in USERS)
        for user in USERS:
            revenue = sum(s.revenue for s in self.ex.settlements(user, limit=1000)[0])
            assert revenue >= 0


Session.TestCase.settings = settings(
    max_examples=60,
    stateful_step_count=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestSession = Session.TestCase
