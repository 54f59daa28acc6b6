"""Order entry without I/O: intent checks, the V2 bodies, and the exactly-once flows.

The flows are generators that yield what to do; ``drive`` plays the exchange by answering each
step from a script (a raw body, a page of orders, or an error to throw in), so every decision
of the exactly-once protocol is pinned here without a network.
"""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kalshikit.auth import SIGNATURE_WINDOW_MS
from kalshikit.config import APIConfig
from kalshikit.errors import (
    APIConnectionError,
    APIError,
    APIResponseError,
    APITimeout,
    BadRequest,
    Conflict,
    ErrorBody,
    RateLimited,
    ServerError,
)
from kalshikit.errors import ValidationError as Invalid
from kalshikit.http import exactly_once as once
from kalshikit.http._core import Call, PreparedRequest, RetryPolicy, prepare
from kalshikit.http.client import AsyncKalshiClient, KalshiClient
from kalshikit.http.orders_core import (
    DryRun,
    OrderResult,
    OrderSpec,
    OrderTarget,
    amend_call,
    batch_cancel_ids,
    cancel_batch_call,
    cancel_call,
    check_order,
    create_request,
    decrease_amounts,
    decrease_call,
    given_target,
    priced_intent,
)
from kalshikit.models import CreateOrderV2Request, Order, OrdersPage
from kalshikit.sandbox.gateway.guard import Guard
from kalshikit.units import PriceGrid

NOW = 1_790_000_000.0
LINEAR = PriceGrid.for_structure("linear_cent")
DECI = PriceGrid.for_structure("deci_cent")
TAPERED = PriceGrid.for_structure("tapered_deci_cent")
POLICY = RetryPolicy(max_retries=2)


def spec(**changes: Any) -> OrderSpec:
    fields: dict[str, Any] = {"side": "yes", "action": "buy", "count": 2, "price_cents": 40}
    return OrderSpec("KXT-1", **{**fields, **changes})


def body(grid: PriceGrid = LINEAR, **changes: Any) -> CreateOrderV2Request:
    return create_request(check_order(spec(**changes), NOW), grid)


# --- intent -> wire ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("side", "action", "cents", "book_side", "yes_price"),
    [
        ("yes", "buy", 40, "bid", "0.4000"),
        ("yes", "sell", 40, "ask", "0.4000"),
        ("no", "buy", 40, "ask", "0.6000"),
        ("no", "sell", 40, "bid", "0.6000"),
    ],
)
def test_intent_maps_to_the_yes_book(
    side: str, action: str, cents: int, book_side: str, yes_price: str
) -> None:
    request = body(side=side, action=action, price_cents=cents)
    assert (request.side, request.price, request.count) == (book_side, yes_price, "2.00")


def test_the_body_carries_every_option_that_was_set() -> None:
    request = body(
        count="2.5", time_in_force="good_till_canceled", post_only=False,
        expiration=datetime(2027, 1, 1, tzinfo=UTC), self_trade_prevention="maker",
        order_group_id="g-1", cancel_order_on_pause=True, client_order_id="mine",
    )  # fmt: skip
    wire = msgspec.to_builtins(request)
    assert wire == {
        "ticker": "KXT-1", "side": "bid", "count": "2.50", "price": "0.4000",
        "time_in_force": "good_till_canceled", "self_trade_prevention_type": "maker",
        "client_order_id": "mine", "expiration_time": 1798761600, "post_only": False,
        "cancel_order_on_pause": True, "order_group_id": "g-1",
    }  # fmt: skip


def test_client_order_id_is_fixed_before_anything_is_sent() -> None:
    checked = check_order(spec(), NOW)
    assert uuid.UUID(checked.client_order_id).version == 4
    assert create_request(checked, LINEAR).client_order_id == checked.client_order_id
    assert check_order(spec(), NOW).client_order_id != checked.client_order_id


