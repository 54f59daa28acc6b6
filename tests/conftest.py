"""Shared test set-up: paths to the recorded API responses and the references.

Both live in the repo (tests/fixtures/kalshi), copied unchanged from the team's shared folder,
so a clone anywhere passes its own tests; tests/unit/test_fixtures.py keeps the copies true
when the shared folder sits beside the repo.
"""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures" / "kalshi"
GOLDEN = FIXTURES / "golden" / "2026-01"
REFERENCE = FIXTURES / "reference"


@pytest.fixture(scope="session")
def golden_dir() -> Path:
    if not GOLDEN.is_dir():
        pytest.fail(f"recorded responses missing: {GOLDEN} (part of the repo: restore it)")
    return GOLDEN


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    if not REFERENCE.is_dir():
        pytest.fail(f"references missing: {REFERENCE} (part of the repo: restore it)")
    return REFERENCE
