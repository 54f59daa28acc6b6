"""kalshikit.models.stream: the typed WebSocket frames and their decoder. No I/O here.

What the Kalshi WebSocket sends (kalshi-websocket.md sections 2-4, the AsyncAPI spec): one
envelope struct per frame ``type`` (``SnapshotFrame`` ... ``ErrorFrame``), tagged on ``type`` so a
single msgspec decoder picks the class; the ``msg`` payloads live in :mod:`._stream_msgs`
(data) and :mod:`._stream_events` (lifecycle, communications, replies).
A frame whose type is unknown becomes an :class:`UnknownFrame` holding the raw object: surfaced,
never dropped. :class:`FrameDecoder` tries the typed decode first and, when that fails, reads
the frame as plain JSON to tell an unknown type from numbers sent unquoted (accepted, exactly)
from bad data (:class:`~kalshikit.errors.APIResponseError`). :func:`as_record` turns a frame
into a JSON-ready dict with every unit converted and named, for ``--json`` output.
"""

from __future__ import annotations

import functools
from decimal import Decimal
from typing import Any, Final, TypeAlias, get_args

import msgspec
import msgspec.inspect as mi

from kalshikit.errors import APIResponseError, ValidationError
from kalshikit.models._stream_events import (
    EVENT_RECORD_UNITS,
    ErrorMsg,
    EventFeeUpdateMsg,
    EventLifecycleMsg,
    LifecycleMetadata,
    MarketLifecycleMsg,
    QuoteExecutedMsg,
    QuoteMsg,
    RfqMsg,
    SubscribedMsg,
)
from kalshikit.models._stream_index import (
    CfBenchmarksIndexListMsg,
    CfBenchmarksValueMsg,
    IndexAverage,
    PythUnderlyingListMsg,
    PythValueMsg,
)
from kalshikit.models._stream_msgs import (
    RECORD_UNITS,
    DeltaMsg,
    FillMsg,
    OrderGroupMsg,
    PositionMsg,
    SnapshotMsg,
    TickerMsg,
    TradeMsg,
    Units,
    UserOrderMsg,
)
from kalshikit.units import Contracts, Price, centi_to_fp, format_money, ticks_to_dollars

__all__ = [
    "SEQUENCED_TYPES",
    "AnyFrame",
    "CfBenchmarksIndexListFrame",
    "CfBenchmarksIndexListMsg",
    "CfBenchmarksValueFrame",
    "CfBenchmarksValueMsg",
    "DeltaFrame",
    "DeltaMsg",
    "ErrorFrame",
    "ErrorMsg",
    "EventFeeUpdateFrame",
    "EventFeeUpdateMsg",
    "EventLifecycleFrame",
    "EventLifecycleMsg",
    "FillFrame",
    "FillMsg",
    "FrameDecoder",
    "IndexAverage",
    "LifecycleMetadata",
    "MarketLifecycleFrame",
    "MarketLifecycleMsg",
    "MultivariateLifecycleFrame",
    "OkFrame",
    "OrderGroupFrame",
    "OrderGroupMsg",
    "PositionFrame",
    "PositionMsg",
    "PythUnderlyingListFrame",
    "PythUnderlyingListMsg",
    "PythValueFrame",
    "PythValueMsg",
    "QuoteAcceptedFrame",
    "QuoteCreatedFrame",
    "QuoteExecutedFrame",
    "QuoteExecutedMsg",
    "QuoteMsg",
    "RfqCreatedFrame",
    "RfqDeletedFrame",
    "RfqMsg",
    "SnapshotFrame",
    "SnapshotMsg",
    "StreamFrame",
    "SubscribedFrame",
    "SubscribedMsg",
    "TickerFrame",
    "TickerMsg",
    "TradeFrame",
    "TradeMsg",
    "UnknownFrame",
    "UnsubscribedFrame",
    "UserOrderFrame",
    "UserOrderMsg",
    "as_record",
    "decode_frame",
]


# --- envelopes --------------------------------------------------------------------------------


class _Frame(msgspec.Struct, tag_field="type", kw_only=True, gc=False):
    """Tagged on ``type``; ``gc=False`` where the payload holds only scalars (set per frame)."""


