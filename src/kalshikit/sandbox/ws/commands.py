"""The sandbox WebSocket commands: a client frame in, a typed command or a refusal out.

No I/O and no state here (``feeds`` runs the commands). Each refusal carries the code
kalshi-websocket.md section 2 gives it: 1 not JSON / not an object / bad ``id``, ``cmd`` or
``params`` type; 2 no params; 3 no channels; 4 no sids; 5 unknown command; 8 unknown channel;
11 a malformed parameter; 12 not exactly one sid; 13 an action the channel cannot take; 14 no
market given where one is needed; 15 no action; 24 / 28 no ``index_ids`` / ``underlying_tickers``
for an action that needs them.
Codes that need a connection's state come later: 7 and market-level 11 from ``_ws_session``,
25 (buffer overflow) from ``_ws_registry``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, TypeAlias, TypeGuard

import msgspec

__all__ = [
    "CHANNELS",
    "NAMED",
    "PRIVATE",
    "SEQUENCED",
    "Command",
    "CommandError",
    "ListSubscriptions",
    "Markets",
    "Msg",
    "Subscribe",
    "Unsubscribe",
    "UpdateSubscription",
    "check_update",
    "parse_command",
]


Msg: TypeAlias = dict[str, object]

# Served channels: every one of the AsyncAPI spec (``communications``: comms_frames).
CHANNELS: Final = frozenset({
    "orderbook_delta", "ticker", "trade", "fill", "market_positions", "market_lifecycle_v2",
    "order_group_updates", "user_orders", "communications", "multivariate_market_lifecycle",
    "cfbenchmarks_value", "pyth_value",
})  # fmt: skip
SEQUENCED: Final = frozenset({
    "orderbook_delta", "trade", "market_lifecycle_v2", "order_group_updates", "communications",
    "multivariate_market_lifecycle", "cfbenchmarks_value", "pyth_value",
})  # fmt: skip
# The channels that select by name rather than by market: (the parameter, its actions as
# add / remove / list, the error code of a missing list).
NAMED: Final = {
    "cfbenchmarks_value": (
        "index_ids", ("subscribe_indices", "unsubscribe_indices", "indexlist"), 24
    ),
    "pyth_value": (
        "underlying_tickers", ("subscribe_underlyings", "unsubscribe_underlyings",
                               "underlying_list"), 28,
    ),
}  # fmt: skip
PRIVATE: Final = frozenset(
    {"fill", "market_positions", "user_orders", "order_group_updates", "communications"}
)
_MARKET_EDITS: Final = frozenset({"orderbook_delta", "ticker", "fill", "user_orders"})
_ACTIONS: Final = frozenset(
    {"add_markets", "delete_markets", "get_snapshot"}.union(*(a for _, a, _ in NAMED.values()))
)

_NAMED_ACTIONS: Final = frozenset().union(*(a for _, a, _ in NAMED.values()))

_NAMES: Final = {
    1: "Unable to process message", 2: "Params required", 3: "Channels required",
    4: "Subscription IDs required", 5: "Unknown command", 7: "Unknown subscription ID",
    8: "Unknown channel name", 9: "Authentication required", 11: "Invalid parameter",
    12: "Exactly one subscription ID is required", 13: "Unsupported action",
    14: "Market Ticker required", 15: "Action required", 24: "Index IDs required",
    25: "Subscription buffer overflow", 28: "Underlying tickers required",
}  # fmt: skip


class CommandError(Exception):
    """A refused command: ``code`` from the reference, plus what exactly was wrong."""

    def __init__(
        self, code: int, detail: str = "", *, sid: int | None = None, ticker: str | None = None
    ) -> None:
        super().__init__(detail)
        self.code, self.detail, self.sid, self.ticker = code, detail, sid, ticker
        self.cmd_id: int | None = None

    def msg(self) -> Msg:
        text = _NAMES[self.code] + (f": {self.detail}" if self.detail else "")
        msg: Msg = {"code": self.code, "msg": text}
        if self.ticker is not None:
            msg["market_ticker"] = self.ticker
        return msg


# --- commands in ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Markets:
    """The markets a command names: by ticker, by id, or neither (None, None)."""

    tickers: tuple[str, ...] | None = None
    ids: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class Subscribe:
    id: int
    channels: tuple[str, ...]
    markets: Markets
    send_initial_snapshot: bool
    skip_ticker_ack: bool
    use_yes_price: bool
    names: dict[str, tuple[str, ...]]  # index_ids / underlying_tickers given, by parameter
    own_only: bool = False  # communications' user_filter "self": only your own RFQs


@dataclass(frozen=True, slots=True)
class Unsubscribe:
    id: int
    sids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ListSubscriptions:
    id: int


@dataclass(frozen=True, slots=True)
class UpdateSubscription:
    id: int
    sid: int
    action: str
    markets: Markets
    send_initial_snapshot: bool
    names: tuple[str, ...] | None = None  # index_ids or underlying_tickers


Command: TypeAlias = Subscribe | Unsubscribe | ListSubscriptions | UpdateSubscription


def parse_command(raw: str | bytes) -> Command:
    """One client frame as a command, or a :class:`CommandError` carrying the command's id."""
    try:
        frame = msgspec.json.decode(raw)
    except msgspec.DecodeError:
        raise CommandError(1, "the frame is not JSON") from None
    except RecursionError:
        # deeper than any command nests: a refusal like any malformed frame, not a dead reader
        raise CommandError(1, "the frame is nested too deeply") from None
    if not isinstance(frame, dict):
        raise CommandError(1, "a command is a JSON object")
    cmd_id = frame.get("id", 0)
    if cmd_id is None:
        cmd_id = 0
    if not _is_int(cmd_id) or cmd_id < 0:
        raise CommandError(1, "id must be a non-negative integer")
    try:
        return _command(frame, cmd_id)
    except CommandError as error:
        error.cmd_id = cmd_id
        raise


