"""Exactly once, under real faults: the sandbox acts and drops the connection, or answers 503,
and the client's retry must still leave exactly ONE order, saying how it knows.

Counts come from both sides: the user's orders as ``orders.list`` shows them and the exchange's
own order table (admin state). The journal is checked against the same faults, and against a
client that dies in the middle of a send.
"""

# ruff: noqa: F811  (test parameters take the fixtures imported from _client_kit)
from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from _client_kit import (  # noqa: F401 (fixtures)
    QUICK,
    Kit,
    Wire,
    client,
    kit,
    pool,
    sandbox_url,
    wire_of,
)

from kalshikit import KalshiClient
from kalshikit.errors import Conflict, ServerError
from kalshikit.http.orders_core import OrderResult, OrderSpec
from kalshikit.journal import OrderJournal
from kalshikit.ratelimit import Budget
from kalshikit.sandbox.server import running

pytestmark = pytest.mark.slow

CREATE = ("POST", "/portfolio/events/orders")
BATCH = ("POST", "/portfolio/events/orders/batched")
LOOKUP = ("GET", "/portfolio/orders")


def create(client: KalshiClient, ticker: str, cents: int = 30, **kw: Any) -> OrderResult:
    result = client.orders.create(
        ticker, side="yes", action="buy", count=1, price_cents=cents, **kw
    )
    assert isinstance(result, OrderResult)
    return result


def warm_grid(client: KalshiClient, ticker: str) -> None:
    """Read the market's grid now (a dry run does), so an armed fault meets the write."""
    client.orders.create(ticker, side="yes", action="buy", count=1, price_cents=1, dry_run=True)


def orders_on(client: KalshiClient, ticker: str) -> list[str]:
    return [o.client_order_id for o in client.orders.list(ticker=ticker)]


def test_acted_then_dropped_is_found_by_lookup_not_sent_again(
    kit: Kit, client: KalshiClient
) -> None:
    ticker, before = kit.market(), kit.order_count()
    kit.arm("drop_after_write")
    result = create(client, ticker)
    assert wire_of(client).seen[-2:] == [CREATE, LOOKUP]  # never a second POST
    assert result.resolved_by == "lookup"
    assert orders_on(client, ticker) == [result.client_order_id]
    assert kit.order_count() == before + 1
    assert client.orders.get(result.order_id).status == "resting"
    assert result.ack.order_id == result.order_id


def test_a_503_is_looked_up_then_sent_again_with_the_same_id(
    kit: Kit, client: KalshiClient
) -> None:
    ticker, before = kit.market(), kit.order_count()
    warm_grid(client, ticker)
    kit.arm("status", count=1, status=503)
    result = create(client, ticker)
    # not found, and again not found once the 503'd attempt could no longer be accepted
    assert wire_of(client).seen[-4:] == [CREATE, LOOKUP, LOOKUP, CREATE]
    assert result.resolved_by == "created"
    assert orders_on(client, ticker) == [result.client_order_id]
    assert kit.order_count() == before + 1


def test_a_duplicate_client_order_id_resolves_to_the_existing_order(
    kit: Kit, client: KalshiClient
) -> None:
    ticker = kit.market()
    first = create(client, ticker)
    again = create(client, ticker, client_order_id=first.client_order_id)
    assert again.resolved_by == "conflict"
    assert again.order_id == first.order_id
    assert orders_on(client, ticker) == [first.client_order_id]


def test_a_duplicate_id_on_a_different_order_is_a_conflict(kit: Kit, client: KalshiClient) -> None:
    ticker = kit.market()
    first = create(client, ticker, cents=30)
    with pytest.raises(Conflict) as refused:
        create(client, ticker, cents=31, client_order_id=first.client_order_id)
    assert "use a new client_order_id" in "".join(refused.value.__notes__)
    assert orders_on(client, ticker) == [first.client_order_id]


def test_retries_run_out_only_after_a_lookup_says_not_placed(kit: Kit) -> None:
    client = kit.client()
    client.retry_policy = dataclasses.replace(QUICK, max_retries=0)
    ticker, before = kit.market(), kit.order_count()
    warm_grid(client, ticker)
    kit.arm("status", count=1, status=503)
    with pytest.raises(ServerError) as failed:
        create(client, ticker)
    assert "not placed" in "".join(failed.value.__notes__)
    assert kit.order_count() == before
    assert orders_on(client, ticker) == []


