"""What every CLI command shares: the global options and the clients built from them."""

from __future__ import annotations

from dataclasses import dataclass

import typer

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
        return APIConfig.resolve(self.env, rate_tier=self.rate_tier)

    def client(self) -> KalshiClient:
        return KalshiClient(config=self.config())

    @property
    def environment(self) -> Environment:
        return self.config().environment


def state(ctx: typer.Context) -> AppState:
    """The AppState stored by the root callback."""
    found = ctx.find_root().obj
    return found if isinstance(found, AppState) else AppState()
