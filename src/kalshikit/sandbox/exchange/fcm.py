"""The FCM member area's writes: FCM users, subtraders, their risk controls, position transfers.

No I/O here. Every method checks everything, raises ``ExchangeError`` before any change, then
passes its commit point (the store journals it there). An FCM is a user created with
``fcm=True``; only FCMs reach this area (403 otherwise, as the exchange answers). A subtrader is
a real user ``{fcm_id}_{suffix}`` with its own account (no cash until deposited) that trades
with its own key (``kalshi sandbox keygen --subtrader ID``).

A position transfer is booked like a trade between the two subtraders at the YES price
``price_centicents``, with no fee and no fill (SDK ``CreateFCMPositionTransferRequest``): the
source gives up ``position_centicount`` (YES positive, NO negative), the target takes it. The
sandbox's error account is the FCM itself, so the target is ``{fcm_id}_{suffix}`` (created on
first use), and the cash goes from the target to the source.
"""

from __future__ import annotations

import re
from typing import Final

from kalshikit.errors import ValidationError
from kalshikit.sandbox.exchange.accounts import Position
from kalshikit.sandbox.exchange.admin import AdminMixin
from kalshikit.sandbox.exchange.core import Batch
from kalshikit.sandbox.exchange.errors import bad_request, conflict
from kalshikit.sandbox.exchange.fcm_reads import FcmReadsMixin
from kalshikit.sandbox.exchange.lifecycle import TRADEABLE, MarketState
from kalshikit.sandbox.exchange.render import money
from kalshikit.units import TICKS_PER_DOLLAR, dollars_to_ticks

__all__ = ["FcmMixin"]

_SUFFIX: Final = re.compile(r"[A-Za-z0-9]{1,16}")
MAX_CATEGORY: Final = 100
_MICRO_PER_TICK: Final = 100


def _suffix(subtrader_id: str, fcm: str) -> str | None:
    """The suffix of ``{fcm}_{suffix}``, or None when the id is not of that form."""
    prefix = f"{fcm}_"
    if not isinstance(subtrader_id, str) or not subtrader_id.startswith(prefix):
        return None
    suffix = subtrader_id[len(prefix) :]
    return suffix if _SUFFIX.fullmatch(suffix) else None


def _whole_int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise bad_request("invalid_parameters", f"{name} must be an integer")
    return value


