"""Live tests: real Kalshi demo credentials, or a clean skip that names what is missing.

Run them with `pytest -m live` once `KALSHI_DEMO_API_KEY_ID` and `KALSHI_DEMO_PRIVATE_KEY_PATH`
(or `KALSHI_DEMO_PRIVATE_KEY`) are set. Nothing here ever runs against prod.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from kalshikit import KalshiClient
from kalshikit.config import APIConfig


def missing_demo_credentials() -> str | None:
    """The first demo variable that is not set, or None when the suite can run."""
    if not os.environ.get("KALSHI_DEMO_API_KEY_ID"):
        return "KALSHI_DEMO_API_KEY_ID"
    if not (
        os.environ.get("KALSHI_DEMO_PRIVATE_KEY_PATH") or os.environ.get("KALSHI_DEMO_PRIVATE_KEY")
    ):
        return "KALSHI_DEMO_PRIVATE_KEY_PATH (or KALSHI_DEMO_PRIVATE_KEY)"
    return None


@pytest.fixture
def demo_client() -> Iterator[KalshiClient]:
    missing = missing_demo_credentials()
    if missing is not None:
        pytest.skip(f"live demo test: {missing} is not set")
    with KalshiClient(config=APIConfig.resolve("demo")) as client:
        yield client
