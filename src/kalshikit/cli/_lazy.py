"""The root of the command line, built lazily: a command's module is imported only when that
command runs, so `kalshi --help` costs Python plus typer and `kalshi markets get` costs what
that one command needs (bench/bench_cli_startup.py).

It also polishes what click shows: flags have no ``<bool>`` placeholder, and help text is read
as Markdown, so a docstring's wrapped lines join into one paragraph.
"""

from __future__ import annotations

import importlib
from typing import Any, NamedTuple

import typer
import typer.main
from typer.core import TyperCommand, TyperGroup


class Entry(NamedTuple):
    module: str
    attribute: str
    help: str


COMMANDS: dict[str, Entry] = {
    "markets": Entry("kalshikit.cli.market_cmds", "markets", "Markets: list, get, order book."),
    "events": Entry("kalshikit.cli.market_cmds", "events", "Events: groups of related markets."),
    "series": Entry(
        "kalshikit.cli.market_cmds", "series", "Series: templates that events are made from."
    ),
    "order": Entry("kalshikit.cli.order_cmds", "app", "Place and manage orders."),
    "portfolio": Entry(
        "kalshikit.cli.portfolio_cmds", "app", "Your balance, positions, fills and settlements."
    ),
    "history": Entry("kalshikit.cli.history_cmds", "app", "Past markets, trades, fills, candles."),
    "chart": Entry("kalshikit.cli.chart_cmds", "chart", "A market's price and volume as a chart."),
    "search": Entry("kalshikit.cli.search_cmds", "app", "Search filters: tags, sports."),
    "live": Entry("kalshikit.cli.live_cmds", "live", "A game's score or a city's temperature."),
    "combos": Entry("kalshikit.cli.combo_cmds", "app", "Combos: collections, create from legs."),
    "keys": Entry("kalshikit.cli.keys_cmds", "app", "API keys: list, create, generate, delete."),
    "rfq": Entry("kalshikit.cli.rfq_cmds", "app", "Request quotes (RFQs) and trade on them."),
    "quote": Entry("kalshikit.cli.rfq_cmds", "quote_app", "Quote on other users' RFQs."),
    "account": Entry(
        "kalshikit.cli.account_cmds", "app", "Your API usage level: limits, progress, upgrade."
    ),
    "subaccounts": Entry(
        "kalshikit.cli.subaccount_cmds", "app", "Subaccounts: list, create, move cash, netting."
    ),
    "fcm": Entry(
        "kalshikit.cli.fcm_cmds", "app", "FCM members: subtraders, their orders, fills, caps."
    ),
    "transfer": Entry(
        "kalshikit.cli.money_cmds", "app", "Move money between shards; list your transfers."
    ),
    "stream": Entry(
        "kalshikit.cli.stream_cmds", "app", "Live tickers, trades, fills and order books."
    ),
    "replay": Entry(
        "kalshikit.cli.replay_cmds", "replay", "Replay a recorded tape: lines or books."
    ),
    "record": Entry(
        "kalshikit.cli.record_cmds", "record", "Record live books, trades and tickers to a tape."
    ),
    "run": Entry("kalshikit.cli.run_cmds", "run", "Run a strategy: a backtest on a tape, or live."),
    "scan": Entry(
        "kalshikit.cli.scan_cmds", "scan", "Rank markets live: movers, close races, spreads..."
    ),
    "dashboard": Entry(
        "kalshikit.cli.dashboard_cmds", "dashboard", "A live dashboard in the browser."
    ),
    "kill": Entry(
        "kalshikit.cli.kill_cmds", "kill", "Kill switch: halt strategies, cancel every order."
    ),
    "paper": Entry("kalshikit.cli.paper_cmds", "app", "Paper trading: calibrate against truth."),
    "sandbox": Entry("kalshikit.cli.sandbox_cmd", "app", "Run the local sandbox exchange."),
    "doctor": Entry(
        "kalshikit.cli.doctor_cmd", "doctor", "Check settings, key, network, clock and tier."
    ),
    "config": Entry("kalshikit.cli.config_cmd", "app", "Show the effective configuration."),
}


def polish(command: Any) -> Any:
    """No ``<bool>`` after a flag, Markdown help text; the whole tree below ``command``."""
    if hasattr(command, "rich_markup_mode"):
        command.rich_markup_mode = "markdown"
    for param in command.params:
        if getattr(param, "is_flag", False):
            param.metavar = ""
    original = command.get_help_option

    def help_option(ctx: Any) -> Any:
        option = original(ctx)
        if option is not None:
            option.metavar = ""
        return option

    command.get_help_option = help_option
    for child in getattr(command, "commands", {}).values():
        polish(child)
    return command


def build(found: Any, name: str) -> Any:
    """The click group of a Typer app (a group even with one command: `config show`), or the
    command of one function."""
    if isinstance(found, typer.Typer):
        return typer.main.get_group(found)
    single = typer.Typer()
    single.command(name)(found)
    return typer.main.get_command(single)


class LazyGroup(TyperGroup):
    """The root group: every command listed at once, each imported on first use."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._listing = False
        # placeholders, so "No such command 'lst'. Did you mean 'list'?" still finds them
        self.commands = {name: _placeholder(name, e.help) for name, e in COMMANDS.items()}

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        if self._listing:  # the root's --help shows names and one line each: nothing to import
            return self.commands[cmd_name]
        found = getattr(importlib.import_module(entry.module), entry.attribute)
        command = polish(build(found, cmd_name))
        command.name = cmd_name
        return command

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False


def _placeholder(name: str, help_text: str) -> TyperCommand:
    return TyperCommand(name=name, help=help_text, short_help=help_text, callback=None)