class FcmMixin(FcmReadsMixin, AdminMixin):
    """FCM users, subtraders, caps, blocked categories and position transfers."""

    # ------------------------------------------------------------------ users

    def create_user(
        self, *, balance_cents: int, user_id: str | None = None, fcm: bool = False
    ) -> str:
        """A new user (an FCM member when ``fcm``) with ``balance_cents`` of cash."""
        if not isinstance(fcm, bool):
            raise bad_request("invalid_parameters", "fcm must be true or false")
        user_id = super().create_user(balance_cents=balance_cents, user_id=user_id)
        if fcm:
            self._fcm_members.add(user_id)
        return user_id

    def create_fcm_subtrader(self, fcm: str, subtrader_suffix: str) -> str:
        """A new subtrader ``{fcm}_{suffix}`` of the FCM; 409 when it exists."""
        self._require_fcm(fcm)
        subtrader_id = f"{fcm}_{subtrader_suffix}" if isinstance(subtrader_suffix, str) else ""
        if _suffix(subtrader_id, fcm) is None:
            raise bad_request(
                "invalid_parameters",
                "subtrader_suffix must be 1 to 16 ASCII letters or digits ([A-Za-z0-9])",
            )
        if subtrader_id in self._accounts:
            raise conflict("subtrader_exists", f"subtrader {subtrader_id} already exists")
        self._commit_point()
        self._add_subtrader(fcm, subtrader_id)
        return subtrader_id

    def _add_subtrader(self, fcm: str, subtrader_id: str) -> None:
        super().create_user(balance_cents=0, user_id=subtrader_id)
        self._fcm_subtraders[subtrader_id] = fcm

    # ------------------------------------------------------------------ risk controls

    def set_fcm_daily_cap(self, fcm: str, subtrader_id: str, limit: str) -> None:
        """Set the subtrader's event-contract daily cap (dollars, 2-4 decimals)."""
        self._own_subtrader(fcm, subtrader_id)
        try:
            ticks = dollars_to_ticks(limit)
        except ValidationError as exc:
            raise bad_request("invalid_parameters", f"limit: {exc}") from None
        self._commit_point()
        self._fcm_caps[subtrader_id] = ticks * _MICRO_PER_TICK

    def delete_fcm_daily_cap(self, fcm: str, subtrader_id: str) -> None:
        """Remove the subtrader's cap (its orders are no longer checked against one)."""
        self._own_subtrader(fcm, subtrader_id)
        self._commit_point()
        self._fcm_caps.pop(subtrader_id, None)

    def set_fcm_category_blocked(
        self, fcm: str, subtrader_id: str, category: str, blocked: bool
    ) -> list[str]:
        """Block or unblock one category for the subtrader; its full blocked set after."""
        self._own_subtrader(fcm, subtrader_id)
        if not isinstance(category, str) or not 1 <= len(category) <= MAX_CATEGORY:
            raise bad_request("invalid_parameters", "category must be 1 to 100 characters")
        if not isinstance(blocked, bool):
            raise bad_request("invalid_parameters", "blocked must be true or false")
        self._commit_point()
        chosen = set(self._fcm_blocked.get(subtrader_id, ()))
        if blocked:
            chosen.add(category)
        else:
            chosen.discard(category)
        if chosen:
            self._fcm_blocked[subtrader_id] = sorted(chosen)
        else:
            self._fcm_blocked.pop(subtrader_id, None)
        return sorted(chosen)

    # ------------------------------------------------------------------ position transfers

    def transfer_fcm_position(
        self, fcm: str, source: str, target: str, ticker: str, centicount: int, price: int
    ) -> str:
        """Move ``centicount`` of ``ticker`` from ``source`` to ``target`` at YES ``price``
        (centi-cents, i.e. ticks); returns the transfer's id."""
        batch = self._begin()
        self._own_subtrader(fcm, source)
        state = self._check_transfer(fcm, source, target, ticker, centicount, price)
        self._commit_point()
        if target not in self._accounts:
            self._add_subtrader(fcm, target)
        size = abs(centicount)
        giving = "ask" if centicount > 0 else "bid"  # the source closes YES by selling it
        for user, side in ((source, giving), (target, "bid" if giving == "ask" else "ask")):
            self._book_transfer(user, state, side, price, size, batch)
        transfer_id = self._new_id()
        self._fcm_transfers.append(
            [transfer_id, source, target, ticker, centicount, price, batch.now]
        )
        self._finish(batch)
        return transfer_id

    def _check_transfer(
        self, fcm: str, source: str, target: str, ticker: str, centicount: int, price: int
    ) -> MarketState:
        if _suffix(target, fcm) is None or target == source:
            raise bad_request(
                "invalid_parameters",
                f"target_subtrader_id must be another subtrader {fcm}_{{suffix}} (suffix: 1 "
                "to 16 letters or digits); the sandbox's error account is the FCM itself",
            )
        if target in self._accounts and self._fcm_subtraders.get(target) != fcm:
            raise conflict("subtrader_exists", f"{target} is not a subtrader of this FCM")
        count, ticks = _whole_int(centicount, "position_centicount"), _whole_int(price, "price")
        if count == 0 or count % 100:
            raise bad_request(
                "invalid_parameters",
                "position_centicount must be a non-zero whole number of contracts (x100)",
            )
        if not 0 <= ticks <= TICKS_PER_DOLLAR or ticks % 100:
            raise bad_request(
                "invalid_parameters", "price_centicents must be whole cents from 0 to 10000"
            )
        state = self._market_state(ticker)
        if state.status != TRADEABLE:
            raise conflict("market_closed", f"market {ticker} is {state.status}, not open")
        for user in (source, target):
            self._check_transfer_party(user, state, count if user == target else -count, ticks)
        return state

    def _check_transfer_party(self, user: str, state: MarketState, signed: int, price: int) -> None:
        """The party taking ``signed`` (YES +) must afford it and have no resting orders there
        (their collateral depends on the position the transfer moves)."""
        account = self._accounts.get(user)
        if account is None:
            if (signed > 0 and price > 0) or (signed < 0 and price < TICKS_PER_DOLLAR):
                raise conflict(
                    "insufficient_balance", f"{user} is new and has no cash to pay for it"
                )
            return
        if account.resting.get(state.ticker):
            raise conflict(
                "resting_orders",
                f"{user} has resting orders in {state.ticker}: cancel them before a transfer",
            )
        held = account.positions.get(state.ticker)
        probe = Position(state.ticker, state.event_ticker, size=held.size if held else 0)
        cash = probe.apply_fill("bid" if signed > 0 else "ask", price, abs(signed), 0)
        shard = state.market.exchange_index or 0
        if account.free(shard) + cash < 0:
            raise conflict(
                "insufficient_balance",
                f"{user} needs ${money(-cash)} on shard {shard} and has "
                f"${money(account.free(shard))}",
            )

    def _book_transfer(
        self, user: str, state: MarketState, side: str, price: int, size: int, batch: Batch
    ) -> None:
        account = self._accounts[user]
        position = account.position(state.ticker, state.event_ticker)
        before = position.size
        cash = position.apply_fill(side, price, size, batch.now)
        state.open_interest += max(position.size, 0) - max(before, 0)
        account.add_cash(state.market.exchange_index or 0, cash)
        batch.positions[(user, state.ticker)] = None
        batch.pairs[(user, state.ticker)] = None
