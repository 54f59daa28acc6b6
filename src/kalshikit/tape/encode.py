"""Typed WebSocket messages to tape rows (``tape/schema.py``). No I/O here.

:class:`Encoder` numbers every message it writes (``n``) and appends its rows to a
:class:`~kalshikit.tape.rows.Rows` buffer it is given on each call (the writer swaps buffers
when it flushes). A message whose fields cannot be read exactly (a price that is not a tick, a
count that is not a centi-contract) writes no row and is counted in :attr:`Encoder.skipped`:
nothing a server sends may stop the recorder, and no guessed number reaches the tape.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from kalshikit.errors import KalshiError
from kalshikit.models.stream import (
    DeltaFrame,
    MarketLifecycleMsg,
    SnapshotFrame,
    TickerMsg,
    TradeMsg,
)
from kalshikit.tape.rows import DELTA_ROW, Rows
from kalshikit.tape.schema import NO, YES
from kalshikit.units import (
    CENTI_MEMO,
    TICKS_MEMO,
    TICKS_PER_DOLLAR,
    cached_dollars_to_ticks,
    cached_fp_to_centi,
    cents_to_ticks,
    fp_to_centi,
)

__all__ = ["Encoder", "Level", "side_code"]

Level = tuple[int, int]  # (ticks, centi-contracts)
_SIDES: Final = {"yes": YES, "no": NO}
# what a malformed field may raise while it is turned into an exact number
_BAD: Final = (KalshiError, ValueError, TypeError, OverflowError)
_INT32: Final = 2**31
_INT64: Final = 2**63
_MIN64: Final = -_INT64  # not negated per row: that makes a new big int each time
_PACK_DELTA: Final = DELTA_ROW.pack


def side_code(side: object) -> int | None:
    """``yes``/``no`` to the ``side`` column (0/1); anything else is None."""
    return _SIDES.get(side) if isinstance(side, str) else None


def _price(ticks: int) -> int:
    """A price the ``price`` column (int32) holds and Kalshi can quote: $0 to $1."""
    if not 0 <= ticks <= TICKS_PER_DOLLAR:
        raise ValueError(f"a price of {ticks} ticks is outside $0..$1")
    return ticks


def _size(centi: int) -> int:
    if not -_INT64 < centi < _INT64:
        raise ValueError(f"a size of {centi} centi-contracts does not fit the tape")
    return centi


def _int(value: object, bound: int) -> int | None:
    """A sid, seq or time the tape can hold; anything else (a hostile number) is null."""
    return value if type(value) is int and -bound < value < bound else None


def _ticks(dollars: object, cents: object = None) -> int | None:
    """A ``*_dollars`` string (else January cents) in ticks; None when absent."""
    if isinstance(dollars, str):
        return _price(cached_dollars_to_ticks(dollars))
    if dollars is not None:
        raise TypeError(f"a price must be a string, got {dollars!r}")
    return None if cents is None else _price(cents_to_ticks(cents))  # type: ignore[arg-type]


def _centi(fp: object, count: object = None, *, total: bool = False) -> int | None:
    """A ``*_fp`` count (else a January integer count) in centi-contracts; None when absent.
    A running ``total`` (volume, open interest) rarely repeats: it is parsed, not memoized,
    so it cannot fill the stream's shared memo and crowd out the sizes that do repeat."""
    if isinstance(fp, str):
        return _size(fp_to_centi(fp) if total else cached_fp_to_centi(fp))
    if fp is not None:
        raise TypeError(f"a count must be a string, got {fp!r}")
    if count is None:
        return None
    if type(count) is not int:
        raise TypeError(f"a count must be an int, got {count!r}")
    return _size(count * 100)


def _ts_ms(ts_ms: object, ts_s: object) -> int | None:
    if type(ts_ms) is int:
        return _int(ts_ms, _INT64)
    return _int(ts_s * 1000, _INT64) if type(ts_s) is int else None


