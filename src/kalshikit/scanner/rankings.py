"""Incremental rankings: every scan kept in rank order as markets change. No I/O here.

:class:`Rankings` holds the markets and, for every scan (movers over each window, close races,
spreads, volume, expiring, new, arbitrage), the signals of :mod:`~kalshikit.scanner.rules` in
rank order. A change to one market re-runs the rules on that market alone (and arbitrage on its
event) and moves its entries in each :class:`Ranking`; :meth:`Rankings.top` reads the first
``n`` entries. Neither depends on how many markets there are, bar a list insert of pointers.

Time passing without messages. Each rule's answer for a market is piecewise constant in time,
except for text and a score that moves the same way for every market:

- every rule drops a market at its close time;
- a mover's change over W uses the price in effect at ``now - W``, which changes only when
  ``now - W`` passes the next point of the price history (:meth:`PriceHistory.next_after`);
- expiring enters at ``close - 24h``; new enters at its creation and leaves 24 h later;
- arbitrage drops an event when one of its legs closes.

So scoring a market also yields the next time its answer can change on its own, its *wake-up*,
kept in a heap (stale ones are skipped: lazy invalidation). Every query and every refresh first
re-scores the markets whose wake-up has passed, at the current time: the rankings then equal a
from-scratch run of the rules at that time, exactly, with no per-market work for the markets
time has not touched. Between wake-ups, what does still move with the clock is kept out of the
rank order: expiring ranks by close time and new by creation time (the order their scores give,
since every market's score shifts equally), and those signals, like a mover measured over a
history younger than its window ("moved 3 points in 4m"), are rebuilt when read, so their
figures are those of the moment they are read.
"""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from kalshikit.scanner import rules
from kalshikit.scanner.state import HOUR_MS, MINUTE_MS, OPEN_STATUSES, MarketState

__all__ = ["KEYS", "WINDOWS", "Ranking", "Rankings"]

WINDOWS: Final = {"5m": 5 * MINUTE_MS, "1h": HOUR_MS, "24h": 24 * HOUR_MS}

# (primary, owner, index among the owner's signals): smallest first. The primary is -score, or a
# time standing in for a score that moves with the clock; ties go to the owner, which is the
# signal's ticker (a market's, or an event's for arbitrage), as in the rules' own sort, then to
# the rules' order. Only atoms inside: the garbage collector stops tracking such tuples.
_Rank = tuple[float, str, int]

# Signals read from a ranking are kept (per scan, by owner) until their owner is re-scored, so
# reading the same top ten after every message rebuilds only what changed. Bounded: a ranking
# whose top keeps changing drops the lot now and then.
_READ_CACHE: Final = 512


class Ranking:
    """The rank keys of one scan in order, replaced one owner (market or event) at a time.

    A sorted list: replacing an owner is a bisection and a list insert or delete per signal (a
    move of pointers, microseconds at 20,000 entries), and ``top(n)`` slices the first ``n``;
    nothing is sorted whole after :meth:`load`. Owners' primaries are kept in str -> float
    dicts, which the garbage collector never tracks: a dict of tuples would be untracked by
    every full collection and tracked again, young, by its next insert, to be walked whole by
    the quick collections that follow (milliseconds at 20,000 entries).
    """

    __slots__ = ("_first", "_more", "_order")

    def __init__(self) -> None:
        self._order: list[_Rank] = []
        self._first: dict[str, float] = {}  # the primary of each owner's first signal
        self._more: dict[str, tuple[float, ...]] = {}  # of its others (an owner rarely has any)

    def load(self, held: Iterable[tuple[str, tuple[float, ...]]]) -> None:
        """Start over from every owner's primaries (one sort)."""
        self._order, self._first, self._more = [], {}, {}
        for owner, primaries in held:
            self._order.extend(self._hold(owner, primaries))
        self._order.sort()

    def replace(self, owner: str, primaries: tuple[float, ...]) -> None:
        first = self._first.pop(owner, None)
        if first is not None:
            for index, primary in enumerate((first, *self._more.pop(owner, ()))):
                del self._order[bisect.bisect_left(self._order, (primary, owner, index))]
        for rank in self._hold(owner, primaries):
            bisect.insort(self._order, rank)

    def _hold(self, owner: str, primaries: tuple[float, ...]) -> list[_Rank]:
        """Record an owner's primaries; its rank keys."""
        if not primaries:
            return []
        self._first[owner] = primaries[0]
        if len(primaries) > 1:
            self._more[owner] = primaries[1:]
        return [(primary, owner, index) for index, primary in enumerate(primaries)]

    def top(self, n: int) -> list[_Rank]:
        return self._order[: max(n, 0)]

    def __len__(self) -> int:
        return len(self._order)


