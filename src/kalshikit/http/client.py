"""KalshiClient and AsyncKalshiClient: the only two send loops.

Everything a request needs besides sending it (the endpoint table, query building, error mapping,
retry decisions) lives in ``_core``; this module sends, signs, waits at the rate-limit gate,
sleeps between retries and turns transport failures into the error tree.

Every attempt passes the gate first: by default the RateLimiter that this process shares among
all clients of the same environment, URL and API key (``kalshikit.ratelimit``). A 429 drains
its bucket, so every caller of that key backs off, not only the one that was refused.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, Self, TypeVar

import httpx

from kalshikit.auth import KalshiAuth
from kalshikit.config import APIConfig, Environment
from kalshikit.endpoints import Endpoint
from kalshikit.errors import (
    APIConnectionError,
    APIError,
    APITimeout,
    RateLimited,
    RequestInfo,
    SandboxNotRunning,
)
from kalshikit.http._core import Call, PreparedRequest, RetryPolicy, status_error
from kalshikit.http.resources.account import Account, AsyncAccount
from kalshikit.http.resources.api_keys import ApiKeys, AsyncApiKeys
from kalshikit.http.resources.communications import AsyncCommunications, Communications
from kalshikit.http.resources.discovery import (
    AsyncIncentivePrograms,
    AsyncMilestones,
    AsyncSearch,
    AsyncStructuredTargets,
    IncentivePrograms,
    Milestones,
    Search,
    StructuredTargets,
)
from kalshikit.http.resources.events import AsyncEvents, AsyncSeries, Events, Series
from kalshikit.http.resources.exchange import AsyncExchange, AsyncHistorical, Exchange, Historical
from kalshikit.http.resources.fcm import AsyncFcm, Fcm
from kalshikit.http.resources.live_data import AsyncLiveDataReads, LiveDataReads
from kalshikit.http.resources.markets import AsyncMarkets, Markets
from kalshikit.http.resources.money import AsyncFunding, AsyncTransfers, Funding, Transfers
from kalshikit.http.resources.multivariate import AsyncMultivariate, Multivariate
from kalshikit.http.resources.order_groups import AsyncOrderGroups, OrderGroups
from kalshikit.http.resources.orders import AsyncOrders, Orders
from kalshikit.http.resources.portfolio import AsyncPortfolio, Portfolio
from kalshikit.http.resources.subaccounts import AsyncSubaccounts, Subaccounts
from kalshikit.journal import AsyncReconcilingClient, OrderJournal, ReconcilingClient
from kalshikit.ratelimit import Budget, RateTier, is_auto, resolve_budget
from kalshikit.ratelimit.limiter import RateLimiter, shared_limiter
from kalshikit.units import PriceGrid

__all__ = ["AsyncKalshiClient", "AsyncRequestGate", "KalshiClient", "RequestGate"]

log = logging.getLogger("kalshikit.http")
T = TypeVar("T")
USER_AGENT = "kalshikit/0.1"


class RequestGate(Protocol):
    """Where the rate limiter sits: ``acquire`` before every attempt of every request (it
    answers the tokens it took), ``settle`` with them once the attempt is over, answered or not."""

    def acquire(self, endpoint: Endpoint, request: PreparedRequest) -> float: ...

    def settle(self, endpoint: Endpoint, tokens: float) -> None: ...


class AsyncRequestGate(Protocol):
    async def acquire(self, endpoint: Endpoint, request: PreparedRequest) -> float: ...

    def settle(self, endpoint: Endpoint, tokens: float) -> None: ...


class _ClientBase:
    """Configuration, signing and request/response translation shared by both clients."""

    # No defaults here: each client's own signature holds them (documented, and pinned equal
    # between the two by tests/unit/test_public_api.py).
    def __init__(
        self,
        env: Environment | str | None,
        *,
        config: APIConfig | None,
        api_key_id: str | None,
        private_key_path: str | Path | None,
        private_key_pem: str | None,
        rest_url: str | None,
        timeout: float | None,
        max_retries: int,
        rate_tier: Budget | RateTier | str | None,
        rate_limiter: RateLimiter | None,
        journal: OrderJournal | None,
    ) -> None:
        self.config = config or APIConfig.resolve(
            env,
            rest_url=rest_url,
            api_key_id=api_key_id,
            private_key_path=Path(private_key_path) if private_key_path else None,
            private_key_pem=private_key_pem,
        )
        self.base_url = self.config.rest_url.rstrip("/")
        self.timeout = timeout if timeout is not None else self.config.timeout
        self.retry_policy = RetryPolicy(max_retries=max_retries)
        self._auth = KalshiAuth(self.config.signer()) if self.config.has_credentials else None
        tier = rate_tier if rate_tier is not None else self.config.rate_tier
        # "auto": pace at Basic until the first request has read the tier from the exchange.
        self._detect_tier = is_auto(tier)
        budget = None if tier is None or self._detect_tier else resolve_budget(tier)
        key = (self.config.environment.value, self.base_url, self.config.api_key_id)
        self.rate_limiter = rate_limiter or shared_limiter(key, budget)
        # Order creates are journaled here when set (off by default; the CLI turns it on).
        self.journal = journal
        # Each market's tick grid, read once per ticker by order entry.
        self.price_grids: dict[str, PriceGrid] = {}

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(env={self.config.environment.value!r}, url={self.base_url!r})"
        )

    def _http_request(self, req: PreparedRequest) -> httpx.Request:
        headers = {"accept": "application/json", "user-agent": USER_AGENT}
        if req.body is not None:
            headers["content-type"] = "application/json"
        return httpx.Request(
            req.method,
            self.base_url + req.path,
            params=req.params,
            content=req.body,
            headers=headers,
        )

    def _should_detect_tier(self) -> bool:
        """Whether this client still has to read its tier (once; the limiter keeps it)."""
        self._detect_tier = False
        if self.rate_limiter.detected:
            return False
        if not self.config.has_credentials:
            log.warning("rate_tier=auto needs an API key; pacing at %s", self.rate_limiter.tier)
            return False
        return True

    def _tier_unknown(self, error: APIError) -> None:
        log.warning(
            "could not read the rate tier (%s); pacing at %s", error, self.rate_limiter.tier
        )

    def _auth_for(self, req: PreparedRequest) -> httpx.Auth | None:
        """Sign whenever a key is configured; an authenticated call without one never leaves."""
        if req.endpoint.auth and self._auth is None:
            self.config.require_credentials()
        return self._auth

    def _transport_error(self, exc: httpx.TransportError, info: RequestInfo) -> APIError:
        if isinstance(exc, httpx.TimeoutException):
            return APITimeout(f"no answer within {self.timeout:g}s from {info}", request=info)
        if isinstance(exc, httpx.ConnectError) and self.config.environment is Environment.LOCAL:
            return SandboxNotRunning(
                f"nothing answers at {self.base_url}: start the sandbox with "
                "`kalshi sandbox start` (or use kalshikit.sandbox.running() in Python)",
                request=info,
            )
        if isinstance(exc, httpx.ConnectError) and self.config.environment is Environment.PAPER:
            return APIConnectionError(
                f"no paper exchange answers at {self.base_url}: start it with "
                "`kalshi paper start` (or kalshikit.paper.server.running() in Python)",
                request=info,
            )
        return APIConnectionError(
            f"could not reach {info}: {exc or type(exc).__name__}", request=info
        )

    def _check(self, response: httpx.Response, req: PreparedRequest) -> bytes:
        info = req.info(self.base_url)
        log.debug("%s -> %s", info, response.status_code)
        if response.is_success:
            return response.content
        error = status_error(response.status_code, response.content, info, response.headers)
        if isinstance(error, RateLimited):
            # Our pacing and the exchange disagree: everyone using this key backs off.
            self.rate_limiter.penalize(req.endpoint.bucket, error.retry_after)
        raise error


def _gave_up(error: APIError, req: PreparedRequest, attempts: int, delays: list[float]) -> None:
    """Note on a final 429 what was tried, so the caller can tell a hopeless case from bad luck.
    (Writes are retried, if at all, by the exactly-once flows, which note their own outcome.)"""
    if not isinstance(error, RateLimited) or not req.endpoint.idempotent:
        return
    error.attempts, error.delays = attempts, tuple(delays)
    if delays:
        slept = ", ".join(f"{d:.2f}s" for d in delays)
        error.add_note(f"gave up after {attempts} attempts (slept {slept} before the retries)")
    else:
        error.add_note("not retried: automatic retries are off (max_retries=0)")


class KalshiClient(_ClientBase):
    """Synchronous client for the Kalshi Trade API v2.

    >>> with KalshiClient(env="demo") as client:          # doctest: +SKIP
    ...     for market in client.markets.list(status="open", series_ticker="KXBTCD"):
    ...         print(market.ticker, market.yes_bid)

    Requests are paced to ``rate_tier`` (a tier name, a RateTier, a custom Budget, or "auto" to
    read it from the exchange; default: KALSHI_RATE_TIER, else Basic) by ``client.rate_limiter``,
    which every client of the same key in this process shares unless ``rate_limiter=`` is given.
    ``max_retries`` bounds automatic retries of reads (and of creates, after a lookup); 0 turns
    them off.
    """

    def __init__(
        self,
        env: Environment | str | None = None,
        *,
        config: APIConfig | None = None,
        api_key_id: str | None = None,
        private_key_path: str | Path | None = None,
        private_key_pem: str | None = None,
        rest_url: str | None = None,
        timeout: float | None = None,
        max_retries: int = 3,
        rate_tier: Budget | RateTier | str | None = None,
        rate_limiter: RateLimiter | None = None,
        journal: OrderJournal | None = None,
        gate: RequestGate | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        """Connect to one exchange (nothing is sent until the first request).

        - ``env``: "local" (the sandbox), "demo" or "prod"; default: KALSHI_ENV, else local.
        - ``config``: a resolved :class:`APIConfig`; when given, it replaces ``env``,
          ``api_key_id``, ``private_key_path``, ``private_key_pem`` and ``rest_url``.
        - ``api_key_id``, ``private_key_path`` / ``private_key_pem``: the key that signs
          requests; default: the environment's variables and ``.env``.
        - ``rest_url``: another base URL for the REST API (a proxy, a sandbox on another port).
        - ``timeout``: seconds to wait for each answer; default: the config's (10 s).
        - ``max_retries``: automatic retries of reads (and of creates, after a lookup); 0: none.
        - ``rate_tier``: how to pace requests (see the class doc); default: KALSHI_RATE_TIER.
        - ``rate_limiter``: a limiter of your own instead of the one shared per key.
        - ``journal``: an :class:`OrderJournal` that records every create (off by default).
        - ``gate``: where each attempt waits for its tokens; default: the limiter's gate.
        - ``transport``: an httpx transport (``httpx.MockTransport`` in tests).
        """
        super().__init__(
            env,
            config=config,
            api_key_id=api_key_id,
            private_key_path=private_key_path,
            private_key_pem=private_key_pem,
            rest_url=rest_url,
            timeout=timeout,
            max_retries=max_retries,
            rate_tier=rate_tier,
            rate_limiter=rate_limiter,
            journal=journal,
        )
        self.gate: RequestGate = gate or self.rate_limiter.sync_gate
        self._http = httpx.Client(timeout=self.timeout, transport=transport)
        self.account = Account(self)
        self.exchange = Exchange(self)
        self.historical = Historical(self)
        self.markets = Markets(self)
        self.events = Events(self)
        self.series = Series(self)
        self.orders = Orders(self)
        self.order_groups = OrderGroups(self)
        self.portfolio = Portfolio(self)
        self.search = Search(self)
        self.incentive_programs = IncentivePrograms(self)
        self.milestones = Milestones(self)
        self.structured_targets = StructuredTargets(self)
        self.live_data = LiveDataReads(self)
        self.multivariate = Multivariate(self)
        self.api_keys = ApiKeys(self)
        self.subaccounts = Subaccounts(self)
        self.fcm = Fcm(self)
        self.transfers = Transfers(self)
        self.funding = Funding(self)
        self.communications = Communications(self)

    def call(self, call: Call[Any, T]) -> T:
        """Send a prepared call (with retries) and decode its answer."""
        return call.result(self.send(call.request), self.base_url)

    def send(self, req: PreparedRequest) -> bytes:
        """Send one request, retrying idempotent ones as the retry policy says; the raw body."""
        if self._detect_tier and self._should_detect_tier():
            self._detect_rate_tier()
        attempt, delays = 0, list[float]()
        while True:
            try:
                return self._attempt(req)
            except APIError as error:
                if not self.retry_policy.should_retry(req.endpoint, attempt, error):
                    _gave_up(error, req, attempt + 1, delays)
                    raise
                delay = self.retry_policy.delay(attempt, error, random.random())
                log.debug("retrying %s in %.2fs after %s", req.path, delay, error)
                time.sleep(delay)
                delays.append(delay)
                attempt += 1

    def _detect_rate_tier(self) -> None:
        try:
            self.account.refresh_rate_limits()
        except APIError as error:
            self._tier_unknown(error)

    def _attempt(self, req: PreparedRequest) -> bytes:
        auth = self._auth_for(req)
        tokens = self.gate.acquire(req.endpoint, req)
        try:
            response = self._http.send(
                self._http_request(req), auth=auth or httpx.USE_CLIENT_DEFAULT
            )
        except httpx.TransportError as exc:
            raise self._transport_error(exc, req.info(self.base_url)) from exc
        finally:
            self.gate.settle(req.endpoint, tokens)
        return self._check(response, req)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class AsyncKalshiClient(_ClientBase):
    """Asynchronous client: the same resources and names as KalshiClient, awaited."""

    def __init__(
        self,
        env: Environment | str | None = None,
        *,
        config: APIConfig | None = None,
        api_key_id: str | None = None,
        private_key_path: str | Path | None = None,
        private_key_pem: str | None = None,
        rest_url: str | None = None,
        timeout: float | None = None,
        max_retries: int = 3,
        rate_tier: Budget | RateTier | str | None = None,
        rate_limiter: RateLimiter | None = None,
        journal: OrderJournal | None = None,
        gate: AsyncRequestGate | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        """Connect to one exchange (nothing is sent until the first request).

        The options are those of :class:`KalshiClient`; only ``gate`` (an
        :class:`AsyncRequestGate`) and ``transport`` (an ``httpx.AsyncBaseTransport``, e.g.
        ``httpx.MockTransport``) are their async kinds.
        """
        super().__init__(
            env,
            config=config,
            api_key_id=api_key_id,
            private_key_path=private_key_path,
            private_key_pem=private_key_pem,
            rest_url=rest_url,
            timeout=timeout,
            max_retries=max_retries,
            rate_tier=rate_tier,
            rate_limiter=rate_limiter,
            journal=journal,
        )
        self.gate: AsyncRequestGate = gate or self.rate_limiter.async_gate
        self._http = httpx.AsyncClient(timeout=self.timeout, transport=transport)
        self.account = AsyncAccount(self)
        self.exchange = AsyncExchange(self)
        self.historical = AsyncHistorical(self)
        self.markets = AsyncMarkets(self)
        self.events = AsyncEvents(self)
        self.series = AsyncSeries(self)
        self.orders = AsyncOrders(self)
        self.order_groups = AsyncOrderGroups(self)
        self.portfolio = AsyncPortfolio(self)
        self.search = AsyncSearch(self)
        self.incentive_programs = AsyncIncentivePrograms(self)
        self.milestones = AsyncMilestones(self)
        self.structured_targets = AsyncStructuredTargets(self)
        self.live_data = AsyncLiveDataReads(self)
        self.multivariate = AsyncMultivariate(self)
        self.api_keys = AsyncApiKeys(self)
        self.subaccounts = AsyncSubaccounts(self)
        self.fcm = AsyncFcm(self)
        self.transfers = AsyncTransfers(self)
        self.funding = AsyncFunding(self)
        self.communications = AsyncCommunications(self)

    async def call(self, call: Call[Any, T]) -> T:
        return call.result(await self.send(call.request), self.base_url)

    async def send(self, req: PreparedRequest) -> bytes:
        if self._detect_tier and self._should_detect_tier():
            await self._detect_rate_tier()
        attempt, delays = 0, list[float]()
        while True:
            try:
                return await self._attempt(req)
            except APIError as error:
                if not self.retry_policy.should_retry(req.endpoint, attempt, error):
                    _gave_up(error, req, attempt + 1, delays)
                    raise
                delay = self.retry_policy.delay(attempt, error, random.random())
                log.debug("retrying %s in %.2fs after %s", req.path, delay, error)
                await asyncio.sleep(delay)
                delays.append(delay)
                attempt += 1

    async def _detect_rate_tier(self) -> None:
        try:
            await self.account.refresh_rate_limits()
        except APIError as error:
            self._tier_unknown(error)

    async def _attempt(self, req: PreparedRequest) -> bytes:
        auth = self._auth_for(req)
        tokens = await self.gate.acquire(req.endpoint, req)
        try:
            request = self._http_request(req)
            response = await self._http.send(request, auth=auth or httpx.USE_CLIENT_DEFAULT)
        except httpx.TransportError as exc:
            raise self._transport_error(exc, req.info(self.base_url)) from exc
        finally:
            self.gate.settle(req.endpoint, tokens)
        return self._check(response, req)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


if TYPE_CHECKING:

    def _clients_reconcile(sync: KalshiClient, aio: AsyncKalshiClient) -> None:
        """Never called: mypy checks here that both clients are what the journal reconciles
        (``OrderJournal.reconcile`` and ``areconcile`` take a client by the parts they use)."""
        _: ReconcilingClient = sync
        _async: AsyncReconcilingClient = aio
