"""The same order entry, order groups and portfolio reads with the async client.

The async resources share every check and the exactly-once flows with the sync ones; these
tests drive them through the async send loop against the real sandbox, faults included.
"""

# ruff: noqa: F811  (test parameters take the fixtures imported from _client_kit)
from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from _client_kit import Kit, aclient, kit, pool, sandbox_url, wire_of  # noqa: F401 (fixtures)

from kalshikit import AsyncKalshiClient
from kalshikit.errors import BadRequest, Conflict, NotFound, ValidationError
from kalshikit.http.orders_core import DryRun, OrderResult, OrderSpec
from kalshikit.journal import OrderJournal
from kalshikit.units import Contracts, Price

pytestmark = pytest.mark.slow


async def buy(client: AsyncKalshiClient, ticker: str, cents: int, **kw: Any) -> OrderResult:
    kw.setdefault("count", 2)
    result = await client.orders.create(ticker, side="yes", action="buy", price_cents=cents, **kw)
    assert isinstance(result, OrderResult)
    return result


async def test_buy_no_rests_as_a_yes_ask(kit: Kit, aclient: AsyncKalshiClient) -> None:
    ticker = kit.market()
    result = await aclient.orders.create(
        ticker, side="no", action="buy", count=2, price_dollars=Decimal("0.40")
    )
    assert isinstance(result, OrderResult)
    assert result.resolved_by == "created"
    order = await aclient.orders.get(result.order_id)
    assert (order.book_side, order.yes_price) == ("ask", Price("0.60"))
    assert (await aclient.markets.orderbook(ticker)).no == [("0.4000", "2.00")]


async def test_every_order_write_and_read(kit: Kit, aclient: AsyncKalshiClient) -> None:
    ticker = kit.market()
    first, second = await buy(aclient, ticker, 30), await buy(aclient, ticker, 30, count=3)
    listed = [o.order_id async for o in aclient.orders.list(ticker=ticker, page_size=1)]
    assert listed == [second.order_id, first.order_id]
    assert await aclient.orders.queue_position(second.order_id) == Contracts(2)
    assert len(await aclient.orders.queue_positions(market_tickers=ticker)) == 2
    assert await aclient.orders.find(ticker, first.client_order_id) is not None
    await aclient.orders.amend(
        first.order_id, ticker=ticker, side="yes", action="buy", count=4, price_cents=29
    )
    await aclient.orders.decrease(first.order_id, reduce_to=1)
    order = await aclient.orders.get(first.order_id)
    assert (order.yes_price, order.remaining_count) == (Price("0.29"), Contracts(1))
    await aclient.orders.cancel(first.order_id)
    canceled = await aclient.orders.cancel_batch([second.order_id])
    assert isinstance(canceled, list)
    assert canceled[0].reduced_by == "3.00"
    specs = [OrderSpec(ticker, side="no", action="buy", count=1, price_cents=c) for c in (10, 11)]
    batch = await aclient.orders.create_batch(specs)
    assert isinstance(batch, list)
    assert all(item.ok for item in batch)
    assert await aclient.orders.cancel_all() is None
    statuses = {o.status async for o in aclient.orders.list(ticker=ticker)}
    assert statuses == {"canceled"}


@pytest.mark.parametrize(
    "bad",
    [
        {"price_cents": 0.5},
        {"price_cents": None, "price_dollars": 0.45},
        {"count": 0},
        {"side": "both"},
        {"reduce_only": True},
    ],
)
async def test_a_refused_create_sends_nothing(
    kit: Kit, aclient: AsyncKalshiClient, bad: dict[str, Any]
) -> None:
    ticker, before = kit.quiet_market(), kit.digest()
    intent: dict[str, Any] = {"side": "yes", "action": "buy", "count": 1, "price_cents": 50}
    with pytest.raises(ValidationError):
        await aclient.orders.create(ticker, **{**intent, **bad})
    assert wire_of(aclient).writes == []
    assert kit.digest() == before


async def test_an_unknown_ticker_is_not_found(kit: Kit, aclient: AsyncKalshiClient) -> None:
    with pytest.raises(NotFound):
        await aclient.orders.create("NOPE", side="no", action="sell", count=1, price_cents=5)
    assert wire_of(aclient).writes == []