def test_half_a_cent_says_what_was_probably_meant() -> None:
    with pytest.raises(Invalid) as refused:
        check_order(spec(price_cents=0.5), NOW)
    assert str(refused.value) == (
        'price_cents takes whole cents 1-99; for half a cent pass price_dollars="0.005" where the '
        'market allows it; did you mean price_cents=50 or price_dollars="0.50"?'
    )


@pytest.mark.parametrize(
    ("cents", "says"),
    [
        (0.56, 'did you mean price_cents=56 or price_dollars="0.56"?'),
        (Decimal("56.5"), 'for 56.5 cents pass price_dollars="0.565" where the market allows it'),
        (56.0, "as an int; got 56.0, pass price_cents=56"),
        ("abc", "got 'abc'"),
        (True, "got True"),
        (0, "got 0"),
        (100, "got 100"),
    ],
)
def test_price_cents_refusals_explain(cents: object, says: str) -> None:
    with pytest.raises(Invalid, match="price_cents takes whole cents 1-99") as refused:
        check_order(spec(price_cents=cents), NOW)
    assert says in str(refused.value)


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"price_cents": None, "price_dollars": 0.4}, "floats are not exact"),
        ({"price_cents": None, "price_dollars": 40}, "pass '0.56' (dollars)"),
        ({"price_cents": None, "price_dollars": "0"}, "strictly between 0 and 1"),
        ({"price_cents": None, "price_dollars": "0.40001"}, "more than 4 decimal places"),
        ({"price_cents": None}, "exactly one of price_cents"),
        ({"price_dollars": "0.40"}, "exactly one of price_cents"),
        ({"count": 2.0}, "floats are not exact"),
        ({"count": 0}, "at least 0.01"),
        ({"count": "-1"}, "count must be at least 0.01; got '-1'"),
        ({"count": True}, "count must be an int"),
        ({"count": "1.005"}, "more than 2 decimal places"),
        ({"side": "YES"}, "side must be one of"),
        ({"action": "short"}, "action must be one of"),
        ({"time_in_force": "day"}, "time_in_force must be one of"),
        ({"self_trade_prevention": "none"}, "self_trade_prevention must be one of"),
        ({"reduce_only": True}, "immediate_or_cancel"),
        ({"cancel_order_on_pause": 1}, "must be True, False or None"),
        ({"order_group_id": ""}, "order_group_id must be a non-empty string"),
        ({"expiration": int(NOW)}, "not in the future"),
        ({"expiration": 2_000_000_000, "time_in_force": "fill_or_kill"}, "only allowed"),
        ({"expiration": datetime(2030, 1, 1)}, "naive datetime"),  # noqa: DTZ001
        ({"expiration": 2e9}, "unix seconds"),
    ],
)
def test_every_intent_check(changes: dict[str, Any], says: str) -> None:
    with pytest.raises(Invalid, match=says.replace("(", r"\(").replace(")", r"\)")):
        check_order(spec(**changes), NOW)


def test_a_ticker_must_be_named() -> None:
    with pytest.raises(Invalid, match="ticker must be a market ticker"):
        check_order(OrderSpec("", side="yes", action="buy", count=1, price_cents=5), NOW)


def test_reduce_only_with_immediate_or_cancel_is_fine() -> None:
    request = body(reduce_only=True, time_in_force="immediate_or_cancel")
    assert request.reduce_only is True


# --- the grid ---------------------------------------------------------------------------------


def test_sub_cent_prices_where_the_grid_allows_them() -> None:
    assert body(DECI, price_cents=None, price_dollars="0.505").price == "0.5050"
    assert body(TAPERED, price_cents=None, price_dollars="0.055").price == "0.0550"
    assert body(TAPERED, side="no", price_cents=None, price_dollars="0.945").price == "0.0550"


def test_off_the_grid_names_the_nearest_prices_of_your_side() -> None:
    with pytest.raises(Invalid) as yes:
        body(LINEAR, price_cents=None, price_dollars="0.505")
    assert "price_dollars='0.505' is not on KXT-1's price grid" in str(yes.value)
    assert "nearest valid YES prices are $0.50 and $0.51" in str(yes.value)
    with pytest.raises(Invalid) as no:
        body(TAPERED, side="no", price_cents=None, price_dollars="0.555")
    assert "nearest valid NO prices are $0.55 and $0.56" in str(no.value)


