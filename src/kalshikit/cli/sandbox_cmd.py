"""`kalshi sandbox ...`: run and manage the local Kalshi exchange (the `local` environment)."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer

from kalshikit.cli import fault_cmds
from kalshikit.cli._output import emit_json, emit_table, note
from kalshikit.cli._state import state
from kalshikit.errors import ValidationError
from kalshikit.sandbox import launch

app = typer.Typer(help="Run the local sandbox exchange.", no_args_is_help=True)
app.add_typer(fault_cmds.app, name="fault")

HostOption = Annotated[str, typer.Option(help="Address to listen on (loopback by default).")]
PortOption = Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)]
DataDirOption = Annotated[
    Path | None, typer.Option("--data-dir", help="State directory (default: user data dir).")
]
SeedOption = Annotated[int, typer.Option(help="Seed of the catalog and simulated activity.")]
MarketsOption = Annotated[int, typer.Option(help="About how many markets.", min=1)]
TierOption = Annotated[str, typer.Option(help="Rate-limit tier of new users.")]


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
    seed: int,
    markets: int,
    tier: str,
    limits: bool,
    liquidity: bool = True,
    activity: float = launch.DEFAULT_ACTIVITY,
) -> launch.SandboxSettings:
    return launch.SandboxSettings(
        host=host,
        port=port,
        data_dir=_data_dir(data_dir),
        seed=seed,
        markets=markets,
        tier=tier,
        limits_enabled=limits,
        liquidity=liquidity,
        activity=activity,
    )


@app.command("serve")
def serve(
    host: HostOption = launch.DEFAULT_HOST,
    port: PortOption = launch.DEFAULT_PORT,
    data_dir: DataDirOption = None,
    seed: SeedOption = 0,
    markets: MarketsOption = 200,
    tier: TierOption = "basic",
    limits: Annotated[
        bool, typer.Option("--limits/--no-limits", help="Enforce rate limits.")
    ] = True,
    liquidity: LiquidityOption = True,
    activity: ActivityOption = launch.DEFAULT_ACTIVITY,
) -> None:
    """Run the sandbox in the foreground until Ctrl-C."""
    from kalshikit.sandbox.launch import serve_sandbox

    settings = settings_from(host, port, data_dir, seed, markets, tier, limits, liquidity, activity)
    note(f"sandbox on {settings.rest_url} (data in {settings.data_dir}); Ctrl-C stops it")
    serve_sandbox(settings)


@app.command("start")
def start(
    ctx: typer.Context,
    host: HostOption = launch.DEFAULT_HOST,
    port: PortOption = launch.DEFAULT_PORT,
    data_dir: DataDirOption = None,
    seed: SeedOption = 0,
    markets: MarketsOption = 200,
    tier: TierOption = "basic",
    liquidity: LiquidityOption = True,
    activity: ActivityOption = launch.DEFAULT_ACTIVITY,
) -> None:
    """Start the sandbox in the background (state kept in the data dir)."""
    settings = settings_from(host, port, data_dir, seed, markets, tier, True, liquidity, activity)
    if launch.is_answering(settings.host, settings.port):
        _report(ctx, settings, "already running")
        return
    launch.remember(settings)
    launch.start_background(settings)
    _report(ctx, settings, "started")


@app.command("stop")
def stop(ctx: typer.Context, data_dir: DataDirOption = None) -> None:
    """Stop the background sandbox of this data dir."""
    settings = launch.remembered(_data_dir(data_dir))
    stopped = launch.stop_background(settings)
    _report(ctx, settings, "stopped" if stopped else "not running")


@app.command("status")
def status(ctx: typer.Context, data_dir: DataDirOption = None) -> None:
    """Is the sandbox of this data dir answering, at which URL and with which pid."""
    settings = launch.remembered(_data_dir(data_dir))
    answering = launch.is_answering(settings.host, settings.port)
    _report(ctx, settings, "running" if answering else "not running")


@app.command("reset")
def reset(ctx: typer.Context, data_dir: DataDirOption = None) -> None:
    """Stop the background sandbox and delete its state: the next start begins afresh."""
    settings = launch.remembered(_data_dir(data_dir))
    launch.stop_background(settings)
    if settings.data_dir.exists():
        shutil.rmtree(settings.data_dir)
    _report(ctx, settings, "reset")


@app.command("keygen")
def keygen(
    ctx: typer.Context,
    data_dir: DataDirOption = None,
    out: Annotated[Path | None, typer.Option(help="Where to write the private key (PEM).")] = None,
    balance: Annotated[str, typer.Option(help="Starting cash in dollars.")] = "1000",
    key_type: Annotated[str, typer.Option("--type", help="rsa or ed25519")] = "rsa",
    host: HostOption = launch.DEFAULT_HOST,
    port: PortOption = launch.DEFAULT_PORT,
) -> None:
    """Create a sandbox user with an API key; print its id and where the private key is."""
    from kalshikit.sandbox.keys import create_user_with_key

    settings = settings_from(host, port, data_dir, 0, 200, "basic", True)
    created = create_user_with_key(settings, balance=_dollars(balance), key_type=key_type, out=out)
    emit_json(created)


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


def _report(ctx: typer.Context, settings: launch.SandboxSettings, what: str) -> None:
    facts = {
        "status": what,
        "url": settings.rest_url,
        "pid": launch.read_pid(settings),
        "data_dir": str(settings.data_dir),
    }
    if state(ctx).json:
        emit_json(facts)
        return
    emit_table(None, ["sandbox", "value"], [(k, v) for k, v in facts.items()])
