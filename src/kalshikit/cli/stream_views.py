"""How `kalshi stream ...` shows messages to a person: one line per message in the CLI's number
format (cents, contracts, dollars), and the live book ladder. Pure rendering, no I/O.

The records are the stream's JSON-lines records (``models.stream.as_record``): prices as
``*_dollars`` strings, sizes as ``*_contracts``, times as ``ts_ms``.
"""

from __future__ import annotations

import time
from typing import Any

from rich.table import Table

from kalshikit.orderbook import OrderBook
from kalshikit.units import Contracts, Price
from kalshikit.units.display import MISSING, cents, contracts, money, order_words

TICKER_WIDTH = 24  # most tickers; a longer one pushes its line out rather than being cut


def _price(record: dict[str, Any], key: str) -> str:
    text = record.get(key)
    return cents(Price.parse(text)) if isinstance(text, str) else MISSING


def _size(record: dict[str, Any], key: str) -> str:
    value = record.get(key)
    return contracts(Contracts.parse(str(value))) if value is not None else MISSING


def _clock(record: dict[str, Any]) -> str:
    ms = record.get("ts_ms")
    return (
        time.strftime("%H:%M:%S", time.localtime(ms / 1000)) if isinstance(ms, int) else "--:--:--"
    )


def _market(record: dict[str, Any]) -> str:
    return f"{record.get('market_ticker', '?'):<{TICKER_WIDTH}}"


def ticker_line(r: dict[str, Any]) -> str:
    """``07:40:37  KXHIGHNY-26DEC03-B49.5  24¢ x 27 / 25¢ x 63  last 25¢  vol 1,204``."""
    return (
        f"{_clock(r)}  {_market(r)}  {_price(r, 'yes_bid_dollars')} x "
        f"{_size(r, 'yes_bid_size_contracts')} / {_price(r, 'yes_ask_dollars')} x "
        f"{_size(r, 'yes_ask_size_contracts')}  last {_price(r, 'price_dollars')}  "
        f"vol {_size(r, 'volume_contracts')}"
    )


def trade_line(r: dict[str, Any]) -> str:
    """``07:40:37  KXHIGHNY-26DEC03-B49.5  3 at YES 25¢  (taker bought YES)``."""
    taker = r.get("taker_outcome_side") or r.get("taker_side")
    who = f"  (taker bought {taker.upper()})" if isinstance(taker, str) else ""
    return (
        f"{_clock(r)}  {_market(r)}  {_size(r, 'count_contracts')} at YES "
        f"{_price(r, 'yes_price_dollars')}{who}"
    )


def fill_line(r: dict[str, Any]) -> str:
    """``07:40:37  KXHIGHNY-26DEC03-B49.5  buy YES at 25¢  x 3  taker, fee $0.04``."""
    side = r.get("outcome_side") or r.get("side") or ""
    yes = r.get("yes_price_dollars")
    words = order_words(
        str(r.get("book_side", "")), Price.parse(yes) if isinstance(yes, str) else None, str(side)
    )
    role = "taker" if r.get("is_taker") else "maker"
    fee = r.get("fee_cost_dollars")
    position = r.get("post_position_contracts")
    held = f", now {_size(r, 'post_position_contracts')}" if position is not None else ""
    return (
        f"{_clock(r)}  {_market(r)}  {words} x {_size(r, 'count_contracts')}  "
        f"{role}, fee {money(fee if isinstance(fee, str) else None)}{held}"
    )


def ladder(book: OrderBook, depth: int) -> Table:
    """The live ladder: YES bids beside NO bids, best first, in cents and contracts. While the
    book is being recovered it says so, and hides the levels until the new snapshot (they may
    be stale)."""
    trusted = book.trusted
    state = "" if trusted else "  [red]recovering[/]"
    spread = cents(book.spread) if book.spread is not None else MISSING
    table = Table(
        title=f"{book.ticker}  spread {spread}{state}", title_justify="left", box=None,
        header_style="bold", pad_edge=False,
    )  # fmt: skip
    for column in ("YES bid", "contracts", "NO bid", "contracts"):
        table.add_column(column, justify="right")
    yes, no = (book.depth(depth, "yes"), book.depth(depth, "no")) if trusted else ([], [])
    for row in range(max(len(yes), len(no))):
        y = (cents(yes[row][0]), contracts(yes[row][1])) if row < len(yes) else (MISSING, MISSING)
        n = (cents(no[row][0]), contracts(no[row][1])) if row < len(no) else (MISSING, MISSING)
        table.add_row(*y, *n)
    return table
