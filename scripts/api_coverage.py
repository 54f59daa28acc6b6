"""Write docs/api-coverage.md: every operation of the official SDK and what kalshikit has of it.

The table is generated, never edited by hand, so it cannot go stale: the list of operations is
the official SDK's (kalshi-python-sync 3.34.0, `tests/fixtures/kalshi/reference/spec/
rest-endpoints-sdk-3.34.json`), matched by method and path to kalshikit's endpoint table
(`kalshikit.endpoints`). For each one it says:

- the client method (`client.<resource>.<method>`, the same on `AsyncKalshiClient`), found on a
  client built offline;
- the CLI commands that call it, found by reading the CLI's source (which command functions
  call `client.<resource>.<method>`), through the command table of `kalshikit/cli/_lazy.py`;
- whether the sandbox serves it (a handler on its REST handlers).

Run: ``.venv/bin/python scripts/api_coverage.py`` (tests/unit/test_api_coverage.py fails when
the page differs from what this writes).
"""

from __future__ import annotations

import ast
import json
import sys
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SDK_OPERATIONS = ROOT / "tests/fixtures/kalshi/reference/spec/rest-endpoints-sdk-3.34.json"
PAGE = ROOT / "docs" / "api-coverage.md"
CLI = ROOT / "src" / "kalshikit" / "cli"


def client_methods() -> dict[str, str]:
    """Endpoint name -> ``client.resource.method`` where that method exists."""
    from kalshikit.config import APIConfig
    from kalshikit.endpoints import ENDPOINTS
    from kalshikit.http.client import KalshiClient

    config = APIConfig.resolve("local", environ={}, dotenv_path=False)
    found = {}
    with KalshiClient(config=config) as client:
        for name in ENDPOINTS:
            resource, method = name.split(".", 1)
            if callable(getattr(getattr(client, resource, None), method, None)):
                found[name] = f"`client.{name}`"
    return found


def _calls(node: ast.AST) -> Iterator[str]:
    """``resource.method`` of every ``<anything>.resource.method(...)`` call under ``node``."""
    for call in ast.walk(node):
        target = call.func if isinstance(call, ast.Call) else None
        if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Attribute):
            yield f"{target.value.attr}.{target.attr}"


def _command_name(node: ast.FunctionDef, group_attribute: str) -> str | None:
    """The name ``@<group_attribute>.command("name")`` gives ``node``, else None."""
    for decorator in node.decorator_list:
        if (
            isinstance(decorator, ast.Call)
            and isinstance(decorator.func, ast.Attribute)
            and decorator.func.attr == "command"
            and isinstance(decorator.func.value, ast.Name)
            and decorator.func.value.id == group_attribute
            and decorator.args
            and isinstance(decorator.args[0], ast.Constant)
        ):
            return str(decorator.args[0].value)
    return None


def _registered(tree: ast.AST, attribute: str) -> Iterator[tuple[str, str]]:
    """(command name, function name) of each ``<attribute>.command("name")(function)``: a
    command defined in another module and joined to this group."""
    for node in ast.walk(tree):
        inner = node.func if isinstance(node, ast.Call) else None
        if (
            isinstance(node, ast.Call)
            and isinstance(inner, ast.Call)
            and isinstance(inner.func, ast.Attribute)
            and inner.func.attr == "command"
            and isinstance(inner.func.value, ast.Name)
            and inner.func.value.id == attribute
            and inner.args
            and isinstance(inner.args[0], ast.Constant)
            and node.args
            and isinstance(node.args[0], ast.Name)
        ):
            yield str(inner.args[0].value), node.args[0].id


def _function(name: str) -> ast.FunctionDef | None:
    """The CLI function ``name``, whichever module of the CLI defines it."""
    for module in sorted(CLI.glob("*.py")):
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.FunctionDef) and node.name == name:
                return node
    return None


def _commands(group: str, module: Path, attribute: str) -> Iterator[tuple[str, str]]:
    """(``resource.method``, ``kalshi ...``) for the calls each command of a group makes
    directly: the functions of its Typer (``attribute``), the ones joined to it from another
    module, or the one function it is."""
    tree = ast.parse(module.read_text())
    for command, function in _registered(tree, attribute):
        found = _function(function)
        if found is not None:
            yield from ((call, f"kalshi {group} {command}") for call in _calls(found))
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef):
            continue
        if node.name == attribute:  # a command that is one function (scan, doctor)
            yield from ((call, f"kalshi {group}") for call in _calls(node))
        name = _command_name(node, attribute)
        if name is not None:
            yield from ((call, f"kalshi {group} {name}") for call in _calls(node))


def cli_commands() -> dict[str, list[str]]:
    """Endpoint name -> the CLI commands that call its client method."""
    from kalshikit.cli._lazy import COMMANDS
    from kalshikit.endpoints import ENDPOINTS

    found: dict[str, set[str]] = defaultdict(set)
    for group, entry in COMMANDS.items():
        module = CLI / f"{entry.module.rsplit('.', 1)[1]}.py"
        for call, command in _commands(group, module, entry.attribute):
            if call in ENDPOINTS:
                found[call].add(command)
    return {name: sorted(commands) for name, commands in found.items()}


def sandbox_served() -> set[str]:
    from kalshikit.endpoints import ENDPOINTS
    from kalshikit.sandbox.api.rest import RestHandlers

    return {name for name in ENDPOINTS if hasattr(RestHandlers, name.replace(".", "_"))}


def page() -> str:
    from kalshikit.endpoints import ENDPOINTS

    by_route = {(ep.method, ep.path): name for name, ep in ENDPOINTS.items()}
    methods, commands, served = client_methods(), cli_commands(), sandbox_served()
    operations = json.loads(SDK_OPERATIONS.read_text())
    rows, covered = [], 0
    for op in sorted(operations, key=lambda o: (o["file"], o["name"])):
        name = by_route.get((op["method"], op["path"]))
        method = methods.get(name, "") if name else ""
        covered += bool(method)
        rows.append(
            f"| {op['file'].removesuffix('_api.py')} | `{op['name']}` | {op['method']} "
            f"`{op['path']}` | {method or '—'} | "
            f"{', '.join(f'`{c}`' for c in commands.get(name or '', [])) or '—'} | "
            f"{'yes' if name in served else '—'} |"
        )
    header = [
        "# API coverage",
        "",
        "Every operation of the official SDK (kalshi-python-sync 3.34.0) and what kalshikit has "
        "of it. Generated by `scripts/api_coverage.py` from the endpoint table, the client, the "
        "CLI's source and the sandbox's handlers; do not edit by hand.",
        "",
        f"**{covered} of {len(operations)}** operations are on both clients "
        "(`KalshiClient` and `AsyncKalshiClient`, same names).",
        "",
        "| area | SDK operation | method and path | kalshikit | CLI | sandbox |",
        "|---|---|---|---|---|---|",
    ]
    return "\n".join([*header, *rows]) + "\n"


def main() -> int:
    PAGE.write_text(page())
    sys.stdout.write(f"wrote {PAGE.relative_to(ROOT)}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