class _Data(_Frame, kw_only=True):
    """A channel message: ``sid`` always; ``seq`` on the channels that sequence (section 4)."""

    sid: int
    seq: int | None = None


class SnapshotFrame(_Frame, tag="orderbook_snapshot", kw_only=True):
    """A whole book; ``id`` is set only when it answers a ``get_snapshot`` command."""

    sid: int
    seq: int
    msg: SnapshotMsg
    id: int | None = None


class DeltaFrame(_Frame, tag="orderbook_delta", kw_only=True):
    sid: int
    seq: int
    msg: DeltaMsg


class TickerFrame(_Data, tag="ticker", kw_only=True):
    msg: TickerMsg


class TradeFrame(_Data, tag="trade", kw_only=True):
    msg: TradeMsg


class FillFrame(_Data, tag="fill", kw_only=True):
    msg: FillMsg


class PositionFrame(_Data, tag="market_position", kw_only=True):
    msg: PositionMsg


class UserOrderFrame(_Data, tag="user_order", kw_only=True):
    msg: UserOrderMsg


class MarketLifecycleFrame(_Data, tag="market_lifecycle_v2", kw_only=True, gc=True):
    msg: MarketLifecycleMsg


class MultivariateLifecycleFrame(_Data, tag="multivariate_market_lifecycle", kw_only=True, gc=True):
    msg: MarketLifecycleMsg


class EventLifecycleFrame(_Data, tag="event_lifecycle", kw_only=True):
    msg: EventLifecycleMsg


class EventFeeUpdateFrame(_Data, tag="event_fee_update", kw_only=True):
    msg: EventFeeUpdateMsg


class OrderGroupFrame(_Data, tag="order_group_updates", kw_only=True):
    msg: OrderGroupMsg


class RfqCreatedFrame(_Data, tag="rfq_created", kw_only=True, gc=True):
    msg: RfqMsg


class RfqDeletedFrame(_Data, tag="rfq_deleted", kw_only=True, gc=True):
    msg: RfqMsg


class QuoteCreatedFrame(_Data, tag="quote_created", kw_only=True):
    msg: QuoteMsg


class QuoteAcceptedFrame(_Data, tag="quote_accepted", kw_only=True):
    msg: QuoteMsg


class QuoteExecutedFrame(_Data, tag="quote_executed", kw_only=True):
    msg: QuoteExecutedMsg


class CfBenchmarksValueFrame(_Data, tag="cfbenchmarks_value", kw_only=True, gc=True):
    msg: CfBenchmarksValueMsg


class CfBenchmarksIndexListFrame(_Data, tag="cfbenchmarks_value_indexlist", kw_only=True, gc=True):
    """The answer to an ``indexlist`` action (``id`` echoes the command)."""

    msg: CfBenchmarksIndexListMsg
    id: int | None = None


class PythValueFrame(_Data, tag="pyth_value", kw_only=True):
    msg: PythValueMsg


class PythUnderlyingListFrame(_Data, tag="pyth_value_underlying_list", kw_only=True, gc=True):
    """The answer to an ``underlying_list`` action (``id`` echoes the command)."""

    msg: PythUnderlyingListMsg
    id: int | None = None


class _Reply(_Frame, kw_only=True):
    """A command reply: ``id`` echoes the command; ``sid``/``seq`` when scoped to a subscription."""

    id: int | None = None
    sid: int | None = None
    seq: int | None = None


class SubscribedFrame(_Reply, tag="subscribed", kw_only=True):
    """The new sid is ``msg.sid`` (old servers sent no ``msg``)."""

    msg: SubscribedMsg | None = None


class UnsubscribedFrame(_Reply, tag="unsubscribed", kw_only=True):
    pass


class OkFrame(_Reply, tag="ok", kw_only=True, gc=True):
    """``msg``: {market_tickers, market_ids} after an update, or a list of {channel, sid} for
    ``list_subscriptions``; absent with ``skip_ticker_ack``."""

    msg: Any = None


class ErrorFrame(_Reply, tag="error", kw_only=True):
    msg: ErrorMsg


class UnknownFrame(msgspec.Struct, kw_only=True):
    """A frame of a type this version does not know; ``raw`` is the whole decoded object."""

    type: str
    raw: dict[str, Any]
    sid: int | None = None
    seq: int | None = None
    id: int | None = None