async def test_every_write_has_a_dry_run(kit: Kit, aclient: AsyncKalshiClient) -> None:
    ticker = kit.market()
    order_id = (await buy(aclient, ticker, 12)).order_id
    group_id = await aclient.order_groups.create(contracts_limit=3)
    assert isinstance(group_id, str)
    before, writes = kit.digest(), len(wire_of(aclient).writes)
    orders, groups = aclient.orders, aclient.order_groups
    spec = OrderSpec(ticker, side="yes", action="sell", count=1, price_cents=90)
    dry_runs = [
        await orders.create(ticker, side="yes", action="buy", count=1, price_cents=5, dry_run=True),
        await orders.create_batch([spec], dry_run=True),
        await orders.cancel(order_id, dry_run=True),
        await orders.cancel_batch([order_id], dry_run=True),
        await orders.cancel_all(dry_run=True),
        await orders.amend(
            order_id, ticker=ticker, side="yes", action="buy", count=1, price_cents=9, dry_run=True
        ),
        await orders.decrease(order_id, reduce_by="0.5", dry_run=True),
        await groups.create(dry_run=True),
        await groups.delete(group_id, dry_run=True),
        await groups.reset(group_id, dry_run=True),
        await groups.trigger(group_id, dry_run=True),
        await groups.set_limit(group_id, 9, dry_run=True),
    ]
    assert all(isinstance(d, DryRun) for d in dry_runs)
    assert len(wire_of(aclient).writes) == writes
    assert kit.digest() == before


async def test_portfolio_reads(kit: Kit) -> None:
    async with kit.async_client() as maker, kit.async_client() as taker:
        tickers = [kit.market(), kit.market()]
        start = (await maker.portfolio.balance()).balance
        for ticker in tickers:
            await buy(maker, ticker, 40, count=1)
            await taker.orders.create(ticker, side="yes", action="sell", count=1, price_cents=40)
        fees = sum(Decimal(f.fee_cost or "0") for f in await maker.portfolio.fills().to_list())
        assert (await maker.portfolio.balance()).balance == start - Decimal("0.80") - fees
        positions = await maker.portfolio.positions(page_size=1).to_list()
        assert sorted(p.ticker for p in positions) == sorted(tickers)
        assert await maker.portfolio.event_positions(page_size=1).to_list()
        assert len(await taker.portfolio.fills(page_size=1).to_list()) == 2
        kit.admin("POST", f"/markets/{tickers[0]}/determine", {"result": "no"})
        kit.admin("POST", f"/markets/{tickers[0]}/settle")
        [settled] = await taker.portfolio.settlements().to_list()
        assert settled.market_result == "no"
        await buy(maker, tickers[1], 10, count=1)
        value = await maker.portfolio.resting_order_value()
        assert value.total_resting_order_value == 10


async def test_order_group_limit_cancels(kit: Kit) -> None:
    async with kit.async_client() as maker, kit.async_client() as taker:
        ticker = kit.market()
        group_id = await maker.order_groups.create(contracts_limit="1.5")
        assert isinstance(group_id, str)
        order = await buy(maker, ticker, 40, count=3, order_group_id=group_id)
        await taker.orders.create(ticker, side="no", action="buy", count=2, price_cents=60)
        assert (await maker.orders.get(order.order_id)).status == "canceled"
        with pytest.raises(BadRequest):
            await buy(maker, ticker, 41, order_group_id=group_id)
        await maker.order_groups.reset(group_id)
        await maker.order_groups.set_limit(group_id, 10)
        assert (await maker.order_groups.get(group_id)).contracts_limit_fp == "10.00"
        await maker.order_groups.trigger(group_id)
        await maker.order_groups.delete(group_id)
        assert await maker.order_groups.list() == []


async def test_exactly_once_under_faults(kit: Kit, aclient: AsyncKalshiClient) -> None:
    ticker, before = kit.market(), kit.order_count()
    await aclient.orders.create(
        ticker, side="yes", action="buy", count=1, price_cents=1, dry_run=True
    )
    kit.arm("drop_after_write")
    dropped = await buy(aclient, ticker, 30)
    kit.arm("status", count=1, status=503)
    refused_once = await buy(aclient, ticker, 31)
    again = await buy(aclient, ticker, 31, client_order_id=refused_once.client_order_id)
    resolved = [dropped.resolved_by, refused_once.resolved_by, again.resolved_by]
    assert resolved == ["lookup", "created", "conflict"]
    assert kit.order_count() == before + 2
    assert len(await aclient.orders.list(ticker=ticker).to_list()) == 2
    with pytest.raises(Conflict):
        await buy(aclient, ticker, 35, client_order_id=dropped.client_order_id)


async def test_journal_and_async_reconcile(kit: Kit, tmp_path: Path) -> None:
    journal = OrderJournal(tmp_path / "journal.sqlite3")
    async with kit.async_client(journal=journal) as client:
        ticker = kit.market()
        specs = [
            OrderSpec(ticker, side="yes", action="buy", count=1, price_cents=c) for c in (3, 4)
        ]
        kit.arm("drop_after_write")
        batch = await client.orders.create_batch(specs)
        assert isinstance(batch, list)
        assert {e.state for e in journal.entries()} == {"placed"}
        assert {e.detail for e in journal.entries()} == {"lookup"}
        spec = specs[0]
        intent = {"count": spec.count, "price_cents": spec.price_cents}
        journal.record(batch[0].request, intent=intent, env="local", base_url=client.base_url)
        [settled] = await journal.areconcile(client)
        assert (settled.state, settled.order_id) == ("placed", batch[0].order_id)
