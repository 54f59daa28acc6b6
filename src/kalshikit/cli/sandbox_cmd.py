"""`kalshi sandbox ...`: run and manage the local Kalshi exchange (the `local` environment)."""

from __future__ import annotations

import shlex
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer

from kalshikit.cli import fault_cmds
from kalshikit.cli._clients import start_with_progress
from kalshikit.cli._output import emit_fields, emit_json, note, stdout
from kalshikit.cli._state import state
from kalshikit.errors import ValidationError
from kalshikit.sandbox import launch
from kalshikit.units.display import money

app = typer.Typer(help="Run the local sandbox exchange.", no_args_is_help=True)
app.add_typer(fault_cmds.app, name="fault")

HostOption = Annotated[str, typer.Option(help="Address to listen on (loopback by default).")]
PortOption = Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)]
DataDirOption = Annotated[
    Path | None, typer.Option("--data-dir", help="State directory (default: user data dir).")
]
SeedOption = Annotated[
    int | None,
    typer.Option(
        help="Seed of the catalog and simulated activity (default 0); fixed when the data dir's "
        "store is made, so an existing data dir keeps its own.",
        show_default=False,
    ),
]
MarketsOption = Annotated[
    int | None,
    typer.Option(
        help="About how many markets (default 200); fixed like --seed.", min=1, show_default=False
    ),
]
TierOption = Annotated[str, typer.Option(help="Rate-limit tier of new users.")]
_IGNORED = "Ignored: keygen uses the data dir's own sandbox, wherever it listens."
LegacyHostOption = Annotated[str | None, typer.Option("--host", hidden=True, help=_IGNORED)]
LegacyPortOption = Annotated[int | None, typer.Option("--port", hidden=True, help=_IGNORED)]


def _data_dir(given: Path | None) -> Path:
    return (given or launch.default_data_dir()).expanduser().resolve()


LiquidityOption = Annotated[
    bool,
    typer.Option("--liquidity/--no-liquidity", help="Rest a house ladder on every open market."),
]
ActivityOption = Annotated[
    float,
    typer.Option(
        help="Simulated market activity: target orders a second from seeded market makers and "
        "takers, plus markets determined and settled on schedule; 0 turns it off.",
        min=0,
    ),
]


def settings_from(
    host: str,
    port: int,
    data_dir: Path | None,
    seed: int | None,
    markets: int | None,
    tier: str,
    limits: bool,
    liquidity: bool = True,
    activity: float = launch.DEFAULT_ACTIVITY,
) -> launch.SandboxSettings:
    """Settings from the command line; a --seed/--markets left out is the data dir's own (the
    default for a new one), one given is checked against it (launch.resolve_catalog)."""
    defaults = launch.SandboxSettings()
    given = {"seed": seed, "markets": markets}
    return launch.SandboxSettings(
        host=host,
        port=port,
        data_dir=_data_dir(data_dir),
        seed=defaults.seed if seed is None else seed,
        markets=defaults.markets if markets is None else markets,
        tier=tier,
        limits_enabled=limits,
        liquidity=liquidity,
        activity=activity,
        catalog_given=frozenset(name for name, value in given.items() if value is not None),
    )


@app.command("serve")
def serve(
    host: HostOption = launch.DEFAULT_HOST,
    port: PortOption = launch.DEFAULT_PORT,
    data_dir: DataDirOption = None,
    seed: SeedOption = None,
    markets: MarketsOption = None,
    tier: TierOption = "basic",
    limits: Annotated[
        bool, typer.Option("--limits/--no-limits", help="Enforce rate limits.")
    ] = True,
    liquidity: LiquidityOption = True,
    activity: ActivityOption = launch.DEFAULT_ACTIVITY,
) -> None:
    """Run the sandbox in the foreground until Ctrl-C.

    Example: kalshi sandbox serve --port 8470 --markets 2000 --seed 7
    """
    from kalshikit.sandbox.launch import serve_sandbox

    settings = settings_from(host, port, data_dir, seed, markets, tier, limits, liquidity, activity)
    serve_sandbox(settings, announce=_announce, progress=_starting)


def _starting(step: str) -> None:
    """A step of the start, on stderr: `start` relays these from the log to its spinner."""
    note(f"{launch.PROGRESS_PREFIX}{step}")


def _announce(settings: launch.SandboxSettings) -> None:
    """Said only once the data dir and the port are ours, so it is never followed by a refusal."""
    note(f"sandbox on {settings.rest_url} (data in {settings.data_dir}); Ctrl-C stops it")


@app.command("start")
def start(
    ctx: typer.Context,
    host: HostOption = launch.DEFAULT_HOST,
    port: PortOption = launch.DEFAULT_PORT,
    data_dir: DataDirOption = None,
    seed: SeedOption = None,
    markets: MarketsOption = None,
    tier: TierOption = "basic",
    liquidity: LiquidityOption = True,
    activity: ActivityOption = launch.DEFAULT_ACTIVITY,
) -> None:
    """Start the sandbox in the background (state kept in the data dir).

    Example: kalshi sandbox start --activity 40
    """
    wanted = settings_from(host, port, data_dir, seed, markets, tier, True, liquidity, activity)
    settings = launch.resolve_catalog(wanted)
    server = launch.running_server(settings.data_dir)
    if server is not None:  # this data dir's own sandbox, whatever port it was given
        _report(ctx, launch.at_server(settings, server), "already running", server.pid)
        return
    if launch.is_answering(settings.host, settings.port):
        from kalshikit.sandbox.server import PortInUse

        raise PortInUse(settings.host, settings.port)
    launch.remember(settings)
    start_with_progress(settings)
    _report(ctx, settings, "started")