def test_batch_acted_then_dropped_leaves_each_order_once(kit: Kit, client: KalshiClient) -> None:
    ticker, before = kit.market(), kit.order_count()
    specs = [
        OrderSpec(ticker, side="yes", action="buy", count=1, price_cents=cents)
        for cents in (20, 21, 22)
    ]
    kit.arm("drop_after_write")
    results = client.orders.create_batch(specs)
    assert isinstance(results, list)
    assert [r.resolved_by for r in results] == ["lookup"] * 3
    assert kit.order_count() == before + 3
    assert sorted(orders_on(client, ticker)) == sorted(r.client_order_id for r in results)
    assert BATCH in wire_of(client).seen
    assert wire_of(client).seen.count(BATCH) == 1


def test_batch_after_a_503_is_sent_again_once(kit: Kit, client: KalshiClient) -> None:
    ticker, before = kit.market(), kit.order_count()
    specs = [OrderSpec(ticker, side="no", action="buy", count=2, price_cents=c) for c in (5, 6)]
    warm_grid(client, ticker)
    kit.arm("status", count=1, status=503)
    results = client.orders.create_batch(specs)
    assert isinstance(results, list)
    assert [r.resolved_by for r in results] == ["created", "created"]
    assert kit.order_count() == before + 2
    assert wire_of(client).seen.count(BATCH) == 2


# --- the journal ------------------------------------------------------------------------------


def test_the_journal_records_before_sending(kit: Kit, tmp_path: Path) -> None:
    journal = OrderJournal(tmp_path / "journal.sqlite3")
    seen_pending: list[str] = []

    def check_journal(request: httpx.Request) -> None:
        if (request.method, request.url.path.endswith("/events/orders")) == ("POST", True):
            [entry] = journal.entries()
            assert entry.state == "pending"
            assert entry.request == json.loads(request.content)
            seen_pending.append(entry.client_order_id)

    client = kit.client(transport=Wire(before=check_journal), journal=journal)
    result = create(client, kit.market())
    assert seen_pending == [result.client_order_id]
    entry = journal.get(result.client_order_id)
    assert entry is not None
    assert (entry.state, entry.order_id, entry.detail) == ("placed", result.order_id, "created")
    assert entry.intent["side"] == "yes"
    assert entry.intent["price_cents"] == 30
    assert entry.env == "local"


def test_the_journal_marks_a_lookup_and_a_refusal(kit: Kit, tmp_path: Path) -> None:
    journal = OrderJournal(tmp_path / "journal.sqlite3")
    client = kit.client(journal=journal)
    ticker = kit.market()
    kit.arm("drop_after_write")
    found = create(client, ticker)
    with pytest.raises(Conflict):
        create(client, ticker, cents=31, client_order_id=found.client_order_id)
    entry = journal.get(found.client_order_id)
    assert entry is not None
    assert entry.state == "refused"
    other = create(client, ticker, cents=32)
    assert [e.state for e in journal.entries()] == ["refused", "placed"]
    assert journal.get(other.client_order_id) is not None


def after_the_window() -> datetime:
    """A journal clock read once every attempt in flight can no longer be accepted."""
    return datetime.now(UTC) + timedelta(seconds=QUICK.resend_after)


class Crash(BaseException):
    """The process dying mid-send (not an error any code path handles)."""


def test_reconcile_settles_what_a_crash_left_pending(kit: Kit, tmp_path: Path) -> None:
    path, account, ticker = tmp_path / "journal.sqlite3", kit.account(), kit.market()

    def crash(request: httpx.Request) -> None:
        if request.method == "POST":
            raise Crash

    placed_then_died = kit.client(account, transport=Wire(after=crash), journal=OrderJournal(path))
    with pytest.raises(Crash):
        create(placed_then_died, ticker, cents=30)
    died_first = kit.client(account, transport=Wire(before=crash), journal=OrderJournal(path))
    with pytest.raises(Crash):
        create(died_first, ticker, cents=31)
    journal = OrderJournal(path, clock=after_the_window)  # a new process, past the window
    assert [e.state for e in journal.entries()] == ["pending", "pending"]
    restarted = kit.client(account, journal=journal)
    settled = journal.reconcile(restarted)
    assert [e.state for e in settled] == ["placed", "absent"]
    [order] = restarted.orders.list(ticker=ticker)
    assert settled[0].order_id == order.order_id
    assert journal.reconcile(restarted) == []  # nothing left to settle


