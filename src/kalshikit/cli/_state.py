"""What every CLI command shares: the global options and the clients built from them."""

from __future__ import annotations

from dataclasses import dataclass

import typer

from kalshikit.cli._output import note
from kalshikit.config import DEFAULT_URLS, APIConfig, Environment
from kalshikit.http.client import KalshiClient
from kalshikit.sandbox import launch


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
        config = self.config()
        ensure_local_sandbox(config)
        return KalshiClient(config=config)

    @property
    def environment(self) -> Environment:
        return self.config().environment


def ensure_local_sandbox(config: APIConfig) -> None:
    """With --env local at the default URL and nothing answering, start the sandbox (DESIGN.md).

    Only the default URL: a sandbox the user pointed us elsewhere is theirs to start.
    """
    if config.environment is not Environment.LOCAL:
        return
    if config.rest_url != DEFAULT_URLS[Environment.LOCAL].rest:
        return
    settings = launch.SandboxSettings()
    if launch.is_answering(settings.host, settings.port):
        return
    launch.remember(settings)
    launch.start_background(settings)
    note(f"started the local sandbox at {settings.rest_url} (stop it with `kalshi sandbox stop`)")


def state(ctx: typer.Context) -> AppState:
    """The AppState stored by the root callback."""
    found = ctx.find_root().obj
    return found if isinstance(found, AppState) else AppState()
