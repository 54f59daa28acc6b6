"""The exchange's RFQ clocks and refusals on a hand-driven clock (nothing mocked): an RFQ
expires, an accepted quote nobody confirms lapses, a confirmed one executes only when its
timer is due; a refused accept or confirm changes nothing; the simulated quoter answers a lone
user's RFQ the same way for the same seed."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from _exchange_kit import Clock, conserved, dollars, new_exchange, pick

from kalshikit.models import CreateQuoteRequest, CreateRfqRequest
from kalshikit.models.stream import decode_frame
from kalshikit.sandbox.exchange import CommsUpdated, ExchangeError, RfqTiming
from kalshikit.sandbox.exchange.exchange import Exchange
from kalshikit.sandbox.sim.quoter import RFQ_MAKER, RfqQuoter
from kalshikit.sandbox.ws.comms_frames import comms_messages
from kalshikit.sandbox.ws.feeds import FeedHub
from kalshikit.sandbox.ws.frames import encode_frame

TIMING = RfqTiming()


def _setup(balance_cents: int = 1_000_00) -> tuple[Exchange, Clock, str]:
    clock = Clock()
    exchange = new_exchange(clock)
    for user in ("alice", "bob"):
        exchange.create_user(balance_cents=balance_cents, user_id=user)
    return exchange, clock, pick()


def _rfq(exchange: Exchange, ticker: str, count: str = "10") -> str:
    req = CreateRfqRequest(market_ticker=ticker, contracts_fp=count, rest_remainder=False)
    return exchange.create_rfq("alice", req)


def _quote(exchange: Exchange, rfq_id: str, yes: str = "0.60", no: str = "0.35") -> str:
    req = CreateQuoteRequest(rfq_id=rfq_id, yes_bid=yes, no_bid=no, rest_remainder=False)
    return exchange.create_quote("bob", req)


def test_an_rfq_expires_and_its_quotes_with_it() -> None:
    exchange, clock, ticker = _setup()
    rfq_id = _rfq(exchange, ticker)
    quote_id = _quote(exchange, rfq_id)
    clock.advance(TIMING.rfq_life_ms / 1000 - 1)
    assert not exchange.advance_due()
    clock.advance(1)
    assert exchange.advance_due()
    exchange.advance()
    rfq = exchange.rfq_view("alice", rfq_id)
    assert (rfq.status, rfq.cancellation_reason) == ("closed", "expired")
    assert exchange.quote_view("bob", quote_id).cancellation_reason == "rfq_closed"


def test_an_unconfirmed_accept_lapses() -> None:
    exchange, clock, ticker = _setup()
    rfq_id = _rfq(exchange, ticker)
    quote_id = _quote(exchange, rfq_id)
    exchange.accept_quote("alice", quote_id, "no")
    clock.advance(TIMING.confirm_ms / 1000)
    exchange.advance()
    lapsed = exchange.quote_view("alice", quote_id)
    assert (lapsed.status, lapsed.cancellation_reason) == ("cancelled", "confirmation_timeout")
    assert exchange.rfq_view("alice", rfq_id).status == "open"  # another quote may still come
    with pytest.raises(ExchangeError):
        exchange.confirm_quote("bob", quote_id)


def test_a_confirmed_quote_executes_when_its_timer_is_due() -> None:
    exchange, clock, ticker = _setup()
    rfq_id = _rfq(exchange, ticker)
    quote_id = _quote(exchange, rfq_id)
    exchange.accept_quote("alice", quote_id, "no")
    exchange.confirm_quote("bob", quote_id)
    clock.advance(TIMING.execution_ms / 1000 - 0.001)
    exchange.advance()
    assert exchange.quote_view("bob", quote_id).status == "confirmed"
    with pytest.raises(ExchangeError):  # binding once confirmed
        exchange.delete_quote("bob", quote_id)
    clock.advance(0.001)
    exchange.advance()
    assert exchange.quote_view("bob", quote_id).status == "executed"
    assert dollars(exchange, "alice") < 1_000 - 3.5  # bought NO at 35c
    assert conserved(exchange)


@pytest.mark.parametrize("who", ["accept", "confirm"])
def test_a_side_without_the_cash_is_refused_and_nothing_changes(who: str) -> None:
    exchange, _, ticker = _setup(balance_cents=100)  # $1: not enough for 10 contracts
    exchange.create_user(balance_cents=1_000_00, user_id="rich")
    asker, maker = ("alice", "rich") if who == "accept" else ("rich", "alice")
    rfq_id = exchange.create_rfq(
        asker, CreateRfqRequest(market_ticker=ticker, contracts_fp="10", rest_remainder=False)
    )
    offer = CreateQuoteRequest(rfq_id=rfq_id, yes_bid="0.60", no_bid="0.35", rest_remainder=False)
    quote_id = exchange.create_quote(maker, offer)
    if who == "confirm":
        exchange.accept_quote(asker, quote_id, "yes")
    before = exchange.state_digest()
    write = (
        (lambda: exchange.accept_quote(asker, quote_id, "yes"))
        if who == "accept"
        else (lambda: exchange.confirm_quote(maker, quote_id))
    )
    with pytest.raises(ExchangeError) as refused:
        write()
    assert refused.value.status == 400
    assert exchange.state_digest() == before


def _quoter_run(seed: int) -> list[Any]:
    exchange, clock, ticker = _setup()
    quoter = RfqQuoter(exchange, exchange, seed=seed)
    quoter.step(clock())
    rfq_id = _rfq(exchange, ticker)
    quoter.step(clock())
    (quote,) = exchange.quote_list("alice", lambda q: q.rfq_id == rfq_id, None, 10)[0]
    exchange.accept_quote("alice", quote.id, "yes")
    quoter.step(clock())
    clock.advance(TIMING.execution_ms / 1000)
    exchange.advance()
    done = exchange.quote_view("alice", quote.id)
    assert done.creator_user_id is None  # the maker's private fields stay its own
    assert exchange.quote_view(RFQ_MAKER, quote.id).creator_user_id == RFQ_MAKER
    return [done.status, done.yes_bid_dollars, done.no_bid_dollars]


def test_the_simulated_quoter_answers_a_lone_user_deterministically() -> None:
    first = _quoter_run(seed=3)
    assert first[0] == "executed"
    assert Decimal(first[1]) + Decimal(first[2]) > 1  # the quoter keeps an edge on both sides
    assert _quoter_run(seed=3) == first


# --- the communications channel's messages against the AsyncAPI spec --------------------------

SPEC = Path(__file__).parents[1] / "fixtures/kalshi/reference/spec/asyncapi-2026-08-22.yaml"


def _spec_msg(kind: str) -> tuple[set[str], set[str]]:
    """(required keys, all keys) of the ``msg`` of the spec's ``<kind>`` payload."""
    text = SPEC.read_text()
    name = "".join(part.title() for part in kind.split("_"))
    name = name[0].lower() + name[1:] + "Payload:"
    start = text.index(f"\n    {name}\n")
    end = re.compile(r"\n {4}\S").search(text, start + 5)
    assert end is not None
    block = text[start : end.start()]
    msg = block[block.index("        msg:") :]
    required = re.search(r"required: \[([^\]]*)\]", msg)
    assert required is not None
    keys = set(re.findall(r"^ {12}(\w+):$", msg, re.MULTILINE))
    return {k.strip().strip('"') for k in required.group(1).split(",")}, keys


