"""The paper server's REST side: the private operations answered by the paper engine in the
wire's shapes, every public ``GET`` passed to the source unchanged.

Paths, methods and success statuses are those of ``kalshikit.endpoints``. A refusal answers
with the real API's status and error body and changes nothing. Private operations paper does
not model (order groups, amend, subaccounts, transfers...) are refused with a 400 that says so.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Final
from urllib.parse import quote

import httpx
import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kalshikit.endpoints import ENDPOINTS, REST_PREFIX
from kalshikit.errors import KalshiError, ValidationError
from kalshikit.http.orders_core import order_count
from kalshikit.models import BatchCancelItem, BatchCreateItem, ErrorResponse, OrderQueuePosition
from kalshikit.models.requests import (
    BatchCancelOrdersV2Request,
    BatchCreateOrdersV2Request,
    CreateOrderV2Request,
    DecreaseOrderV2Request,
)
from kalshikit.paper.http_kit import Refusal, caller_key, decode, limit_of, refusal, wire
from kalshikit.paper.service import PaperService, spec_of
from kalshikit.paper.source_fees import fee_schedule_of
from kalshikit.units import centi_to_fp

__all__ = ["PaperRest"]

Handler = Callable[[Request, str], Awaitable[Response]]
_SETTLEMENT_FILTERS: Final = ("unsettled", "settled", "all")
_HOP_HEADERS: Final = ("content-type", "cache-control")


class PaperRest:
    """Handlers over one ``PaperService``; ``routes()`` for the app."""

    def __init__(self, service: PaperService, source: httpx.AsyncClient) -> None:
        self.service = service
        self.engine = service.engine
        self.source = source

    def routes(self) -> list[Route]:
        private: list[tuple[str, str, Handler]] = [
            ("orders.create", "POST", self.create),
            ("orders.create_batch", "POST", self.create_batch),
            ("orders.cancel_batch", "DELETE", self.cancel_batch),
            ("orders.cancel", "DELETE", self.cancel),
            ("orders.cancel_all", "DELETE", self.cancel_all),
            ("orders.decrease", "POST", self.decrease),
            ("orders.queue_positions", "GET", self.queue_positions),
            ("orders.list", "GET", self.orders),
            ("orders.get", "GET", self.order),
            ("orders.queue_position", "GET", self.queue_position),
            ("portfolio.balance", "GET", self.balance),
            ("portfolio.positions", "GET", self.positions),
            ("portfolio.fills", "GET", self.fills),
            ("portfolio.settlements", "GET", self.settlements),
            ("historical.fills", "GET", self.no_archive),
            ("historical.orders", "GET", self.no_archive),
            ("historical.positions", "GET", self.no_archive),
        ]
        routes = [
            Route(REST_PREFIX + ENDPOINTS[name].path, self._private(handler, name), methods=[m])
            for name, m, handler in private
        ]
        catch_all = f"{REST_PREFIX}/{{rest:path}}"
        methods = ["GET", "POST", "PUT", "DELETE"]
        return [*routes, Route(catch_all, self.other, methods=methods)]

    def _private(self, handler: Handler, name: str) -> Callable[[Request], Awaitable[Response]]:
        success = ENDPOINTS[name].success

        async def endpoint(request: Request) -> Response:
            try:
                account = self.service.account(caller_key(request))
                answer = await handler(request, account)
            except (Refusal, ValidationError) as exc:
                return refusal(exc)
            return answer if isinstance(answer, Response) else wire(answer, success)

        return endpoint

    # --- order writes -----------------------------------------------------------------------

    async def _check_market(self, ticker: str) -> None:
        """The market must exist and trade at the source (its status as the source says)."""
        reply = await self.source.get(f"markets/{quote(ticker, safe='')}")
        if reply.status_code == 404:
            raise Refusal(
                404, "market_not_found", f"no market with ticker {ticker!r} at the source"
            )
        reply.raise_for_status()
        status = reply.json().get("market", {}).get("status")
        if status != "active":
            raise Refusal(
                400, "market_closed", f"market {ticker} is {status}, not active: it takes no orders"
            )
        await learn_fees(self.service, self.source, [ticker])

    async def _submit(self, account: str, req: CreateOrderV2Request) -> Any:
        spec = spec_of(req)
        try:
            await self._check_market(req.ticker)
            await self.service.follow([req.ticker])
        except (httpx.HTTPError, KalshiError) as exc:
            if isinstance(exc, Refusal | ValidationError):
                raise
            raise _unreachable(exc) from None
        return self.service.write(account, lambda now: self.engine.submit(now, account, spec))

    async def create(self, request: Request, account: str) -> Any:
        return await self._submit(account, decode(await request.body(), CreateOrderV2Request))

    async def create_batch(self, request: Request, account: str) -> Any:
        """Each order on its own, as the real batch answers: an ack or an error per order."""
        batch = decode(await request.body(), BatchCreateOrdersV2Request)
        if not batch.orders:
            raise Refusal(400, "bad_request", "orders must hold at least one order")
        answers: list[BatchCreateItem] = []
        for req in batch.orders:
            try:
                ack = await self._submit(account, req)
                answers.append(BatchCreateItem(**msgspec.structs.asdict(ack)))
            except (Refusal, ValidationError) as exc:
                error = ErrorResponse(**_error_of(exc))
                answers.append(BatchCreateItem(client_order_id=req.client_order_id, error=error))
        return {"orders": answers}

    async def cancel(self, request: Request, account: str) -> Any:
        order_id = request.path_params["order_id"]
        return self.service.write(account, lambda now: self.engine.cancel(now, account, order_id))

    async def cancel_batch(self, request: Request, account: str) -> Any:
        batch = decode(await request.body(), BatchCancelOrdersV2Request)
        if not batch.orders:
            raise Refusal(400, "bad_request", "orders must hold at least one order id")
        answers: list[BatchCancelItem] = []
        for item in batch.orders:
            order_id = item.order_id
            try:
                ack = self._cancel_one(account, order_id)
                answers.append(BatchCancelItem(**msgspec.structs.asdict(ack)))
            except (Refusal, ValidationError) as exc:
                error = ErrorResponse(**_error_of(exc))
                answers.append(BatchCancelItem(order_id=order_id, error=error))
        return {"orders": answers}

    def _cancel_one(self, account: str, order_id: str) -> Any:
        return self.service.write(account, lambda now: self.engine.cancel(now, account, order_id))

    async def cancel_all(self, request: Request, account: str) -> Any:
        ticker = request.query_params.get("ticker")
        self.service.write(account, lambda now: self.engine.cancel_all(now, account, ticker))
        return None

    async def decrease(self, request: Request, account: str) -> Any:
        order_id = request.path_params["order_id"]
        req = decode(await request.body(), DecreaseOrderV2Request)
        if (req.reduce_by is None) == (req.reduce_to is None):
            raise Refusal(400, "bad_request", "give exactly one of reduce_by and reduce_to")
        order = self.engine._account(account).orders.get(order_id)
        if req.reduce_by is not None:
            by = order_count(req.reduce_by, "reduce_by").centi
        else:
            to = order_count(req.reduce_to, "reduce_to", allow_zero=True).centi
            by = (order.remaining if order is not None else 0) - to
            if order is not None and order.is_resting and by <= 0:
                raise Refusal(400, "invalid_order", "reduce_to must be below the remaining count")
        by = max(by, 1)  # an unknown order is refused by the engine, not by this arithmetic
        return self.service.write(
            account, lambda now: self.engine.decrease(now, account, order_id, reduce_by=by)
        )

    # --- reads ----------------------------------------------------------------------------

    async def order(self, request: Request, account: str) -> Any:
        order_id = request.path_params["order_id"]
        found = [o for o in self.engine.orders(account) if o.order_id == order_id]
        if not found:
            raise Refusal(404, "order_not_found", f"no order {order_id!r} for this user")
        return {"order": found[0]}

    async def orders(self, request: Request, account: str) -> Any:
        q = request.query_params
        orders = self.engine.orders(account, q.get("status"))
        ticker, event = q.get("ticker"), q.get("event_ticker")
        events = set(event.split(",")) if event else None
        chosen = [
            o for o in orders
            if ticker in (None, o.ticker) and (events is None or _event_of(o.ticker) in events)
        ]  # fmt: skip
        return {"orders": chosen[: limit_of(request)], "cursor": ""}

    async def fills(self, request: Request, account: str) -> Any:
        q = request.query_params
        tickers = set(q["ticker"].split(",")) if q.get("ticker") else None
        order_id = q.get("order_id")
        chosen = [
            f for f in self.engine.fills(account)
            if (tickers is None or f.ticker in tickers) and order_id in (None, f.order_id)
        ]  # fmt: skip
        return {"fills": chosen[: limit_of(request)], "cursor": ""}

    async def positions(self, request: Request, account: str) -> Any:
        q = request.query_params
        which = q.get("settlement_status") or "unsettled"
        if which not in _SETTLEMENT_FILTERS:
            raise Refusal(
                400, "bad_request", f"settlement_status must be one of {_SETTLEMENT_FILTERS}"
            )
        records = self.engine._account(account).positions
        ticker = q.get("ticker")
        chosen = [
            p for p in self.engine.positions(account)
            if ticker in (None, p.ticker)
            and (which == "all" or records[p.ticker].settled == (which == "settled"))
        ]  # fmt: skip
        return {
            "market_positions": chosen[: limit_of(request)],
            "event_positions": [],
            "cursor": "",
        }

    async def settlements(self, request: Request, account: str) -> Any:
        ticker = request.query_params.get("ticker")
        chosen = [s for s in self.engine.settlements(account) if ticker in (None, s.ticker)]
        return {"settlements": chosen[: limit_of(request)], "cursor": ""}

    async def no_archive(self, request: Request, account: str) -> Any:
        """A paper account keeps every record live: its ``/historical`` fills, orders and
        positions (what a client reads across the cutoff, as `kalshi portfolio pnl` does) are
        empty pages of the wire's shape."""
        listing = request.url.path.rstrip("/").rsplit("/", 1)[-1]
        if listing == "positions":
            return {"market_positions": [], "event_positions": [], "cursor": ""}
        return {listing: [], "cursor": ""}

    async def balance(self, request: Request, account: str) -> Any:
        return self.engine.balance(account)

    async def queue_position(self, request: Request, account: str) -> Any:
        order_id = request.path_params["order_id"]
        ahead = self.engine.queue_position(account, order_id)
        if ahead is None and not _resting(self.engine._account(account).orders.get(order_id)):
            raise Refusal(404, "order_not_found", f"order {order_id} is not resting")
        return {"queue_position_fp": centi_to_fp(ahead or 0)}

    async def queue_positions(self, request: Request, account: str) -> Any:
        q = request.query_params
        tickers = set(q["market_tickers"].split(",")) if q.get("market_tickers") else None
        event = q.get("event_ticker")
        if tickers is None and event is None:
            raise Refusal(400, "bad_request", "give market_tickers or event_ticker")
        rows = [
            OrderQueuePosition(
                order_id=o.order_id, market_ticker=o.ticker,
                queue_position_fp=centi_to_fp(o.ahead or 0),
            )
            for o in self.engine.resting_orders(account)
            if (tickers is None or o.ticker in tickers) and event in (None, _event_of(o.ticker))
        ]  # fmt: skip
        return {"queue_positions": rows}

    # --- everything else -------------------------------------------------------------------

    async def other(self, request: Request) -> Response:
        """Public reads go to the source unchanged; other private operations are refused."""
        path = "/" + request.path_params["rest"]
        if request.method != "GET" or _is_private(path):
            return refusal(
                Refusal(400, "bad_request", f"{request.method} {path} is not available in paper "
                        "trading: orders, cancels, decreases and portfolio reads are")
            )  # fmt: skip
        try:
            reply = await self.source.get(  # encoded again: a '#' or '?' in a ticker stays in it
                quote(path.lstrip("/")), params=list(request.query_params.multi_items())
            )
        except httpx.HTTPError as exc:
            return refusal(_unreachable(exc))
        headers = {k: v for k, v in reply.headers.items() if k.lower() in _HOP_HEADERS}
        return Response(reply.content, status_code=reply.status_code, headers=headers)


