"""The typed public edge: the two REST clients mirror each other, and stream helpers name types.

Parity is checked on whole signatures (names, kinds, defaults, resolved annotations). The two
clients may differ in exactly two ways, both spelled out here:

- a sync type may be replaced by its async twin (:data:`ASYNC_TWIN`: pager, gate, transport);
- how a result arrives: a sync method that returns a value has an ``async def`` twin returning
  the same value, and a sync method that returns a lazy pager has a plain ``def`` twin returning
  the async pager (used with ``async for``, never awaited). Anything else is a mismatch.
"""

from __future__ import annotations

import functools
import inspect
import itertools
import operator
import pydoc
import types
import typing
from collections.abc import Callable
from typing import Any, NamedTuple, get_args, get_origin, get_overloads, get_type_hints

import httpx
import pytest

from kalshikit.config import APIConfig
from kalshikit.http._pager import AsyncPager, SyncPager
from kalshikit.http.client import AsyncKalshiClient, AsyncRequestGate, KalshiClient, RequestGate
from kalshikit.models.stream import (
    FillFrame,
    FillMsg,
    OrderGroupFrame,
    OrderGroupMsg,
    PositionFrame,
    PositionMsg,
    TickerFrame,
    TickerMsg,
    TradeFrame,
    TradeMsg,
    UserOrderFrame,
    UserOrderMsg,
)
from kalshikit.ws import (
    KalshiStream,
    KalshiWebSocket,
    LifecycleFrame,
    LifecycleMsg,
    Stream,
    SyncStream,
)

# Each sync type and its async twin: the only types in which the two clients may differ.
ASYNC_TWIN: dict[Any, Any] = {
    SyncPager: AsyncPager,
    RequestGate: AsyncRequestGate,
    httpx.BaseTransport: httpx.AsyncBaseTransport,
}
# Returned at once and read with ``async for``: the async twin of a lazy sync result.
LAZY = frozenset({AsyncPager})


class Param(NamedTuple):
    name: str
    kind: inspect._ParameterKind
    default: Any
    annotation: Any


def to_async(annotation: Any) -> Any:
    """The annotation with every sync type in it replaced by its async twin."""
    if isinstance(annotation, list):  # the argument list of a Callable
        return [to_async(item) for item in annotation]
    origin = get_origin(annotation)
    if origin is None:
        return ASYNC_TWIN.get(annotation, annotation)
    args = tuple(to_async(arg) for arg in get_args(annotation))
    if origin in (types.UnionType, typing.Union):
        return functools.reduce(operator.or_, args)
    twin = ASYNC_TWIN.get(origin, origin)
    if twin is origin and args == get_args(annotation):
        return annotation  # untouched: some aliases (Literal) do not rebuild from their args
    return twin[args]


def parameters(func: Callable[..., Any], translate: Callable[[Any], Any] = to_async) -> list[Param]:
    """Everything a caller sees of the parameters, annotations resolved (``self`` left out)."""
    hints = get_type_hints(func)
    return [
        Param(p.name, p.kind, p.default, translate(hints.get(p.name, p.empty)))
        for p in inspect.signature(func).parameters.values()
        if p.name != "self"
    ]


def _sync_result(func: Callable[..., Any]) -> tuple[str, Any]:
    """How the sync method's result arrives, in async terms, and its async type."""
    if inspect.iscoroutinefunction(func):
        return "a coroutine on the sync side", None
    result = to_async(get_type_hints(func)["return"])
    return ("lazy" if get_origin(result) in LAZY else "awaited"), result


def _async_result(func: Callable[..., Any]) -> tuple[str, Any]:
    result = get_type_hints(func)["return"]
    lazy = get_origin(result) in LAZY
    if inspect.iscoroutinefunction(func):
        return ("an awaited pager" if lazy else "awaited"), result
    return ("lazy" if lazy else "neither awaited nor lazy"), result


def method_mismatch(sync: Callable[..., Any], twin: Callable[..., Any]) -> str | None:
    """What differs between a sync method and its async twin, or None when they agree."""
    want, got = parameters(sync), parameters(twin, translate=lambda a: a)
    for expected, found in itertools.zip_longest(want, got):
        if expected != found:
            return f"parameter: sync {expected} (in async terms) vs async {found}"
    if _sync_result(sync) != _async_result(twin):
        return f"result: sync {_sync_result(sync)} vs async {_async_result(twin)}"
    return None


