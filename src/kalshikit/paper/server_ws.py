"""The paper server's WebSocket: the private channels from the paper engine, the public ones
relayed from the source.

``fill``, ``user_orders`` and ``market_positions`` are served from the engine's events for the
caller's account (its ``KALSHI-ACCESS-KEY``) in the wire's frames: ``fill``, ``user_order``,
``market_position``, unsequenced as on the real stream, after a ``subscribed`` ack naming the
channel and its sid. ``orderbook_delta``, ``ticker``, ``trade`` and ``market_lifecycle_v2`` come
from the server's one upstream stream (``relay``), re-sequenced per client subscription. Other
channels (order groups, RFQs, indices) are not part of paper trading: error 8 says so.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Final

import msgspec
from starlette.websockets import WebSocket, WebSocketDisconnect

from kalshikit.auth import HEADER_KEY
from kalshikit.models.base import to_wire_builtins
from kalshikit.models.stream import FillMsg, PositionMsg, UserOrderMsg
from kalshikit.paper.relay import PUBLIC_CHANNELS, PublicRelay, PublicSub
from kalshikit.paper.service import PaperService
from kalshikit.paper.wire import PaperEvent

__all__ = ["PRIVATE_CHANNELS", "PaperSocket"]

PRIVATE_CHANNELS: Final = {"fill": "fill", "user_orders": "user_order",
                           "market_positions": "market_position"}  # fmt: skip
_CHANNEL_OF: Final = {FillMsg: "fill", UserOrderMsg: "user_orders", PositionMsg: "market_positions"}
_log = logging.getLogger(__name__)


def _frame(
    kind: str, *, cmd_id: Any = None, sid: Any = None, seq: Any = None, msg: Any = None
) -> bytes:
    """One frame out; absent parts are left out, as the real stream leaves them."""
    frame: dict[str, Any] = {"id": cmd_id, "type": kind, "sid": sid, "seq": seq, "msg": msg}
    return msgspec.json.encode({k: v for k, v in frame.items() if v is not None})


def _error(cmd_id: Any, code: int, text: str) -> bytes:
    return _frame("error", cmd_id=cmd_id, msg={"code": code, "msg": text})


def _ticker_of(msg: FillMsg | UserOrderMsg | PositionMsg) -> str:
    return msg.ticker if isinstance(msg, UserOrderMsg) else msg.market_ticker


def _tickers(params: dict[str, Any]) -> set[str] | None:
    many, one = params.get("market_tickers"), params.get("market_ticker")
    if isinstance(many, list):
        return {str(t) for t in many}
    return {str(one)} if isinstance(one, str) else None


def _sid_of(params: dict[str, Any]) -> Any:
    sids = params.get("sids")
    return params.get("sid", sids[0] if isinstance(sids, list) and sids else None)


class PaperSocket:
    """One client connection: its private subscriptions and its public relay."""

    def __init__(self, ws: WebSocket, service: PaperService) -> None:
        self.ws, self.service = ws, service
        self.account = ws.headers.get(HEADER_KEY, "").strip()
        self.private: dict[int, tuple[str, set[str] | None]] = {}
        self.outbox: asyncio.Queue[bytes] = asyncio.Queue()
        self.relay = PublicRelay(service.upstream, self.outbox.put_nowait)
        self._next_sid = 1

    async def run(self) -> None:
        if not self.account:  # refused, as the real API refuses an unsigned upgrade
            await self.ws.close(code=1008, reason=f"the {HEADER_KEY} header is required")
            return
        await self.ws.accept()
        self.service.account(self.account)
        self.service.listeners.append(self._on_events)
        sender = asyncio.create_task(self._send_loop())
        try:
            while True:
                await self._command(await self.ws.receive_text())
        except WebSocketDisconnect:
            pass
        finally:
            self.service.listeners.remove(self._on_events)
            self.relay.close_all()
            sender.cancel()

    async def _send_loop(self) -> None:
        while True:
            await self.ws.send_text((await self.outbox.get()).decode())

    def _new_sid(self) -> int:
        self._next_sid += 1
        return self._next_sid - 1

    # --- private channels -----------------------------------------------------------------

    def _on_events(self, events: list[PaperEvent]) -> None:
        for _, account, msg in events:
            if account != self.account:
                continue
            channel, ticker = _CHANNEL_OF[type(msg)], _ticker_of(msg)
            for sid, (subscribed, tickers) in self.private.items():
                if subscribed == channel and (tickers is None or ticker in tickers):
                    body = to_wire_builtins(msg)
                    self.outbox.put_nowait(_frame(PRIVATE_CHANNELS[channel], sid=sid, msg=body))

    # --- commands -------------------------------------------------------------------------

    async def _command(self, text: str) -> None:
        try:
            command = msgspec.json.decode(text)
        except msgspec.DecodeError:
            command = None
        if not isinstance(command, dict):
            self.outbox.put_nowait(_error(None, 1, "Unable to process message"))
            return
        cmd_id, params = command.get("id"), command.get("params")
        params = params if isinstance(params, dict) else {}
        name = command.get("cmd")
        try:
            if name == "subscribe":
                await self._subscribe(cmd_id, params)
            elif name == "unsubscribe":
                self._unsubscribe(cmd_id, params)
            elif name == "update_subscription":
                await self._update(cmd_id, params)
            elif name == "list_subscriptions":
                self.outbox.put_nowait(_frame("ok", cmd_id=cmd_id, msg=self._listing()))
            else:
                self.outbox.put_nowait(_error(cmd_id, 5, "Unknown command"))
        except Exception as exc:  # the source's stream failed: say so, keep the connection
            _log.warning("paper stream command failed: %r", exc)
            self.outbox.put_nowait(_error(cmd_id, 1, f"the source's stream failed: {exc}"))

    async def _subscribe(self, cmd_id: Any, params: dict[str, Any]) -> None:
        channels = params.get("channels")
        if not isinstance(channels, list) or not channels:
            self.outbox.put_nowait(_error(cmd_id, 3, "Channels required"))
            return
        unknown = [c for c in channels if c not in PRIVATE_CHANNELS and c not in PUBLIC_CHANNELS]
        if unknown:
            text = f"Unknown channel name: {unknown[0]} (not part of paper trading)"
            self.outbox.put_nowait(_error(cmd_id, 8, text))
            return
        tickers = _tickers(params)
        for channel in channels:
            sid = self._new_sid()
            reply = {"channel": channel, "sid": sid}
            self.outbox.put_nowait(_frame("subscribed", cmd_id=cmd_id, msg=reply))
            if channel in PRIVATE_CHANNELS:
                self.private[sid] = (channel, tickers)
            else:
                await self.relay.open(
                    PublicSub(sid, channel, None if tickers is None else set(tickers))
                )
        if tickers and any(c in PUBLIC_CHANNELS for c in channels):
            await self.service.follow(tickers)  # a book watched here may soon be traded on

    def _unsubscribe(self, cmd_id: Any, params: dict[str, Any]) -> None:
        sids = params.get("sids")
        for sid in sids if isinstance(sids, list) else []:
            if sid in self.private:
                del self.private[sid]
                self.outbox.put_nowait(_frame("unsubscribed", cmd_id=cmd_id, sid=sid))
            elif sid in self.relay.subs:
                seq = self.relay.close(sid)
                self.outbox.put_nowait(_frame("unsubscribed", cmd_id=cmd_id, sid=sid, seq=seq))
            else:
                self.outbox.put_nowait(_error(cmd_id, 7, "Unknown subscription ID"))

    async def _update(self, cmd_id: Any, params: dict[str, Any]) -> None:
        sid, action = _sid_of(params), params.get("action")
        named = _tickers(params) or set()
        if action not in ("add_markets", "delete_markets", "get_snapshot"):
            self.outbox.put_nowait(_error(cmd_id, 13, "Unsupported action"))
        elif sid in self.relay.subs:
            ack = await self.relay.update(sid, action, named)
            if ack is not None:
                self.outbox.put_nowait(_frame("ok", cmd_id=cmd_id, **ack))
            if action == "add_markets" and named:
                await self.service.follow(named)
        elif sid in self.private and action != "get_snapshot":
            channel, tickers = self.private[sid]
            if tickers is not None:
                tickers = tickers | named if action == "add_markets" else tickers - named
            self.private[sid] = (channel, tickers)
            ack = None if tickers is None else {"market_tickers": sorted(tickers)}
            self.outbox.put_nowait(_frame("ok", cmd_id=cmd_id, sid=sid, msg=ack))
        else:
            self.outbox.put_nowait(_error(cmd_id, 7, "Unknown subscription ID"))

    def _listing(self) -> list[dict[str, Any]]:
        mine = [(sid, channel) for sid, (channel, _) in self.private.items()]
        mine += [(sid, sub.channel) for sid, sub in self.relay.subs.items()]
        return [{"channel": channel, "sid": sid} for sid, channel in sorted(mine)]
