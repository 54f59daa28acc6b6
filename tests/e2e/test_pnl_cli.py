"""`kalshi portfolio pnl` against a real sandbox: buys and sells of YES and NO (a NO buy closing
YES held), determinations YES and NO, settlement; the P&L equals the cash change to the cent and
each market's figures equal the sandbox's own positions."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from _cli_kit import Box, cli_json

from kalshikit import KalshiClient
from kalshikit.auth import generate_private_key, private_key_to_pem, public_key_pem
from kalshikit.cli.main import main
from kalshikit.sandbox.server import default_exchange, running


@pytest.fixture(scope="module")
def box() -> Iterator[Box]:
    # no simulated traders and no house liquidity: our maker is the only other side
    with running(default_exchange(markets=20), activity=0, liquidity=False) as url:
        yield Box(url)


def _user(box: Box, tmp_path: Path, name: str) -> tuple[KalshiClient, str, Path]:
    key = generate_private_key("ed25519")
    made = box.admin(
        "POST", "/users", {"public_key_pem": public_key_pem(key), "balance_cents": 10_000_000}
    )
    path = tmp_path / f"{name}.pem"
    path.write_text(private_key_to_pem(key))
    path.chmod(0o600)
    client = KalshiClient(
        "local", rest_url=box.url, api_key_id=made["api_key_id"],
        private_key_pem=private_key_to_pem(key),
    )  # fmt: skip
    return client, str(made["api_key_id"]), path


def _as_cli_user(monkeypatch: pytest.MonkeyPatch, box: Box, key_id: str, key: Path) -> None:
    import os

    for name in [n for n in os.environ if n.startswith("KALSHI_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("KALSHI_API_URL", box.url)
    for prefix in ("KALSHI_", "KALSHI_PROD_"):
        monkeypatch.setenv(f"{prefix}API_KEY_ID", key_id)
        monkeypatch.setenv(f"{prefix}PRIVATE_KEY_PATH", str(key))
    monkeypatch.setenv("XDG_DATA_HOME", str(key.parent / "data"))
    monkeypatch.chdir(key.parent)


def _ladder(maker: KalshiClient, ticker: str) -> None:
    """YES bids at 40c and 39c, asks at 60c and 61c, 10 contracts each: the other side."""
    for cents in (40, 39):
        maker.orders.create(ticker, side="yes", action="buy", count=10, price_cents=cents)
    for cents in (60, 61):
        maker.orders.create(ticker, side="yes", action="sell", count=10, price_cents=cents)


def _take(
    trader: KalshiClient, ticker: str, side: Any, action: Any, count: str, cents: int
) -> None:
    trader.orders.create(
        ticker, side=side, action=action, count=count, price_cents=cents,
        time_in_force="immediate_or_cancel",
    )  # fmt: skip


def test_pnl_equals_cash_change_and_the_exchange(
    box: Box, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    maker, _, _ = _user(box, tmp_path, "maker")
    trader, key_id, key = _user(box, tmp_path, "trader")
    with maker, trader:
        _check_pnl(box, maker, trader, (key_id, key), monkeypatch, capsys)


def _check_pnl(
    box: Box, maker: KalshiClient, trader: KalshiClient, cli_key: tuple[str, Path],
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    key_id, key = cli_key
    tmp_path = key.parent
    won, lost, held = [m["ticker"] for m in box.markets() if not m.get("exchange_index")][:3]
    for ticker in (won, lost, held):
        _ladder(maker, ticker)
    before = trader.portfolio.balance().balance
    _take(trader, won, "yes", "buy", "5.50", 60)  # 5.5 YES at 60c
    _take(trader, won, "yes", "sell", "2", 40)  # sell 2 YES at 40c: a loss of $0.40
    # buy 10 NO at 61c = sell YES down to 39c: 8 at 40c (closing the 3.5 YES, opening 4.5
    # NO), then 2 at 39c: one order, two fills, one instant; the order of fills matters
    _take(trader, won, "no", "buy", "10", 61)
    _take(trader, lost, "no", "buy", "3.25", 60)  # 3.25 NO at 60c (a YES ask at 40c)
    _take(trader, lost, "no", "sell", "1", 40)  # sell 1 NO at 40c (YES bought at 60c)
    _take(trader, held, "yes", "buy", "2", 60)  # kept open: 2 YES at 60c, cost $1.20
    box.admin("POST", f"/markets/{won}/determine", {"result": "yes"})
    box.admin("POST", f"/markets/{lost}/determine", {"result": "yes"})
    for ticker in (won, lost):
        box.admin("POST", f"/markets/{ticker}/settle")
    cash_change = trader.portfolio.balance().balance - before
    exchange = {p.ticker: p for p in trader.portfolio.positions(settlement_status="all")}

    _as_cli_user(monkeypatch, box, key_id, key)
    found = cli_json(capsys, "portfolio", "pnl", "--reconcile", "--csv", "rows.csv",
                     "--form-8949", "f8949.csv")  # fmt: skip
    totals = found["totals"]
    # the open position's cost left the cash too: net - 1.20 is the cash change
    assert Decimal(totals["net"]) - Decimal("1.20") == cash_change
    # held is marked: YES bid 40c, YES ask 60c (mid 50c): 2 x 0.50 - 1.20 and 2 x 0.40 - 1.20
    assert Decimal(totals["unrealized_mid"]) == Decimal("-0.20")
    assert Decimal(totals["unrealized_bid"]) == Decimal("-0.40")
    [risk] = [e for e in found["events"] if e["exposure"] != "0.0000"]
    assert Decimal(risk["exposure"]) == Decimal("1.20")
    assert Decimal(risk["worst_case"]) == Decimal("-1.20")
    assert Decimal(totals["realized"]) - Decimal(totals["fees"]) == Decimal(totals["net"])
    assert Decimal(totals["maker_fees"]) + Decimal(totals["taker_fees"]) == Decimal(totals["fees"])
    rows = {row["key"]: row for row in found["rows"]}
    assert set(rows) == {won, lost, held}
    assert (rows[held]["position"], Decimal(rows[held]["cost"])) == ("2.00", Decimal("1.2"))
    for ticker, row in rows.items():
        if ticker == held:
            continue
        assert Decimal(row["realized"]) == Decimal(exchange[ticker].realized_pnl_dollars)
        assert Decimal(row["fees"]) == Decimal(exchange[ticker].fees_paid_dollars)
        assert row["position"] == "0.00"
        assert Decimal(row["cost"]) == 0
    diffs = [(r["realized_diff"], r["fees_diff"]) for r in found["reconciliation"]]
    assert diffs
    assert all(Decimal(a) == 0 == Decimal(b) for a, b in diffs)
    # won: 5.5 YES cost 3.30; selling 2 at 40c releases 1.20 for 0.80 (-0.40); the 3.5 left
    # (cost 2.10) close at 40c for 1.40 (-0.70); NO opened: 4.5 at 60c + 2 at 61c = 3.92,
    # lost when YES wins. Realized -0.40 - 0.70 - 3.92 = -5.02
    assert Decimal(rows[won]["realized"]) == Decimal("-5.02")
    # lost: 3.25 NO at 60c cost 1.95; sell 1 NO at 40c releases 0.60 for 0.40 (-0.20);
    # the 2.25 NO left (cost 1.35) lose when YES wins. Realized -0.20 - 1.35 = -1.55
    assert Decimal(rows[lost]["realized"]) == Decimal("-1.55")

    with (tmp_path / "rows.csv").open() as f:
        written = list(csv.DictReader(f))
    assert {r["key"]: r["realized"] for r in written} == {k: r["realized"] for k, r in rows.items()}
    with (tmp_path / "f8949.csv").open() as f:
        lots = list(csv.DictReader(f))
    assert sum(Decimal(lot["gain"]) for lot in lots) == Decimal(totals["realized"])
    assert all(Decimal(lot["proceeds"]) - Decimal(lot["cost basis"]) == Decimal(lot["gain"])
               for lot in lots)  # fmt: skip
    assert {lot["date sold"] for lot in lots}
    assert all(lot["date acquired"] for lot in lots)

    for by in ("event", "series", "day"):
        grouped = cli_json(capsys, "portfolio", "pnl", "--by", by)
        assert sum(Decimal(r["realized"]) for r in grouped["rows"]) == Decimal(totals["realized"])
        assert sum(Decimal(r["fees"]) for r in grouped["rows"]) == Decimal(totals["fees"])

    # the words: a table, a totals line, and the reconciliation saying all match
    assert main(["portfolio", "pnl", "--reconcile"]) == 0
    shown = capsys.readouterr().out
    assert won in shown
    assert "realized -$6.57" in shown
    assert "3 markets checked: all match the exchange" in shown
    assert max(len(line) for line in shown.splitlines()) <= 80
