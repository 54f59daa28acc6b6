"""A running sandbox whose exchange clock a test moves forward, to push records behind the
historical cutoff without sleeping.

The exchange reads a wall clock plus an offset the test raises (``later``); signatures and rate
limits keep the real wall clock, so clients sign as always. The live window is a minute and no
record is kept live past it (``per_user=0``), as on Kalshi: whatever is older than the cutoff is
only under ``/historical``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from _cli_kit import Box

from kalshikit import APIConfig
from kalshikit.auth import generate_private_key, private_key_to_pem, public_key_pem
from kalshikit.sandbox.catalog import build_catalog
from kalshikit.sandbox.exchange import Exchange, Retention
from kalshikit.sandbox.server import running

WINDOW_S = 60
RETENTION = Retention(window_ms=WINDOW_S * 1000, per_user=0, every_ms=10_000)


class ShiftedClock:
    """The wall clock (epoch ms) plus an offset that only grows."""

    def __init__(self) -> None:
        self.offset_ms = 0

    def __call__(self) -> int:
        return time.time_ns() // 1_000_000 + self.offset_ms


class HistoryBox(Box):
    """A running sandbox on a shifted clock, driven through its admin API."""

    def __init__(self, url: str, clock: ShiftedClock) -> None:
        super().__init__(url)
        self.clock = clock
        self.used: set[str] = set()  # events a test has traded in

    def ticker(self) -> str:
        """An open cent-grid market of an event no other test has used."""
        for market in self.markets():
            fresh = market["event_ticker"] not in self.used
            if fresh and market["price_level_structure"] == "linear_cent":
                self.used.add(market["event_ticker"])
                return str(market["ticker"])
        raise LookupError("no unused open market left: raise history_sandbox(markets=...)")

    def now(self) -> int:
        """The exchange's time, unix seconds."""
        return self.clock() // 1000

    def later(self, seconds: int) -> None:
        """Move the exchange's clock on and let it apply what is due (the sweep included)."""
        self.clock.offset_ms += seconds * 1000
        self.admin("POST", "/advance")

    def user(self) -> tuple[str, str]:
        """A fresh user: (api key id, private key PEM)."""
        key = generate_private_key("ed25519")
        made = self.admin("POST", "/users", {"public_key_pem": public_key_pem(key)})
        return made["api_key_id"], private_key_to_pem(key)

    def config(self) -> APIConfig:
        key_id, pem = self.user()
        return APIConfig.resolve(
            "local", rest_url=self.url, api_key_id=key_id, private_key_pem=pem, environ={},
            dotenv_path=False,
        )  # fmt: skip

    def settle_event(self, ticker: str, event_ticker: str, result: str = "yes") -> None:
        """Determine and settle ``ticker`` (``result``) and every other market of its event
        (the opposite), so the whole event can move to the archive."""
        markets = self.admin_markets(event_ticker)
        for market in markets:
            answer = result if market["ticker"] == ticker else ("no" if result == "yes" else "yes")
            if market["status"] not in ("determined", "finalized"):
                self.admin("POST", f"/markets/{market['ticker']}/determine", {"result": answer})
            if market["status"] != "finalized":
                self.admin("POST", f"/markets/{market['ticker']}/settle")

    def admin_markets(self, event_ticker: str) -> list[dict[str, Any]]:
        import httpx

        answer = httpx.get(
            self.url + f"/events/{event_ticker}", params={"with_nested_markets": True}
        )
        answer.raise_for_status()
        return list(answer.json()["event"]["markets"])


@contextmanager
def history_sandbox(markets: int = 40) -> Iterator[HistoryBox]:
    clock = ShiftedClock()
    catalog = build_catalog(seed=5, markets=markets, now=datetime.now(UTC))
    exchange = Exchange(catalog, clock=clock, seed=5, retention=RETENTION)
    with running(exchange, liquidity=False, limits_enabled=False, lifecycle_interval_s=None) as url:
        yield HistoryBox(url, clock)
