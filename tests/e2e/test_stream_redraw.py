"""`kalshi stream book` on a terminal through a dropped connection: every health line is written
above the live ladder (the ladder is erased first, so no stale copy of it stays on the screen),
the ladder says "recovering" while the book is rebuilt, and the last frame is the REST book."""

from __future__ import annotations

import asyncio
import io
import re

import httpx
from rich.console import Console

from kalshikit import KalshiClient
from kalshikit.cli import stream_cmds
from kalshikit.sandbox.server import SandboxURL, running
from kalshikit.units import Contracts, Price
from kalshikit.units.display import cents, contracts
from kalshikit.ws import KalshiWebSocket

ERASE_LINE = "\x1b[2K"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


async def watch_through_a_drop(url: SandboxURL, ticker: str) -> None:
    admin = url.removesuffix("/trade-api/v2") + "/sandbox/admin"
    async with KalshiWebSocket(config=url.config) as ws:
        shown = asyncio.create_task(stream_cmds._book_live(ws, ticker, 3, 3.0))
        await asyncio.sleep(0.8)
        await asyncio.to_thread(httpx.post, admin + "/faults", json={"kind": "ws_drop"})
        await shown


def test_a_reconnect_redraws_the_ladder_without_a_stale_frame() -> None:
    with running(limits_enabled=False) as url:
        ticker = httpx.get(url + "/markets", params={"status": "open"}).json()["markets"][0]
        screen = Console(file=io.StringIO(), force_terminal=True, width=80)
        stream_cmds.stdout, saved = screen, stream_cmds.stdout
        try:
            asyncio.run(watch_through_a_drop(url, ticker["ticker"]))
        finally:
            stream_cmds.stdout = saved
        with KalshiClient(rest_url=url) as client:
            book = client.markets.orderbook(ticker["ticker"], depth=3)
    raw = screen.file.getvalue()  # type: ignore[attr-defined]
    health = [m.start() for m in re.finditer(r"stream (disconnected|reconnecting|recovered)", raw)]
    assert len(health) >= 3, ANSI.sub("", raw)
    for start in health:
        assert raw[:start].endswith(ERASE_LINE), "a health line was written over the ladder"
    assert "recovering" in raw
    last_frame = ANSI.sub("", raw.rsplit(ERASE_LINE, 1)[1])
    assert "recovering" not in last_frame
    rows = [line.split() for line in last_frame.splitlines()[2:] if line.strip()]
    best_yes = [[cents(Price.parse(p)), contracts(Contracts.parse(s))] for p, s in book.yes[::-1]]
    shown = best_yes[:3]
    assert [row[:2] for row in rows[: len(shown)]] == shown
