"""The simulator's latent model: one latent value per event, every market's fair value from it.

No I/O, no clock, no global randomness (the simulator's ``random.Random``). The shape of each
event is read off the catalog (``shapes`` holds the math):

* markets that are intervals of a number (``strike_type`` ``greater``/``less``/``between`` with
  their ``floor_strike``/``cap_strike``) and an ``Anchor`` from the catalog: ``Scalar``. Hourly
  events of one crypto asset share the index path; a weather day or a CPI print has its own;
* a mutually exclusive pair with an ``occurrence_datetime`` (a game's tip-off): ``Game``;
* other mutually exclusive events: ``Outcomes`` (who wins);
* other independent markets: ``Swing`` (one national swing);
* a combo (``mve_selected_legs``): the product of its legs' fair values.

Fair values are in ticks: a mutually exclusive event's sum to exactly $1 (``split_ticks``), the
others round one by one, so a ``greater`` ladder stays monotone. Values move lazily, when a
market of the event is read at a later time (``fair``); news that moved one (a jump) is reported
by ``take_news`` so the simulator can re-quote the siblings. Results at determination come from
the same value: one number, one winner, one margin.

``push(ticker, ticks)`` moves the event's value so that this market's fair value is ``ticks``
and the siblings follow (a range asked for more than its width allows at the current spread is
centred and the spread narrowed); on a combo it moves that combo alone (its legs belong to
other events).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from kalshikit.models import Event, Market
from kalshikit.sandbox.catalog import Anchor
from kalshikit.sandbox.exchange import millis_of
from kalshikit.sandbox.sim.shapes import (
    Game,
    LatentParams,
    NumberPath,
    Outcomes,
    Scalar,
    Swing,
    split_ticks,
    ticks_of,
)
from kalshikit.units import TICKS_PER_DOLLAR

__all__ = ["LatentModel"]

Shape = Scalar | Outcomes | Game | Swing
_MINUTE_MS = 60_000


@dataclass(slots=True)
class _Combo:
    legs: list[tuple[str, bool]]  # (market, YES wanted)
    bias: float = 0.0  # logit added to the legs' product: a push on the combo alone


@dataclass(slots=True, eq=False)
class _EventState:
    tickers: list[str]
    shape: Shape | _Combo
    exclusive: bool
    underlying: str | None = None  # a scalar event's number: its path's key
    keep: int | None = None  # the market last pushed: it keeps its value when rounding
    results: list[bool] | None = None
    determined: set[int] = field(default_factory=set)


class LatentModel:
    """Every event's latent value; ``fair``, ``value``, ``push`` and ``result`` by market."""

    def __init__(
        self,
        rng: random.Random,
        params: LatentParams,
        determined: Callable[[str], bool | None],
    ) -> None:
        self._rng = rng
        self._params = params
        self._determined = determined  # a result the exchange has, set by someone else
        self._events: dict[str, _EventState] = {}
        self._market: dict[str, tuple[_EventState, int]] = {}
        self._paths: dict[str, NumberPath] = {}
        self._on_path: dict[str, list[str]] = {}  # underlying -> its events
        self._event_of: dict[str, str] = {}  # market -> event
        self._outcomes: dict[str, bool] = {}  # market -> result, once drawn
        self._news: dict[str, None] = {}
        self._finals: dict[str, float] = {}  # event -> the number or margin it settled on

    # ------------------------------------------------------------------ registration

    def add_event(
        self, event: Event, markets: list[Market], fairs: list[int], anchor: Anchor | None,
        now_ms: int,
    ) -> None:  # fmt: skip
        """Give ``event`` its latent value, starting where the catalog prices it."""
        if not markets or event.event_ticker in self._events:
            return
        tickers = [m.ticker for m in markets]
        shape = self._shape(event, markets, fairs, anchor, now_ms)
        exclusive = event.mutually_exclusive and not isinstance(shape, _Combo)
        state = _EventState(tickers, shape, exclusive)
        if isinstance(shape, Scalar) and anchor is not None:
            state.underlying = anchor.underlying
        self._events[event.event_ticker] = state
        for index, ticker in enumerate(tickers):
            self._market[ticker] = (state, index)
            self._event_of[ticker] = event.event_ticker

    def _shape(
        self, event: Event, markets: list[Market], fairs: list[int], anchor: Anchor | None,
        now_ms: int,
    ) -> Shape | _Combo:  # fmt: skip
        close_ms = max(millis_of(m.close_time) for m in markets)
        first = markets[0]
        if first.mve_selected_legs:
            legs = [
                (leg.market_ticker, leg.side == "yes")
                for leg in first.mve_selected_legs
                if leg.market_ticker is not None
            ]
            return _Combo(legs)
        intervals = _intervals(markets, anchor.step) if anchor is not None else None
        if anchor is not None and intervals is not None:
            path = self._path(event.event_ticker, anchor, close_ms, now_ms)
            return Scalar(path, intervals, close_ms, anchor.floor)
        tipoff = first.occurrence_datetime
        expected = first.expected_expiration_time
        if event.mutually_exclusive and len(markets) == 2 and tipoff and expected:
            return Game(fairs[1], millis_of(tipoff), millis_of(expected), now_ms, self._params)
        if event.mutually_exclusive:
            return Outcomes(fairs, close_ms, now_ms, self._params)
        return Swing(fairs, close_ms, now_ms, self._params)

    def _path(self, event_ticker: str, anchor: Anchor, close_ms: int, now_ms: int) -> NumberPath:
        """The number the event reads: shared with its underlying's other events, if any."""
        shared = anchor.underlying != event_ticker
        span = max(close_ms - anchor.at_ms, _MINUTE_MS)
        variance = max(anchor.spread**2 - anchor.floor**2, 0.0) / span
        path = self._paths.get(anchor.underlying)
        if path is None:
            params = self._params
            share, rate = (
                (params.index_news_share, params.index_news_per_day)
                if shared
                else (params.forecast_news_share, params.forecast_news_per_day)
            )
            path = NumberPath(
                anchor.center, variance, now_ms, end_ms=None if shared else close_ms,
                news_share=share, news_per_day=rate, anchor_ms=anchor.at_ms,
            )  # fmt: skip
            self._paths[anchor.underlying] = path
        elif shared:
            path.variance = variance  # the index's volatility, as the latest listing saw it
            if not path.moved and anchor.at_ms > path.anchor_ms:
                # starting up: the index stands where the latest listing centred its ladder
                path.value, path.anchor_ms = anchor.center, anchor.at_ms
        events = self._on_path.setdefault(anchor.underlying, [])
        events.append(event_ticker)
        return path

    # ------------------------------------------------------------------ reading

    def event_of(self, ticker: str) -> str | None:
        return self._event_of.get(ticker)

    def siblings(self, ticker: str) -> list[str]:
        """Every market of ``ticker``'s event (itself included)."""
        found = self._market.get(ticker)
        return list(found[0].tickers) if found else [ticker]

    def fair(self, ticker: str, now_ms: int) -> int:
        """The market's fair YES value in ticks at ``now_ms`` (its event moved up to then)."""
        state, index = self._market[ticker]
        self._advance(state, now_ms)
        return self._ticks(state, index)

    def value(self, ticker: str) -> int:
        """The fair value as of the event's last move (reading moves nothing); 10000 or 0 once
        the market's result is drawn."""
        known = self._outcomes.get(ticker)
        if known is not None:
            return TICKS_PER_DOLLAR if known else 0
        state, index = self._market[ticker]
        return self._ticks(state, index)

    def reference(self, underlying: str, now_ms: int) -> float | None:
        """Where a shared number (an index) stands at ``now_ms``; None if there is none."""
        path = self._paths.get(underlying)
        if path is None or path.end_ms is not None:
            return None
        if path.advance(now_ms, self._rng):
            self._news.update(dict.fromkeys(self._on_path.get(underlying, ())))
        return path.value

    def take_news(self) -> list[str]:
        """The events news moved (a jump) since the last call."""
        news, self._news = list(self._news), {}
        return news

    def markets_of(self, event_ticker: str) -> list[str]:
        state = self._events.get(event_ticker)
        return list(state.tickers) if state else []

    def _advance(self, state: _EventState, now_ms: int) -> None:
        shape = state.shape
        if isinstance(shape, _Combo):
            for leg, _ in shape.legs:
                if leg in self._market:
                    self._advance(self._market[leg][0], now_ms)
            return
        if isinstance(shape, Scalar):
            if shape.fixing is None and shape.path.advance(now_ms, self._rng):
                self._news.update(dict.fromkeys(self._on_path.get(state.underlying or "", ())))
            return
        if shape.advance(now_ms, self._rng):
            self._news[self._event_of[state.tickers[0]]] = None

    def _ticks(self, state: _EventState, index: int) -> int:
        """The market's fair value as its event stands (moved up to its last update)."""
        shape = state.shape
        if isinstance(shape, _Combo):
            return ticks_of(self._combo_probability(shape))
        if state.exclusive:
            return split_ticks(shape.probabilities(), state.keep)[index]
        if isinstance(shape, Scalar | Swing):
            return ticks_of(shape.probability(index))
        return ticks_of(shape.probabilities()[index])

    def _combo_probability(self, combo: _Combo) -> float:
        product = 1.0
        for leg, yes in combo.legs:
            known = self._outcomes.get(leg)
            if known is not None:
                chance = float(known)
            elif leg in self._market:
                state, index = self._market[leg]
                chance = self._ticks(state, index) / TICKS_PER_DOLLAR
            else:
                chance = 0.5
            product *= chance if yes else 1 - chance
        if combo.bias == 0.0 or product in (0.0, 1.0):
            return product
        return 1 / (1 + math.exp(-(_logit(product) + combo.bias)))

    # ------------------------------------------------------------------ live data

    def observe(self, event_ticker: str, now_ms: int) -> tuple[float, float] | None:
        """A day's own number (a weather high) at ``now_ms`` and the spread still left, moved
        there as a read of its markets would move it; None if the event has no number of its
        own (or is resolved)."""
        state = self._events.get(event_ticker)
        if state is None or state.underlying != event_ticker:
            return None
        shape = state.shape
        if not isinstance(shape, Scalar):
            return None
        if shape.fixing is None:
            self._advance(state, now_ms)
            return shape.path.value, shape.spread(now_ms)
        return shape.fixing, shape.spread(shape.close_ms)

    def observed(self, event_ticker: str, reading: float) -> None:
        """A reading of the event's number was published: it settles on no less."""
        state = self._events.get(event_ticker)
        if state is not None and isinstance(state.shape, Scalar):
            state.shape.observed = max(state.shape.observed, reading)

    def margin(self, event_ticker: str, now_ms: int) -> float | None:
        """A game's expected final margin (its second team's) at ``now_ms``; None if none."""
        state = self._events.get(event_ticker)
        if state is None or not isinstance(state.shape, Game):
            return None
        self._advance(state, now_ms)
        return state.shape.margin

    def has_finals(self) -> bool:
        return bool(self._finals)

    def drop_finals(self) -> None:
        """Forget the finals nobody took (events without live data: crypto, CPI ...)."""
        self._finals.clear()

    def take_final(self, event_ticker: str) -> float | None:
        """The number (or a game's margin) the event settled on, once, after it was drawn."""
        return self._finals.pop(event_ticker, None)

    # ------------------------------------------------------------------ moving it by hand

    def push(self, ticker: str, ticks: int, now_ms: int) -> None:
        """Move the event so that ``ticker``'s fair value is ``ticks`` (see the module doc)."""
        if ticker in self._outcomes:
            raise ValueError(f"market {ticker} is resolved: its value no longer moves")
        state, index = self._market[ticker]
        self._advance(state, now_ms)
        probability = ticks / TICKS_PER_DOLLAR
        shape = state.shape
        if isinstance(shape, _Combo):
            legs = self._combo_probability(_Combo(shape.legs))
            if 0.0 < legs < 1.0:
                shape.bias = _logit(probability) - _logit(legs)
            return
        shape.push(index, probability)
        state.keep = index if state.exclusive else None
        self._news[self._event_of[ticker]] = None
        if state.underlying is not None:
            self._news.update(dict.fromkeys(self._on_path.get(state.underlying, ())))

    # ------------------------------------------------------------------ the end of an event

    def fix(self, ticker: str, at_ms: int) -> None:
        """The market's close: the event's number stops where it is at ``at_ms``."""
        found = self._market.get(ticker)
        if found is None:
            return
        shape = found[0].shape
        if isinstance(shape, Scalar):
            shape.fix(at_ms, self._rng)
        elif not isinstance(shape, _Combo):
            shape.advance(at_ms, self._rng)

    def result(self, ticker: str, now_ms: int) -> bool:
        """Whether ``ticker`` resolves YES: every market of its event from one draw."""
        known = self._outcomes.get(ticker)
        if known is not None:
            return known
        state, index = self._market[ticker]
        if state.results is None:
            state.results = self._draw(state, now_ms)
        outcome = state.results[index]
        self._outcomes[ticker] = outcome
        state.determined.add(index)
        if len(state.determined) == len(state.tickers):
            self._forget(state)
        return outcome

    def _draw(self, state: _EventState, now_ms: int) -> list[bool]:
        shape = state.shape
        if isinstance(shape, _Combo):
            return [all(self._leg_result(leg, now_ms) == yes for leg, yes in shape.legs)]
        self._advance(state, now_ms)
        if isinstance(shape, Scalar):
            shape.fix(now_ms, self._rng)
        results = shape.results(self._rng)
        event_ticker = self._event_of[state.tickers[0]]
        if isinstance(shape, Scalar) and shape.reported is not None:
            self._finals[event_ticker] = shape.reported
        elif isinstance(shape, Game):
            self._finals[event_ticker] = shape.margin
        return results

    def _leg_result(self, leg: str, now_ms: int) -> bool:
        known = self._outcomes.get(leg)
        if known is not None:
            return known
        elsewhere = self._determined(leg)
        if elsewhere is not None:
            return elsewhere
        return self.result(leg, now_ms) if leg in self._market else False

    def _forget(self, state: _EventState) -> None:
        """Every market of the event resolved: its value is no longer needed."""
        event_ticker = self._event_of[state.tickers[0]]
        self._events.pop(event_ticker, None)
        for ticker in state.tickers:
            self._market.pop(ticker, None)
            self._event_of.pop(ticker, None)
        underlying = state.underlying
        if underlying is not None:
            events = self._on_path.get(underlying, [])
            if event_ticker in events:
                events.remove(event_ticker)
            if not events and self._paths[underlying].end_ms is not None:
                del self._paths[underlying], self._on_path[underlying]


def _intervals(markets: list[Market], step: float) -> list[tuple[float, float]] | None:
    """Each market's interval ``[low, high)`` of the unrounded number, or None when a market
    is not an interval. A number reported in ``step``s reads as ``floor_strike`` or above
    ("greater") from half a step over the strike, and so on."""
    half = step / 2
    found = []
    for market in markets:
        low, high = market.floor_strike, market.cap_strike
        if market.strike_type == "greater" and low is not None:
            found.append((low + half, math.inf))
        elif market.strike_type == "less" and high is not None:
            found.append((-math.inf, high - half))
        elif market.strike_type == "between" and low is not None and high is not None:
            found.append((low - half, high + half))
        else:
            return None
    return found


def _logit(p: float) -> float:
    p = min(max(p, 1e-9), 1 - 1e-9)
    return math.log(p / (1 - p))
