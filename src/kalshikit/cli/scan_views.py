"""What `kalshi scan` shows: the ranking table (each market's title under its ticker, the reason
wrapped, never cut), the status line (how many markets, how it stops), and, when a ranking is
empty, why in words ("not enough data yet", or the threshold nothing reached)."""

from __future__ import annotations

from typing import Final

from rich.console import Group
from rich.table import Table
from rich.text import Text

from kalshikit.scanner import rules
from kalshikit.scanner.rules import Signal
from kalshikit.scanner.state import MarketState
from kalshikit.units.display import plural

_KIND_WORDS: Final = {
    "movers": "mover",
    "close-races": "close race",
    "spreads": "wide spread",
    "volume": "busy market",
    "expiring": "market closing soon",
    "arbitrage": "arbitrage",
    "new": "new market",
}


def why_text(signal: Signal) -> str:
    """The reason without the market's or event's name, which the row already shows."""
    for prefix in (f"{signal.ticker}: ", f"{signal.ticker} "):
        if signal.reason.startswith(prefix):
            return signal.reason.removeprefix(prefix)
    return signal.reason


def ranking(title: str, found: list[Signal], states: dict[str, MarketState]) -> Table:
    """The table of ranked signals: the title of each market (or event) in dim under it."""
    table = Table(title=title, title_justify="left", box=None, header_style="bold", pad_edge=False)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("market", no_wrap=True, max_width=34, overflow="ellipsis")
    table.add_column("score", justify="right", no_wrap=True)
    table.add_column("why", overflow="fold", ratio=1)
    for rank, signal in enumerate(found, 1):
        market = Text(signal.ticker)
        name = _title_of(signal, states)
        if name:
            market.append(f"\n{name}", style="dim")
        table.add_row(str(rank), market, f"{signal.score:g}", why_text(signal))
    return table


def _title_of(signal: Signal, states: dict[str, MarketState]) -> str:
    state = states.get(signal.ticker)
    if state is not None:  # the outcome names the market best; the title repeats the event's
        return state.subtitle or state.title
    legs = [states[t] for t in signal.tickers if t in states]  # an event: its markets' event
    return legs[0].event_ticker if legs and legs[0].event_ticker != signal.ticker else ""


def status_line(markets: int, updates: int, elapsed_s: float, left_s: float | None) -> Text:
    """``193 markets, 1,204 stream updates, 12s; stops in 18s (Ctrl-C stops now)``."""
    stops = "Ctrl-C stops" if left_s is None else f"stops in {left_s:.0f}s (Ctrl-C stops now)"
    return Text(
        f"{plural(markets, 'market')}, {plural(updates, 'stream update')}, "
        f"{elapsed_s:.0f}s; {stops}",
        style="dim",
    )


def live_view(table: Table, found: list[Signal], status: Text) -> Group:
    """The watched table; before the first signal, a line that says it is waiting."""
    if found:
        return Group(table, status)
    return Group(Text(f"{table.title}: waiting for the first signals…", style="bold"), status)


def nothing_found(kind: str, window: str, states: dict[str, MarketState], elapsed_s: float) -> str:
    """Why a ranking is empty, in words."""
    if not states:
        return "no open market matches, so there is nothing to rank"
    watched = f"among {plural(len(states), 'market')}"
    if kind == "movers":
        points = rules.MOVER_MIN_TICKS // 100
        return (
            f"not enough data yet: no market has moved {points} point or more within {window} "
            f"{watched} (prices watched for {elapsed_s:.0f}s, plus the history read at start)"
        )
    if kind == "volume":
        return _no_volume(states, watched)
    if kind == "new":
        return (
            f"no market was listed in the last 24h {watched}; new ones appear as series list "
            "their next events"
        )
    thresholds = {
        "close-races": "is two-sided within 10 points of 50¢ with a spread under 5¢",
        "spreads": f"has a spread of {rules.WIDE_SPREAD_MIN_TICKS // 100}¢ or more",
        "expiring": "closes within 24h with a two-sided quote",
        "arbitrage": "is an exclusive event whose prices pay after fees",
    }
    return f"no {_KIND_WORDS.get(kind, kind)} right now: nothing {thresholds[kind]} {watched}"


def _no_volume(states: dict[str, MarketState], watched: str) -> str:
    least = rules.HIGH_VOLUME_MIN_CENTI // 100
    traded = [s for s in states.values() if s.volume_24h]
    if not traded:
        return f"not enough data yet: no market has traded in the last 24h {watched}"
    busiest = max(traded, key=lambda s: s.volume_24h or 0)
    return (
        f"no market traded {least:,} contracts in 24h {watched}; the busiest, {busiest.ticker}, "
        f"traded {(busiest.volume_24h or 0) // 100:,}"
    )
