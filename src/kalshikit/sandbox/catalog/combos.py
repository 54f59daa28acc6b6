"""Combos: cross-category multivariate markets on shard 1, one per event, whose legs are
drawn from the other families' markets (KXMVECROSSCATEGORY, ``deci_cent``).

The same drafting makes a combo from legs a user chose (``combo_from_legs``, for ``POST
/multivariate_event_collections/{collection_ticker}``): its tickers come from a hash of the
legs, so the same legs always name the same market, and a replay drafts it byte for byte.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import NamedTuple

import msgspec

from kalshikit.models import Market, MveSelectedLeg
from kalshikit.sandbox.catalog import specs
from kalshikit.sandbox.catalog.drafts import (
    Ctx,
    Drafted,
    EventDraft,
    Outcome,
    Strike,
    Times,
    draft_markets,
    ticks,
)
from kalshikit.units import TICKS_PER_DOLLAR

__all__ = ["COMBO_LEGS", "combo_from_legs", "combo_key", "combos"]

COMBO_LEGS = (2, 4)  # legs per combo, at least and at most (one per event)

# --- combos: one multivariate market per event, legs from the markets above -------------------


class _Leg(NamedTuple):
    market: Market
    side: str
    probability: float


def combos(ctx: Ctx, drafted: list[Drafted], wanted: int) -> list[Drafted]:
    pool = [d for d in drafted if d.markets[0].status == "active"]
    used: set[str] = set()
    return [_combo(ctx, pool, used) for _ in range(wanted)] if len(pool) >= 2 else []


def _combo(ctx: Ctx, pool: list[Drafted], used: set[str]) -> Drafted:
    chosen = ctx.rng.sample(pool, min(len(pool), ctx.rng.randint(*COMBO_LEGS)))  # one per event
    legs = [_pick_leg(ctx.rng, drafted) for drafted in chosen]
    suffix = _fresh_hex(ctx.rng, used)
    # created on request a little while ago (after its legs opened); lives as its longest leg
    asked = ctx.now.replace(second=0, microsecond=0) - timedelta(minutes=ctx.rng.randint(1, 600))
    return _draft(ctx, legs, f"S{ctx.now.year}{_fresh_hex(ctx.rng, used)}", suffix, asked)


def _draft(ctx: Ctx, legs: list[_Leg], event_code: str, suffix: str, asked: datetime) -> Drafted:
    label = ",".join(f"{leg.side} {leg.market.yes_sub_title}" for leg in legs)
    outcome = Outcome(suffix, label, label, strike=Strike("custom"), grid="deci_cent")
    opened = max(asked, *(leg.market.open_time for leg in legs))
    close = max(leg.market.close_time for leg in legs)
    expected = max(leg.market.expected_expiration_time or close for leg in legs)
    fair = ticks(math.prod(leg.probability for leg in legs))
    ticker = f"{specs.COMBOS.ticker}-{event_code}"
    draft = EventDraft(ticker, Times(opened, opened, close, expected, close), {}, [outcome], [fair])
    drafted = draft_markets(ctx, specs.COMBOS, draft)
    return Drafted(drafted.event, [_with_legs(drafted.markets[0], legs)], drafted.fair)


def combo_key(legs: Sequence[tuple[str, str]]) -> str:
    """What makes a combo in an unordered collection: its (market, side) legs, sorted."""
    return "|".join(f"{market}:{side}" for market, side in sorted(legs))


def combo_from_legs(
    legs: Sequence[tuple[Market, str]], fair_value: dict[str, int], now: datetime
) -> Drafted:
    """The combo market of the chosen ``(market, side)`` legs, listed at ``now``: open from now
    until its last leg closes, fairly priced at the product of its legs' chances. Its tickers
    are a hash of the legs (``KXMVECROSSCATEGORY-S2026<11 hex>-<11 hex>``), as real ones look."""
    digest = hashlib.sha256(combo_key([(m.ticker, side) for m, side in legs]).encode()).digest()
    bits = int.from_bytes(digest[:11], "big")
    event_hex, suffix = f"{bits >> 44:011X}", f"{bits & ((1 << 44) - 1):011X}"
    chosen = []
    for market, side in legs:
        yes = fair_value.get(market.ticker, TICKS_PER_DOLLAR // 2) / TICKS_PER_DOLLAR
        chosen.append(_Leg(market, side, yes if side == "yes" else 1.0 - yes))
    moment = now.replace(microsecond=0)
    ctx = Ctx(moment, random.Random(0))  # drafting a combo draws nothing
    drafted = _draft(ctx, chosen, f"S{moment.year}{event_hex}", suffix, moment)
    created = [
        msgspec.structs.replace(m, created_time=moment, updated_time=moment)
        for m in drafted.markets
    ]
    return Drafted(
        msgspec.structs.replace(drafted.event, last_updated_ts=moment), created, drafted.fair
    )


def _pick_leg(rng: random.Random, drafted: Drafted) -> _Leg:
    index = rng.randrange(len(drafted.markets))
    yes = drafted.fair[index] / TICKS_PER_DOLLAR
    side = "yes" if rng.random() < 0.75 else "no"
    return _Leg(drafted.markets[index], side, yes if side == "yes" else 1.0 - yes)


def _fresh_hex(rng: random.Random, used: set[str]) -> str:
    """11 hex digits, as in real combo tickers, never handed out twice."""
    while (token := f"{rng.getrandbits(44):011X}") in used:
        pass
    used.add(token)
    return token


def _with_legs(market: Market, legs: list[_Leg]) -> Market:
    selected = [
        MveSelectedLeg(
            event_ticker=leg.market.event_ticker, market_ticker=leg.market.ticker, side=leg.side
        )
        for leg in legs
    ]
    # the shape the recorded combos carry in custom_strike
    strike = {
        "Associated Events": ",".join(leg.market.event_ticker for leg in legs),
        "Associated Market Sides": ",".join(leg.side for leg in legs),
        "Associated Markets": ",".join(leg.market.ticker for leg in legs),
        "Multivariate Event Ticker": specs.COMBO_COLLECTION,
    }
    return msgspec.structs.replace(
        market,
        mve_collection_ticker=specs.COMBO_COLLECTION,
        mve_selected_legs=selected,
        custom_strike=strike,
    )
