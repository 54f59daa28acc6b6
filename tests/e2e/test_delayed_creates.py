"""No order placed twice when the network delivers a create after the client gave up on it.

A loopback proxy between the client and a real sandbox holds chosen creates past the client's
timeout, then delivers them. Held a little (past the timeout, inside the signature window) the
exchange takes the late request while the client is already looking the order up; held long
(past the window) it refuses it. Either way exactly one order must exist, filled once, and be
the one the client reports. The sandbox's window is shortened to keep this quick; the client
waits out the same window (``resend_after``) before it trusts a "not found".
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from _client_kit import Kit, Pool
from _delaying_proxy import DelayingProxy, delaying_proxy

from kalshikit import AsyncKalshiClient, KalshiClient
from kalshikit.http._core import RetryPolicy
from kalshikit.http.orders_core import OrderResult, OrderSpec
from kalshikit.sandbox.server import default_exchange, running
from kalshikit.units import Contracts

pytestmark = pytest.mark.slow

WINDOW_MS = 1_500  # the sandbox's signature window in this suite
TIMEOUT_S = 0.3  # the client gives up on an answer after this
SHORT_HOLD_S = 0.8  # past the timeout, inside the window: the exchange takes the late create
LONG_HOLD_S = 2.5  # past the window: the exchange refuses the late create (401)
POLICY = RetryPolicy(max_retries=3, base_delay=0.005, max_delay=0.01, resend_after=WINDOW_MS / 1000)
ASK_CENTS, CROSSING_CENTS, RESTING_CENTS = 50, 60, 40


@pytest.fixture(scope="module")
def kit() -> Iterator[Kit]:
    exchange = default_exchange(seed=23)
    with running(exchange, limits_enabled=False, signature_window_ms=WINDOW_MS) as url:
        markets = httpx.get(f"{url}/markets", params={"status": "open", "limit": 1000}).json()
        linear = [
            m["ticker"] for m in markets["markets"] if m["price_level_structure"] == "linear_cent"
        ]
        kit = Kit(url, Pool({"linear_cent": iter(linear)}))
        yield kit
        for client in kit.opened:
            client.close()


@pytest.fixture
def proxy(kit: Kit) -> Iterator[DelayingProxy]:
    with delaying_proxy(kit.url) as running_proxy:
        yield running_proxy


def market_with_an_ask(kit: Kit) -> tuple[str, KalshiClient, str]:
    """A fresh market where a maker sells 100 YES at 50c: (ticker, maker, maker's order id)."""
    ticker, maker = kit.market(), kit.client()
    ask = maker.orders.create(ticker, side="yes", action="sell", count=100, price_cents=ASK_CENTS)
    assert isinstance(ask, OrderResult)
    return ticker, maker, ask.order_id


def taker(kit: Kit, proxy: DelayingProxy) -> KalshiClient:
    config = dataclasses.replace(kit.config(kit.account()), rest_url=proxy.url)
    client = KalshiClient(config=config, timeout=TIMEOUT_S)
    client.retry_policy = POLICY
    kit.opened.append(client)
    return client


def filled(maker: KalshiClient, order_id: str) -> Contracts | None:
    return maker.orders.get(order_id).fill_count


def delivered(proxy: DelayingProxy, hold: float) -> list[int]:
    """The statuses the held creates finally got (each once it reached the exchange)."""
    statuses = [d.status for d in proxy.wait_delivered()]
    assert statuses == ([201] if hold == SHORT_HOLD_S else [401]) * len(statuses)
    return statuses


@pytest.mark.parametrize("hold", [SHORT_HOLD_S, LONG_HOLD_S])
@pytest.mark.parametrize("time_in_force", ["immediate_or_cancel", "good_till_canceled"])
def test_a_held_create_is_placed_once(
    kit: Kit, proxy: DelayingProxy, hold: float, time_in_force: str
) -> None:
    ticker, maker, ask_id = market_with_an_ask(kit)
    client = taker(kit, proxy)
    crossing = time_in_force == "immediate_or_cancel"
    proxy.hold_next(hold)
    result = client.orders.create(
        ticker, side="yes", action="buy", count=2,
        price_cents=CROSSING_CENTS if crossing else RESTING_CENTS,
        time_in_force=time_in_force,  # type: ignore[arg-type]
    )  # fmt: skip
    assert isinstance(result, OrderResult)
    assert len(delivered(proxy, hold)) == 1
    orders = list(client.orders.list(ticker=ticker))
    assert [(o.order_id, o.client_order_id) for o in orders] == [
        (result.order_id, result.client_order_id)
    ]
    # held a little, the late create is the order; held long, it was refused and resent
    assert result.resolved_by == ("lookup" if hold == SHORT_HOLD_S else "created")
    assert filled(maker, ask_id) == Contracts(2 if crossing else 0)


@pytest.mark.parametrize("hold", [SHORT_HOLD_S, LONG_HOLD_S])
def test_a_held_batch_places_each_order_once(kit: Kit, proxy: DelayingProxy, hold: float) -> None:
    ticker, maker, ask_id = market_with_an_ask(kit)
    client = taker(kit, proxy)
    specs = [
        OrderSpec(ticker, side="yes", action="buy", count=1, price_cents=CROSSING_CENTS,
                  time_in_force="immediate_or_cancel"),
        OrderSpec(ticker, side="yes", action="buy", count=1, price_cents=RESTING_CENTS),
        OrderSpec(ticker, side="no", action="buy", count=1, price_cents=RESTING_CENTS),
    ]  # fmt: skip
    proxy.hold_next(hold)
    results = client.orders.create_batch(specs)
    assert isinstance(results, list)
    assert len(delivered(proxy, hold)) == 1
    placed = sorted((o.order_id, o.client_order_id) for o in client.orders.list(ticker=ticker))
    assert placed == sorted((r.order_id, r.client_order_id) for r in results)
    assert len(placed) == len(specs)
    expected = "lookup" if hold == SHORT_HOLD_S else "created"
    assert [r.resolved_by for r in results] == [expected] * len(specs)
    assert filled(maker, ask_id) == Contracts(1)


@pytest.fixture
async def async_taker(kit: Kit, proxy: DelayingProxy) -> AsyncIterator[AsyncKalshiClient]:
    config = dataclasses.replace(kit.config(kit.account()), rest_url=proxy.url)
    async with AsyncKalshiClient(config=config, timeout=TIMEOUT_S) as client:
        client.retry_policy = POLICY
        yield client


async def test_the_async_client_places_a_held_create_once(
    kit: Kit, proxy: DelayingProxy, async_taker: AsyncKalshiClient
) -> None:
    ticker, maker, ask_id = market_with_an_ask(kit)
    proxy.hold_next(SHORT_HOLD_S)
    result = await async_taker.orders.create(
        ticker, side="yes", action="buy", count=3, price_cents=CROSSING_CENTS,
        time_in_force="immediate_or_cancel",
    )  # fmt: skip
    assert isinstance(result, OrderResult)
    assert result.resolved_by == "lookup"
    assert len(delivered(proxy, SHORT_HOLD_S)) == 1
    assert filled(maker, ask_id) == Contracts(3)
