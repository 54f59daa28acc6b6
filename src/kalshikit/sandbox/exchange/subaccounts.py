"""Subaccounts: numbered accounts inside one user, each with its own cash, positions and orders.

A subaccount is an ``Account`` of its own in ``_accounts`` under the key ``user#n`` (the primary,
number 0, keeps the bare user id), so matching, collateral, fees and settlement treat it exactly
as they treat a user: nothing else in the exchange needs to know. What is shared is the owner:
self-trade prevention looks at the user (``owner_of``), because two subaccounts of one user are
one beneficial owner and a match between them would be a wash trade.

Numbers run 1-63 in creation order (kalshi-rest.md 5.5). Transfers move free cash between two of
the user's subaccounts on one shard; ``client_transfer_id`` makes a retry safe: the same id with
the same terms is the same transfer (nothing moves twice), with other terms it is refused.
Netting is a per-subaccount setting the sandbox stores and reports; its accounts always net YES
against NO in one market, as every Kalshi account does.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from kalshikit.fees import MICRO_PER_CENT
from kalshikit.sandbox.catalog import Catalog
from kalshikit.sandbox.exchange.account_keys import account_key, owner_of, split_key
from kalshikit.sandbox.exchange.accounts import Account
from kalshikit.sandbox.exchange.core import ExchangeCore
from kalshikit.sandbox.exchange.errors import bad_request, conflict
from kalshikit.sandbox.exchange.pages import check_limit, newest_first
from kalshikit.sandbox.exchange.render import money
from kalshikit.sandbox.exchange.retention import Retention

__all__ = [
    "MAX_SUBACCOUNTS",
    "SHARDS",
    "SubaccountTransfer",
    "SubaccountsMixin",
    "account_key",
    "check_shard",
    "owner_of",
    "split_key",
]

MAX_SUBACCOUNTS: Final = 63
SHARDS: Final = (0, 1)  # the sandbox's exchange indexes: events on 0, combos on 1


@dataclass(frozen=True, slots=True)
class SubaccountTransfer:
    transfer_id: str
    client_transfer_id: str
    from_subaccount: int
    to_subaccount: int
    amount_cents: int
    exchange_index: int
    created_ms: int

    def terms(self) -> tuple[int, int, int, int]:
        return (self.from_subaccount, self.to_subaccount, self.amount_cents, self.exchange_index)


def _number(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SUBACCOUNTS:
        raise bad_request("invalid_parameters", f"{name} must be a subaccount number 0 to 63")
    return value


def check_shard(value: object, name: str = "exchange_index") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value not in SHARDS:
        shards = " or ".join(str(s) for s in SHARDS)
        raise bad_request("invalid_parameters", f"{name} must be {shards} in the sandbox")
    return value


class SubaccountsMixin(ExchangeCore):
    """Creating subaccounts, moving cash between them, and finding a user's accounts."""

    def __init__(
        self,
        catalog: Catalog,
        *,
        clock: Callable[[], int],
        seed: int = 0,
        retention: Retention | None = None,
    ) -> None:
        super().__init__(catalog, clock=clock, seed=seed, retention=retention)
        self._subaccounts: dict[str, int] = {}  # user -> how many numbered subaccounts
        self._sub_transfers: dict[str, list[SubaccountTransfer]] = {}
        self._netting_off: set[str] = set()  # account keys whose netting setting is off

    # ------------------------------------------------------------------ finding accounts

    def subaccount_count(self, user_id: str) -> int:
        """How many numbered subaccounts ``user_id`` has (0: only the primary)."""
        return self._subaccounts.get(owner_of(user_id), 0)

    def subaccount_key(self, user_id: str, number: int | None) -> str:
        """The account key of ``user_id``'s subaccount ``number`` (None: the primary);
        400 when it was never created."""
        self._account(user_id)
        if number is None or number == 0:
            return user_id
        _number(number, "subaccount")
        if number > self.subaccount_count(user_id):
            raise bad_request(
                "subaccount_not_found",
                f"you have no subaccount {number}; create one first (kalshi subaccounts create)",
            )
        return account_key(user_id, number)

    def subaccount_keys(self, user_id: str, number: int | None = None) -> list[str]:
        """``number``'s key alone, or (None) every account of the user, primary first."""
        if number is not None:
            return [self.subaccount_key(user_id, number)]
        self._account(user_id)
        count = self.subaccount_count(user_id)
        return [account_key(user_id, n) for n in range(count + 1)]

    def _sub_account(self, user_id: str, number: int | None) -> Account:
        return self._accounts[self.subaccount_key(user_id, number)]

    # ------------------------------------------------------------------ reads

    def subaccount_balances(self, user_id: str) -> list[tuple[int, int, str, int]]:
        """(subaccount, exchange index, free dollars, updated ms) per account and shard."""
        rows = []
        for key in self.subaccount_keys(user_id):
            account, number = self._accounts[key], split_key(key)[1]
            for shard in SHARDS:
                rows.append((number, shard, money(account.free(shard)), account.updated_ms))
        return rows

    def subaccount_transfers(
        self, user_id: str, *, limit: int = 100, cursor: str | None = None
    ) -> tuple[list[SubaccountTransfer], str]:
        """The user's transfers between subaccounts, newest first."""
        self._account(user_id)
        check_limit(limit, 1000)
        done = self._sub_transfers.get(user_id, [])
        return newest_first(done, "subaccount-transfers", cursor, limit, lambda _: True)

    def netting(self, user_id: str) -> list[tuple[int, bool]]:
        """(subaccount, netting enabled) for each of the user's accounts."""
        return [
            (split_key(k)[1], k not in self._netting_off) for k in self.subaccount_keys(user_id)
        ]

    # ------------------------------------------------------------------ writes

    def create_subaccount(self, user_id: str, exchange_index: int | None = None) -> int:
        """The next numbered subaccount of ``user_id`` (empty); returns its number."""
        self._account(user_id)
        if user_id != owner_of(user_id):
            raise bad_request("invalid_parameters", "a subaccount cannot have subaccounts")
        check_shard(0 if exchange_index is None else exchange_index)
        number = self.subaccount_count(user_id) + 1
        if number > MAX_SUBACCOUNTS:
            raise conflict(
                "subaccount_limit_reached", f"you already have {MAX_SUBACCOUNTS} subaccounts"
            )
        self._commit_point()
        self._subaccounts[user_id] = number
        self._accounts[account_key(user_id, number)] = Account(account_key(user_id, number), {})
        return number

    def transfer_between_subaccounts(
        self, user_id: str, client_transfer_id: str, from_subaccount: int, to_subaccount: int,
        amount_cents: int, exchange_index: int | None = None,
    ) -> str:  # fmt: skip
        """Move free cash on one shard between two of the user's subaccounts; returns the
        transfer id (the earlier one when ``client_transfer_id`` was used with these terms)."""
        shard = check_shard(0 if exchange_index is None else exchange_index)
        source = self._sub_account(user_id, _number(from_subaccount, "from_subaccount"))
        target = self._sub_account(user_id, _number(to_subaccount, "to_subaccount"))
        _check_client_transfer_id(client_transfer_id)
        terms = (from_subaccount, to_subaccount, amount_cents, shard)
        earlier = self._earlier_transfer(user_id, client_transfer_id, terms)
        if earlier is not None:
            return earlier
        if source is target:
            raise bad_request("invalid_parameters", "from_subaccount and to_subaccount are equal")
        if isinstance(amount_cents, bool) or not isinstance(amount_cents, int) or amount_cents < 1:
            raise bad_request("invalid_parameters", "amount_cents must be a positive integer")
        micro = amount_cents * MICRO_PER_CENT
        if micro > source.free(shard):
            raise bad_request(
                "insufficient_balance",
                f"subaccount {from_subaccount} has ${money(source.free(shard))} free on "
                f"shard {shard}, less than the ${money(micro)} to move",
            )
        self._commit_point()
        now = self._clock()
        source.add_cash(shard, -micro)
        target.add_cash(shard, micro)
        source.updated_ms = target.updated_ms = now
        record = SubaccountTransfer(self._new_id(), client_transfer_id, *terms, now)
        self._sub_transfers.setdefault(user_id, []).append(record)
        return record.transfer_id

    def _earlier_transfer(
        self, user_id: str, client_transfer_id: str, terms: tuple[int, int, int, int]
    ) -> str | None:
        for done in self._sub_transfers.get(user_id, ()):
            if done.client_transfer_id != client_transfer_id:
                continue
            if done.terms() != terms:
                raise conflict(
                    "duplicate_client_transfer_id",
                    f"client_transfer_id {client_transfer_id} was used for another transfer; "
                    "use a new one per transfer",
                )
            return done.transfer_id
        return None

    def set_netting(self, user_id: str, subaccount: int, enabled: bool) -> None:
        """Turn netting on or off for one of the user's subaccounts."""
        key = self.subaccount_key(user_id, _number(subaccount, "subaccount_number"))
        if not isinstance(enabled, bool):
            raise bad_request("invalid_parameters", "enabled must be true or false")
        self._commit_point()
        if enabled:
            self._netting_off.discard(key)
        else:
            self._netting_off.add(key)


def _check_client_transfer_id(value: object) -> None:
    try:
        uuid.UUID(str(value))
    except ValueError:
        raise bad_request(
            "invalid_parameters", "client_transfer_id must be a UUID (one per transfer)"
        ) from None
