"""The order journal on real SQLite files: records, states, persistence, and what reconcile reads.

Reconciling against a real exchange is in ``tests/e2e/test_exactly_once.py``; here the journal's
own bookkeeping is pinned, including what each outcome of a create is recorded as.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from kalshikit.errors import APIConnectionError, BadRequest, ErrorBody
from kalshikit.http.exactly_once import Failed
from kalshikit.http.orders_core import BatchItemResult, OrderResult, OrderSpec
from kalshikit.journal import JournalEntry, OrderJournal, intent_of, outcome_entry
from kalshikit.models import CreateOrderAck, CreateOrderV2Request, ErrorResponse

START = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def request(coid: str = "c-1", ticker: str = "KXT-1") -> CreateOrderV2Request:
    return CreateOrderV2Request(
        ticker=ticker,
        side="ask",
        count="2.00",
        price="0.6000",
        time_in_force="good_till_canceled",
        self_trade_prevention_type="taker_at_cross",
        client_order_id=coid,
    )


@pytest.fixture
def journal(tmp_path: Path) -> OrderJournal:
    return OrderJournal(tmp_path / "deep" / "journal.sqlite3", clock=Clock())


def record(journal: OrderJournal, coid: str = "c-1", env: str = "demo") -> None:
    journal.record(request(coid), intent={"side": "no"}, env=env, base_url="http://x")


def test_a_record_is_pending_with_everything_needed_to_resend(journal: OrderJournal) -> None:
    record(journal)
    entry = journal.get("c-1")
    assert isinstance(entry, JournalEntry)
    assert (entry.state, entry.env, entry.ticker, entry.order_id) == (
        "pending",
        "demo",
        "KXT-1",
        None,
    )
    assert entry.intent == {"side": "no"}
    assert entry.create_request() == request()
    assert entry.request["price"] == "0.6000"
    assert entry.created_at == START + timedelta(seconds=1)
    assert entry.created_at.tzinfo is not None


def test_marks_keep_a_known_order_id(journal: OrderJournal) -> None:
    record(journal)
    journal.mark("c-1", "placed", order_id="o-1", detail="created")
    journal.mark("c-1", "placed", detail="reconcile")
    entry = journal.get("c-1")
    assert entry is not None
    assert (entry.state, entry.order_id, entry.detail) == ("placed", "o-1", "reconcile")
    assert entry.updated_at > entry.created_at


def test_recording_an_id_again_starts_it_over(journal: OrderJournal) -> None:
    record(journal)
    journal.mark("c-1", "refused", detail="no")
    record(journal, env="prod")
    entry = journal.get("c-1")
    assert entry is not None
    assert (entry.state, entry.env, entry.detail) == ("pending", "prod", None)
    assert len(journal.entries()) == 1


def test_unresolved_is_pending_or_unknown_in_one_environment(journal: OrderJournal) -> None:
    for coid, env, state in [
        ("a", "demo", "pending"),
        ("b", "demo", "unknown"),
        ("c", "demo", "placed"),
        ("d", "prod", "pending"),
        ("e", "demo", "absent"),
    ]:
        record(journal, coid, env)
        journal.mark(coid, state)  # type: ignore[arg-type]
    assert [e.client_order_id for e in journal.unresolved("demo")] == ["a", "b"]
    assert [e.client_order_id for e in journal.entries(state="pending")] == ["a", "d"]


def test_records_survive_the_process(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    with OrderJournal(path) as first:
        record(first)
    with OrderJournal(path) as second:
        entry = second.get("c-1")
    assert entry is not None
    assert entry.state == "pending"


def test_an_order_without_a_client_order_id_cannot_be_journaled(journal: OrderJournal) -> None:
    anonymous = CreateOrderV2Request(
        ticker="T", side="bid", count="1.00", price="0.5000",
        time_in_force="good_till_canceled", self_trade_prevention_type="maker",
    )  # fmt: skip
    with pytest.raises(ValueError, match="client_order_id"):
        journal.record(anonymous, intent={}, env="demo", base_url="http://x")


def test_threads_can_share_a_journal(journal: OrderJournal) -> None:
    def write(n: int) -> None:
        for i in range(20):
            record(journal, f"{n}-{i}")

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(journal.entries()) == 80


def test_the_intent_is_kept_as_given() -> None:
    spec = OrderSpec(
        "KXT-1", side="no", action="buy", count=Decimal("2.50"), price_dollars="0.40",
        expiration=START, post_only=False,
    )  # fmt: skip
    assert intent_of(spec) == {
        "ticker": "KXT-1", "side": "no", "action": "buy", "count": "2.50",
        "price_dollars": "0.40", "time_in_force": "good_till_canceled", "post_only": False,
        "expiration": "2026-11-02T15:00:00+00:00", "self_trade_prevention": "taker_at_cross",
    }  # fmt: skip


def test_what_each_outcome_is_recorded_as() -> None:
    sent = request()
    placed = OrderResult("o-1", "c-1", CreateOrderAck(order_id="o-1"), sent, "lookup")
    assert outcome_entry(placed) == ("placed", "o-1", "lookup")
    refused_item = BatchItemResult("c-1", sent, error=ErrorResponse(code="x", message="no"))
    assert outcome_entry(refused_item) == ("refused", None, "x: no")
    refusal = BadRequest(status=400, body=ErrorBody(code="invalid_order", message="bad"))
    assert outcome_entry(Failed(refusal, "refused")) == ("refused", None, str(refusal))
    unknown = Failed(APIConnectionError("gone"), "unknown", "look it up")
    assert outcome_entry(unknown) == ("unknown", None, "gone look it up")