async def learn_fees(service: PaperService, source: httpx.AsyncClient, tickers: list[str]) -> None:
    """The source's fee schedule of each new market, before the engine first charges there."""
    for ticker in tickers:
        if ticker not in service.fee_schedules:
            service.fee_schedules[ticker] = await fee_schedule_of(source, ticker)


def _unreachable(exc: Exception) -> Refusal:
    """The source did not answer: 503, as the real API says when it cannot serve."""
    return Refusal(
        503, "exchange_unavailable",
        f"the paper exchange cannot reach its source ({exc or type(exc).__name__}); "
        "check that the source runs (`kalshi paper status` names it) and try again",
    )  # fmt: skip


def _error_of(exc: Refusal | ValidationError) -> dict[str, str]:
    body: dict[str, dict[str, str]] = msgspec.json.decode(refusal(exc).body)
    return body["error"]


def _event_of(ticker: str) -> str:
    """A market's event ticker: the ticker less its last ``-`` part (Kalshi's naming)."""
    return ticker.rsplit("-", 1)[0]


def _resting(order: Any) -> bool:
    return order is not None and bool(order.is_resting)


def _is_private(path: str) -> bool:
    """Whether ``path`` is a signed operation of the endpoint table (its template matched)."""
    parts = path.strip("/").split("/")
    for endpoint in ENDPOINTS.values():
        template = endpoint.path.strip("/").split("/")
        if (
            endpoint.auth
            and len(template) == len(parts)
            and all(t == p or t.startswith("{") for t, p in zip(template, parts, strict=True))
        ):
            return True
    return False
