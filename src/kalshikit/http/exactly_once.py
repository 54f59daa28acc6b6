"""Exactly once: the create flows and the decisions they make. No I/O here.

A create whose outcome is unknown (no answer, a dropped connection, 429, 5xx) or that got a 409
duplicate is settled by looking the order up by its client_order_id (fixed before the first
attempt) BEFORE anything is sent again; it is sent again, with the same id, only when the lookup
says it is not there, and at most the client's ``max_retries`` times. A 2xx without an order id
is an error, never an order.

"Not there" is final only once the attempt can no longer arrive: a request held up on the way
(a proxy, a stalled connection) may reach the exchange after the client gave up on it, and is
accepted as long as its signature timestamp is inside the exchange's window
(``SIGNATURE_WINDOW_MS``). So a lookup that finds nothing is repeated ``policy.resend_after``
seconds after the failure, and only that second answer counts. The lookup reads every order on
the ticker created since the first attempt (less the same margin): complete, bounded by time.

The flows are sans-I/O generators, as httpx's auth flow is: they yield what to do (send a
request, make a call, sleep) and get the answer sent back, or the failure thrown in. The sync
and async resources each drive them with a few lines, so both behave identically and the
decisions are tested by feeding the flows answers.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Generator, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal, Protocol, TypeVar

import msgspec

from kalshikit.errors import (
    APIConnectionError,
    APIError,
    APIResponseError,
    APIStatusError,
    Conflict,
    RequestInfo,
)
from kalshikit.http._core import Call, PreparedRequest, RetryPolicy, decode, prepare
from kalshikit.http.orders_core import BatchItemResult, OrderResult, ResolvedBy
from kalshikit.models import (
    BatchCreateItem,
    BatchCreateOrdersV2Request,
    BatchCreateResponse,
    CreateOrderAck,
    CreateOrderV2Request,
    ErrorResponse,
    Order,
    OrdersPage,
)
from kalshikit.units import Price

__all__ = [
    "Failed",
    "Flow",
    "JournalState",
    "ResendWindow",
    "Step",
    "batch_flow",
    "create_flow",
    "lookup_flow",
    "scan_flow",
]

T = TypeVar("T")
JournalState = Literal["pending", "placed", "refused", "unknown", "absent"]
Wanted = Mapping[str, CreateOrderV2Request | None]  # by client_order_id; None: any order
Clock = Callable[[], float]  # unix seconds
LOOKUP_PAGE_SIZE: Final = 1000  # the most GET /portfolio/orders returns at once


class ResendWindow(Protocol):
    """What :func:`lookup_since` reads of a retry policy (:class:`RetryPolicy` is one)."""

    @property
    def resend_after(self) -> float: ...


@dataclass(frozen=True, slots=True)
class Failed:
    """A create that did not end in a known order: the error to raise and the journal state."""

    error: APIError
    state: JournalState
    note: str = ""
    cause: BaseException | None = None

    def exception(self) -> APIError:
        if self.note:
            self.error.add_note(self.note)
        return self.error


# --- exactly once: decisions ----------------------------------------------------------------------


def outcome_unknown(error: APIError) -> bool:
    """No answer, 429 or 5xx: the write may or may not have happened."""
    if isinstance(error, APIStatusError):
        return error.status == 429 or error.status >= 500
    return isinstance(error, APIConnectionError)


def answered_in_full(error: APIError) -> bool:
    """A 409 or 429 is the exchange's own answer to this attempt: it is not on its way. And
    every earlier attempt was ruled out before this one was sent, so one lookup settles it."""
    return isinstance(error, Conflict) or (
        isinstance(error, APIStatusError) and error.status == 429
    )


def after_write_error(error: APIError) -> Literal["refused", "conflict", "lookup"]:
    """What a failed create calls for: a lookup by client_order_id, or nothing more."""
    if isinstance(error, Conflict):
        return "conflict"
    return "lookup" if outcome_unknown(error) else "refused"


def refused(error: APIError) -> Failed:
    """A create the exchange refused, or a 2xx that holds no order (then reconcile will tell)."""
    return Failed(error, "unknown" if isinstance(error, APIResponseError) else "refused")


def lookup_failed(
    requests: Sequence[CreateOrderV2Request], error: APIError, lookup_error: APIError
) -> Failed:
    ids = ", ".join(r.client_order_id or "?" for r in requests)
    note = (
        f"outcome unknown for client_order_id {ids}: the lookup failed too ({lookup_error}); "
        "client.orders.find(ticker, client_order_id) or journal.reconcile(client) will tell"
    )
    return Failed(error, "unknown", note, lookup_error)


def not_placed(error: APIError, requests: Sequence[CreateOrderV2Request]) -> Failed:
    ids = ", ".join(r.client_order_id or "?" for r in requests)
    note = f"not placed: a lookup by client_order_id {ids} after the last attempt found nothing"
    return Failed(error, "absent", note)


def resolution(
    request: CreateOrderV2Request,
    error: APIError,
    step: Literal["conflict", "lookup"],
    found: Order | None,
    retries_left: bool,
) -> OrderResult | Failed | None:
    """After a lookup: the order we placed, a final failure, or None for "send it again"."""
    if found is not None:
        return looked_up_result(request, found, step)
    if step == "conflict":
        note = (
            f"client_order_id {request.client_order_id} is taken by another order on "
            f"{request.ticker}; use a new client_order_id"
        )
        return Failed(error, "refused", note)
    return None if retries_left else not_placed(error, [request])


def created_result(
    request: CreateOrderV2Request, raw: bytes, info: RequestInfo
) -> OrderResult | Failed:
    """The result of a 2xx create; one without an order id is a failure, never an order."""
    try:
        ack = parse_create_answer(raw, info)
        order_id = created_order_id(ack, info, raw)
    except APIResponseError as error:
        return refused(error)
    return OrderResult(order_id, request.client_order_id or "", ack, request, "created")


def parse_create_answer(raw: bytes, info: RequestInfo) -> CreateOrderAck:
    """The ack of a 2xx create. A body that does not parse still yields its ``order_id``: an
    order that exists must never be reported as failed because of a field we did not expect."""
    try:
        return decode(raw, CreateOrderAck, info)
    except APIResponseError:
        loose = _loose_json(raw)
        order_id = loose.get("order_id")
        if not isinstance(order_id, str) or not order_id:
            raise
        client_id = loose.get("client_order_id")
        return CreateOrderAck(
            order_id=order_id, client_order_id=client_id if isinstance(client_id, str) else None
        )


def _loose_json(raw: bytes) -> dict[str, object]:
    try:
        value = msgspec.json.decode(raw)
    except msgspec.DecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def created_order_id(ack: CreateOrderAck, info: RequestInfo, raw: bytes = b"") -> str:
    """The order id of a 2xx create; none there is an error, never a phantom order."""
    order_id = ack.order_id or (ack.order.order_id if ack.order else "")
    if not order_id:
        raise APIResponseError(
            f"the exchange answered {info} with success but no order_id; no order is assumed "
            f"(client_order_id {ack.client_order_id or '?'} can be looked up)",
            request=info,
            body=raw[:2000],
        )
    return order_id


def same_order(order: Order, request: CreateOrderV2Request | None) -> bool:
    """Whether ``order`` is the one ``request`` placed (a reused id could be an older order's)."""
    if request is None:
        return True
    if order.client_order_id != request.client_order_id or order.ticker != request.ticker:
        return False
    if order.book_side and order.book_side != request.side:
        return False
    price = order.yes_price
    return price is None or price == Price.from_dollars(request.price)


def matching_orders(orders: Iterable[Order], wanted: Wanted) -> dict[str, Order]:
    """The orders that ``wanted`` placed (newest first wins), by client_order_id."""
    found: dict[str, Order] = {}
    for order in orders:
        coid = order.client_order_id
        if coid in wanted and coid not in found and same_order(order, wanted[coid]):
            found[coid] = order
    return found


def by_ticker(requests: Iterable[CreateOrderV2Request]) -> dict[str, Wanted]:
    grouped: dict[str, dict[str, CreateOrderV2Request | None]] = {}
    for request in requests:
        grouped.setdefault(request.ticker, {})[request.client_order_id or ""] = request
    return dict(grouped)


def looked_up_result(
    request: CreateOrderV2Request, order: Order, resolved_by: ResolvedBy
) -> OrderResult:
    """An OrderResult for an order found by lookup; its ack is made from the order."""
    ack = CreateOrderAck(
        order_id=order.order_id,
        client_order_id=order.client_order_id,
        fill_count=order.fill_count_fp,
        remaining_count=order.remaining_count_fp,
        order=order,
    )
    return OrderResult(order.order_id, order.client_order_id, ack, request, resolved_by)


def batch_results(
    requests: Sequence[CreateOrderV2Request], raw: bytes, info: RequestInfo
) -> list[BatchItemResult]:
    """Pair a batch answer's items with the requests sent (the exchange keeps their order)."""
    items = decode(raw, BatchCreateResponse, info).orders
    if len(items) != len(requests):
        raise APIResponseError(
            f"the exchange answered {len(items)} items to a batch of {len(requests)} ({info})",
            request=info,
        )
    return [_batch_item(request, item) for request, item in zip(requests, items, strict=True)]


def _batch_item(request: CreateOrderV2Request, item: BatchCreateItem) -> BatchItemResult:
    coid = request.client_order_id or ""
    order_id = item.order_id or (item.order.order_id if item.order else None)
    if order_id:
        return BatchItemResult(coid, request, order_id, item, resolved_by="created")
    error = item.error.flat() if item.error else _NO_ORDER_ID
    return BatchItemResult(coid, request, None, item, error)


_NO_ORDER_ID: Final = ErrorResponse(
    code="missing_order_id",
    message="the exchange answered this item with neither an order_id nor an error; "
    "no order is assumed (look it up by client_order_id)",
)


# --- exactly once: the flows (sans-I/O; a sync or async driver performs each step) --------------

Step = PreparedRequest | Call[Any, Any] | float
"""What a flow asks of its driver: send this request (the raw 2xx body comes back), make this
call (its decoded answer comes back), or sleep this many seconds. A failure is thrown in."""
Flow = Generator[Step, Any, T]
BatchOutcome = tuple[dict[str, BatchItemResult], Failed | None]


def create_prepared(request: CreateOrderV2Request) -> PreparedRequest:
    return prepare("orders.create", body=request)


def batch_prepared(requests: Sequence[CreateOrderV2Request]) -> PreparedRequest:
    return prepare("orders.create_batch", body=BatchCreateOrdersV2Request(orders=list(requests)))


def lookup_page_call(
    ticker: str, since: int | None, cursor: str | None
) -> Call[OrdersPage, OrdersPage]:
    params = {"ticker": ticker, "min_ts": since, "limit": LOOKUP_PAGE_SIZE, "cursor": cursor}
    return Call(prepare("orders.list", params=params), OrdersPage, lambda page: page)


def lookup_since(first_attempt: float, policy: ResendWindow) -> int:
    """The earliest creation time (unix seconds) an order from an attempt made at or after
    ``first_attempt`` can carry: the exchange accepts a signature up to the window early."""
    return math.floor(first_attempt - policy.resend_after)


def create_flow(
    request: CreateOrderV2Request,
    policy: RetryPolicy,
    base_url: str,
    draw: Callable[[], float] = random.random,
    clock: Clock = time.time,
) -> Flow[OrderResult | Failed]:
    """Send a create; on an unknown outcome or a 409, look the order up before anything else,
    and send again (same client_order_id) only when the lookup says, for good, it is not there."""
    prepared, attempt = create_prepared(request), 0
    since = lookup_since(clock(), policy)
    while True:
        try:
            raw = yield prepared
        except APIError as error:
            retries_left = attempt < policy.max_retries
            outcome = yield from _settle(request, error, retries_left, policy, since, clock)
            if outcome is not None:
                return outcome
            yield policy.delay(attempt, error, draw())
            attempt += 1
            continue
        return created_result(request, raw, prepared.info(base_url))


def _settle(
    request: CreateOrderV2Request,
    error: APIError,
    retries_left: bool,
    policy: RetryPolicy,
    since: int,
    clock: Clock,
) -> Flow[OrderResult | Failed | None]:
    step = after_write_error(error)
    if step == "refused":
        return refused(error)
    try:
        if answered_in_full(error):
            found = yield from lookup_flow([request], since)
        else:
            found = yield from final_lookup_flow([request], policy, since, clock)
    except APIError as lookup_error:
        return lookup_failed([request], error, lookup_error)
    return resolution(request, error, step, found.get(request.client_order_id or ""), retries_left)


def final_lookup_flow(
    requests: Sequence[CreateOrderV2Request], policy: RetryPolicy, since: int, clock: Clock
) -> Flow[dict[str, Order]]:
    """Look the orders up after an attempt failed just now; the ones not found are looked up
    again once that attempt can no longer be accepted, and only then count as not placed."""
    failed_at = clock()
    found = yield from lookup_flow(requests, since)
    missing = [r for r in requests if (r.client_order_id or "") not in found]
    if missing:
        wait = failed_at + policy.resend_after - clock()
        if wait > 0:
            yield wait
        found.update((yield from lookup_flow(missing, since)))
    return found


def batch_flow(
    requests: Sequence[CreateOrderV2Request],
    policy: RetryPolicy,
    base_url: str,
    draw: Callable[[], float] = random.random,
    clock: Clock = time.time,
) -> Flow[BatchOutcome]:
    """A batch create, exactly once per order: after an unknown outcome the orders found by
    lookup are done and only the others are sent again."""
    results: dict[str, BatchItemResult] = {}
    pending, attempt = list(requests), 0
    since = lookup_since(clock(), policy)
    while True:
        prepared = batch_prepared(pending)
        try:
            raw = yield prepared
        except APIError as error:
            failed = yield from _settle_batch(pending, error, results, policy, since, clock)
            if failed is None and pending and attempt >= policy.max_retries:
                failed = not_placed(error, pending)
            if failed is not None or not pending:
                return results, failed
            yield policy.delay(attempt, error, draw())
            attempt += 1
            continue
        return results, _answered(pending, raw, prepared.info(base_url), results)


def _settle_batch(
    pending: list[CreateOrderV2Request],
    error: APIError,
    results: dict[str, BatchItemResult],
    policy: RetryPolicy,
    since: int,
    clock: Clock,
) -> Flow[Failed | None]:
    """Look up the pending orders; the ones found leave ``pending`` for ``results``."""
    if after_write_error(error) != "lookup":
        return refused(error)
    try:
        if answered_in_full(error):
            found = yield from lookup_flow(pending, since)
        else:
            found = yield from final_lookup_flow(pending, policy, since, clock)
    except APIError as lookup_error:
        return lookup_failed(pending, error, lookup_error)
    for request in list(pending):
        order = found.get(request.client_order_id or "")
        if order is not None:
            results[order.client_order_id] = looked_up_item(request, order)
            pending.remove(request)
    return None


def _answered(
    pending: list[CreateOrderV2Request],
    raw: bytes,
    info: RequestInfo,
    results: dict[str, BatchItemResult],
) -> Failed | None:
    try:
        items = batch_results(pending, raw, info)
    except APIResponseError as error:
        return refused(error)
    results.update((item.client_order_id, item) for item in items)
    return None


def looked_up_item(request: CreateOrderV2Request, order: Order) -> BatchItemResult:
    """A batch item resolved by a lookup after the batch's outcome was unknown."""
    coid = order.client_order_id
    return BatchItemResult(coid, request, order.order_id, resolved_by="lookup")


def lookup_flow(
    requests: Iterable[CreateOrderV2Request], since: int | None
) -> Flow[dict[str, Order]]:
    """Find the orders these requests placed, by client_order_id, among those since ``since``."""
    found: dict[str, Order] = {}
    for ticker, wanted in by_ticker(requests).items():
        found.update((yield from scan_flow(ticker, wanted, since)))
    return found


def scan_flow(ticker: str, wanted: Wanted, since: int | None = None) -> Flow[dict[str, Order]]:
    """Read the orders on ``ticker`` created since ``since`` (unix seconds; None: all of them),
    every page, until all ``wanted`` are found. A lookup that cannot finish raises: a partial
    search must never read as "not there"."""
    found: dict[str, Order] = {}
    cursor: str | None = None
    seen: set[str] = set()
    while True:
        page: OrdersPage = yield lookup_page_call(ticker, since, cursor)
        found.update(matching_orders(page.orders, wanted))
        cursor = page.cursor or None
        if cursor is None or len(found) == len(wanted):
            return found
        if cursor in seen:
            raise APIResponseError(
                f"the order list of {ticker} handed back cursor {cursor!r} twice; "
                "the lookup by client_order_id could not be completed"
            )
        seen.add(cursor)
