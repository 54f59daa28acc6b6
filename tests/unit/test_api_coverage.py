"""docs/api-coverage.md is what scripts/api_coverage.py writes from the code now, and the
endpoint table holds only operations of the official SDK (never an invented one)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

from kalshikit.endpoints import ENDPOINTS

ROOT = Path(__file__).resolve().parents[2]


def coverage_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("api_coverage", ROOT / "scripts/api_coverage.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_coverage_page_is_current() -> None:
    script = coverage_script()
    assert script.PAGE.read_text() == script.page(), "run: .venv/bin/python scripts/api_coverage.py"


def test_every_endpoint_is_an_operation_of_the_official_sdk() -> None:
    script = coverage_script()
    operations = json.loads(script.SDK_OPERATIONS.read_text())
    routes = {(op["method"], op["path"]) for op in operations}
    invented = [name for name, ep in ENDPOINTS.items() if (ep.method, ep.path) not in routes]
    assert invented == []


def test_the_page_names_client_methods_cli_commands_and_sandbox_support() -> None:
    text = coverage_script().page()
    rows = {row.split(" | ")[1]: row for row in text.splitlines() if row.startswith("| ")}
    assert "`client.markets.get`" in rows["`get_market`"]
    assert "`kalshi markets get`" in rows["`get_market`"]
    assert rows["`get_market`"].endswith("| yes |")
    assert "`kalshi order place`" in rows["`create_order_v2`"]
    assert "of 118** operations" in text
