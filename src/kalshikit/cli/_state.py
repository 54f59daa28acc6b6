"""What every CLI command shares: the global options and the clients built from them."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import platformdirs
import typer

from kalshikit.cli._output import note
from kalshikit.config import DEFAULT_URLS, APIConfig, Environment
from kalshikit.http.client import KalshiClient
from kalshikit.sandbox import launch
from kalshikit.sandbox.keys import default_user_key


@dataclass(slots=True)
class AppState:
    """Global options, after hoisting (they may appear anywhere on the command line)."""

    env: str | None = None
    json: bool = False
    debug: bool = False
    rate_tier: str | None = None

    def config(self) -> APIConfig:
        return APIConfig.resolve(self.env, rate_tier=self.rate_tier)

    def client(self, *, authenticated: bool = False) -> KalshiClient:
        """A client for this invocation. At the default local URL the sandbox is started when
        needed, and ``authenticated`` calls without a configured key use the sandbox's default
        user (made on first use), so `kalshi order place` works on a fresh machine."""
        config = self.config()
        if is_default_local(config):
            config = ensure_local_sandbox(config)
            if authenticated and not config.has_credentials:
                config = with_default_sandbox_key(config)
        return KalshiClient(config=config)

    def order_client(self) -> KalshiClient:
        """An authenticated client whose writes are journaled (reconciled before use)."""
        from kalshikit.journal import OrderJournal

        client = self.client(authenticated=True)
        journal_path().parent.mkdir(parents=True, exist_ok=True)
        client.journal = OrderJournal(journal_path())
        client.journal.reconcile(client)
        return client

    @property
    def environment(self) -> Environment:
        return self.config().environment


def journal_path() -> Path:
    """The CLI's order journal: every intent is recorded there before it is sent."""
    return platformdirs.user_data_path("kalshikit") / "journal.sqlite3"


def is_default_local(config: APIConfig) -> bool:
    """The sandbox the CLI manages itself: --env local at the default URL. One the user pointed
    us elsewhere is theirs to start and to give keys for."""
    local = DEFAULT_URLS[Environment.LOCAL].rest
    return config.environment is Environment.LOCAL and config.rest_url == local


def with_default_sandbox_key(config: APIConfig) -> APIConfig:
    key = default_user_key(launch.SandboxSettings())
    return dataclasses.replace(
        config,
        api_key_id=key["api_key_id"],
        private_key_path=Path(key["private_key_path"]),
        private_key_pem=None,
        sources={
            **config.sources,
            "api_key_id": "sandbox default user",
            "private_key": "sandbox default user",
        },
    )


def ensure_local_sandbox(config: APIConfig) -> APIConfig:
    """The default data dir's own sandbox, started when it is not running (README); the
    config pointed at it. Whatever else answers on the default port is not ours: starting there
    fails with the busy-port error and its fix."""
    settings = launch.SandboxSettings()
    server = launch.running_server(settings.data_dir)
    if server is None:
        launch.remember(settings)
        launch.start_background(settings)
        note(
            f"started the local sandbox at {settings.rest_url} (stop it with `kalshi sandbox stop`)"
        )
        return config
    running = launch.at_server(settings, server)
    if running.rest_url == config.rest_url:
        return config
    return dataclasses.replace(
        config,
        rest_url=running.rest_url,
        ws_url=running.ws_url,
        sources={**config.sources, "rest_url": "the running local sandbox"},
    )


def state(ctx: typer.Context) -> AppState:
    """The AppState stored by the root callback."""
    found = ctx.find_root().obj
    return found if isinstance(found, AppState) else AppState()
