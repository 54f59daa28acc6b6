"""`kalshi dashboard` in a real headless Chromium, against a sandbox: what a person sees and does.

The page loads labelled with its exchange; its ladder equals `kalshi markets book`; a price put
in the sandbox shows within a second; an order from the ticket rests in the sandbox (marked on
the ladder, cancelable from the page); a bad price is refused with the CLI's own message and
nothing is sent; in prod an order asks first; on paper the page says so and orders rest on
paper only; and the page and its API refuse anyone without the session's token.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from _browser_kit import browser, dashboard, user_env
from _cli_kit import Box

from kalshikit import KalshiClient
from kalshikit.auth import generate_private_key, private_key_to_pem, public_key_pem
from kalshikit.cli.main import main
from kalshikit.config import APIConfig
from kalshikit.sandbox.server import default_exchange, running

pytestmark = pytest.mark.slow


class Person:
    """A sandbox user: their key on disk, the environment that signs in as them, a client."""

    def __init__(self, box: Box, home: Path) -> None:
        key = generate_private_key("ed25519")
        made = box.admin("POST", "/users", {"public_key_pem": public_key_pem(key)})
        home.mkdir(parents=True, exist_ok=True)
        path = home / "key.pem"
        path.write_text(private_key_to_pem(key))
        path.chmod(0o600)
        self.env = user_env(box.url, made["api_key_id"], path, home)
        self.config = APIConfig.resolve(
            "local", rest_url=box.url, api_key_id=made["api_key_id"],
            private_key_pem=private_key_to_pem(key), environ={}, dotenv_path=False,
        )  # fmt: skip

    def client(self) -> KalshiClient:
        return KalshiClient(config=self.config)

    def resting(self, ticker: str) -> list[Any]:
        with self.client() as client:
            return [o for o in client.orders.list(ticker=ticker, status="resting")]


@pytest.fixture(scope="module")
def box() -> Iterator[Box]:
    with running(default_exchange(markets=6), liquidity=True, limits_enabled=False) as url:
        yield Box(url)


@pytest.fixture(scope="module")
def person(box: Box, tmp_path_factory: pytest.TempPathFactory) -> Person:
    return Person(box, tmp_path_factory.mktemp("person"))


@pytest.fixture(scope="module")
def page_url(person: Person) -> Iterator[str]:
    with dashboard(person.env) as url:
        yield url


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    with browser() as launched:
        yield launched


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 1280, "height": 1000})
    opened = context.new_page()
    opened.errors = []
    opened.on("pageerror", lambda error: opened.errors.append(str(error)))
    yield opened
    context.close()


def quiet_market(box: Box) -> dict[str, Any]:
    """A market quoted on both sides away from the edges (no simulated traders run here, so
    its book moves only when a test moves it)."""
    return next(
        m for m in box.markets()
        if m["price_level_structure"] == "linear_cent"
        and Decimal(m.get("yes_bid_dollars") or 0) > Decimal("0.10")
        and Decimal(m.get("yes_ask_dollars") or 1) < Decimal("0.90")
    )  # fmt: skip


def open_market(page: Any, url: str, ticker: str) -> None:
    """Open ``ticker`` (a quiet market: both sides quoted) by its link."""
    page.goto(f"{url}#{ticker}")
    page.wait_for_selector(f"#market-ticker:text-is('{ticker}')")
    page.wait_for_selector("#ladder-yes tbody tr")
    page.wait_for_selector("#ladder-no tbody tr")


def ladder_rows(page: Any, side: str) -> list[tuple[str, str]]:
    rows = page.query_selector_all(f"#ladder-{side} tbody tr")
    return [(row.get_attribute("data-price"), row.get_attribute("data-size")) for row in rows]


def as_person(person: Person, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI in this process signs in as ``person``."""
    for name, value in person.env.items():
        if name.startswith("KALSHI_"):
            monkeypatch.setenv(name, value)


