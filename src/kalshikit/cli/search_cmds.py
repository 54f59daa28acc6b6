"""`kalshi search ...`: the tags and sport filters Kalshi's search offers, as tables or JSON."""

from __future__ import annotations

import typer

from kalshikit.cli._output import emit
from kalshikit.cli._state import state

app = typer.Typer(help="Search filters: tags, sports.", no_args_is_help=True)


@app.command("tags")
def tags(ctx: typer.Context) -> None:
    """Each series category and its tags (what `kalshi series list --category` takes).

    Example: kalshi search tags
    """
    state_ = state(ctx)
    with state_.client() as client:
        found = client.search.tags_by_categories()
    rows = ([category, ", ".join(names) or None] for category, names in found.items())
    emit(
        state_.json, found, None, ["category", "tags"], rows,
        shrink=("tags",), empty="no categories listed",
    )  # fmt: skip


@app.command("sports")
def sports(ctx: typer.Context) -> None:
    """Each sport's competitions and the scopes they list (games, futures ...).

    Example: kalshi search sports
    """
    state_ = state(ctx)
    with state_.client() as client:
        found = client.search.filters_by_sport()
    rows = (
        [sport, competition, ", ".join(scopes.scopes) or None]
        for sport in found.sport_ordering or list(found.filters_by_sports)
        if sport in found.filters_by_sports
        for competition, scopes in found.filters_by_sports[sport].competitions.items()
    )
    emit(
        state_.json, found, None, ["sport", "competition", "scopes"], rows,
        shrink=("scopes",), empty="no sports listed",
    )  # fmt: skip
