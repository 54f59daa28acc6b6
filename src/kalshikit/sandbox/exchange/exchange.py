"""The sandbox exchange: the one owner of all state behind the local Trade API v2.

No I/O here, no wall clock, no global RNG: ``clock`` (epoch ms) is injected and read once per
command, ids come from ``random.Random(seed)``, so the same commands at the same times give the
same state (the store's replay relies on it). Internal units: prices in ticks of $0.0001, sizes in
centi-contracts, money in micro-dollars; answers are ``kalshikit.models`` structs in the current
wire shapes. Refusals raise ``ExchangeError(status, code, message)`` before anything changes.

The class is assembled from one mixin per concern over the shared state of ``_core``:

* ``_trading``: create / batch create / cancel / batch cancel / cancel all / amend / decrease;
* ``_exchange_admin``: users and API keys, order groups, advance / determine / settle, pausing;
* ``_market_data``: public reads (status, markets, books, trades, candles, events, series);
* ``_portfolio``: user reads (balance, positions, fills, settlements, orders, queue positions);
* ``discovery``: event metadata, candles and forecasts, fee changes, search, incentives,
  milestones and structured targets;
* ``history``: the archive's reads behind ``/historical/*`` (the sweep fills ``archive``);
* ``live``: the ``/live_data`` reads, over what the simulator publishes (``publish_live``);
* ``rolling``: listing a recurring series' next events while the exchange runs;
* ``multivariate``: collections, and combo markets created from chosen legs;
* ``marketterms``: a market's price grid and metadata, changed while the exchange runs.

Listeners (``add_listener``) receive the ``events`` dataclasses synchronously, in order. A store
hooks ``write_ahead`` to record each command at its commit point, and keeps ``state_image``s as
snapshots. Records older than the live window move to the archive (``retention``, ``archive``).
"""

from __future__ import annotations

import random
import uuid

from kalshikit.sandbox.exchange.admin import AdminMixin
from kalshikit.sandbox.exchange.apikeys import ApiKeysMixin
from kalshikit.sandbox.exchange.block_trades import BlockTradesMixin
from kalshikit.sandbox.exchange.discovery import DiscoveryMixin
from kalshikit.sandbox.exchange.errors import ExchangeError
from kalshikit.sandbox.exchange.fcm import FcmMixin
from kalshikit.sandbox.exchange.feeterms import FeeTermsMixin
from kalshikit.sandbox.exchange.history import HistoryMixin
from kalshikit.sandbox.exchange.live import LiveDataMixin
from kalshikit.sandbox.exchange.market_data import MarketDataMixin
from kalshikit.sandbox.exchange.marketterms import MarketTermsMixin
from kalshikit.sandbox.exchange.money import MoneyMixin
from kalshikit.sandbox.exchange.multivariate import CombosMixin
from kalshikit.sandbox.exchange.portfolio import PortfolioMixin
from kalshikit.sandbox.exchange.rolling import RollMixin
from kalshikit.sandbox.exchange.trading import TradingMixin
from kalshikit.units import TICKS_PER_DOLLAR

__all__ = ["Exchange", "ExchangeError"]


