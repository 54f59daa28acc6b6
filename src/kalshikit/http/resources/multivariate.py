"""``client.multivariate``: multivariate event collections, and the combo markets made in them.

A collection combines markets of its associated events: ``create_market`` names the legs (a
market and the side taken) and answers the combo market they make, created the first time and
found every time after (the same legs, the same market). Kalshi wants each leg's event ticker
too; given a ``(market_ticker, side)`` pair it is the market ticker up to its last ``-`` (Kalshi
names markets ``EVENT-SUFFIX``), or pass a ``TickerPair`` to give it yourself.

Every method checks its arguments before anything is built (a ValidationError sends nothing).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from kalshikit.errors import ValidationError
from kalshikit.http import _pager
from kalshikit.http._core import Call, prepare
from kalshikit.http.resources._base import AsyncResource, SyncResource
from kalshikit.models import (
    COLLECTION_STATUSES,
    CreateMarketInCollectionRequest,
    CreateMarketInCollectionResponse,
    MultivariateCollection,
    MultivariateCollectionResponse,
    MultivariateCollectionsPage,
    TickerPair,
)

__all__ = ["AsyncMultivariate", "Leg", "Multivariate", "leg_pairs"]

Leg = TickerPair | tuple[str, str]
_SIDES: Final = ("yes", "no")
_MAX_PAGE: Final = 200


def leg_pairs(legs: Sequence[Leg]) -> list[TickerPair]:
    """The legs as the wire takes them; ValidationError on a malformed, repeated or empty list."""
    if isinstance(legs, str | bytes) or not legs:
        raise ValidationError("legs takes one or more (market_ticker, side) pairs")
    pairs = [_pair(leg) for leg in legs]
    seen: set[str] = set()
    for pair in pairs:
        if pair.market_ticker in seen:
            raise ValidationError(f"market {pair.market_ticker} is given twice; give each leg once")
        seen.add(pair.market_ticker)
    return pairs


def _pair(leg: Leg) -> TickerPair:
    if isinstance(leg, TickerPair):
        ticker, event, side = leg.market_ticker, leg.event_ticker, leg.side
    elif isinstance(leg, tuple) and len(leg) == 2 and all(isinstance(x, str) for x in leg):
        ticker, side = leg
        event = ticker.rpartition("-")[0]
    else:
        raise ValidationError(f"a leg is a (market_ticker, side) pair or a TickerPair; got {leg!r}")
    if not ticker or not event:
        raise ValidationError(
            f"leg {ticker!r} names no event: a market ticker reads EVENT-SUFFIX, or pass a "
            "TickerPair with its event_ticker"
        )
    if side not in _SIDES:
        raise ValidationError(f"the side of leg {ticker} must be 'yes' or 'no'; got {side!r}")
    return TickerPair(market_ticker=ticker, event_ticker=event, side=side)


def _list_params(
    status: str | None,
    associated_event_ticker: str | None,
    series_ticker: str | None,
    page_size: int,
) -> dict[str, object]:
    if status is not None and status not in COLLECTION_STATUSES:
        raise ValidationError(
            f"status must be one of {', '.join(COLLECTION_STATUSES)}; got {status!r}"
        )
    return {
        "status": status,
        "associated_event_ticker": associated_event_ticker,
        "series_ticker": series_ticker,
        "limit": page_size,
    }


def _collection_call(
    collection_ticker: str,
) -> Call[MultivariateCollectionResponse, MultivariateCollection]:
    req = prepare("multivariate.collection", path={"collection_ticker": collection_ticker})
    return Call(req, MultivariateCollectionResponse, lambda r: r.multivariate_contract)


def _create_call(
    collection_ticker: str, legs: Sequence[Leg], with_market: bool
) -> Call[CreateMarketInCollectionResponse, CreateMarketInCollectionResponse]:
    if not isinstance(with_market, bool):
        raise ValidationError(f"with_market must be True or False; got {with_market!r}")
    body = CreateMarketInCollectionRequest(
        selected_markets=leg_pairs(legs), with_market_payload=with_market or None
    )
    req = prepare(
        "multivariate.create_market", path={"collection_ticker": collection_ticker}, body=body
    )
    return Call(req, CreateMarketInCollectionResponse, lambda r: r)


class Multivariate(SyncResource):
    """``client.multivariate``: collections, and the combo market chosen legs make."""

    def collections(
        self,
        *,
        status: str | None = None,
        associated_event_ticker: str | None = None,
        series_ticker: str | None = None,
        page_size: int = _MAX_PAGE,
        max_pages: int | None = None,
    ) -> _pager.SyncPager[MultivariateCollectionsPage, MultivariateCollection]:
        """Collections, every page (``status``: unopened, open or closed)."""
        params = _list_params(status, associated_event_ticker, series_ticker, page_size)
        return self._pages(
            "multivariate.collections",
            MultivariateCollectionsPage,
            params,
            lambda page: page.multivariate_contracts,
            max_pages,
        )

    def collection(self, collection_ticker: str) -> MultivariateCollection:
        """One collection: its associated events and the rules legs must follow."""
        return self._client.call(_collection_call(collection_ticker))

    def create_market(
        self, collection_ticker: str, legs: Sequence[Leg], *, with_market: bool = False
    ) -> CreateMarketInCollectionResponse:
        """The combo market of ``legs`` (``[("KXNBAGAME-26NOV02BOSNYK-BOS", "yes"), ...]``),
        created now or found (the same legs, the same market); signed. ``with_market`` asks
        for the market itself in the answer."""
        return self._client.call(_create_call(collection_ticker, legs, with_market))


class AsyncMultivariate(AsyncResource):
    def collections(
        self,
        *,
        status: str | None = None,
        associated_event_ticker: str | None = None,
        series_ticker: str | None = None,
        page_size: int = _MAX_PAGE,
        max_pages: int | None = None,
    ) -> _pager.AsyncPager[MultivariateCollectionsPage, MultivariateCollection]:
        params = _list_params(status, associated_event_ticker, series_ticker, page_size)
        return self._pages(
            "multivariate.collections",
            MultivariateCollectionsPage,
            params,
            lambda page: page.multivariate_contracts,
            max_pages,
        )

    async def collection(self, collection_ticker: str) -> MultivariateCollection:
        return await self._client.call(_collection_call(collection_ticker))

    async def create_market(
        self, collection_ticker: str, legs: Sequence[Leg], *, with_market: bool = False
    ) -> CreateMarketInCollectionResponse:
        return await self._client.call(_create_call(collection_ticker, legs, with_market))
