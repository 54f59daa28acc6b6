"""The repo's copies of the recorded responses and references are the shared originals.

The copies make a clone pass its own tests anywhere; where the team's shared folder sits beside
the repo, this keeps them from drifting (and says which file to copy again).
"""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "kalshi"

SHARED = REPO.parent / "shared"
COPIES = {
    FIXTURES / "golden": SHARED / "golden",
    FIXTURES / "reference": SHARED / "reference",
}


def copied_files() -> list[tuple[Path, Path]]:
    return [
        (copy, SHARED / original_root.name / copy.relative_to(copy_root))
        for copy_root, original_root in COPIES.items()
        for copy in sorted(copy_root.rglob("*"))
        if copy.is_file()
    ]


def test_the_fixtures_are_in_the_repo() -> None:
    names = {copy.name for copy, _ in copied_files()}
    assert "markets_list_response.json" in names
    assert "rest-models-sdk-3.34.json" in names
    assert "kalshi-websocket.md" in names


@pytest.mark.skipif(not SHARED.is_dir(), reason="no shared folder beside the repo to compare with")
def test_every_copy_equals_its_shared_original() -> None:
    for copy, original in copied_files():
        assert original.is_file(), f"{copy} has no original at {original}"
        assert copy.read_bytes() == original.read_bytes(), f"copy {original} to {copy} again"
