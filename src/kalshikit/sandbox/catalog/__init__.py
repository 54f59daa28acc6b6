"""The sandbox's seeded catalog: the series, events and markets a fresh local exchange starts with.

One job: from a seed, a size and ``now``, build realistic ``Series``, ``Event`` and ``Market`` wire
structs plus each market's latent fair value (YES probability in ticks of $0.0001). Pure: no I/O
here, no clock (``now`` is an argument), no global randomness (one ``random.Random(seed)``), so
the same arguments give the same catalog, byte for byte once encoded.

What is in it (templates in ``specs``; one module per family: crypto, weather, macro, politics,
sports, culture, combos; ``drafts`` holds what they share, ``build`` sizes and assembles): hourly
crypto ladders (``KXBTCD``, ``KXETHD``, ``KXSOLD``: ``between`` ranges and ``greater`` thresholds),
daily high temperatures (``KXHIGHNY`` and seven more cities: six mutually exclusive ranges), Fed
decisions (``KXFEDDECISION``), CPI releases (``KXCPIYOY``), a state-by-state election (independent
yes/no), NBA games (``KXNBAGAME``: one market per team), the weekly #1 song (``KXTOPSONG``) and
cross-category combos on shard 1 (``KXMVECROSSCATEGORY``, ``deci_cent``, legs drawn from the other
markets; ``combo_from_legs`` drafts one from legs a user chose, for the exchange to list).

Events run forward from ``now`` (the next hour, today, the next meeting ...): a market is
``active`` when ``open_time <= now < close_time`` and ``initialized`` before it opens. Sizing: each
series takes a share of the requested size in whole events, in date order, but lists no further
ahead than the real ones do; crypto then fills the room up to 80% (with more strikes per event
when the catalog is big, so most of it stays open); combos (one market per event, always open)
take the rest. The size lands on the request, except below the minimum catalog of about 70
markets (one event of each core series).

Recurring series roll (``roll``): ``next_listing`` drafts a series' next hour, day, game night,
week or month the same way, created at the moment it is listed, so an exchange can list it while
it runs. ``anchors`` (``Anchor``) say what number a scalar event's strikes split, for the
simulator that moves it.
"""

from kalshikit.sandbox.catalog.build import Catalog, build_catalog
from kalshikit.sandbox.catalog.combos import COMBO_LEGS, combo_from_legs, combo_key
from kalshikit.sandbox.catalog.crypto import INDEX_FEEDS, IndexFeed
from kalshikit.sandbox.catalog.discovery import (
    category_tags,
    competition_of,
    game_milestones,
    listed_incentives,
    listed_milestones,
    metadata_of,
    scheduled_fee_changes,
    sport_filters,
    team_targets,
)
from kalshikit.sandbox.catalog.drafts import Anchor, Drafted
from kalshikit.sandbox.catalog.live import (
    GAME_SERIES,
    WeatherCity,
    city_calibrations,
    config_version,
    weather_cities,
)
from kalshikit.sandbox.catalog.roll import ROLLING_SERIES, next_listing, period_of
from kalshikit.sandbox.catalog.specs import COMBO_COLLECTION, COMBOS

COMBO_SERIES = COMBOS  # the series combo markets are listed in (shard 1)

__all__ = [
    "COMBO_COLLECTION",
    "COMBO_LEGS",
    "COMBO_SERIES",
    "GAME_SERIES",
    "INDEX_FEEDS",
    "ROLLING_SERIES",
    "Anchor",
    "Catalog",
    "Drafted",
    "IndexFeed",
    "WeatherCity",
    "build_catalog",
    "category_tags",
    "city_calibrations",
    "combo_from_legs",
    "combo_key",
    "competition_of",
    "config_version",
    "game_milestones",
    "listed_incentives",
    "listed_milestones",
    "metadata_of",
    "next_listing",
    "period_of",
    "scheduled_fee_changes",
    "sport_filters",
    "team_targets",
    "weather_cities",
]
