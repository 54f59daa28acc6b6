"""The import graph of ``src/kalshikit``, read from the source (no import runs).

Every import counts: at module level, under ``if TYPE_CHECKING:``, and inside functions (a lazy
import is still a dependency; it only moves the cost). The architecture tests read this graph.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"
ROOT_PACKAGE = "kalshikit"


@dataclass(frozen=True)
class Module:
    name: str
    path: Path
    is_package: bool

    @property
    def package(self) -> str:
        """The package this module belongs to (itself, for a package's ``__init__``)."""
        return self.name if self.is_package else self.name.rpartition(".")[0]


@cache
def modules() -> dict[str, Module]:
    found: dict[str, Module] = {}
    for path in sorted((SRC / ROOT_PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        name = ".".join(parts[:-1] if is_package else parts)
        found[name] = Module(name, path, is_package)
    return found


def _imported(module: Module, node: ast.Import | ast.ImportFrom) -> Iterator[str]:
    known = modules()
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
        return
    base = node.module or ""
    if node.level:
        anchor = module.package.split(".")
        anchor = anchor[: len(anchor) - (node.level - 1)]
        base = ".".join([*anchor, *([node.module] if node.module else [])])
    for alias in node.names:
        submodule = f"{base}.{alias.name}"
        # `from package import submodule` depends on the submodule; any other name, on `base`
        yield submodule if submodule in known else base


@cache
def graph() -> dict[str, frozenset[str]]:
    """Module name -> the kalshikit modules it imports."""
    known = modules()
    edges: dict[str, frozenset[str]] = {}
    for module in known.values():
        tree = ast.parse(module.path.read_text(encoding="utf-8"))
        targets = {
            target
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom)
            for target in _imported(module, node)
        }
        edges[module.name] = frozenset(t for t in targets if t in known and t != module.name)
    return edges


def cycles() -> list[list[str]]:
    """The import circles: strongly connected components of more than one module (Tarjan)."""
    edges = graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(name: str) -> None:
        index[name] = low[name] = len(index)
        stack.append(name)
        on_stack.add(name)
        for target in edges[name]:
            if target not in index:
                visit(target)
                low[name] = min(low[name], low[target])
            elif target in on_stack:
                low[name] = min(low[name], index[target])
        if low[name] == index[name]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == name:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for name in edges:
        if name not in index:
            visit(name)
    return found


def is_private(name: str) -> bool:
    last = name.rpartition(".")[2]
    return last.startswith("_") and not last.startswith("__")


def private_imports_across_packages() -> list[tuple[str, str]]:
    """(importer, private module) pairs where the importer is outside the module's package."""
    known = modules()
    crossing = []
    for importer, targets in graph().items():
        for target in targets:
            if not is_private(target):
                continue
            owner = known[target].package
            if not (importer == owner or importer.startswith(owner + ".")):
                crossing.append((importer, target))
    return sorted(crossing)


# --- the sandbox's layers ------------------------------------------------------------------------

SANDBOX = "kalshikit.sandbox"
# Bottom to top: a module may import its own subpackage and the ranks below it, never above.
# The process modules (server, launch, keys, datadir) sit on top and may import any layer.
SANDBOX_RANKS = {
    "engine": 0,
    "catalog": 0,
    "exchange": 1,
    "store": 2,
    "sim": 3,
    "gateway": 4,
    "ws": 5,
    "api": 6,
}
PROCESS_RANK = 7


def sandbox_part(name: str) -> str | None:
    """The sandbox subpackage (or process module) ``name`` belongs to; None outside it."""
    if name == SANDBOX or not name.startswith(SANDBOX + "."):
        return None
    return name.removeprefix(SANDBOX + ".").split(".")[0]


def rank(part: str) -> int:
    return SANDBOX_RANKS.get(part, PROCESS_RANK)


def layer_breaks() -> list[tuple[str, str]]:
    """(importer, imported) pairs inside the sandbox that import upwards or sideways."""
    found = []
    for importer, targets in graph().items():
        mine = sandbox_part(importer)
        if mine is None:
            continue
        for target in targets:
            theirs = sandbox_part(target)
            if theirs is None or theirs == mine:
                continue
            if rank(mine) != PROCESS_RANK and rank(theirs) >= rank(mine):
                found.append((importer, target))
    return sorted(found)


def face_bypasses() -> list[tuple[str, str]]:
    """(importer, module) pairs that reach into another sandbox subpackage past its face."""
    found = []
    for importer, targets in graph().items():
        mine = sandbox_part(importer)
        for target in targets:
            theirs = sandbox_part(target)
            if theirs is None or theirs == mine or theirs not in SANDBOX_RANKS:
                continue
            if target != f"{SANDBOX}.{theirs}":
                found.append((importer, target))
    return sorted(found)


def long_modules(limit: int) -> list[tuple[str, int]]:
    counted = (
        (m.name, len(m.path.read_text(encoding="utf-8").splitlines())) for m in modules().values()
    )
    return sorted((name, lines) for name, lines in counted if lines > limit)
