"""Money movement: transfers between shards, the target balance allocation, deposits and
withdrawals (``/portfolio/intra_exchange_instance_transfer[s]``, ``.../target_balance_allocation``,
``/portfolio/deposits``, ``/portfolio/withdrawals``). No I/O here.

Kalshi checks collateral per shard, so money must sit on a market's shard before an order there:
a transfer moves free cash between shards at once (status ``complete``); only ``event_contract``
to ``event_contract`` (the sandbox offers no ``margined`` instance). ``client_transfer_id`` makes
a retry safe: the same id on the same route (instances and shards) with the same terms is the
same transfer, with another amount or subaccount a 409; on another route it is a new transfer,
as the SDK scopes it.

The target allocation is applied by a sweep of the *sweepable* balance: each shard's free cash
less what ``resting_margin_reservation`` leaves there for its resting orders (``none``: nothing;
``max``: the largest single resting order's collateral; ``sum``: all of it; the collateral itself
is held apart already, so this is headroom on top). The sandbox sweeps when the allocation is
set and after every credit from outside trading: a deposit (the initial balance included) and a
settlement payout. Not after fills: money never moves under a trader mid-session. A sweep is not
listed as a transfer. Sandbox funding (the initial balance, admin deposits) is listed as
deposits and a negative admin deposit as a withdrawal, all ``applied`` at once.

Records are plain lists (pickled by snapshots, compared by ``state_digest`` as they are).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

from kalshikit.models import (
    EXCHANGE_INSTANCES,
    RESTING_MARGIN_RESERVATIONS,
    SetTargetAllocationRequest,
    ShardTransferRequest,
)
from kalshikit.sandbox.exchange.accounts import Account
from kalshikit.sandbox.exchange.admin import AdminMixin
from kalshikit.sandbox.exchange.errors import bad_request, conflict, not_found
from kalshikit.sandbox.exchange.pages import check_limit, newest_first
from kalshikit.sandbox.exchange.render import money

if TYPE_CHECKING:
    from kalshikit.sandbox.catalog import Catalog
    from kalshikit.sandbox.exchange.retention import Retention

__all__ = ["MONEY_SHARDS", "MoneyMixin", "sweep_targets"]

MONEY_SHARDS: Final = (0, 1)  # the sandbox's exchange indexes: events on 0, combos on 1
MAX_PAGE: Final = 500
_MICRO_PER_CENTICENT: Final = 100
_FUNDING_IDS: Final = uuid.UUID("6d0b3f1e-2a4c-4e8f-9b7d-5c1a2e3f4a5b")
# a transfer: [transfer_id, client_transfer_id or "", source shard, destination shard,
# micro-dollars, created ms, source subaccount, destination subaccount]
Transfer = list[Any]


def sweep_targets(pool: int, allocations: list[list[int]]) -> dict[int, int]:
    """``pool`` split by percent; the rounding remainder goes to the first allocation."""
    shares = {index: pool * percent // 100 for index, percent in allocations}
    if allocations:
        shares[allocations[0][0]] += pool - sum(shares.values())
    return shares


def _terms(req: ShardTransferRequest) -> list[object]:
    return [
        req.source, req.destination, req.amount, req.source_exchange_shard or 0,
        req.destination_exchange_shard or 0, req.source_subaccount or 0,
        req.destination_subaccount or 0,
    ]  # fmt: skip


def _id_key(user_id: str, req: ShardTransferRequest) -> str:
    source, destination, _, from_shard, to_shard, *_ = _terms(req)
    route = f"{source}:{from_shard}>{destination}:{to_shard}"
    return f"{user_id}/{req.client_transfer_id}/{route}"


class MoneyMixin(AdminMixin):
    """Shard transfers, the target allocation and its sweeps, deposit and withdrawal records."""

    def __init__(
        self,
        catalog: Catalog,
        *,
        clock: Callable[[], int],
        seed: int = 0,
        retention: Retention | None = None,
    ) -> None:
        super().__init__(catalog, clock=clock, seed=seed, retention=retention)
        self._shard_transfers: dict[str, list[Transfer]] = {}  # user -> transfers, in order
        # "user/client id/route" -> [transfer id, *terms]: the SDK scopes an id to the user and
        # the route (both instances and shards), so it may be used again on another route
        self._transfer_terms: dict[str, list[object]] = {}
        # user -> [reservation, [[exchange_index, percent], ...]]
        self._allocations: dict[str, list[Any]] = {}
        # user -> [[id, cents (negative: a withdrawal), created ms], ...]
        self._funding: dict[str, list[list[Any]]] = {}

    # ------------------------------------------------------------------ reads

    def shard_transfers(
        self, user_id: str, *, limit: int = 100, cursor: str | None = None
    ) -> tuple[list[Transfer], str]:
        """The user's shard transfers, newest first, and the next page's cursor ("")."""
        self._account(user_id)
        check_limit(limit, MAX_PAGE)
        done = self._shard_transfers.get(user_id, [])
        return newest_first(done, "shard-transfers", cursor, limit, lambda _: True)

    def shard_transfer(self, user_id: str, transfer_id: str) -> Transfer:
        self._account(user_id)
        for done in self._shard_transfers.get(user_id, ()):
            if done[0] == transfer_id:
                return done
        raise not_found("not_found", f"you have no transfer {transfer_id!r}")

    def earlier_shard_transfer(self, user_id: str, req: ShardTransferRequest) -> str | None:
        """The transfer an earlier request with this ``client_transfer_id`` made (409 when its
        terms differ); None when the id is new or absent."""
        if not req.client_transfer_id:
            return None
        terms = self._transfer_terms.get(_id_key(user_id, req))
        if terms is None:
            return None
        if terms[1:] != _terms(req):
            raise conflict(
                "duplicate_client_transfer_id",
                f"client_transfer_id {req.client_transfer_id} was used for another transfer; "
                "use a new one per transfer",
            )
        return str(terms[0])

    def target_allocation(self, user_id: str) -> tuple[str, list[list[int]]]:
        """(resting margin reservation, [[exchange_index, percent], ...]); none set: sum, []."""
        self._account(user_id)
        reservation, allocations = self._allocations.get(user_id, ["sum", []])
        return str(reservation), [list(a) for a in allocations]

    def funding_records(
        self, user_id: str, withdrawals: bool, *, limit: int = 100, cursor: str | None = None
    ) -> tuple[list[list[Any]], str]:
        """Deposits (or withdrawals) as [id, cents, created ms], newest first, and a cursor."""
        self._account(user_id)
        check_limit(limit, MAX_PAGE)
        kept = [r for r in self._funding.get(user_id, []) if (r[1] < 0) == withdrawals]
        listing = "withdrawals" if withdrawals else "deposits"
        return newest_first(kept, listing, cursor, limit, lambda _: True)

    def money_digest(self) -> dict[str, object]:
        """This mixin's state, canonical, for ``state_digest``."""
        return {
            "shard_transfers": dict(sorted(self._shard_transfers.items())),
            "transfer_terms": dict(sorted(self._transfer_terms.items())),
            "allocations": dict(sorted(self._allocations.items())),
            "funding": dict(sorted(self._funding.items())),
        }

    # ------------------------------------------------------------------ writes

    def transfer_between_shards(self, user_id: str, req: ShardTransferRequest) -> str:
        """Move free cash between shards at once; returns the transfer id (the earlier one
        when ``client_transfer_id`` was used with the same terms)."""
        source, target, micro = self._check_shard_transfer(user_id, req)
        earlier = self.earlier_shard_transfer(user_id, req)
        if earlier is not None:
            return earlier
        from_shard = req.source_exchange_shard or 0
        if micro > source.free(from_shard):
            raise bad_request(
                "insufficient_balance",
                f"shard {from_shard} has ${money(source.free(from_shard))} free, less than the "
                f"${money(micro)} to move; cancel resting orders there or move less",
            )
        self._commit_point()
        now = self._clock()
        source.add_cash(from_shard, -micro)
        target.add_cash(req.destination_exchange_shard or 0, micro)
        source.updated_ms = target.updated_ms = now
        terms = _terms(req)
        record = [self._new_id(), req.client_transfer_id or "", *terms[3:5], micro, now, *terms[5:]]
        self._shard_transfers.setdefault(user_id, []).append(record)
        if req.client_transfer_id:
            self._transfer_terms[_id_key(user_id, req)] = [record[0], *terms]
        return str(record[0])

    def set_target_allocation(self, user_id: str, req: SetTargetAllocationRequest) -> None:
        """Replace the user's allocation (none: stop rebalancing) and sweep to it at once."""
        self._account(user_id)
        reservation = req.resting_margin_reservation or "sum"
        if reservation not in RESTING_MARGIN_RESERVATIONS:
            allowed = ", ".join(RESTING_MARGIN_RESERVATIONS)
            raise bad_request(
                "invalid_parameters", f"resting_margin_reservation must be one of {allowed}"
            )
        allocations = _check_allocations(req)
        self._commit_point()
        self._allocations[user_id] = [reservation, allocations]
        self._apply_allocation(user_id)

    def create_user(self, *, balance_cents: int, user_id: str | None = None) -> str:
        user_id = super().create_user(balance_cents=balance_cents, user_id=user_id)
        if balance_cents:
            self._record_funding(user_id, balance_cents)
        return user_id

    def deposit(self, user_id: str, cents: int) -> None:
        super().deposit(user_id, cents)
        self._record_funding(user_id, cents)
        if cents > 0:
            self._apply_allocation(user_id)

    def settle(self, ticker: str) -> None:
        super().settle(ticker)
        for user_id in sorted(self._allocations):
            self._apply_allocation(user_id)

    # ------------------------------------------------------------------ helpers

    def _check_shard_transfer(
        self, user_id: str, req: ShardTransferRequest
    ) -> tuple[Account, Account, int]:
        """The source and destination accounts and the amount in micro-dollars, or a 400."""
        for name, instance in (("source", req.source), ("destination", req.destination)):
            if instance not in EXCHANGE_INSTANCES:
                raise bad_request(
                    "invalid_parameters", f"{name} must be event_contract or margined"
                )
            if instance == "margined":
                raise bad_request(
                    "invalid_parameters",
                    f"{name} margined: the sandbox offers no margined exchange instance; "
                    "transfer between event_contract shards",
                )
        amount = req.amount
        if isinstance(amount, bool) or not isinstance(amount, int) or amount < 1:
            raise bad_request(
                "invalid_parameters", "amount must be a positive integer (centi-cents)"
            )
        from_shard = _shard(req.source_exchange_shard, "source_exchange_shard")
        to_shard = _shard(req.destination_exchange_shard, "destination_exchange_shard")
        subs = (req.source_subaccount or 0, req.destination_subaccount or 0)
        if req.client_transfer_id is not None:
            _check_uuid(req.client_transfer_id, any(subs))
        source = self._transfer_party(user_id, req.source_subaccount, "source_subaccount")
        target = self._transfer_party(user_id, req.destination_subaccount, "destination_subaccount")
        if from_shard == to_shard and source is target:
            raise bad_request(
                "invalid_parameters", "source and destination are the same shard and account"
            )
        return source, target, amount * _MICRO_PER_CENTICENT

    def _transfer_party(self, user_id: str, number: int | None, name: str) -> Account:
        """The user's (sub)account ``number``: the primary for None or 0."""
        if number is not None and (isinstance(number, bool) or not isinstance(number, int)):
            raise bad_request("invalid_parameters", f"{name} must be an integer")
        if not number:
            return self._account(user_id)
        # subaccounts come from the subaccounts mixin when the exchange has it
        finder: Callable[[str, int], Account] | None = getattr(self, "_sub_account", None)
        if finder is None:
            raise bad_request("invalid_parameters", f"{name}: this sandbox has no subaccounts")
        return finder(user_id, number)

    def _record_funding(self, user_id: str, cents: int) -> None:
        # named from the user and its count, not drawn from the RNG: funding existed before
        # these records did, and drawing would shift every id the sandbox hands out after it
        done = self._funding.setdefault(user_id, [])
        record_id = str(uuid.uuid5(_FUNDING_IDS, f"{user_id}/{len(done)}"))
        done.append([record_id, cents, self._clock()])

    def _apply_allocation(self, user_id: str) -> None:
        """Move the user's sweepable balance so the shards hold the allocation's percents."""
        reservation, allocations = self._allocations.get(user_id, ["sum", []])
        if not allocations:
            return
        account = self._account(user_id)
        reserve = self._sweep_reserve
        kept = {s: min(account.free(s), reserve(account, s, reservation)) for s in MONEY_SHARDS}
        pool = sum(account.free(s) - kept[s] for s in MONEY_SHARDS)
        targets = sweep_targets(pool, allocations)
        for shard in MONEY_SHARDS:
            wanted = kept[shard] + targets.get(shard, 0)
            account.add_cash(shard, wanted - account.free(shard))

    def _sweep_reserve(self, account: Account, shard: int, reservation: str) -> int:
        """What a sweep leaves on ``shard`` for its resting orders (their collateral)."""
        if reservation == "none":
            return 0
        costs = [
            o.cost
            for ticker, book in account.resting.items()
            if self._exchange_index(ticker) == shard
            for o in book.values()
        ]
        if not costs:
            return 0
        return max(costs) if reservation == "max" else sum(costs)