StreamFrame: TypeAlias = (
    SnapshotFrame
    | DeltaFrame
    | TickerFrame
    | TradeFrame
    | FillFrame
    | PositionFrame
    | UserOrderFrame
    | MarketLifecycleFrame
    | MultivariateLifecycleFrame
    | EventLifecycleFrame
    | EventFeeUpdateFrame
    | OrderGroupFrame
    | RfqCreatedFrame
    | RfqDeletedFrame
    | QuoteCreatedFrame
    | QuoteAcceptedFrame
    | QuoteExecutedFrame
    | CfBenchmarksValueFrame
    | CfBenchmarksIndexListFrame
    | PythValueFrame
    | PythUnderlyingListFrame
    | SubscribedFrame
    | UnsubscribedFrame
    | OkFrame
    | ErrorFrame
)
AnyFrame: TypeAlias = StreamFrame | UnknownFrame

_BY_TYPE: Final[dict[str, type[msgspec.Struct]]] = {
    str(cls.__struct_config__.tag): cls for cls in get_args(StreamFrame)
}

SEQUENCED_TYPES: Final[frozenset[type[msgspec.Struct]]] = frozenset(
    {
        SnapshotFrame, DeltaFrame, TradeFrame, MarketLifecycleFrame, MultivariateLifecycleFrame,
        EventLifecycleFrame, EventFeeUpdateFrame, OrderGroupFrame, RfqCreatedFrame,
        RfqDeletedFrame, QuoteCreatedFrame, QuoteAcceptedFrame, QuoteExecutedFrame,
        CfBenchmarksValueFrame, CfBenchmarksIndexListFrame, PythValueFrame,
        PythUnderlyingListFrame, UnsubscribedFrame, OkFrame, ErrorFrame,
    }
)  # fmt: skip
"""Frame classes that carry ``seq`` per sid (section 4); on ``ok`` and ``error`` only when the
reply is scoped to a subscription. ``ticker``, ``fill``, ``market_position``, ``user_order`` and
``subscribed`` never do: their loss cannot be seen in-band."""


# --- decoding ----------------------------------------------------------------------------------


class FrameDecoder:
    """Bytes or text from the socket to a frame. One typed decode on the hot path; on failure a
    slow path that tells an unknown type, unquoted numbers and bad data apart."""

    __slots__ = ("_loose", "typed")

    def __init__(self) -> None:
        # float_hook keeps numbers in untyped places (``OkFrame.msg``, strikes) exact
        self.typed: msgspec.json.Decoder[StreamFrame]
        self.typed = msgspec.json.Decoder(StreamFrame, float_hook=Decimal)
        self._loose = msgspec.json.Decoder(float_hook=Decimal)

    def decode(self, raw: bytes | str) -> AnyFrame:
        """One frame; raises :class:`~kalshikit.errors.APIResponseError` for bad data."""
        try:
            return self.typed.decode(raw)
        except msgspec.DecodeError:  # ValidationError is a DecodeError too
            return self._slow(raw)

    def _slow(self, raw: bytes | str) -> AnyFrame:
        try:
            obj = self._loose.decode(raw)
        except msgspec.DecodeError as error:
            raise _bad(raw, f"a WebSocket frame that is not JSON ({error})") from None
        kind = obj.get("type") if isinstance(obj, dict) else None
        if not isinstance(kind, str):
            raise _bad(raw, "a WebSocket frame that is not an object with a string 'type'")
        cls = _BY_TYPE.get(kind)
        if cls is None:
            return UnknownFrame(
                type=kind, raw=obj, sid=_int(obj, "sid"), seq=_int(obj, "seq"), id=_int(obj, "id")
            )
        try:
            frame: StreamFrame = msgspec.convert(_quote(obj, _type_info(cls)), StreamFrame)
        except msgspec.ValidationError as error:
            raise _bad(raw, f"a bad {kind!r} frame: {error}") from None
        return frame


_DEFAULT_DECODER: Final = FrameDecoder()


def decode_frame(raw: bytes | str) -> AnyFrame:
    """:meth:`FrameDecoder.decode` with a shared decoder."""
    return _DEFAULT_DECODER.decode(raw)


