"""Shared test set-up: paths to the recorded API responses and the references."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
GOLDEN = SHARED / "golden" / "2026-01"


@pytest.fixture(scope="session")
def golden_dir() -> Path:
    if not GOLDEN.is_dir():
        pytest.fail(f"recorded responses missing: {GOLDEN} (shared/ must sit beside the repo)")
    return GOLDEN
