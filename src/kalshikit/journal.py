"""The order journal: a local SQLite record of every order, written before it is sent.

Off by default; ``KalshiClient(..., journal=OrderJournal(path))`` turns it on (the CLI keeps one
at ``<user data dir>/kalshikit/journal.sqlite3``). Each create is recorded as ``pending`` with its
client_order_id, intent, exact request body and environment BEFORE the request leaves, then
marked with what became of it:

    pending   recorded; no answer yet (a crash or kill leaves it here)
    placed    the exchange has it (order_id known)
    refused   the exchange said no (or the id belongs to another order)
    unknown   no answer, and the lookup that would tell failed too
    absent    a lookup by client_order_id confirmed the exchange has no such order

``reconcile(client)`` (``areconcile`` for the async client), run on start, settles the
``pending`` and ``unknown`` entries sent to the client's exchange (same environment AND same
URL: two local sandboxes are two exchanges) by looking each order up, among every order on its
ticker created since it was recorded. Not found is ``absent`` only once the entry's last attempt
can no longer be accepted (``policy.resend_after`` after the entry last changed); before that
the entry is left as it is, for a later reconcile.
Every write commits at once (autocommit, WAL), so a record survives the process that made it.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, Protocol, Self, cast

import msgspec

from kalshikit.http.exactly_once import (
    Failed,
    JournalState,
    ResendWindow,
    lookup_since,
    same_order,
)
from kalshikit.http.orders_core import BatchItemResult, OrderResult, OrderSpec
from kalshikit.models import CreateOrderV2Request, Order
from kalshikit.units import Contracts

if TYPE_CHECKING:
    from kalshikit.config import APIConfig

__all__ = [
    "AsyncReconcilingClient",
    "JournalEntry",
    "JournalState",
    "OrderJournal",
    "ReconcilingClient",
    "intent_of",
    "outcome_entry",
]

UNRESOLVED: Final = ("pending", "unknown")
_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS orders (
    client_order_id TEXT PRIMARY KEY,
    env TEXT NOT NULL,
    base_url TEXT NOT NULL,
    ticker TEXT NOT NULL,
    intent TEXT NOT NULL,
    request TEXT NOT NULL,
    state TEXT NOT NULL,
    order_id TEXT,
    detail TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
)
"""
_COLUMNS: Final = (
    "client_order_id, env, base_url, ticker, intent, request, state, order_id, detail, "
    "created_at, updated_at"
)


# What reconcile needs from a client. The journal never names the client classes (the clients
# hold a journal); KalshiClient and AsyncKalshiClient have these parts, which mypy checks at the
# end of kalshikit.http.client.


class ClientExchange(Protocol):
    """Which exchange a client talks to, and how late one of its creates may still land."""

    @property
    def config(self) -> APIConfig: ...

    @property
    def base_url(self) -> str: ...

    @property
    def retry_policy(self) -> ResendWindow: ...


class OrderFinder(Protocol):
    def find(self, ticker: str, client_order_id: str, *, since: int) -> Order | None: ...


class AsyncOrderFinder(Protocol):
    async def find(self, ticker: str, client_order_id: str, *, since: int) -> Order | None: ...


class ReconcilingClient(ClientExchange, Protocol):
    """What :meth:`OrderJournal.reconcile` needs from a client (``KalshiClient`` is one)."""

    @property
    def orders(self) -> OrderFinder: ...


class AsyncReconcilingClient(ClientExchange, Protocol):
    """What :meth:`OrderJournal.areconcile` needs (``AsyncKalshiClient`` is one)."""

    @property
    def orders(self) -> AsyncOrderFinder: ...


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _same_url(recorded: str, wanted: str | None) -> bool:
    return wanted is None or recorded.rstrip("/") == wanted.rstrip("/")


def intent_of(spec: OrderSpec) -> dict[str, object]:
    """The intent as JSON-able fields; unset ones are left out."""
    shown: dict[str, object] = {}
    for field in dataclasses.fields(spec):
        value = getattr(spec, field.name)
        if isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, Decimal | Contracts):
            value = str(value)
        if value is not None:
            shown[field.name] = value
    return shown


def outcome_entry(
    outcome: OrderResult | BatchItemResult | Failed,
) -> tuple[JournalState, str | None, str | None]:
    """(state, order_id, detail) to record for what became of an order."""
    if isinstance(outcome, Failed):
        return outcome.state, None, " ".join(filter(None, (str(outcome.error), outcome.note)))
    if outcome.order_id is not None:
        return "placed", outcome.order_id, outcome.resolved_by
    error = outcome.error
    return "refused", None, f"{error.code}: {error.message}" if error else None


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """One journaled order: what was meant, what was sent, and what became of it."""

    client_order_id: str
    env: str
    base_url: str
    ticker: str
    intent: dict[str, Any]
    request: dict[str, Any]
    state: JournalState
    order_id: str | None
    detail: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: tuple[Any, ...]) -> JournalEntry:
        coid, env, url, ticker, intent, request, state, order_id, detail, created, updated = row
        return cls(
            coid, env, url, ticker, json.loads(intent), json.loads(request),
            cast(JournalState, state), order_id, detail,
            datetime.fromisoformat(created), datetime.fromisoformat(updated),
        )  # fmt: skip

    def create_request(self) -> CreateOrderV2Request:
        """The request body as sent."""
        return msgspec.convert(self.request, CreateOrderV2Request)