def _shard(value: object, name: str) -> int:
    shard = 0 if value is None else value
    if isinstance(shard, bool) or not isinstance(shard, int) or shard not in MONEY_SHARDS:
        shards = " or ".join(str(s) for s in MONEY_SHARDS)
        raise bad_request("invalid_parameters", f"{name} must be {shards} in the sandbox")
    return shard


def _check_uuid(value: str, numbered_subaccount: bool) -> None:
    if numbered_subaccount:
        raise bad_request(
            "invalid_parameters",
            "client_transfer_id is only for transfers between primary accounts; leave it out",
        )
    try:
        uuid.UUID(value)
    except (ValueError, AttributeError, TypeError):
        raise bad_request(
            "invalid_parameters", "client_transfer_id must be a UUID (one per transfer)"
        ) from None


def _check_allocations(req: SetTargetAllocationRequest) -> list[list[int]]:
    """The allocations as [[exchange_index, percent], ...]: known shards, once each, 100%."""
    seen: list[list[int]] = []
    for item in req.allocations:
        index, percent = item.exchange_index, item.percent
        _shard(index, "exchange_index")
        if any(index == s for s, _ in seen):
            raise bad_request("invalid_parameters", f"exchange_index {index} is listed twice")
        if isinstance(percent, bool) or not isinstance(percent, int) or not 0 <= percent <= 100:
            raise bad_request("invalid_parameters", "percent must be an integer from 0 to 100")
        seen.append([index, percent])
    total = sum(p for _, p in seen)
    if seen and total != 100:
        raise bad_request(
            "invalid_parameters", f"the percents must total 100, not {total}; or pass none"
        )
    return seen
