"""The sandbox is the truth: after a randomized trading session (buys and sells of YES and NO at
random prices and sizes across several markets, marketable and resting orders, partial fills by
a counterparty, cancels, then every market determined with each result kind and settled),
`kalshi portfolio pnl` nets to the account's cash change to the cent, and its per-market figures
are the exchange's own positions; the same on a paper account fed by the sandbox.

Black box: the CLI's `--json` document only (its fixed contract: totals, rows by market, the
reconciliation; money as exact decimal strings). Each example trades fresh markets as a fresh
user (or a fresh paper account), so examples never interfere.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from _cli_kit import Box, cli_json, sign_in, sign_in_paper
from _pnl_session import (
    UNPACED,
    MarketPool,
    Plan,
    SessionOutcome,
    Venue,
    new_sandbox_user,
    plans,
    play,
)
from hypothesis import HealthCheck, Phase, given, settings

from kalshikit import KalshiClient
from kalshikit.paper.server import RunningPaper
from kalshikit.paper.server import running as paper_running
from kalshikit.sandbox.server import SandboxURL, default_exchange, running

pytestmark = pytest.mark.slow

# No shrinking: every replay would trade a fresh set of markets, and a long shrink would use up
# the sandbox's; a failure is reported with the plan as drawn.
SESSIONS = settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture],
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
)  # fmt: skip
PNL = ("portfolio", "pnl", "--by", "market", "--reconcile")


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxURL]:
    # no house liquidity and no simulated traders: the pool's maker is the only other depth
    exchange = default_exchange(markets=200)  # fresh markets for every example
    with running(exchange, activity=0, liquidity=False, limits_enabled=False) as url:
        yield url


@pytest.fixture(scope="module")
def box(sandbox: SandboxURL) -> Box:
    return Box(sandbox)


@pytest.fixture(scope="module")
def pool(box: Box) -> Iterator[MarketPool]:
    markets = MarketPool(box)
    yield markets
    markets.close()


@pytest.fixture(scope="module")
def counterparty(box: Box) -> Iterator[KalshiClient]:
    with new_sandbox_user(box) as client:
        yield client


@pytest.fixture(scope="module")
def paper(sandbox: SandboxURL, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningPaper]:
    with paper_running(sandbox.config, tmp_path_factory.mktemp("paper")) as server:
        yield server


def dollars(text: object) -> Decimal:
    """A money string of the contract, exactly (a float or a number would be a contract break)."""
    assert isinstance(text, str), f"money must be an exact decimal string, got {text!r}"
    return Decimal(text)


def exchange_invariant(outcome: SessionOutcome) -> None:
    """The exchange's own books balance: once everything settled, the cash change is the sum
    over markets of realized P&L less fees."""
    earned = sum(outcome.realized.values(), Decimal(0)) - sum(outcome.fees.values(), Decimal(0))
    assert outcome.cash_change == earned


def pnl_matches(outcome: SessionOutcome, report: dict[str, Any]) -> None:
    """`kalshi portfolio pnl --json` against the exchange: totals to the cent (exactly), each
    market's realized and fees, and a reconciliation with no difference."""
    totals = report["totals"]
    assert dollars(totals["net"]) == outcome.cash_change
    assert dollars(totals["net"]) == dollars(totals["realized"]) - dollars(totals["fees"])
    assert dollars(totals["maker_fees"]) + dollars(totals["taker_fees"]) == dollars(totals["fees"])
    for mark in ("unrealized_mid", "unrealized_bid"):  # everything settled: nothing left open
        assert totals[mark] is None or dollars(totals[mark]) == 0
    rows = {row["key"]: row for row in report["rows"]}
    for ticker in set(rows) | set(outcome.realized):
        row = rows.get(ticker, {"realized": "0", "fees": "0"})
        assert dollars(row["realized"]) == outcome.realized.get(ticker, 0), ticker
        assert dollars(row["fees"]) == outcome.fees.get(ticker, 0), ticker
        assert Decimal(row.get("position", "0")) == 0, ticker
    for line in report["reconciliation"]:
        assert dollars(line["realized_diff"]) == 0, line
        assert dollars(line["fees_diff"]) == 0, line
        assert dollars(line["exchange_realized"]) == outcome.realized.get(line["ticker"], 0)
        assert dollars(line["exchange_fees"]) == outcome.fees.get(line["ticker"], 0)
    # one line per market the exchange reports: every market of the session is reconciled
    assert set(outcome.realized) <= {line["ticker"] for line in report["reconciliation"]}


@SESSIONS
@given(plan=plans())
def test_pnl_nets_to_the_cash_change_on_the_sandbox(
    box: Box, pool: MarketPool, counterparty: KalshiClient, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], plan: Plan,
) -> None:  # fmt: skip
    sign_in(box, tmp_path, monkeypatch)  # a fresh user, whom the CLI signs in as
    trader = KalshiClient(
        "local", rest_url=box.url, api_key_id=os.environ["KALSHI_API_KEY_ID"],
        private_key_path=os.environ["KALSHI_PRIVATE_KEY_PATH"], rate_tier=UNPACED,
    )  # fmt: skip
    with trader:
        outcome = play(plan, Venue(box, trader, counterparty), pool.take(plan.markets))
    exchange_invariant(outcome)
    pnl_matches(outcome, cli_json(capsys, "--env", "local", *PNL))


@SESSIONS
@given(plan=plans())
def test_pnl_nets_to_the_cash_change_on_paper(
    box: Box, pool: MarketPool, counterparty: KalshiClient, paper: RunningPaper,
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    plan: Plan,
) -> None:  # fmt: skip
    account = f"pnl-{uuid.uuid4().hex[:12]}"  # a fresh paper account
    sign_in_paper(paper.url, account, tmp_path, monkeypatch)
    with KalshiClient(config=paper.config(account), rate_tier=UNPACED) as trader:
        outcome = play(plan, Venue(box, trader, counterparty), pool.take(plan.markets))
    exchange_invariant(outcome)
    pnl_matches(outcome, cli_json(capsys, "--env", "paper", *PNL))
