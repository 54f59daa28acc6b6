"""Eight seconds of busy simulated activity (300 writes a second) on a real sandbox process:
the book a plain WebSocket client rebuilds from the snapshot and the deltas equals the book
`GET .../orderbook` returns, and every subscription's seq is contiguous throughout.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal

import httpx
import pytest
from _sandbox_process import sandbox_process
from websockets.asyncio.client import connect

from kalshikit.auth import Signer, generate_private_key, public_key_pem

pytestmark = pytest.mark.slow
# as many writes as a minute at the default pace, in a third of the time (the suite has a budget)
ACTIVITY_SECONDS = 8.0
MARKETS = 25

Book = dict[str, dict[Decimal, Decimal]]  # "yes"/"no" -> price -> size


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data = tmp_path_factory.mktemp("sandbox")
    with sandbox_process(data, "--activity", "300", "--no-limits") as url:
        yield url


def apply(books: dict[str, Book], frame: dict[str, object]) -> None:
    msg = frame["msg"]
    assert isinstance(msg, dict)
    ticker = msg["market_ticker"]
    if frame["type"] == "orderbook_snapshot":
        books[ticker] = {
            side: {Decimal(p): Decimal(c) for p, c in msg.get(f"{side}_dollars_fp", [])}
            for side in ("yes", "no")
        }
        return
    levels = books[ticker][str(msg["side"])]
    price = Decimal(str(msg["price_dollars"]))
    levels[price] = levels.get(price, Decimal(0)) + Decimal(str(msg["delta_fp"]))
    if levels[price] == 0:
        del levels[price]


async def stream(
    base: str, signer: Signer, tickers: list[str]
) -> tuple[dict[str, Book], dict[int, list[int]]]:
    url = base.replace("http://", "ws://") + "/trade-api/ws/v2"
    books: dict[str, Book] = {}
    seqs: dict[int, list[int]] = defaultdict(list)
    async with connect(url, additional_headers=signer.ws_headers(url)) as ws:
        params = {"channels": ["orderbook_delta"], "market_tickers": tickers}
        await ws.send(json.dumps({"id": 1, "cmd": "subscribe", "params": params}))
        stop_at = time.monotonic() + ACTIVITY_SECONDS
        paused = False
        while True:
            timeout = 1.0 if paused else max(0.05, stop_at - time.monotonic())
            try:
                frame = json.loads(await asyncio.wait_for(ws.recv(), timeout))
            except TimeoutError:
                if paused:
                    return books, seqs  # a quiet second after the pause: the feed has drained
                async with httpx.AsyncClient() as admin:  # stop the activity, then drain
                    await admin.post(f"{base}/sandbox/admin/trading", json={"active": False})
                paused = True
                continue
            if "seq" in frame and "sid" in frame:
                seqs[frame["sid"]].append(frame["seq"])
            if frame["type"] in ("orderbook_snapshot", "orderbook_delta"):
                apply(books, frame)


def rest_book(base: str, ticker: str) -> Book:
    answer = httpx.get(f"{base}/trade-api/v2/markets/{ticker}/orderbook").json()["orderbook_fp"]
    return {
        side: {Decimal(p): Decimal(c) for p, c in answer.get(f"{side}_dollars") or []}
        for side in ("yes", "no")
    }


def test_busy_activity_rebuilds_the_rest_book(base: str) -> None:
    page = httpx.get(f"{base}/trade-api/v2/markets", params={"status": "open", "limit": 1000})
    tickers = [m["ticker"] for m in page.json()["markets"]][:MARKETS]
    key = generate_private_key("ed25519")
    made = httpx.post(f"{base}/sandbox/admin/users", json={"public_key_pem": public_key_pem(key)})
    books, seqs = asyncio.run(stream(base, Signer(made.json()["api_key_id"], key), tickers))
    assert set(books) == set(tickers)
    deltas = sum(len(s) for s in seqs.values())
    assert deltas > 200, "the simulator should have moved these books"
    for sid, numbers in seqs.items():
        assert numbers == list(range(numbers[0], numbers[0] + len(numbers))), f"gap on sid {sid}"
    for ticker in tickers:
        assert books[ticker] == rest_book(base, ticker), ticker