# --- the other writes ---------------------------------------------------------------------------


def test_amend_body_is_intent_mapped_and_keeps_expiration_choices() -> None:
    intent = priced_intent("KXT-1", "no", "buy", 3, 45, None)
    call = amend_call("o-1", intent, 0, None, "new-id", NOW)
    assert call.request.path == "/portfolio/events/orders/o-1/amend"
    assert msgspec.json.decode(call.request.body or b"") == {
        "ticker": "KXT-1", "side": "ask", "price": "0.5500", "count": "3.00",
        "updated_client_order_id": "new-id", "expiration_time": 0,
    }  # fmt: skip
    with pytest.raises(Invalid, match="not in the future"):
        amend_call("o-1", intent, int(NOW) - 1, None, None, NOW)


@pytest.mark.parametrize(
    ("by", "to", "says"),
    [
        (None, None, "exactly one of reduce_by"),
        (1, 1, "exactly one of reduce_by"),
        (0, None, "reduce_by must be at least 0.01"),
        (None, -1, "reduce_to must be at least 0; got -1"),
        (0.5, None, "floats are not exact"),
    ],
)
def test_decrease_needs_exactly_one_good_amount(by: object, to: object, says: str) -> None:
    with pytest.raises(Invalid, match=says):
        decrease_amounts(by, to)  # type: ignore[arg-type]


def test_decrease_to_zero_is_allowed() -> None:
    call = decrease_call(OrderTarget("o-1", "KXT-1", 1), decrease_amounts(None, 0))
    assert msgspec.json.decode(call.request.body or b"") == {
        "reduce_to": "0.00",
        "market_ticker": "KXT-1",
        "exchange_index": 1,
    }


def test_cancel_batch_takes_distinct_ids() -> None:
    assert batch_cancel_ids("o-1") == ["o-1"]
    for bad in ([], ["a", "a"], ["a", ""], [3]):
        with pytest.raises(Invalid):
            batch_cancel_ids(bad)


def test_cancels_carry_what_routes_them_to_the_order_shard() -> None:
    """Kalshi routes a cancel by market_ticker, else to shard 0 (reference 5.5)."""
    target = OrderTarget("o-1", "KXMVE-1", 1)
    single = cancel_call(target).request
    assert dict(single.params) == {"market_ticker": "KXMVE-1", "exchange_index": "1"}
    batch = cancel_batch_call([target, OrderTarget("o-2")]).request.body or b""
    assert msgspec.json.decode(batch) == {
        "orders": [
            {"order_id": "o-1", "market_ticker": "KXMVE-1", "exchange_index": 1},
            {"order_id": "o-2"},
        ]
    }


def test_an_order_id_alone_asks_for_its_market_to_be_looked_up() -> None:
    assert given_target("o-1", None, None) is None
    assert given_target("o-1", "T", None) == OrderTarget("o-1", "T")
    assert given_target("o-1", None, 1) == OrderTarget("o-1", None, 1)
    for bad in [("", None, None), ("o", "", None), ("o", None, True), ("o", None, -2)]:
        with pytest.raises(Invalid):
            given_target(*bad)


def test_a_dry_run_shows_exactly_what_would_be_sent() -> None:
    request = prepare("orders.cancel", path={"order_id": "o/1"}, params={"market_ticker": "T"})
    dry = DryRun.of(request, "http://x/trade-api/v2/")
    assert dry == DryRun(
        "DELETE",
        "http://x/trade-api/v2/portfolio/events/orders/o%2F1?market_ticker=T",
        "/trade-api/v2/portfolio/events/orders/o%2F1",
        None,
    )


# --- exactly once: the flows ------------------------------------------------------------------

Answer = object  # a reply, or an APIError to throw in
Script = Callable[[object], Answer]


