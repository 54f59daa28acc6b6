"""An event's fee override (``set_event_fees``): charged on its markets, shown by REST, heard by
listeners, refused when malformed, and kept by the store's replay and by a snapshot's restore.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from _exchange_kit import Clock
from _store_kit import NEVER, open_box

from kalshikit.fees import FeeSchedule
from kalshikit.sandbox.exchange import EventFeeChanged, ExchangeError
from kalshikit.sandbox.store import SnapshotPolicy

EVERY_COMMAND = SnapshotPolicy(every_commands=1, every_ms=10**15, on_close=10**9)


def _terms(box: Any, event_ticker: str) -> tuple[object, object, list[FeeSchedule]]:
    """What the exchange shows and charges for the event: its REST fields, each market's fees."""
    event, markets = box.exchange.event(event_ticker)
    fees = [box.exchange._markets[m.ticker].fees for m in markets]
    return event.fee_type_override, event.fee_multiplier_override, fees


@pytest.mark.parametrize("policy", [NEVER, EVERY_COMMAND], ids=["log", "snapshot"])
def test_a_fee_override_is_charged_shown_heard_and_replayed(
    tmp_path: Path, policy: SnapshotPolicy
) -> None:
    clock = Clock()
    box = open_box(tmp_path, clock, snapshots=policy)
    heard: list[object] = []
    box.exchange.add_listener(heard.append)
    event_ticker = box.exchange.catalog.markets[0].event_ticker
    before = _terms(box, event_ticker)
    box.set_event_fees(event_ticker, "quadratic_with_maker_fees", 0.5)
    after = _terms(box, event_ticker)
    assert after[:2] == ("quadratic_with_maker_fees", 0.5)
    assert set(after[2]) == {FeeSchedule.for_series("quadratic_with_maker_fees", 0.5)}
    assert after != before
    assert [e for e in heard if isinstance(e, EventFeeChanged)] == [
        EventFeeChanged(event_ticker, "quadratic_with_maker_fees", 0.5, clock.ms)
    ]
    for bad in (("flat", None), ("percent", 1.0), ("flat", -1.0)):
        with pytest.raises(ExchangeError):
            box.set_event_fees(event_ticker, *bad)
    with pytest.raises(ExchangeError):
        box.set_event_fees("NO-SUCH-EVENT", "flat", 1.0)
    box.store.close()  # a crash: no clean close
    again = open_box(tmp_path, clock, snapshots=NEVER)
    assert _terms(again, event_ticker) == after
    again.set_event_fees(event_ticker, None, None)
    cleared = _terms(again, event_ticker)
    assert cleared[:2] == (None, None)
    assert cleared[2] == before[2]
    again.close()
