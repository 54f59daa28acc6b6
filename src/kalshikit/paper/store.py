"""Paper accounts on disk: a ``PaperEngine``'s accounts and counters in one SQLite file.

The paper server saves an account after every write that touched it (an order, a cancel, a
fill heard on the feed) and restores them all at start, so paper accounts outlive restarts.
Each account is one row of JSON (exact ints only: ticks, centi-contracts, micro-dollars,
nanoseconds); the engine's id counters and clock, the closed markets and the last trade prices
(the balance marks positions at them) sit beside them, so ids never repeat. The
source's books are not kept: they come back from the feed's first snapshot.

The engine has no export API, so this module reads and writes its state fields directly; it is
the one place that does, and the restart test pins it.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from pathlib import Path
from typing import Any, Final

from kalshikit.errors import ValidationError
from kalshikit.paper.accounts import PaperAccount, PaperPosition
from kalshikit.paper.engine import PaperEngine
from kalshikit.paper.records import PaperFill, PaperOrder, PaperSettlement

__all__ = ["PaperStore", "account_from_json", "account_to_json"]

_SCHEMA: Final = (
    "CREATE TABLE IF NOT EXISTS accounts (name TEXT PRIMARY KEY, state TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS closed (ticker TEXT PRIMARY KEY, why TEXT NOT NULL)",
    # the last trade price of each market: the balance marks positions at it
    "CREATE TABLE IF NOT EXISTS last_prices (ticker TEXT PRIMARY KEY, ticks INTEGER NOT NULL)",
)
_COUNTERS: Final = ("_order_seq", "_fill_seq", "_now")


def account_to_json(account: PaperAccount) -> str:
    """One account as JSON: its records field by field (the resting index is rebuilt on load)."""
    state: dict[str, Any] = {
        "name": account.name, "cash": account.cash, "updated_ns": account.updated_ns,
        "held": dict(account.held),
        "positions": [dataclasses.asdict(p) for p in account.positions.values()],
        "orders": [dataclasses.asdict(o) for o in account.orders.values()],
        "fills": [dataclasses.asdict(f) for f in account.fills],
        "settlements": [dataclasses.asdict(s) for s in account.settlements],
    }  # fmt: skip
    return json.dumps(state, separators=(",", ":"))


def account_from_json(text: str) -> PaperAccount:
    """The account ``account_to_json`` wrote: orders in their first order, the resting ones
    indexed again through the account's own ``add_order``."""
    state = json.loads(text)
    account = PaperAccount(
        name=state["name"], cash=state["cash"], updated_ns=state["updated_ns"],
        positions={p["ticker"]: PaperPosition(**p) for p in state["positions"]},
        held=dict(state["held"]),
        fills=[PaperFill(**f) for f in state["fills"]],
        settlements=[PaperSettlement(**s) for s in state["settlements"]],
    )  # fmt: skip
    for fields in state["orders"]:
        order = PaperOrder(**fields)
        if order.is_resting:
            account.add_order(order)
        else:
            account.orders[order.order_id] = order
    return account


class PaperStore:
    """The SQLite file of one paper data dir. Every call commits before it returns."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        # the server's one event loop uses it, from the thread that loop runs in
        self._db = sqlite3.connect(path, check_same_thread=False)
        with self._db:
            for statement in _SCHEMA:
                self._db.execute(statement)

    def close(self) -> None:
        self._db.close()

    def save(self, engine: PaperEngine, names: set[str] | list[str]) -> None:
        """Write ``names``' accounts (gone ones are deleted) and the engine's counters."""
        accounts = engine._accounts
        with self._db:
            for name in names:
                if name in accounts:
                    row = (name, account_to_json(accounts[name]))
                    self._db.execute("INSERT OR REPLACE INTO accounts VALUES (?, ?)", row)
                else:
                    self._db.execute("DELETE FROM accounts WHERE name = ?", (name,))
            counters = [(c, int(getattr(engine, c))) for c in _COUNTERS]
            self._db.executemany("INSERT OR REPLACE INTO counters VALUES (?, ?)", counters)
            self._db.execute("DELETE FROM closed")
            self._db.executemany("INSERT INTO closed VALUES (?, ?)", engine._closed.items())
            prices = engine._last_price.items()
            self._db.executemany("INSERT OR REPLACE INTO last_prices VALUES (?, ?)", prices)

    def load_into(self, engine: PaperEngine) -> list[str]:
        """Restore every saved account into a fresh ``engine``; their names, sorted."""
        if engine._accounts:
            raise ValidationError("restore into a fresh PaperEngine: this one has accounts")
        for name, text in self._db.execute("SELECT name, state FROM accounts ORDER BY name"):
            engine._accounts[name] = account_from_json(text)
        for name, value in self._db.execute("SELECT name, value FROM counters"):
            if name in _COUNTERS:
                setattr(engine, name, value)
        engine._closed.update(self._db.execute("SELECT ticker, why FROM closed"))
        engine._last_price.update(self._db.execute("SELECT ticker, ticks FROM last_prices"))
        return sorted(engine._accounts)

    def account_names(self) -> list[str]:
        return [row[0] for row in self._db.execute("SELECT name FROM accounts ORDER BY name")]

    def delete(self, name: str | None) -> int:
        """Forget one account (``name``) or all of them (None); how many went. The id counters
        stay, so a new account's order ids never repeat an old one's."""
        with self._db:
            if name is None:
                return int(self._db.execute("DELETE FROM accounts").rowcount)
            return int(self._db.execute("DELETE FROM accounts WHERE name = ?", (name,)).rowcount)
