"""WebSocket commands run against the registry: subscribe, unsubscribe, list, update.

No sockets here. Each command runs synchronously between two exchange writes, so an orderbook
snapshot and the deltas queued after it always fit together. Replies, snapshots and errors join
the connection's queue behind the frames already in it. Beyond the parse errors of
``_ws_commands``, this raises 7 (unknown sid), 11 (unknown market, a market outside the
subscription, removing markets from an all-market subscription), and the channel checks 13/14.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from kalshikit.models import Market
from kalshikit.sandbox.catalog import INDEX_FEEDS
from kalshikit.sandbox.exchange import ExchangeError, TickerChanged
from kalshikit.sandbox.ws.commands import (
    NAMED,
    Command,
    CommandError,
    ListSubscriptions,
    Markets,
    Msg,
    Subscribe,
    Unsubscribe,
    UpdateSubscription,
    check_update,
    parse_command,
)
from kalshikit.sandbox.ws.frames import market_id, snapshot_msg, ticker_msg
from kalshikit.sandbox.ws.registry import Connection, HubCore, Subscription
from kalshikit.units import TICKS_PER_DOLLAR, dollars_to_ticks, fp_to_centi

__all__ = ["SessionMixin"]

INDEX_IDS: Final = tuple(feed.cf_index_id for feed in INDEX_FEEDS)

# Channels whose market filters the real server ignores (they always carry everything).
_UNFILTERED: Final = frozenset(
    {
        "market_lifecycle_v2",
        "order_group_updates",
        "communications",
        "multivariate_market_lifecycle",
        "cfbenchmarks_value",
        "pyth_value",
    }
)


class SessionMixin(HubCore):
    """The command half of the hub."""

    def handle(self, conn: Connection, raw: str | bytes) -> None:
        """Run one client frame; its replies (and snapshots) join the connection's queue."""
        try:
            command = parse_command(raw)
        except CommandError as error:
            self._refuse(conn, error)
            return
        try:
            self._run(conn, command)
        except CommandError as error:
            error.cmd_id = command.id
            self._refuse(conn, error)

    def _refuse(self, conn: Connection, error: CommandError) -> None:
        sub = conn.subs.get(error.sid) if error.sid is not None else None
        seq = None if sub is None else self._next_seq(sub)
        sid = None if sub is None else sub.sid
        self._deliver(conn, ("error", sid, seq, error.msg(), error.cmd_id), sub)

    def _run(self, conn: Connection, command: Command) -> None:
        if isinstance(command, Subscribe):
            self._subscribe(conn, command)
        elif isinstance(command, Unsubscribe):
            self._unsubscribe(conn, command)
        elif isinstance(command, ListSubscriptions):
            listing = [{"channel": s.channel, "sid": s.sid} for s in conn.subs.values()]
            self._deliver(conn, ("ok", None, None, listing, command.id), None)
        else:
            self._update(conn, command)

    def _subscribe(self, conn: Connection, command: Subscribe) -> None:
        wanted = self._resolve(command.markets)
        for channel in command.channels:
            tickers = None if channel in _UNFILTERED else wanted
            sub = conn.by_channel.get(channel)
            if sub is None:
                sub, added = self._open(conn, channel, tickers, command), tickers or ()
            else:
                added = self._retarget(sub, add=tickers, drop=())
            named = NAMED.get(channel)
            if named is not None:
                sub.names.update(dict.fromkeys(command.names.get(named[0], ())))
            reply = {"channel": channel, "sid": sub.sid}
            self._deliver(conn, ("subscribed", None, None, reply, command.id), None)
            self._initial(sub, added, command.send_initial_snapshot, None)

    def _open(
        self, conn: Connection, channel: str, tickers: tuple[str, ...] | None, command: Subscribe
    ) -> Subscription:
        chosen = None if tickers is None else dict.fromkeys(tickers)
        sub = Subscription(conn, conn.new_sid(), channel, chosen)
        sub.yes_prices, sub.skip_ack = command.use_yes_price, command.skip_ticker_ack
        sub.own_only = command.own_only
        sub.by_ids = command.markets.ids is not None
        conn.subs[sub.sid] = conn.by_channel[channel] = sub
        self._index.add(sub)
        return sub

    def _retarget(
        self, sub: Subscription, *, add: tuple[str, ...] | None, drop: tuple[str, ...]
    ) -> tuple[str, ...]:
        """Change a subscription's markets (``add=None``: all of them); the newly added ones."""
        if sub.tickers is None:  # already everything
            return ()
        self._index.remove(sub)
        added: tuple[str, ...] = ()
        if add is None:
            sub.tickers = None
        else:
            added = tuple(t for t in add if t not in sub.tickers)
            sub.tickers.update(dict.fromkeys(added))
            for ticker in drop:
                sub.tickers.pop(ticker, None)
        self._index.add(sub)
        return added

    def _initial(
        self, sub: Subscription, tickers: tuple[str, ...], tickers_too: bool, cmd_id: int | None
    ) -> None:
        """What a subscriber gets on subscribing to ``tickers``: book snapshots, or tickers."""
        if sub.channel == "orderbook_delta":
            for ticker in tickers:
                book = snapshot_msg(
                    ticker, self._source.orderbook(ticker), use_yes_price=sub.yes_prices
                )
                self._publish(sub, "orderbook_snapshot", book, cmd_id)
        elif sub.channel == "ticker" and tickers_too:
            for ticker in tickers:
                self._publish(sub, "ticker", ticker_msg(self._ticker_state(ticker)))

    def _unsubscribe(self, conn: Connection, command: Unsubscribe) -> None:
        unknown = [sid for sid in command.sids if sid not in conn.subs]
        if unknown:
            raise CommandError(7, f"no subscription {unknown[0]} on this connection")
        for sid in command.sids:
            sub = conn.subs.pop(sid)
            del conn.by_channel[sub.channel]
            self._index.remove(sub)
            self._deliver(conn, ("unsubscribed", sid, self._next_seq(sub), None, command.id), None)

    def _update(self, conn: Connection, command: UpdateSubscription) -> None:
        sub = conn.subs.get(command.sid)
        if sub is None:
            raise CommandError(7, f"no subscription {command.sid} on this connection")
        try:
            check_update(sub.channel, command)
            if sub.channel in NAMED:
                self._update_names(sub, command)
                return
            tickers = self._resolve(command.markets) or ()
            self._apply_update(sub, command, tickers)
        except CommandError as error:
            error.sid = sub.sid
            raise

    def _apply_update(
        self, sub: Subscription, command: UpdateSubscription, tickers: tuple[str, ...]
    ) -> None:
        if command.action == "get_snapshot":
            outside = [t for t in tickers if sub.tickers is None or t not in sub.tickers]
            if outside:
                raise CommandError(11, "not on this subscription", ticker=outside[0])
            self._initial(sub, tickers, False, command.id)
            return
        if command.action == "delete_markets" and sub.tickers is None:
            raise CommandError(11, "this subscription covers all markets; unsubscribe instead")
        if command.action == "add_markets":
            added = self._retarget(sub, add=tickers, drop=())
        else:
            added = self._retarget(sub, add=(), drop=tickers)
        sub.by_ids = sub.by_ids or command.markets.ids is not None
        self._deliver(
            sub.conn, ("ok", sub.sid, self._next_seq(sub), self._ack(sub), command.id), sub
        )
        self._initial(sub, added, command.send_initial_snapshot, None)

    def _update_names(self, sub: Subscription, command: UpdateSubscription) -> None:
        """subscribe_/unsubscribe_ indices or underlyings (an ``ok`` with the list after it),
        or the list of what is available (``indexlist`` / ``underlying_list``)."""
        param, (add, _, listing), _ = NAMED[sub.channel]
        if command.action == listing:
            msg: Msg
            if sub.channel == "cfbenchmarks_value":
                kind, msg = "cfbenchmarks_value_indexlist", {"index_ids": list(INDEX_IDS)}
            else:
                listed = self._indexes.pyth_listed(self._clock())
                kind, msg = "pyth_value_underlying_list", {"underlying_tickers": listed}
            self._publish(sub, kind, msg, command.id)
            return
        names = command.names or ()
        if command.action == add:
            sub.names.update(dict.fromkeys(names))
        else:
            for name in names:
                sub.names.pop(name, None)
        ack = {param: list(sub.names)}
        self._deliver(sub.conn, ("ok", sub.sid, self._next_seq(sub), ack, command.id), sub)

    def _ack(self, sub: Subscription) -> Msg | None:
        if sub.skip_ack or sub.tickers is None:
            return None
        ack: Msg = {"market_tickers": list(sub.tickers)}
        if sub.by_ids:
            ack["market_ids"] = [market_id(t) for t in sub.tickers]
        return ack

    # --- market lookups -----------------------------------------------------------------------

    def _resolve(self, markets: Markets) -> tuple[str, ...] | None:
        """The tickers a command names (ids translated); error 11 names an unknown one."""
        if markets.ids is not None:
            if not self._ids:
                self._ids = {market_id(m.ticker): m.ticker for m in self._all_markets()}
            unknown = [i for i in markets.ids if i not in self._ids]
            if unknown:
                raise CommandError(11, f"no market with id {unknown[0]}")
            return tuple(self._ids[i] for i in markets.ids)
        for ticker in markets.tickers or ():
            if ticker not in self._known:
                self._check_market(ticker)
        return markets.tickers

    def _check_market(self, ticker: str) -> None:
        try:
            self._source.market(ticker)
        except ExchangeError:
            raise CommandError(11, "no such market", ticker=ticker) from None
        self._known.add(ticker)

    def _all_markets(self) -> Iterator[Market]:
        cursor: str | None = None
        while cursor != "":
            page, cursor = self._source.markets(limit=1000, cursor=cursor)
            yield from page

    def _ticker_state(self, ticker: str) -> TickerChanged:
        """The latest ticker event of a market, or one rebuilt from its REST state."""
        known = self._tickers.get(ticker)
        if known is not None:
            return known
        market = self._source.market(ticker)
        volume, interest = (
            fp_to_centi(market.volume_fp or "0"),
            fp_to_centi(market.open_interest_fp or "0"),
        )
        return TickerChanged(
            ticker, dollars_to_ticks(market.last_price_dollars or "0"),
            dollars_to_ticks(market.yes_bid_dollars or "0"),
            dollars_to_ticks(market.yes_ask_dollars or "0"),
            fp_to_centi(market.yes_bid_size_fp or "0"), fp_to_centi(market.yes_ask_size_fp or "0"),
            self._last_trade_size(ticker), volume, interest, self._dollar_volume(ticker),
            interest * TICKS_PER_DOLLAR, self._clock(),
        )  # fmt: skip

    def _last_trade_size(self, ticker: str) -> int:
        page, _ = self._source.trades(ticker=ticker, limit=1)
        return fp_to_centi(page[0].count_fp or "0") if page else 0

    def _dollar_volume(self, ticker: str) -> int:
        """Micro-dollars traded in a market (price ticks times centi-contracts, summed)."""
        total, cursor = 0, None
        while cursor != "":
            page, cursor = self._source.trades(ticker=ticker, limit=1000, cursor=cursor)
            for trade in page:
                price = dollars_to_ticks(trade.yes_price_dollars or "0")
                total += price * fp_to_centi(trade.count_fp or "0")
        return total