Find = Callable[[Sequence[MarketState], int], list[rules.Signal]]


def _by_score(signal: rules.Signal, states: Sequence[MarketState]) -> float:
    return -signal.score


def _never(states: Sequence[MarketState], now_ms: int) -> bool:
    return False


def _always(states: Sequence[MarketState], now_ms: int) -> bool:
    return True


def _soonest(*times: int | None) -> int | None:
    known = [t for t in times if t is not None]
    return min(known) if known else None


def _closing(state: MarketState, now_ms: int) -> int | None:
    """When an open market closes: every rule drops it then."""
    closes = state.close_time_ms
    open_now = state.status in OPEN_STATUSES and closes is not None and now_ms < closes
    return closes if open_now else None


def _at_close(states: Sequence[MarketState], now_ms: int) -> int | None:
    return _soonest(*(_closing(state, now_ms) for state in states))


@dataclass(frozen=True, slots=True)
class _Rule:
    """One scan: the rule itself, run on one market (or one event's markets), and what the
    incremental rankings need to know about time."""

    key: str
    find: Find
    rank: Callable[[rules.Signal, Sequence[MarketState]], float] = _by_score
    # the next time its answer for these markets can change with no message (after now)
    wake: Callable[[Sequence[MarketState], int], int | None] = _at_close
    live: Callable[[Sequence[MarketState], int], bool] = _never
    announced_only: bool = False  # markets the lifecycle channel announced as created
    per_event: bool = False


def _movers(window_ms: int) -> _Rule:
    def find(states: Sequence[MarketState], now_ms: int) -> list[rules.Signal]:
        return rules.movers(states, window_ms, now_ms)

    def wake(states: Sequence[MarketState], now_ms: int) -> int | None:
        (state,) = states
        if not state.is_open(now_ms):
            return None  # only a message can open it again
        start = state.history.next_after(now_ms - window_ms)  # the next start price's time
        return _soonest(_closing(state, now_ms), None if start is None else start + window_ms)

    def live(states: Sequence[MarketState], now_ms: int) -> bool:
        # a history younger than the window is measured over its age, which grows
        return states[0].price_change(window_ms, now_ms) is None

    name = next(name for name, ms in WINDOWS.items() if ms == window_ms)
    return _Rule(f"movers:{name}", find, wake=wake, live=live)


def _expiring_wake(states: Sequence[MarketState], now_ms: int) -> int | None:
    closes = _closing(states[0], now_ms)
    if closes is None:
        return None
    enters = closes - rules.EXPIRING_WITHIN_MS
    return enters if now_ms < enters else closes


def _expiring_rank(signal: rules.Signal, states: Sequence[MarketState]) -> float:
    closes = states[0].close_time_ms
    assert closes is not None  # it signalled
    return float(closes)  # soonest first, as its score (1 - time left / 24 h) ranks


def _born(state: MarketState) -> int | None:
    return state.created_time_ms if state.created_time_ms is not None else state.open_time_ms


def _new_wake(states: Sequence[MarketState], now_ms: int) -> int | None:
    (state,) = states
    born, closes = _born(state), _closing(state, now_ms)
    if born is None or not state.is_open(now_ms) or now_ms > born + rules.NEW_MARKET_WITHIN_MS:
        return closes
    enters_or_leaves = born if now_ms < born else born + rules.NEW_MARKET_WITHIN_MS + 1
    return _soonest(enters_or_leaves, closes)