class OrderJournal:
    """A SQLite order journal; safe to share between threads (one lock around each statement)."""

    def __init__(self, path: str | Path, *, clock: Callable[[], datetime] = _utc_now) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._clock = clock
        self._lock = threading.Lock()
        # autocommit: each record is on disk before the order it describes is sent
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(_SCHEMA)

    def __repr__(self) -> str:
        return f"OrderJournal({str(self.path)!r})"

    # -- writing

    def record(
        self, request: CreateOrderV2Request, *, intent: dict[str, object], env: str, base_url: str
    ) -> None:
        """Record an order as ``pending``; call it before the request is sent."""
        coid = request.client_order_id
        if not coid:
            raise ValueError("only orders with a client_order_id can be journaled")
        now = self._now()
        body = msgspec.json.encode(request).decode()
        self._execute(
            f"INSERT INTO orders ({_COLUMNS})"
            " VALUES (?, ?, ?, ?, ?, ?, 'pending', NULL, NULL, ?, ?)"
            " ON CONFLICT(client_order_id) DO UPDATE SET env=excluded.env,"
            " base_url=excluded.base_url, ticker=excluded.ticker, intent=excluded.intent,"
            " request=excluded.request, state='pending', order_id=NULL, detail=NULL,"
            " updated_at=excluded.updated_at",
            (coid, env, base_url, request.ticker, json.dumps(intent), body, now, now),
        )

    def mark(
        self,
        client_order_id: str,
        state: JournalState,
        *,
        order_id: str | None = None,
        detail: str | None = None,
    ) -> None:
        """Say what became of an order (an order id, once known, is kept)."""
        self._execute(
            "UPDATE orders SET state = ?, order_id = COALESCE(?, order_id), detail = ?,"
            " updated_at = ? WHERE client_order_id = ?",
            (state, order_id, detail, self._now(), client_order_id),
        )

    def mark_outcome(
        self, client_order_id: str, outcome: OrderResult | BatchItemResult | Failed
    ) -> None:
        state, order_id, detail = outcome_entry(outcome)
        self.mark(client_order_id, state, order_id=order_id, detail=detail)

    # -- reading

    def get(self, client_order_id: str) -> JournalEntry | None:
        rows = self._query(
            f"SELECT {_COLUMNS} FROM orders WHERE client_order_id = ?", (client_order_id,)
        )
        return JournalEntry.from_row(rows[0]) if rows else None

    def entries(self, *, state: JournalState | None = None) -> list[JournalEntry]:
        """Every entry (or those in ``state``), oldest first."""
        where, args = ("WHERE state = ?", (state,)) if state else ("", ())
        rows = self._query(f"SELECT {_COLUMNS} FROM orders {where} ORDER BY created_at", args)
        return [JournalEntry.from_row(row) for row in rows]

    def unresolved(self, env: str, base_url: str | None = None) -> list[JournalEntry]:
        """The ``pending`` and ``unknown`` entries of one environment (and, given, one exchange
        URL), oldest first."""
        return [
            e
            for e in self.entries()
            if e.state in UNRESOLVED and e.env == env and _same_url(e.base_url, base_url)
        ]

    # -- reconciling

    def reconcile(self, client: ReconcilingClient) -> list[JournalEntry]:
        """Settle the unresolved entries sent to this client's exchange; returns them, updated."""
        settled = []
        for entry in self._to_reconcile(client):
            since = lookup_since(entry.created_at.timestamp(), client.retry_policy)
            found = client.orders.find(entry.ticker, entry.client_order_id, since=since)
            settled.append(self._settle(entry, found, client.retry_policy.resend_after))
        return settled

    async def areconcile(self, client: AsyncReconcilingClient) -> list[JournalEntry]:
        """``reconcile`` for the async client."""
        settled = []
        for entry in self._to_reconcile(client):
            since = lookup_since(entry.created_at.timestamp(), client.retry_policy)
            found = await client.orders.find(entry.ticker, entry.client_order_id, since=since)
            settled.append(self._settle(entry, found, client.retry_policy.resend_after))
        return settled

    def _to_reconcile(self, client: ClientExchange) -> list[JournalEntry]:
        return self.unresolved(client.config.environment.value, client.base_url)

    def _settle(
        self, entry: JournalEntry, found: Order | None, resend_after: float
    ) -> JournalEntry:
        """Placed if found; absent only when no attempt of it can still arrive."""
        if found is not None and same_order(found, entry.create_request()):
            self.mark(entry.client_order_id, "placed", order_id=found.order_id, detail="reconcile")
        elif self._clock() - entry.updated_at >= timedelta(seconds=resend_after):
            detail = "reconcile: no such order on the exchange"
            self.mark(entry.client_order_id, "absent", detail=detail)
        settled = self.get(entry.client_order_id)
        assert settled is not None  # entries are never deleted
        return settled

    # -- plumbing

    def _now(self) -> str:
        return self._clock().astimezone(UTC).isoformat()

    def _execute(self, sql: str, args: tuple[object, ...]) -> None:
        with self._lock:
            self._db.execute(sql, args)

    def _query(self, sql: str, args: tuple[object, ...]) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