@app.command("stop")
def stop(ctx: typer.Context, data_dir: DataDirOption = None) -> None:
    """Stop the sandbox of this data dir (started in the background, or a `serve`).

    Example: kalshi sandbox stop
    """
    settings = launch.remembered(_data_dir(data_dir))
    server = launch.running_server(settings.data_dir)
    settings = settings if server is None else launch.at_server(settings, server)
    stopped = launch.stop_background(settings)
    _report(ctx, settings, "stopped" if stopped else "not running")


@app.command("status")
def status(ctx: typer.Context, data_dir: DataDirOption = None) -> None:
    """Is the sandbox of this data dir answering, at which URL and with which pid. Exits 1 when
    it is not running, so scripts can test it (`kalshi sandbox status || kalshi sandbox start`).

    Example: kalshi sandbox status || kalshi sandbox start
    """
    settings = launch.remembered(_data_dir(data_dir))
    server = launch.running_server(settings.data_dir)  # not whatever answers on its old port
    if server is None:
        _report(ctx, settings, "not running")
        raise typer.Exit(1)
    settings = launch.at_server(settings, server)
    answering = launch.is_answering(settings.host, settings.port)
    _report(ctx, settings, "running" if answering else "starting", server.pid)


@app.command("reset")
def reset(ctx: typer.Context, data_dir: DataDirOption = None) -> None:
    """Stop the sandbox and delete its state: users, keys, orders. The next start begins afresh.

    Example: kalshi sandbox reset
    """
    settings = launch.remembered(_data_dir(data_dir))
    launch.reset_data_dir(settings)
    _report(ctx, settings, "reset")
    # on stderr: --json keeps stdout one document
    note(
        "every user and API key of this sandbox is gone (exported keys now get 401): run "
        "`kalshi sandbox keygen`, then `kalshi sandbox start`"
    )


@app.command("keygen")
def keygen(
    ctx: typer.Context,
    data_dir: DataDirOption = None,
    out: Annotated[Path | None, typer.Option(help="Where to write the private key (PEM).")] = None,
    balance: Annotated[str, typer.Option(help="Starting cash in dollars.")] = "1000",
    key_type: Annotated[str, typer.Option("--type", help="rsa or ed25519")] = "rsa",
    fcm: Annotated[
        bool, typer.Option("--fcm", help="Make the new user an FCM member (kalshi fcm ...).")
    ] = False,
    subtrader: Annotated[
        str | None,
        typer.Option(
            help="No new user: a key for this existing FCM subtrader, funded with --balance."
        ),
    ] = None,
    host: LegacyHostOption = None,
    port: LegacyPortOption = None,
) -> None:
    """Create a user with an API key in the data dir's sandbox (through its server when it runs,
    else into its store); print its id and where the private key is. --fcm makes it an FCM
    member; --subtrader ID gives an FCM's subtrader a key of its own to trade with.

    Example: kalshi sandbox keygen --balance 5000 --type ed25519
    """
    from kalshikit.sandbox.keys import create_user_with_key

    settings = launch.SandboxSettings(data_dir=_data_dir(data_dir))  # a new store: the defaults
    _note_ignored_address(settings.data_dir, host, port)
    created = create_user_with_key(
        settings,
        balance=_dollars(balance),
        key_type=key_type,
        out=out,
        fcm=fcm,
        subtrader=subtrader,
    )
    if state(ctx).json:
        emit_json(created)
        return
    # the words on stderr and only the export lines on stdout: `eval "$(kalshi sandbox keygen)"`
    note(
        f"sandbox user {created['user_id']} with {money(created['balance_dollars'])}; use its key "
        'in this shell with the lines below, or at once with: eval "$(kalshi sandbox keygen)"'
    )
    stdout.print(export_lines(created), highlight=False, markup=False)


def export_lines(created: dict[str, str]) -> str:
    """The shell lines that make the local environment use this key. The LOCAL names, so the
    key is never the fallback for demo or prod (where the unprefixed names would be)."""
    return (
        f"export KALSHI_LOCAL_API_KEY_ID={created['api_key_id']}\n"
        f"export KALSHI_LOCAL_PRIVATE_KEY_PATH={shlex.quote(created['private_key_path'])}"
    )


def _note_ignored_address(data_dir: Path, host: str | None, port: int | None) -> None:
    """keygen once registered with whatever answered at --host/--port; it now always uses the
    data dir's own sandbox. Old command lines still run, told so when the address differs."""
    if host is None and port is None:
        return
    server = launch.running_server(data_dir)
    if server is None:
        note(
            f"--host/--port are ignored: the sandbox of {data_dir} is stopped, so the key goes "
            "into its store and works once it runs"
        )
    elif (host is not None and host != server.host) or (port is not None and port != server.port):
        note(
            f"--host/--port are ignored: the key goes to the sandbox of {data_dir}, which "
            f"listens on {server.host}:{server.port}"
        )


def _dollars(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except ArithmeticError:
        raise ValidationError(
            f"--balance takes dollars such as 1000 or 250.50; got {text!r}"
        ) from None
    if not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.01")):
        raise ValidationError(f"--balance takes whole cents, 0 or more; got {text!r}")
    return value


def _report(
    ctx: typer.Context, settings: launch.SandboxSettings, what: str, pid: int | None = None
) -> None:
    facts = {
        "status": what,
        "url": settings.rest_url,
        "pid": launch.read_pid(settings) if pid is None else pid,
        "data_dir": str(settings.data_dir),
    }
    if state(ctx).json:
        emit_json(facts)
        return
    shown = [(k.replace("_", " "), v) for k, v in facts.items() if k != "status"]
    emit_fields(f"sandbox {what}", shown)  # the title says the status