def _command(frame: dict[str, object], cmd_id: int) -> Command:
    cmd = frame.get("cmd")
    if not isinstance(cmd, str):
        raise CommandError(1, "cmd must be a string")
    if cmd == "list_subscriptions":
        return ListSubscriptions(cmd_id)
    if cmd not in ("subscribe", "unsubscribe", "update_subscription"):
        raise CommandError(5, repr(cmd))
    params = frame.get("params")
    if params is None:
        raise CommandError(2)
    if not isinstance(params, dict):
        raise CommandError(1, "params must be an object")
    if cmd == "subscribe":
        return _subscribe(params, cmd_id)
    if cmd == "unsubscribe":
        return Unsubscribe(cmd_id, _sids(params))
    return _update(params, cmd_id)


def _subscribe(params: dict[str, object], cmd_id: int) -> Subscribe:
    channels = params.get("channels")
    if channels is None or channels == []:
        raise CommandError(3)
    if not isinstance(channels, list) or not all(isinstance(c, str) for c in channels):
        raise CommandError(11, "channels must be a list of channel names")
    for channel in channels:
        if channel not in CHANNELS:
            raise CommandError(8, repr(channel))
    markets = _markets(params)
    names = {}
    for param, _, _ in NAMED.values():
        given = _names(params, "", param) if params.get(param) is not None else None
        if given is not None:
            names[param] = given
    command = Subscribe(
        cmd_id, tuple(dict.fromkeys(channels)), markets, _flag(params, "send_initial_snapshot"),
        _flag(params, "skip_ticker_ack"), _flag(params, "use_yes_price"), names,
        _user_filter(params),
    )  # fmt: skip
    for channel in command.channels:
        _check_markets_for(channel, markets)
    return command


def _user_filter(params: dict[str, object]) -> bool:
    """``user_filter`` (communications): ``"self"`` keeps only your own RFQs' events."""
    value = params.get("user_filter")
    if value not in (None, "", "self"):
        raise CommandError(11, "user_filter takes '' or 'self'")
    return value == "self"