class Encoder:
    """Turns messages into rows; ``n`` counts the messages written (one per message)."""

    __slots__ = ("n", "skipped")

    def __init__(self) -> None:
        self.n = 0
        self.skipped = 0

    def _next(self) -> int:
        self.n += 1
        return self.n

    # --- book ---------------------------------------------------------------------------------

    def book(
        self, rows: Rows, recv_ns: int, kind: str, ticker: str,
        yes: Iterable[Level], no: Iterable[Level], *, sid: int | None = None,
        seq: int | None = None, text: str | None = None,
    ) -> int:  # fmt: skip
        """A whole book (``snapshot`` or ``check``): one row per level, one ``n``; rows written."""
        n = self._next()
        market = rows.ticker_id(ticker)
        levels = rows.levels
        count = len(levels)
        for side, book_side in ((YES, yes), (NO, no)):
            for price, size in book_side:
                levels.append((recv_ns, n, kind, market, sid, seq, side, price, size, text))
        if len(levels) == count:  # an empty book is still a book: one row with no level
            levels.append((recv_ns, n, kind, market, sid, seq, None, None, None, text))
        return len(levels) - count

    def snapshot(self, rows: Rows, recv_ns: int, frame: SnapshotFrame) -> int:
        """An ``orderbook_snapshot`` frame; 0 rows when its levels cannot be read exactly."""
        msg = frame.msg
        try:
            yes, no = _checked(msg.yes_levels()), _checked(msg.no_levels())
        except _BAD:
            self.skipped += 1
            return 0
        return self.book(rows, recv_ns, "snapshot", msg.market_ticker, yes, no,
                         sid=_int(frame.sid, _INT32), seq=_int(frame.seq, _INT64))  # fmt: skip

    def delta(self, rows: Rows, recv_ns: int, frame: DeltaFrame) -> int:
        """The hot path (most of a feed): one tuple into the buffer's deltas."""
        msg = frame.msg
        # the stream's memos first (one dict lookup each), as Protocol does; misses parse
        price = TICKS_MEMO.get(msg.price_dollars)  # type: ignore[arg-type]
        size = CENTI_MEMO.get(msg.delta_fp)  # type: ignore[arg-type]
        side = _SIDES.get(msg.side)
        sid, seq, ts_ms = frame.sid, frame.seq, msg.ts_ms
        if (
            price is None or size is None or side is None
            or not 0 <= price <= TICKS_PER_DOLLAR or not _MIN64 < size < _INT64
            or not 0 <= sid < _INT32 or not 0 <= seq < _INT64
            or ts_ms is None or not _MIN64 < ts_ms < _INT64
        ):  # fmt: skip
            return self._odd_delta(rows, recv_ns, frame)
        self.n = n = self.n + 1
        ticker = rows.ticker_ids.get(msg.market_ticker)
        if ticker is None:
            ticker = rows.ticker_id(msg.market_ticker)
        rows.deltas += _PACK_DELTA(recv_ns, n, ticker, ts_ms, sid, seq, side, price, size)
        return 1

    def _odd_delta(self, rows: Rows, recv_ns: int, frame: DeltaFrame) -> int:
        """A delta off the memos or out of range: parsed exactly, or skipped; a sid, seq or
        time the tape cannot hold is written as null."""
        msg = frame.msg
        side = _SIDES.get(msg.side)
        try:
            price, size = _price(msg.price_ticks()), _size(msg.delta_centi())
        except _BAD:
            side = None
        if side is None:
            self.skipped += 1
            return 0
        rows.add(recv_ns, self._next(), "delta", msg.market_ticker,
                 ts_ms=_int(msg.ts_ms, _INT64), sid=_int(frame.sid, _INT32),
                 seq=_int(frame.seq, _INT64), side=side, price=price, size=size)  # fmt: skip
        return 1

    def reset(self, rows: Rows, recv_ns: int, ticker: str, why: str) -> int:
        rows.add(recv_ns, self._next(), "reset", ticker, text=why)
        return 1

    # --- market data --------------------------------------------------------------------------

    def trade(self, rows: Rows, recv_ns: int, msg: TradeMsg, sid: int | None = None) -> int:
        try:
            price, size = _ticks(msg.yes_price_dollars), _centi(msg.count_fp)
        except _BAD:
            self.skipped += 1
            return 0
        rows.trades.append((
            recv_ns, self._next(), rows.ticker_id(msg.market_ticker),
            _ts_ms(msg.ts_ms, msg.ts), _int(sid, _INT32), side_code(msg.taker_outcome_side),
            price, size, _text(msg.trade_id),
        ))  # fmt: skip
        return 1

    def ticker(self, rows: Rows, recv_ns: int, msg: TickerMsg, sid: int | None = None) -> int:
        try:
            price = _ticks(msg.price_dollars, msg.price_cents)
            bid = _ticks(msg.yes_bid_dollars, msg.yes_bid_cents)
            ask = _ticks(msg.yes_ask_dollars, msg.yes_ask_cents)
            volume = _centi(msg.volume_fp, msg.volume_int, total=True)
            interest = _centi(msg.open_interest_fp, msg.open_interest_int, total=True)
        except _BAD:
            self.skipped += 1
            return 0
        rows.quotes.append((
            recv_ns, self._next(), rows.ticker_id(msg.market_ticker),
            _ts_ms(msg.ts_ms, msg.ts), _int(sid, _INT32), price, bid, ask, volume, interest,
        ))  # fmt: skip
        return 1

    def lifecycle(
        self, rows: Rows, recv_ns: int, msg: MarketLifecycleMsg, sid: int | None = None
    ) -> int:
        try:
            price = _ticks(msg.settlement_value)
        except _BAD:
            price = None  # the event itself still matters: keep it, without the value
        rows.add(recv_ns, self._next(), "lifecycle", msg.market_ticker,
                 ts_ms=_lifecycle_ms(msg), sid=_int(sid, _INT32), price=price,
                 text=_text(msg.event_type))  # fmt: skip
        return 1


def _checked(levels: list[Level]) -> list[Level]:
    for price, size in levels:
        _price(price)
        _size(size)
    return levels


def _lifecycle_ms(msg: MarketLifecycleMsg) -> int | None:
    """The time the event is about, when it carries one (Unix seconds on the wire)."""
    for seconds in (msg.settled_ts, msg.determination_ts, msg.open_ts):
        if type(seconds) is int:
            return _int(seconds * 1000, _INT64)
    return None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None