def test_every_communications_message_has_the_spec_fields() -> None:
    exchange, clock, ticker = _setup()
    heard: list[CommsUpdated] = []
    exchange.add_listener(lambda e: heard.append(e) if isinstance(e, CommsUpdated) else None)
    rfq_id = _rfq(exchange, ticker)
    quote_id = _quote(exchange, rfq_id)
    exchange.accept_quote("alice", quote_id, "yes")
    exchange.confirm_quote("bob", quote_id)
    clock.advance(TIMING.execution_ms / 1000)
    exchange.advance()
    kinds = [e.kind for e in heard]
    assert kinds == [
        "rfq_created", "quote_created", "quote_accepted", "quote_executed", "rfq_deleted",
    ]  # fmt: skip
    for event in heard:
        required, known = _spec_msg(event.kind)
        for user, msg in comms_messages(event):
            assert required <= set(msg), (event.kind, required - set(msg))
            assert set(msg) <= known, (event.kind, set(msg) - known)
            if event.kind.startswith("quote"):
                assert user in ("alice", "bob")  # only the two parties hear a quote


def test_user_filter_self_hears_only_its_own_rfqs() -> None:
    exchange, _, ticker = _setup()
    hub = FeedHub(exchange, clock=lambda: 0)
    exchange.add_listener(hub.on_event)
    conns = {user: hub.connect(user) for user in ("alice", "bob")}
    for user, conn in conns.items():
        params = {"channels": ["communications"], "user_filter": "self" if user == "bob" else ""}
        hub.handle(conn, json.dumps({"id": 1, "cmd": "subscribe", "params": params}))
        conn.queue.clear()
    rfq_id = _rfq(exchange, ticker)  # alice's
    _quote(exchange, rfq_id)  # bob's quote: both parties hear it
    heard = {
        user: [type(decode_frame(encode_frame(*item))).__name__ for item in conn.queue]  # type: ignore[misc]
        for user, conn in conns.items()
    }
    assert heard == {
        "alice": ["RfqCreatedFrame", "QuoteCreatedFrame"],
        "bob": ["QuoteCreatedFrame"],  # not alice's RFQ: bob asked for his own only
    }
