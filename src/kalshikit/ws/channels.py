"""The typed channel helpers of KalshiWebSocket: ``subscribe``, one channel at a time, typed.

Each helper subscribes to one channel and returns a :class:`Stream` of that channel's message
type (``ticker`` a ``Stream[TickerMsg]``, ...), or of its whole frames with ``frames=True``. They
keep no state and do no I/O of their own: each is a call of ``subscribe``, which
:class:`~kalshikit.ws.client.KalshiWebSocket` (the class that has these helpers) provides.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Final, Literal, overload

from kalshikit.errors import ValidationError
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
from kalshikit.ws._types import (
    CfBenchmarksFrame,
    CfBenchmarksMsg,
    LifecycleFrame,
    LifecycleMsg,
    MultivariateFrame,
    MultivariateMsg,
    PythFrame,
    PythMsg,
    RfqFrame,
    RfqQuoteMsg,
)
from kalshikit.ws.stream import Stream

__all__ = ["CHANNEL_HELPERS", "ChannelHelpers", "names_param"]

# every channel of the AsyncAPI spec and the helper that subscribes to it, on both
# KalshiWebSocket and KalshiStream (orderbook_delta: live books rather than a stream)
CHANNEL_HELPERS: Final = {
    "orderbook_delta": "orderbooks", "ticker": "ticker", "trade": "trades", "fill": "fills",
    "market_positions": "positions", "user_orders": "user_orders",
    "market_lifecycle_v2": "lifecycle", "multivariate_market_lifecycle": "multivariate_lifecycle",
    "communications": "communications", "order_group_updates": "order_groups",
    "cfbenchmarks_value": "cfbenchmarks", "pyth_value": "pyth",
}  # fmt: skip


def names_param(name: str, values: Iterable[str] | None) -> list[str]:
    """``index_ids`` / ``underlying_tickers`` as the wire wants them; None means ``["all"]``."""
    if values is None:
        return ["all"]
    if isinstance(values, str):
        raise ValidationError(f"pass a list for {name}, not the string {values!r}")
    listed = list(dict.fromkeys(values))
    if not listed or not all(isinstance(v, str) and v for v in listed):
        raise ValidationError(f"{name} must be non-empty strings (or None for all)")
    return listed


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

    @overload
    async def multivariate_lifecycle(
        self,
        *,
        on_message: Callable[[MultivariateMsg], Any] | None = None,
        iterate: bool = True,
        frames: Literal[False] = False,
        maxsize: int = 100_000,
        **params: Any,
    ) -> Stream[MultivariateMsg]: ...

    @overload
    async def multivariate_lifecycle(
        self,
        *,
        on_message: Callable[[MultivariateFrame], Any] | None = None,
        iterate: bool = True,
        frames: Literal[True],
        maxsize: int = 100_000,
        **params: Any,
    ) -> Stream[MultivariateFrame]: ...

    async def multivariate_lifecycle(
        self,
        *,
        on_message: Callable[[Any], Any] | None = None,
        iterate: bool = True,
        frames: bool = False,
        maxsize: int = 100_000,
        **params: Any,
    ) -> Stream[MultivariateMsg] | Stream[MultivariateFrame]:
        """Combo (multivariate) markets' lifecycle, and their events' creation
        (``MarketLifecycleMsg`` or ``EventLifecycleMsg``)."""
        return await self.subscribe("multivariate_market_lifecycle", None,
                                    on_message=on_message, iterate=iterate, frames=frames,
                                    maxsize=maxsize, **params)  # fmt: skip

    @overload
    async def communications(
        self,
        *,
        on_message: Callable[[RfqQuoteMsg], Any] | None = None,
        iterate: bool = True,
        frames: Literal[False] = False,
        maxsize: int = 100_000,
        **params: Any,
    ) -> Stream[RfqQuoteMsg]: ...

    @overload
    async def communications(
        self,
        *,
        on_message: Callable[[RfqFrame], Any] | None = None,
        iterate: bool = True,
        frames: Literal[True],
        maxsize: int = 100_000,
        **params: Any,
    ) -> Stream[RfqFrame]: ...

    async def communications(
        self,
        *,
        on_message: Callable[[Any], Any] | None = None,
        iterate: bool = True,
        frames: bool = False,
        maxsize: int = 100_000,
        **params: Any,
    ) -> Stream[RfqQuoteMsg] | Stream[RfqFrame]:
        """RFQs and quotes (private): ``RfqMsg``, ``QuoteMsg`` or ``QuoteExecutedMsg``;
        ``shard_factor``/``shard_key`` pass through."""
        return await self.subscribe("communications", None, on_message=on_message,
                                    iterate=iterate, frames=frames, maxsize=maxsize,
                                    **params)  # fmt: skip

    @overload
    async def cfbenchmarks(
        self,
        index_ids: Iterable[str] | None = None,
        *,
        on_message: Callable[[CfBenchmarksMsg], Any] | None = None,
        iterate: bool = True,
        frames: Literal[False] = False,
        maxsize: int = 100_000,
        **params: Any,
    ) -> Stream[CfBenchmarksMsg]: ...

    @overload
    async def cfbenchmarks(
        self,
        index_ids: Iterable[str] | None = None,
        *,
        on_message: Callable[[CfBenchmarksFrame], Any] | None = None,
        iterate: bool = True,
        frames: Literal[True],
        maxsize: int = 100_000,
        **params: Any,
    ) -> Stream[CfBenchmarksFrame]: ...

    async def cfbenchmarks(
        self,
        index_ids: Iterable[str] | None = None,
        *,
        on_message: Callable[[Any], Any] | None = None,
        iterate: bool = True,
        frames: bool = False,
        maxsize: int = 100_000,
        **params: Any,
    ) -> Stream[CfBenchmarksMsg] | Stream[CfBenchmarksFrame]:
        """CF Benchmarks index values (``BRTI``, ``ETHUSD_RTI`` ...; None: all of them), about
        one a second, with their trailing 60-second averages (private)."""
        ids = names_param("index_ids", index_ids)
        return await self.subscribe("cfbenchmarks_value", None, on_message=on_message,
                                    iterate=iterate, frames=frames, maxsize=maxsize,
                                    index_ids=ids, **params)  # fmt: skip

    @overload
    async def pyth(
        self,
        underlying_tickers: Iterable[str] | None = None,
        *,
        on_message: Callable[[PythMsg], Any] | None = None,
        iterate: bool = True,
        frames: Literal[False] = False,
        maxsize: int = 100_000,
        **params: Any,
    ) -> Stream[PythMsg]: ...

    @overload
    async def pyth(
        self,
        underlying_tickers: Iterable[str] | None = None,
        *,
        on_message: Callable[[PythFrame], Any] | None = None,
        iterate: bool = True,
        frames: Literal[True],
        maxsize: int = 100_000,
        **params: Any,
    ) -> Stream[PythFrame]: ...

    async def pyth(
        self,
        underlying_tickers: Iterable[str] | None = None,
        *,
        on_message: Callable[[Any], Any] | None = None,
        iterate: bool = True,
        frames: bool = False,
        maxsize: int = 100_000,
        **params: Any,
    ) -> Stream[PythMsg] | Stream[PythFrame]:
        """Pyth prices of underlyings (``Crypto.BTC/USD`` ...; None: all of them) (private)."""
        tickers = names_param("underlying_tickers", underlying_tickers)
        return await self.subscribe("pyth_value", None, on_message=on_message,
                                    iterate=iterate, frames=frames, maxsize=maxsize,
                                    underlying_tickers=tickers, **params)  # fmt: skip
