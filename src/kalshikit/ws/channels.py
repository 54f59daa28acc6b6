"""The typed channel helpers of KalshiWebSocket: ``subscribe``, one channel at a time, typed.

Each helper subscribes to one channel and returns a :class:`Stream` of that channel's message
type (``ticker`` a ``Stream[TickerMsg]``, ...), or of its whole frames with ``frames=True``. They
keep no state and do no I/O of their own: each is a call of ``subscribe``, which
:class:`~kalshikit.ws.client.KalshiWebSocket` (the class that has these helpers) provides.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Literal, overload

from kalshikit.models.stream import (
    FillFrame,
    FillMsg,
    OrderGroupFrame,
    OrderGroupMsg,
    PositionFrame,
    PositionMsg,
    TickerFrame,
    TickerMsg,
    TradeFrame,
    TradeMsg,
    UserOrderFrame,
    UserOrderMsg,
)
from kalshikit.ws._types import LifecycleFrame, LifecycleMsg
from kalshikit.ws.stream import Stream

__all__ = ["ChannelHelpers"]


class ChannelHelpers:
    """The typed helpers of :class:`~kalshikit.ws.client.KalshiWebSocket`, one per channel."""

    if TYPE_CHECKING:
        # what each helper calls: KalshiWebSocket.subscribe
        async def subscribe(
            self,
            channel: str,
            tickers: Iterable[str] | None = None,
            *,
            on_message: Callable[[Any], Any] | None = None,
            iterate: bool = True,
            frames: bool = False,
            maxsize: int = 100_000,
            **params: Any,
        ) -> Stream[Any]: ...

    # The typed channel helpers. Each has two overloads because ``frames=True`` yields whole
    # frames (``TickerFrame``) instead of their payloads (``TickerMsg``): mypy picks the
    # element type from the literal given.

    @overload
    async def ticker(
        self,
        tickers: Iterable[str] | None = None,
        *,
        on_message: Callable[[TickerMsg], Any] | None = None,
        iterate: bool = True,
        frames: Literal[False] = False,
        maxsize: int = 100_000,
        send_initial_snapshot: bool = True,
        **params: Any,
    ) -> Stream[TickerMsg]: ...

    @overload
    async def ticker(
        self,
        tickers: Iterable[str] | None = None,
        *,
        on_message: Callable[[TickerFrame], Any] | None = None,
        iterate: bool = True,
        frames: Literal[True],
        maxsize: int = 100_000,
        send_initial_snapshot: bool = True,
        **params: Any,
    ) -> Stream[TickerFrame]: ...

    async def ticker(
        self,
        tickers: Iterable[str] | None = None,
        *,
        on_message: Callable[[Any], Any] | None = None,
        iterate: bool = True,
        frames: bool = False,
        maxsize: int = 100_000,
        send_initial_snapshot: bool = True,
        **params: Any,
    ) -> Stream[TickerMsg] | Stream[TickerFrame]:
        """Ticker updates (full state per message); the current state of each market first."""
        return await self.subscribe("ticker", tickers, on_message=on_message, iterate=iterate,
                                    frames=frames, maxsize=maxsize,
                                    send_initial_snapshot=send_initial_snapshot,
                                    **params)  # fmt: skip

    @overload
    async def trades(
        self,
        tickers: Iterable[str] | None = None,
        *,
        on_message: Callable[[TradeMsg], Any] | None = None,
        iterate: bool = True,
        frames: Literal[False] = False,
        maxsize: int = 100_000,
        **params: Any,
    ) -> Stream[TradeMsg]: ...

    @overload
    async def trades(
        self,
        tickers: Iterable[str] | None = None,
        *,
        on_message: Callable[[TradeFrame], Any] | None = None,
        iterate: bool = True,
        frames: Literal[True],
        maxsize: int = 100_000,
        **params: Any,
    ) -> Stream[TradeFrame]: ...

    async def trades(
        self,
        tickers: Iterable[str] | None = None,
        *,
        on_message: Callable[[Any], Any] | None = None,
        iterate: bool = True,
        frames: bool = False,
        maxsize: int = 100_000,
        **params: Any,
    ) -> Stream[TradeMsg] | Stream[TradeFrame]:
        """Public trades as they print."""
        return await self.subscribe("trade", tickers, on_message=on_message, iterate=iterate,
                                    frames=frames, maxsize=maxsize, **params)  # fmt: skip

    @overload
    async def fills(
        self,
        tickers: Iterable[str] | None = None,
        *,
        on_message: Callable[[FillMsg], Any] | None = None,
        iterate: bool = True,
        frames: Literal[False] = False,
        maxsize: int = 100_000,
        **params: Any,
    ) -> Stream[FillMsg]: ...

    @overload
    async def fills(
        self,
        tickers: Iterable[str] | None = None,
        *,
        on_message: Callable[[FillFrame], Any] | None = None,
        iterate: bool = True,
        frames: Literal[True],
        maxsize: int = 100_000,
        **params: Any,
    ) -> Stream[FillFrame]: ...

    async def fills(
        self,
        tickers: Iterable[str] | None = None,
        *,
        on_message: Callable[[Any], Any] | None = None,
        iterate: bool = True,
        frames: bool = False,
        maxsize: int = 100_000,
        **params: Any,
    ) -> Stream[FillMsg] | Stream[FillFrame]:
        """Your fills (private)."""
        return await self.subscribe("fill", tickers, on_message=on_message, iterate=iterate,
                                    frames=frames, maxsize=maxsize, **params)  # fmt: skip

    @overload
    async def positions(
        self,
        tickers: Iterable[str] | None = None,
        *,
        on_message: Callable[[PositionMsg], Any] | None = None,
        iterate: bool = True,
        frames: Literal[False] = False,
        maxsize: int = 100_000,
        **params: Any,
    ) -> Stream[PositionMsg]: ...

    @overload
    async def positions(
        self,
        tickers: Iterable[str] | None = None,
        *,
        on_message: Callable[[PositionFrame], Any] | None = None,
        iterate: bool = True,
        frames: Literal[True],
        maxsize: int = 100_000,
        **params: Any,
    ) -> Stream[PositionFrame]: ...

    async def positions(
        self,
        tickers: Iterable[str] | None = None,
        *,
        on_message: Callable[[Any], Any] | None = None,
        iterate: bool = True,
        frames: bool = False,
        maxsize: int = 100_000,
        **params: Any,
    ) -> Stream[PositionMsg] | Stream[PositionFrame]:
        """Your market positions (private)."""
        return await self.subscribe("market_positions", tickers, on_message=on_message,
                                    iterate=iterate, frames=frames, maxsize=maxsize,
                                    **params)  # fmt: skip

    @overload
    async def user_orders(
        self,
        tickers: Iterable[str] | None = None,
        *,
        on_message: Callable[[UserOrderMsg], Any] | None = None,
        iterate: bool = True,
        frames: Literal[False] = False,
        maxsize: int = 100_000,
        **params: Any,
    ) -> Stream[UserOrderMsg]: ...

    @overload
    async def user_orders(
        self,
        tickers: Iterable[str] | None = None,
        *,
        on_message: Callable[[UserOrderFrame], Any] | None = None,
        iterate: bool = True,
        frames: Literal[True],
        maxsize: int = 100_000,
        **params: Any,
    ) -> Stream[UserOrderFrame]: ...

    async def user_orders(
        self,
        tickers: Iterable[str] | None = None,
        *,
        on_message: Callable[[Any], Any] | None = None,
        iterate: bool = True,
        frames: bool = False,
        maxsize: int = 100_000,
        **params: Any,
    ) -> Stream[UserOrderMsg] | Stream[UserOrderFrame]:
        """Your orders as they change (private)."""
        return await self.subscribe("user_orders", tickers, on_message=on_message,
                                    iterate=iterate, frames=frames, maxsize=maxsize,
                                    **params)  # fmt: skip

    @overload
    async def lifecycle(
        self,
        *,
        on_message: Callable[[LifecycleMsg], Any] | None = None,
        iterate: bool = True,
        frames: Literal[False] = False,
        maxsize: int = 100_000,
        **params: Any,
    ) -> Stream[LifecycleMsg]: ...

    @overload
    async def lifecycle(
        self,
        *,
        on_message: Callable[[LifecycleFrame], Any] | None = None,
        iterate: bool = True,
        frames: Literal[True],
        maxsize: int = 100_000,
        **params: Any,
    ) -> Stream[LifecycleFrame]: ...

    async def lifecycle(
        self,
        *,
        on_message: Callable[[Any], Any] | None = None,
        iterate: bool = True,
        frames: bool = False,
        maxsize: int = 100_000,
        **params: Any,
    ) -> Stream[LifecycleMsg] | Stream[LifecycleFrame]:
        """Market and event lifecycle: created, activated, closed dates, determined, settled;
        new events and their fee changes (``LifecycleMsg`` is the union of the three)."""
        return await self.subscribe("market_lifecycle_v2", None, on_message=on_message,
                                    iterate=iterate, frames=frames, maxsize=maxsize,
                                    **params)  # fmt: skip

    @overload
    async def order_groups(
        self,
        *,
        on_message: Callable[[OrderGroupMsg], Any] | None = None,
        iterate: bool = True,
        frames: Literal[False] = False,
        maxsize: int = 100_000,
        **params: Any,
    ) -> Stream[OrderGroupMsg]: ...

    @overload
    async def order_groups(
        self,
        *,
        on_message: Callable[[OrderGroupFrame], Any] | None = None,
        iterate: bool = True,
        frames: Literal[True],
        maxsize: int = 100_000,
        **params: Any,
    ) -> Stream[OrderGroupFrame]: ...

    async def order_groups(
        self,
        *,
        on_message: Callable[[Any], Any] | None = None,
        iterate: bool = True,
        frames: bool = False,
        maxsize: int = 100_000,
        **params: Any,
    ) -> Stream[OrderGroupMsg] | Stream[OrderGroupFrame]:
        """Your order groups as they change: created, triggered, reset, deleted (private)."""
        return await self.subscribe("order_group_updates", None, on_message=on_message,
                                    iterate=iterate, frames=frames, maxsize=maxsize,
                                    **params)  # fmt: skip
