"""The static templates the sandbox catalog is built from. Data only (plus two small constructors
that stamp out the crypto and weather series): no I/O here.

Each ``SeriesSpec`` carries what a ``Series`` carries, the market fields every market of the series
shares, its schedule (relative to each market's close) and its text templates. Templates are
``str.format`` strings: ``{phrase}`` is the outcome as a sentence says it ("between 52° and 53°",
"cut rates by 25bps"); the other names are filled per event by ``catalog.py``.

Weather tickers, contract URLs and settlement sources are the recorded ones (golden
``series_list``); the other series follow the same patterns. Teams, states and Fed outcomes are
real labels; the songs and artists are made up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

__all__ = [
    "BITCOIN",
    "CITIES",
    "COMBOS",
    "COMBO_COLLECTION",
    "CPI",
    "ETHER",
    "FED",
    "FED_OUTCOMES",
    "NBA",
    "NBA_TEAMS",
    "PRESIDENT_STATES",
    "SOLANA",
    "SONGS",
    "STATES",
    "TOP_SONG",
    "City",
    "CryptoAsset",
    "FedOutcome",
    "SeriesSpec",
    "Song",
    "State",
]

_CERTIFICATIONS = (
    "https://kalshi-public-docs.s3.us-east-1.amazonaws.com/regulatory/product-certifications/"
)
_TERMS = "https://kalshi-public-docs.s3.amazonaws.com/contract_terms/"
_RESOLVES = "then the market resolves to Yes."


@dataclass(frozen=True, slots=True)
class SeriesSpec:
    """One series: its wire fields, shared market fields, schedule and text templates."""

    ticker: str
    title: str
    category: str
    frequency: str
    tags: tuple[str, ...]
    contract_code: str
    sources: tuple[tuple[str, str], ...]
    event_title: str
    event_sub_title: str
    market_title: str
    rules_primary: str
    rules_secondary: str = ""
    collateral: str = "MECNET"
    strike_period: str | None = None
    fee_type: str = "quadratic"
    fee_multiplier: float = 1.0
    settlement_timer_seconds: int = 1800
    can_close_early: bool = False
    early_close_condition: str | None = None
    prohibitions: tuple[str, ...] = ()
    exchange_index: int = 0
    open_before: timedelta = timedelta(days=1)
    expected_after: timedelta = timedelta(0)
    latest_after: timedelta = timedelta(days=7)

    @property
    def contract_url(self) -> str:
        return f"{_CERTIFICATIONS}{self.contract_code}.pdf"

    @property
    def contract_terms_url(self) -> str:
        return f"{_TERMS}{self.contract_code}.pdf"


# --- crypto: one event per hour, a ladder of `between` buckets and `greater` thresholds ----------


@dataclass(frozen=True, slots=True)
class CryptoAsset:
    series: SeriesSpec
    spot_low: int
    spot_high: int
    annual_volatility: float
    bucket_width: int
    buckets: int
    threshold_step: int
    thresholds: int


def _crypto(ticker: str, name: str, index: str, url: str, tag: str) -> SeriesSpec:
    return SeriesSpec(
        ticker=ticker,
        title=f"{name} price at the hour",
        category="Crypto",
        frequency="hourly",
        tags=(tag,),
        contract_code=ticker.removeprefix("KX"),
        sources=(("CF Benchmarks", url),),
        event_title=f"{name} price at {{when}}?",
        event_sub_title="At {when}",
        market_title=f"Will the {name} price be {{phrase}} at {{when}}?",
        rules_primary=(
            f"If the simple average of the sixty seconds of CF Benchmarks' {index} before "
            f"{{when}} is {{phrase}}, {_RESOLVES}"
        ),
        rules_secondary=(
            "Not all cryptocurrency price data is the same. While checking a source like Google "
            f"or a price-tracking app may help guide your decision, only the {index} is used to "
            "settle the market."
        ),
        # a threshold ladder nets directionally; its ranges overlap the thresholds
        collateral="DIRECNET",
        settlement_timer_seconds=60,
        open_before=timedelta(days=2),  # hourly events are listed two days ahead
        expected_after=timedelta(minutes=5),
    )


BITCOIN = CryptoAsset(
    series=_crypto(
        "KXBTCD",
        "Bitcoin",
        "Bitcoin Real-Time Index (BRTI)",
        "https://www.cfbenchmarks.com/data/indices/BRTI",
        "BTC",
    ),
    spot_low=70_000,
    spot_high=120_000,
    annual_volatility=0.55,
    bucket_width=250,
    buckets=12,
    threshold_step=500,
    thresholds=10,
)

ETHER = CryptoAsset(
    series=_crypto(
        "KXETHD",
        "Ethereum",
        "Ether-Dollar Real-Time Index (ETHUSD_RTI)",
        "https://www.cfbenchmarks.com/data/indices/ETHUSD_RTI",
        "ETH",
    ),
    spot_low=2_200,
    spot_high=4_800,
    annual_volatility=0.70,
    bucket_width=20,
    buckets=10,
    threshold_step=40,
    thresholds=8,
)

SOLANA = CryptoAsset(
    series=_crypto(
        "KXSOLD",
        "Solana",
        "Solana-Dollar Real-Time Index (SOLUSD_RTI)",
        "https://www.cfbenchmarks.com/data/indices/SOLUSD_RTI",
        "SOL",
    ),
    spot_low=120,
    spot_high=260,
    annual_volatility=0.80,
    bucket_width=2,
    buckets=10,
    threshold_step=4,
    thresholds=8,
)

# --- daily high temperature: six mutually exclusive ranges a day -----------------------------


@dataclass(frozen=True, slots=True)
class City:
    series: SeriesSpec
    mean_high: float
    seasonal_swing: float


def _city(ticker: str, name: str, station: str, code: str, office: str, issuer: str) -> SeriesSpec:
    url = f"https://forecast.weather.gov/product.php?site={office}&product=CLI&issuedby={issuer}"
    return SeriesSpec(
        ticker=ticker,
        title=f"Highest temperature in {name}",
        category="Climate and Weather",
        frequency="daily",
        tags=("Daily temperature",),
        contract_code=code,
        sources=(("NWS Climatological Report", url),),
        event_title=f"Highest temperature in {name} on {{on}}?",
        event_sub_title="On {on}",
        market_title=f"Will the high temp in {name} be {{phrase}} on {{on}}?",
        rules_primary=(
            f"If the highest temperature recorded at {station} on {{on}}, as reported by the "
            f"National Weather Service's Climatological Report (Daily), is {{phrase}}, {_RESOLVES}"
        ),
        rules_secondary=(
            "Not all weather data is the same. While checking a source like Google or your "
            "phone's weather app may help guide your decision, the last (and final) "
            "Climatological Report (CLI) for the day is the only data used to settle the market."
        ),
        # closes at 11:59pm; opens at 10am the day before; settles on the 10am report
        open_before=timedelta(days=1, hours=13, minutes=59),
        expected_after=timedelta(hours=10, minutes=1),
        latest_after=timedelta(days=7, hours=10, minutes=1),
    )


CITIES: tuple[City, ...] = (
    City(_city("KXHIGHNY", "NYC", "Central Park, New York", "NHIGH", "OKX", "NYC"), 62, 20),
    City(_city("KXHIGHCHI", "Chicago", "Chicago Midway", "CHIHIGH", "LOT", "MDW"), 59, 24),
    City(_city("KXHIGHMIA", "Miami", "Miami International", "MIAHIGH", "MFL", "MIA"), 84, 6),
    City(_city("KXHIGHAUS", "Austin", "Austin Bergstrom", "AUSHIGH", "EWX", "AUS"), 80, 16),
    City(_city("KXHIGHDEN", "Denver", "Denver International", "DENHIGH", "BOU", "DEN"), 64, 21),
    City(_city("KXHIGHLAX", "Los Angeles", "LAX", "LAXHIGH", "LOX", "LAX"), 71, 5),
    City(_city("KXHIGHPHIL", "Philadelphia", "PHL", "PHILHIGH", "PHI", "PHL"), 64, 21),
    City(_city("KXHIGHHOU", "Houston", "Houston Hobby", "HOUHIGH", "HGX", "HOU"), 80, 14),
)

# --- the Fed rate decision: five mutually exclusive outcomes per FOMC meeting ---------------


@dataclass(frozen=True, slots=True)
class FedOutcome:
    suffix: str
    label: str
    phrase: str
    weight: float


FED = SeriesSpec(
    ticker="KXFEDDECISION",
    title="Fed meeting decision",
    category="Economics",
    frequency="custom",
    tags=("Fed", "Interest rates"),
    contract_code="FEDDECISION",
    sources=(("Federal Reserve", "https://www.federalreserve.gov/monetarypolicy/openmarket.htm"),),
    event_title="Fed decision in {period}?",
    event_sub_title="{on} meeting",
    market_title="Will the Fed {phrase} in {period}?",
    rules_primary=(
        f"If the Federal Reserve's decision at its {{on}} meeting is to {{phrase}}, {_RESOLVES}"
    ),
    rules_secondary=(
        "The change is read from the upper bound of the federal funds target range announced in "
        "the FOMC statement after the meeting. An unscheduled change between meetings counts "
        "toward the next scheduled meeting."
    ),
    fee_type="quadratic_with_maker_fees",
    # listed more than a year ahead; the statement comes out at 2pm
    open_before=timedelta(days=400),
    expected_after=timedelta(minutes=31),
)

FED_OUTCOMES: tuple[FedOutcome, ...] = (
    FedOutcome("C26", "Cut >25bps", "cut rates by more than 25bps", 0.05),
    FedOutcome("C25", "Cut 25bps", "cut rates by 25bps", 0.30),
    FedOutcome("H0", "Hold", "leave rates unchanged", 0.57),
    FedOutcome("H25", "Hike 25bps", "hike rates by 25bps", 0.06),
    FedOutcome("H26", "Hike >25bps", "hike rates by more than 25bps", 0.02),
)

# --- CPI year over year: mutually exclusive one-decimal outcomes per release -----------------

CPI = SeriesSpec(
    ticker="KXCPIYOY",
    title="Inflation (CPI year-over-year)",
    category="Economics",
    frequency="monthly",
    tags=("Inflation", "CPI"),
    contract_code="CPIYOY",
    sources=(("Bureau of Labor Statistics", "https://www.bls.gov/cpi/"),),
    event_title="CPI year-over-year in {period}?",
    event_sub_title="{period}",
    market_title="Will CPI year-over-year in {period} be {phrase}?",
    rules_primary=(
        "If the year-over-year change in the Consumer Price Index for All Urban Consumers (CPI-U) "
        f"for {{period}}, as first published by the Bureau of Labor Statistics, is {{phrase}}, "
        f"{_RESOLVES}"
    ),
    rules_secondary=(
        "The figure is the unadjusted 12-month percent change, to one decimal place, as first "
        "published by the BLS. Later revisions do not change the outcome."
    ),
    strike_period="month",
    # closes five minutes before the 8:30am release
    expected_after=timedelta(minutes=35),
)

# --- an election: independent yes/no markets, one per state ----------------------------------


@dataclass(frozen=True, slots=True)
class State:
    code: str
    name: str
    democratic_lean: float


PRESIDENT_STATES = SeriesSpec(
    ticker="KXPRESDEMSTATES",
    title="States won by the Democratic presidential nominee",
    category="Elections",
    frequency="custom",
    tags=("US Elections", "Presidential race"),
    contract_code="PRESPARTY",
    sources=(
        ("The Associated Press", "https://www.ap.org"),
        ("National Archives", "https://www.archives.gov/electoral-college"),
    ),
    event_title="Which states will the Democratic nominee win in {year}?",
    event_sub_title="{year} presidential election",
    market_title="Will the Democratic nominee win {phrase} in {year}?",
    rules_primary=(
        "If the Democratic Party's nominee for President wins the popular vote in {phrase} in the "
        f"{{year}} United States presidential election, {_RESOLVES}"
    ),
    rules_secondary=(
        "The market settles on the state's certified result. Projections by news organizations "
        "do not settle the market. A recount that changes the certified winner is followed."
    ),
    collateral="",  # independent markets: nothing to net
    settlement_timer_seconds=3600,
    can_close_early=True,
    early_close_condition="This market will close and expire early if the event occurs.",
    prohibitions=("Candidates, campaign staff and election officials may not trade this series.",),
    # closes when the electoral votes are counted (about 64 days after the vote), listed two
    # years ahead, expected to be known the morning after election day
    open_before=timedelta(days=794),
    expected_after=-timedelta(days=63),
    latest_after=timedelta(days=30),
)

STATES: tuple[State, ...] = (
    State("PA", "Pennsylvania", 0.50),
    State("MI", "Michigan", 0.52),
    State("WI", "Wisconsin", 0.50),
    State("GA", "Georgia", 0.45),
    State("AZ", "Arizona", 0.44),
    State("NV", "Nevada", 0.49),
    State("NC", "North Carolina", 0.42),
    State("FL", "Florida", 0.22),
    State("TX", "Texas", 0.18),
    State("OH", "Ohio", 0.20),
    State("MN", "Minnesota", 0.68),
    State("NH", "New Hampshire", 0.62),
)

# --- NBA games: two mutually exclusive markets, one per team ---------------------------------

NBA = SeriesSpec(
    ticker="KXNBAGAME",
    title="Professional Basketball Game",
    category="Sports",
    frequency="custom",
    tags=("Basketball", "Pro Basketball"),
    contract_code="NBAGAME",
    sources=(("NBA", "https://www.nba.com/"),),
    event_title="{away} at {home} Winner?",
    event_sub_title="{away} at {home} ({on})",
    market_title="{away} at {home} Winner?",
    rules_primary=(
        "If {phrase} wins the {away} at {home} professional basketball game originally "
        f"scheduled for {{on}}, {_RESOLVES}"
    ),
    rules_secondary=(
        "Overtime counts. If the game is postponed, the market stays open until the game is "
        "played, for up to two weeks after the originally scheduled date."
    ),
    fee_type="quadratic_with_maker_fees",
    settlement_timer_seconds=300,
    can_close_early=True,
    early_close_condition="This market will close and expire after a winner is declared.",
    prohibitions=("Players, coaches, officials and team staff may not trade this series.",),
    # open five days before tip-off; as the real game markets do, close two weeks after it
    # (expiring early once a winner is known), expected three hours after tip-off
    open_before=timedelta(days=19),
    expected_after=-timedelta(days=14) + timedelta(hours=3),
    latest_after=timedelta(0),
)

NBA_TEAMS: tuple[tuple[str, str], ...] = (
    ("ATL", "Atlanta"),
    ("BOS", "Boston"),
    ("BKN", "Brooklyn"),
    ("CHA", "Charlotte"),
    ("CHI", "Chicago"),
    ("CLE", "Cleveland"),
    ("DAL", "Dallas"),
    ("DEN", "Denver"),
    ("DET", "Detroit"),
    ("GSW", "Golden State"),
    ("HOU", "Houston"),
    ("IND", "Indiana"),
    ("LAC", "Los Angeles C"),
    ("LAL", "Los Angeles L"),
    ("MEM", "Memphis"),
    ("MIA", "Miami"),
    ("MIL", "Milwaukee"),
    ("MIN", "Minnesota"),
    ("NOP", "New Orleans"),
    ("NYK", "New York"),
    ("OKC", "Oklahoma City"),
    ("ORL", "Orlando"),
    ("PHI", "Philadelphia"),
    ("PHX", "Phoenix"),
    ("POR", "Portland"),
    ("SAC", "Sacramento"),
    ("SAS", "San Antonio"),
    ("TOR", "Toronto"),
    ("UTA", "Utah"),
    ("WAS", "Washington"),
)

# --- a music chart: the weekly #1 song, mutually exclusive -----------------------------------


@dataclass(frozen=True, slots=True)
class Song:
    code: str
    title: str
    artist: str


TOP_SONG = SeriesSpec(
    ticker="KXTOPSONG",
    title="Top song on the Billboard Hot 100",
    category="Entertainment",
    frequency="weekly",
    tags=("Music", "Billboard"),
    contract_code="TOPSONG",
    sources=(("Billboard", "https://www.billboard.com/charts/hot-100/"),),
    event_title="Top song on the Billboard Hot 100 on {on}?",
    event_sub_title="Chart dated {on}",
    market_title="Will {phrase} be #1 on the Billboard Hot 100 dated {on}?",
    rules_primary=(
        f"If {{phrase}} is the #1 song on the Billboard Hot 100 chart dated {{on}}, {_RESOLVES}"
    ),
    rules_secondary=(
        "The chart as first published by Billboard is used. Later corrections to the chart do "
        "not change the outcome."
    ),
    # each week's market opens when the previous week's chart is revealed
    open_before=timedelta(weeks=1),
    expected_after=timedelta(hours=2),
)

SONGS: tuple[Song, ...] = (
    Song("GOLD", "Golden Hour Again", "Marlow Vance"),
    Song("PAPR", "Paper Planes", "The Lanterns"),
    Song("NEON", "Neon Rain", "Jules Okafor"),
    Song("SLOW", "Slow Burn", "Ivy & the Static"),
    Song("HOME", "Long Way Home", "Cass Delgado"),
    Song("WILD", "Wildfire Season", "North Atlantic"),
    Song("GLAS", "Glass Houses", "Remy Cole"),
    Song("MOON", "Moonlight Drive", "Tess Harlow"),
    Song("ECHO", "Echo Park", "Dominic Rey"),
    Song("RUSH", "Sugar Rush", "Kaia Mendes"),
)

# --- combos: multivariate (parlay) markets on shard 1 ----------------------------------------

COMBO_COLLECTION = "KXMVECROSSCATEGORY-SHARD1-R"

COMBOS = SeriesSpec(
    ticker="KXMVECROSSCATEGORY",
    title="Cross-category combos",
    category="Sports",
    frequency="custom",
    tags=("Combos",),
    contract_code="MVE",
    sources=(),
    # as recorded: combo events are titled "Combo"/"MVE", and combos carry no rules text
    event_title="Combo",
    event_sub_title="MVE",
    market_title="{phrase}",
    rules_primary="",
    collateral="",
    fee_type="quadratic_with_combo_maker_fees",
    settlement_timer_seconds=600,
    can_close_early=True,
    exchange_index=1,
)
