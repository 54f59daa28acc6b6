"""The official SDK (kalshi-python-sync 3.34.0) drives the sandbox's three multivariate-collection
operations (list, get, create a market from legs), and every answer validates in that SDK's own
pydantic models; the market it creates is the one our client reads back."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from _cli_kit import Box

from kalshikit.sandbox.server import running

sdk = pytest.importorskip(
    "kalshi_python_sync", reason="the official SDK is installed by `make test`"
)

pytestmark = pytest.mark.slow

COLLECTION = "KXMVECROSSCATEGORY-SHARD1-R"


@pytest.fixture(scope="module")
def box() -> Iterator[Box]:
    with running(limits_enabled=False) as url:
        yield Box(url)


@pytest.fixture(scope="module")
def client(box: Box) -> Any:
    return box.sdk_client()


def test_collections_list_and_get_validate(client: Any) -> None:
    page = client.get_multivariate_event_collections(limit=200, status="open")
    assert isinstance(page, sdk.GetMultivariateEventCollectionsResponse)
    (listed,) = page.multivariate_contracts
    assert isinstance(listed, sdk.MultivariateEventCollection)
    assert listed.collection_ticker == COLLECTION
    assert listed.exchange_index == 1
    assert [p.step for p in listed.price_ranges] == ["0.0010"]
    one = client.get_multivariate_event_collection(COLLECTION).multivariate_contract
    assert one == listed
    by_event = client.get_multivariate_event_collections(
        associated_event_ticker=one.associated_events[0].ticker
    )
    assert [c.collection_ticker for c in by_event.multivariate_contracts] == [COLLECTION]


def test_creating_a_market_from_legs_validates(box: Box, client: Any) -> None:
    collection = client.get_multivariate_event_collection(COLLECTION).multivariate_contract
    legs = []
    for event in collection.associated_events:
        markets = client.get_markets(event_ticker=event.ticker, status="open").markets
        if markets:
            side = "yes" if len(legs) % 2 == 0 else "no"
            legs.append(
                sdk.TickerPair(
                    market_ticker=markets[0].ticker, event_ticker=event.ticker, side=side
                )
            )
        if len(legs) == 3:
            break
    # the SDK takes the request body's fields as keyword arguments
    made = client.create_market_in_multivariate_event_collection(
        COLLECTION, selected_markets=legs, with_market_payload=True
    )
    assert isinstance(made, sdk.CreateMarketInMultivariateEventCollectionResponse)
    assert made.market is not None
    assert made.market.ticker == made.market_ticker
    assert [(leg.market_ticker, leg.side) for leg in made.market.mve_selected_legs] == [
        (leg.market_ticker, leg.side) for leg in legs
    ]
    again = client.create_market_in_multivariate_event_collection(
        COLLECTION, selected_markets=legs[::-1]
    )
    assert (again.event_ticker, again.market_ticker, again.market) == (
        made.event_ticker, made.market_ticker, None,
    )  # fmt: skip
    read = client.get_market(made.market_ticker).market
    assert read.exchange_index == 1
    assert read.mve_collection_ticker == COLLECTION


def test_bad_legs_answer_the_sdks_error(client: Any) -> None:
    one_leg = [sdk.TickerPair(market_ticker="X-1", event_ticker="X", side="yes")]
    with pytest.raises(sdk.ApiException) as refused:
        client.create_market_in_multivariate_event_collection(COLLECTION, selected_markets=one_leg)
    assert refused.value.status == 400
    with pytest.raises(sdk.ApiException) as missing:
        client.get_multivariate_event_collection("KXMVENOPE-R")
    assert missing.value.status == 404
