"""`--env paper` for every command: the paper exchange found (or started) and labelled.

Kept apart from ``_clients`` (which calls it) so the two import nothing of each other's: the
source's config comes in as a function.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from kalshikit.cli._output import note
from kalshikit.config import DEFAULT_URLS, APIConfig, Environment
from kalshikit.endpoints import WS_PATH
from kalshikit.paper import launch

__all__ = ["ensure_paper"]


def ensure_paper(config: APIConfig, source_config: Callable[[str], APIConfig]) -> APIConfig:
    """``config`` (env paper) ready to use: PAPER said on stderr; at the default URL the data
    dir's paper exchange started when it is not running; the default paper key when none."""
    managed = config.rest_url == DEFAULT_URLS[Environment.PAPER].rest
    settings = launch.remembered()
    if managed and not launch.is_running(settings):
        settings = launch.PaperSettings(source=config.paper_source, data_dir=settings.data_dir,
                                        cash_micro=settings.cash_micro)  # fmt: skip
        if settings.source == "local":
            source_config("local")
        launch.default_key(settings.data_dir)
        launch.start_background(settings)
        note(f"started the PAPER exchange at {settings.rest_url} (stop: `kalshi paper stop`)")
    if managed and settings.rest_url != config.rest_url:  # started with --port elsewhere
        ws_url = settings.rest_url.replace("http", "ws", 1).replace("/trade-api/v2", WS_PATH)
        config = dataclasses.replace(config, rest_url=settings.rest_url, ws_url=ws_url)
    if managed and not config.has_credentials:
        key_id, path = launch.default_key(settings.data_dir)
        config = dataclasses.replace(
            config, api_key_id=key_id, private_key_path=path, private_key_pem=None,
            sources={**config.sources, "api_key_id": "paper default key",
                     "private_key": "paper default key"},
        )  # fmt: skip
    source = settings.source if managed else config.paper_source
    note(f"PAPER trading (account {config.api_key_id}, books from {source}): no real orders")
    return config
