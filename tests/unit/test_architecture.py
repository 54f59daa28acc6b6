"""The layout's rules (docs/architecture.md), checked on the source: no import circle, no
private module imported from outside its package, the sandbox's layers and faces, a light
``import kalshikit``, and no module over 600 lines."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import architecture as arch

MAX_LINES = 600
SERVER_AND_CLI_LIBRARIES = ("starlette", "uvicorn", "typer", "httptools", "uvloop", "platformdirs")


def test_the_graph_is_read() -> None:
    """A graph read wrong would pass every rule below: a few edges that must be there."""
    edges = arch.graph()
    assert "kalshikit.endpoints" in edges["kalshikit.http.client"]
    assert "kalshikit.sandbox.exchange" in edges["kalshikit.sandbox.store.persistent"]
    assert "kalshikit.sandbox.engine" in edges["kalshikit.sandbox.exchange.core"]
    assert len(edges) > 100


def test_no_import_circle() -> None:
    assert arch.cycles() == []


def test_no_private_module_is_imported_from_outside_its_package() -> None:
    assert arch.private_imports_across_packages() == []


def test_the_sandbox_layers_only_import_downwards() -> None:
    assert arch.layer_breaks() == []


def test_sandbox_subpackages_are_reached_through_their_face() -> None:
    assert arch.face_bypasses() == []


def test_only_the_cli_imports_the_sandbox_and_nothing_imports_the_cli() -> None:
    """The console script's entry (kalshikit._entry) is the one door into the CLI."""
    edges = arch.graph()
    cli_side = ("kalshikit.cli", "kalshikit._entry")
    wrong = [
        (importer, target)
        for importer, targets in edges.items()
        for target in targets
        if (
            target.startswith("kalshikit.sandbox")
            and not importer.startswith(("kalshikit.sandbox", *cli_side))
        )
        or (target.startswith("kalshikit.cli") and not importer.startswith(cli_side))
    ]
    assert wrong == []


def test_no_module_is_over_600_lines() -> None:
    assert arch.long_modules(MAX_LINES) == []


def test_import_kalshikit_loads_no_server_or_cli_library() -> None:
    probe = textwrap.dedent(
        f"""
        import sys
        import kalshikit
        wanted = {SERVER_AND_CLI_LIBRARIES!r}
        loaded = sorted({{m.split(".")[0] for m in sys.modules}} & set(wanted))
        extras = ("kalshikit.sandbox", "kalshikit.cli")
        ours = sorted(m for m in sys.modules if m.startswith(extras))
        print(loaded, ours)
        """
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[] []"
