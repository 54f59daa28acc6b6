"""The official SDK (kalshi-python-sync 3.34.0) drives the seven ``/historical`` reads of the
sandbox, and every answer validates in the SDK's own pydantic models: the archive the sandbox
builds as its clock moves on is the archive Kalshi's schema describes.

The records are made the way they are on Kalshi: two users trade, the market's event settles,
and the exchange's clock moves past the live window so the sweep archives them all.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from _history_kit import WINDOW_S, HistoryBox, history_sandbox

sdk = pytest.importorskip(
    "kalshi_python_sync", reason="the official SDK is installed by `make test`"
)

pytestmark = pytest.mark.slow


class Archived:
    """What one test run put behind the cutoff, and the SDK clients that see it."""

    def __init__(self, box: HistoryBox) -> None:
        self.box = box
        self.taker, self.maker = self.client(), self.client()
        self.ticker = box.ticker()
        self.event = self.taker.get_market(self.ticker).market.event_ticker
        self.traded_at = box.now()
        self.maker.create_order_v2(**order_body(self.ticker, "ask", "0.4000", "3.00", True))
        self.taker.create_order_v2(
            **order_body(self.ticker, "bid", "0.4000", "2.00", tif="immediate_or_cancel")
        )
        box.settle_event(self.ticker, self.event)
        box.later(2 * WINDOW_S)

    def client(self) -> Any:
        key_id, pem = self.box.user()
        config = sdk.Configuration(host=self.box.url)
        config.api_key_id = key_id
        config.private_key_pem = pem
        return sdk.KalshiClient(config)


def order_body(
    ticker: str, side: str, price: str, count: str, post_only: bool = False,
    tif: str = "good_till_canceled",
) -> dict[str, Any]:  # fmt: skip
    return {
        "ticker": ticker, "side": side, "price": price, "count": count, "time_in_force": tif,
        "self_trade_prevention_type": "taker_at_cross", "client_order_id": str(uuid.uuid4()),
        "post_only": post_only,
    }  # fmt: skip


@pytest.fixture(scope="module")
def archived() -> Iterator[Archived]:
    with history_sandbox() as box:
        yield Archived(box)


def test_cutoff_validates_and_has_moved(archived: Archived) -> None:
    cutoff = archived.taker.get_historical_cutoff()
    assert cutoff.trades_created_ts.timestamp() > archived.traded_at
    assert cutoff.market_settled_ts == cutoff.orders_updated_ts


def test_markets_and_market_validate(archived: Archived) -> None:
    client, ticker = archived.taker, archived.ticker
    listed = client.get_historical_markets(tickers=ticker, limit=10)
    assert [m.ticker for m in listed.markets] == [ticker]
    assert listed.cursor == ""
    by_event = client.get_historical_markets(event_ticker=archived.event, limit=1000)
    assert ticker in {m.ticker for m in by_event.markets}
    one = client.get_historical_market(ticker).market
    assert (one.ticker, one.result, one.status) == (ticker, "yes", "finalized")


def test_candlesticks_validate(archived: Archived) -> None:
    at = archived.traded_at
    answer = archived.taker.get_market_candlesticks_historical(
        archived.ticker, start_ts=at - 120, end_ts=at + 60, period_interval=1
    )
    assert answer.ticker == archived.ticker
    traded = [c for c in answer.candlesticks if c.price.close is not None]
    assert [(c.price.close, c.volume) for c in traded] == [("0.4000", "2.00")]
    quiet = [c for c in answer.candlesticks if c.price.close is None]
    assert quiet, "a period without trades: its price keys are present and null"


def test_trades_validate(archived: Archived) -> None:
    trades = archived.taker.get_trades_historical(ticker=archived.ticker, limit=100).trades
    assert [(t.count_fp, t.yes_price_dollars) for t in trades] == [("2.00", "0.4000")]
    blocks = archived.taker.get_trades_historical(ticker=archived.ticker, is_block_trade=True)
    assert blocks.trades == []


def test_fills_validate(archived: Archived) -> None:
    fills = archived.taker.get_fills_historical(ticker=archived.ticker, limit=100).fills
    assert [(f.count_fp, f.is_taker) for f in fills] == [("2.00", True)]
    maker_fills = archived.maker.get_fills_historical(ticker=archived.ticker).fills
    assert [f.is_taker for f in maker_fills] == [False]


def test_orders_validate(archived: Archived) -> None:
    orders = archived.taker.get_historical_orders(ticker=archived.ticker).orders
    assert [(o.status, o.fill_count_fp) for o in orders] == [("executed", "2.00")]
    # the maker's order still rested at the close: canceled then, and archived with it
    maker_orders = archived.maker.get_historical_orders(ticker=archived.ticker).orders
    assert [o.status for o in maker_orders] == ["canceled"]


def test_positions_validate(archived: Archived) -> None:
    answer = archived.taker.get_historical_positions(event_ticker=archived.event, limit=100)
    assert [p.ticker for p in answer.market_positions] == [archived.ticker]
    assert [e.event_ticker for e in answer.event_positions] == [archived.event]
    other = archived.taker.get_historical_positions(subaccount=1)
    assert other.market_positions == []


def test_live_reads_no_longer_show_the_archived(archived: Archived) -> None:
    client = archived.taker
    assert client.get_fills(ticker=archived.ticker).fills == []
    with pytest.raises(sdk.exceptions.NotFoundException):
        client.get_market(archived.ticker)
