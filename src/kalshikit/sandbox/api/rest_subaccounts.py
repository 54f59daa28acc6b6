"""The sandbox's subaccount handlers (a mixin of ``RestHandlers``): create, balances, transfers
between subaccounts, and the netting setting.

Creating one needs the Advanced API usage level or higher, as on Kalshi (kalshi-rest.md 3.x:
"Advanced tier and up"): the user's rate-limit tier stands for it here, a custom budget counts as
enough. Every write goes through the writer, so the store journals it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, Protocol, TypeVar

import msgspec

from kalshikit.endpoints import ENDPOINTS
from kalshikit.models import (
    CreateSubaccountRequest,
    CreateSubaccountResponse,
    SubaccountBalance,
    SubaccountBalancesResponse,
    SubaccountNetting,
    SubaccountNettingResponse,
    SubaccountTransfer,
    SubaccountTransferRequest,
    SubaccountTransfersResponse,
    UpdateSubaccountNettingRequest,
)
from kalshikit.ratelimit import RateTier
from kalshikit.sandbox.api._handler_kit import HandlerCtx
from kalshikit.sandbox.exchange import ExchangeError
from kalshikit.sandbox.gateway import decode_body

if TYPE_CHECKING:
    from kalshikit.sandbox.exchange import Exchange, ExchangeWriter
    from kalshikit.sandbox.gateway import Guard

__all__ = ["SubaccountHandlers"]

_TIERS: Final = list(RateTier)
B = TypeVar("B", bound=msgspec.Struct)


class _BodyCtx(HandlerCtx, Protocol):
    @property
    def body(self) -> bytes: ...


class SubaccountHandlers:
    """Handlers named after their endpoints (``subaccounts.create`` -> ``subaccounts_create``),
    and how every handler finds the account a request acts on."""

    ex: Exchange
    writer: ExchangeWriter
    guard: Guard

    # ------------------------------------------------------------------ the account acted on

    def _subaccount(self, c: HandlerCtx) -> int | None:
        """The ``subaccount`` query parameter (None when omitted), within the key's lock."""
        return self._within_lock(c, c.query.integer("subaccount", 0, 63))

    def _account_key(self, c: HandlerCtx) -> str:
        """The account a request that defaults to the primary acts on (checked to exist)."""
        return self.ex.subaccount_key(c.user, self._subaccount(c))

    def _within_lock(self, c: HandlerCtx, asked: int | None) -> int | None:
        """A key locked to a subaccount acts there whatever is omitted, and nowhere else."""
        locked = self.ex.key_subaccount(c.key_id)
        if locked is None:
            return asked
        if asked is not None and asked != locked:
            raise ExchangeError(
                403,
                "permission_denied",
                f"this API key is locked to subaccount {locked}; it cannot act in {asked}",
            )
        return locked

    def _in_lock(self, c: HandlerCtx, body: B) -> B:
        """A write's body with its ``subaccount`` checked against the key's lock (and set to
        it when omitted), so the journal records where the write really went."""
        asked = getattr(body, "subaccount", None)
        chosen = self._within_lock(c, asked)
        return body if chosen == asked else msgspec.structs.replace(body, subaccount=chosen)

    def _unlocked(self, c: HandlerCtx, what: str) -> None:
        if self.ex.key_subaccount(c.key_id) is not None:
            raise ExchangeError(
                403, "permission_denied", f"a key locked to one subaccount cannot {what}"
            )

    def subaccounts_create(self, c: _BodyCtx) -> object:
        req = decode_body(c.body or b"{}", CreateSubaccountRequest)
        self._unlocked(c, "create subaccounts")
        self._require_advanced(c.user)
        number = self.writer.create_subaccount(c.user, req.exchange_index)
        return CreateSubaccountResponse(subaccount_number=number)

    def _require_advanced(self, user_id: str) -> None:
        try:
            tier = RateTier.parse(self.guard.budget(user_id).name)
        except ValueError:  # a custom budget: the operator's choice counts as enough
            return
        if _TIERS.index(tier) < _TIERS.index(RateTier.ADVANCED):
            raise ExchangeError(
                403,
                "permission_denied",
                f"subaccounts need the Advanced API usage level or higher (you are {tier.value}); "
                "ask for it with: kalshi account upgrade",
            )

    def subaccounts_balances(self, c: HandlerCtx) -> object:
        rows = [
            SubaccountBalance(
                subaccount_number=number,
                exchange_index=shard,
                balance=free,
                updated_ts=updated_ms // 1000,
            )
            for number, shard, free, updated_ms in self.ex.subaccount_balances(c.user)
        ]
        return SubaccountBalancesResponse(subaccount_balances=rows)

    def subaccounts_transfer(self, c: _BodyCtx) -> object:
        req = decode_body(c.body, SubaccountTransferRequest)
        self._unlocked(c, "move cash between subaccounts")
        self.writer.transfer_between_subaccounts(
            c.user, req.client_transfer_id, req.from_subaccount, req.to_subaccount,
            req.amount_cents, req.exchange_index,
        )  # fmt: skip
        return {}

    def subaccounts_transfers(self, c: HandlerCtx) -> object:
        q = c.query
        done, cursor = self.ex.subaccount_transfers(
            c.user,
            limit=q.limit(100, ENDPOINTS["subaccounts.transfers"].max_limit),
            cursor=q.text("cursor"),
        )
        transfers = [
            SubaccountTransfer(
                transfer_id=t.transfer_id,
                from_subaccount=t.from_subaccount,
                to_subaccount=t.to_subaccount,
                amount_cents=t.amount_cents,
                created_ts=t.created_ms // 1000,
                exchange_index=t.exchange_index,
            )
            for t in done
        ]
        return SubaccountTransfersResponse(transfers=transfers, cursor=cursor or None)

    def subaccounts_netting(self, c: HandlerCtx) -> object:
        configs = [
            SubaccountNetting(subaccount_number=number, enabled=enabled, exchange_index=0)
            for number, enabled in self.ex.netting(c.user)
        ]
        return SubaccountNettingResponse(netting_configs=configs)

    def subaccounts_set_netting(self, c: _BodyCtx) -> object:
        req = decode_body(c.body, UpdateSubaccountNettingRequest)
        self._unlocked(c, "change netting")
        self.writer.set_netting(c.user, req.subaccount_number, req.enabled)
        return {}
