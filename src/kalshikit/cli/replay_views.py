"""How `kalshi replay` shows a tape's messages: one line each, in the format of `kalshi stream`
(tickers and trades use its renderers), and the summary. Pure rendering, no I/O.

The records are those of ``kalshi stream --json`` (``models.stream.as_record``) plus
``recv_ns``, the time the recorder received the message; a reset or a check has its own type.
"""

from __future__ import annotations

import time
from typing import Any

from kalshikit.cli.stream_views import TICKER_WIDTH, ticker_line, trade_line
from kalshikit.models.stream import as_record
from kalshikit.tape.books import BookStats
from kalshikit.tape.messages import BookCheck, BookReset
from kalshikit.units import Contracts, Price, centi_to_fp, ticks_to_dollars
from kalshikit.units.display import MISSING, cents, contracts

__all__ = ["line", "record", "summary"]


def record(recv_ns: int, frame: Any) -> dict[str, Any]:
    """The JSON line of one replayed message."""
    if isinstance(frame, BookReset):
        shown: dict[str, Any] = {"type": "reset", "market_ticker": frame.market_ticker,
                                 "reason": frame.reason}  # fmt: skip
    elif isinstance(frame, BookCheck):
        shown = {"type": "check", "market_ticker": frame.market_ticker, "verdict": frame.verdict,
                 "yes_dollars": _levels(frame.yes), "no_dollars": _levels(frame.no)}  # fmt: skip
    else:
        shown = as_record(frame)
    return {"recv_ns": recv_ns} | shown


def _levels(levels: list[tuple[int, int]]) -> list[list[str]]:
    return [[ticks_to_dollars(p), centi_to_fp(s)] for p, s in sorted(levels)]


def _clock(recv_ns: int) -> str:
    return time.strftime("%H:%M:%S", time.gmtime(recv_ns // 10**9))


def _head(recv_ns: int, r: dict[str, Any]) -> str:
    return f"{_clock(recv_ns)}  {r.get('market_ticker', '?'):<{TICKER_WIDTH}}"


def line(r: dict[str, Any]) -> str:
    """One message in words; times are the receive times, UTC."""
    kind, recv_ns = r.get("type"), int(r["recv_ns"])
    if kind in ("ticker", "trade"):
        shown = ticker_line(r) if kind == "ticker" else trade_line(r)
        return _clock(recv_ns) + shown[8:]  # the stream's line, with the tape's clock
    head = _head(recv_ns, r)
    if kind == "orderbook_delta":
        change = Contracts.parse(r["delta_contracts"])
        sign = "+" if change.centi > 0 else ""
        price = _cents(r.get("price_dollars"))
        return f"{head}  book {r['side'].upper()} {price} {sign}{contracts(change)}"
    if kind == "orderbook_snapshot":
        yes, no = r.get("yes_dollars") or [], r.get("no_dollars") or []
        return f"{head}  book snapshot: {len(yes)} YES, {len(no)} NO levels"
    if kind == "reset":
        return f"{head}  book unknown until the next snapshot ({r.get('reason') or 'reset'})"
    if kind == "check":
        return f"{head}  REST cross-check: {r.get('verdict') or 'not judged'}"
    return f"{head}  {r.get('event_type', kind)}"


def _cents(text: object) -> str:
    return cents(Price.parse(text)) if isinstance(text, str) else MISSING


def summary(
    messages: int, markets: int, seconds: float, *, resets: int = 0,
    book_stats: BookStats | None = None,
) -> str:  # fmt: skip
    """The closing line on stderr."""
    rate = messages / seconds if seconds > 0 else 0.0
    parts = [f"{messages:,} messages", f"{markets:,} markets"]
    if book_stats is None:
        parts.append(f"{resets:,} resets")
    else:
        stats = book_stats
        checks = f"checks {stats.checks_ok:,} ok / {stats.checks_mismatch:,} mismatch"
        unknown = f" / {stats.checks_unknown:,} unknown" if stats.checks_unknown else ""
        parts += [f"{stats.resets:,} resets", checks + unknown]
    parts.append(f"{rate:,.0f} messages/s")
    return ", ".join(parts)