def _check_markets_for(channel: str, markets: Markets) -> None:
    if channel == "orderbook_delta" and markets.tickers is None:
        raise CommandError(14, "orderbook_delta needs market_ticker or market_tickers")
    if markets.ids is not None and channel != "ticker":
        raise CommandError(11, f"market_id(s) select markets on the ticker channel, not {channel}")


def _sids(params: dict[str, object]) -> tuple[int, ...]:
    sids = params.get("sids")
    if sids is None or sids == []:
        raise CommandError(4)
    if not isinstance(sids, list) or not all(_is_int(s) and s > 0 for s in sids):
        raise CommandError(11, "sids must be a list of positive integers")
    return tuple(dict.fromkeys(sids))


def _update(params: dict[str, object], cmd_id: int) -> UpdateSubscription:
    action = params.get("action")
    if action is None:
        raise CommandError(15)
    chosen = _one_sid(params.get("sid"), params.get("sids"))
    if not _is_int(chosen) or chosen <= 0:
        raise CommandError(11, "a sid is a positive integer")
    if not isinstance(action, str) or action not in _ACTIONS:
        raise CommandError(13, repr(action))
    markets = _markets(params)
    named = [param for param, actions, _ in NAMED.values() if action in actions]
    names = None
    if named and params.get(named[0]) is not None:
        names = _names(params, "", named[0])
    return UpdateSubscription(
        cmd_id, chosen, action, markets, _flag(params, "send_initial_snapshot"), names
    )


def check_update(channel: str, update: UpdateSubscription) -> None:
    """Refuse an update the subscription's channel cannot take (13) or that names no market."""
    named = NAMED.get(channel)
    if named is not None:
        _, actions, missing = named
        if update.action not in actions:
            raise CommandError(13, f"{update.action} does not apply to {channel}")
        if update.action != actions[2] and update.names is None:
            raise CommandError(missing, f"{update.action} needs {named[0]}")
        return
    if update.action in _NAMED_ACTIONS:
        raise CommandError(13, f"{update.action} does not apply to {channel}")
    if update.action == "get_snapshot":
        if channel != "orderbook_delta":
            raise CommandError(13, f"get_snapshot works on orderbook_delta, not {channel}")
        if update.markets.tickers is None:
            raise CommandError(14, "get_snapshot needs market_tickers")
    elif channel not in _MARKET_EDITS:
        raise CommandError(13, f"{update.action} does not apply to {channel}")
    elif update.markets.tickers is None and update.markets.ids is None:
        raise CommandError(14, f"{update.action} needs market_ticker(s) or market_id(s)")
    _check_markets_for(channel, update.markets)


def _one_sid(sid: object, sids: object) -> object:
    if sid is not None and sids is None:
        return sid
    if sid is None and isinstance(sids, list) and len(sids) == 1:
        return sids[0]
    raise CommandError(12, "give either sid or sids with exactly one entry")


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _flag(params: dict[str, object], name: str) -> bool:
    value = params.get(name, False)
    if not isinstance(value, bool):
        raise CommandError(11, f"{name} must be true or false")
    return value


def _names(params: dict[str, object], one: str, many: str) -> tuple[str, ...] | None:
    single, several = params.get(one), params.get(many)
    if single is not None and several is not None:
        raise CommandError(11, f"give {one} or {many}, not both")
    if single is not None:
        if not isinstance(single, str) or not single:
            raise CommandError(11, f"{one} must be a non-empty string")
        return (single,)
    if several is None:
        return None
    if not isinstance(several, list) or not several:
        raise CommandError(11, f"{many} must be a non-empty list of strings")
    if not all(isinstance(s, str) and s for s in several):
        raise CommandError(11, f"{many} must be a non-empty list of strings")
    return tuple(dict.fromkeys(several))


def _markets(params: dict[str, object]) -> Markets:
    tickers = _names(params, "market_ticker", "market_tickers")
    ids = _names(params, "market_id", "market_ids")
    if tickers is not None and ids is not None:
        raise CommandError(11, "select markets by ticker or by id, not both")
    return Markets(tickers, ids)
