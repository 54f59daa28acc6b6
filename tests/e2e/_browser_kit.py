"""A real browser for the dashboard's tests: the system's Chromium, driven by Playwright.

`make test` installs Chromium from the system's packages (browser builds that Playwright would
download cannot be fetched here). A machine without it fails these tests with the fix; it never
skips them, so a CI that lost its browser is red, not quietly green.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

_NAMES = ("chromium", "chromium-browser", "google-chrome")


def chromium_path() -> str:
    """The Chromium to drive: $KALSHIKIT_CHROMIUM, else the first on PATH; fails with the fix."""
    chosen = os.environ.get("KALSHIKIT_CHROMIUM")
    found = chosen or next((path for name in _NAMES if (path := shutil.which(name))), None)
    if not found:
        pytest.fail("no Chromium on this machine: `make test` installs it (apt-get install "
                    "chromium), or set KALSHIKIT_CHROMIUM to a Chromium executable")  # fmt: skip
    return found


@contextmanager
def browser() -> Iterator[Any]:
    """A headless Chromium (Playwright's Browser)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        launched = driver.chromium.launch(
            executable_path=chromium_path(), args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            yield launched
        finally:
            launched.close()


def user_env(url: str, key_id: str, key_path: Path, home: Path) -> dict[str, str]:
    """A process environment signed in as one sandbox user, for every env name."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KALSHI_")}
    env["KALSHI_API_URL"] = url
    for kind in ("DATA", "STATE", "CONFIG"):  # the CLI's journal and settings: the test's own
        env[f"XDG_{kind}_HOME"] = str(home / kind.lower())
    for prefix in ("KALSHI_", "KALSHI_PROD_"):
        env[f"{prefix}API_KEY_ID"] = key_id
        env[f"{prefix}PRIVATE_KEY_PATH"] = str(key_path)
    return env


@contextmanager
def dashboard(env: dict[str, str], *argv: str) -> Iterator[str]:
    """`kalshi --json dashboard --port 0 --no-open ARGV` in its own process; yields the page's
    address (with its token) once it serves; stops it after."""
    command = [sys.executable, "-m", "kalshikit.cli.main", "--json", "dashboard", "--port", "0",
               "--no-open", *argv]  # fmt: skip
    with tempfile.TemporaryFile("w+") as errors:
        process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=errors,
                                   text=True)  # fmt: skip
        assert process.stdout is not None
        try:
            line = process.stdout.readline()
            if not line:
                errors.seek(0)
                raise AssertionError(f"the dashboard did not start: {errors.read()}")
            yield str(json.loads(line)["url"])
        finally:
            process.terminate()
            process.wait(timeout=30)
            process.stdout.close()