def test_a_failed_lookup_leaves_the_outcome_unknown(kit: Kit, tmp_path: Path) -> None:
    journal = OrderJournal(tmp_path / "journal.sqlite3")
    client = kit.client(journal=journal)
    ticker = kit.market()
    warm_grid(client, ticker)
    kit.arm("status", count=20, status=503)  # the create and every lookup retry fail
    with pytest.raises(ServerError) as failed:
        create(client, ticker)
    assert "outcome unknown" in "".join(failed.value.__notes__)
    [entry] = journal.entries()
    assert entry.state == "unknown"
    kit.admin("DELETE", "/faults")
    [settled] = OrderJournal(journal.path, clock=after_the_window).reconcile(client)
    assert settled.state == "absent"


def test_reconcile_within_the_window_says_nothing_is_absent(kit: Kit, tmp_path: Path) -> None:
    """An attempt made just now may still be on its way: not found is not "absent" yet."""
    journal, account, ticker = (
        OrderJournal(tmp_path / "journal.sqlite3"),
        kit.account(),
        kit.market(),
    )

    def crash(request: httpx.Request) -> None:
        if request.method == "POST":
            raise Crash

    died = kit.client(account, transport=Wire(before=crash), journal=journal)
    with pytest.raises(Crash):
        create(died, ticker)
    [entry] = journal.reconcile(kit.client(account))
    assert entry.state == "pending"
    [entry] = OrderJournal(journal.path, clock=after_the_window).reconcile(kit.client(account))
    assert entry.state == "absent"


def test_reconcile_settles_only_orders_sent_to_the_same_exchange(kit: Kit, tmp_path: Path) -> None:
    """Two local sandboxes are two exchanges: reconciling against the other one must leave the
    first one's orders alone (the same environment name is not the same exchange)."""
    path, account, ticker = tmp_path / "journal.sqlite3", kit.account(), kit.market()

    def crash_after(request: httpx.Request) -> None:
        if request.method == "POST":
            raise Crash

    placed = kit.client(account, transport=Wire(after=crash_after), journal=OrderJournal(path))
    with pytest.raises(Crash):
        create(placed, ticker)
    journal = OrderJournal(path, clock=after_the_window)
    with running(limits_enabled=False) as other_url:
        other = Kit(other_url, kit.pool)
        assert journal.reconcile(other.client()) == []
    [entry] = journal.entries()
    assert entry.state == "pending"
    [entry] = journal.reconcile(kit.client(account))
    assert entry.state == "placed"


def test_reconcile_finds_an_order_behind_thousands_of_newer_ones(kit: Kit, tmp_path: Path) -> None:
    """3,100 newer orders on the ticker (more than three pages of 1,000) do not hide it."""
    path, account, ticker = tmp_path / "journal.sqlite3", kit.account(10**7), kit.market()

    def crash_after(request: httpx.Request) -> None:
        if request.method == "POST":
            raise Crash

    first = kit.client(account, transport=Wire(after=crash_after), journal=OrderJournal(path))
    with pytest.raises(Crash):
        create(first, ticker, cents=40)
    busy = kit.client(account, rate_tier=Budget.custom(10**6, 10**6))  # not paced at Basic
    spec = OrderSpec(ticker, side="yes", action="buy", count=1, price_cents=1,
                     time_in_force="immediate_or_cancel")  # fmt: skip
    for size in (1000, 1000, 1000, 100):
        busy.orders.create_batch([spec] * size)
    [entry] = OrderJournal(path, clock=after_the_window).reconcile(busy)
    assert entry.state == "placed"
    assert busy.orders.get(entry.order_id or "").status == "resting"
