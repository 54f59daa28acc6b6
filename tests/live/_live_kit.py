"""What the live tests and their conftest share: a target, and prod's read-only gate."""

from __future__ import annotations

from dataclasses import dataclass

from kalshikit import KalshiClient
from kalshikit.endpoints import Endpoint
from kalshikit.http._core import PreparedRequest
from kalshikit.http.client import RequestGate


@dataclass(frozen=True)
class Target:
    """One exchange the live tests run against: ``local``, ``demo`` or ``prod``."""

    name: str
    client: KalshiClient


class ReadOnlyGate:
    """Wraps a client's rate-limit gate and refuses every request that is not a GET."""

    def __init__(self, inner: RequestGate) -> None:
        self.inner = inner

    def acquire(self, endpoint: Endpoint, request: PreparedRequest) -> float:
        if request.method != "GET":
            raise AssertionError(f"the prod live suite is read-only: refused {request.method}")
        return self.inner.acquire(endpoint, request)

    def settle(self, endpoint: Endpoint, tokens: float) -> None:
        self.inner.settle(endpoint, tokens)