class Clock:
    """Unix seconds that move only when a flow sleeps or a scripted exchange says so."""

    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def drive(
    flow: once.Flow[Any], script: Script, clock: Clock | None = None
) -> tuple[Any, list[object]]:
    """Run a flow against a scripted exchange; the result and every step it asked for. A sleep
    moves ``clock`` on instead of sleeping."""
    steps: list[object] = []
    reply: object = None
    failure: APIError | None = None
    while True:
        try:
            step = flow.send(reply) if failure is None else flow.throw(failure)
        except StopIteration as done:
            return done.value, steps
        steps.append(step)
        if isinstance(step, float) and clock is not None:
            clock.now += step
        answer = None if isinstance(step, float) else script(step)
        reply, failure = (None, answer) if isinstance(answer, APIError) else (answer, None)


def kind(step: object) -> str:
    if isinstance(step, PreparedRequest):
        return f"{step.method} {step.path}"
    if isinstance(step, Call):
        return f"call {step.request.path}"
    return "sleep"


def order(request: CreateOrderV2Request, **changes: Any) -> Order:
    fields: dict[str, Any] = {
        "order_id": f"id-{request.client_order_id}", "user_id": "u",
        "client_order_id": request.client_order_id, "ticker": request.ticker,
        "book_side": request.side, "yes_price_dollars": request.price, "type": "limit",
        "status": "resting", "taker_fill_cost_dollars": "0", "maker_fill_cost_dollars": "0",
    }  # fmt: skip
    return Order(**{**fields, **changes})


def ack(request: CreateOrderV2Request) -> bytes:
    coid = request.client_order_id
    return msgspec.json.encode({"order_id": f"id-{coid}", "client_order_id": coid, "ts_ms": 1})


def exchange(posts: list[Answer], orders: list[Order], lookups: list[Answer] = ()) -> Script:  # type: ignore[assignment]
    """POSTs answer from ``posts`` in turn; lookups from ``lookups`` (errors), else ``orders``."""
    post_answers, lookup_errors = list(posts), list(lookups)

    def answer(step: object) -> Answer:
        if isinstance(step, PreparedRequest):
            return post_answers.pop(0)
        if lookup_errors:
            return lookup_errors.pop(0)
        return OrdersPage(orders=list(orders), cursor="")

    return answer


DROPPED = APIConnectionError("connection dropped")
UNAVAILABLE = ServerError(status=503, body=ErrorBody(code="injected_fault"))
DUPLICATE = Conflict(status=409, body=ErrorBody(code="duplicate_client_order_id"))
REFUSED = BadRequest(status=400, body=ErrorBody(code="invalid_order"))


def create(
    request: CreateOrderV2Request, script: Script, clock: Clock | None = None
) -> tuple[Any, list[str]]:
    clock = clock or Clock()
    flow = once.create_flow(request, POLICY, "http://x", lambda: 0.0, clock)
    result, steps = drive(flow, script, clock)
    return result, [kind(s) for s in steps]


POST, LOOKUP = "POST /portfolio/events/orders", "call /portfolio/orders"
# a lookup that finds nothing is only believed after a second one, once the attempt is too old
NOT_FOUND_FOR_GOOD = [LOOKUP, "sleep", LOOKUP]


def test_a_created_order_is_sent_once() -> None:
    request = body()
    result, steps = create(request, exchange([ack(request)], []))
    assert isinstance(result, OrderResult)
    assert (result.resolved_by, result.order_id) == ("created", f"id-{request.client_order_id}")
    assert steps == [POST]


def test_acted_then_dropped_is_found_and_never_sent_again() -> None:
    request = body()
    result, steps = create(request, exchange([DROPPED], [order(request)]))
    assert isinstance(result, OrderResult)
    assert result.resolved_by == "lookup"
    assert result.ack.order is not None
    assert result.ack.remaining_count is None
    assert steps == [POST, LOOKUP]


