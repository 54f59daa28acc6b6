"""The clients a CLI command talks through: at the default local URL the sandbox is started
when needed and its default user signs what needs a user (README, "the first hour")."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import platformdirs

from kalshikit.cli._output import note, stderr
from kalshikit.config import DEFAULT_URLS, APIConfig, Environment
from kalshikit.http.client import KalshiClient
from kalshikit.sandbox import launch
from kalshikit.sandbox.keys import default_user_key


def client_for(config: APIConfig, *, authenticated: bool) -> KalshiClient:
    """A client for one invocation; see ``AppState.client``."""
    if is_default_local(config):
        config = ensure_local_sandbox(config)
        if authenticated and not config.has_credentials:
            config = with_default_sandbox_key(config)
    if config.environment is Environment.PAPER:
        config = paper_config(config)
    return KalshiClient(config=config)


def paper_config(config: APIConfig) -> APIConfig:
    """``--env paper``: said on stderr every time; at the default URL the paper exchange is
    started when needed, and its default key names the account when no key is configured."""
    from kalshikit.cli._paper_env import ensure_paper

    return ensure_paper(config, paper_source_config)


def paper_source_config(source: str) -> APIConfig:
    """A paper exchange's source: the local sandbox started when needed and its default user
    signing the stream, as every `--env local` command does; demo and prod as configured."""
    config = APIConfig.resolve(source)
    if is_default_local(config):
        config = ensure_local_sandbox(config)
        if not config.has_credentials:
            config = with_default_sandbox_key(config)
    return config


def journaled_client(client: KalshiClient) -> KalshiClient:
    """``client`` with the CLI's order journal, reconciled before any write."""
    from kalshikit.journal import OrderJournal

    journal_path().parent.mkdir(parents=True, exist_ok=True)
    client.journal = OrderJournal(journal_path())
    client.journal.reconcile(client)
    return client


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


def start_with_progress(settings: launch.SandboxSettings) -> int:
    """Start the sandbox in the background with a spinner naming each step (a terminal only)."""
    with stderr.status("starting the sandbox") as status:
        return launch.start_background(
            settings, progress=lambda step: status.update(f"starting the sandbox: {step}")
        )


def ensure_local_sandbox(config: APIConfig) -> APIConfig:
    """The default data dir's own sandbox, started when it is not running (README); the
    config pointed at it. Whatever else answers on the default port is not ours: starting there
    fails with the busy-port error and its fix."""
    settings = launch.SandboxSettings()
    if launch.running_server(settings.data_dir) is None:
        launch.remember(settings)
        start_with_progress(settings)
        note(
            f"started the local sandbox at {settings.rest_url} (stop it with `kalshi sandbox stop`)"
        )
        return config
    return following_local_sandbox(config)


def following_local_sandbox(config: APIConfig) -> APIConfig:
    """``config`` pointed at the default data dir's sandbox when it runs, on whatever port it
    was given; unchanged when it does not run (nothing is started)."""
    settings = launch.SandboxSettings()
    server = launch.running_server(settings.data_dir)
    if server is None:
        return config
    running = launch.at_server(settings, server)
    if running.rest_url == config.rest_url:
        return config
    return dataclasses.replace(
        config,
        rest_url=running.rest_url,
        ws_url=running.ws_url,
        sources={**config.sources, "rest_url": "the running local sandbox",
                 "ws_url": "the running local sandbox"},
    )  # fmt: skip
