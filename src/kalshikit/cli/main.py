"""The `kalshi` command line: global options, command groups, and errors turned into exit codes.

Exit codes (docs/architecture.md): 0 success (an empty result included), 1 runtime or API failure,
2 bad input or not found, 130 interrupted. No traceback reaches the user unless ``--debug``.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Sequence
from typing import Annotated, Any, Final

import typer
import typer.main

from kalshikit import __version__, logs
from kalshikit.cli._lazy import LazyGroup, polish
from kalshikit.cli._output import fail, note
from kalshikit.cli._state import AppState
from kalshikit.errors import (
    APIConnectionError,
    APIError,
    CommandRefused,
    ConfigError,
    KalshiError,
    NotFound,
    ValidationError,
)

app = typer.Typer(
    name="kalshi",
    help="Trade and research on Kalshi from the terminal (local sandbox, demo or prod).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    cls=LazyGroup,  # each command imported when it runs (kalshikit/cli/_lazy.py)
)

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130
_VALUE_FLAGS = ("--env", "--rate-tier")
_BOOL_FLAGS = ("--json", "--debug")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"kalshikit {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    env: Annotated[
        str | None, typer.Option("--env", help="local (default), demo, prod, paper; or KALSHI_ENV")
    ] = None,
    json: Annotated[bool, typer.Option("--json", help="Machine-readable output only.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Tracebacks and HTTP logs.")] = False,
    rate_tier: Annotated[
        str | None, typer.Option("--rate-tier", help="Rate-limit tier; or KALSHI_RATE_TIER")
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Global options may be given before or after the command."""
    ctx.obj = AppState(env=env, json=json, debug=debug, rate_tier=rate_tier)
    if debug:
        logging.basicConfig(level=logging.DEBUG, format="%(name)s: %(message)s")
        logs.install()  # every handler, whichever library's record it formats


def hoist_global_options(argv: Sequence[str]) -> list[str]:
    """Move global options to the front so `kalshi config show --env demo` works too."""
    front: list[str] = []
    rest: list[str] = []
    items = list(argv)
    while items:
        arg = items.pop(0)
        name = arg.split("=", 1)[0]
        if name in _VALUE_FLAGS:
            front.append(arg)
            if "=" not in arg and items:
                front.append(items.pop(0))
        elif arg in _BOOL_FLAGS:
            front.append(arg)
        else:
            rest.append(arg)
    return front + rest


# WebSocket error codes that mean the command itself was wrong (kalshi-websocket.md 2): a bad
# ticker (11 "invalid parameter"), a missing or unknown field, channel or sid, a market limit
_BAD_COMMAND_CODES: Final = frozenset({1, 2, 3, 4, 5, 7, 8, 11, 12, 13, 14, 15, 24, 26, 28})


def exit_code_for(error: BaseException) -> int:
    if isinstance(error, ValidationError | ConfigError | NotFound):
        return EXIT_BAD_INPUT
    if isinstance(error, CommandRefused) and error.code in _BAD_COMMAND_CODES:
        return EXIT_BAD_INPUT
    return EXIT_FAILURE


def message_for(error: BaseException) -> str:
    """The one line a user reads; a refused stream command says what was refused, not its JSON."""
    if isinstance(error, CommandRefused):
        try:
            sent = json.loads(error.command)
        except ValueError:
            sent = {}
        params = sent.get("params", {}) if isinstance(sent, dict) else {}
        markets = ", ".join(params.get("market_tickers", []) or [])
        what = f"{sent.get('cmd', 'the command')} to {markets}" if markets else "the command"
        return f"the exchange refused {what}: {error.server_message} (error {error.code})"
    if isinstance(error, APIConnectionError):  # the network, a proxy, the clock: doctor looks
        return f"{error}; `kalshi doctor` checks each step"
    return str(error)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI on ``argv`` (default: sys.argv[1:]) and return the exit code."""
    args = hoist_global_options(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    try:
        result = command().main(args=args, standalone_mode=False, prog_name="kalshi")
    except typer.Exit as done:
        return int(done.exit_code)
    except typer.Abort:
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:
        fail("interrupted")
        return EXIT_INTERRUPTED
    except typer.TyperException as usage:  # bad flags and arguments, as reported by the parser
        return _report_usage(usage)
    except BrokenPipeError:  # `kalshi ... | head`: the reader has all it wanted
        _silence_stdout()
        return EXIT_OK
    except (KalshiError, APIError, OSError, RuntimeError) as error:
        if debug:
            raise
        fail(message_for(error))
        return exit_code_for(error)
    return int(result) if isinstance(result, int) else EXIT_OK


def command() -> Any:
    """The click command tree of ``app``, polished (kalshikit/cli/_lazy.py)."""
    return polish(typer.main.get_command(app))


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so the flush at exit does not hit the closed pipe again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def _report_usage(usage: typer.TyperException) -> int:
    """One line saying what is wrong, and one saying where the help is."""
    format_message = getattr(usage, "format_message", None)
    fail(format_message() if callable(format_message) else str(usage))
    ctx = getattr(usage, "ctx", None)
    if ctx is not None:
        note(f"see: {ctx.command_path} --help")
    return int(getattr(usage, "exit_code", EXIT_BAD_INPUT))


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())


if __name__ == "__main__":
    run()
