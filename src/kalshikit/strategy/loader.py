"""A strategy file to a :class:`Strategy`: ``kalshi run my_strategy.py --param spread=2``.

The file is imported as a module of its own (its folder first on the import path while it
loads, so it may import its neighbours); the one ``Strategy`` subclass it defines is the
strategy, or the one named. Parameters are ``name=value`` texts: integers, decimals (exact, never
floats), true/false, else strings.
"""

from __future__ import annotations

import importlib.util
import inspect
import re
import sys
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from types import ModuleType
from typing import Any

from kalshikit.errors import ValidationError
from kalshikit.strategy.base import Strategy

__all__ = ["load_strategy", "parse_params", "strategy_class"]

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def parse_params(items: Iterable[str]) -> dict[str, Any]:
    """``["spread=2", "edge=0.5", "live=true", "side=yes"]`` to typed values."""
    params: dict[str, Any] = {}
    for item in items:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not _NAME.fullmatch(name):
            raise ValidationError(f"a parameter is name=value, like spread=2; got {item!r}")
        params[name] = _value(text.strip())
    return params


def _value(text: str) -> Any:
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    if re.fullmatch(r"[+-]?(\d+\.\d*|\.\d+)", text):
        try:
            return Decimal(text)
        except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
            pass
    return text


def _import(path: Path) -> ModuleType:
    if not path.is_file() or path.suffix != ".py":
        raise ValidationError(f"{path} is not a Python file: pass the strategy's .py file")
    name = f"kalshikit_strategy_{abs(hash(path.resolve()))}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:  # pragma: no cover - a .py file always has one
        raise ValidationError(f"{path} cannot be imported")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    sys.path.insert(0, str(path.resolve().parent))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(path.resolve().parent))
    return module


def strategy_class(path: str | Path, name: str | None = None) -> type[Strategy]:
    """The Strategy subclass defined in ``path`` (the one named ``name`` when there are many)."""
    module = _import(Path(path))
    found = {
        cls.__name__: cls
        for cls in vars(module).values()
        if inspect.isclass(cls) and issubclass(cls, Strategy) and cls is not Strategy
        and cls.__module__ == module.__name__
    }  # fmt: skip
    if name is not None:
        if name not in found:
            raise ValidationError(f"{path} defines no strategy {name!r}; it has: {_list(found)}")
        return found[name]
    if len(found) != 1:
        what = "no Strategy subclass" if not found else f"several: {_list(found)}"
        raise ValidationError(f"{path} defines {what}; name one with --strategy")
    return next(iter(found.values()))


def _list(found: dict[str, Any]) -> str:
    return ", ".join(sorted(found)) or "none"


def load_strategy(
    path: str | Path, params: dict[str, Any] | None = None, name: str | None = None
) -> Strategy:
    """An instance of the file's strategy with ``params``."""
    cls = strategy_class(path, name)
    try:
        return cls(**(params or {}))
    except TypeError as error:
        raise ValidationError(f"{cls.__name__} does not take these parameters: {error}") from None