def _public_methods(cls: type) -> dict[str, Callable[..., Any]]:
    return {
        name: member
        for name, member in inspect.getmembers(cls, inspect.isfunction)
        if not name.startswith("_")
    }


def class_mismatches(sync_cls: type, async_cls: type) -> list[str]:
    sync_methods, async_methods = _public_methods(sync_cls), _public_methods(async_cls)
    problems = [
        f"{sync_cls.__name__}.{name}: only on the {'sync' if name in sync_methods else 'async'} "
        "side"
        for name in sorted(sync_methods.keys() ^ async_methods.keys())
    ]
    for name in sorted(sync_methods.keys() & async_methods.keys()):
        problem = method_mismatch(sync_methods[name], async_methods[name])
        if problem is not None:
            problems.append(f"{sync_cls.__name__}.{name}: {problem}")
    return problems


def _resources(client: object) -> dict[str, type]:
    """``client.markets`` and the rest: every attribute that is a resource object."""
    return {
        name: type(value)
        for name, value in vars(client).items()
        if type(value).__module__.startswith("kalshikit.http.resources.")
    }


# --- the REST clients -----------------------------------------------------------------------------


def test_every_resource_method_has_the_same_signature_on_both_clients() -> None:
    config = APIConfig.resolve("demo", environ={}, dotenv_path=False)
    sync_client, async_client = KalshiClient(config=config), AsyncKalshiClient(config=config)
    sync_resources, async_resources = _resources(sync_client), _resources(async_client)
    sync_client.close()
    assert sync_resources.keys() == async_resources.keys()
    assert {"account", "markets", "orders", "order_groups", "portfolio"} <= sync_resources.keys()
    problems = [
        problem
        for name, sync_resource in sync_resources.items()
        for problem in class_mismatches(sync_resource, async_resources[name])
    ]
    assert problems == []


def test_both_clients_send_and_call_alike() -> None:
    for name in ("call", "send"):
        sync, twin = getattr(KalshiClient, name), getattr(AsyncKalshiClient, name)
        assert method_mismatch(sync, twin) is None, name


def test_the_two_constructors_take_the_same_options() -> None:
    sync_options = parameters(KalshiClient.__init__)
    assert sync_options == parameters(AsyncKalshiClient.__init__, translate=lambda a: a)
    assert all(p.kind is not inspect.Parameter.VAR_KEYWORD for p in sync_options)
    for client in (KalshiClient, AsyncKalshiClient):
        doc = inspect.getdoc(client.__init__) or ""
        assert "``gate``" in doc, client
        assert "``transport``" in doc, client
    sync_doc = inspect.getdoc(KalshiClient.__init__) or ""
    assert [p.name for p in sync_options if f"``{p.name}``" not in sync_doc] == []


# --- the comparison itself: it must see a real mismatch ------------------------------------------


def sync_get(self: object, ticker: str, *, depth: int | None = None) -> int: ...
async def async_get(self: object, ticker: str, *, depth: int | None = None) -> int: ...
def sync_pages(self: object, *, page_size: int = 1000) -> SyncPager[Any, int]: ...
def async_pages(self: object, *, page_size: int = 1000) -> AsyncPager[Any, int]: ...


# each breaks the parity with sync_get or sync_pages in one way
async def default_differs(self: object, ticker: str, *, depth: int | None = 5) -> int: ...
async def kind_differs(self: object, ticker: str, depth: int | None = None) -> int: ...
async def type_differs(self: object, ticker: str, *, depth: int | str | None = None) -> int: ...
async def name_differs(self: object, ticker: str, *, levels: int | None = None) -> int: ...
async def result_differs(self: object, ticker: str, *, depth: int | None = None) -> str: ...
def not_awaited(self: object, ticker: str, *, depth: int | None = None) -> int: ...
async def pager_awaited(self: object, *, page_size: int = 1000) -> AsyncPager[Any, int]: ...
def sync_pager(self: object, *, page_size: int = 1000) -> SyncPager[Any, int]: ...
def pager_of_other_items(self: object, *, page_size: int = 1000) -> AsyncPager[Any, str]: ...


def test_the_comparison_accepts_true_twins() -> None:
    assert method_mismatch(sync_get, async_get) is None
    assert method_mismatch(sync_pages, async_pages) is None


