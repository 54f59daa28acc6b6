"""Paper accounts on disk (kalshikit.paper.store): an engine saved and restored into a fresh one
answers every read the same, and then behaves the same on the same inputs."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kalshikit.errors import ValidationError
from kalshikit.http.orders_core import OrderSpec
from kalshikit.paper import PaperEngine
from kalshikit.paper.store import PaperStore

T = "KXTEST-26JAN01-T50"
START = 1_000_000_000  # $1,000 in micro-dollars
BOOK = {"yes": [(4000, 1000), (3900, 500)], "no": [(5500, 300), (5400, 700)]}

# one step: ("buy"|"sell", contracts, cents) places an order; ("cancel", n, 0) cancels the n-th
# resting order if any; ("trade", contracts, cents) is a source trade print
Step = tuple[str, int, int]
steps = st.lists(
    st.tuples(
        st.sampled_from(["buy", "sell", "cancel", "trade"]),
        st.integers(1, 12),
        st.integers(35, 60),
    ),
    max_size=12,
)


def fresh() -> PaperEngine:
    engine = PaperEngine()
    engine.open_account("a", cash_micro=START)
    engine.open_account("b", cash_micro=START)
    engine.on_snapshot(1, T, **BOOK)
    return engine


def apply(engine: PaperEngine, now: int, step: Step) -> object:
    """One step; its answer or the refusal's text (a refusal is an answer too)."""
    kind, count, cents = step
    try:
        if kind == "trade":
            engine.on_trade(now, T, yes_price=cents * 100, count=count * 100, taker_side="no")
            return None
        if kind == "cancel":
            resting = engine.resting_orders("a")
            if not resting:
                return None
            return engine.cancel(now, "a", resting[count % len(resting)].order_id)
        spec = OrderSpec(T, side="yes", action=kind, count=count, price_cents=cents)  # type: ignore[arg-type]
        return engine.submit(now, "a", spec).order_id
    except ValidationError as refusal:
        return str(refusal)


def reads(engine: PaperEngine, account: str) -> tuple[object, ...]:
    resting = [(o.order_id, engine.queue_position(account, o.order_id))
               for o in engine.resting_orders(account)]  # fmt: skip
    return (
        engine.balance(account), engine.orders(account), engine.fills(account),
        engine.positions(account), engine.settlements(account), engine.held_micro(account),
        resting,
    )  # fmt: skip


@settings(max_examples=100, deadline=None)
@given(before=steps, after=steps)
def test_a_restored_engine_reads_and_behaves_as_the_saved_one(
    tmp_path_factory: object, before: list[Step], after: list[Step]
) -> None:
    path = Path(str(tmp_path_factory.mktemp("store"))) / "paper.sqlite3"  # type: ignore[attr-defined]
    original = fresh()
    for now, step in enumerate(before, start=2):
        apply(original, now, step)
    original.drain()
    store = PaperStore(path)
    store.save(original, ["a", "b"])
    store.close()
    restored = PaperEngine()
    again = PaperStore(path)
    assert again.load_into(restored) == ["a", "b"]
    again.close()
    restored.on_snapshot(len(before) + 2, T, **BOOK)  # the books come back from the feed
    original.on_snapshot(len(before) + 2, T, **BOOK)
    for account in ("a", "b"):
        assert reads(restored, account) == reads(original, account)
    for now, step in enumerate(after, start=len(before) + 3):
        assert apply(restored, now, step) == apply(original, now, step)
    assert reads(restored, "a") == reads(original, "a")
    assert restored.drain() == original.drain()


def test_a_reset_forgets_the_account_but_never_reuses_its_ids(tmp_path: Path) -> None:
    engine = fresh()
    spec = OrderSpec(T, side="yes", action="buy", count=1, price_cents=39)
    first = engine.submit(2, "a", spec).order_id
    store = PaperStore(tmp_path / "paper.sqlite3")
    store.save(engine, ["a", "b"])
    assert store.delete("a") == 1
    assert store.account_names() == ["b"]
    restored = PaperEngine()
    store.load_into(restored)
    restored.open_account("a", cash_micro=START)
    assert restored.orders("a") == []
    assert restored.submit(3, "a", spec).order_id != first
    assert store.delete(None) == 1
    assert store.account_names() == []
    store.close()


def test_restoring_into_an_engine_with_accounts_is_refused(tmp_path: Path) -> None:
    store = PaperStore(tmp_path / "paper.sqlite3")
    with pytest.raises(ValidationError, match="fresh PaperEngine"):
        store.load_into(fresh())
    store.close()
