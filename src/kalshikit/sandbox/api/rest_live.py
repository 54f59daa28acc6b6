"""The sandbox's live-data handlers (a mixin of ``RestHandlers``): a game's score and clock by
milestone (one, a batch of up to 100, or through the legacy typed route), its play-by-play, an
event's live data (a weather day's readings) and each city's temperature index and calibrations.

Each reads the query the way the real API takes it (SDK 3.34: ``milestone_ids`` repeated,
``from``/``to`` in unix ms paired unless ``last_sec`` is given) and returns wire structs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from kalshikit.sandbox.api._handler_kit import HandlerCtx
from kalshikit.sandbox.gateway import bad_request

if TYPE_CHECKING:
    from kalshikit.sandbox.exchange import Exchange

__all__ = ["LiveDataHandlers"]

_MAX_BATCH: Final = 100


class LiveDataHandlers:
    """Handlers named after their endpoints (``live_data.batch`` -> ``live_data_batch``)."""

    ex: Exchange

    def live_data_event(self, c: HandlerCtx) -> object:
        live = self.ex.event_live_data(c.path["event_ticker"], c.query.text("range"))
        return {"live_data": live}

    def live_data_milestone(self, c: HandlerCtx) -> object:
        c.query.boolean("include_player_stats")  # no player stats in the sandbox
        return {"live_data": self.ex.milestone_live_data(c.path["milestone_id"])}

    def live_data_by_type(self, c: HandlerCtx) -> object:
        c.query.boolean("include_player_stats")
        live = self.ex.milestone_live_data(c.path["milestone_id"], c.path["type"])
        return {"live_data": live}

    def live_data_batch(self, c: HandlerCtx) -> object:
        c.query.boolean("include_player_stats")
        ids = c.query.csv("milestone_ids", _MAX_BATCH)
        if ids is None:
            raise bad_request("milestone_ids is required (1 to 100 ids)", "milestone_ids")
        return {"live_datas": self.ex.live_datas(ids)}

    def live_data_game_stats(self, c: HandlerCtx) -> object:
        return self.ex.game_stats(c.path["milestone_id"])

    def live_data_weather(self, c: HandlerCtx) -> object:
        q = c.query
        return self.ex.weather_index(
            c.path["city"],
            start_ms=q.integer("from", 0),
            end_ms=q.integer("to", 0),
            last_sec=q.integer("last_sec", 1),
            detailed=bool(q.boolean("detailed")),
        )

    def live_data_weather_calibrations(self, c: HandlerCtx) -> object:
        return self.ex.weather_calibrations(c.path["city"])