@pytest.mark.parametrize(
    ("error", "lookups"),
    [
        (UNAVAILABLE, NOT_FOUND_FOR_GOOD),
        (DROPPED, NOT_FOUND_FOR_GOOD),
        # A 429 is the exchange's answer to this very attempt: one lookup, no window to wait.
        (RateLimited(status=429, body=ErrorBody()), [LOOKUP]),
    ],
)
def test_not_found_is_sent_again_with_the_same_id(error: APIError, lookups: list[str]) -> None:
    request = body()
    sent: list[bytes] = []

    def script(step: object) -> Answer:
        if isinstance(step, PreparedRequest):
            sent.append(step.body or b"")
            return error if len(sent) == 1 else ack(request)
        return OrdersPage(orders=[], cursor="")

    result, steps = create(request, script)
    assert isinstance(result, OrderResult)
    assert result.resolved_by == "created"
    assert steps == [POST, *lookups, "sleep", POST]
    assert sent[0] == sent[1]  # the same body, client_order_id included


def test_retries_end_with_a_lookup_that_says_not_placed() -> None:
    request = body()
    result, steps = create(request, exchange([UNAVAILABLE] * 3, []))
    assert isinstance(result, once.Failed)
    assert result.state == "absent"
    attempt = [POST, *NOT_FOUND_FOR_GOOD]
    assert steps == [*attempt, "sleep", *attempt, "sleep", *attempt]
    assert "not placed" in result.exception().__notes__[0]


def test_an_order_that_arrives_after_the_timeout_is_found_not_sent_again() -> None:
    """The create is held up on the way: the client times out, the first lookup finds nothing,
    and the order lands while the client waits out the signature window."""
    request, clock = body(), Clock()
    lookups: list[float] = []

    def script(step: object) -> Answer:
        if isinstance(step, PreparedRequest):
            clock.now += 10  # the client's timeout
            return APITimeout("no answer within 10s")
        lookups.append(clock.now)
        arrived = [order(request)] if len(lookups) > 1 else []
        return OrdersPage(orders=arrived, cursor="")

    result, steps = create(request, script, clock)
    assert isinstance(result, OrderResult)
    assert result.resolved_by == "lookup"
    assert steps == [POST, *NOT_FOUND_FOR_GOOD]
    assert lookups == [NOW + 10, NOW + 10 + POLICY.resend_after]


def test_the_wait_counts_from_the_failure_not_from_the_lookup() -> None:
    request, clock = body(), Clock()
    pauses: list[object] = []

    def script(step: object) -> Answer:
        if isinstance(step, PreparedRequest):
            return DROPPED
        clock.now += 7  # a slow lookup
        return OrdersPage(orders=[], cursor="")

    flow = once.create_flow(request, RetryPolicy(max_retries=0), "http://x", clock=clock)
    result, steps = drive(flow, script, clock)
    pauses = [step for step in steps if isinstance(step, float)]
    assert pauses == [RetryPolicy().resend_after - 7]
    assert isinstance(result, once.Failed)
    assert result.state == "absent"


def test_the_window_is_the_one_the_sandbox_enforces() -> None:
    assert RetryPolicy().resend_after >= SIGNATURE_WINDOW_MS / 1000
    assert inspect.signature(Guard).parameters["signature_window_ms"].default == (
        SIGNATURE_WINDOW_MS
    )


@settings(max_examples=300, deadline=None)
@given(
    delay=st.floats(0, 200, allow_nan=False),
    timeout=st.floats(0.1, 60, allow_nan=False),
    window=st.floats(1, 60, allow_nan=False),
)
def test_a_held_create_is_placed_exactly_once(delay: float, timeout: float, window: float) -> None:
    """Whatever holds the first attempt up, and for how long, exactly one order exists in the
    end and the client reports that one: the exchange takes a request while its signature is
    inside the window, and the client waits the window out before believing "not found"."""
    policy = RetryPolicy(max_retries=3, resend_after=window)
    request, clock = body(), Clock()
    arrivals: list[float] = []  # when each POST reaches an exchange that will accept it
    placed: list[Order] = []

    def script(step: object) -> Answer:
        placed.extend(
            order(request, order_id=f"o{len(placed)}") for t in arrivals if t <= clock.now
        )
        arrivals[:] = [t for t in arrivals if t > clock.now]
        if isinstance(step, PreparedRequest):
            if not arrivals and not placed and clock.now == NOW:  # only the first is held
                if delay <= window:  # a later one is refused for its stale signature
                    arrivals.append(clock.now + delay)
                clock.now += timeout
                return APITimeout("held up")
            placed.append(order(request, order_id=f"o{len(placed)}"))
            return msgspec.json.encode({"order_id": placed[-1].order_id, "ts_ms": 1})
        return OrdersPage(orders=list(reversed(placed)), cursor="")

    flow = once.create_flow(request, policy, "http://x", lambda: 0.0, clock)
    result, _ = drive(flow, script, clock)
    clock.now += 1_000  # anything still on its way has arrived by now
    script(None)
    assert isinstance(result, OrderResult)
    assert [o.order_id for o in placed] == [result.order_id]


