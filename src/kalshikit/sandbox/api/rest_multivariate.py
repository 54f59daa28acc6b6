"""The sandbox's multivariate-collection handlers (a mixin of ``RestHandlers``): the list and get
of collections, and creating (or finding) the combo market of chosen legs.

The list reads its query as the real API takes it (``status`` unopened/open/closed, page size up
to ``ENDPOINTS``' 200, default 100); creating goes through the writer (the store journals it),
unless the legs made a market already, which a read finds without writing anything.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from kalshikit.endpoints import ENDPOINTS
from kalshikit.models import (
    COLLECTION_STATUSES,
    CreateMarketInCollectionRequest,
    CreateMarketInCollectionResponse,
)
from kalshikit.sandbox.api._handler_kit import HandlerCtx
from kalshikit.sandbox.gateway import bad_request, decode_body

if TYPE_CHECKING:
    from kalshikit.sandbox.exchange import Exchange, ExchangeWriter

__all__ = ["MultivariateHandlers"]


class _BodyCtx(HandlerCtx, Protocol):
    @property
    def body(self) -> bytes: ...


class MultivariateHandlers:
    """Handlers named after their endpoints (``multivariate.collections`` ->
    ``multivariate_collections``)."""

    ex: Exchange
    writer: ExchangeWriter

    def multivariate_collections(self, c: HandlerCtx) -> object:
        q = c.query
        collections, cursor = self.ex.collections(
            status=q.choice("status", COLLECTION_STATUSES),
            associated_event_ticker=q.text("associated_event_ticker"),
            series_ticker=q.text("series_ticker"),
            limit=q.limit(100, ENDPOINTS["multivariate.collections"].max_limit),
            cursor=q.text("cursor"),
        )
        return {"multivariate_contracts": collections, "cursor": cursor}

    def multivariate_collection(self, c: HandlerCtx) -> object:
        return {"multivariate_contract": self.ex.collection(c.path["collection_ticker"])}

    def multivariate_create_market(self, c: _BodyCtx) -> object:
        req = decode_body(c.body, CreateMarketInCollectionRequest)
        if not req.selected_markets:
            raise bad_request("selected_markets must name at least one market", "selected_markets")
        collection = c.path["collection_ticker"]
        legs = [(p.event_ticker, p.market_ticker, p.side) for p in req.selected_markets]
        found = self.ex.find_combo(collection, legs)  # refuses bad legs; writes nothing
        if found is None:
            event_ticker, market_ticker, _ = self.writer.create_combo(collection, legs)
        else:
            event_ticker, market_ticker = found
        market = self.ex.market(market_ticker) if req.with_market_payload else None
        return CreateMarketInCollectionResponse(
            event_ticker=event_ticker, market_ticker=market_ticker, market=market
        )
