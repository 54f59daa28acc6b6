"""What every CLI command shares: the global options and the clients built from them.

The clients' modules are imported when a command asks for one, not here: `kalshi --help` and
the parsing of every command must not load the HTTP stack, the sandbox or the key handling.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from kalshikit.config import APIConfig, Environment
    from kalshikit.http.client import KalshiClient


@dataclass(slots=True)
class AppState:
    """Global options, after hoisting (they may appear anywhere on the command line)."""

    env: str | None = None
    json: bool = False
    debug: bool = False
    rate_tier: str | None = None

    def config(self) -> APIConfig:
        from kalshikit.config import APIConfig

        return APIConfig.resolve(self.env, rate_tier=self.rate_tier)

    def client(self, *, authenticated: bool = False) -> KalshiClient:
        """A client for this invocation. At the default local URL the sandbox is started when
        needed, and ``authenticated`` calls without a configured key use the sandbox's default
        user (made on first use), so `kalshi order place` works on a fresh machine."""
        from kalshikit.cli._clients import client_for

        return client_for(self.config(), authenticated=authenticated)

    def order_client(self) -> KalshiClient:
        """An authenticated client whose writes are journaled (reconciled before use)."""
        from kalshikit.cli._clients import journaled_client

        return journaled_client(self.client(authenticated=True))

    @property
    def environment(self) -> Environment:
        return self.config().environment


def state(ctx: typer.Context) -> AppState:
    """The AppState stored by the root callback."""
    found = ctx.find_root().obj
    return found if isinstance(found, AppState) else AppState()
