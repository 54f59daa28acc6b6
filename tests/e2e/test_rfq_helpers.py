"""``kalshikit.rfq`` end to end: a lone user gets quotes from the sandbox's simulated RFQ maker
and trades through one (sync and async); a quoter answers an RFQ it heard on the
``communications`` channel and confirms it once accepted."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest
from _cli_kit import Box
from test_rfq import FAST, new_user

from kalshikit import AsyncKalshiClient, KalshiClient
from kalshikit.rfq import (
    aaccept,
    accept,
    arequest_quotes,
    best_quote,
    confirm_accepted,
    open_rfqs,
    request_quotes,
    respond,
)
from kalshikit.sandbox.server import default_exchange, running
from kalshikit.ws import KalshiStream

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sim_box() -> Iterator[Box]:
    """A sandbox whose simulator runs (slowly): its RFQ maker answers every RFQ."""
    exchange = default_exchange(markets=60)
    exchange.rfq_timing = FAST
    with running(exchange, activity=1, limits_enabled=False, liquidity=False) as url:
        yield Box(url)


@pytest.fixture(scope="module")
def box() -> Iterator[Box]:
    exchange = default_exchange(markets=60)
    exchange.rfq_timing = FAST
    with running(exchange, limits_enabled=False, liquidity=False) as url:
        yield Box(url)


def test_a_lone_user_trades_with_the_simulated_maker(sim_box: Box) -> None:
    _, config = new_user(sim_box)
    with KalshiClient(config=config) as client:
        quote = request_quotes(client, sim_box.ticker(), 3, side="yes", wait=1.5)
        assert quote is not None
        done = accept(client, quote, "yes", wait=8)
        assert done.status == "executed"
        (fill,) = list(client.portfolio.fills(ticker=quote.market_ticker))
        assert fill.yes_price_dollars == quote.yes_bid_dollars


def test_the_async_helpers(sim_box: Box) -> None:
    _, config = new_user(sim_box)

    async def trade() -> str:
        async with AsyncKalshiClient(config=config) as client:
            quote = await arequest_quotes(client, sim_box.ticker(), 2, side="no", wait=1.5)
            assert quote is not None
            return (await aaccept(client, quote, "no", wait=8)).status

    assert asyncio.run(trade()) == "executed"


def test_a_quoter_answers_what_it_hears(box: Box) -> None:
    (_, asks), (_, makes) = new_user(box), new_user(box)
    with (
        KalshiClient(config=asks) as requester,
        KalshiClient(config=makes) as maker,
        KalshiStream(config=makes) as stream,
    ):
        heard = open_rfqs(stream, timeout=5)
        rfq_id = requester.communications.create_rfq(box.ticker(), 4).id
        rfq = next(heard)
        assert rfq.id == rfq_id
        quote_id = respond(maker, rfq, yes_bid="0.55", no_bid="0.50")
        best = best_quote(requester.communications.quotes(rfq_id=rfq_id).quotes, "no")
        assert best is not None
        assert best.id == quote_id
        requester.communications.accept_rfq_quote(rfq_id, quote_id, "no")
        assert confirm_accepted(maker) == [quote_id]
        deadline = time.monotonic() + 5
        while requester.communications.rfq_quote(rfq_id, quote_id).status != "executed":
            assert time.monotonic() < deadline
            time.sleep(0.2)
