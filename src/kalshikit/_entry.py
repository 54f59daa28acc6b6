"""The ``kalshi`` console script: the command line, or one line saying how to install it.

The script is installed with the library, but the command line is an extra (typer, rich and the
sandbox): without it, ``kalshi`` says what to install instead of showing an ImportError.
"""

from __future__ import annotations

import sys

CLI_MODULES = ("typer", "rich", "starlette", "uvicorn", "platformdirs")


def missing_modules() -> list[str]:
    """The command line's libraries that are not installed."""
    import importlib.util

    return [name for name in CLI_MODULES if importlib.util.find_spec(name) is None]


def run() -> None:
    missing = missing_modules()
    if missing:
        sys.stderr.write(
            f"kalshi: the command line is not installed (missing: {', '.join(missing)}); "
            "install it with: pip install 'kalshikit[cli]'\n"
        )
        sys.exit(1)
    from kalshikit.cli.main import run as run_cli

    run_cli()
