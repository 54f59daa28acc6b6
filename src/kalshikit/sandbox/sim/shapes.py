"""The shapes an event's one latent value takes, and how each moves, prices and resolves.

Pure math: no I/O, no clock (times are arguments, epoch ms), no global randomness (a
``random.Random`` is handed in). Every shape keeps one value for the whole event and derives each
market's YES probability from it, so siblings can never disagree:

* ``Scalar``: a number the strikes split (an index price, a temperature, a CPI print), read off
  a ``NumberPath`` that events on the same underlying share. A market is an interval of the
  number; its probability is the normal mass of the interval around the path's value, with the
  forecast's standard deviation shrinking to the reporting ``floor`` at the close. Mutually
  exclusive ranges sum to 1 and ``greater`` ladders are monotone by construction.
* ``Outcomes``: who wins among named outcomes (the Fed, the #1 song): one logit per outcome,
  probabilities their softmax.
* ``Game``: two teams: the expected final margin. Before tip-off it moves only on rare news of a
  few points; during the game with the score; the remaining uncertainty shrinks to nothing.
* ``Swing``: independent yes/no markets (states of an election) sharing one national swing.

The variance a forecast sheds on its way to the close is exactly what its value diffuses by (so
prices are martingales, as they should be): part as small continuous moves, part as news jumps
that arrive at a Poisson rate, more by day (US Eastern) than by night.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Final

from kalshikit.units import TICKS_PER_DOLLAR

__all__ = [
    "Game",
    "LatentParams",
    "NumberPath",
    "Outcomes",
    "Scalar",
    "Swing",
    "normal_cdf",
    "split_ticks",
    "ticks_of",
]

DAY_MS: Final = 86_400_000
HOUR_MS: Final = 3_600_000
_NORMAL: Final = NormalDist()
_EDGE: Final = 1e-6  # probabilities are kept inside (edge, 1 - edge) before inverting them
_EST_HOURS: Final = -5  # Kalshi keeps Eastern time; standard time is close enough for news


@dataclass(frozen=True, slots=True)
class LatentParams:
    """How latent values move. Rates are per day, volatilities per square-root day."""

    index_news_share: float = 0.25  # of an index's (crypto) variance, delivered as jumps
    index_news_per_day: float = 6.0
    forecast_news_share: float = 0.6  # of a forecast's (weather, CPI) variance
    forecast_news_per_day: float = 4.0
    outcome_drift: float = 0.1  # logits of named outcomes
    outcome_news_per_day: float = 1.5
    outcome_news_sd: float = 0.35
    final_day_news: float = 3.0  # news comes this much faster in an event's last day
    swing_drift: float = 0.03  # probit units of an election's national swing
    swing_news_per_day: float = 0.5
    swing_news_sd: float = 0.08
    swing_shared: float = 0.5  # of the voting noise, the part all states share
    game_sd_points: float = 12.0  # a game's final margin around its expectation
    game_drift_points: float = 0.25  # before tip-off
    game_news_per_day: float = 0.67  # before tip-off: an injury report, a lineup change
    game_news_points: tuple[float, float] = (0.5, 2.0)


# ---------------------------------------------------------------------- shared arithmetic


def normal_cdf(z: float) -> float:
    return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))


def _inverse_cdf(p: float) -> float:
    return _NORMAL.inv_cdf(min(max(p, _EDGE), 1 - _EDGE))


def ticks_of(probability: float) -> int:
    """One market's probability in ticks, inside 1..9999 (monotone: ladders stay ordered)."""
    return min(TICKS_PER_DOLLAR - 1, max(1, round(probability * TICKS_PER_DOLLAR)))


def split_ticks(
    probabilities: Sequence[float], keep: int | None = None, total: int = TICKS_PER_DOLLAR
) -> list[int]:
    """Probabilities of mutually exclusive outcomes as ticks summing to exactly ``total``, each
    at least 1 (largest remainders get the odd ticks). ``keep``: that outcome rounds on its own
    (it was pushed to an exact value) and the others share the rest."""
    n = len(probabilities)
    if keep is not None and n > 1:
        kept = min(max(1, round(probabilities[keep] * total)), total - (n - 1))
        others = [p for i, p in enumerate(probabilities) if i != keep]
        rest = split_ticks(others, None, total - kept)
        return [*rest[:keep], kept, *rest[keep:]]
    weight = sum(probabilities)
    raw = [p / weight * total if weight > 0 else total / n for p in probabilities]
    ticks = [max(1, math.floor(r)) for r in raw]
    left = total - sum(ticks)
    by_remainder = sorted(range(n), key=lambda i: (ticks[i] - raw[i], i))
    for i in range(max(left, 0)):
        ticks[by_remainder[i % n]] += 1
    while left < 0:  # outcomes lifted to 1 tick: the largest gives them up
        largest = max(range(n), key=lambda i: (ticks[i], -i))
        ticks[largest] -= 1
        left += 1
    return ticks