def cli_book(person: Person, ticker: str, monkeypatch: pytest.MonkeyPatch,
             capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:  # fmt: skip
    as_person(person, monkeypatch)
    capsys.readouterr()
    assert main(["--json", "markets", "book", ticker]) == 0
    return dict(json.loads(capsys.readouterr().out))


def fill_ticket(page: Any, *, side: str, action: str, count: str, cents: str) -> None:
    page.select_option("#ticket-side", side)
    page.select_option("#ticket-action", action)
    page.fill("#ticket-count", count)
    page.fill("#ticket-cents", cents)
    page.click("#ticket-send")


def test_the_page_loads_labelled_with_its_exchange(page: Any, page_url: str, box: Box) -> None:
    page.goto(page_url)
    page.wait_for_selector("#status[data-state='up']")
    assert page.text_content("#banner-name") == "SANDBOX"
    assert "no real money" in page.text_content("#banner-words")
    assert page.get_attribute("#banner", "data-tone") == "sandbox"
    assert page.text_content("#ticket-send") == "Place on SANDBOX"
    assert f"{len(box.markets())} markets" in page.text_content("#status")
    # the busiest market first; it opens by itself
    page.wait_for_selector("#ranking tbody tr[data-ticker]")
    first = page.get_attribute("#ranking tbody tr", "data-ticker")
    page.wait_for_selector(f"#market-ticker:text-is('{first}')")
    page.wait_for_selector("#ladder-yes tbody tr, #ladder-no tbody tr")  # one side may be empty
    assert page.text_content("#pnl-totals").startswith("realized $0.00")
    assert page.errors == []


def test_the_ladder_equals_kalshi_markets_book(
    page: Any, page_url: str, box: Box, person: Person, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    ticker = quiet_market(box)["ticker"]
    open_market(page, page_url, ticker)
    book = cli_book(person, ticker, monkeypatch, capsys)
    assert ladder_rows(page, "yes") == [tuple(level) for level in reversed(book["yes_dollars"])]
    assert ladder_rows(page, "no") == [tuple(level) for level in reversed(book["no_dollars"])]
    best_price, best_size = book["yes_dollars"][-1]
    first = page.query_selector("#ladder-yes tbody tr")
    cells = [cell.text_content() for cell in first.query_selector_all("td")]
    # the CLI's format: 41¢ and whole contracts
    assert cells[0] == f"{Decimal(best_price) * 100:.0f}¢"
    assert cells[1] == f"{Decimal(best_size):.0f}"


def test_a_price_moved_in_the_sandbox_shows_within_a_second(
    page: Any, page_url: str, box: Box, tmp_path: Path
) -> None:
    ticker = quiet_market(box)["ticker"]
    open_market(page, page_url, ticker)
    other = Person(box, tmp_path / "other")
    with other.client() as client:
        book = client.markets.orderbook(ticker)
        ask_level, size = book.no[-1]  # the best NO bid is the YES ask at 1 - its price
        ask = 1 - Decimal(ask_level)
        before = page.text_content("#yes-ask")
        assert before == f"{ask * 100:.0f}¢"
        # a YES buy that takes the whole level moves the ask up a level
        client.orders.create(ticker, side="yes", action="buy", count=Decimal(size),
                             price_dollars=ask, time_in_force="immediate_or_cancel")  # fmt: skip
        moved = time.monotonic()
        page.wait_for_selector(f"#yes-ask:not(:text-is('{before}'))", timeout=1_000)
        assert time.monotonic() - moved < 1.0
        now = client.markets.orderbook(ticker)
    assert page.text_content("#yes-ask") == f"{(1 - Decimal(now.no[-1][0])) * 100:.0f}¢"
    assert ladder_rows(page, "no")[0] == tuple(now.no[-1])
    page.wait_for_selector("#trades tbody tr")  # the trade it printed
    assert page.text_content("#trades tbody tr td") == "YES taker"


def test_an_order_from_the_page_rests_in_the_sandbox_and_cancels_from_it(
    page: Any, page_url: str, box: Box, person: Person
) -> None:
    market = quiet_market(box)
    ticker = market["ticker"]
    open_market(page, page_url, ticker)
    cents = int(Decimal(market["yes_bid_dollars"]) * 100) - 5  # below the bid: it rests
    fill_ticket(page, side="yes", action="buy", count="2", cents=str(cents))
    page.wait_for_selector("#ticket-message[data-tone='good']")
    said = page.text_content("#ticket-message")
    assert said.startswith("buy YES: filled 0 of 2; resting 2 (order ")  # the CLI's line
    resting = person.resting(ticker)
    assert [(o.yes_price_dollars, o.remaining_count_fp) for o in resting] == [
        (f"{Decimal(cents) / 100:.4f}", "2.00")
    ]
    assert resting[0].order_id[:8] in said
    # marked on the ladder and listed as the person's own, from the user_orders stream
    mine = page.wait_for_selector(f"#ladder-yes tbody tr[data-price='{Decimal(cents) / 100:.4f}']"
                                  "[data-mine='2']", timeout=2_000)  # fmt: skip
    assert "◀ 2 yours" in mine.text_content()
    listed = page.wait_for_selector(f"#market-orders tr[data-order-id='{resting[0].order_id}']")
    assert f"buy YES at {cents}¢, 2 left" in listed.text_content()

    page.click(f"#market-orders tr[data-order-id='{resting[0].order_id}'] button")
    page.wait_for_selector("#ticket-message:text-matches('^canceled order')")
    assert person.resting(ticker) == []
    page.wait_for_selector("#market-orders-empty:not([hidden])")


@pytest.mark.parametrize(
    ("cents", "count", "dollars"),
    [("150", "1", ""), ("0.5", "1", ""), ("abc", "1", ""), ("40", "many", ""), ("40", "1", "0.40"),
     ("", "1", "0.40001")],
)  # fmt: skip
def test_a_bad_order_is_refused_with_the_clis_message_and_nothing_is_sent(
    page: Any, page_url: str, box: Box, person: Person, cents: str, count: str, dollars: str,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    ticker = quiet_market(box)["ticker"]
    open_market(page, page_url, ticker)
    as_person(person, monkeypatch)
    capsys.readouterr()
    argv = ["order", "place", "--ticker", ticker, "--side", "yes", "--action", "buy",
            "--count", count]  # fmt: skip
    argv += [*(["--cents", cents] if cents else []), *(["--dollars", dollars] if dollars else [])]
    assert main(argv) == 2
    cli_says = capsys.readouterr().err.splitlines()[0].removeprefix("error: ")
    before, resting = box.state(), person.resting(ticker)

    page.fill("#ticket-dollars", dollars)
    fill_ticket(page, side="yes", action="buy", count=count, cents=cents)
    page.wait_for_selector("#ticket-message[data-tone='bad']")
    assert page.text_content("#ticket-message") == cli_says
    assert box.state() == before
    assert person.resting(ticker) == resting


def test_in_prod_an_order_asks_first_and_no_sends_nothing(
    chromium: Any, box: Box, person: Person
) -> None:
    market = quiet_market(box)
    ticker, cents = market["ticker"], int(Decimal(market["yes_bid_dollars"]) * 100) - 6
    before = person.resting(ticker)
    with dashboard(person.env, "--env", "prod") as url:
        context = chromium.new_context()
        page = context.new_page()
        open_market(page, url, ticker)
        assert page.text_content("#banner-name") == "PRODUCTION"
        assert page.get_attribute("#banner", "data-tone") == "prod"
        asked: list[str] = []

        def answer(dialog: Any, accept: bool) -> None:
            asked.append(dialog.message)
            dialog.accept() if accept else dialog.dismiss()

        page.once("dialog", lambda dialog: answer(dialog, False))
        fill_ticket(page, side="yes", action="buy", count="1", cents=str(cents))
        page.wait_for_selector("#ticket-message:text-is('not sent')")
        assert asked[0].startswith(f"PRODUCTION: buy 1 YES of {ticker} at {cents}¢")
        assert "worst case $" in asked[0]
        assert person.resting(ticker) == before

        page.once("dialog", lambda dialog: answer(dialog, True))
        page.click("#ticket-send")
        page.wait_for_selector("#ticket-message[data-tone='good']")
        (placed,) = [o for o in person.resting(ticker) if o not in before]
        assert placed.yes_price_dollars == f"{Decimal(cents) / 100:.4f}"
        with person.client() as client:
            client.orders.cancel(placed.order_id)
        context.close()


def test_without_the_sessions_token_nothing_is_shown_or_sent(
    page_url: str, box: Box, person: Person
) -> None:
    base = page_url.split("?")[0]
    ticker = quiet_market(box)["ticker"]
    order = {"ticker": ticker, "side": "yes", "action": "buy", "count": "1", "cents": "5"}
    before, resting = box.state(), person.resting(ticker)
    assert httpx.get(base).status_code == 403
    assert httpx.get(base + "?token=wrong").status_code == 403
    assert httpx.post(base + "api/orders", json=order).status_code == 403
    wrong = {"X-Dashboard-Token": "wrong"}
    assert httpx.post(base + "api/orders", json=order, headers=wrong).status_code == 403
    assert httpx.get(base + "api/state").status_code == 403
    # a page of another site that reached us through a DNS name of its own is not answered
    token = page_url.split("token=")[1].split("#")[0]
    foreign = {"Host": "attacker.example:80", "X-Dashboard-Token": token}
    assert httpx.post(base + "api/orders", json=order, headers=foreign).status_code == 400
    assert box.state() == before
    assert person.resting(ticker) == resting


def test_a_fill_from_the_page_shows_as_a_position_and_pnl_equal_to_the_clis(
    page: Any, page_url: str, box: Box, person: Person, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    market = quiet_market(box)
    ticker = market["ticker"]
    open_market(page, page_url, ticker)
    ask = int(Decimal(market["yes_ask_dollars"]) * 100)
    page.select_option("#ticket-tif", "ioc")
    fill_ticket(page, side="yes", action="buy", count="2", cents=str(ask))
    page.wait_for_selector("#ticket-message[data-tone='good']")
    assert page.text_content("#ticket-message").startswith("buy YES: filled 2 of 2 at ")
    row = page.wait_for_selector(f"#positions tbody tr[data-ticker='{ticker}']", timeout=5_000)
    assert "2 YES" in row.text_content()
    as_person(person, monkeypatch)
    capsys.readouterr()
    assert main(["--json", "portfolio", "pnl"]) == 0
    net = json.loads(capsys.readouterr().out)["totals"]["net"]
    assert Decimal(page.get_attribute("#pnl-totals", "data-net")) == Decimal(net) < 0  # fees


def test_on_paper_the_page_says_paper_and_an_order_rests_on_paper_only(
    chromium: Any, box: Box, tmp_path: Path
) -> None:
    from kalshikit.paper.server import running as paper_running

    market = quiet_market(box)
    ticker, cents = market["ticker"], int(Decimal(market["yes_bid_dollars"]) * 100) - 7
    key = tmp_path / "paper.pem"
    key.write_text(private_key_to_pem(generate_private_key("ed25519")))
    key.chmod(0o600)
    with paper_running(box.url.config, tmp_path / "paper") as paper:  # type: ignore[attr-defined]
        env = user_env(paper.url, "paper-dashboard", key, tmp_path)
        env["KALSHI_PAPER_API_KEY_ID"], env["KALSHI_PAPER_PRIVATE_KEY_PATH"] = (
            "paper-dashboard", str(key))  # fmt: skip
        real_before = box.state()
        with dashboard(env, "--env", "paper") as url:
            context = chromium.new_context()
            page = context.new_page()
            open_market(page, url, ticker)
            assert page.text_content("#banner-name") == "PAPER"
            assert page.get_attribute("#banner", "data-tone") == "paper"
            assert page.text_content("#ticket-send") == "Place on PAPER"
            fill_ticket(page, side="yes", action="buy", count="3", cents=str(cents))
            page.wait_for_selector("#ticket-message[data-tone='good']")
            page.wait_for_selector("#ladder-yes tbody tr[data-mine='3']")
            context.close()
        with KalshiClient(config=paper.config("paper-dashboard")) as client:
            resting = list(client.orders.list(ticker=ticker, status="resting"))
        assert [(o.yes_price_dollars, o.remaining_count_fp) for o in resting] == [
            (f"{Decimal(cents) / 100:.4f}", "3.00")
        ]
        assert box.state() == real_before  # the real (here: sandbox) exchange saw no order


def test_a_market_that_does_not_exist_is_said_and_the_page_goes_on(
    page: Any, page_url: str
) -> None:
    page.goto(f"{page_url}#KXNOPE-26DEC03-B1")
    page.wait_for_selector("#ticket-message:text-is('no market KXNOPE-26DEC03-B1; pick one from "
                           "the market watch')")  # fmt: skip
    ticker = page.get_attribute("#ranking tbody tr", "data-ticker")
    page.click(f"#ranking tbody tr[data-ticker='{ticker}']")
    page.wait_for_selector(f"#market-ticker:text-is('{ticker}')")
    page.wait_for_selector("#ladder-yes tbody tr, #ladder-no tbody tr")
    assert page.text_content("#ticket-message") == ""  # the error is gone with it
    assert page.errors == []