class Exchange(
    MarketTermsMixin,  # first: a restore applies the changed terms once all markets exist
    FcmMixin,  # before MoneyMixin and AdminMixin: its create_user adds the fcm flag
    PortfolioMixin,  # before the mixins whose bases list SubaccountsMixin (it reads it too)
    CombosMixin,
    MoneyMixin,  # before AdminMixin: it records the funding and sweeps after credits
    ApiKeysMixin,
    BlockTradesMixin,  # RFQs, quotes and block trades (communications)
    TradingMixin,
    AdminMixin,
    FeeTermsMixin,
    RollMixin,
    DiscoveryMixin,
    LiveDataMixin,
    MarketDataMixin,
    HistoryMixin,
):
    """Accounts, collateral, fees, positions, lifecycle and settlement around the matching
    engine. ``Exchange(catalog, clock=clock, seed=0)``; see the contract for every method."""

    def state_digest(self) -> dict[str, object]:
        """A canonical JSON-able summary of all state: equal digests mean equal exchanges."""
        return {
            "accounts": {uid: self._account_digest(uid) for uid in sorted(self._accounts)},
            "orders": {oid: self._order_digest(oid) for oid in sorted(self._orders)},
            "books": self._books_digest(),
            "markets": {t: self._market_digest(t) for t in sorted(self._markets)},
            "trades": [[t.trade_id, t.ticker, t.price, t.size, t.ts_ms] for t in self._trades],
            "listed": self._trades.appended,
            "sweep_at": self._sweep_at,
            "keys": sorted([k.key_id, k.user_id] for k in self._keys.values()),
            "key_terms": {k: self._key_terms[k] for k in sorted(self._key_terms)},
            "usage_upgraded": self.usage_upgraded(),
            "communications": self.comms_digest(),
            "fcm": self._fcm_digest(),
            "money": self.money_digest(),
            "subaccounts": dict(sorted(self._subaccounts.items())),
            "subaccount_transfers": {
                user: [[t.transfer_id, t.client_transfer_id, *t.terms()] for t in done]
                for user, done in sorted(self._sub_transfers.items())
            },
            "netting_off": sorted(self._netting_off),
            "totals": self.money_totals(),
            "trading_active": self._trading_active,
            "listings": [list(listing) for listing in self._listings],
            "combos_created": [list(created) for created in self._combos_created],
            "market_terms": self._market_terms,
            "next_ids": self._upcoming_ids(4),
            "archive": self._archive.digest(),
        }

    def _upcoming_ids(self, count: int) -> list[str]:
        """The next ids the exchange will hand out (read from a copy of its RNG)."""
        twin = random.Random()
        twin.setstate(self._rng.getstate())
        return [str(uuid.UUID(int=twin.getrandbits(128), version=4)) for _ in range(count)]

    def money_totals(self) -> dict[str, int]:
        """Where all the money is (micro-dollars). ``cash + held + fees + open_interest``
        always equals ``deposited``: contracts are created in YES/NO pairs worth $1."""
        interest = sum(s.open_interest for s in self._markets.values()) * TICKS_PER_DOLLAR
        return {
            "deposited": self._deposited,
            "cash": sum(a.total_free for a in self._accounts.values()),
            "held": sum(a.total_held for a in self._accounts.values()),
            "fees": self._fees_collected,
            "open_interest": interest,
            "paid_out": self._paid_out,
        }

    def _account_digest(self, user_id: str) -> dict[str, object]:
        account = self._accounts[user_id]
        positions = {
            t: [p.size, p.cost, p.realized, p.fees, p.traded, p.volume, p.settled, p.updated_ms]
            for t, p in sorted(account.positions.items())
        }
        groups = {
            g.group_id: [g.limit, g.blocked, g.window_total, list(g.members)]
            for g in account.groups.values()
        }
        return {
            "cash": dict(sorted(account.cash.items())),
            "held": dict(sorted(account.held.items())),
            "positions": positions,
            "orders": [o.order_id for o in account.orders],
            "fills": [[f.fill_id, f.order_id, f.size, f.price, f.fee] for f in account.fills],
            "listed": [account.orders.appended, account.fills.appended],
            "settlements": [[s.ticker, s.revenue_cents, s.ts_ms] for s in account.settlements],
            "groups": groups,
            "client_ids": dict(sorted(account.open_client_ids.items())),
        }

    def _order_digest(self, order_id: str) -> list[object]:
        o = self._orders[order_id]
        return [
            o.status, o.side, o.price, o.initial, o.filled, o.remaining, o.taker_fees,
            o.maker_fees, o.expiration_ms, o.updated_ms, o.client_order_id,
        ]  # fmt: skip

    def _books_digest(self) -> dict[str, object]:
        books: dict[str, object] = {}
        for ticker in sorted(self._markets):
            if not self.engine.has_market(ticker):
                continue
            bids, asks = self.engine.levels(ticker, "bid"), self.engine.levels(ticker, "ask")
            if bids or asks:
                books[ticker] = {"bid": [list(x) for x in bids], "ask": [list(x) for x in asks]}
        return books

    def _market_digest(self, ticker: str) -> list[object]:
        s = self._markets[ticker]
        # the candlestick history and the day's volume ledger: how much is kept, from where
        history = [
            len(s.trades), s.trade_times[:1], s.quotes[:1], s.interest[:1],
            s.day_times[:1].tolist(), len(s.quotes), len(s.interest), len(s.day_times),
        ]  # fmt: skip
        return [s.status, s.result, s.close_ms, s.volume, s.open_interest, s.last_price, history]