def _bad(raw: bytes | str, problem: str) -> APIResponseError:
    body = raw.encode() if isinstance(raw, str) else bytes(raw)
    shown = body[:200].decode("utf-8", "replace")
    return APIResponseError(f"the server sent {problem}: {shown}", body=body)


def _int(obj: dict[str, Any], key: str) -> int | None:
    value = obj.get(key)
    return value if type(value) is int else None


@functools.cache
def _type_info(cls: type[msgspec.Struct]) -> mi.Type:
    return mi.type_info(cls)


def _number_text(value: int | Decimal) -> str:
    return format(value, "f") if isinstance(value, Decimal) else str(value)


def _quote(value: Any, info: mi.Type) -> Any:
    """``value`` with each number that sits where only a string fits turned into its exact text."""
    members = info.types if isinstance(info, mi.UnionType) else (info,)
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        kinds = {type(member) for member in members}
        if mi.DecimalType in kinds or (type(value) is int and mi.IntType in kinds):
            return value
        return _number_text(value) if mi.StrType in kinds else value
    for member in members:
        if isinstance(value, dict) and isinstance(member, mi.StructType):
            fields = {f.encode_name: f.type for f in member.fields}
            return {k: _quote(v, fields[k]) if k in fields else v for k, v in value.items()}
        if isinstance(value, list) and isinstance(member, mi.ListType):
            return [_quote(item, member.item_type) for item in value]
        if isinstance(value, list) and isinstance(member, mi.TupleType):
            return [_quote(v, t) for v, t in zip(value, member.item_types, strict=False)]
    return value


# --- records ------------------------------------------------------------------------------------


def as_record(frame: AnyFrame) -> dict[str, Any]:
    """A JSON-ready dict: ``type``, ``sid``, ``seq`` (and ``id`` when set), then the payload's
    fields with units converted and named: prices ``*_dollars`` (4 decimals), counts
    ``*_contracts`` (2 decimals), money ``*_dollars`` (4 decimals, 6 when finer), Unix-second
    ``ts``/``*_ts`` as ``*_ms``. January frames give the same record as current frames of the
    same data; an unknown frame gives its ``raw`` object."""
    if type(frame) is UnknownFrame:
        header = {"type": frame.type, "sid": frame.sid, "seq": frame.seq}
        return header | _id(frame.id) | {"raw": msgspec.to_builtins(frame.raw)}
    record: dict[str, Any] = {"type": type(frame).__struct_config__.tag, "sid": frame.sid}
    record |= {"seq": frame.seq} | _id(getattr(frame, "id", None))
    msg = getattr(frame, "msg", None)
    if isinstance(msg, msgspec.Struct):
        record |= _msg_record(msg)
    elif msg is not None:
        record["msg"] = msgspec.to_builtins(msg)
    return record


_RECORD_UNITS: Final[Units] = RECORD_UNITS | EVENT_RECORD_UNITS


def _id(value: int | None) -> dict[str, Any]:
    return {} if value is None else {"id": value}


def _msg_record(msg: msgspec.Struct) -> dict[str, Any]:
    units = _RECORD_UNITS.get(type(msg), ())
    replaced = {key for _, _, keys in units for key in keys}
    wire: dict[str, Any] = msgspec.to_builtins(msg)
    record = {k: v for k, v in wire.items() if v is not None and k not in replaced}
    for key, attribute, _ in units:
        value = getattr(msg, attribute)
        value = value() if callable(value) else value
        if value is not None:
            record[key] = _render(value)
    for key in [
        k for k, v in record.items() if (k == "ts" or k.endswith("_ts")) and type(v) is int
    ]:
        seconds = record.pop(key)
        record.setdefault(f"{key}_ms", seconds * 1000)
    return record


def _render(value: Price | Contracts | Decimal | list[tuple[int, int]]) -> Any:
    if isinstance(value, Price | Contracts):
        return value.to_wire()
    if isinstance(value, Decimal):
        return _money_text(value)
    return [[ticks_to_dollars(ticks), centi_to_fp(centi)] for ticks, centi in value]


def _money_text(value: Decimal) -> str:
    """Dollars with 4 decimals, or 6 when the amount is finer (never rounded)."""
    try:
        return format_money(value, 4)
    except ValidationError:
        return format_money(value, 6)
