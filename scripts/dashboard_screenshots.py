"""The dashboard's pictures in docs/ and the README, taken in the headless Chromium the tests use.

A busy sandbox (simulated traders) runs in this process; a user with one resting order and one
position opens `kalshi dashboard` on it; after the page has seen a minute of trading, Chromium
photographs the whole page and the market view.

Run: ``.venv/bin/python scripts/dashboard_screenshots.py`` (needs Chromium: ``make browser``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

from kalshikit import KalshiClient
from kalshikit.auth import generate_private_key, private_key_to_pem, public_key_pem
from kalshikit.config import APIConfig
from kalshikit.sandbox.server import default_exchange, running

OUT = Path(__file__).resolve().parent.parent / "docs" / "img" / "dashboard"
WATCH_S = 60


def sign_up(url: str, home: Path) -> tuple[dict[str, str], KalshiClient]:
    key = generate_private_key("ed25519")
    admin = url.removesuffix("/trade-api/v2") + "/sandbox/admin"
    made = httpx.post(admin + "/users", json={"public_key_pem": public_key_pem(key)}).json()
    path = home / "key.pem"
    path.write_text(private_key_to_pem(key))
    path.chmod(0o600)
    env = {k: v for k, v in os.environ.items() if not k.startswith("KALSHI_")}
    env |= {"KALSHI_API_URL": url, "KALSHI_API_KEY_ID": made["api_key_id"],
            "KALSHI_PRIVATE_KEY_PATH": str(path), "XDG_DATA_HOME": str(home)}  # fmt: skip
    config = APIConfig.resolve("local", rest_url=url, api_key_id=made["api_key_id"],
                               private_key_pem=private_key_to_pem(key), environ={},
                               dotenv_path=False)  # fmt: skip
    return env, KalshiClient(config=config)


def trade_a_little(client: KalshiClient, ticker: str) -> None:
    """One position (a buy at the ask) and one resting order (a bid below the touch)."""
    book = client.markets.orderbook(ticker)
    ask = 1 - Decimal(book.no[-1][0])
    bid = Decimal(book.yes[-1][0])
    client.orders.create(ticker, side="yes", action="buy", count=5, price_dollars=ask,
                         time_in_force="immediate_or_cancel")  # fmt: skip
    client.orders.create(ticker, side="yes", action="buy", count=20,
                         price_dollars=bid - Decimal("0.04"))  # fmt: skip


def main() -> None:
    chromium = shutil.which("chromium") or sys.exit("needs Chromium: make browser")
    OUT.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory() as folder,
        running(
            default_exchange(markets=40), activity=30, liquidity=True, limits_enabled=False
        ) as url,
    ):
        env, client = sign_up(url, Path(folder))
        ticker = "KXHIGHNY-26DEC03-B51.5"
        trade_a_little(client, ticker)
        command = [sys.executable, "-m", "kalshikit.cli.main", "--json", "dashboard", "--port",
                   "0", "--no-open", "--ticker", ticker]  # fmt: skip
        server = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)
        try:
            assert server.stdout is not None
            page_url = json.loads(server.stdout.readline())["url"]
            with sync_playwright() as driver:
                browser = driver.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                page.goto(page_url)
                page.wait_for_selector("#ladder-yes tbody tr[data-mine]")
                time.sleep(WATCH_S)  # trades, a moving chart, a live ranking
                page.wait_for_selector("#ladder-yes tbody tr[data-mine]")  # still resting
                page.screenshot(path=str(OUT / "overview.png"), full_page=True)
                # clipped from the whole page: scrolled to, it would sit under the sticky banner
                box = page.locator("#market").bounding_box()
                page.screenshot(path=str(OUT / "market.png"), full_page=True, clip=box)
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
            client.close()
    sys.stdout.write(f"wrote {OUT / 'overview.png'} and {OUT / 'market.png'}\n")


if __name__ == "__main__":
    main()
