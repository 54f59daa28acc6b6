"""The rows a backfill makes of REST records: exact (ticks, centi-contracts, nanoseconds, never a
float) and the same whatever order the records came in, so a rerun writes the same rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from kalshikit.models import Trade
from kalshikit.tape._backfill_rows import MarketRows, ns_of, trade_row
from kalshikit.tape.rows import Rows

# hypothesis takes naive bounds and adds the zone itself
moments = st.datetimes(
    min_value=datetime(2021, 1, 1),  # noqa: DTZ001
    max_value=datetime(2035, 1, 1),  # noqa: DTZ001
    timezones=st.just(UTC),
)


@given(moments, st.integers(0, 10**9))
def test_nanoseconds_are_exact(moment: datetime, micros: int) -> None:
    later = moment + timedelta(microseconds=micros)
    assert ns_of(later) - ns_of(moment) == micros * 1000
    assert ns_of(moment) // 10**9 == int(moment.replace(microsecond=0).timestamp())
    assert ns_of(moment.replace(tzinfo=None)) == ns_of(moment)  # naive means UTC


def _trade(n: int, at: datetime, ticks: int, centi: int, side: str) -> Trade:
    return Trade(
        trade_id=f"t{n:04d}", ticker="KXT-1", created_time=at, taker_outcome_side=side,
        yes_price_dollars=f"{ticks // 10_000}.{ticks % 10_000:04d}",
        count_fp=f"{centi // 100}.{centi % 100:02d}",
    )  # fmt: skip


trades = st.lists(
    st.builds(
        _trade,
        st.integers(0, 9999),
        moments,
        st.integers(1, 9999),
        st.integers(1, 10**6),
        st.sampled_from(["yes", "no"]),
    ),
    max_size=30,
    unique_by=lambda t: t.trade_id,
)


@given(trades)
def test_a_trade_row_is_the_wire_value_exactly(found: list[Trade]) -> None:
    for trade in found:
        at, kind, values = trade_row(trade)
        assert kind == "trade"
        assert values["ts_ms"] == at // 1_000_000
        assert trade.yes_price is not None
        assert trade.count is not None
        assert (values["price"], values["size"]) == (trade.yes_price.ticks, trade.count.centi)
        assert values["side"] == (0 if trade.taker_outcome_side == "yes" else 1)


@given(trades, st.randoms(use_true_random=False))
def test_the_rows_do_not_depend_on_the_order_records_came_in(
    found: list[Trade], shuffler: object
) -> None:
    def rows_of(records: list[Trade]) -> dict[str, list[object]]:
        market = MarketRows("KXT-1")
        market.add_trades(records)
        rows = Rows()
        assert market.into(rows) == len(records)
        return rows.table().to_pydict()

    shuffled = list(found)
    shuffler.shuffle(shuffled)  # type: ignore[attr-defined]
    assert rows_of(shuffled) == rows_of(found)