@pytest.mark.parametrize(
    ("sync", "twin", "seen"),
    [
        (sync_get, default_differs, "parameter"),
        (sync_get, kind_differs, "parameter"),
        (sync_get, type_differs, "parameter"),
        (sync_get, name_differs, "parameter"),
        (sync_get, result_differs, "result"),
        (sync_get, not_awaited, "neither awaited nor lazy"),
        (sync_get, sync_get, "neither awaited nor lazy"),
        (sync_pages, pager_awaited, "an awaited pager"),
        (sync_pages, sync_pager, "neither awaited nor lazy"),
        (sync_pages, pager_of_other_items, "result"),
    ],
)
def test_the_comparison_sees_each_kind_of_mismatch(
    sync: Callable[..., Any], twin: Callable[..., Any], seen: str
) -> None:
    problem = method_mismatch(sync, twin)
    assert problem is not None
    assert seen in problem


def test_the_comparison_sees_a_missing_method() -> None:
    class Sync:
        def get(self) -> int: ...
        def extra(self) -> int: ...

    class Async:
        async def get(self) -> int: ...

    assert class_mismatches(Sync, Async) == ["Sync.extra: only on the sync side"]


def test_sync_types_map_to_their_async_twins() -> None:
    assert to_async(RequestGate | None) == (AsyncRequestGate | None)
    assert to_async(httpx.BaseTransport | None) == (httpx.AsyncBaseTransport | None)
    assert to_async(SyncPager[Any, int]) == AsyncPager[Any, int]
    assert to_async(typing.Literal["a", "b"]) == typing.Literal["a", "b"]


# --- the WebSocket helpers ------------------------------------------------------------------------

# each helper: the type of its messages, and of its whole frames (``frames=True``)
HELPER_TYPES: dict[str, tuple[Any, Any]] = {
    "ticker": (TickerMsg, TickerFrame),
    "trades": (TradeMsg, TradeFrame),
    "fills": (FillMsg, FillFrame),
    "positions": (PositionMsg, PositionFrame),
    "user_orders": (UserOrderMsg, UserOrderFrame),
    "lifecycle": (LifecycleMsg, LifecycleFrame),
    "order_groups": (OrderGroupMsg, OrderGroupFrame),
}


@pytest.mark.parametrize(
    ("owner", "stream"), [(KalshiWebSocket, Stream), (KalshiStream, SyncStream)]
)
@pytest.mark.parametrize("name", HELPER_TYPES)
def test_each_helper_returns_a_stream_of_its_message_type(
    owner: type, stream: type, name: str
) -> None:
    msg, frame = HELPER_TYPES[name]
    helper = getattr(owner, name)
    messages, frames = get_overloads(helper)  # what mypy sees, in order
    assert get_type_hints(messages)["return"] == stream[msg]
    assert inspect.signature(messages).parameters["frames"].default is False
    assert get_type_hints(frames)["return"] == stream[frame]
    assert inspect.signature(frames).parameters["frames"].default is inspect.Parameter.empty
    assert get_type_hints(helper)["return"] == stream[msg] | stream[frame]
    assert inspect.getdoc(helper), name


@pytest.mark.parametrize("name", HELPER_TYPES)
def test_the_async_callbacks_take_the_message_type(name: str) -> None:
    msg, frame = HELPER_TYPES[name]
    messages, frames = get_overloads(getattr(KalshiWebSocket, name))
    assert get_type_hints(messages)["on_message"] == Callable[[msg], Any] | None
    assert get_type_hints(frames)["on_message"] == Callable[[frame], Any] | None


def test_kalshistream_takes_the_options_of_kalshiwebsocket() -> None:
    def same(annotation: Any) -> Any:
        return annotation

    stream_options = parameters(KalshiStream.__init__, translate=same)
    assert stream_options == parameters(KalshiWebSocket.__init__, translate=same)
    assert inspect.getdoc(KalshiStream.__init__)


def test_help_of_kalshistream_shows_each_public_method() -> None:
    text = pydoc.render_doc(KalshiStream, renderer=pydoc.plaintext)
    methods = _public_methods(KalshiStream)
    assert HELPER_TYPES.keys() <= methods.keys()
    assert {"subscribe", "orderbooks", "book", "unsubscribe", "events", "close"} <= methods.keys()
    for name, method in methods.items():
        assert f"{name}(self" in text, name
        assert inspect.getdoc(method), f"{name} has no docstring"
        assert inspect.getdoc(method).splitlines()[0] in text, name  # type: ignore[union-attr]
