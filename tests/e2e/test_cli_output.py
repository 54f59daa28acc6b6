"""What a person reads from `kalshi`, against a real sandbox with opening books: tables that fit
80 columns with tickers and ids whole, prices in cents, `—` for what is missing, writes said in
words, counts of what was canceled, empty results said as such, and short ids accepted back."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from _cli_kit import Box, cli_json, sign_in

from kalshikit.cli import _output
from kalshikit.cli.main import main
from kalshikit.sandbox.server import running

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def box() -> Iterator[Box]:
    with running(limits_enabled=False) as url:  # the house's opening books, no traders
        yield Box(url)


@pytest.fixture
def user(box: Box, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(_output.stdout, "width", 80)
    return sign_in(box, tmp_path, monkeypatch)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def a_book(box: Box) -> tuple[str, dict[str, Any]]:
    """A cent-grid market whose book (read now) is quoted inside 10-90¢ on both sides, so
    orders at 1-3¢ rest and never fill, and a buy at the ask fills."""
    for market in box.markets():
        if market["price_level_structure"] != "linear_cent":
            continue
        book = httpx.get(f"{box.url}/markets/{market['ticker']}/orderbook").json()["orderbook_fp"]
        yes, no = book["yes_dollars"] or [], book["no_dollars"] or []
        if yes and no and float(yes[-1][0]) >= 0.1 and float(no[-1][0]) >= 0.1:
            return market["ticker"], market
    raise AssertionError("no cent-grid market quoted inside 10-90¢")


def best_yes_ask_cents(capsys: pytest.CaptureFixture[str], ticker: str) -> int:
    book = cli_json(capsys, "markets", "book", ticker)
    return 100 - round(float(book["no_dollars"][-1][0]) * 100)


def test_tables_fit_80_columns_and_keep_tickers_and_ids_whole(
    box: Box, user: str, capsys: pytest.CaptureFixture[str]
) -> None:
    ticker, market = a_book(box)
    ask = best_yes_ask_cents(capsys, ticker)
    run(capsys, "order", "place", "--ticker", ticker, "--side", "yes", "--action", "buy",
        "--count", "2", "--cents", str(ask))  # fmt: skip
    run(capsys, "order", "place", "--ticker", ticker, "--side", "yes", "--action", "buy",
        "--count", "1", "--cents", "1")  # fmt: skip
    order_id = cli_json(capsys, "order", "list", "--status", "resting")[0]["order_id"]
    views = [
        ["markets", "list", "--limit", "20"],
        ["markets", "get", ticker],
        ["markets", "book", ticker],
        ["events", "list", "--limit", "20"],
        ["events", "get", market["event_ticker"]],
        ["series", "list"],
        ["series", "get", ticker.split("-")[0]],
        ["order", "list"],
        ["order", "show", order_id[:8]],
        ["portfolio", "positions"],
        ["portfolio", "fills"],
        ["portfolio", "balance"],
    ]
    for argv in views:
        out = run(capsys, *argv)
        widest = max(len(line.rstrip()) for line in out.splitlines())
        assert widest <= 80, (argv, out)
    assert order_id[:8] in run(capsys, "order", "list")
    assert ticker in run(capsys, "portfolio", "fills")


def test_markets_get_is_a_key_value_view_in_cents(
    box: Box, user: str, capsys: pytest.CaptureFixture[str]
) -> None:
    ticker, market = a_book(box)
    out = run(capsys, "markets", "get", ticker)
    lines = out.splitlines()
    assert lines[0].strip() == market["title"]
    fields = {line.split()[0]: line for line in lines[1:] if line.strip()}
    assert ticker in fields["ticker"]
    assert re.search(r"YES\s+bid (\d+¢|—)\s+ask (\d+¢|—)", fields["YES"])
    assert "$" not in fields["YES"]


def test_a_missing_side_shows_a_dash_never_zero(
    box: Box, user: str, capsys: pytest.CaptureFixture[str]
) -> None:
    ticker, _ = a_book(box)
    out = run(capsys, "markets", "book", ticker, "--depth", "40")
    rows = [line.split() for line in out.splitlines()[2:]]
    assert rows, out
    assert all(re.fullmatch(r"(\d+(\.\d+)?¢|—)", row[0]) for row in rows)
    assert "$0.00" not in out
    assert " 0¢" not in out


def test_writes_are_said_in_words(box: Box, user: str, capsys: pytest.CaptureFixture[str]) -> None:
    ticker, _ = a_book(box)
    ask = best_yes_ask_cents(capsys, ticker)
    taken = run(capsys, "order", "place", "--ticker", ticker, "--side", "YES", "--action", "buy",
                "--count", "1", "--cents", str(ask))  # fmt: skip
    assert re.fullmatch(
        rf"buy YES: filled 1 of 1 at {ask}¢, fee \$\d+\.\d\d; resting 0 \(order [0-9a-f]{{8}}\)\n",
        taken,
    ), taken
    rested = run(capsys, "order", "place", "--ticker", ticker, "--side", "yes", "--action", "buy",
                 "--count", "2", "--cents", "1")  # fmt: skip
    assert re.fullmatch(r"buy YES: filled 0 of 2; resting 2 \(order ([0-9a-f]{8})\)\n", rested)
    short = rested.strip()[-9:-1]
    died = run(capsys, "order", "place", "--ticker", ticker, "--side", "no", "--action", "buy",
               "--count", "2", "--cents", "1", "--tif", "ioc")  # fmt: skip
    assert "filled 0 of 2; resting 0, canceled 2" in died
    assert run(capsys, "order", "decrease", short, "--to", "1") == (
        f"decreased order {short}: 1 contract resting\n"
    )
    assert (
        run(capsys, "order", "cancel", short) == f"canceled order {short}: 1 contract was resting\n"
    )
    assert json.loads(run(capsys, "--json", "order", "show", short))["status"] == "canceled"


def test_cancel_all_says_how_many(box: Box, user: str, capsys: pytest.CaptureFixture[str]) -> None:
    ticker, _ = a_book(box)
    for cents in ("1", "2", "3"):
        run(capsys, "order", "place", "--ticker", ticker, "--side", "yes", "--action", "buy",
            "--count", "1", "--cents", cents)  # fmt: skip
    assert run(capsys, "order", "cancel-all") == "canceled 3 orders\n"
    assert run(capsys, "order", "cancel-all") == "nothing to cancel: no resting orders\n"
    run(capsys, "order", "place", "--ticker", ticker, "--side", "yes", "--action", "buy",
        "--count", "1", "--cents", "1")  # fmt: skip
    assert run(capsys, "order", "cancel-all", "--ticker", ticker) == "canceled 1 order\n"


def test_empty_results_are_said_in_words(
    box: Box, user: str, capsys: pytest.CaptureFixture[str]
) -> None:
    said = {
        ("order", "list"): "no orders",
        ("order", "list", "--status", "resting"): "no resting orders",
        ("portfolio", "positions"): "no open positions",
        ("portfolio", "fills"): "no fills yet",
        ("portfolio", "settlements"): "no settlements yet",
        ("markets", "list", "--series", "NOSUCHSERIES"): "no markets match",
    }
    for argv, words in said.items():
        assert main(list(argv)) == 0
        out, err = capsys.readouterr()
        assert out == ""  # a pipe counting lines counts none
        assert err == words + "\n", argv


def test_a_short_id_names_one_order_or_says_why_not(
    box: Box, user: str, capsys: pytest.CaptureFixture[str]
) -> None:
    ticker, _ = a_book(box)
    for _ in range(17):  # 17 ids in 16 hex digits: two share their first character
        run(capsys, "--json", "order", "place", "--ticker", ticker, "--side", "yes", "--action",
            "buy", "--count", "1", "--cents", "1")  # fmt: skip
    ids = [o["order_id"] for o in cli_json(capsys, "order", "list", "--status", "resting")]
    first = [i[0] for i in ids]
    shared = next(c for c in first if first.count(c) > 1)
    before = box.state()
    assert main(["order", "cancel", shared]) == 2
    assert f"{shared!r} matches {first.count(shared)} orders" in capsys.readouterr().err
    assert main(["order", "cancel", "zzzz"]) == 2
    assert "no order of yours starts with 'zzzz'" in capsys.readouterr().err
    assert box.state() == before
    unique = ids[0][:6]
    assert [i for i in ids if i.startswith(unique)] == [ids[0]]
    assert run(capsys, "order", "cancel", unique).startswith(f"canceled order {ids[0][:8]}")
    main(["order", "cancel-all"])
    capsys.readouterr()