def _news(rng: random.Random, per_day: float, elapsed_ms: int, factor: float = 1.0) -> int:
    """How many news items arrived in ``elapsed_ms`` (Poisson; one draw whatever the count)."""
    mean = per_day * factor * elapsed_ms / DAY_MS
    if mean <= 0:
        return 0
    u, k, term = rng.random(), 0, math.exp(-mean)
    cumulative = term
    while u > cumulative and k < 64:
        k += 1
        term *= mean / k
        cumulative += term
    return k


def _daytime(now_ms: int) -> float:
    """News comes by day (8am-8pm Eastern) three times as often as by night; 1 on average."""
    hour = (now_ms // HOUR_MS + _EST_HOURS) % 24
    return 1.5 if 8 <= hour < 20 else 0.5


# ---------------------------------------------------------------------- scalar events


class NumberPath:
    """A number moving in time: an index (moves for ever, by day and night alike) or one
    event's forecast (stops at ``end_ms``, moves by news mostly in the day).

    ``variance`` is per ms: what the forecast sheds and the value diffuses by.
    """

    __slots__ = (
        "anchor_ms", "daytime", "end_ms", "moved", "news_per_day", "news_share", "updated_ms",
        "value", "variance",
    )  # fmt: skip

    def __init__(
        self, value: float, variance: float, now_ms: int, *, end_ms: int | None,
        news_share: float, news_per_day: float, anchor_ms: int,
    ) -> None:  # fmt: skip
        self.value, self.variance, self.updated_ms = value, variance, now_ms
        self.end_ms, self.news_share, self.news_per_day = end_ms, news_share, news_per_day
        self.daytime = end_ms is not None  # an index trades around the clock
        self.anchor_ms, self.moved = anchor_ms, False

    def advance(self, now_ms: int, rng: random.Random) -> bool:
        """Move to ``now_ms`` (no further than ``end_ms``); True when news moved it."""
        until = now_ms if self.end_ms is None else min(now_ms, self.end_ms)
        elapsed = until - self.updated_ms
        if elapsed <= 0:
            return False
        steady = (1 - self.news_share) * self.variance * elapsed
        self.value += rng.gauss(0.0, math.sqrt(steady))
        factor = _daytime(until) if self.daytime else 1.0
        count = _news(rng, self.news_per_day, elapsed, factor)
        if count:
            # each jump carries its share of the variance, so the total stays calibrated
            jump_var = self.news_share * self.variance * DAY_MS / max(self.news_per_day, 1e-9)
            self.value += rng.gauss(0.0, math.sqrt(count * jump_var))
        self.updated_ms, self.moved = until, True
        return count > 0


class Scalar:
    """An event whose markets are intervals ``[low, high)`` of one number on a ``NumberPath``."""

    __slots__ = (
        "close_ms", "fixing", "floor", "intervals", "observed", "path", "reported", "scale",
    )  # fmt: skip

    def __init__(
        self, path: NumberPath, intervals: list[tuple[float, float]], close_ms: int, floor: float
    ) -> None:
        self.path, self.intervals, self.close_ms, self.floor = path, intervals, close_ms, floor
        self.scale = 1.0  # a push that asks more of one range than the spread allows narrows it
        self.fixing: float | None = None  # the number at the close
        self.observed = -math.inf  # the highest reading published so far (live data)
        self.reported: float | None = None  # the number it settled on, once drawn

    def spread(self, at_ms: int) -> float:
        left = max(self.close_ms - at_ms, 0)
        return self.scale * math.sqrt(self.floor**2 + self.path.variance * left)

    def probabilities(self) -> list[float]:
        value, spread = self._now()
        return [_mass(value, spread, low, high) for low, high in self.intervals]

    def probability(self, index: int) -> float:
        """One market's: a ladder of independent strikes needs no more."""
        value, spread = self._now()
        return _mass(value, spread, *self.intervals[index])

    def _now(self) -> tuple[float, float]:
        if self.fixing is None:
            return self.path.value, self.spread(self.path.updated_ms)
        return self.fixing, self.spread(self.close_ms)

    def fix(self, at_ms: int, rng: random.Random) -> None:
        """The close: the number the event settles on stops moving here."""
        if self.fixing is None:
            if self.path.updated_ms <= at_ms:
                self.path.advance(at_ms, rng)
            self.fixing = self.path.value

    def push(self, index: int, probability: float) -> None:
        """Move the number so that market ``index`` has ``probability``; a range that cannot
        get there at this spread is centred and its spread narrowed."""
        if self.fixing is not None:
            return  # settled on its number: nothing left to move
        spread = self.spread(self.path.updated_ms)
        if spread <= 0:
            return
        low, high = self.intervals[index]
        p = min(max(probability, _EDGE), 1 - _EDGE)
        if math.isinf(high):
            self.path.value = low + spread * _inverse_cdf(p)
        elif math.isinf(low):
            self.path.value = high - spread * _inverse_cdf(p)
        else:
            self._push_range(low, high, spread, p)
        self.path.moved = True

    def _push_range(self, low: float, high: float, spread: float, p: float) -> None:
        centre, half = (low + high) / 2, (high - low) / 2
        if p >= _mass(centre, spread, low, high):
            self.path.value = centre
            self.scale *= half / _inverse_cdf((1 + p) / 2) / spread
            return
        # the range's probability falls away from its centre: solve on the side we are on
        side = 1.0 if self.path.value >= centre else -1.0
        near, far = 0.0, half + 40 * spread
        for _ in range(100):
            mid = (near + far) / 2
            if _mass(centre + side * mid, spread, low, high) > p:
                near = mid
            else:
                far = mid
        self.path.value = centre + side * (near + far) / 2

    def results(self, rng: random.Random) -> list[bool]:
        """The reported number (the fixing, give or take the floor) against every interval; a
        day's high is never below a reading already published (``observed``)."""
        base = self.path.value if self.fixing is None else self.fixing
        reported = base + rng.gauss(0.0, self.scale * self.floor) if self.floor else base
        self.reported = reported = max(reported, self.observed)
        return [low <= reported < high for low, high in self.intervals]


def _mass(value: float, spread: float, low: float, high: float) -> float:
    """The probability that the number ends in ``[low, high)``."""
    if spread <= 0:
        return 1.0 if low <= value < high else 0.0
    upper = 1.0 if math.isinf(high) else normal_cdf((high - value) / spread)
    lower = 0.0 if math.isinf(low) else normal_cdf((low - value) / spread)
    return max(upper - lower, 0.0)


# ---------------------------------------------------------------------- named outcomes


class Outcomes:
    """Mutually exclusive named outcomes: one logit each, moving until the close."""

    __slots__ = ("close_ms", "logits", "params", "updated_ms")

    def __init__(
        self, fairs: Sequence[int], close_ms: int, now_ms: int, params: LatentParams
    ) -> None:
        self.logits = [math.log(max(f, 1) / TICKS_PER_DOLLAR) for f in fairs]
        self.close_ms, self.updated_ms, self.params = close_ms, now_ms, params

    def advance(self, now_ms: int, rng: random.Random) -> bool:
        until = min(now_ms, self.close_ms)
        elapsed = until - self.updated_ms
        if elapsed <= 0:
            return False
        params, logits = self.params, self.logits
        sd = params.outcome_drift * math.sqrt(elapsed / DAY_MS)
        for i in range(len(logits)):
            logits[i] += rng.gauss(0.0, sd)
        final_day = self.close_ms - until < DAY_MS
        factor = _daytime(until) * (params.final_day_news if final_day else 1.0)
        count = _news(rng, params.outcome_news_per_day, elapsed, factor)
        for _ in range(count):  # one outcome's chances change on each item of news
            logits[rng.randrange(len(logits))] += rng.gauss(0.0, params.outcome_news_sd)
        self.updated_ms = until
        return count > 0

    def probabilities(self) -> list[float]:
        top = max(self.logits)
        weights = [math.exp(z - top) for z in self.logits]
        total = sum(weights)
        return [w / total for w in weights]

    def push(self, index: int, probability: float) -> None:
        p = min(max(probability, _EDGE), 1 - _EDGE)
        others = [z for i, z in enumerate(self.logits) if i != index]
        top = max(others)
        rest = top + math.log(sum(math.exp(z - top) for z in others))
        self.logits[index] = math.log(p / (1 - p)) + rest

    def results(self, rng: random.Random) -> list[bool]:
        winner = rng.choices(range(len(self.logits)), self.probabilities())[0]
        return [i == winner for i in range(len(self.logits))]


# ---------------------------------------------------------------------- games


class Game:
    """Two teams; ``margin`` is the second market's team's expected final margin in points."""

    __slots__ = ("end_ms", "margin", "params", "tipoff_ms", "updated_ms")

    def __init__(
        self, second_fair: int, tipoff_ms: int, end_ms: int, now_ms: int, params: LatentParams
    ) -> None:
        self.params, self.tipoff_ms = params, tipoff_ms
        self.end_ms = max(end_ms, tipoff_ms + HOUR_MS)
        self.updated_ms = min(now_ms, self.end_ms)
        self.margin = self._sd(self.updated_ms) * _inverse_cdf(second_fair / TICKS_PER_DOLLAR)

    def _sd(self, at_ms: int) -> float:
        """What is still to play for: all of it before tip-off, nothing at the end."""
        played = min(max(at_ms - self.tipoff_ms, 0), self.end_ms - self.tipoff_ms)
        share = 1 - played / (self.end_ms - self.tipoff_ms)
        return self.params.game_sd_points * math.sqrt(share)

    def advance(self, now_ms: int, rng: random.Random) -> bool:
        until = min(now_ms, self.end_ms)
        if until <= self.updated_ms:
            return False
        news = self._before_tipoff(min(until, self.tipoff_ms), rng)
        if until > self.tipoff_ms:  # the score process: what is played of the remaining spread
            variance = self._sd(self.updated_ms) ** 2 - self._sd(until) ** 2
            self.margin += rng.gauss(0.0, math.sqrt(max(variance, 0.0)))
        self.updated_ms = until
        return news

    def _before_tipoff(self, until: int, rng: random.Random) -> bool:
        elapsed = until - self.updated_ms
        if elapsed <= 0:
            return False
        params = self.params
        self.margin += rng.gauss(0.0, params.game_drift_points * math.sqrt(elapsed / DAY_MS))
        count = _news(rng, params.game_news_per_day, elapsed, _daytime(until))
        for _ in range(count):
            size = rng.uniform(*params.game_news_points)
            self.margin += size if rng.random() < 0.5 else -size
        self.updated_ms = until
        return count > 0

    def probabilities(self) -> list[float]:
        sd = self._sd(self.updated_ms)
        second = normal_cdf(self.margin / sd) if sd > 0 else float(self.margin > 0)
        return [1 - second, second]

    def push(self, index: int, probability: float) -> None:
        p = probability if index == 1 else 1 - probability
        self.margin = max(self._sd(self.updated_ms), 1e-3) * _inverse_cdf(p)

    def results(self, rng: random.Random) -> list[bool]:
        second = self.margin > 0 or (self.margin == 0 and rng.random() < 0.5)
        return [not second, second]


# ---------------------------------------------------------------------- independent markets


class Swing:
    """Independent yes/no markets moved by one shared swing (probit units)."""

    __slots__ = ("bases", "close_ms", "params", "swing", "updated_ms")

    def __init__(
        self, fairs: Sequence[int], close_ms: int, now_ms: int, params: LatentParams
    ) -> None:
        self.bases = [_inverse_cdf(f / TICKS_PER_DOLLAR) for f in fairs]
        self.swing, self.close_ms, self.updated_ms, self.params = 0.0, close_ms, now_ms, params

    def advance(self, now_ms: int, rng: random.Random) -> bool:
        until = min(now_ms, self.close_ms)
        elapsed = until - self.updated_ms
        if elapsed <= 0:
            return False
        params = self.params
        self.swing += rng.gauss(0.0, params.swing_drift * math.sqrt(elapsed / DAY_MS))
        count = _news(rng, params.swing_news_per_day, elapsed, _daytime(until))
        if count:
            self.swing += rng.gauss(0.0, params.swing_news_sd * math.sqrt(count))
        self.updated_ms = until
        return count > 0

    def probabilities(self) -> list[float]:
        return [normal_cdf(base + self.swing) for base in self.bases]

    def probability(self, index: int) -> float:
        return normal_cdf(self.bases[index] + self.swing)

    def push(self, index: int, probability: float) -> None:
        self.swing = _inverse_cdf(probability) - self.bases[index]

    def results(self, rng: random.Random) -> list[bool]:
        """One national surprise and one per market: each market still wins with its own
        probability, but they go together."""
        shared = self.params.swing_shared
        national = rng.gauss(0.0, math.sqrt(shared))
        return [
            base + self.swing + national + rng.gauss(0.0, math.sqrt(1 - shared)) > 0
            for base in self.bases
        ]