def _new_rank(signal: rules.Signal, states: Sequence[MarketState]) -> float:
    born = _born(states[0])
    assert born is not None  # it signalled
    return -float(born)  # newest first, as its score (1 - age / 24 h) ranks


def _arbitrage(legs: Sequence[MarketState], now_ms: int) -> list[rules.Signal]:
    return rules.arbitrage({legs[0].event_ticker: legs}, now_ms) if legs else []


RULES: Final = (
    *(_movers(window_ms) for window_ms in WINDOWS.values()),
    _Rule("close-races", rules.close_races),
    _Rule("spreads", rules.wide_spreads),
    _Rule("volume", lambda states, now_ms: rules.high_volume(states, now_ms, last_24h=False)),
    _Rule("expiring", rules.expiring_soon, _expiring_rank, _expiring_wake, _always),
    _Rule(
        "new",
        lambda states, now_ms: rules.new_markets(states, now_ms, include_unpriced=True),
        _new_rank,
        _new_wake,
        _always,
        announced_only=True,
    ),
    _Rule("arbitrage", _arbitrage, per_event=True),
)
KEYS: Final = tuple(rule.key for rule in RULES)
_RULE: Final = {rule.key: rule for rule in RULES}


class Rankings:
    """Every scan's ranking of a set of markets, kept current one change at a time.

    Call :meth:`update` after changing a market (or :meth:`add` for a new one) and read
    :meth:`top` with the current time; :meth:`advance` applies what time alone has changed
    (``top`` does it too). See the module docstring for how time is handled exactly.
    """

    def __init__(self) -> None:
        self.states: dict[str, MarketState] = {}
        self._events: dict[str, list[MarketState]] = {}
        self._announced: set[str] = set()
        self._rankings = {rule.key: Ranking() for rule in RULES}
        self._live: dict[str, set[str]] = {rule.key: set() for rule in RULES}  # read afresh
        self._read: dict[str, dict[str, list[rules.Signal]]] = {rule.key: {} for rule in RULES}
        self._wakeups: list[tuple[int, str, str]] = []  # heap of (due ms, rule key, owner)
        # the wake-up in force, per rule key and owner: str -> int only, so the collector never
        # tracks these large dicts (tuple keys would put them back in its youngest generation
        # after every full pass, to be walked whole by the next quick ones)
        self._due: dict[str, dict[str, int]] = {rule.key: {} for rule in RULES}

    # --- markets ------------------------------------------------------------------------------

    def load(self, states: Iterable[MarketState], now_ms: int) -> None:
        """Start over with these markets (the seed): one sort per scan."""
        self.states = {state.ticker: state for state in states}
        self._events = {}
        for state in self.states.values():
            self._events.setdefault(state.event_ticker, []).append(state)
        self._wakeups = []
        for rule in RULES:
            self._load(rule, now_ms)

    def add(self, state: MarketState, now_ms: int) -> None:
        """A market joins (or replaces the one with its ticker)."""
        old = self.states.get(state.ticker)
        self.states[state.ticker] = state  # a ticker keeps its place: legs keep their order
        legs = self._events.setdefault(state.event_ticker, [])
        if old is not None and old.event_ticker == state.event_ticker:
            legs[legs.index(old)] = state
        else:
            legs.append(state)
            if old is not None:  # moved to another event (Kalshi does not do this)
                self._events[old.event_ticker].remove(old)
                self._rescore(_RULE["arbitrage"], old.event_ticker, now_ms)
        self.update(state, now_ms)

    def announce(self, ticker: str, now_ms: int) -> None:
        """The lifecycle channel says ``ticker`` was created: it may rank as new."""
        self._announced.add(ticker)
        if ticker in self.states:
            self._rescore(_RULE["new"], ticker, now_ms)

    def update(self, state: MarketState, now_ms: int) -> None:
        """``state`` changed (a ticker, trade, book or lifecycle message): re-score it."""
        for rule in RULES:
            self._rescore(rule, state.event_ticker if rule.per_event else state.ticker, now_ms)

    def advance(self, now_ms: int) -> int:
        """Re-score what time alone has changed by ``now_ms``; how many re-scored."""
        wakeups, count = self._wakeups, 0
        while wakeups and wakeups[0][0] <= now_ms:
            due, key, owner = heapq.heappop(wakeups)
            due_now = self._due[key]
            if due_now.get(owner) == due:  # else stale: re-scored since
                del due_now[owner]
                self._rescore(_RULE[key], owner, now_ms)
                count += 1
        return count

    # --- reading ------------------------------------------------------------------------------

    def top(self, key: str, n: int, now_ms: int) -> list[rules.Signal]:
        """The ``n`` best signals of scan ``key`` (one of :data:`KEYS`) at ``now_ms``."""
        self.advance(now_ms)
        rule, live, read = _RULE[key], self._live[key], self._read[key]
        found = []
        for _, owner, index in self._rankings[key].top(n):
            signals = None if owner in live else read.get(owner)
            if signals is None:
                # its figures at now_ms; its rank holds until its next wake-up
                signals = rule.find(self._owned(rule, owner), now_ms)
                if owner not in live:
                    if len(read) >= _READ_CACHE:
                        read.clear()
                    read[owner] = signals
            found.append(signals[index])
        return found

    def __len__(self) -> int:
        return len(self.states)

    # --- scoring ------------------------------------------------------------------------------

    def _load(self, rule: _Rule, now_ms: int) -> None:
        key, ranked = rule.key, []
        self._due[key].clear()
        self._live[key].clear()
        self._read[key].clear()
        for owner in self._events if rule.per_event else self.states:
            primaries, _, live = self._score(rule, owner, now_ms)
            ranked.append((owner, primaries))
            if live:
                self._live[key].add(owner)
        self._rankings[key].load(ranked)

    def _rescore(self, rule: _Rule, owner: str, now_ms: int) -> None:
        primaries, signals, live = self._score(rule, owner, now_ms)
        self._rankings[rule.key].replace(owner, primaries)
        (self._live[rule.key].add if live else self._live[rule.key].discard)(owner)
        read = self._read[rule.key]
        if owner in read:  # kept only while someone reads it
            read[owner] = signals

    def _score(
        self, rule: _Rule, owner: str, now_ms: int
    ) -> tuple[tuple[float, ...], list[rules.Signal], bool]:
        """Run the rule on one owner and schedule its next wake-up: its signals' primaries
        (their ticker is the owner's), the signals, and whether their figures read the clock."""
        states = self._owned(rule, owner)
        self._schedule(rule.key, owner, rule.wake(states, now_ms) if states else None, now_ms)
        if not states:
            return (), [], False
        signals = rule.find(states, now_ms)
        primaries = tuple(rule.rank(signal, states) for signal in signals)
        return primaries, signals, bool(signals) and rule.live(states, now_ms)

    def _owned(self, rule: _Rule, owner: str) -> Sequence[MarketState]:
        if rule.per_event:
            return self._events.get(owner, ())
        state = self.states.get(owner)
        if state is None or (rule.announced_only and owner not in self._announced):
            return ()
        return (state,)

    def _schedule(self, key: str, owner: str, due: int | None, now_ms: int) -> None:
        scheduled = self._due[key]
        if scheduled.get(owner) == due:
            return  # already scheduled (the usual case: a close time)
        if due is None or due <= now_ms:  # never in the past: advance() could not finish
            scheduled.pop(owner, None)
            return
        scheduled[owner] = due
        heapq.heappush(self._wakeups, (due, key, owner))
        if len(self._wakeups) > 2 * sum(map(len, self._due.values())) + 1024:
            self._compact()

    def _compact(self) -> None:
        """Drop stale wake-ups (re-scheduled ones) so the heap stays the size of the live ones."""
        self._wakeups = [
            (due, key, owner) for key, dues in self._due.items() for owner, due in dues.items()
        ]
        heapq.heapify(self._wakeups)
