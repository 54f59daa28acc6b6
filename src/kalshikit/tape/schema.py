"""The tape's one table: every row a recorder, a backfill or a conversion writes. No I/O here.

A tape is a folder of Parquet files, Hive-partitioned by the UTC day the rows were received
(``date=YYYY-MM-DD/part-<first recv_ns>-<writer>.parquet``), so DuckDB, Polars, pandas, Spark or
Ray read it as one table without kalshikit. Every number is exact: prices are integer ticks of
$0.0001, sizes integer centi-contracts (0.01 contract); no column is a float.

A row is one of these ``kind``s (a nullable column is null where the kind has no use for it):

========= ===============================================================================
snapshot  one level of a book snapshot: ``side`` (0 YES bids, 1 NO bids), ``price``, ``size``;
          all levels of one snapshot share ``n``; an empty book is one row with null
          side/price/size. The book is exact from here on.
delta     a change of one level: ``side``, ``price``, ``size`` (signed change), ``sid``/``seq``
trade     a public trade: ``price`` (YES price), ``size`` (count), ``side`` (taker's outcome
          side: 0 YES, 1 NO), ``text`` (trade id)
ticker    a quote update: ``price`` (last trade), ``bid``/``ask`` (YES), ``size`` (volume),
          ``open_interest``
lifecycle a market lifecycle event: ``text`` (event_type: created, activated, determined,
          settled...), ``price`` (settlement value when determined)
reset     the book of ``ticker`` is not known from here until the next snapshot (``text``: why:
          start, gap, reconnect, resubscribe); a reader drops its book and waits
check     one level of a REST book read to cross-check the recorded one (like a snapshot row),
          ``text`` the recorder's verdict on the whole book: "ok" or "mismatch"
candle    a backfilled candlestick: ``open``/``high``/``low``/``price`` (close, YES trade
          prices), ``size`` (volume), ``open_interest``, ``text`` (period: 1m, 1h, 1d);
          ``ts_ms`` is the period's end
========= ===============================================================================

Order: ``n`` is the writer's running number of the message a row came from; ``(recv_ns, n)``
is the order the messages arrived in. Within a file, rows are sorted by ``ticker`` then ``n``
(small row-group statistics per market, and much better compression), so a reader
that wants arrival order sorts by ``(recv_ns, n)``, as ``kalshikit.tape.read`` does.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Final

import pyarrow as pa

__all__ = [
    "KINDS",
    "NO",
    "SCHEMA",
    "SCHEMA_VERSION",
    "YES",
    "Kind",
    "day_of",
    "partition_dir",
]

SCHEMA_VERSION: Final = 1

YES: Final = 0  # ``side``: the YES bids (book rows) or a YES taker (trades)
NO: Final = 1

Kind = str
KINDS: Final = (
    "snapshot", "delta", "trade", "ticker", "lifecycle", "reset", "check", "candle",
)  # fmt: skip

_DICT: Final = pa.dictionary(pa.int32(), pa.string())

SCHEMA: Final = pa.schema(
    [
        pa.field("recv_ns", pa.int64(), nullable=False),  # received, ns since the epoch (UTC)
        pa.field("n", pa.int64(), nullable=False),  # the writer's running message number
        pa.field("kind", _DICT, nullable=False),
        pa.field("ticker", _DICT, nullable=False),
        pa.field("ts_ms", pa.int64()),  # the exchange's own time, when the message has one
        pa.field("sid", pa.int32()),
        pa.field("seq", pa.int64()),
        pa.field("side", pa.int8()),
        pa.field("price", pa.int32()),  # ticks of $0.0001
        pa.field("size", pa.int64()),  # centi-contracts
        pa.field("bid", pa.int32()),
        pa.field("ask", pa.int32()),
        pa.field("open", pa.int32()),
        pa.field("high", pa.int32()),
        pa.field("low", pa.int32()),
        pa.field("open_interest", pa.int64()),
        pa.field("text", pa.string()),
    ],
    metadata={"kalshikit.tape.schema": str(SCHEMA_VERSION)},
)

COLUMNS: Final = tuple(SCHEMA.names)


def day_of(recv_ns: int) -> str:
    """The UTC day a row belongs to: ``YYYY-MM-DD``."""
    return datetime.fromtimestamp(recv_ns / 1e9, UTC).strftime("%Y-%m-%d")


def partition_dir(root: Path, recv_ns: int) -> Path:
    """The Hive partition folder of rows received at ``recv_ns``."""
    return root / f"date={day_of(recv_ns)}"
