"""Tape rows back into the typed messages the live WebSocket client yields. No I/O here.

A row carries exact integers; a message carries the wire's strings (``"0.5600"``, ``"10.00"``),
so the rows are formatted back exactly as the live feed writes them, and code written against
:class:`~kalshikit.ws.KalshiWebSocket` reads a replay without knowing. Two kinds have no wire
message: a ``reset`` (the recorder lost the book) becomes a :class:`BookReset` and a ``check``
(a REST book read beside the stream) a :class:`BookCheck`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import msgspec
import pyarrow as pa

from kalshikit.models.stream import (
    DeltaFrame,
    DeltaMsg,
    MarketLifecycleFrame,
    MarketLifecycleMsg,
    SnapshotFrame,
    SnapshotMsg,
    TickerFrame,
    TickerMsg,
    TradeFrame,
    TradeMsg,
)
from kalshikit.units import TICKS_PER_DOLLAR, centi_to_fp, ticks_to_dollars

__all__ = [
    "ROW_COLUMNS",
    "BookCheck",
    "BookReset",
    "Levels",
    "Replayed",
    "iter_rows",
    "lifecycle_frame",
    "replayed_rows",
    "split_levels",
    "ticker_frame",
    "trade_frame",
]

Levels = list[tuple[int, int]]  # (ticks, centi-contracts), ascending price, as a snapshot's
SIDE_NAMES = ("yes", "no")
# the columns of a row (``iter_rows``), in order: a runner that works on rows indexes them
ROW_COLUMNS = ("recv_ns", "n", "kind", "ticker", "ts_ms", "sid", "seq", "side", "price", "size",
            "bid", "ask", "open_interest", "text")  # fmt: skip


class BookReset(msgspec.Struct, frozen=True, gc=False):
    """The book of ``market_ticker`` is unknown from here until its next snapshot (``reason``:
    start, gap, reconnect, resubscribe). Drop the book and wait."""

    market_ticker: str
    reason: str | None = None


class BookCheck(msgspec.Struct, frozen=True, gc=False):
    """A REST read of the book of ``market_ticker``, written beside the stream to prove it:
    ``yes``/``no`` bids as (ticks, centi-contracts); ``verdict`` is the recorder's ("ok" or
    "mismatch")."""

    market_ticker: str
    yes: Levels
    no: Levels
    verdict: str | None = None


Replayed = tuple[int, Any]  # (recv_ns, frame or message)


def _dollars(ticks: int | None) -> str | None:
    return None if ticks is None else ticks_to_dollars(ticks)


def _fp(centi: int | None) -> str | None:
    return None if centi is None else centi_to_fp(centi)


def _wire_levels(levels: Levels) -> list[tuple[str, str]] | None:
    # the live feed leaves an empty side out
    return [(ticks_to_dollars(p), centi_to_fp(s)) for p, s in sorted(levels)] or None


def split_levels(rows: list[tuple[Any, ...]]) -> tuple[Levels, Levels]:
    """The (price, size) levels of one snapshot or check, by side (an empty book: no levels)."""
    sides: tuple[Levels, Levels] = ([], [])
    for row in rows:
        side, price, size = row[7], row[8], row[9]
        if side is not None and price is not None and size is not None:
            sides[side].append((price, size))
    return sides


def _snapshot(row: tuple[Any, ...], yes: Levels, no: Levels) -> SnapshotFrame:
    msg = SnapshotMsg(
        market_ticker=row[3], yes_dollars_fp=_wire_levels(yes), no_dollars_fp=_wire_levels(no)
    )
    return SnapshotFrame(sid=row[5] or 0, seq=row[6] or 0, msg=msg)


def _delta(row: tuple[Any, ...]) -> DeltaFrame:
    msg = DeltaMsg(
        market_ticker=row[3], side=SIDE_NAMES[row[7]], price_dollars=ticks_to_dollars(row[8]),
        delta_fp=centi_to_fp(row[9]), ts_ms=row[4],
    )  # fmt: skip
    return DeltaFrame(sid=row[5] or 0, seq=row[6] or 0, msg=msg)


def trade_frame(row: tuple[Any, ...]) -> TradeFrame:
    price, side, ts_ms = row[8], row[7], row[4]
    msg = TradeMsg(
        market_ticker=row[3], trade_id=row[13], yes_price_dollars=_dollars(price),
        no_price_dollars=_dollars(None if price is None else TICKS_PER_DOLLAR - price),
        count_fp=_fp(row[9]), taker_outcome_side=None if side is None else SIDE_NAMES[side],
        ts=None if ts_ms is None else ts_ms // 1000, ts_ms=ts_ms,
    )  # fmt: skip
    return TradeFrame(sid=row[5] or 0, seq=row[6], msg=msg)


def ticker_frame(row: tuple[Any, ...]) -> TickerFrame:
    ts_ms = row[4]
    msg = TickerMsg(
        market_ticker=row[3], price_dollars=_dollars(row[8]), yes_bid_dollars=_dollars(row[10]),
        yes_ask_dollars=_dollars(row[11]), volume_fp=_fp(row[9]),
        open_interest_fp=_fp(row[12]), ts=None if ts_ms is None else ts_ms // 1000, ts_ms=ts_ms,
    )  # fmt: skip
    return TickerFrame(sid=row[5] or 0, seq=row[6], msg=msg)


def lifecycle_frame(row: tuple[Any, ...]) -> MarketLifecycleFrame:
    msg = MarketLifecycleMsg(
        market_ticker=row[3], event_type=row[13] or "", settlement_value=_dollars(row[8])
    )
    return MarketLifecycleFrame(sid=row[5] or 0, seq=row[6], msg=msg)


def _one(row: tuple[Any, ...]) -> Any:
    kind = row[2]
    if kind == "delta":
        return _delta(row)
    if kind == "trade":
        return trade_frame(row)
    if kind == "ticker":
        return ticker_frame(row)
    if kind == "lifecycle":
        return lifecycle_frame(row)
    if kind == "reset":
        return BookReset(market_ticker=row[3], reason=row[13])
    return None  # a candle (backfilled history) is no stream message


def _grouped(row: tuple[Any, ...], group: list[tuple[Any, ...]]) -> Any:
    yes, no = split_levels(group)
    if row[2] == "snapshot":
        return _snapshot(row, yes, no)
    return BookCheck(market_ticker=row[3], yes=yes, no=no, verdict=row[13])


def iter_rows(table: pa.Table) -> Iterator[tuple[Any, ...]]:
    """The rows as tuples in :data:`ROW_COLUMNS` order."""
    for batch in table.select(list(ROW_COLUMNS)).to_batches(max_chunksize=65_536):
        yield from zip(*(_values(column) for column in batch.columns), strict=True)


def _values(column: pa.Array) -> list[Any]:
    """A column as Python values, cheaply where the tape allows: a column no row uses is
    Nones, and a dictionary column (kind, ticker) shares one string per distinct value (its
    hash computed once, which every later dict lookup of it reuses)."""
    if column.null_count == len(column):
        return [None] * len(column)
    if pa.types.is_dictionary(column.type):
        names = column.dictionary.to_pylist()
        return [None if i is None else names[i] for i in column.indices.to_pylist()]
    return column.to_pylist()  # type: ignore[no-any-return]


def replayed_rows(table: pa.Table) -> Iterator[Replayed]:
    """(recv_ns, frame) per message of rows in arrival order; the rows of a snapshot or a
    check (one ``n``) become one. Resets and checks are :class:`BookReset`/:class:`BookCheck`."""
    group: list[tuple[Any, ...]] = []
    for row in iter_rows(table):
        if group and (row[1] != group[0][1] or row[2] != group[0][2]):
            yield group[0][0], _grouped(group[0], group)
            group = []
        if row[2] in ("snapshot", "check"):
            group.append(row)
            continue
        message = _one(row)
        if message is not None:
            yield row[0], message
    if group:
        yield group[0][0], _grouped(group[0], group)
