"""`kalshi scan` as a user meets it on a fresh sandbox: a series, category or event that does not
exist is one line naming it (nothing is seeded); a category reads in any case; an empty ranking
says why in words; the live table says it is waiting, and how it stops; each ranked market
shows its outcome (or title) under its ticker."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from _cli_kit import Box, sign_in

from kalshikit.cli import _output
from kalshikit.cli.main import main
from kalshikit.sandbox.server import running

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def box() -> Iterator[Box]:
    with running(limits_enabled=False) as url:  # opening books, no traders: nothing moves
        yield Box(url)


@pytest.fixture
def user(box: Box, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(_output.stdout, "width", 80)
    return sign_in(box, tmp_path, monkeypatch)


@pytest.mark.parametrize(
    ("flags", "says"),
    [
        (["--series", "NOPE"], "unknown series 'NOPE': `kalshi series list` shows them"),
        (["--event", "NOPE-26"], "unknown event 'NOPE-26': `kalshi events list` shows them"),
        (["--category", "Astrology"], "unknown category 'Astrology'; one of: "),
    ],
)
def test_a_filter_that_matches_nothing_is_one_line(
    box: Box, user: str, flags: list[str], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["scan", "movers", *flags, "--duration", "0"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert says in err[0]
    if "category" in says:
        assert "Crypto" in err[0]


def test_a_category_reads_in_any_case_and_an_empty_ranking_says_why(
    box: Box, user: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["scan", "movers", "--category", "crypto", "--duration", "0.5"]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("not enough data yet: no market has moved 1 point or more within 1h")
    assert main(["scan", "new", "--duration", "0.5"]) == 0
    assert "no market was listed in the last 24h" in capsys.readouterr().err


def test_the_live_table_says_it_waits_and_how_it_stops(
    box: Box, user: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["scan", "movers", "--watch", "--duration", "1"]) == 0
    out = capsys.readouterr().out
    assert "kalshi scan movers (1h): waiting for the first signals" in out
    assert "(Ctrl-C stops now)" in out
    assert max(len(line.rstrip()) for line in out.splitlines()) <= 80


def test_each_ranked_market_shows_its_outcome(
    box: Box, user: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["scan", "expiring", "--top", "3", "--duration", "0.5"]) == 0
    lines = capsys.readouterr().out.splitlines()
    rows = [line for line in lines[2:] if line[:1].isdigit()]
    assert rows, lines
    ticker = rows[0].split()[1]
    market = next(m for m in box.markets() if m["ticker"] == ticker)
    named = market["yes_sub_title"] or market["title"]
    under = lines[lines.index(rows[0]) + 1].strip()
    assert named.startswith(under.split("  ")[0].rstrip("…"))
    assert max(len(line.rstrip()) for line in lines) <= 80