def test_a_duplicate_resolves_to_the_order_that_has_the_id() -> None:
    request = body(client_order_id="mine")
    result, steps = create(request, exchange([DUPLICATE], [order(request)]))
    assert isinstance(result, OrderResult)
    assert result.resolved_by == "conflict"
    assert steps == [POST, LOOKUP]


def test_a_duplicate_id_on_another_order_is_refused() -> None:
    request = body(client_order_id="mine")
    other = order(request, yes_price_dollars="0.9900")
    result, _ = create(request, exchange([DUPLICATE], [other]))
    assert isinstance(result, once.Failed)
    assert result.state == "refused"
    assert result.error is DUPLICATE


def test_a_refusal_is_final_and_looks_nothing_up() -> None:
    result, steps = create(body(), exchange([REFUSED], []))
    assert isinstance(result, once.Failed)
    assert result.state == "refused"
    assert steps == [POST]


def test_a_failed_lookup_leaves_the_outcome_unknown() -> None:
    request = body()
    result, steps = create(request, exchange([UNAVAILABLE], [], lookups=[DROPPED]))
    assert isinstance(result, once.Failed)
    assert result.state == "unknown"
    assert result.cause is DROPPED
    assert result.error is UNAVAILABLE
    assert steps == [POST, LOOKUP]


def test_a_success_without_an_order_id_is_never_an_order() -> None:
    result, _ = create(body(), exchange([b'{"client_order_id": "x", "ts_ms": 1}'], []))
    assert isinstance(result, once.Failed)
    assert result.state == "unknown"
    assert isinstance(result.error, APIResponseError)
    assert "no order_id" in str(result.error)


def test_an_odd_success_body_still_yields_its_order_id() -> None:
    request = body()
    odd = b'{"order_id": "o-9", "fill_count": 3, "ts_ms": "soon"}'
    result, _ = create(request, exchange([odd], []))
    assert isinstance(result, OrderResult)
    assert result.order_id == "o-9"


def test_the_lookup_reads_newest_pages_only_until_found() -> None:
    request = body()
    pages = [OrdersPage(orders=[], cursor="c1"), OrdersPage(orders=[order(request)], cursor="c2")]
    cursors: list[str | None] = []

    def script(step: object) -> Answer:
        if isinstance(step, PreparedRequest):
            return DROPPED
        assert isinstance(step, Call)
        cursors.append(dict(step.request.params).get("cursor"))
        return pages[len(cursors) - 1]

    result, _ = create(request, script)
    assert isinstance(result, OrderResult)
    assert result.resolved_by == "lookup"
    assert cursors == [None, "c1"]


def test_the_lookup_reads_every_page_since_the_first_attempt() -> None:
    """An order with thousands of newer ones on its ticker is still found (no page budget)."""
    request = body()
    pages = [OrdersPage(orders=[], cursor=f"c{n}") for n in range(1, 8)]
    pages.append(OrdersPage(orders=[order(request)], cursor=""))
    asked: list[dict[str, object]] = []

    def script(step: object) -> Answer:
        if isinstance(step, PreparedRequest):
            return DROPPED
        assert isinstance(step, Call)
        asked.append(dict(step.request.params))
        return pages[len(asked) - 1]

    result, _ = create(request, script)
    assert isinstance(result, OrderResult)
    assert result.resolved_by == "lookup"
    assert len(asked) == len(pages)
    assert {a["min_ts"] for a in asked} == {str(int(NOW - POLICY.resend_after))}
    assert {a["ticker"] for a in asked} == {request.ticker}


def test_a_lookup_that_cannot_finish_leaves_the_outcome_unknown() -> None:
    """A cursor handed back twice would loop forever; the search is incomplete, never "absent"."""
    request = body()

    def script(step: object) -> Answer:
        return DROPPED if isinstance(step, PreparedRequest) else OrdersPage(orders=[], cursor="x")

    result, steps = create(request, script)
    assert isinstance(result, once.Failed)
    assert result.state == "unknown"
    assert steps == [POST, LOOKUP, LOOKUP]


def test_a_batch_sends_again_only_the_orders_not_found() -> None:
    first, second = body(price_cents=10), body(price_cents=11)
    sent: list[list[str]] = []

    def script(step: object) -> Answer:
        if isinstance(step, PreparedRequest):
            sent.append(
                [o["client_order_id"] for o in msgspec.json.decode(step.body or b"")["orders"]]
            )
            if len(sent) == 1:
                return DROPPED
            return msgspec.json.encode({"orders": [{"order_id": "new", "client_order_id": "2"}]})
        return OrdersPage(orders=[order(first)], cursor="")

    flow = once.batch_flow([first, second], POLICY, "http://x", lambda: 0.0)
    (results, failed), _ = drive(flow, script)
    assert failed is None
    assert sent == [[first.client_order_id, second.client_order_id], [second.client_order_id]]
    assert results[first.client_order_id].resolved_by == "lookup"
    assert results[second.client_order_id].order_id == "new"


def test_a_batch_item_without_order_id_or_error_is_an_error() -> None:
    request = body()
    answer = msgspec.json.encode({"orders": [{"client_order_id": request.client_order_id}]})
    flow = once.batch_flow([request], POLICY, "http://x")
    (results, failed), _ = drive(flow, lambda step: answer)
    item = results[request.client_order_id or ""]
    assert failed is None
    assert not item.ok
    assert item.error is not None
    assert item.error.code == "missing_order_id"


def test_a_batch_answer_of_the_wrong_length_is_unknown() -> None:
    flow = once.batch_flow([body(), body()], POLICY, "http://x")
    (results, failed), _ = drive(flow, lambda step: b'{"orders": []}')
    assert results == {}
    assert failed is not None
    assert failed.state == "unknown"


def test_matching_needs_the_same_ticker_side_and_price() -> None:
    request = body(client_order_id="c")
    assert once.matching_orders([order(request)], {"c": request})
    for changed in ({"ticker": "OTHER"}, {"book_side": "ask"}, {"yes_price_dollars": "0.41"}):
        assert once.matching_orders([order(request, **changed)], {"c": request}) == {}
    assert once.matching_orders([order(request, ticker="OTHER")], {"c": None})


# --- the sync and async resources ------------------------------------------------------------


def _public_methods(resource: type) -> dict[str, list[inspect.Parameter]]:
    return {
        name: list(inspect.signature(member).parameters.values())
        for name, member in inspect.getmembers(resource, inspect.isfunction)
        if not name.startswith("_")
    }


@pytest.mark.parametrize("name", ["orders", "order_groups", "portfolio"])
def test_sync_and_async_resources_have_the_same_signatures(name: str) -> None:
    config = APIConfig.resolve("demo", environ={}, dotenv_path=False)
    sync_client, async_client = KalshiClient(config=config), AsyncKalshiClient(config=config)
    sync_type, async_type = type(getattr(sync_client, name)), type(getattr(async_client, name))
    assert _public_methods(sync_type) == _public_methods(async_type)
    for method, member in inspect.getmembers(async_type, inspect.isfunction):
        pager = method in ("list", "positions", "event_positions", "fills", "settlements")
        if not method.startswith("_") and not (pager and name != "order_groups"):
            assert inspect.iscoroutinefunction(member), method
    sync_client.close()
